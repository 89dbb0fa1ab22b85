//! Your own layers around every request, in the `tower` style.
//!
//! [`Server::layer`](crate::Server::layer) wraps the server's request path in a
//! [`tower::Layer`]: the service it wraps takes an [`McpRequest`] (the method, the capability
//! it names with its risk, scopes and hints, the caller, the raw parameters) and answers with
//! an [`McpResponse`]. A layer can observe a request and its answer, change the parameters,
//! answer in the server's place (an error, a result), or stop waiting (any `tower` middleware
//! works, `tower::timeout::TimeoutLayer` included: a request it gives up on is cancelled, its
//! handler dropped).
//!
//! Layers run for requests only (not notifications or the client's answers), outside the
//! server's own checks: the permission policy still decides, audits and confirms every call a
//! layer lets through. A call a layer answers itself never runs; the audit log records it
//! with the outcome `blocked`. The first layer registered is the outermost: it sees the
//! request first and the answer last.
//!
//! A request logger:
//!
//! ```
//! use std::task::{Context as TaskContext, Poll};
//! use mcp_runtime::middleware::{BoxError, McpFuture, McpRequest, McpResponse};
//! use mcp_runtime::prelude::*;
//!
//! /// Logs each request's method, capability and outcome.
//! #[derive(Clone)]
//! struct Logged<S>(S);
//!
//! impl<S> tower::Service<McpRequest> for Logged<S>
//! where
//!     S: tower::Service<McpRequest, Response = McpResponse, Error = BoxError, Future = McpFuture>,
//! {
//!     type Response = McpResponse;
//!     type Error = BoxError;
//!     type Future = McpFuture;
//!
//!     fn poll_ready(&mut self, cx: &mut TaskContext<'_>) -> Poll<Result<(), BoxError>> {
//!         self.0.poll_ready(cx)
//!     }
//!
//!     fn call(&mut self, request: McpRequest) -> McpFuture {
//!         let method = request.method().to_owned();
//!         let name = request.capability().map(|c| c.name().to_owned());
//!         let answer = self.0.call(request);
//!         Box::pin(async move {
//!             let response = answer.await?;
//!             tracing::info!(%method, ?name, failed = response.is_error(), "request served");
//!             Ok(response)
//!         })
//!     }
//! }
//!
//! /// Adds two numbers.
//! #[tool(read_only)]
//! fn add(a: i64, b: i64) -> i64 { a + b }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let server = Server::new("calculator", "1.0.0")
//!     .tools(tools![add])
//!     .layer(tower::layer::layer_fn(Logged));
//! let client = mcp_runtime::testing::TestClient::modern(server).unwrap();
//! assert_eq!(client.call_tool("add", serde_json::json!({"a": 1, "b": 2})).await.unwrap().text(), "3");
//! # }
//! ```
//!
//! A per-caller cache of read-only tools' results, a [`tower::service_fn`] around the inner
//! service:
//!
//! ```
//! use std::collections::HashMap;
//! use std::sync::{Arc, Mutex};
//! use mcp_runtime::middleware::{McpRequest, McpResponse};
//! use mcp_runtime::prelude::*;
//! use tower::ServiceExt;
//!
//! /// Looks up a word (slowly).
//! #[tool(read_only, idempotent)]
//! fn define(word: String) -> String { format!("{word}: a word") }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let cache: Arc<Mutex<HashMap<(String, String), McpResponse>>> = Arc::default();
//! let server = Server::new("dictionary", "1.0.0").tools(tools![define]).layer(
//!     tower::layer::layer_fn(move |inner: mcp_runtime::middleware::McpService| {
//!         let cache = Arc::clone(&cache);
//!         tower::service_fn(move |request: McpRequest| {
//!             let (cache, inner) = (Arc::clone(&cache), inner.clone());
//!             async move {
//!                 let cacheable = request.capability().is_some_and(|c| c.hints().is_some_and(|h| h.read_only));
//!                 let key = (request.caller().subject().to_owned(), request.arguments().to_string());
//!                 if cacheable {
//!                     if let Some(hit) = cache.lock().unwrap().get(&key) {
//!                         return Ok(hit.clone());
//!                     }
//!                 }
//!                 let response = inner.oneshot(request).await?;
//!                 if cacheable && !response.is_error() {
//!                     cache.lock().unwrap().insert(key, response.clone());
//!                 }
//!                 Ok::<_, mcp_runtime::middleware::BoxError>(response)
//!             }
//!         })
//!     }),
//! );
//! let client = mcp_runtime::testing::TestClient::modern(server).unwrap();
//! let first = client.call_tool("define", serde_json::json!({"word": "cat"})).await.unwrap();
//! let second = client.call_tool("define", serde_json::json!({"word": "cat"})).await.unwrap();
//! assert_eq!(first.text(), second.text());
//! # }
//! ```

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};
use std::task::{Context as TaskContext, Poll};

