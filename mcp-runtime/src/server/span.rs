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

/// The span of the request `id` calling `method`, filled from its parameters when enabled.
pub(super) fn request(
    connection: &Connection,
    id: &RequestId,
    method: &str,
    params: Option<&RawValue>,
) -> Span {
    let span = tracing::debug_span!(
        target: "mcp_runtime::request",
        "mcp.request",
        otel.name = Empty,
        otel.kind = "server",
        mcp.method.name = method,
        jsonrpc.request.id = %id,
        mcp.protocol.version = Empty,
        gen_ai.operation.name = Empty,
        gen_ai.tool.name = Empty,
        gen_ai.prompt.name = Empty,
        mcp.resource.uri = Empty,
        error.type = Empty,
        rpc.response.status_code = Empty,
        otel.status_code = Empty,
        traceparent = Empty,
        tracestate = Empty,
    );
    if span.is_disabled() {
        return span;
    }
    let described = params
        .and_then(|raw| serde_json::from_str::<Described<'_>>(raw.get()).ok())
        .unwrap_or_default();
    let target = match method {
        "tools/call" => described.name.as_deref().inspect(|name| {
            span.record("gen_ai.tool.name", *name);
            span.record("gen_ai.operation.name", "execute_tool");
        }),
        "prompts/get" => described.name.as_deref().inspect(|name| {
            span.record("gen_ai.prompt.name", *name);
        }),
        "resources/read" | "resources/subscribe" | "resources/unsubscribe" => {
            if let Some(uri) = described.uri.as_deref() {
                span.record("mcp.resource.uri", uri);
            }
            None
        }
        _ => None,
    };
    match target {
        Some(target) => span.record("otel.name", format!("{method} {target}")),
        None => span.record("otel.name", method),
    };
    let meta = described.meta.unwrap_or_default();
    let version = meta
        .version
        .map(Cow::into_owned)
        .or_else(|| connection.handshake().map(|h| h.version.to_string()));
    if let Some(version) = version {
        span.record("mcp.protocol.version", version);
    }
    if let Some(parent) = meta.traceparent.as_deref() {
        span.record("traceparent", parent);
    }
    if let Some(state) = meta.tracestate.as_deref() {
        span.record("tracestate", state);
    }
    #[cfg(feature = "otel")]
    crate::otel::set_remote_parent(
        &span,
        meta.traceparent.as_deref(),
        meta.tracestate.as_deref(),
    );
    span
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
