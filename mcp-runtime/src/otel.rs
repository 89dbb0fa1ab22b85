//! Export of the request spans and the metrics to an OpenTelemetry collector over OTLP
//! (HTTP/protobuf): the `otel` feature.
//!
//! Every request has a `tracing` span (`mcp.request`, target `mcp_runtime::request`) with the
//! attributes of OpenTelemetry's semantic conventions for MCP. With an OTLP endpoint, each
//! becomes an exported server span named for the call (`tools/call add`), whose parent is the
//! caller's span when the request's `_meta` carries a W3C `traceparent` (and `tracestate`),
//! with the spans and events of the handler at `info` and above nested inside it.
//!
//! The server's [metrics](crate::metrics) go the same way: every measurement `/metrics`
//! counts is also recorded into OpenTelemetry instruments (`mcp.requests`,
//! `mcp.request.duration`, ...; see the table of the metrics module), which are posted to
//! `/v1/metrics` every 60 seconds and when the server stops.
//!
//! The command line does it all: `--otlp-endpoint http://collector:4318`, or the standard
//! variables, which the flag wins over:
//!
//! | variable | meaning |
//! | --- | --- |
//! | `OTEL_EXPORTER_OTLP_ENDPOINT` | the collector's base URL; `/v1/traces` and `/v1/metrics` are appended |
//! | `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` | the full URL spans are posted to, used as given |
//! | `OTEL_EXPORTER_OTLP_METRICS_ENDPOINT` | the full URL metrics are posted to, used as given |
//! | `OTEL_METRIC_EXPORT_INTERVAL` | milliseconds between two exports of the metrics (default 60000) |
//! | `OTEL_SERVICE_NAME` | the `service.name` reported (default: the server's name) |
//!
//! Without any of the endpoints, nothing is exported and the request path does no more than
//! without the feature. A server that installs its own `tracing` subscriber adds the layer of
//! [`OtlpExport::layer`] to it, and keeps the guard until it stops:
//!
//! ```no_run
//! use mcp_runtime::otel::OtlpExport;
//! use mcp_runtime::prelude::*;
//! use tracing_subscriber::layer::SubscriberExt;
//! use tracing_subscriber::util::SubscriberInitExt;
//! use tracing_subscriber::Layer;
//!
//! #[tokio::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let export = OtlpExport::new("notes").service_version("1.0.0");
//!     let (otel, guard) = match export.is_configured() {
//!         true => export.layer().map(|(layer, guard)| (Some(layer), Some(guard)))?,
//!         false => (None, None),
//!     };
//!     // The log's filter is its own, so that the export still sees the request spans (at
//!     // `debug`) while the log shows `info`.
//!     let log = tracing_subscriber::fmt::layer()
//!         .with_writer(std::io::stderr)
//!         .with_filter(tracing_subscriber::filter::LevelFilter::INFO);
//!     tracing_subscriber::registry().with(otel).with(log).init();
//!     Server::new("notes", "1.0.0").serve_stdio().await?;
//!     drop(guard); // sends the spans not yet sent
//!     Ok(())
//! }
//! ```

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use opentelemetry::metrics::MeterProvider as _;
use opentelemetry::propagation::{Extractor, TextMapPropagator};
use opentelemetry::trace::{TraceContextExt, TracerProvider as _};
use opentelemetry::KeyValue;
use opentelemetry_otlp::{WithExportConfig, WithHttpConfig};
use opentelemetry_sdk::metrics::{PeriodicReader, SdkMeterProvider};
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::SdkTracerProvider;
use opentelemetry_sdk::Resource;
use tracing::Span;
use tracing_opentelemetry::OpenTelemetrySpanExt;
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::Layer;

/// The collector's base URL; `/v1/traces` is appended.
pub const ENDPOINT_VAR: &str = "OTEL_EXPORTER_OTLP_ENDPOINT";
/// The full URL spans are posted to; wins over [`ENDPOINT_VAR`].
pub const TRACES_ENDPOINT_VAR: &str = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT";
/// The full URL metrics are posted to; wins over [`ENDPOINT_VAR`].
pub const METRICS_ENDPOINT_VAR: &str = "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT";
/// The `service.name` reported; wins over the name given to [`OtlpExport::new`].
pub const SERVICE_NAME_VAR: &str = "OTEL_SERVICE_NAME";

