//! Metrics of a server in the Prometheus text format: requests by method and outcome, their
//! latency, capability calls by kind, name and outcome with their latency, policy decisions by
//! outcome and risk level, requests in flight, and open sessions.
//!
//! Give a [`Metrics`] to [`Server::metrics`](crate::Server::metrics) and read it with
//! [`Metrics::encode`], or let the command line do both: `--metrics` serves it at `/metrics`
//! on the HTTP transport's listener, `--metrics-bind ADDR` on a listener of its own (which a
//! stdio server uses). Without metrics, the request path records nothing.
//!
//! ```
//! use mcp_runtime::metrics::Metrics;
//! use mcp_runtime::prelude::*;
//! use mcp_runtime::testing::TestClient;
//!
//! /// Adds two numbers.
//! #[tool(read_only)]
//! fn add(a: i64, b: i64) -> i64 { a + b }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let metrics = Metrics::new();
//! let server = Server::new("calc", "1.0.0").tools(tools![add]).metrics(metrics.clone());
//! let client = TestClient::modern(server).unwrap();
//! client.call_tool("add", serde_json::json!({"a": 2, "b": 3})).await.unwrap();
//!
//! let text = metrics.encode();
//! assert!(text.contains(r#"mcp_requests_total{method="tools/call",outcome="ok"} 1"#));
//! assert!(text.contains(r#"mcp_capability_calls_total{kind="tool",name="add",outcome="ok"} 1"#));
//! assert!(text.contains(r#"mcp_policy_decisions_total{decision="allow",risk="low"} 1"#));
//! # }
//! ```
//!
//! The metric names and labels, in `/metrics` and, with the `otel` feature, over OTLP (see
//! `Metrics::record_into` and the `otel` module):
//!
//! | `/metrics` | OTLP | labels |
//! | --- | --- | --- |
//! | `mcp_requests_total` (counter) | `mcp.requests` | `method`, `outcome` (`ok`, `error`, `cancelled`) |
//! | `mcp_request_duration_seconds` (histogram) | `mcp.request.duration` (s) | `method` |
//! | `mcp_requests_in_flight` (gauge) | `mcp.requests.in_flight` | |
//! | `mcp_capability_calls_total` (counter) | `mcp.capability.calls` | `kind` (`tool`, `resource`, `prompt`), `name`, `outcome` (`ok`, `error`, `refused`, `cancelled`, `input_required`, `panicked`, `timed_out`) |
//! | `mcp_capability_call_duration_seconds` (histogram) | `mcp.capability.call.duration` (s) | `kind`, `name` |
//! | `mcp_policy_decisions_total` (counter) | `mcp.policy.decisions` | `decision` (`allow`, `confirm`, `deny`), `risk` |
//! | `mcp_sessions` (gauge) | `mcp.sessions` | |
//! | `mcp_tasks_total` (counter) | `mcp.tasks` | `status` (`completed`, `failed`, `cancelled`) |
//! | `mcp_tasks_running` (gauge) | `mcp.tasks.running` | |
//!
//! Methods the server does not know are counted as `other`, and only registered capabilities
//! are named, so that no client can make the label sets grow without bound.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, OnceLock, RwLock};
use std::time::Instant;

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

use crate::permission::{Kind, RiskLevel};

/// The methods counted by name; any other is `other`.
const METHODS: &[&str] = &[
    "tools/call",
    "tools/list",
    "resources/read",
    "resources/list",
    "resources/templates/list",
    "resources/subscribe",
    "resources/unsubscribe",
    "prompts/get",
    "prompts/list",
    "completion/complete",
    "subscriptions/listen",
    "initialize",
    "server/discover",
    "ping",
    "logging/setLevel",
];

/// Latency buckets, in seconds: from 100 µs to 60 s.
const BUCKETS: &[f64] = &[
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
    5.0, 10.0, 30.0, 60.0,
];

/// The series of the capabilities of one kind, by name, hashed with foldhash: every call looks
/// its series up, and the names are the registry's.
type SeriesByName = HashMap<Box<str>, CapabilitySeries, foldhash::fast::RandomState>;

/// How a request ended, as `mcp_requests_total` counts it.
const REQUEST_OUTCOMES: [&str; 3] = ["ok", "error", "cancelled"];

/// How a capability's run ended, as `mcp_capability_calls_total` counts it.
const CALL_OUTCOMES: [&str; 9] = [
    "ok",
    "error",
    "refused",
    "cancelled",
    "input_required",
    "panicked",
    "timed_out",
    "rate_limited",
    "task",
];

