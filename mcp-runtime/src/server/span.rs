//! A request's spans. One `tracing` span per request, with the attributes of OpenTelemetry's
//! semantic conventions for MCP, for the layers that want it: it is at `DEBUG` level, target
//! `mcp_runtime::request`, so with logging at its default (`info`) it is disabled, and the
//! request path reads nothing more for it.
//!
//! With the `otel` feature and an OTLP export, the request also has a span of its own way to
//! the collector ([`crate::otel::RequestSpan`]), with the same attributes and the caller's trace
//! context as its parent, in whose context the handler's own spans are made. A request the
//! export's sampling leaves out has none, and is hidden from the export from the start (see
//! [`Traced`]).

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::value::RawValue;
use tracing::field::Empty;
use tracing::Span;

use super::connection::Connection;
use crate::protocol::{RequestId, RpcError};

/// A request's spans: the `tracing` span, for the layers that want it (a log at
/// `mcp_runtime::request=debug`), and the span exported over OTLP when the export's sampling
/// traces the request. When it leaves the request out, `hidden`: the request's future runs in
/// [`Traced::scoped`], so that what its handler does is hidden from the export too.
pub(super) struct Traced {
    pub(super) span: Span,
    #[cfg_attr(not(feature = "otel"), allow(dead_code))]
    pub(super) hidden: bool,
    #[cfg(feature = "otel")]
    pub(super) exported: Option<crate::otel::RequestSpan>,
}

impl Traced {
    fn none(hidden: bool) -> Traced {
        Traced {
            span: Span::none(),
            hidden,
            #[cfg(feature = "otel")]
            exported: None,
        }
    }

    /// The request's `future`, in the context of its exported span, or hidden from the export
    /// when [`Traced::hidden`].
    #[cfg(feature = "otel")]
    pub(super) fn scoped<F: std::future::Future>(
        &mut self,
        future: F,
    ) -> crate::otel::Scoped<'_, F> {
        crate::otel::Scoped::new(future, self.hidden, self.exported.as_mut())
    }

    /// The request's `future`: without the `otel` feature, nothing is hidden.
    #[cfg(not(feature = "otel"))]
    #[inline(always)]
    pub(super) fn scoped<F>(&mut self, future: F) -> F {
        future
    }

    /// The request ended `at`, as its metrics read the clock.
    #[cfg(feature = "metrics")]
    #[cfg_attr(not(feature = "otel"), allow(unused_variables))]
    pub(super) fn ended_at(&mut self, at: std::time::Instant) {
        #[cfg(feature = "otel")]
        if let Some(exported) = &mut self.exported {
            exported.ended_at(at);
        }
    }

    /// Records on the spans that the request was answered with `error`.
    pub(super) fn failed(&mut self, error: &RpcError) {
        #[cfg(feature = "otel")]
        if let Some(exported) = &mut self.exported {
            exported.failed(error.code.into());
        }
        if !self.span.is_disabled() {
            self.span.record("error.type", error.code.to_string());
            self.span
                .record("rpc.response.status_code", error.code.to_string());
            self.span.record("otel.status_code", "error");
        }
    }
}

/// The W3C trace context of the HTTP request that carried a message (its `traceparent` and
/// `tracestate` headers): the caller's span when the message's `_meta` names none.
#[derive(Debug, Clone)]
pub(crate) struct TraceHeaders {
    pub(crate) traceparent: String,
    pub(crate) tracestate: Option<String>,
}

impl TraceHeaders {
    /// The trace context of `headers`, read only while an export is live.
    #[cfg(feature = "http")]
    pub(crate) fn of(headers: &axum::http::HeaderMap) -> Option<TraceHeaders> {
        #[cfg(feature = "otel")]
        if crate::otel::exporting() {
            let text = |name: &str| headers.get(name)?.to_str().ok().map(str::to_owned);
            return Some(TraceHeaders {
                traceparent: text("traceparent")?,
                tracestate: text("tracestate"),
            });
        }
        let _ = headers;
        None
    }
}