/// How many exports are live: while none is, a request's trace context is not read.
static LIVE_EXPORTS: AtomicUsize = AtomicUsize::new(0);

/// How long one export may take, and how long the guard waits for the last spans.
const EXPORT_TIMEOUT: Duration = Duration::from_secs(10);

/// The export of the request spans to an OTLP collector, as configured by code and by the
/// `OTEL_*` variables.
///
/// ```
/// use mcp_runtime::otel::OtlpExport;
///
/// let export = OtlpExport::new("notes").endpoint("http://127.0.0.1:4318");
/// assert!(export.is_configured());
/// ```
#[derive(Debug, Clone)]
pub struct OtlpExport {
    service_name: String,
    service_version: Option<String>,
    endpoint: Option<String>,
}

/// Why the OTLP export could not be set up.
#[derive(Debug, thiserror::Error)]
#[error("cannot export over OTLP: {0}")]
pub struct OtlpError(String);

impl OtlpExport {
    /// The export of the server `service_name` (the `service.name` reported unless
    /// `OTEL_SERVICE_NAME` says otherwise), to the endpoint the variables name.
    pub fn new(service_name: impl Into<String>) -> Self {
        OtlpExport {
            service_name: service_name.into(),
            service_version: None,
            endpoint: None,
        }
    }

    /// Sends the spans to the collector at `url` (`http://127.0.0.1:4318`), as
    /// `--otlp-endpoint` does: a base URL, to which `/v1/traces` is appended. Wins over the
    /// variables.
    pub fn endpoint(mut self, url: impl Into<String>) -> Self {
        self.endpoint = Some(url.into());
        self
    }

    /// Reports `version` as `service.version`.
    pub fn service_version(mut self, version: impl Into<String>) -> Self {
        self.service_version = Some(version.into());
        self
    }

    /// True when there is somewhere to send spans: an [`endpoint`](Self::endpoint), or
    /// `OTEL_EXPORTER_OTLP_ENDPOINT` or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` set.
    pub fn is_configured(&self) -> bool {
        self.endpoint.is_some() || var_set(ENDPOINT_VAR) || var_set(TRACES_ENDPOINT_VAR)
    }

    /// True when there is somewhere to send metrics: an [`endpoint`](Self::endpoint), or
    /// `OTEL_EXPORTER_OTLP_ENDPOINT` or `OTEL_EXPORTER_OTLP_METRICS_ENDPOINT` set.
    pub fn exports_metrics(&self) -> bool {
        self.endpoint.is_some() || var_set(ENDPOINT_VAR) || var_set(METRICS_ENDPOINT_VAR)
    }

    /// A layer that exports the request spans (and the spans and events at `info` and above),
    /// with a filter of its own, and the guard that sends what is left when dropped. Give the
    /// other layers their own filters (`Layer::with_filter`), not a global one, or the request
    /// spans (at `debug`) never reach this layer.
    ///
    /// An endpoint that is not a plain `http://` URL is an error: the exporter speaks HTTP
    /// to a collector nearby, which forwards over TLS where needed.
    pub fn layer<S>(self) -> Result<(impl Layer<S>, OtlpGuard), OtlpError>
    where
        S: tracing::Subscriber + for<'span> LookupSpan<'span>,
    {
        let provider = self.provider()?;
        let tracer = provider.tracer("mcp-runtime");
        let filter = Targets::new()
            .with_default(LevelFilter::INFO)
            .with_target("mcp_runtime::request", LevelFilter::DEBUG);
        // The spans carry what the MCP conventions name, and not what tracing could add to
        // each: source location, thread, target, and busy and idle times (which would take
        // the clock at every poll).
        let layer = tracing_opentelemetry::layer()
            .with_tracer(tracer)
            .with_location(false)
            .with_threads(false)
            .with_target(false)
            .with_tracked_inactivity(false)
            .with_filter(filter);
        LIVE_EXPORTS.fetch_add(1, Ordering::Relaxed);
        Ok((
            layer,
            OtlpGuard {
                tracer: Some(provider),
                meter: None,
            },
        ))
    }

