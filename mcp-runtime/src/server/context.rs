//! The per-request [`Context`] a tool can ask for.

use crate::sync::lock;
use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use serde::Serialize;
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use super::connection::{Connection, Outbound};
use crate::protocol::{
    encode_notification, encode_request, Era, Implementation, LogLevel, ProgressToken,
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
    client_info: Option<Arc<Implementation>>,
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
    /// Modern era: the capabilities declared in this request's `_meta`.
    client_capabilities: Option<serde_json::Map<String, Value>>,
    /// Modern era: the answers this request brought and the questions this run asks.
    input: Option<Arc<super::input::InputRound>>,
    /// Legacy era: who sent the last answer to a question of this request.
    answered_by: std::sync::Mutex<Option<crate::permission::Caller>>,
    /// Who made the request (taken when the request started, in the transport's scope).
    caller: crate::permission::Caller,
    /// For a call that may go on as a task: its link to the task.
    task: Option<Arc<super::tasks::TaskLink>>,
}

pub(crate) struct ContextParts {
    pub(crate) request_id: RequestId,
    pub(crate) version: ProtocolVersion,
    pub(crate) client_info: Option<Arc<Implementation>>,
    pub(crate) progress_token: Option<ProgressToken>,
    pub(crate) log_level: Option<LogLevel>,
    pub(crate) cancellation: CancellationToken,
    pub(crate) connection: Arc<Connection>,
    pub(crate) sink: Outbound,
    pub(crate) state: Arc<StateMap>,
    pub(crate) notifier: super::Notifier,
    pub(crate) client_capabilities: Option<serde_json::Map<String, Value>>,
    pub(crate) input: Option<Arc<super::input::InputRound>>,
    pub(crate) task: Option<Arc<super::tasks::TaskLink>>,
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
                client_capabilities: parts.client_capabilities,
                input: parts.input,
                answered_by: std::sync::Mutex::new(None),
                caller: crate::permission::Caller::current(),
                task: parts.task,
            }),
        }
    }

    /// Who made the request: the subject, scopes and claims of its bearer token over HTTP,
    /// or the local user (stdio, in-memory, HTTP without authentication). A handler can also
    /// take a [`Caller`](crate::permission::Caller) parameter.
    pub fn caller(&self) -> &crate::permission::Caller {
        &self.inner.caller
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
        self.inner.client_info.as_deref()
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

    /// For a tool declared with `#[tool(task)]`: goes on as a task from here, if the client
    /// accepts tasks (see [`crate::tasks`]); the client gets the task's id now and polls it.
    /// Questions asked before this line are part of the request (in the 2026-07-28 era, its
    /// multi round-trip questions); questions asked after it are the task's.
    ///
    /// A handler that waits for anything else (a timer, I/O) goes on as a task at that point
    /// anyway; call this to decide where, typically before asking the questions that belong to
    /// the task. Does nothing for other calls, and once the call is a task.
    ///
    /// ```
    /// use mcp_runtime::prelude::*;
    /// use mcp_runtime::server::Elicited;
    ///
    /// #[derive(serde::Deserialize, schemars::JsonSchema)]
    /// struct Confirm { really: bool }
    ///
    /// /// Purges the archive, asking first.
    /// #[tool(task, risk = "high")]
    /// async fn purge(ctx: Context) -> Result<String, ToolError> {
    ///     ctx.start_task().await;
    ///     // Shown in the task's `inputRequests` (2026-07-28).
    ///     match ctx.elicit_as::<Confirm>("Purge the whole archive?").await? {
    ///         Elicited::Accepted(Confirm { really: true }) => Ok("purged".into()),
    ///         _ => Ok("kept".into()),
    ///     }
    /// }
    /// ```
    pub async fn start_task(&self) {
        let Some(link) = &self.inner.task else {
            return;
        };
        if !link.request() {
            return;
        }
        // One wait, at which the runtime makes the call a task.
        let mut waited = false;
        std::future::poll_fn(|cx| {
            if waited {
                std::task::Poll::Ready(())
            } else {
                waited = true;
                cx.waker().wake_by_ref();
                std::task::Poll::Pending
            }
        })
        .await;
    }

    /// The id of the task this call goes on as, once it is one.
    pub fn task_id(&self) -> Option<&str> {
        self.inner.task.as_deref().and_then(|link| link.task_id())
    }

    /// Reports progress, if the client asked for it with a progress token; otherwise does
    /// nothing. `progress` must increase from one report to the next. In a task, the message
    /// (or `progress/total`) becomes the task's status message instead.
    pub async fn progress(&self, progress: f64, total: Option<f64>, message: Option<&str>) {
        if let Some(link) = &self.inner.task {
            let text = match (message, total) {
                (Some(message), _) => message.to_owned(),
                (None, Some(total)) => format!("{progress}/{total}"),
                (None, None) => format!("{progress}"),
            };
            let running = link.is_running();
            link.set_status_message(text).await;
            if running {
                return;
            }
        }
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

    /// Asks the client something: `method` (`elicitation/create`, `sampling/createMessage`,
    /// `roots/list`) with `params`, answered only if the client declared `capability`.
    ///
    /// One call site for both eras. In the legacy era the question is a request of its own,
    /// sent on the stream of the request being served (stdout on stdio, the response's SSE
    /// stream on HTTP), and the answer comes back as a message. In the 2026-07-28 era the call
    /// ends with an `input_required` result carrying the question; the client retries with the
    /// answer and the handler runs again, reaching this line with the answer at once (so code
    /// before it must be safe to run again: ask before you change anything). Several questions
    /// awaited together (`tokio::join!`) go to the client in one round.
    ///
    /// Fails with `-32021` when the client did not declare `capability`. In the modern era a
    /// handler that then fails answers the request with that error instead of an error result.
    /// Only `tools/call`, `prompts/get` and `resources/read` may ask the client.
    pub fn request_client(
        &self,
        method: &'static str,
        params: Value,
        capability: &'static str,
    ) -> Ask<'_, Value> {
        Ask::new(self, method, params, Need::plain(capability), Ok)
    }

    /// Asks the user for input through the client (`elicitation/create`, form mode), with
    /// `requested_schema` describing the fields (flat: strings, numbers, booleans, enums).
    ///
    /// See [`Context::request_client`] for how the question travels in each era; name the
    /// question with [`Ask::key`] when a modern client should see a stable key.
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
    pub fn elicit(
        &self,
        message: impl Into<String>,
        requested_schema: Value,
    ) -> Ask<'_, crate::protocol::ElicitResult> {
        let params =
            serde_json::json!({ "message": message.into(), "requestedSchema": requested_schema });
        Ask::new(
            self,
            "elicitation/create",
            params,
            Need::elicitation("form"),
            parse_answer,
        )
    }

    /// Asks the user to fill in a form shaped like `T`, whose JSON Schema (from
    /// `schemars::JsonSchema`) becomes the requested schema; an accepted answer is decoded
    /// into `T`.
    ///
    /// ```
    /// use mcp_runtime::prelude::*;
    /// use mcp_runtime::server::Elicited;
    ///
    /// #[derive(serde::Deserialize, schemars::JsonSchema)]
    /// struct Shipping {
    ///     /// Street address.
    ///     address: String,
    ///     express: bool,
    /// }
    ///
    /// /// Ships the order, asking where to.
    /// #[tool(risk = "medium")]
    /// async fn ship(ctx: Context) -> Result<String, ToolError> {
    ///     match ctx.elicit_as::<Shipping>("Where should it go?").key("shipping").await? {
    ///         Elicited::Accepted(s) => Ok(format!("shipping to {} (express: {})", s.address, s.express)),
    ///         Elicited::Declined | Elicited::Cancelled => Ok("not shipped".into()),
    ///     }
    /// }
    /// ```
    pub fn elicit_as<T>(&self, message: impl Into<String>) -> Ask<'_, Elicited<T>>
    where
        T: serde::de::DeserializeOwned + schemars::JsonSchema + Send + 'static,
    {
        let schema = Value::Object(crate::capability::schema_for::<T>());
        let params = serde_json::json!({ "message": message.into(), "requestedSchema": schema });
        Ask::new(
            self,
            "elicitation/create",
            params,
            Need::elicitation("form"),
            parse_elicited::<T>,
        )
    }

    /// Asks the user to visit `url` (URL-mode elicitation, for what must not pass through the
    /// client: credentials, payments). Needs a client that declared `elicitation.url`; the
    /// answer says whether the user agreed to go.
    pub fn elicit_url(
        &self,
        message: impl Into<String>,
        url: impl Into<String>,
    ) -> Ask<'_, crate::protocol::ElicitResult> {
        let mut params = serde_json::json!({
            "mode": "url",
            "message": message.into(),
            "url": url.into(),
        });
        if self.era() == Era::Legacy {
            // The legacy era identifies URL elicitations for their completion notice.
            params["elicitationId"] = Value::String(format!("{}", self.inner.request_id));
        }
        Ask::new(
            self,
            "elicitation/create",
            params,
            Need::elicitation("url"),
            parse_answer,
        )
    }

    /// Asks the client's model for a completion (`sampling/createMessage`, with the
    /// specification's parameters: `messages`, `maxTokens`, ...). The answer is the client's
    /// `CreateMessageResult` (`role`, `content`, `model`, `stopReason`).
    pub fn sample(&self, params: Value) -> Ask<'_, Value> {
        Ask::new(
            self,
            "sampling/createMessage",
            params,
            Need::plain("sampling"),
            parse_sampled,
        )
    }

    /// The client's roots (`roots/list`): the answer is the client's `ListRootsResult`
    /// (`{"roots": [{"uri": ..., "name": ...}]}`).
    pub fn roots(&self) -> Ask<'_, Value> {
        Ask::new(
            self,
            "roots/list",
            serde_json::json!({}),
            Need::plain("roots"),
            parse_roots,
        )
    }

    /// True when the client declared `capability` (`"sampling"`, `"elicitation"`, `"roots"`,
    /// ...): in this request's `_meta` in the 2026-07-28 era, at `initialize` before.
    pub fn client_supports(&self, capability: &str) -> bool {
        self.client_capabilities()
            .is_some_and(|declared| declared.contains_key(capability))
    }

    /// Fails with `-32021` (MissingRequiredClientCapability) unless the client declared
    /// `capability`. A tool that returns the error (with `?`) answers the request with that
    /// JSON-RPC error in the 2026-07-28 era, and with an error result before.
    ///
    /// ```
    /// use mcp_runtime::prelude::*;
    ///
    /// /// Summarises a document with the client's model.
    /// #[tool]
    /// async fn summarise(ctx: Context, text: String) -> Result<String, ToolError> {
    ///     ctx.require_client_capability("sampling")?;
    ///     let answer = ctx
    ///         .sample(serde_json::json!({
    ///             "messages": [{"role": "user", "content": {"type": "text", "text": text}}],
    ///             "maxTokens": 200,
    ///         }))
    ///         .await?;
    ///     Ok(answer["content"]["text"].as_str().unwrap_or_default().to_owned())
    /// }
    /// ```
    pub fn require_client_capability(&self, capability: &'static str) -> Result<(), RpcError> {
        if self.client_supports(capability) {
            return Ok(());
        }
        let error = Need::plain(capability).missing();
        if let Some(round) = &self.inner.input {
            round.note_missing_capability(error.clone());
        }
        Err(error)
    }

    fn client_capabilities(&self) -> Option<&serde_json::Map<String, Value>> {
        match self.era() {
            Era::Modern => self.inner.client_capabilities.as_ref(),
            Era::Legacy => self
                .inner
                .connection
                .handshake()
                .map(|h| &h.client_capabilities),
        }
    }

    /// True when this request resumed an earlier one: it carried a `requestState` this server
    /// issued, verified intact and unexpired (2026-07-28 multi round-trip requests).
    pub fn is_resumed(&self) -> bool {
        self.inner
            .input
            .as_ref()
            .is_some_and(|round| round.resumed())
    }

    /// Who gave the last answer to this request's questions: in the legacy era the caller
    /// whose message carried it, in the 2026-07-28 era the caller of the retry that brought it.
    pub(crate) fn answered_by(&self) -> crate::permission::Caller {
        let answered = lock(&self.inner.answered_by).clone();
        answered.unwrap_or_else(crate::permission::Caller::current)
    }

    fn declares(&self, need: &Need) -> bool {
        let capabilities = self.client_capabilities();
        let Some(declared) = capabilities.and_then(|c| c.get(need.capability)) else {
            return false;
        };
        match need.mode {
            None => true,
            // `elicitation: {}` means form mode; naming modes limits it to those.
            Some(mode) => match declared.as_object() {
                Some(modes) if !modes.is_empty() => modes.contains_key(mode),
                _ => mode == "form",
            },
        }
    }

    async fn ask_legacy(&self, method: &str, params: Value) -> Result<Value, RpcError> {
        let connection = &self.inner.connection;
        let (id, answer) = connection.expect_answer();
        self.send(encode_request(&id, method, &params)).await;
        let outcome = tokio::select! {
            answer = answer => match answer {
                Ok((answer, by)) => {
                    *lock(&self.inner.answered_by) = Some(by);
                    answer
                }
                Err(_) => Err(RpcError::internal("the connection closed before the client answered")),
            },
            _ = self.cancelled() => Err(RpcError::internal("the request was cancelled")),
        };
        connection.forget_answer(&id);
        outcome
    }

    /// The task this call runs as, once it is one.
    fn running_task(&self) -> Option<&super::tasks::TaskLink> {
        self.inner.task.as_deref().filter(|link| link.is_running())
    }

    async fn send(&self, message: Vec<u8>) {
        if self.running_task().is_some() {
            // The request was answered with the task; tasks carry no notifications.
            return;
        }
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

/// What a question needs the client to have declared.
struct Need {
    capability: &'static str,
    /// For elicitation: the mode (`form` or `url`).
    mode: Option<&'static str>,
}

impl Need {
    fn plain(capability: &'static str) -> Self {
        Need {
            capability,
            mode: None,
        }
    }

    fn elicitation(mode: &'static str) -> Self {
        Need {
            capability: "elicitation",
            mode: Some(mode),
        }
    }

    fn missing(&self) -> RpcError {
        match self.mode {
            Some("form") | None => super::input::missing_capability(self.capability, None),
            Some(mode) => super::input::missing_capability(self.capability, Some(mode)),
        }
    }
}

/// A question for the client, made by [`Context::elicit`], [`Context::sample`],
/// [`Context::roots`] and the like; `.await` it for the answer.
#[must_use = "a question is asked only when awaited"]
pub struct Ask<'a, T> {
    context: &'a Context,
    method: &'static str,
    params: Value,
    need: Need,
    key: Option<String>,
    /// Only an answer to this question as asked in a sealed round counts (confirmations).
    asked_only: bool,
    parse: fn(Value) -> Result<T, String>,
}

