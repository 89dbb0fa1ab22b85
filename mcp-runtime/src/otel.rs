//! Export of the request spans and the metrics to an OpenTelemetry collector over OTLP
//! (HTTP/protobuf): the `otel` feature.
//!
//! With an OTLP endpoint, every request is exported as a server span named for the call
//! (`tools/call add`), with the attributes of OpenTelemetry's semantic conventions for MCP,
//! whose parent is the caller's span when the request's `_meta` carries a W3C `traceparent`
//! (and `tracestate`), with the spans and events of the handler at `info` and above nested
//! inside it. The request spans take a way of their own: each is written in OTLP's protobuf as
//! its request ends, and a thread of the export posts them a batch at a time, as the SDK's batch
//! processor would (under the same `OTEL_BSP_*` limits), at a fraction of the cost of building
//! them through `tracing-opentelemetry` and the SDK. The handler's spans and events go through
//! those.
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
//! | `OTEL_EXPORTER_OTLP_HEADERS` | headers sent with every export (`x-api-key=...`), as `key=value` pairs separated by commas (`..._TRACES_HEADERS` for the spans alone) |
//! | `OTEL_EXPORTER_OTLP_CERTIFICATE` | a PEM file of the certificates an `https://` collector is verified with, instead of the public roots (`..._TRACES_CERTIFICATE`, `..._METRICS_CERTIFICATE` for one signal) |
//! | `OTEL_METRIC_EXPORT_INTERVAL` | milliseconds between two exports of the metrics (default 60000) |
//! | `OTEL_SERVICE_NAME` | the `service.name` reported (default: the server's name) |
//! | `OTEL_TRACES_SAMPLER` | which requests are traced: `parentbased_always_on` (the default), `parentbased_traceidratio`, `parentbased_always_off`, `always_on`, `traceidratio`, `always_off` |
//! | `OTEL_TRACES_SAMPLER_ARG` | the ratio of the `traceidratio` samplers, from `0` to `1` |
//! | `OTEL_BSP_MAX_QUEUE_SIZE` | how many spans wait to be sent at most (default 2048); those beyond are dropped, and the log says how many |
//! | `OTEL_BSP_MAX_EXPORT_BATCH_SIZE` | how many spans make a batch, sent as soon as it is full (default 512) |
//! | `OTEL_BSP_SCHEDULE_DELAY` | milliseconds a batch that is not full waits before it is sent (default 5000) |
//!
//! Which requests are traced is decided when each one arrives, before its span is started
//! ([`Sampling`]): a request left out has no exported span and costs the export nothing, and
//! what its handler does while it runs stays out of the export with it (a child of a span that
//! is not exported is not exported either). A server with more requests than its collector can
//! take traces a ratio of them.
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
//!     // The log's filter is its own, so that the export still sees the handlers' spans and
//!     // events whatever the log shows.
//!     let log = tracing_subscriber::fmt::layer()
//!         .with_writer(std::io::stderr)
//!         .with_filter(tracing_subscriber::filter::LevelFilter::INFO);
//!     tracing_subscriber::registry().with(otel).with(log).init();
//!     Server::new("notes", "1.0.0").serve_stdio().await?;
//!     drop(guard); // sends the spans not yet sent
//!     Ok(())
//! }
//! ```

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::task::Poll;
use std::time::Duration;

use opentelemetry::metrics::MeterProvider as _;
use opentelemetry::trace::{TraceContextExt, TracerProvider as _};
use opentelemetry::KeyValue;
use opentelemetry_otlp::{WithExportConfig, WithHttpConfig};
use opentelemetry_sdk::metrics::{PeriodicReader, SdkMeterProvider};
use opentelemetry_sdk::trace::{
    IdGenerator, RandomIdGenerator, Sampler, SamplingDecision, SamplingResult, SdkTracerProvider,
    ShouldSample,
};
use opentelemetry_sdk::Resource;
use tracing::subscriber::Interest;
use tracing::Metadata;
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::layer::{self, Filter};
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
/// A PEM file of the certificates an `https://` collector is verified with, instead of the
/// public roots.
pub const CERTIFICATE_VAR: &str = "OTEL_EXPORTER_OTLP_CERTIFICATE";
/// The same for the spans alone; wins over [`CERTIFICATE_VAR`].
pub const TRACES_CERTIFICATE_VAR: &str = "OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE";
/// The same for the metrics alone; wins over [`CERTIFICATE_VAR`].
pub const METRICS_CERTIFICATE_VAR: &str = "OTEL_EXPORTER_OTLP_METRICS_CERTIFICATE";
/// Which requests are traced (see [`Sampling::from_env`]).
pub const SAMPLER_VAR: &str = "OTEL_TRACES_SAMPLER";
/// The ratio of the `traceidratio` samplers.
pub const SAMPLER_ARG_VAR: &str = "OTEL_TRACES_SAMPLER_ARG";

