//! The per-request [`Context`] a tool can ask for.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use serde::Serialize;
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use super::connection::{Connection, Outbound};
use crate::protocol::{
    code, encode_notification, encode_request, Era, Implementation, LogLevel, ProgressToken,
    ProtocolVersion, RequestId, RpcError,
};

/// Shared values registered with [`Server::state`](crate::Server::state), by type.
pub(crate) type StateMap = HashMap<TypeId, Arc<dyn Any + Send + Sync>>;

/// What the runtime knows about the request being served, and the ways a tool can talk back
/// while it runs.
///
/// Ask for it by adding a `Context` parameter to a tool; it never appears in the input schema.
///
/// ```
/// use mcp_runtime::prelude::*;
///
/// /// Counts to three, reporting progress.
/// #[tool]
/// async fn count(ctx: Context) -> String {
///     for step in 1..=3 {
///         ctx.progress(step as f64, Some(3.0), None).await;
///     }
///     ctx.log(LogLevel::Info, "counted to three").await;
///     "done".to_string()
/// }
/// ```
#[derive(Clone)]
pub struct Context {
    inner: Arc<Inner>,
}

struct Inner {
    request_id: RequestId,
    version: ProtocolVersion,
    client_info: Option<Implementation>,
    progress_token: Option<ProgressToken>,
    /// Modern era: the request's own log level. Legacy: read from the connection at send time.
    log_level: Option<LogLevel>,
    cancellation: CancellationToken,
    connection: Arc<Connection>,
    /// Where this request's notifications go: the connection's stream on stdio, the
    /// request's own response stream on HTTP.
    sink: Outbound,
    state: Arc<StateMap>,
    notifier: super::Notifier,
}

pub(crate) struct ContextParts {
    pub(crate) request_id: RequestId,
    pub(crate) version: ProtocolVersion,
    pub(crate) client_info: Option<Implementation>,
    pub(crate) progress_token: Option<ProgressToken>,
    pub(crate) log_level: Option<LogLevel>,
    pub(crate) cancellation: CancellationToken,
    pub(crate) connection: Arc<Connection>,
    pub(crate) sink: Outbound,
    pub(crate) state: Arc<StateMap>,
    pub(crate) notifier: super::Notifier,
}

impl Context {
    pub(crate) fn new(parts: ContextParts) -> Self {
        Context {
            inner: Arc::new(Inner {
                request_id: parts.request_id,
                version: parts.version,
                client_info: parts.client_info,
                progress_token: parts.progress_token,
                log_level: parts.log_level,
                cancellation: parts.cancellation,
                connection: parts.connection,
                sink: parts.sink,
                state: parts.state,
                notifier: parts.notifier,
            }),
        }
    }

    /// The id of the request being served.
    pub fn request_id(&self) -> &RequestId {
        &self.inner.request_id
    }

    /// The protocol revision of this request.
    pub fn protocol_version(&self) -> ProtocolVersion {
        self.inner.version
    }

    /// The era of this request.
    pub fn era(&self) -> Era {
        self.inner.version.era()
    }

    /// The client's self-reported name and version, if it sent them.
    pub fn client_info(&self) -> Option<&Implementation> {
        self.inner.client_info.as_ref()
    }

    /// A handle that tells subscribed clients a resource changed.
    pub fn notifier(&self) -> &super::Notifier {
        &self.inner.notifier
    }

    /// Extracts an injected value (`State<T>`, another `Context`) from this context.
    pub fn extract<T: crate::capability::FromContext>(&self) -> Result<T, crate::ToolError> {
        T::from_context(self)
    }

    /// The progress token the client sent with this request, if it asked for progress.
    pub fn progress_token(&self) -> Option<&ProgressToken> {
        self.inner.progress_token.as_ref()
    }

    /// True once the client has cancelled this request.
    pub fn is_cancelled(&self) -> bool {
        self.inner.cancellation.is_cancelled()
    }

    /// Completes when the client cancels this request; `select!` on it in long-running tools.
    pub async fn cancelled(&self) {
        self.inner.cancellation.cancelled().await
    }