impl<'a, T> Ask<'a, T> {
    fn new(
        context: &'a Context,
        method: &'static str,
        params: Value,
        need: Need,
        parse: fn(Value) -> Result<T, String>,
    ) -> Self {
        Ask {
            context,
            method,
            params,
            need,
            key: None,
            asked_only: false,
            parse,
        }
    }

    /// In the 2026-07-28 era, counts only an answer to this question as this server asked
    /// it (in a round it sealed), never one the client sent unasked.
    pub(crate) fn asked_only(mut self) -> Self {
        self.asked_only = true;
        self
    }

    /// Names the question in a 2026-07-28 `input_required` result (its key in
    /// `inputRequests` and `inputResponses`). Without a name, questions are numbered in the
    /// order the handler asks them (`elicitation-1`, `sampling-2`, ...). Names must be unique
    /// within one request.
    pub fn key(mut self, key: impl Into<String>) -> Self {
        self.key = Some(key.into());
        self
    }

    async fn run(self) -> Result<T, RpcError> {
        let context = self.context;
        let round = context.inner.input.as_deref();
        // Numbered in the order asked, whether or not the client can answer.
        let key = round.map(|round| {
            let kind = self.method.split('/').next().unwrap_or(self.method);
            self.key.clone().unwrap_or_else(|| round.auto_key(kind))
        });
        if !context.declares(&self.need) {
            let error = self.need.missing();
            if let Some(round) = round {
                round.note_missing_capability(error.clone());
            }
            return Err(error);
        }
        let malformed = |key: &str, why: String| {
            RpcError::invalid_params(format!(
                "the client's answer to `{}` ({key}) is malformed: {why}",
                self.method
            ))
        };
        if let Some(link) = context.running_task() {
            let answer = link
                .ask(
                    self.method,
                    self.params,
                    self.key,
                    &context.inner.cancellation,
                )
                .await?;
            return (self.parse)(answer).map_err(|why| malformed("inputResponses", why));
        }
        if context.era() == Era::Legacy {
            let answer = context.ask_legacy(self.method, self.params).await?;
            return (self.parse)(answer).map_err(|why| malformed("request", why));
        }
        let (Some(round), Some(key)) = (round, key) else {
            return Err(RpcError::invalid_request(format!(
                "`{}` cannot be asked here: only tools/call, prompts/get and resources/read may ask the client",
                self.method
            )));
        };
        if let Some(answer) = round.answer(&key, self.asked_only) {
            match (self.parse)(answer.clone()) {
                Ok(value) => {
                    round.record_used(&key, answer.clone());
                    return Ok(value);
                }
                Err(why) => round.fail(malformed(&format!("inputResponses.{key}"), why)),
            }
        } else {
            round.ask(
                key,
                serde_json::json!({ "method": self.method, "params": self.params }),
            );
        }
        // The runtime ends this run now: with the questions, or with the error.
        std::future::pending().await
    }
}