/// The policy's decisions, as `mcp_policy_decisions_total` counts them.
const DECISIONS: [&str; 3] = ["allow", "confirm", "deny"];

type Labels<const N: usize> = [(&'static str, String); N];

/// The position of `value` in `known` (every caller passes one of them; a release build
/// counts any other under the last).
fn position(known: &[&str], value: &str) -> usize {
    debug_assert!(known.contains(&value), "`{value}` is not one of {known:?}");
    known
        .iter()
        .position(|k| *k == value)
        .unwrap_or(known.len() - 1)
}

/// A handle on one series, taken from its family on first use. Later uses update the series
/// through the handle, without building its labels or looking it up again.
struct Series<M>(OnceLock<M>);

impl<M> Series<M> {
    const fn new() -> Self {
        Series(OnceLock::new())
    }

    fn get(&self, create: impl FnOnce() -> M) -> &M {
        self.0.get_or_init(create)
    }

    /// The series, if it was ever used.
    #[cfg(feature = "otel")]
    fn used(&self) -> Option<&M> {
        self.0.get()
    }
}

/// The series of one method (and its histogram bound to its attributes in the OpenTelemetry
/// instrument; the counts are read from `outcomes` when they are exported).
struct MethodSeries {
    outcomes: [Series<Counter>; REQUEST_OUTCOMES.len()],
    seconds: Series<Histogram>,
    #[cfg(feature = "otel")]
    otel_seconds: Series<opentelemetry::metrics::BoundHistogram<f64>>,
}

/// The series of one capability, and its name as an OpenTelemetry attribute value.
struct CapabilitySeries {
    outcomes: [Series<Counter>; CALL_OUTCOMES.len()],
    seconds: Histogram,
    #[cfg(feature = "otel")]
    name: opentelemetry::Value,
    #[cfg(feature = "otel")]
    otel_seconds: Series<opentelemetry::metrics::BoundHistogram<f64>>,
}

/// A series of each decision and risk level.
type ByDecision<M> = [[Series<M>; RiskLevel::ALL.len()]; DECISIONS.len()];

fn histogram() -> Histogram {
    Histogram::new(BUCKETS.iter().copied())
}

/// A server's metrics. Cloning gives another handle on the same metrics.
#[derive(Clone)]
pub struct Metrics {
    inner: Arc<Inner>,
}

struct Inner {
    registry: Registry,
    requests: Family<Labels<2>, Counter>,
    request_seconds: Family<Labels<1>, Histogram, fn() -> Histogram>,
    in_flight: Gauge,
    calls: Family<Labels<3>, Counter>,
    call_seconds: Family<Labels<2>, Histogram, fn() -> Histogram>,
    decisions: Family<Labels<2>, Counter>,
    /// Set by the HTTP transport, the only one with sessions.
    #[cfg_attr(not(feature = "http"), allow(dead_code))]
    sessions: Gauge,
    tasks: Family<Labels<1>, Counter>,
    tasks_running: Gauge,
    /// Series handles by method (in the order of `METHODS`, then `other`).
    methods: Box<[MethodSeries]>,
    /// Series handles by decision and risk level.
    decided: ByDecision<Counter>,
    /// Series handles by capability kind (tool, resource, prompt) and name.
    capabilities: [RwLock<SeriesByName>; 3],
    /// The same measurements, recorded into OpenTelemetry instruments once an OTLP export
    /// of the metrics started (see [`Metrics::record_into`]).
    #[cfg(feature = "otel")]
    otel: std::sync::OnceLock<otel::Instruments>,
}

impl Metrics {
    /// Metrics with every count at zero.
    pub fn new() -> Self {
        let mut registry = Registry::default();
        let requests = Family::<Labels<2>, Counter>::default();
        let request_seconds =
            Family::<Labels<1>, Histogram, fn() -> Histogram>::new_with_constructor(histogram);
        let in_flight = Gauge::default();
        let calls = Family::<Labels<3>, Counter>::default();
        let call_seconds =
            Family::<Labels<2>, Histogram, fn() -> Histogram>::new_with_constructor(histogram);
        let decisions = Family::<Labels<2>, Counter>::default();
        let sessions = Gauge::default();
        let tasks = Family::<Labels<1>, Counter>::default();
        let tasks_running = Gauge::default();
        registry.register(
            "mcp_requests",
            "MCP requests answered, by method and outcome",
            requests.clone(),
        );
        registry.register(
            "mcp_request_duration_seconds",
            "Time to answer an MCP request, by method",
            request_seconds.clone(),
        );
        registry.register(
            "mcp_requests_in_flight",
            "MCP requests being answered",
            in_flight.clone(),
        );
        registry.register(
            "mcp_capability_calls",
            "Tool calls, resource reads and prompt gets, by kind, name and outcome",
            calls.clone(),
        );
        registry.register(
            "mcp_capability_call_duration_seconds",
            "Time a capability took, from the policy decision to the answer, by kind and name",
            call_seconds.clone(),
        );
        registry.register(
            "mcp_policy_decisions",
            "Permission policy decisions, by decision and risk level",
            decisions.clone(),
        );
        registry.register(
            "mcp_sessions",
            "Open sessions of the handshake era over HTTP",
            sessions.clone(),
        );
        registry.register(
            "mcp_tasks",
            "Tool calls that went on as tasks, by how they ended",
            tasks.clone(),
        );
        registry.register(
            "mcp_tasks_running",
            "Tasks still running in this process",
            tasks_running.clone(),
        );
        Metrics {
            inner: Arc::new(Inner {
                registry,
                requests,
                request_seconds,
                in_flight,
                calls,
                call_seconds,
                decisions,
                sessions,
                tasks,
                tasks_running,
                methods: (0..=METHODS.len())
                    .map(|_| MethodSeries {
                        outcomes: std::array::from_fn(|_| Series::new()),
                        seconds: Series::new(),
                        #[cfg(feature = "otel")]
                        otel_seconds: Series::new(),
                    })
                    .collect(),
                decided: std::array::from_fn(|_| std::array::from_fn(|_| Series::new())),
                capabilities: Default::default(),
                #[cfg(feature = "otel")]
                otel: std::sync::OnceLock::new(),
            }),
        }
    }

    /// Records every measurement from now on into instruments of `meter` as well, under the
    /// names of the OTLP column of the [module's table](self) (`mcp.requests`, ...), with the
    /// same attributes and histogram buckets. The command line does this when it exports over
    /// OTLP; a server that sets up its own meter provider calls it. Only the first meter
    /// given is used.
    ///
    /// ```
    /// use mcp_runtime::metrics::Metrics;
    /// use opentelemetry::metrics::MeterProvider as _;
    ///
    /// let provider = opentelemetry_sdk::metrics::SdkMeterProvider::builder().build();
    /// let metrics = Metrics::new();
    /// metrics.record_into(&provider.meter("mcp-runtime"));
    /// ```
    #[cfg(feature = "otel")]
    pub fn record_into(&self, meter: &opentelemetry::metrics::Meter) {
        let _ = self
            .inner
            .otel
            .set(otel::Instruments::new(meter, &self.inner));
    }

    /// The metrics in the Prometheus text exposition format (version 0.0.4), as `/metrics`
    /// serves them.
    pub fn encode(&self) -> String {
        let mut text = String::new();
        encode(&mut text, &self.inner.registry).expect("writing to a String cannot fail");
        text
    }

    /// The content type of [`Metrics::encode`]'s text.
    pub const CONTENT_TYPE: &'static str = "text/plain; version=0.0.4; charset=utf-8";

    /// Counts a request from now until the returned guard is finished or dropped.
    pub(crate) fn request(&self, method: &str) -> RequestTimer<'_> {
        self.inner.in_flight.inc();
        let method = METHODS
            .iter()
            .position(|known| *known == method)
            .unwrap_or(METHODS.len());
        RequestTimer {
            metrics: &self.inner,
            method,
            started: Instant::now(),
            outcome: 2,
            ended: None,
        }
    }

    /// Counts a policy decision.
    pub(crate) fn decision(&self, decision: &'static str, risk: RiskLevel) {
        let at = position(&DECISIONS, decision);
        let level = risk as usize;
        self.inner.decided[at][level]
            .get(|| {
                self.inner
                    .decisions
                    .get_or_create(&[
                        ("decision", DECISIONS[at].to_owned()),
                        ("risk", risk.as_str().to_owned()),
                    ])
                    .clone()
            })
            .inc();
    }

    /// Counts a capability's run that ended with `outcome` after `started`.
    pub(crate) fn call(&self, kind: Kind, name: &str, outcome: &'static str, started: Instant) {
        let seconds = started.elapsed().as_secs_f64();
        let at = position(&CALL_OUTCOMES, outcome);
        self.capability(kind, name, |series| {
            series.outcomes[at]
                .get(|| {
                    self.inner
                        .calls
                        .get_or_create(&[
                            ("kind", kind.as_str().to_owned()),
                            ("name", name.to_owned()),
                            ("outcome", CALL_OUTCOMES[at].to_owned()),
                        ])
                        .clone()
                })
                .inc();
            series.seconds.observe(seconds);
            #[cfg(feature = "otel")]
            if let Some(otel) = self.inner.otel.get() {
                use opentelemetry::KeyValue;
                series
                    .otel_seconds
                    .get(|| {
                        otel.call_seconds.bind(&[
                            KeyValue::new("kind", kind.as_str()),
                            KeyValue::new("name", series.name.clone()),
                        ])
                    })
                    .record(seconds);
            }
        });
    }

    /// Runs `record` on the series of the capability `kind` `name` (made on its first call),
    /// under the lock of their map. Only registered capabilities are counted, so the map is as
    /// large as the registry at most.
    fn capability(&self, kind: Kind, name: &str, record: impl FnOnce(&CapabilitySeries)) {
        let map = &self.inner.capabilities[kind as usize];
        if let Some(series) = crate::sync::read(map).get(name) {
            return record(series);
        }
        let mut map = crate::sync::write(map);
        let series = map.entry(name.into()).or_insert_with(|| CapabilitySeries {
            outcomes: std::array::from_fn(|_| Series::new()),
            seconds: self
                .inner
                .call_seconds
                .get_or_create(&[
                    ("kind", kind.as_str().to_owned()),
                    ("name", name.to_owned()),
                ])
                .clone(),
            #[cfg(feature = "otel")]
            name: opentelemetry::Value::String(Arc::<str>::from(name).into()),
            #[cfg(feature = "otel")]
            otel_seconds: Series::new(),
        });
        record(series)
    }

    /// A call went on as a task.
    pub(crate) fn task_started(&self) {
        self.inner.tasks_running.inc();
        #[cfg(feature = "otel")]
        if let Some(otel) = self.inner.otel.get() {
            otel.tasks_running.add(1);
        }
    }

    /// A task ended with `status` (`completed`, `failed`, `cancelled`).
    pub(crate) fn task_ended(&self, status: &'static str) {
        self.inner.tasks_running.dec();
        self.inner
            .tasks
            .get_or_create(&[("status", status.to_owned())])
            .inc();
        #[cfg(feature = "otel")]
        if let Some(otel) = self.inner.otel.get() {
            otel.tasks_running.add(-1);
            otel.tasks
                .add(1, &[opentelemetry::KeyValue::new("status", status)]);
        }
    }

    /// `open` sessions are open.
    #[cfg_attr(not(feature = "http"), allow(dead_code))]
    pub(crate) fn sessions(&self, open: usize) {
        self.inner.sessions.set(open.try_into().unwrap_or(i64::MAX));
        #[cfg(feature = "otel")]
        if let Some(otel) = self.inner.otel.get() {
            otel.sessions.record(open as u64, &[]);
        }
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl fmt::Debug for Metrics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

/// A request being answered: recorded when finished, or as `cancelled` when dropped first.
pub(crate) struct RequestTimer<'a> {
    metrics: &'a Inner,
    /// The method's position in `METHODS`, or its length for `other`.
    method: usize,
    started: Instant,
    /// The outcome's position in `REQUEST_OUTCOMES`.
    outcome: usize,
    /// When the request was answered; a request dropped before is timed when dropped.
    ended: Option<Instant>,
}

impl RequestTimer<'_> {
    /// When the request started.
    pub(crate) fn started(&self) -> Instant {
        self.started
    }

    /// The request was answered, with an error or not. Returns when: now, as the timer reads
    /// it.
    pub(crate) fn finish(mut self, error: bool) -> Instant {
        self.outcome = usize::from(error);
        let now = Instant::now();
        self.ended = Some(now);
        now
    }
}

impl Drop for RequestTimer<'_> {
    fn drop(&mut self) {
        let inner = self.metrics;
        inner.in_flight.dec();
        let method = METHODS.get(self.method).copied().unwrap_or("other");
        let outcome = REQUEST_OUTCOMES[self.outcome];
        let series = &inner.methods[self.method];
        series.outcomes[self.outcome]
            .get(|| {
                inner
                    .requests
                    .get_or_create(&[
                        ("method", method.to_owned()),
                        ("outcome", outcome.to_owned()),
                    ])
                    .clone()
            })
            .inc();
        let ended = self.ended.unwrap_or_else(Instant::now);
        let seconds = ended.duration_since(self.started).as_secs_f64();
        series
            .seconds
            .get(|| {
                inner
                    .request_seconds
                    .get_or_create(&[("method", method.to_owned())])
                    .clone()
            })
            .observe(seconds);
        #[cfg(feature = "otel")]
        if let Some(otel) = inner.otel.get() {
            series
                .otel_seconds
                .get(|| {
                    otel.request_seconds
                        .bind(&[opentelemetry::KeyValue::new("method", method)])
                })
                .record(seconds);
        }
    }
}