mod requests;

pub(crate) use requests::{Described, RequestSpan, Started};

/// The target of the request spans (see `server::span`).
const REQUEST_TARGET: &str = "mcp_runtime::request";

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
    sampling: Option<Sampling>,
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
            sampling: None,
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

    /// Traces the requests `sampling` picks; wins over `OTEL_TRACES_SAMPLER`.
    ///
    /// ```
    /// use mcp_runtime::otel::{OtlpExport, Sampling};
    ///
    /// // The caller's decision when it sent a `traceparent`, one request in a hundred otherwise.
    /// let export = OtlpExport::new("notes").sampling(Sampling::parent_based(0.01));
    /// ```
    pub fn sampling(mut self, sampling: Sampling) -> Self {
        self.sampling = Some(sampling);
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

    /// Starts exporting the request spans, and returns a layer that exports the handlers'
    /// spans and events at `info` and above inside them, with a filter of its own, and the guard
    /// that sends what is left when dropped. Give the other layers their own filters
    /// (`Layer::with_filter`), not a global one, so that this layer sees what the export wants.
    /// One export per process: the request spans and the sampling are the process's.
    ///
    /// An endpoint that is not an `http://` or `https://` URL is an error. An `https://`
    /// collector is verified with the public roots (webpki-roots), or with the certificates of
    /// the PEM file `OTEL_EXPORTER_OTLP_CERTIFICATE` (or `..._TRACES_CERTIFICATE`) names; the
    /// headers of `OTEL_EXPORTER_OTLP_HEADERS` (an API key: `x-api-key=...`) go with every
    /// export.
    ///
    /// The requests traced are those of [`sampling`](Self::sampling), or of
    /// `OTEL_TRACES_SAMPLER` and `OTEL_TRACES_SAMPLER_ARG`, whose values outside the standard
    /// ones are an error; the spans made outside any request are sampled the same way.
    pub fn layer<S>(self) -> Result<(impl Layer<S>, OtlpGuard), OtlpError>
    where
        S: tracing::Subscriber + for<'span> LookupSpan<'span>,
    {
        let sampling = match self.sampling {
            Some(sampling) => sampling,
            None => Sampling::from_env()?,
        };
        let provider = self.provider(sampling)?;
        let tracer = provider.tracer("mcp-runtime");
        let posting = requests::Posting::new(
            RuntimeClient::new(certificate(TRACES_CERTIFICATE_VAR))?,
            self.traces_endpoint(),
            requests::headers(),
            &self.resource(),
        );
        // The request spans take their own way (see `requests`).
        let filter = ExportFilter(
            Targets::new()
                .with_default(LevelFilter::INFO)
                .with_target(REQUEST_TARGET, LevelFilter::OFF),
        );
        // The spans carry what the MCP conventions name, and not what tracing could add to
        // each: source location, thread, target, and busy and idle times (which would take
        // the clock at every poll).
        let layer = tracing_opentelemetry::layer()
            .with_tracer(tracer)
            .with_location(false)
            .with_threads(false)
            .with_target(false)
            .with_tracked_inactivity(false)
            .and_then(RequestEvents)
            .with_filter(filter);
        HEAD_BOUND.store(sampling.bound(), Ordering::Relaxed);
        HEAD_FOLLOWS_PARENT.store(sampling.follow_parent, Ordering::Relaxed);
        let requests = requests::Exporting::start(posting)?;
        Ok((
            layer,
            OtlpGuard {
                requests: Some(requests),
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
            .with_http_client(RuntimeClient::new(certificate(METRICS_CERTIFICATE_VAR))?)
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
            requests: None,
            tracer: None,
            meter: Some(provider),
        })
    }

    /// The URL of `signal`'s export given in code (the base URL with `/v1/{signal}`), or
    /// `None` to let the exporter read the variables; an error when the URL in force is not
    /// an `http://` or `https://` one.
    fn endpoint_for(&self, signal: &str, full_var: &str) -> Result<Option<String>, OtlpError> {
        let endpoint = self.endpoint.as_ref().map(|url| signal_url(url, signal));
        let shown = endpoint
            .clone()
            .or_else(|| var(full_var))
            .or_else(|| var(ENDPOINT_VAR))
            .unwrap_or_default();
        if !shown.is_empty() && !shown.starts_with("http://") && !shown.starts_with("https://") {
            return Err(OtlpError(format!(
                "`{shown}`: expected an http:// or https:// URL such as http://127.0.0.1:4318"
            )));
        }
        Ok(endpoint)
    }

    /// The URL the spans are posted to, as the SDK's exporter finds it: the base URL given in
    /// code or `OTEL_EXPORTER_OTLP_ENDPOINT` with `/v1/traces`, or
    /// `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` as given, or the local collector's default.
    fn traces_endpoint(&self) -> String {
        match (&self.endpoint, var(TRACES_ENDPOINT_VAR), var(ENDPOINT_VAR)) {
            (Some(url), _, _) => signal_url(url, "traces"),
            (None, Some(full), _) => full.trim().to_owned(),
            (None, None, Some(url)) => signal_url(url.trim(), "traces"),
            (None, None, None) => signal_url("http://localhost:4318", "traces"),
        }
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
    fn provider(&self, sampling: Sampling) -> Result<SdkTracerProvider, OtlpError> {
        let endpoint = self.endpoint_for("traces", TRACES_ENDPOINT_VAR)?;
        let client = RuntimeClient::new(certificate(TRACES_CERTIFICATE_VAR))?;
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
            .with_sampler(HeadDecided(sampling.sampler()))
            .with_batch_exporter(exporter)
            .build())
    }
}

/// Keeps the export running; dropping it sends the spans (or metrics) not yet sent and stops
/// the export. Keep it until the server has stopped (the command line does).
#[must_use = "dropping the guard stops the export"]
#[derive(Debug)]
pub struct OtlpGuard {
    requests: Option<requests::Exporting>,
    tracer: Option<SdkTracerProvider>,
    meter: Option<SdkMeterProvider>,
}

impl Drop for OtlpGuard {
    fn drop(&mut self) {
        // Posts the request spans not yet posted.
        drop(self.requests.take());
        if let Some(tracer) = &self.tracer {
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

/// Which requests are traced, as OpenTelemetry's samplers of the same names decide: the
/// caller's decision (the sampled flag of the `traceparent` in the request's `_meta`) or a
/// ratio of the requests. Each request is decided when it arrives, before its span is built.
///
/// The default is [`Sampling::parent_based(1.0)`](Sampling::parent_based)
/// (`parentbased_always_on`): every request, but those whose caller decided not to trace.
///
/// ```
/// use mcp_runtime::otel::Sampling;
///
/// let sampling = Sampling::parse("parentbased_traceidratio", Some("0.25")).unwrap();
/// assert_eq!(sampling, Sampling::parent_based(0.25));
/// assert_eq!(Sampling::parse("always_off", None).unwrap(), Sampling::ratio(0.0));
/// assert!(Sampling::parse("traceidratio", Some("1.5")).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sampling {
    ratio: f64,
    follow_parent: bool,
}

/// The bound of [`Sampling::bound`] that every trace id is under.
const ALWAYS: u64 = 1 << 63;

/// The head's decision, from the live export's [`Sampling`]: a request is traced when 63 random
/// bits (or those of its trace id) are under `HEAD_BOUND`, or, when `HEAD_FOLLOWS_PARENT`, when
/// its caller says so.
static HEAD_BOUND: AtomicU64 = AtomicU64::new(ALWAYS);
static HEAD_FOLLOWS_PARENT: AtomicBool = AtomicBool::new(true);

impl Sampling {
    /// The caller's decision when its request carries a `traceparent`; otherwise a request is
    /// traced with probability `ratio` (from `0.0`, none, to `1.0`, all). The
    /// `parentbased_traceidratio` sampler (`parentbased_always_on` for `1.0`,
    /// `parentbased_always_off` for `0.0`).
    pub const fn parent_based(ratio: f64) -> Self {
        Sampling {
            ratio,
            follow_parent: true,
        }
    }

    /// Each request traced with probability `ratio`, whatever its caller decided (for a request
    /// with a `traceparent`, by its trace id, so that every service of the trace decides the
    /// same). The `traceidratio` sampler (`always_on` for `1.0`, `always_off` for `0.0`).
    pub const fn ratio(ratio: f64) -> Self {
        Sampling {
            ratio,
            follow_parent: false,
        }
    }

    /// The sampling `OTEL_TRACES_SAMPLER` and `OTEL_TRACES_SAMPLER_ARG` name, or the default
    /// when the first is not set; an error for a sampler or ratio outside the standard ones.
    pub fn from_env() -> Result<Self, OtlpError> {
        match var(SAMPLER_VAR) {
            Some(name) => Sampling::parse(name.trim(), var(SAMPLER_ARG_VAR).as_deref()),
            None => Ok(Sampling::parent_based(1.0)),
        }
    }

    /// The sampling the standard sampler `name` (`parentbased_traceidratio`, ...) with the
    /// argument `arg` names. The ratio of the `traceidratio` samplers is `1.0` without `arg`.
    pub fn parse(name: &str, arg: Option<&str>) -> Result<Self, OtlpError> {
        let ratio = || match arg.map(str::trim) {
            None => Ok(1.0),
            Some(arg) => match arg.parse::<f64>() {
                Ok(ratio) if (0.0..=1.0).contains(&ratio) => Ok(ratio),
                _ => Err(OtlpError(format!(
                    "{SAMPLER_ARG_VAR}=`{arg}`: expected a ratio from 0 to 1, such as 0.1"
                ))),
            },
        };
        Ok(match name {
            "always_on" => Sampling::ratio(1.0),
            "always_off" => Sampling::ratio(0.0),
            "traceidratio" => Sampling::ratio(ratio()?),
            "parentbased_always_on" => Sampling::parent_based(1.0),
            "parentbased_always_off" => Sampling::parent_based(0.0),
            "parentbased_traceidratio" => Sampling::parent_based(ratio()?),
            other => {
                return Err(OtlpError(format!(
                    "{SAMPLER_VAR}=`{other}`: expected one of always_on, always_off, traceidratio, parentbased_always_on, parentbased_always_off, parentbased_traceidratio"
                )))
            }
        })
    }

    /// Under which value the 63 random bits of a request are traced: `ALWAYS` for every one.
    fn bound(&self) -> u64 {
        if self.ratio >= 1.0 {
            ALWAYS
        } else {
            // As the SDK's `TraceIdRatioBased`, so that both decide alike on a trace id.
            (self.ratio.max(0.0) * ALWAYS as f64) as u64
        }
    }

    /// The SDK's sampler of the same decision, for the spans made outside a request.
    fn sampler(&self) -> Sampler {
        let root = match self.bound() {
            ALWAYS => Sampler::AlwaysOn,
            0 => Sampler::AlwaysOff,
            _ => Sampler::TraceIdRatioBased(self.ratio),
        };
        match self.follow_parent {
            true => Sampler::ParentBased(Box::new(root)),
            false => root,
        }
    }
}

/// Whether the request spans are exported: an export is live.
pub(crate) fn exporting() -> bool {
    requests::live()
}

/// Whether the request whose `_meta` carries `traceparent` is traced: false only while an
/// export is live and its [`Sampling`] leaves the request out.
pub(crate) fn sampled(traceparent: Option<&str>) -> bool {
    if !requests::live() {
        return true;
    }
    decide(
        HEAD_BOUND.load(Ordering::Relaxed),
        HEAD_FOLLOWS_PARENT.load(Ordering::Relaxed),
        traceparent,
    )
}

/// The head's decision for a request with `traceparent`, under a sampling of `bound` (see
/// [`Sampling::bound`]) that follows the caller's decision when `follow_parent`.
fn decide(bound: u64, follow_parent: bool, traceparent: Option<&str>) -> bool {
    match traceparent.and_then(TraceParent::parse) {
        Some(parent) if follow_parent => parent.sampled,
        Some(parent) => parent.trace_id_low >> 1 < bound,
        None if bound == ALWAYS => true,
        None if bound == 0 => false,
        None => {
            let random = u64::from_be_bytes(RandomIdGenerator::default().new_span_id().to_bytes());
            random >> 1 < bound
        }
    }
}

/// A W3C `traceparent`: the caller's trace and span, and its decision.
#[derive(Debug, PartialEq)]
struct TraceParent {
    trace_id: [u8; 16],
    /// The caller's span.
    parent_id: [u8; 8],
    /// The last 8 bytes of the trace id, which the ratio samplers read.
    trace_id_low: u64,
    /// The `sampled` flag.
    sampled: bool,
}

impl TraceParent {
    /// `version-traceid-parentid-flags` in lowercase hex, as the propagator reads it; `None`
    /// for anything else, which makes the request the root of a trace.
    fn parse(value: &str) -> Option<TraceParent> {
        let value = value.trim();
        let bytes = value.as_bytes();
        let hex = |part: &[u8]| part.iter().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        let zero = |part: &[u8]| part.iter().all(|b| *b == b'0');
        if bytes.len() < 55
            || (bytes.len() > 55 && bytes[55] != b'-')
            || bytes[2] != b'-'
            || bytes[35] != b'-'
            || bytes[52] != b'-'
        {
            return None;
        }
        let (version, trace_id, parent_id, flags) =
            (&bytes[..2], &bytes[3..35], &bytes[36..52], &bytes[53..55]);
        if !(hex(version) && hex(trace_id) && hex(parent_id) && hex(flags))
            || version == b"ff"
            || (version == b"00" && bytes.len() != 55)
            || zero(trace_id)
            || zero(parent_id)
        {
            return None;
        }
        // All ASCII hex digits, checked above.
        let trace_id = u128::from_str_radix(&value[3..35], 16).ok()?;
        let parent_id = u64::from_str_radix(&value[36..52], 16).ok()?;
        let flags = u8::from_str_radix(&value[53..55], 16).ok()?;
        Some(TraceParent {
            trace_id: trace_id.to_be_bytes(),
            parent_id: parent_id.to_be_bytes(),
            trace_id_low: trace_id as u64,
            sampled: flags & 1 == 1,
        })
    }
}

/// The SDK's sampler: a request's span reaches it only when the head decided to trace the
/// request (see [`sampled`]), so it is recorded; every other span is decided by the export's
/// [`Sampling`], as the SDK's samplers decide (the handler's spans follow their request's).
#[derive(Debug, Clone)]
struct HeadDecided(Sampler);

impl ShouldSample for HeadDecided {
    fn should_sample(
        &self,
        parent_context: Option<&opentelemetry::Context>,
        trace_id: opentelemetry::trace::TraceId,
        name: &str,
        span_kind: &opentelemetry::trace::SpanKind,
        attributes: &[KeyValue],
        links: &[opentelemetry::trace::Link],
    ) -> SamplingResult {
        if attributes
            .iter()
            .any(|a| a.key.as_str() == "mcp.method.name")
        {
            let trace_state = parent_context
                .map(|cx| cx.span().span_context().trace_state().clone())
                .unwrap_or_default();
            return SamplingResult {
                decision: SamplingDecision::RecordAndSample,
                attributes: Vec::new(),
                trace_state,
            };
        }
        self.0
            .should_sample(parent_context, trace_id, name, span_kind, attributes, links)
    }
}

thread_local! {
    /// True while this thread polls the future of a request that is not traced: the export's
    /// filter then lets nothing through.
    static UNTRACED: Cell<bool> = const { Cell::new(false) };
    /// Set when a tool answers with an error result while its request's future is polled.
    static TOOL_FAILED: Cell<bool> = const { Cell::new(false) };
    /// True while this thread polls the future of a request whose exported span waits to be
    /// described by what the request names.
    static UNDESCRIBED: Cell<bool> = const { Cell::new(false) };
    /// True while this thread polls the future of a request whose span is exported: the events
    /// logged outside any span of the handler's are kept for it.
    static IN_EXPORTED: Cell<bool> = const { Cell::new(false) };
    /// Those events, encoded, and how many.
    static EVENTS: std::cell::RefCell<(Vec<u8>, u32)> =
        const { std::cell::RefCell::new((Vec::new(), 0)) };
    /// What the request names and its protocol version, once the dispatcher read them.
    static DESCRIPTION: std::cell::RefCell<(bool, String, Option<&'static str>)> =
        const { std::cell::RefCell::new((false, String::new(), None)) };
}

/// The tool of the request this thread polls answered with an error result: its span says so.
pub(crate) fn tool_failed() {
    TOOL_FAILED.set(true);
}

/// The request this thread polls names `target` (a tool, a prompt or a URI), under the
/// protocol `version`: its exported span, if it waits for it, says so.
pub(crate) fn describe(target: &str, version: Option<&'static str>) {
    if UNDESCRIBED.get() {
        DESCRIPTION.with_borrow_mut(|(ready, named, at)| {
            *ready = true;
            named.clear();
            named.push_str(target);
            *at = version;
        });
    }
}

/// While alive, a thread-local flag of this thread is set to a value of a poll's; what was
/// before is restored when dropped (also when a handler panics through the poll).
struct Flagged {
    flag: &'static std::thread::LocalKey<Cell<bool>>,
    before: bool,
}

impl Flagged {
    fn set(flag: &'static std::thread::LocalKey<Cell<bool>>, value: bool) -> Self {
        Flagged {
            flag,
            before: flag.replace(value),
        }
    }
}

impl Drop for Flagged {
    fn drop(&mut self) {
        self.flag.set(self.before);
    }
}

pin_project_lite::pin_project! {
    /// A request's future. When its request is traced, its span is the OpenTelemetry context
    /// of each poll, so that the spans the handler makes are its children; when the request is
    /// not traced, each poll is hidden from the export, and so is everything the handler does
    /// in it (spans and events).
    pub(crate) struct Scoped<'a, F> {
        #[pin]
        future: F,
        hidden: bool,
        span: Option<&'a mut RequestSpan>,
    }
}

impl<'a, F> Scoped<'a, F> {
    /// `future`, hidden from the export when `hidden`, in the context of `span`.
    pub(crate) fn new(future: F, hidden: bool, span: Option<&'a mut RequestSpan>) -> Self {
        Scoped {
            future,
            hidden,
            span,
        }
    }
}

impl<F: Future> Future for Scoped<'_, F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        if let Some(span) = this.span {
            let _context = span.context().clone().attach();
            let failed = Flagged::set(&TOOL_FAILED, false);
            let undescribed = span.is_undescribed();
            if undescribed {
                DESCRIPTION.with_borrow_mut(|(ready, _, _)| *ready = false);
            }
            let describing = Flagged::set(&UNDESCRIBED, undescribed);
            let exported = Flagged::set(&IN_EXPORTED, true);
            let polled = this.future.poll(cx);
            drop((describing, exported));
            EVENTS.with_borrow_mut(|(events, count)| {
                if *count > 0 {
                    span.add_events(events, std::mem::take(count));
                    events.clear();
                }
            });
            if TOOL_FAILED.get() {
                span.tool_failed();
            }
            drop(failed);
            if undescribed {
                DESCRIPTION.with_borrow_mut(|(ready, named, version)| {
                    if std::mem::take(ready) {
                        span.describe_as(named, *version);
                    }
                });
            }
            return polled;
        }
        if !*this.hidden {
            return this.future.poll(cx);
        }
        let _untraced = Flagged::set(&UNTRACED, true);
        this.future.poll(cx)
    }
}