impl<'a, T: Send + 'a> std::future::IntoFuture for Ask<'a, T> {
    type Output = Result<T, RpcError>;
    type IntoFuture =
        std::pin::Pin<Box<dyn std::future::Future<Output = Self::Output> + Send + 'a>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.run())
    }
}

impl<T> fmt::Debug for Ask<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ask")
            .field("method", &self.method)
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

/// The user's answer to a typed form ([`Context::elicit_as`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Elicited<T> {
    /// The user submitted the form.
    Accepted(T),
    /// The user said no.
    Declined,
    /// The user dismissed the question without choosing.
    Cancelled,
}

fn parse_answer(answer: Value) -> Result<crate::protocol::ElicitResult, String> {
    serde_json::from_value(answer).map_err(|e| e.to_string())
}

fn parse_elicited<T: serde::de::DeserializeOwned>(answer: Value) -> Result<Elicited<T>, String> {
    use crate::protocol::ElicitAction;
    let result = parse_answer(answer)?;
    Ok(match result.action {
        ElicitAction::Accept => {
            let content = Value::Object(result.content.unwrap_or_default());
            Elicited::Accepted(serde_json::from_value(content).map_err(|e| e.to_string())?)
        }
        ElicitAction::Decline => Elicited::Declined,
        ElicitAction::Cancel => Elicited::Cancelled,
    })
}

fn parse_sampled(answer: Value) -> Result<Value, String> {
    let ok = answer.get("role").is_some_and(Value::is_string) && answer.get("content").is_some();
    if ok {
        Ok(answer)
    } else {
        Err("expected a CreateMessageResult with `role` and `content`".into())
    }
}

fn parse_roots(answer: Value) -> Result<Value, String> {
    if answer.get("roots").is_some_and(Value::is_array) {
        Ok(answer)
    } else {
        Err("expected a ListRootsResult with a `roots` array".into())
    }
}