/// The OpenTelemetry instruments the measurements are also recorded into. The histograms are
/// recorded as each measurement is made; the counts and gauges of requests, calls and
/// decisions are read from the Prometheus series when they are exported, so that a request
/// updates each of them once.
#[cfg(feature = "otel")]
mod otel {
    use std::sync::Arc;

    use opentelemetry::metrics::{
        AsyncInstrument, BoundUpDownCounter, Counter, Gauge, Histogram, Meter,
    };
    use opentelemetry::KeyValue;

    use super::{Inner, Kind, Series, CALL_OUTCOMES, DECISIONS, METHODS, REQUEST_OUTCOMES};
    use crate::permission::RiskLevel;

    pub(super) struct Instruments {
        pub(super) request_seconds: Histogram<f64>,
        pub(super) call_seconds: Histogram<f64>,
        pub(super) sessions: Gauge<u64>,
        pub(super) tasks: Counter<u64>,
        pub(super) tasks_running: BoundUpDownCounter<i64>,
    }

    /// Reports the count of `counter`, under the attributes `labels` gives, when it was ever
    /// used.
    fn observe<const N: usize>(
        observer: &dyn AsyncInstrument<u64>,
        counter: &Series<prometheus_client::metrics::counter::Counter>,
        labels: impl FnOnce() -> [KeyValue; N],
    ) {
        if let Some(counter) = counter.used() {
            observer.observe(counter.get(), &labels());
        }
    }