    /// A shared value registered with [`Server::state`](crate::Server::state).
    pub fn state<T: Send + Sync + 'static>(&self) -> Option<Arc<T>> {
        let value = self.inner.state.get(&TypeId::of::<T>())?;
        Arc::clone(value).downcast::<T>().ok()
    }

    /// Reports progress, if the client asked for it with a progress token; otherwise does
    /// nothing. `progress` must increase from one report to the next.
    pub async fn progress(&self, progress: f64, total: Option<f64>, message: Option<&str>) {
        let Some(token) = &self.inner.progress_token else {
            return;
        };
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Params<'a> {
            progress_token: &'a ProgressToken,
            progress: f64,
            #[serde(skip_serializing_if = "Option::is_none")]
            total: Option<f64>,
            #[serde(skip_serializing_if = "Option::is_none")]
            message: Option<&'a str>,
        }
        let params = Params {
            progress_token: token,
            progress,
            total,
            message,
        };
        self.send(encode_notification("notifications/progress", &params))
            .await;
    }

    /// Sends a log message to the client, if it asked for messages at this level: per request
    /// in the modern era (`_meta` `logLevel`), per connection in the legacy one
    /// (`logging/setLevel`, everything until a level is set).
    pub async fn log(&self, level: LogLevel, message: impl Into<Value>) {
        self.log_with_logger(level, None, message).await
    }

    /// Like [`Context::log`], naming the component that logs.
    pub async fn log_with_logger(
        &self,
        level: LogLevel,
        logger: Option<&str>,
        data: impl Into<Value>,
    ) {
        let threshold = match self.era() {
            Era::Modern => match self.inner.log_level {
                Some(level) => level,
                None => return,
            },
            Era::Legacy => self.inner.connection.log_level().unwrap_or(LogLevel::Debug),
        };
        if level < threshold {
            return;
        }
        #[derive(Serialize)]
        struct Params<'a> {
            level: LogLevel,
            #[serde(skip_serializing_if = "Option::is_none")]
            logger: Option<&'a str>,
            data: Value,
        }
        let params = Params {
            level,
            logger,
            data: data.into(),
        };
        self.send(encode_notification("notifications/message", &params))
            .await;
    }

    /// Sends a request to the client and waits for its answer: a server-to-client request
    /// (`roots/list`, `sampling/createMessage`, `elicitation/create`) in the handshake era,
    /// where it travels on the stream of the request being served (stdout on stdio, the
    /// response's SSE stream on HTTP) and the answer comes back as a message of its own.
    ///
    /// Fails with `-32021` when the client did not declare `capability`, and in the modern era,
    /// where servers ask through `input_required` results instead.
    pub async fn request_client(
        &self,
        method: &str,
        params: Value,
        capability: &str,
    ) -> Result<Value, RpcError> {
        if self.era() == Era::Modern {
            return Err(
                RpcError::method_not_found(method).with_data(serde_json::json!({
                    "reason": "2026-07-28 servers ask the client through input_required results"
                })),
            );
        }
        let declared = self
            .inner
            .connection
            .handshake()
            .is_some_and(|h| h.client_capabilities.contains_key(capability));
        if !declared {
            return Err(RpcError::new(
                code::MISSING_REQUIRED_CLIENT_CAPABILITY,
                format!("the client did not declare the `{capability}` capability"),
            )
            .with_data(serde_json::json!({ "requiredCapabilities": { capability: {} } })));
        }
        let connection = &self.inner.connection;
        let (id, answer) = connection.expect_answer();
        self.send(encode_request(&id, method, &params)).await;
        let outcome = tokio::select! {
            answer = answer => answer.unwrap_or_else(|_| Err(RpcError::internal("the connection closed before the client answered"))),
            _ = self.cancelled() => Err(RpcError::internal("the request was cancelled")),
        };
        connection.forget_answer(&id);
        outcome
    }

    /// Asks the user for input through the client (`elicitation/create`, form mode), with
    /// `requested_schema` describing the fields; handshake era.
    ///
    /// ```no_run
    /// # use mcp_runtime::prelude::*;
    /// # async fn demo(ctx: Context) -> Result<(), ToolError> {
    /// let answer = ctx
    ///     .elicit("Which account?", serde_json::json!({
    ///         "type": "object",
    ///         "properties": {"id": {"type": "string"}},
    ///         "required": ["id"],
    ///     }))
    ///     .await?;
    /// if answer.action == mcp_runtime::protocol::ElicitAction::Accept {
    ///     println!("{:?}", answer.content);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn elicit(
        &self,
        message: &str,
        requested_schema: Value,
    ) -> Result<crate::protocol::ElicitResult, RpcError> {
        let params = serde_json::json!({ "message": message, "requestedSchema": requested_schema });
        let answer = self
            .request_client("elicitation/create", params, "elicitation")
            .await?;
        serde_json::from_value(answer).map_err(|e| {
            RpcError::invalid_params(format!("the client's elicitation answer is malformed: {e}"))
        })
    }

    /// Asks the client's model for a completion (`sampling/createMessage`, with the
    /// specification's parameters: `messages`, `maxTokens`, ...); handshake era.
    pub async fn sample(&self, params: Value) -> Result<Value, RpcError> {
        self.request_client("sampling/createMessage", params, "sampling")
            .await
    }

    /// The client's roots (`roots/list`), handshake era.
    pub async fn roots(&self) -> Result<Value, RpcError> {
        self.request_client("roots/list", serde_json::json!({}), "roots")
            .await
    }

    async fn send(&self, message: Vec<u8>) {
        if self.is_cancelled() {
            // Nothing more may be sent for a cancelled request.
            return;
        }
        if self.inner.sink.send(message).await.is_err() {
            tracing::debug!("client gone; notification dropped");
        }
    }
}

impl fmt::Debug for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Context")
            .field("request_id", &self.inner.request_id)
            .field("version", &self.inner.version)
            .field("client_info", &self.inner.client_info)
            .field("cancelled", &self.is_cancelled())
            .finish_non_exhaustive()
    }
}