use bytes::Bytes;
use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::Value;

use crate::capability::ToolHints;
use crate::permission::{Caller, Permission};
use crate::protocol::{Era, RequestId, RpcError};
use crate::server::{Connection, Outbound};
use crate::tasks::TaskSupport;

/// The error a layer's service may fail with; the runtime answers it with `-32603`, naming
/// what went wrong (a `tower` timeout says "request timed out").
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The future an MCP service returns.
pub type McpFuture = Pin<Box<dyn Future<Output = Result<McpResponse, BoxError>> + Send>>;

/// The kind of capability a request names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CapabilityKind {
    /// A tool (`tools/call`).
    Tool,
    /// A resource (`resources/read`, `resources/subscribe`, ...).
    Resource,
    /// A prompt (`prompts/get`).
    Prompt,
}

impl From<CapabilityKind> for crate::permission::Kind {
    fn from(kind: CapabilityKind) -> Self {
        match kind {
            CapabilityKind::Tool => crate::permission::Kind::Tool,
            CapabilityKind::Resource => crate::permission::Kind::Resource,
            CapabilityKind::Prompt => crate::permission::Kind::Prompt,
        }
    }
}

/// The capability a request names, as the server declared it.
#[derive(Debug, Clone)]
pub struct Capability {
    kind: CapabilityKind,
    name: String,
    permission: Permission,
    hints: Option<ToolHints>,
    task: TaskSupport,
}

impl Capability {
    /// Tool, resource or prompt.
    pub fn kind(&self) -> CapabilityKind {
        self.kind
    }

    /// Its name (a resource's URI or URI template).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its declared risk and scopes.
    pub fn permission(&self) -> &Permission {
        &self.permission
    }

    /// A tool's behaviour hints (`read_only`, `destructive`, ...); `None` for the others.
    pub fn hints(&self) -> Option<ToolHints> {
        self.hints
    }

    /// Whether a tool may run as a task.
    pub fn task_support(&self) -> TaskSupport {
        self.task
    }
}

/// One request on its way through the layers.
pub struct McpRequest {
    id: RequestId,
    method: String,
    params: Option<Box<RawValue>>,
    /// Set when a layer changed the parameters: the message is encoded again.
    changed: bool,
    capability: Option<Capability>,
    caller: Caller,
    era: Era,
    origin: Origin,
}

/// Where the request came from, for the server to answer it.
#[derive(Clone)]
pub(crate) struct Origin {
    pub(crate) connection: Arc<Connection>,
    pub(crate) message: Bytes,
    pub(crate) sink: Outbound,
    /// Set once the server itself handled the request (no layer answered in its place).
    pub(crate) reached: Arc<AtomicBool>,
}

impl std::fmt::Debug for McpRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("McpRequest")
            .field("id", &self.id)
            .field("method", &self.method)
            .field("capability", &self.capability)
            .field("caller", &self.caller.subject())
            .finish_non_exhaustive()
    }
}

impl McpRequest {
    pub(crate) fn new(
        id: RequestId,
        method: String,
        params: Option<&RawValue>,
        capability: Option<Capability>,
        origin: Origin,
    ) -> Self {
        let era = match params.map(RawValue::get) {
            Some(text) if text.contains("io.modelcontextprotocol/protocolVersion") => Era::Modern,
            _ => Era::Legacy,
        };
        McpRequest {
            id,
            method,
            params: params.map(ToOwned::to_owned),
            changed: false,
            capability,
            caller: Caller::current(),
            era,
            origin,
        }
    }

    /// The JSON-RPC id.
    pub fn id(&self) -> &RequestId {
        &self.id
    }

    /// The method (`tools/call`, `resources/read`, `tools/list`, ...).
    pub fn method(&self) -> &str {
        &self.method
    }

