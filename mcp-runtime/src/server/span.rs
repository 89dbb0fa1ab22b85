//! One `tracing` span per request, with the attributes of OpenTelemetry's semantic conventions
//! for MCP, so that an exporter (tracing-opentelemetry) reports it as the server span of the
//! call and the handler's own spans nest inside it.
//!
//! The span is at `DEBUG` level, target `mcp_runtime::request`: with logging at its default
//! (`info`) it is disabled, and the request path reads nothing more for it. With the `otel`
//! feature and an OTLP export, the export's layer enables it, and the caller's trace context
//! becomes its remote parent.

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::value::RawValue;
use tracing::field::Empty;
use tracing::Span;

use super::connection::Connection;
use crate::protocol::{RequestId, RpcError};

/// The span of the request `id` calling `method`, with every attribute its parameters give,
/// or a disabled span when no subscriber wants it (then the parameters are not read).
pub(super) fn request(
    connection: &Connection,
    id: &RequestId,
    method: &str,
    params: Option<&RawValue>,
) -> Span {
    if !tracing::enabled!(target: "mcp_runtime::request", tracing::Level::DEBUG) {
        return Span::none();
    }
    let described = params
        .and_then(|raw| serde_json::from_str::<Described<'_>>(raw.get()).ok())
        .unwrap_or_default();
    let name = described.name.as_deref();
    let (tool, prompt, uri) = match method {
        "tools/call" => (name, None, None),
        "prompts/get" => (None, name, None),
        "resources/read" | "resources/subscribe" | "resources/unsubscribe" => {
            (None, None, described.uri.as_deref())
        }
        _ => (None, None, None),
    };
    let meta = described.meta.unwrap_or_default();
    let version = meta
        .version
        .as_deref()
        .or_else(|| connection.handshake().map(|h| h.version.as_str()));
    // Created with all of its attributes at once: each later `record` costs a pass through
    // every layer.
    let span = tracing::debug_span!(
        target: "mcp_runtime::request",
        "mcp.request",
        otel.name = %SpanName(method, tool.or(prompt)),
        otel.kind = "server",
        mcp.method.name = method,
        jsonrpc.request.id = %id,
        mcp.protocol.version = version,
        gen_ai.operation.name = tool.map(|_| "execute_tool"),
        gen_ai.tool.name = tool,
        gen_ai.prompt.name = prompt,
        mcp.resource.uri = uri,
        error.type = Empty,
        rpc.response.status_code = Empty,
        otel.status_code = Empty,
        traceparent = meta.traceparent.as_deref(),
        tracestate = meta.tracestate.as_deref(),
    );
    #[cfg(feature = "otel")]
    crate::otel::set_remote_parent(
        &span,
        meta.traceparent.as_deref(),
        meta.tracestate.as_deref(),
    );
    span
}

/// A span's name: the method, and the tool or prompt it names.
struct SpanName<'a>(&'a str, Option<&'a str>);

impl std::fmt::Display for SpanName<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.1 {
            Some(target) => write!(f, "{} {target}", self.0),
            None => f.write_str(self.0),
        }
    }
}

/// Records on `span` that the request was answered with `error`.
pub(super) fn failed(span: &Span, error: &RpcError) {
    if !span.is_disabled() {
        span.record("error.type", error.code.to_string());
        span.record("rpc.response.status_code", error.code.to_string());
        span.record("otel.status_code", "error");
    }
}

/// Records on the current request's span that the tool answered with an error result.
pub(super) fn tool_failed() {
    let span = Span::current();
    if !span.is_disabled() {
        span.record("error.type", "tool_error");
        span.record("otel.status_code", "error");
    }
}

/// What the span needs of a request's parameters.
#[derive(Deserialize, Default)]
struct Described<'a> {
    #[serde(borrow, default, deserialize_with = "crate::protocol::borrow_str")]
    name: Option<Cow<'a, str>>,
    #[serde(borrow, default, deserialize_with = "crate::protocol::borrow_str")]
    uri: Option<Cow<'a, str>>,
    #[serde(rename = "_meta", borrow, default)]
    meta: Option<TraceMeta<'a>>,
}

/// The trace context and protocol revision a request's `_meta` carries.
#[derive(Deserialize, Default)]
struct TraceMeta<'a> {
    #[serde(borrow, default, deserialize_with = "crate::protocol::borrow_str")]
    traceparent: Option<Cow<'a, str>>,
    #[serde(borrow, default, deserialize_with = "crate::protocol::borrow_str")]
    tracestate: Option<Cow<'a, str>>,
    #[serde(
        rename = "io.modelcontextprotocol/protocolVersion",
        borrow,
        default,
        deserialize_with = "crate::protocol::borrow_str"
    )]
    version: Option<Cow<'a, str>>,
}