    /// Exports `metrics` (see [`Metrics::record_into`](crate::metrics::Metrics::record_into))
    /// to the collector's `/v1/metrics`, every `OTEL_METRIC_EXPORT_INTERVAL` milliseconds
    /// (default 60 000) and when the returned guard is dropped. The same endpoint rules as
    /// for [`layer`](Self::layer), with `OTEL_EXPORTER_OTLP_METRICS_ENDPOINT` for the full URL.
    ///
    /// ```no_run
    /// use mcp_runtime::metrics::Metrics;
    /// use mcp_runtime::otel::OtlpExport;
    ///
    /// # fn main() -> Result<(), mcp_runtime::otel::OtlpError> {
    /// let metrics = Metrics::new();
    /// let guard = OtlpExport::new("notes").endpoint("http://127.0.0.1:4318").metrics(&metrics)?;
    /// // ... serve with `Server::metrics(metrics)`, then drop the guard to send the last counts.
    /// # drop(guard); Ok(()) }
    /// ```
    pub fn metrics(&self, metrics: &crate::metrics::Metrics) -> Result<OtlpGuard, OtlpError> {
        let endpoint = self.endpoint_for("metrics", METRICS_ENDPOINT_VAR)?;
        let mut builder = opentelemetry_otlp::MetricExporter::builder()
            .with_http()
            .with_http_client(RuntimeClient::new()?)
            .with_timeout(EXPORT_TIMEOUT);
        if let Some(endpoint) = endpoint {
            builder = builder.with_endpoint(endpoint);
        }
        let exporter = builder.build().map_err(|e| OtlpError(e.to_string()))?;
        let provider = SdkMeterProvider::builder()
            .with_resource(self.resource())
            .with_reader(PeriodicReader::builder(exporter).build())
            .build();
        metrics.record_into(&provider.meter("mcp-runtime"));
        Ok(OtlpGuard {
            tracer: None,
            meter: Some(provider),
        })
    }

    /// The URL of `signal`'s export given in code (the base URL with `/v1/{signal}`), or
    /// `None` to let the exporter read the variables; an error when the URL in force is not
    /// a plain `http://` one.
    fn endpoint_for(&self, signal: &str, full_var: &str) -> Result<Option<String>, OtlpError> {
        let endpoint = self
            .endpoint
            .as_ref()
            .map(|url| format!("{}/v1/{signal}", url.trim_end_matches('/')));
        let shown = endpoint
            .clone()
            .or_else(|| var(full_var))
            .or_else(|| var(ENDPOINT_VAR))
            .unwrap_or_default();
        if !shown.is_empty() && !shown.starts_with("http://") {
            return Err(OtlpError(format!(
                "`{shown}`: expected an http:// URL such as http://127.0.0.1:4318 (a collector nearby, which forwards over TLS where needed)"
            )));
        }
        Ok(endpoint)
    }

    /// What the export says about the server: `service.name` and `service.version`.
    fn resource(&self) -> Resource {
        let mut resource = Resource::builder();
        if !var_set(SERVICE_NAME_VAR) {
            resource = resource.with_service_name(self.service_name.clone());
        }
        if let Some(version) = &self.service_version {
            resource = resource.with_attribute(KeyValue::new("service.version", version.clone()));
        }
        resource.build()
    }

    /// The tracer provider: a batch of spans at a time, posted by hyper.
    fn provider(&self) -> Result<SdkTracerProvider, OtlpError> {
        let endpoint = self.endpoint_for("traces", TRACES_ENDPOINT_VAR)?;
        let client = RuntimeClient::new()?;
        let mut builder = opentelemetry_otlp::SpanExporter::builder()
            .with_http()
            .with_http_client(client)
            .with_timeout(EXPORT_TIMEOUT);
        if let Some(endpoint) = endpoint {
            builder = builder.with_endpoint(endpoint);
        }
        let exporter = builder.build().map_err(|e| OtlpError(e.to_string()))?;
        Ok(SdkTracerProvider::builder()
            .with_resource(self.resource())
            .with_batch_exporter(exporter)
            .build())
    }
}