    /// The capability the request names (`tools/call`, `prompts/get`, `resources/read`),
    /// if the server has one by that name.
    pub fn capability(&self) -> Option<&Capability> {
        self.capability.as_ref()
    }

    /// Who sent it: the bearer token's subject, scopes and claims on HTTP, the local user
    /// otherwise.
    pub fn caller(&self) -> &Caller {
        &self.caller
    }

    /// The era it is served in: 2026-07-28 requests carry their revision in `_meta`.
    pub fn era(&self) -> Era {
        self.era
    }

    /// The parameters as sent.
    pub fn params(&self) -> Option<&RawValue> {
        self.params.as_deref()
    }

    /// The parameters, parsed (`null` when there are none).
    pub fn params_value(&self) -> Value {
        self.params
            .as_deref()
            .and_then(|raw| serde_json::from_str(raw.get()).ok())
            .unwrap_or(Value::Null)
    }

    /// Replaces the parameters.
    pub fn set_params(&mut self, params: Value) {
        self.params = serde_json::value::to_raw_value(&params).ok();
        self.changed = true;
    }

    /// The `arguments` of a `tools/call` or `prompts/get` (`null` when there are none).
    pub fn arguments(&self) -> Value {
        self.params_value()
            .get_mut("arguments")
            .map(Value::take)
            .unwrap_or(Value::Null)
    }

    /// Replaces the `arguments` of a `tools/call` or `prompts/get`.
    pub fn set_arguments(&mut self, arguments: Value) {
        let mut params = self.params_value();
        if !params.is_object() {
            params = Value::Object(Default::default());
        }
        params["arguments"] = arguments;
        self.set_params(params);
    }

    /// The message to serve: as received, or encoded again with the parameters a layer set.
    pub(crate) fn into_message(self) -> (RequestId, Bytes, Origin) {
        if !self.changed {
            return (self.id, self.origin.message.clone(), self.origin);
        }
        #[derive(Serialize)]
        struct Message<'a> {
            jsonrpc: &'static str,
            id: &'a RequestId,
            method: &'a str,
            #[serde(skip_serializing_if = "Option::is_none")]
            params: Option<&'a RawValue>,
        }
        let encoded = serde_json::to_vec(&Message {
            jsonrpc: "2.0",
            id: &self.id,
            method: &self.method,
            params: self.params.as_deref(),
        })
        .expect("requests serialise");
        (self.id, Bytes::from(encoded), self.origin)
    }
}

/// The answer to a request: a result, an error, or none (the client cancelled it).
#[derive(Debug, Clone)]
pub struct McpResponse {
    answer: Answer,
}

#[derive(Debug, Clone)]
enum Answer {
    Result(Arc<RawValue>),
    Error(RpcError),
    None,
}

impl McpResponse {
    /// Answers with `result` (for `tools/call`, a `CallToolResult`'s JSON; see
    /// [`McpResponse::tool_error`]).
    pub fn result(result: &impl Serialize) -> Self {
        match serde_json::value::to_raw_value(result) {
            Ok(raw) => McpResponse {
                answer: Answer::Result(Arc::from(raw)),
            },
            Err(error) => McpResponse::error(RpcError::internal(error)),
        }
    }

    /// Answers with a JSON-RPC error.
    pub fn error(error: RpcError) -> Self {
        McpResponse {
            answer: Answer::Error(error),
        }
    }

    /// Answers a `tools/call` with an error result the model reads (`isError: true`).
    pub fn tool_error(request: &McpRequest, message: impl Into<String>) -> Self {
        let mut result = serde_json::json!({
            "content": [{"type": "text", "text": message.into()}],
            "isError": true,
        });
        if request.era() == Era::Modern {
            result["resultType"] = "complete".into();
        }
        McpResponse::result(&result)
    }

    pub(crate) fn none() -> Self {
        McpResponse {
            answer: Answer::None,
        }
    }

    /// The result, parsed; `None` for an error or no answer.
    pub fn result_value(&self) -> Option<Value> {
        match &self.answer {
            Answer::Result(raw) => serde_json::from_str(raw.get()).ok(),
            _ => None,
        }
    }

    /// The JSON-RPC error, if it is one.
    pub fn rpc_error(&self) -> Option<&RpcError> {
        match &self.answer {
            Answer::Error(error) => Some(error),
            _ => None,
        }
    }

