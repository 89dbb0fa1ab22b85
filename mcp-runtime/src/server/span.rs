//! One `tracing` span per request, with the attributes of OpenTelemetry's semantic conventions
//! for MCP, so that an exporter (tracing-opentelemetry) reports it as the server span of the
//! call and the handler's own spans nest inside it.
//!
//! The span is at `DEBUG` level, target `mcp_runtime::request`: with logging at its default
//! (`info`) it is disabled, and the request path reads nothing more for it. With the `otel`
//! feature and an OTLP export, the export's layer enables it, and the caller's trace context
//! becomes its remote parent; a request the export's sampling leaves out is hidden from the
//! export from the start (see [`Traced`]).

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::value::RawValue;
use tracing::field::Empty;
use tracing::Span;

use super::connection::Connection;
use crate::protocol::{RequestId, RpcError};

/// A request's span, and whether the request is hidden from the span export because its
/// sampling left the request out (then the request has no span): its future runs in
/// [`scoped`], so that what its handler does is hidden from the export too.
pub(super) struct Traced {
    pub(super) span: Span,
    pub(super) hidden: bool,
}

/// The span of the request `id` calling `method`, with every attribute its parameters give,
/// or a disabled span when no subscriber wants it (then the parameters are not read).
pub(super) fn request(
    connection: &Connection,
    id: &RequestId,
    method: &str,
    params: Option<&RawValue>,
) -> Traced {
    if !tracing::enabled!(target: "mcp_runtime::request", tracing::Level::DEBUG) {
        return Traced {
            span: Span::none(),
            hidden: false,
        };
    }
    // Params without a trace context are not read for the sampling's decision, and not at all
    // for a request it leaves out.
    #[cfg(feature = "otel")]
    let decided = match params {
        Some(raw) if may_carry_trace_context(raw.get()) => None,
        _ => Some(crate::otel::sampled(None)),
    };
    #[cfg(feature = "otel")]
    if decided == Some(false) {
        return Traced {
            span: Span::none(),
            hidden: true,
        };
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
    // A request the export's sampling leaves out has no span, for the export or any other
    // layer: with a filter of their own, the layers would each refuse it, but the span would
    // still be made and entered.
    #[cfg(feature = "otel")]
    if decided.is_none() && !crate::otel::sampled(meta.traceparent.as_deref()) {
        return Traced {
            span: Span::none(),
            hidden: true,
        };
    }
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
    Traced {
        span,
        hidden: false,
    }
}

/// The future of a request, hidden from the span export when [`Traced::hidden`].
#[cfg(feature = "otel")]
pub(super) fn scoped<F: std::future::Future>(hidden: bool, future: F) -> crate::otel::Scoped<F> {
    crate::otel::Scoped::new(future, hidden)
}

/// The future of a request: without the `otel` feature, nothing is hidden.
#[cfg(not(feature = "otel"))]
#[inline(always)]
pub(super) fn scoped<F>(_hidden: bool, future: F) -> F {
    future
}

/// Whether the params `raw` may carry a `traceparent`: they name it, or have an escape, with
/// which a key can spell it in other characters.
#[cfg(feature = "otel")]
fn may_carry_trace_context(raw: &str) -> bool {
    // Built once: building the searcher costs more than a search of most params.
    static TRACEPARENT: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new(b"traceparent"));
    let raw = raw.as_bytes();
    TRACEPARENT.find(raw).is_some() || memchr::memchr(b'\\', raw).is_some()
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

#[cfg(all(test, feature = "otel"))]
mod tests {
    use super::may_carry_trace_context;

    #[test]
    fn params_that_may_carry_a_trace_context_are_read() {
        let traced = r#"{"name":"add","_meta":{"traceparent":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}}"#;
        assert!(may_carry_trace_context(traced));
        // The same key spelled with an escape.
        assert!(may_carry_trace_context(
            r#"{"_meta":{"trace\u0070arent":"00-…"}}"#
        ));
        assert!(!may_carry_trace_context(
            r#"{"name":"add","arguments":{"a":1,"b":2}}"#
        ));
    }
}
