//! The request spans and the metrics exported over OTLP/HTTP by a server process, as a
//! collector receives them: a receiver of the test's own decodes what is posted to
//! `/v1/traces` and `/v1/metrics` with the official protobuf types.

use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::routing::post;
use bytes::Bytes;
use opentelemetry_proto::tonic::collector::metrics::v1::{
    ExportMetricsServiceRequest, ExportMetricsServiceResponse,
};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use opentelemetry_proto::tonic::common::v1::any_value::Value as AnyValue;
use opentelemetry_proto::tonic::common::v1::KeyValue;
use opentelemetry_proto::tonic::metrics::v1::metric::Data;
use opentelemetry_proto::tonic::metrics::v1::{number_data_point, Metric};
use opentelemetry_proto::tonic::trace::v1::span::SpanKind;
use opentelemetry_proto::tonic::trace::v1::status::StatusCode;
use opentelemetry_proto::tonic::trace::v1::Span;
use prost::Message;
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::Command;

const TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT_SPAN_ID: &str = "00f067aa0ba902b7";

/// What the receiver was sent: each exported span with its resource's `service.name`.
#[derive(Clone, Default)]
struct Received {
    spans: Arc<Mutex<Vec<(String, Span)>>>,
    metrics: Arc<Mutex<Vec<(String, Metric)>>>,
    posts: Arc<Mutex<usize>>,
    /// The `x-api-key` header of each post to `/v1/traces`, empty when there was none.
    trace_keys: Arc<Mutex<Vec<String>>>,
}

impl Received {
    fn spans(&self) -> Vec<(String, Span)> {
        self.spans.lock().unwrap().clone()
    }

    fn metrics(&self) -> Vec<(String, Metric)> {
        self.metrics.lock().unwrap().clone()
    }

    fn posts(&self) -> usize {
        *self.posts.lock().unwrap()
    }

    fn trace_keys(&self) -> Vec<String> {
        self.trace_keys.lock().unwrap().clone()
    }
}

/// An OTLP/HTTP receiver on `listener`: `POST /v1/traces` and `POST /v1/metrics` with a
/// protobuf body.
fn receiver(listener: tokio::net::TcpListener) -> Received {
    let (received, app) = collector();
    tokio::spawn(async move { axum::serve(listener, app).await });
    received
}

/// An OTLP/HTTP receiver on a free local port: its base URL, and what it was sent.
async fn local_receiver() -> (String, Received) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    (endpoint, receiver(listener))
}

/// The routes of an OTLP/HTTP receiver, and what they were sent.
fn collector() -> (Received, axum::Router) {
    let received = Received::default();
    let sink = received.clone();
    let metrics_sink = received.clone();
    let app = axum::Router::new().route(
        "/v1/metrics",
        post(move |body: Bytes| async move {
            *metrics_sink.posts.lock().unwrap() += 1;
            let request = ExportMetricsServiceRequest::decode(body).expect("an OTLP protobuf body");
            let mut metrics = metrics_sink.metrics.lock().unwrap();
            for resource_metrics in request.resource_metrics {
                let service = resource_metrics
                    .resource
                    .as_ref()
                    .and_then(|r| string(&r.attributes, "service.name"))
                    .unwrap_or_default();
                for scope in resource_metrics.scope_metrics {
                    metrics.extend(scope.metrics.into_iter().map(|m| (service.clone(), m)));
                }
            }
            (
                [("content-type", "application/x-protobuf")],
                ExportMetricsServiceResponse::default().encode_to_vec(),
            )
        }),
    );
    let app = app.route(
        "/v1/traces",
        post(
            move |headers: axum::http::HeaderMap, body: Bytes| async move {
                *sink.posts.lock().unwrap() += 1;
                let key = headers
                    .get("x-api-key")
                    .map(|key| key.to_str().unwrap().to_owned());
                sink.trace_keys
                    .lock()
                    .unwrap()
                    .push(key.unwrap_or_default());
                let request =
                    ExportTraceServiceRequest::decode(body).expect("an OTLP protobuf body");
                let mut spans = sink.spans.lock().unwrap();
                for resource_spans in request.resource_spans {
                    let service = resource_spans
                        .resource
                        .as_ref()
                        .and_then(|r| string(&r.attributes, "service.name"))
                        .unwrap_or_default();
                    for scope in resource_spans.scope_spans {
                        spans.extend(scope.spans.into_iter().map(|s| (service.clone(), s)));
                    }
                }
                (
                    [("content-type", "application/x-protobuf")],
                    ExportTraceServiceResponse::default().encode_to_vec(),
                )
            },
        ),
    );
    (received, app)
}