/// The spans of the request `id` calling `method`, with every attribute its parameters give,
/// or disabled spans when nothing wants them (then the parameters are not read). The caller's
/// trace context is the one of the params' `_meta`, or else of `headers`. `started` is when
/// the request started, if the clock was read for it already.
pub(super) fn request(
    connection: &Connection,
    id: &RequestId,
    method: &str,
    params: Option<&RawValue>,
    headers: Option<&TraceHeaders>,
    #[cfg_attr(not(feature = "otel"), allow(unused_variables))] started: Option<std::time::Instant>,
) -> Traced {
    let logged = tracing::enabled!(target: "mcp_runtime::request", tracing::Level::DEBUG);
    #[cfg(feature = "otel")]
    let exporting = crate::otel::exporting();
    #[cfg(not(feature = "otel"))]
    let exporting = false;
    // Whether the export traces the request, when that can be told without reading the
    // params: those without a trace context are not read for the sampling's decision.
    #[cfg(feature = "otel")]
    let decided = match params {
        _ if !exporting => Some(false),
        Some(raw) if may_carry_trace_context(raw.get()) => None,
        _ => Some(crate::otel::sampled(
            headers.map(|headers| headers.traceparent.as_str()),
        )),
    };
    #[cfg(not(feature = "otel"))]
    let decided = Some(false);
    if !logged && decided == Some(false) {
        return Traced::none(exporting);
    }
    // The exported span, under the caller's trace context.
    #[cfg(feature = "otel")]
    let start = |traceparent: Option<&str>, tracestate: Option<&str>| {
        crate::otel::RequestSpan::start(&crate::otel::Started {
            method,
            id,
            session: connection.session_id(),
            traceparent,
            tracestate,
            at: started,
        })
    };
    // A capability call's exported span is described as the dispatcher reads the params (see
    // `described`): they are not read here.
    #[cfg(feature = "otel")]
    if !logged && decided == Some(true) && crate::otel::RequestSpan::described_later(method) {
        return Traced {
            span: Span::none(),
            hidden: false,
            exported: start(
                headers.map(|headers| headers.traceparent.as_str()),
                headers.and_then(|headers| headers.tracestate.as_deref()),
            ),
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
    let mut meta = described.meta.unwrap_or_default();
    if meta.traceparent.is_none() {
        if let Some(headers) = headers {
            meta.traceparent = Some(Cow::Borrowed(&headers.traceparent));
            meta.tracestate = headers.tracestate.as_deref().map(Cow::Borrowed);
        }
    }
    let version = meta
        .version
        .as_deref()
        .or_else(|| connection.handshake().map(|h| h.version.as_str()));
    #[cfg(feature = "otel")]
    let traced = match decided {
        Some(traced) => traced,
        None => crate::otel::sampled(meta.traceparent.as_deref()),
    };
    #[cfg(feature = "otel")]
    let exported = traced
        .then(|| start(meta.traceparent.as_deref(), meta.tracestate.as_deref()))
        .flatten()
        .map(|mut span| {
            span.describe(
                method,
                &crate::otel::Described {
                    version,
                    tool,
                    prompt,
                    uri,
                },
            );
            span
        });
    #[cfg(feature = "otel")]
    let hidden = exporting && !traced;
    #[cfg(not(feature = "otel"))]
    let hidden = false;
    if !logged {
        return Traced {
            span: Span::none(),
            hidden,
            #[cfg(feature = "otel")]
            exported,
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
        mcp.session.id = connection.session_id(),
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
    Traced {
        span,
        hidden,
        #[cfg(feature = "otel")]
        exported,
    }
}

/// Whether the params `raw` may carry a `traceparent`: they name it, or have an escape, with
/// which a key can spell it in other characters. Params without an `_` (of `_meta`) nor an
/// escape cannot, which one pass tells.
#[cfg(feature = "otel")]
fn may_carry_trace_context(raw: &str) -> bool {
    // Built once: building the searcher costs more than a search of most params.
    static TRACEPARENT: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new(b"traceparent"));
    let raw = raw.as_bytes();
    memchr::memchr2(b'_', b'\\', raw).is_some()
        && (TRACEPARENT.find(raw).is_some() || memchr::memchr(b'\\', raw).is_some())
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

/// The capability request being served on this thread names `target` (a tool, a prompt or a
/// URI) and is served under the protocol `version`: its exported span, when it waits for
/// that, is described by it.
#[cfg_attr(not(feature = "otel"), inline(always))]
pub(super) fn described(target: &str, version: Option<crate::protocol::ProtocolVersion>) {
    #[cfg(feature = "otel")]
    crate::otel::describe(target, version.map(|version| version.as_str()));
    #[cfg(not(feature = "otel"))]
    let _ = (target, version);
}

/// Records on the current request's span that the tool answered with an error result.
pub(super) fn tool_failed() {
    #[cfg(feature = "otel")]
    crate::otel::tool_failed();
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
        assert!(may_carry_trace_context(
            r#"{"\u005fmeta":{"traceparent":"00-…"}}"#
        ));
        assert!(!may_carry_trace_context(
            r#"{"name":"add","arguments":{"a":1,"b":2}}"#
        ));
        // Named, but with no `_meta` to carry it.
        assert!(!may_carry_trace_context(
            r#"{"name":"traceparent","arguments":{}}"#
        ));
        assert!(!may_carry_trace_context(
            r#"{"name":"get_weather","arguments":{"city":"Paris"}}"#
        ));
    }
}