    /// True for a JSON-RPC error, and for a tool's error result (`isError: true`).
    pub fn is_error(&self) -> bool {
        match &self.answer {
            Answer::Error(_) => true,
            Answer::Result(raw) => {
                raw.get().contains("\"isError\":true")
                    && self
                        .result_value()
                        .is_some_and(|v| v["isError"] == Value::Bool(true))
            }
            Answer::None => false,
        }
    }

    /// The encoded response for `id`, and the error code it carries; `None` for no answer.
    pub(crate) fn encode(&self, id: &RequestId) -> Option<(Vec<u8>, Option<i32>)> {
        match &self.answer {
            Answer::Result(raw) => Some((crate::protocol::encode_result(id, &**raw), None)),
            Answer::Error(error) => Some((
                crate::protocol::encode_error(Some(id), error),
                Some(error.code),
            )),
            Answer::None => None,
        }
    }

    /// The response of an encoded JSON-RPC message the server produced.
    pub(crate) fn from_message(message: &[u8]) -> Self {
        #[derive(serde::Deserialize)]
        struct Envelope<'a> {
            #[serde(borrow)]
            result: Option<&'a RawValue>,
            error: Option<RpcError>,
        }
        match serde_json::from_slice::<Envelope<'_>>(message) {
            Ok(Envelope {
                result: Some(raw), ..
            }) => McpResponse {
                answer: Answer::Result(Arc::from(raw.to_owned())),
            },
            Ok(Envelope {
                error: Some(error), ..
            }) => McpResponse::error(error),
            _ => McpResponse::error(RpcError::internal("the server's answer could not be read")),
        }
    }
}

/// What a layer wraps: the server's handling of a request, with the layers registered after
/// it around it. Cheap to clone.
pub type McpService = tower::util::BoxCloneSyncService<McpRequest, McpResponse, BoxError>;

/// The server's own handling of a request: the innermost service.
#[derive(Clone)]
pub(crate) struct Server {
    pub(crate) dispatcher: Weak<crate::server::DispatcherInner>,
}

impl tower::Service<McpRequest> for Server {
    type Response = McpResponse;
    type Error = BoxError;
    type Future = McpFuture;

    fn poll_ready(&mut self, _cx: &mut TaskContext<'_>) -> Poll<Result<(), BoxError>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: McpRequest) -> McpFuture {
        let dispatcher = self.dispatcher.upgrade();
        Box::pin(async move {
            let Some(inner) = dispatcher else {
                return Ok(McpResponse::error(RpcError::shutting_down()));
            };
            let (id, message, origin) = request.into_message();
            origin.reached.store(true, Ordering::Release);
            let dispatcher = crate::Dispatcher { inner };
            Ok(dispatcher.serve_layered(&id, message, origin).await)
        })
    }
}

/// Wraps a service in one more layer.
pub(crate) type Wrap = Box<dyn FnOnce(McpService) -> McpService + Send>;

/// A layer as [`Server::layer`](crate::Server::layer) keeps it until the server is built.
pub(crate) fn wrap<L>(layer: L) -> Wrap
where
    L: tower::Layer<McpService> + Send + 'static,
    L::Service: tower::Service<McpRequest, Response = McpResponse, Error = BoxError>
        + Clone
        + Send
        + Sync
        + 'static,
    <L::Service as tower::Service<McpRequest>>::Future: Send + 'static,
{
    Box::new(move |inner| tower::util::BoxCloneSyncService::new(layer.layer(inner)))
}

pub(crate) fn capability(
    kind: CapabilityKind,
    name: &str,
    permission: &Permission,
    hints: Option<ToolHints>,
    task: TaskSupport,
) -> Capability {
    Capability {
        kind,
        name: name.to_owned(),
        permission: permission.clone(),
        hints,
        task,
    }
}

/// The server's layers around its own handling (`None` without layers: requests take the
/// direct path).
pub(crate) fn compose(
    layers: Vec<Wrap>,
    dispatcher: Weak<crate::server::DispatcherInner>,
) -> Option<McpService> {
    if layers.is_empty() {
        return None;
    }
    let mut service = McpService::new(Server { dispatcher });
    // The first registered ends up outermost.
    for wrap in layers.into_iter().rev() {
        service = wrap(service);
    }
    Some(service)
}