/// Keeps the events a handler logs outside any span of its own (which `tracing-opentelemetry`
/// would leave out, having no span to put them in) for the exported span of the request whose
/// future this thread polls.
struct RequestEvents;

impl<S> Layer<S> for RequestEvents
where
    S: tracing::Subscriber + for<'span> LookupSpan<'span>,
{
    fn on_event(&self, event: &tracing::Event<'_>, ctx: layer::Context<'_, S>) {
        if !IN_EXPORTED.get() {
            return;
        }
        let in_a_span = event.parent().and_then(|id| ctx.span(id)).is_some()
            || (event.is_contextual() && ctx.lookup_current().is_some());
        if !in_a_span {
            EVENTS.with_borrow_mut(|(events, count)| {
                requests::encode_event(events, event);
                *count += 1;
            });
        }
    }
}

/// The export's filter: its targets and levels, and nothing while an untraced request runs on
/// this thread. Every callsite it lets through is asked about each span and event, since the
/// answer changes from one request to the next. The request spans are not among them: they
/// take their own way (see `requests`).
struct ExportFilter(Targets);

impl<S> Filter<S> for ExportFilter {
    fn enabled(&self, meta: &Metadata<'_>, cx: &layer::Context<'_, S>) -> bool {
        !UNTRACED.get() && Filter::<S>::enabled(&self.0, meta, cx)
    }