/// The string value of the attribute `key`.
fn string(attributes: &[KeyValue], key: &str) -> Option<String> {
    let value = attributes.iter().find(|a| a.key == key)?.value.as_ref()?;
    match value.value.as_ref()? {
        AnyValue::StringValue(text) => Some(text.clone()),
        AnyValue::IntValue(number) => Some(number.to_string()),
        other => Some(format!("{other:?}")),
    }
}

/// The exported span of the call of `echo` (the first, when there are several).
fn echo_span(spans: &[(String, Span)]) -> &(String, Span) {
    spans
        .iter()
        .find(|(_, span)| span.name == "tools/call echo")
        .unwrap_or_else(|| panic!("no span for the call: {spans:#?}"))
}

/// Runs the fixture server with `args` and the variables `env`, which it must refuse at start
/// (exit status 2); returns what it wrote on stderr.
async fn refused(args: &[&str], env: &[(&str, &str)]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_fixture-server"))
        .args(args)
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .output()
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    stderr
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn meta() -> Value {
    json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientInfo": {"name": "t", "version": "1"},
        "io.modelcontextprotocol/clientCapabilities": {},
    })
}

/// Runs the fixture server with `args` and the `OTEL_*` variables `env` (none other), sends it
/// `lines`, ends its input, and returns its answers once it has exited.
async fn run_server(args: &[&str], env: &[(&str, &str)], lines: &[Value]) -> Vec<Value> {
    let mut command = Command::new(env!("CARGO_BIN_EXE_fixture-server"));
    command
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    for (name, _) in std::env::vars() {
        if name.starts_with("OTEL_") {
            command.env_remove(name);
        }
    }
    command.envs(env.iter().copied());
    let mut child = command.spawn().unwrap();
    let mut stdin = child.stdin.take().unwrap();
    for line in lines {
        let mut bytes = serde_json::to_vec(line).unwrap();
        bytes.push(b'\n');
        stdin.write_all(&bytes).await.unwrap();
    }
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let reading = tokio::spawn(async move {
        let mut answers = Vec::new();
        let mut lines = stdout.lines();
        while let Some(line) = lines.next_line().await.unwrap() {
            answers.push(serde_json::from_str::<Value>(&line).unwrap());
        }
        answers
    });
    // The answers come before the end of input, so that the calls are not cut short.
    tokio::time::sleep(Duration::from_millis(300)).await;
    drop(stdin);
    let output = tokio::time::timeout(Duration::from_secs(20), child.wait_with_output())
        .await
        .expect("the server stops at the end of its input")
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let answers = reading.await.unwrap();
    assert_eq!(answers.len(), lines.len(), "{answers:?}\n{stderr}");
    answers
}

fn call(id: u64, text: &str, traceparent: Option<&str>) -> Value {
    let mut meta = meta();
    if let Some(parent) = traceparent {
        meta["traceparent"] = json!(parent);
        meta["tracestate"] = json!("vendor=1");
    }
    json!({
        "jsonrpc": "2.0", "id": id, "method": "tools/call",
        "params": {"name": "echo", "arguments": {"text": text}, "_meta": meta},
    })
}