    /// A callback that reads the series of `inner` into an instrument. The meter provider
    /// keeps it (and so the series) until it is shut down, which exports them a last time
    /// after the server stopped.
    fn reading<T: 'static>(
        inner: &Arc<Inner>,
        read: impl Fn(&Inner, &dyn AsyncInstrument<T>) + Send + Sync + 'static,
    ) -> impl Fn(&dyn AsyncInstrument<T>) + Send + Sync + 'static {
        let inner = Arc::clone(inner);
        move |observer| read(&inner, observer)
    }

    impl Instruments {
        pub(super) fn new(meter: &Meter, inner: &Arc<Inner>) -> Self {
            let seconds = |name: &'static str, description: &'static str| {
                meter
                    .f64_histogram(name)
                    .with_unit("s")
                    .with_description(description)
                    .with_boundaries(super::BUCKETS.to_vec())
                    .build()
            };
            meter
                .u64_observable_counter("mcp.requests")
                .with_description("MCP requests answered, by method and outcome")
                .with_callback(reading(inner, |inner, observer| {
                    for (at, series) in inner.methods.iter().enumerate() {
                        let method = METHODS.get(at).copied().unwrap_or("other");
                        for (outcome, counter) in REQUEST_OUTCOMES.iter().zip(&series.outcomes) {
                            observe(observer, counter, || {
                                [
                                    KeyValue::new("method", method),
                                    KeyValue::new("outcome", *outcome),
                                ]
                            });
                        }
                    }
                }))
                .build();
            meter
                .i64_observable_up_down_counter("mcp.requests.in_flight")
                .with_description("MCP requests being answered")
                .with_callback(reading(inner, |inner, observer| {
                    observer.observe(inner.in_flight.get(), &[]);
                }))
                .build();
            meter
                .u64_observable_counter("mcp.capability.calls")
                .with_description(
                    "Tool calls, resource reads and prompt gets, by kind, name and outcome",
                )
                .with_callback(reading(inner, |inner, observer| {
                    for kind in [Kind::Tool, Kind::Resource, Kind::Prompt] {
                        let map = crate::sync::read(&inner.capabilities[kind as usize]);
                        for series in map.values() {
                            for (outcome, counter) in CALL_OUTCOMES.iter().zip(&series.outcomes) {
                                observe(observer, counter, || {
                                    [
                                        KeyValue::new("kind", kind.as_str()),
                                        KeyValue::new("name", series.name.clone()),
                                        KeyValue::new("outcome", *outcome),
                                    ]
                                });
                            }
                        }
                    }
                }))
                .build();
            meter
                .u64_observable_counter("mcp.policy.decisions")
                .with_description("Permission policy decisions, by decision and risk level")
                .with_callback(reading(inner, |inner, observer| {
                    for (decision, by_risk) in DECISIONS.iter().zip(&inner.decided) {
                        for (risk, counter) in RiskLevel::ALL.iter().zip(by_risk) {
                            observe(observer, counter, || {
                                [
                                    KeyValue::new("decision", *decision),
                                    KeyValue::new("risk", risk.as_str()),
                                ]
                            });
                        }
                    }
                }))
                .build();
            Instruments {
                request_seconds: seconds(
                    "mcp.request.duration",
                    "Time to answer an MCP request, by method",
                ),
                call_seconds: seconds(
                    "mcp.capability.call.duration",
                    "Time a capability took, from the policy decision to the answer, by kind and name",
                ),
                sessions: meter
                    .u64_gauge("mcp.sessions")
                    .with_description("Open sessions of the handshake era over HTTP")
                    .build(),
                tasks: meter
                    .u64_counter("mcp.tasks")
                    .with_description("Tool calls that went on as tasks, by how they ended")
                    .build(),
                tasks_running: meter
                    .i64_up_down_counter("mcp.tasks.running")
                    .with_description("Tasks still running in this process")
                    .build()
                    .bind(&[]),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_methods_are_counted_as_other() {
        let metrics = Metrics::new();
        metrics.request("tools/call").finish(false);
        metrics.request("made/up").finish(true);
        drop(metrics.request("ping"));
        let text = metrics.encode();
        assert!(
            text.contains(r#"mcp_requests_total{method="tools/call",outcome="ok"} 1"#),
            "{text}"
        );
        assert!(
            text.contains(r#"mcp_requests_total{method="other",outcome="error"} 1"#),
            "{text}"
        );
        assert!(
            text.contains(r#"mcp_requests_total{method="ping",outcome="cancelled"} 1"#),
            "{text}"
        );
        assert!(text.contains("mcp_requests_in_flight 0"), "{text}");
        assert!(!text.contains("made/up"), "{text}");
    }

    #[test]
    fn latency_is_a_histogram_with_buckets() {
        let metrics = Metrics::new();
        metrics.request("tools/list").finish(false);
        let text = metrics.encode();
        assert!(
            text.contains("# TYPE mcp_request_duration_seconds histogram"),
            "{text}"
        );
        assert!(
            text.contains(
                r#"mcp_request_duration_seconds_bucket{le="60.0",method="tools/list"} 1"#
            ) || text.contains(
                r#"mcp_request_duration_seconds_bucket{method="tools/list",le="60.0"} 1"#
            ),
            "{text}"
        );
        assert!(
            text.contains(r#"mcp_request_duration_seconds_count{method="tools/list"} 1"#),
            "{text}"
        );
    }

    #[test]
    fn every_outcome_and_decision_is_counted_under_its_own_label() {
        let metrics = Metrics::new();
        for outcome in CALL_OUTCOMES {
            metrics.call(Kind::Tool, "t", outcome, Instant::now());
        }
        metrics.call(Kind::Prompt, "t", "ok", Instant::now());
        for decision in DECISIONS {
            metrics.decision(decision, RiskLevel::High);
        }
        let text = metrics.encode();
        for outcome in CALL_OUTCOMES {
            let series = format!(
                r#"mcp_capability_calls_total{{kind="tool",name="t",outcome="{outcome}"}} 1"#
            );
            assert!(text.contains(&series), "{series} in {text}");
        }
        assert!(
            text.contains(r#"mcp_capability_calls_total{kind="prompt",name="t",outcome="ok"} 1"#)
        );
        for decision in DECISIONS {
            let series =
                format!(r#"mcp_policy_decisions_total{{decision="{decision}",risk="high"}} 1"#);
            assert!(text.contains(&series), "{series} in {text}");
        }
    }

    #[test]
    fn in_flight_counts_requests_until_they_end() {
        let metrics = Metrics::new();
        let first = metrics.request("tools/call");
        let _second = metrics.request("tools/call");
        assert!(metrics.encode().contains("mcp_requests_in_flight 2"));
        first.finish(false);
        assert!(metrics.encode().contains("mcp_requests_in_flight 1"));
    }
}
