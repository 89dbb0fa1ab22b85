//! One `tracing` span per request, with OpenTelemetry's MCP attributes and the client's trace
//! context, the handler's own spans nested inside it (async and synchronous handlers alike).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use mcp_runtime::prelude::*;
use mcp_runtime::testing::TestClient;
use serde_json::json;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::Subscriber;
use tracing_subscriber::layer::{Context as LayerContext, Layer, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

/// A span as the layer saw it: its name, its parent's name and its fields.
#[derive(Debug, Clone, Default)]
struct Seen {
    name: String,
    parent: Option<String>,
    fields: BTreeMap<String, String>,
}

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<(u64, Seen)>>>);

struct Fields<'a>(&'a mut BTreeMap<String, String>);

impl Visit for Fields<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(
            field.name().to_owned(),
            format!("{value:?}").trim_matches('"').to_owned(),
        );
    }
}

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Capture {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: LayerContext<'_, S>) {
        let mut seen = Seen {
            name: attrs.metadata().name().to_owned(),
            parent: ctx
                .span(id)
                .and_then(|span| span.parent().map(|parent| parent.name().to_owned())),
            ..Seen::default()
        };
        attrs.record(&mut Fields(&mut seen.fields));
        self.0.lock().unwrap().push((id.into_u64(), seen));
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, _: LayerContext<'_, S>) {
        let mut spans = self.0.lock().unwrap();
        if let Some((_, seen)) = spans.iter_mut().find(|(known, _)| *known == id.into_u64()) {
            values.record(&mut Fields(&mut seen.fields));
        }
    }
}

impl Capture {
    fn named(&self, name: &str) -> Vec<Seen> {
        let spans = self.0.lock().unwrap();
        spans
            .iter()
            .filter(|(_, seen)| seen.name == name)
            .map(|(_, seen)| seen.clone())
            .collect()
    }
}

/// Adds two numbers, in a span of its own.
#[tool(read_only)]
async fn traced_add(a: i64, b: i64) -> i64 {
    let _work = tracing::info_span!("adding").entered();
    a + b
}

/// Multiplies two numbers, synchronously, in a span of its own.
#[tool(read_only)]
fn traced_multiply(a: i64, b: i64) -> i64 {
    let _work = tracing::info_span!("multiplying").entered();
    a * b
}

/// Always fails.
#[tool]
fn refuse() -> Result<String, ToolError> {
    Err(ToolError::new("no"))
}

#[tokio::test(flavor = "current_thread")]
async fn every_request_has_a_span_with_the_mcp_attributes_and_the_handlers_spans_inside() {
    let capture = Capture::default();
    let subscriber = tracing_subscriber::registry().with(capture.clone());
    let _default = tracing::subscriber::set_default(subscriber);

    let client = TestClient::modern(Server::new("traced", "1.0.0").tools(tools![
        traced_add,
        traced_multiply,
        refuse
    ]))
    .unwrap();
    let parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    let answer = client
        .request(
            "tools/call",
            json!({
                "name": "traced_add",
                "arguments": {"a": 2, "b": 3},
                "_meta": {"traceparent": parent, "tracestate": "vendor=1"},
            }),
        )
        .await
        .unwrap();
    assert_eq!(answer["content"][0]["text"], "5", "{answer}");
    let product = client
        .call_tool("traced_multiply", json!({"a": 4, "b": 5}))
        .await
        .unwrap();
    assert_eq!(product.text(), "20");
    let refused = client.call_tool("refuse", json!({})).await.unwrap();
    assert!(refused.is_error);
    client.request("tools/list", json!({})).await.unwrap();

    let requests = capture.named("mcp.request");
    let call = requests
        .iter()
        .find(|span| span.fields.get("gen_ai.tool.name").map(String::as_str) == Some("traced_add"))
        .unwrap_or_else(|| panic!("no span for the call of traced_add: {requests:#?}"));
    for (field, value) in [
        ("otel.name", "tools/call traced_add"),
        ("otel.kind", "server"),
        ("mcp.method.name", "tools/call"),
        ("gen_ai.operation.name", "execute_tool"),
        ("mcp.protocol.version", "2026-07-28"),
        ("traceparent", parent),
        ("tracestate", "vendor=1"),
    ] {
        assert_eq!(
            call.fields.get(field).map(String::as_str),
            Some(value),
            "{field}: {call:#?}"
        );
    }
    assert!(call.fields.contains_key("jsonrpc.request.id"), "{call:#?}");
    assert!(!call.fields.contains_key("error.type"), "{call:#?}");

    // The handlers' own spans, async and synchronous, are children of the request's.
    for inner in ["adding", "multiplying"] {
        let spans = capture.named(inner);
        assert_eq!(spans.len(), 1, "{inner}: {spans:#?}");
        assert_eq!(spans[0].parent.as_deref(), Some("mcp.request"), "{inner}");
    }

    let failed = requests
        .iter()
        .find(|span| span.fields.get("gen_ai.tool.name").map(String::as_str) == Some("refuse"))
        .unwrap();
    assert_eq!(
        failed.fields.get("error.type").map(String::as_str),
        Some("tool_error")
    );
    let list = requests
        .iter()
        .find(|span| span.fields.get("mcp.method.name").map(String::as_str) == Some("tools/list"))
        .unwrap();
    assert_eq!(
        list.fields.get("otel.name").map(String::as_str),
        Some("tools/list")
    );

    // A JSON-RPC error is the span's error type.
    let _ = client
        .request(
            "tools/call",
            json!({"name": "no_such_tool", "arguments": {}}),
        )
        .await;
    let unknown = capture
        .named("mcp.request")
        .into_iter()
        .find(|span| {
            span.fields.get("gen_ai.tool.name").map(String::as_str) == Some("no_such_tool")
        })
        .unwrap();
    assert_eq!(
        unknown.fields.get("error.type").map(String::as_str),
        Some("-32602")
    );
}