#[tokio::test]
async fn request_spans_are_exported_as_server_spans_under_the_callers_trace() {
    let (endpoint, received) = local_receiver().await;
    let traceparent = format!("00-{TRACE_ID}-{PARENT_SPAN_ID}-01");
    let answers = run_server(
        &["--otlp-endpoint", &endpoint],
        &[],
        &[
            call(7, "traced", Some(&traceparent)),
            call(8, "fresh", None),
            json!({
                "jsonrpc": "2.0", "id": 9, "method": "tools/call",
                "params": {"name": "no_such_tool", "arguments": {}, "_meta": meta()},
            }),
            json!({
                "jsonrpc": "2.0", "id": 10, "method": "resources/read",
                "params": {"uri": "test://static/readme", "_meta": meta()},
            }),
        ],
    )
    .await;
    assert!(
        answers[..2].iter().all(|a| a["result"].is_object()),
        "{answers:?}"
    );
    assert!(answers[2]["error"].is_object(), "{answers:?}");

    // The guard sent the spans before the process exited.
    let spans = received.spans();
    let calls: Vec<&(String, Span)> = spans
        .iter()
        .filter(|(_, span)| span.name == "tools/call echo")
        .collect();
    assert_eq!(calls.len(), 2, "{spans:#?}");
    let traced = calls
        .iter()
        .map(|(service, span)| (service, span))
        .find(|(_, span)| string(&span.attributes, "jsonrpc.request.id").as_deref() == Some("7"))
        .unwrap_or_else(|| panic!("no span for request 7: {calls:#?}"));
    let (service, span) = traced;
    assert_eq!(service, "fixture");
    assert_eq!(span.kind, SpanKind::Server as i32);
    for (key, value) in [
        ("mcp.method.name", "tools/call"),
        ("gen_ai.tool.name", "echo"),
        ("gen_ai.operation.name", "execute_tool"),
        ("jsonrpc.request.id", "7"),
        ("mcp.protocol.version", "2026-07-28"),
    ] {
        assert_eq!(
            string(&span.attributes, key).as_deref(),
            Some(value),
            "{key}: {span:#?}"
        );
    }
    assert_eq!(hex(&span.trace_id), TRACE_ID);
    assert_eq!(hex(&span.parent_span_id), PARENT_SPAN_ID);
    assert_ne!(hex(&span.span_id), PARENT_SPAN_ID);
    assert_eq!(span.trace_state, "vendor=1");
    // The handler's own span is a child of the request's.
    let copies: Vec<&Span> = spans
        .iter()
        .map(|(_, span)| span)
        .filter(|copy| copy.name == "echo.copy")
        .collect();
    assert_eq!(copies.len(), 2, "{spans:#?}");
    let copy = copies
        .iter()
        .find(|copy| copy.parent_span_id == span.span_id)
        .unwrap_or_else(|| panic!("no handler span under request 7: {spans:#?}"));
    assert_eq!(copy.trace_id, span.trace_id);
    assert_eq!(string(&copy.attributes, "chars").as_deref(), Some("6"));
    // The handler's event outside its span is an event of the request's span.
    let echoing = span
        .events
        .iter()
        .find(|event| event.name == "echoing")
        .unwrap_or_else(|| panic!("no event of the handler: {span:#?}"));
    assert_eq!(
        string(&echoing.attributes, "level").as_deref(),
        Some("INFO")
    );
    let chars = echoing.attributes.iter().find(|a| a.key == "chars");
    assert_eq!(
        chars.and_then(|a| a.value.as_ref()?.value.clone()),
        Some(AnyValue::IntValue(6)),
        "{echoing:#?}"
    );
    assert!(echoing.time_unix_nano >= span.start_time_unix_nano);
    // The handler's span and event lie within the request's span, whose times are read from
    // the monotonic clock anchored to the wall clock, and theirs from the wall clock.
    assert!(
        span.start_time_unix_nano <= copy.start_time_unix_nano,
        "{span:#?} {copy:#?}"
    );
    assert!(
        copy.end_time_unix_nano <= span.end_time_unix_nano,
        "{span:#?} {copy:#?}"
    );
    assert!(echoing.time_unix_nano <= span.end_time_unix_nano);

    let (_, fresh) = calls
        .iter()
        .find(|(_, span)| string(&span.attributes, "jsonrpc.request.id").as_deref() == Some("8"))
        .unwrap();
    assert_eq!(fresh.trace_id.len(), 16);
    assert_ne!(hex(&fresh.trace_id), TRACE_ID);
    assert_ne!(fresh.trace_id, vec![0; 16]);
    assert!(fresh.parent_span_id.is_empty(), "{fresh:#?}");
    // Without a trace context in its params, the span is described as the call is read.
    for (key, value) in [
        ("gen_ai.tool.name", "echo"),
        ("gen_ai.operation.name", "execute_tool"),
        ("mcp.protocol.version", "2026-07-28"),
    ] {
        assert_eq!(
            string(&fresh.attributes, key).as_deref(),
            Some(value),
            "{key}: {fresh:#?}"
        );
    }
    let status = fresh.status.clone().unwrap_or_default();
    assert_ne!(status.code, StatusCode::Error as i32, "{fresh:#?}");

    // A request answered with an error is an error span, with the error's code.
    let (_, failed) = spans
        .iter()
        .find(|(_, span)| string(&span.attributes, "jsonrpc.request.id").as_deref() == Some("9"))
        .unwrap_or_else(|| panic!("no span for request 9: {spans:#?}"));
    assert_eq!(failed.name, "tools/call no_such_tool");
    let status = failed.status.clone().unwrap_or_default();
    assert_eq!(status.code, StatusCode::Error as i32, "{failed:#?}");
    assert!(
        string(&failed.attributes, "error.type").is_some(),
        "{failed:#?}"
    );

    // A resource's read names its URI.
    let (_, read) = spans
        .iter()
        .find(|(_, span)| string(&span.attributes, "jsonrpc.request.id").as_deref() == Some("10"))
        .unwrap_or_else(|| panic!("no span for request 10: {spans:#?}"));
    assert_eq!(read.name, "resources/read");
    for (key, value) in [
        ("mcp.method.name", "resources/read"),
        ("mcp.resource.uri", "test://static/readme"),
        ("mcp.protocol.version", "2026-07-28"),
    ] {
        assert_eq!(
            string(&read.attributes, key).as_deref(),
            Some(value),
            "{key}: {read:#?}"
        );
    }
    assert_eq!(string(&read.attributes, "gen_ai.tool.name"), None);
}