/// Keeps the export running; dropping it sends the spans (or metrics) not yet sent and stops
/// the export. Keep it until the server has stopped (the command line does).
#[must_use = "dropping the guard stops the export"]
#[derive(Debug)]
pub struct OtlpGuard {
    tracer: Option<SdkTracerProvider>,
    meter: Option<SdkMeterProvider>,
}

impl Drop for OtlpGuard {
    fn drop(&mut self) {
        if let Some(tracer) = &self.tracer {
            LIVE_EXPORTS.fetch_sub(1, Ordering::Relaxed);
            if let Err(error) = tracer.shutdown_with_timeout(EXPORT_TIMEOUT) {
                tracing::warn!(%error, "the last spans could not be exported");
            }
        }
        if let Some(meter) = &self.meter {
            if let Err(error) = meter.shutdown_with_timeout(EXPORT_TIMEOUT) {
                tracing::warn!(%error, "the last metrics could not be exported");
            }
        }
    }
}

/// Makes the caller's span, from the request's `traceparent` and `tracestate`, the parent of
/// the request's `span`; nothing while no export is live.
pub(crate) fn set_remote_parent(span: &Span, traceparent: Option<&str>, tracestate: Option<&str>) {
    if LIVE_EXPORTS.load(Ordering::Relaxed) == 0 {
        return;
    }
    let Some(traceparent) = traceparent else {
        return;
    };
    let carrier = TraceHeaders {
        traceparent,
        tracestate,
    };
    let context = TraceContextPropagator::new().extract(&carrier);
    if context.span().span_context().is_remote() {
        // Fails only when the span is not exported (no OTLP layer saw it).
        let _ = span.set_parent(context);
    }
}

/// The trace context of a request's `_meta`, as the propagator reads headers.
struct TraceHeaders<'a> {
    traceparent: &'a str,
    tracestate: Option<&'a str>,
}

impl Extractor for TraceHeaders<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        match key {
            "traceparent" => Some(self.traceparent),
            "tracestate" => self.tracestate,
            _ => None,
        }
    }

    fn keys(&self) -> Vec<&str> {
        vec!["traceparent", "tracestate"]
    }
}

fn var(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .filter(|value| !value.trim().is_empty())
}

fn var_set(name: &str) -> bool {
    var(name).is_some()
}

/// hyper's client on a runtime of its own: the batch processor exports from a thread of its
/// own, outside the server's runtime, so that exporting never waits on the server's tasks
/// (and the guard can flush from within one of them).
#[derive(Debug)]
struct RuntimeClient {
    client: opentelemetry_http::hyper::HyperClient,
    runtime: tokio::runtime::Runtime,
}

impl RuntimeClient {
    fn new() -> Result<Self, OtlpError> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| OtlpError(format!("cannot start the exporter's runtime: {e}")))?;
        let client =
            opentelemetry_http::hyper::HyperClient::with_default_connector(EXPORT_TIMEOUT, None);
        Ok(RuntimeClient { client, runtime })
    }
}

impl opentelemetry_http::HttpClient for RuntimeClient {
    // `async_trait`'s signature, written out.
    fn send_bytes<'a, 'b>(
        &'a self,
        request: opentelemetry_http::Request<opentelemetry_http::Bytes>,
    ) -> std::pin::Pin<
        Box<
            dyn std::future::Future<
                    Output = Result<
                        opentelemetry_http::Response<opentelemetry_http::Bytes>,
                        opentelemetry_http::HttpError,
                    >,
                > + Send
                + 'b,
        >,
    >
    where
        'a: 'b,
        Self: 'b,
    {
        let result = self.runtime.block_on(self.client.send_bytes(request));
        Box::pin(std::future::ready(result))
    }
}