    fn callsite_enabled(&self, meta: &'static Metadata<'static>) -> Interest {
        let interest = Filter::<S>::callsite_enabled(&self.0, meta);
        if interest.is_never() {
            interest
        } else {
            Interest::sometimes()
        }
    }

    fn max_level_hint(&self) -> Option<LevelFilter> {
        Filter::<S>::max_level_hint(&self.0)
    }
}

/// The URL of `signal`'s export (`traces`, `metrics`) under the collector's `base` URL.
fn signal_url(base: &str, signal: &str) -> String {
    format!("{}/v1/{signal}", base.trim_end_matches('/'))
}

fn var(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .filter(|value| !value.trim().is_empty())
}

fn var_set(name: &str) -> bool {
    var(name).is_some()
}

/// The PEM file of trusted certificates the signal's variable `signal_var`, or
/// `OTEL_EXPORTER_OTLP_CERTIFICATE`, names.
fn certificate(signal_var: &str) -> Option<String> {
    var(signal_var).or_else(|| var(CERTIFICATE_VAR))
}

/// The exporter's connector: TLS for `https://` collectors, plain TCP for `http://` ones.
type Connector = hyper_rustls::HttpsConnector<hyper_util::client::legacy::connect::HttpConnector>;

/// hyper's client on a runtime of its own: the batch processor exports from a thread of its
/// own, outside the server's runtime, so that exporting never waits on the server's tasks
/// (and the guard can flush from within one of them).
#[derive(Debug)]
struct RuntimeClient {
    client: opentelemetry_http::hyper::HyperClient<Connector>,
    runtime: tokio::runtime::Runtime,
}