/// The last exported value of the counter `name` for the data point with `labels`.
fn counter(metrics: &[(String, Metric)], name: &str, labels: &[(&str, &str)]) -> Option<i64> {
    metrics
        .iter()
        .rev()
        .filter(|(_, metric)| metric.name == name)
        .find_map(|(_, metric)| {
            let Some(Data::Sum(sum)) = &metric.data else {
                panic!("{name} is not a sum: {metric:#?}");
            };
            assert!(sum.is_monotonic, "{metric:#?}");
            sum.data_points
                .iter()
                .find(|point| {
                    labels
                        .iter()
                        .all(|(k, v)| string(&point.attributes, k).as_deref() == Some(*v))
                })
                .map(|point| match point.value {
                    Some(number_data_point::Value::AsInt(n)) => n,
                    ref other => panic!("{name}: {other:?}"),
                })
        })
}

#[tokio::test]
async fn metrics_are_exported_with_their_counts_and_buckets() {
    let (endpoint, received) = local_receiver().await;
    run_server(
        &["--otlp-endpoint", &endpoint],
        &[],
        &[
            call(1, "one", None),
            call(2, "two", None),
            json!({
                "jsonrpc": "2.0", "id": 3, "method": "tools/call",
                "params": {"name": "no_such_tool", "arguments": {}, "_meta": meta()},
            }),
        ],
    )
    .await;

    // The guard sent the counts before the process exited.
    let metrics = received.metrics();
    assert!(metrics.iter().all(|(service, _)| service == "fixture"));
    let ok = [("method", "tools/call"), ("outcome", "ok")];
    assert_eq!(
        counter(&metrics, "mcp.requests", &ok),
        Some(2),
        "{metrics:#?}"
    );
    let error = [("method", "tools/call"), ("outcome", "error")];
    assert_eq!(counter(&metrics, "mcp.requests", &error), Some(1));
    let echoed = [("kind", "tool"), ("name", "echo"), ("outcome", "ok")];
    assert_eq!(counter(&metrics, "mcp.capability.calls", &echoed), Some(2));
    let allowed = [("decision", "allow"), ("risk", "low")];
    assert_eq!(counter(&metrics, "mcp.policy.decisions", &allowed), Some(2));

    let (_, duration) = metrics
        .iter()
        .rev()
        .find(|(_, metric)| metric.name == "mcp.request.duration")
        .unwrap_or_else(|| panic!("no request duration: {metrics:#?}"));
    assert_eq!(duration.unit, "s");
    let Some(Data::Histogram(histogram)) = &duration.data else {
        panic!("not a histogram: {duration:#?}");
    };
    let calls = histogram
        .data_points
        .iter()
        .find(|point| string(&point.attributes, "method").as_deref() == Some("tools/call"))
        .unwrap_or_else(|| panic!("no tools/call point: {histogram:#?}"));
    assert_eq!(calls.count, 3);
    // The buckets of `/metrics`: from 100 µs to 60 s.
    assert_eq!(calls.explicit_bounds.first(), Some(&0.0001));
    assert_eq!(calls.explicit_bounds.last(), Some(&60.0));
    assert_eq!(calls.bucket_counts.len(), calls.explicit_bounds.len() + 1);
    assert_eq!(calls.bucket_counts.iter().sum::<u64>(), 3);
}

#[tokio::test]
async fn the_standard_variables_configure_the_export() {
    let (endpoint, received) = local_receiver().await;
    run_server(
        &[],
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint),
            ("OTEL_SERVICE_NAME", "renamed"),
            // Percent-encoded, as the variable's values are.
            ("OTEL_EXPORTER_OTLP_HEADERS", "x-api-key=secret%20key"),
        ],
        &[call(1, "hello", None)],
    )
    .await;
    let spans = received.spans();
    let (service, _) = echo_span(&spans).clone();
    assert_eq!(service, "renamed");
    // The request's span and its handler's, each with the key.
    assert!(
        spans.iter().any(|(_, span)| span.name == "echo.copy"),
        "{spans:#?}"
    );
    let keys = received.trace_keys();
    assert!(!keys.is_empty());
    assert!(keys.iter().all(|key| key == "secret key"), "{keys:?}");
}

#[tokio::test]
async fn a_request_left_out_by_sampling_is_not_exported_nor_is_its_handlers_work() {
    let (endpoint, received) = local_receiver().await;
    run_server(
        &["--otlp-endpoint", &endpoint],
        // Only the requests whose caller traces them.
        &[("OTEL_TRACES_SAMPLER", "parentbased_always_off")],
        &[
            call(
                1,
                "caller traces",
                Some(&format!("00-{TRACE_ID}-{PARENT_SPAN_ID}-01")),
            ),
            call(
                2,
                "caller does not",
                Some(&format!("00-{TRACE_ID}-{PARENT_SPAN_ID}-00")),
            ),
            call(3, "no caller's decision", None),
        ],
    )
    .await;
    // The request spans and the handler's go to the collector in posts of their own, in
    // either order.
    let mut spans = received.spans();
    spans.sort_by(|(_, a), (_, b)| a.name.cmp(&b.name));
    let names: Vec<(&str, Option<String>)> = spans
        .iter()
        .map(|(_, span)| {
            let id = string(&span.attributes, "jsonrpc.request.id");
            (span.name.as_str(), id)
        })
        .collect();
    assert_eq!(
        names,
        [
            ("echo.copy", None),
            ("tools/call echo", Some("1".to_owned()))
        ],
        "{spans:#?}"
    );
    assert_eq!(spans[0].1.parent_span_id, spans[1].1.span_id);
    assert_eq!(hex(&spans[1].1.trace_id), TRACE_ID);
}

#[tokio::test]
async fn a_sampler_outside_the_standard_ones_is_refused() {
    for (sampler, arg, named) in [
        ("jaeger_remote", "", "OTEL_TRACES_SAMPLER=`jaeger_remote`"),
        ("traceidratio", "1.5", "OTEL_TRACES_SAMPLER_ARG=`1.5`"),
    ] {
        let stderr = refused(
            &["--otlp-endpoint", "http://127.0.0.1:9"],
            &[
                ("OTEL_TRACES_SAMPLER", sampler),
                ("OTEL_TRACES_SAMPLER_ARG", arg),
            ],
        )
        .await;
        assert!(stderr.contains(named), "{stderr}");
    }
}