impl RuntimeClient {
    /// A client that verifies `https://` collectors with the public roots, or with the
    /// certificates of the PEM file `certificate`.
    fn new(certificate: Option<String>) -> Result<Self, OtlpError> {
        // Before the runtime, which cannot be dropped on an error from within the server's.
        let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
        let tls = hyper_rustls::HttpsConnectorBuilder::new();
        let tls = match certificate {
            None => tls
                .with_provider_and_webpki_roots(provider)
                .map_err(|e| OtlpError(format!("cannot set up TLS: {e}")))?,
            Some(path) => tls.with_tls_config(
                rustls::ClientConfig::builder_with_provider(provider)
                    .with_safe_default_protocol_versions()
                    .map_err(|e| OtlpError(format!("cannot set up TLS: {e}")))?
                    .with_root_certificates(trusted(&path)?)
                    .with_no_client_auth(),
            ),
        };
        let connector = tls.https_or_http().enable_http1().build();
        let client = opentelemetry_http::hyper::HyperClient::new(connector, EXPORT_TIMEOUT, None);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| OtlpError(format!("cannot start the exporter's runtime: {e}")))?;
        Ok(RuntimeClient { client, runtime })
    }
}

/// The certificates of the PEM file `path`, as the roots TLS trusts.
fn trusted(path: &str) -> Result<rustls::RootCertStore, OtlpError> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::CertificateDer;
    let refused = |e: &dyn std::fmt::Display| OtlpError(format!("{CERTIFICATE_VAR}=`{path}`: {e}"));
    let mut roots = rustls::RootCertStore::empty();
    for certificate in CertificateDer::pem_file_iter(path).map_err(|e| refused(&e))? {
        roots
            .add(certificate.map_err(|e| refused(&e))?)
            .map_err(|e| refused(&e))?;
    }
    if roots.is_empty() {
        return Err(refused(&"no certificate in the file"));
    }
    Ok(roots)
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

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use tracing::span::{Attributes, Id};
    use tracing_subscriber::layer::SubscriberExt;

    use super::*;

    const PARENT: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7";

    #[test]
    fn a_traceparent_is_read_as_the_propagator_reads_it() {
        let sampled = TraceParent::parse(&format!("{PARENT}-01")).unwrap();
        assert!(sampled.sampled);
        assert_eq!(sampled.trace_id_low, 0xa3ce929d0e0e4736);
        assert!(!TraceParent::parse(&format!("{PARENT}-00")).unwrap().sampled);
        // Flags other than `sampled` are ignored; a later version may carry more.
        assert!(TraceParent::parse(&format!("{PARENT}-03")).unwrap().sampled);
        let later = "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-more";
        assert!(TraceParent::parse(later).unwrap().sampled);
        for broken in [
            "",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-more",
            "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0g",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-é",
        ] {
            assert_eq!(TraceParent::parse(broken), None, "{broken}");
        }
    }

    #[test]
    fn the_head_decides_as_the_sdks_samplers_do() {
        let on = format!("{PARENT}-01");
        let off = format!("{PARENT}-00");
        let (all, none) = (Sampling::ratio(1.0).bound(), Sampling::ratio(0.0).bound());
        assert_eq!((all, none), (ALWAYS, 0));
        // Following the caller: its flag, whatever the ratio.
        assert!(decide(none, true, Some(&on)));
        assert!(!decide(all, true, Some(&off)));
        // Not following it: the ratio, by the trace id's last 63 bits, as the SDK decides.
        assert!(decide(all, false, Some(&off)));
        assert!(!decide(none, false, Some(&on)));
        let low = 0xa3ce929d0e0e4736_u64 >> 1;
        assert!(decide(low + 1, false, Some(&off)));
        assert!(!decide(low, false, Some(&off)));
        let trace_id = opentelemetry::trace::TraceId::from_hex(&PARENT[3..35]).unwrap();
        for ratio in [0.1, 0.5, 0.64, 0.65, 0.9] {
            let sdk = Sampler::TraceIdRatioBased(ratio).should_sample(
                None,
                trace_id,
                "call",
                &opentelemetry::trace::SpanKind::Server,
                &[],
                &[],
            );
            let ours = decide(Sampling::ratio(ratio).bound(), false, Some(&on));
            assert_eq!(
                ours,
                sdk.decision == SamplingDecision::RecordAndSample,
                "{ratio}"
            );
        }
        // Without a caller's decision (or with one that cannot be read): the ratio.
        assert!(decide(all, true, None) && decide(all, true, Some("garbage")));
        assert!(!decide(none, true, None));
        let half = Sampling::parent_based(0.5).bound();
        let traced = (0..4000).filter(|_| decide(half, true, None)).count();
        assert!((1600..=2400).contains(&traced), "{traced} of 4000");
    }

    #[test]
    fn the_standard_sampler_names_are_read_and_others_refused() {
        for (name, arg, expected) in [
            ("always_on", None, Sampling::ratio(1.0)),
            ("always_off", Some("0.5"), Sampling::ratio(0.0)),
            ("traceidratio", Some(" 0.1 "), Sampling::ratio(0.1)),
            ("traceidratio", None, Sampling::ratio(1.0)),
            ("parentbased_always_on", None, Sampling::parent_based(1.0)),
            ("parentbased_always_off", None, Sampling::parent_based(0.0)),
            (
                "parentbased_traceidratio",
                Some("0"),
                Sampling::parent_based(0.0),
            ),
        ] {
            assert_eq!(Sampling::parse(name, arg).unwrap(), expected, "{name}");
        }
        let error = Sampling::parse("jaeger_remote", None)
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("OTEL_TRACES_SAMPLER=`jaeger_remote`"),
            "{error}"
        );
        for arg in ["2", "-0.1", "half", "NaN"] {
            let error = Sampling::parse("traceidratio", Some(arg))
                .unwrap_err()
                .to_string();
            assert!(error.contains("OTEL_TRACES_SAMPLER_ARG"), "{error}");
        }
    }

    /// The names of the spans and events a layer behind the export's filter was told of.
    #[derive(Clone, Default)]
    struct Seen(Arc<Mutex<Vec<&'static str>>>);

    impl<S: tracing::Subscriber> Layer<S> for Seen {
        fn on_new_span(&self, attrs: &Attributes<'_>, _: &Id, _: layer::Context<'_, S>) {
            self.0.lock().unwrap().push(attrs.metadata().name());
        }

        fn on_event(&self, event: &tracing::Event<'_>, _: layer::Context<'_, S>) {
            self.0.lock().unwrap().push(event.metadata().name());
        }
    }

    /// A handler's work: a span and an event, across an await.
    async fn handler() {
        let span = tracing::info_span!("handler.work");
        let _entered = span.enter();
        tokio::task::yield_now().await;
        tracing::info!(name: "handler.event", "done");
    }

    #[tokio::test(flavor = "current_thread")]
    async fn an_untraced_request_and_its_handler_are_hidden_from_the_export() {
        let seen = Seen::default();
        let filter = ExportFilter(
            Targets::new()
                .with_default(LevelFilter::INFO)
                .with_target("mcp_runtime::request", LevelFilter::DEBUG),
        );
        let subscriber = tracing_subscriber::registry().with(seen.clone().with_filter(filter));
        let _default = tracing::subscriber::set_default(subscriber);

        Scoped::new(handler(), true, None).await;
        assert!(seen.0.lock().unwrap().is_empty(), "{:?}", seen.0.lock());

        // The next request on the same thread is traced, and so is its handler.
        let _span = tracing::debug_span!(target: "mcp_runtime::request", "mcp.request");
        Scoped::new(handler(), false, None).await;
        assert_eq!(
            *seen.0.lock().unwrap(),
            ["mcp.request", "handler.work", "handler.event"]
        );
    }

    #[test]
    fn a_panic_through_a_hidden_poll_leaves_the_thread_traced() {
        let panicking = Scoped::new(async { panic!("in a handler") }, true, None);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let panicked =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| runtime.block_on(panicking)));
        assert!(panicked.is_err());
        assert!(!UNTRACED.get());
    }
}