#[tokio::test]
async fn without_an_endpoint_nothing_is_sent() {
    // Where an exporter with no endpoint configured would post (the OTLP default), when the
    // port is free; else a port nothing names.
    let listener = match tokio::net::TcpListener::bind("127.0.0.1:4318").await {
        Ok(listener) => listener,
        Err(_) => tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap(),
    };
    let received = receiver(listener);
    let traceparent = format!("00-{TRACE_ID}-{PARENT_SPAN_ID}-01");
    run_server(
        &[],
        &[("OTEL_SERVICE_NAME", "unsent"), ("RUST_LOG", "debug")],
        &[call(1, "hello", Some(&traceparent))],
    )
    .await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(received.posts(), 0);
}

#[tokio::test]
async fn an_endpoint_that_is_not_http_or_https_is_refused() {
    let stderr = refused(&["--otlp-endpoint", "grpc://collector.example:4317"], &[]).await;
    assert!(stderr.contains("invalid --otlp-endpoint"), "{stderr}");
}

/// An OTLP/HTTP receiver over TLS on `listener`, with a certificate for `localhost` of its
/// own; returns what it was sent and the certificate's PEM.
fn tls_receiver(listener: tokio::net::TcpListener) -> (Received, String) {
    use hyper_util::rt::TokioIo;
    use hyper_util::service::TowerToHyperService;
    let key = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(
        vec![key.cert.der().clone()],
        rustls::pki_types::PrivateKeyDer::Pkcs8(key.key_pair.serialize_der().into()),
    )
    .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let (received, app) = collector();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let (acceptor, app) = (acceptor.clone(), app.clone());
            tokio::spawn(async move {
                if let Ok(tls) = acceptor.accept(tcp).await {
                    let service = TowerToHyperService::new(app);
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(tls), service)
                        .await;
                }
            });
        }
    });
    (received, key.cert.pem())
}

#[tokio::test]
async fn an_https_collector_is_verified_with_the_certificate_named() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!(
        "https://localhost:{}",
        listener.local_addr().unwrap().port()
    );
    let (received, pem) = tls_receiver(listener);
    let certificate = std::env::temp_dir().join(format!("otlp-ca-{}.pem", std::process::id()));
    std::fs::write(&certificate, pem).unwrap();
    let certificate = certificate.to_str().unwrap();

    // Not among the public roots: the collector is not trusted and nothing reaches it, but
    // the server answers and stops as usual.
    run_server(
        &["--otlp-endpoint", &endpoint],
        &[],
        &[call(1, "untrusted", None)],
    )
    .await;
    assert_eq!(received.posts(), 0);

    let trusted = [("OTEL_EXPORTER_OTLP_CERTIFICATE", certificate)];
    run_server(
        &["--otlp-endpoint", &endpoint],
        &trusted,
        &[call(2, "trusted", None)],
    )
    .await;
    let spans = received.spans();
    let (_, span) = echo_span(&spans);
    assert_eq!(
        string(&span.attributes, "jsonrpc.request.id").as_deref(),
        Some("2")
    );
    assert!(received
        .metrics()
        .iter()
        .any(|(_, m)| m.name == "mcp.requests"));

    // A file without a certificate is refused at start.
    let empty = format!("{certificate}.empty");
    std::fs::write(&empty, "").unwrap();
    let stderr = refused(
        &["--otlp-endpoint", &endpoint],
        &[("OTEL_EXPORTER_OTLP_CERTIFICATE", &empty)],
    )
    .await;
    assert!(
        stderr.contains("OTEL_EXPORTER_OTLP_CERTIFICATE"),
        "{stderr}"
    );
    let _ = std::fs::remove_file(certificate);
    let _ = std::fs::remove_file(empty);
}

/// Posts `body` to the HTTP server at `bind` as a modern `tools/call` of `echo`, with the extra
/// `headers`; returns the raw answer.
async fn post_call(bind: &str, body: &Value, headers: &str) -> String {
    let headers = format!(
        "MCP-Protocol-Version: 2026-07-28\r\nMcp-Method: tools/call\r\nMcp-Name: echo\r\n{headers}"
    );
    post_mcp(bind, body, &headers).await
}

/// Posts `body` to `/mcp` of the HTTP server at `bind` with the extra `headers` (each ending
/// with CRLF); returns the raw answer, headers included.
async fn post_mcp(bind: &str, body: &Value, headers: &str) -> String {
    use tokio::io::AsyncReadExt;
    let started = std::time::Instant::now();
    let mut stream = loop {
        match tokio::net::TcpStream::connect(bind).await {
            Ok(stream) => break stream,
            Err(e) if started.elapsed() > Duration::from_secs(30) => panic!("never listened: {e}"),
            Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    };
    let body = body.to_string();
    let request = format!(
        "POST /mcp HTTP/1.1\r\nHost: {bind}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\n{headers}Connection: close\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    answer
}

/// Over HTTP, the caller's trace context is read from the request's `_meta` or, without one
/// there, from the `traceparent` and `tracestate` headers; the spans are sent when the server
/// stops on SIGTERM.
#[tokio::test]
async fn an_http_server_sends_its_spans_when_it_stops_on_sigterm() {
    let (endpoint, received) = local_receiver().await;
    let port = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        probe.local_addr().unwrap().port()
    };
    let bind = format!("127.0.0.1:{port}");
    let child = Command::new(env!("CARGO_BIN_EXE_fixture-server"))
        .args(["--transport", "http", "--bind", &bind])
        .args(["--otlp-endpoint", &endpoint])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let traceparent = format!("00-{TRACE_ID}-{PARENT_SPAN_ID}-01");
    let answer = post_call(&bind, &call(3, "over http", Some(&traceparent)), "").await;
    assert!(answer.contains("over http"), "{answer}");
    // The context in the headers only, from another caller's span.
    let header_parent = "1111111111111111";
    let headers =
        format!("traceparent: 00-{TRACE_ID}-{header_parent}-01\r\ntracestate: from=headers\r\n");
    let answer = post_call(&bind, &call(4, "in headers", None), &headers).await;
    assert!(answer.contains("in headers"), "{answer}");
    // A call in a session of the handshake era: its span names the session.
    let initialize = json!({
        "jsonrpc": "2.0", "id": 10, "method": "initialize",
        "params": {"protocolVersion": "2025-11-25", "capabilities": {},
                   "clientInfo": {"name": "t", "version": "1"}},
    });
    let answer = post_mcp(&bind, &initialize, "").await;
    let session = answer
        .lines()
        .find_map(|line| {
            line.to_ascii_lowercase()
                .strip_prefix("mcp-session-id: ")
                .map(str::to_owned)
        })
        .unwrap_or_else(|| panic!("no session id: {answer}"));
    let session = session.trim();
    let in_session = format!("Mcp-Session-Id: {session}\r\nMCP-Protocol-Version: 2025-11-25\r\n");
    let initialized = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
    post_mcp(&bind, &initialized, &in_session).await;
    let legacy_call = json!({
        "jsonrpc": "2.0", "id": 5, "method": "tools/call",
        "params": {"name": "echo", "arguments": {"text": "in a session"}},
    });
    let answer = post_mcp(&bind, &legacy_call, &in_session).await;
    assert!(answer.contains("in a session"), "{answer}");

    let pid = child.id().unwrap().to_string();
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(killed.success());
    let output = tokio::time::timeout(Duration::from_secs(30), child.wait_with_output())
        .await
        .expect("the server stops on SIGTERM")
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let spans = received.spans();
    let span_of = |id: &str| {
        spans
            .iter()
            .map(|(_, span)| span)
            .find(|span| string(&span.attributes, "jsonrpc.request.id").as_deref() == Some(id))
            .unwrap_or_else(|| panic!("no span for request {id}: {spans:#?}\n{stderr}"))
    };
    let in_meta = span_of("3");
    assert_eq!(hex(&in_meta.trace_id), TRACE_ID);
    assert_eq!(hex(&in_meta.parent_span_id), PARENT_SPAN_ID);
    assert_eq!(in_meta.trace_state, "vendor=1");
    let in_headers = span_of("4");
    assert_eq!(hex(&in_headers.trace_id), TRACE_ID);
    assert_eq!(hex(&in_headers.parent_span_id), header_parent);
    assert_eq!(in_headers.trace_state, "from=headers");
    assert_eq!(string(&in_headers.attributes, "mcp.session.id"), None);
    let in_session = span_of("5");
    assert_eq!(
        string(&in_session.attributes, "mcp.session.id").as_deref(),
        Some(session)
    );
    assert_eq!(
        string(&in_session.attributes, "mcp.protocol.version").as_deref(),
        Some("2025-11-25")
    );
}
