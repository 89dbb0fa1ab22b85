//! An in-process client for testing servers: no process, no socket, both eras.
//!
//! ```
//! use mcp_runtime::prelude::*;
//! use mcp_runtime::testing::TestClient;
//! use serde_json::json;
//!
//! /// Greets someone.
//! #[tool]
//! fn greet(name: String) -> String {
//!     format!("Hello, {name}!")
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> mcp_runtime::Result<()> {
//! let server = || Server::new("greeter", "1.0.0").tools(tools![greet]);
//!
//! // Legacy era: `initialize` handshake first.
//! let legacy = TestClient::legacy(server()).await?;
//! assert_eq!(legacy.call_tool("greet", json!({"name": "Ada"})).await?.text(), "Hello, Ada!");
//!
//! // Modern era: per-request metadata, no handshake.
//! let modern = TestClient::modern(server())?;
//! let tools = modern.list_tools().await?;
//! assert_eq!(tools[0].name, "greet");
//! # Ok(())
//! # }
//! ```
//!
//! A client can also answer the server's questions (elicitation, sampling, roots) in both
//! eras: see [`TestClient::answering`].

use crate::sync::lock;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use serde_json::{json, Map, Value};
use tokio::sync::mpsc;

use crate::error::Result;
use crate::protocol::{
    encode_notification, encode_request, CallToolResult, Era, ListToolsResult, ProtocolVersion,
    RequestId, RpcError, Tool,
};
use crate::server::{Connection, Dispatcher, Server};

/// A client talking to a [`Server`] in the same process, through the same dispatcher the
/// transports use.
pub struct TestClient {
    dispatcher: Dispatcher,
    connection: Arc<Connection>,
    received: tokio::sync::Mutex<mpsc::Receiver<Vec<u8>>>,
    /// Notifications seen while answering the server's questions.
    seen: Mutex<Vec<Value>>,
    version: ProtocolVersion,
    next_id: AtomicI64,
    log_level: Option<String>,
    capabilities: Option<Value>,
    responder: Option<Responder>,
}

impl std::fmt::Debug for TestClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestClient")
            .field("server", self.dispatcher.info())
            .finish_non_exhaustive()
    }
}

/// How a [`TestClient`] answers the server's questions: given the method
/// (`elicitation/create`, `sampling/createMessage`, `roots/list`) and its params, the result
/// the client sends back.
pub type Responder = Arc<dyn Fn(&str, &Value) -> Value + Send + Sync>;

/// The capabilities a client that answers every kind of question declares.
fn answering_capabilities() -> Value {
    json!({"elicitation": {"form": {}, "url": {}}, "sampling": {}, "roots": {}})
}

/// How many `input_required` rounds [`TestClient::request`] follows before giving up.
const MAX_ROUNDS: usize = 16;

impl TestClient {
    fn connect(server: Server, version: ProtocolVersion) -> Result<Self> {
        let dispatcher = server.build()?;
        let (tx, rx) = mpsc::channel(4096);
        Ok(TestClient {
            dispatcher,
            connection: Arc::new(Connection::new(tx)),
            received: tokio::sync::Mutex::new(rx),
            seen: Mutex::new(Vec::new()),
            version,
            next_id: AtomicI64::new(1),
            log_level: None,
            capabilities: None,
            responder: None,
        })
    }

    /// A modern-era (`2026-07-28`) client: every request carries its `_meta`.
    pub fn modern(server: Server) -> Result<Self> {
        Self::connect(server, ProtocolVersion::LATEST)
    }

    /// A legacy-era client that has completed the `initialize` handshake at `2025-11-25`.
    pub async fn legacy(server: Server) -> Result<Self> {
        Self::legacy_with_version(server, ProtocolVersion::LATEST_LEGACY).await
    }

    /// A legacy-era client that has completed the handshake at `version`.
    pub async fn legacy_with_version(server: Server, version: ProtocolVersion) -> Result<Self> {
        Self::handshake(Self::connect(server, version)?).await
    }

    /// A legacy-era client (`2025-11-25`) that declares elicitation, sampling and roots at
    /// `initialize` and answers the server's requests with `responder`.
    ///
    /// ```
    /// use mcp_runtime::prelude::*;
    /// use mcp_runtime::testing::TestClient;
    /// use serde_json::json;
    ///
    /// /// Greets the user by the name they give.
    /// #[tool]
    /// async fn greet(ctx: Context) -> Result<String, ToolError> {
    ///     let schema = json!({"type": "object", "properties": {"name": {"type": "string"}}});
    ///     let answer = ctx.elicit("Your name?", schema).await?;
    ///     Ok(format!("Hello, {}!", answer.content.unwrap_or_default()["name"]))
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> mcp_runtime::Result<()> {
    /// let answer = |_: &str, _: &serde_json::Value| json!({"action": "accept", "content": {"name": "Ada"}});
    /// // The same tool, the same answers, in both eras.
    /// let legacy = TestClient::legacy_answering(Server::new("g", "1").tools(tools![greet]), answer).await?;
    /// let modern = TestClient::modern(Server::new("g", "1").tools(tools![greet]))?.answering(answer);
    /// for client in [legacy, modern] {
    ///     assert_eq!(client.call_tool("greet", json!({})).await?.text(), r#"Hello, "Ada"!"#);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn legacy_answering(
        server: Server,
        responder: impl Fn(&str, &Value) -> Value + Send + Sync + 'static,
    ) -> Result<Self> {
        let client = Self::connect(server, ProtocolVersion::LATEST_LEGACY)?.answering(responder);
        Self::handshake(client).await
    }

    async fn handshake(client: Self) -> Result<Self> {
        let version = client.version;
        let capabilities = client.capabilities.clone().unwrap_or_else(|| json!({}));
        let result = client
            .raw_request(
                "initialize",
                json!({
                    "protocolVersion": version.as_str(),
                    "capabilities": capabilities,
                    "clientInfo": {"name": "mcp-runtime-test", "version": env!("CARGO_PKG_VERSION")},
                }),
            )
            .await?;
        let agreed = result["protocolVersion"]
            .as_str()
            .and_then(ProtocolVersion::parse);
        let client = TestClient {
            version: agreed.unwrap_or(version),
            ..client
        };
        client.notify("notifications/initialized", json!({})).await;
        Ok(client)
    }

    /// Answers the server's questions with `responder`: server-to-client requests in the
    /// legacy era (use [`TestClient::legacy_answering`], which declares the capabilities
    /// at `initialize`), `input_required` results in the 2026-07-28 era, which
    /// [`TestClient::request`] then retries with the answers. A modern client that answers
    /// declares elicitation, sampling and roots unless [`TestClient::with_client_capabilities`]
    /// says otherwise.
    pub fn answering(
        mut self,
        responder: impl Fn(&str, &Value) -> Value + Send + Sync + 'static,
    ) -> Self {
        self.responder = Some(Arc::new(responder));
        self.capabilities.get_or_insert_with(answering_capabilities);
        self
    }

    /// The capabilities a modern-era client declares in every request's `_meta` (default
    /// `{}`).
    pub fn with_client_capabilities(mut self, capabilities: Value) -> Self {
        self.capabilities = Some(capabilities);
        self
    }

    /// Asks for log messages at `level` and above on every modern-era request.
    pub fn with_log_level(mut self, level: &str) -> Self {
        self.log_level = Some(level.to_owned());
        self
    }

    /// The revision this client speaks.
    pub fn protocol_version(&self) -> ProtocolVersion {
        self.version
    }

    /// Sends a request and returns its result, adding the modern `_meta` where it belongs.
    ///
    /// A client that is [answering](TestClient::answering) follows `input_required` results:
    /// it answers every input request and retries with `inputResponses` and the
    /// `requestState`, until the result is complete.
    pub async fn request(&self, method: &str, params: Value) -> Result<Value, RpcError> {
        let mut params = self.with_meta(params);
        let mut rounds = 0;
        loop {
            let result = self.raw_request(method, params.clone()).await?;
            let Some(responder) = &self.responder else {
                return Ok(result);
            };
            if result["resultType"] != "input_required" {
                return Ok(result);
            }
            rounds += 1;
            if rounds > MAX_ROUNDS {
                return Err(RpcError::internal(format!(
                    "still input_required after {MAX_ROUNDS} rounds"
                )));
            }
            let mut answers = Map::new();
            if let Some(requests) = result["inputRequests"].as_object() {
                for (key, request) in requests {
                    let method = request["method"].as_str().unwrap_or_default();
                    answers.insert(key.clone(), responder(method, &request["params"]));
                }
            }
            params["inputResponses"] = Value::Object(answers);
            match result.get("requestState") {
                Some(state) => params["requestState"] = state.clone(),
                None => {
                    if let Some(map) = params.as_object_mut() {
                        map.remove("requestState");
                    }
                }
            }
        }
    }

    /// Sends a request exactly as given (answering the server's own requests on the way, if
    /// the client is [answering](TestClient::answering)).
    pub async fn raw_request(&self, method: &str, params: Value) -> Result<Value, RpcError> {
        let id = RequestId::Number(self.next_id.fetch_add(1, Ordering::Relaxed));
        let message = encode_request(&id, method, &params);
        match self.send_raw(&message).await {
            Some(response) => parse_response(response),
            None => Err(RpcError::internal("the request was not answered")),
        }
    }

    /// Sends a notification.
    pub async fn notify(&self, method: &str, params: Value) {
        let answer = self.send_raw(&encode_notification(method, &params)).await;
        debug_assert!(answer.is_none(), "notifications are never answered");
    }

    /// Sends raw bytes as one message and returns the answer, if any.
    pub async fn send_raw(&self, message: &[u8]) -> Option<Value> {
        let handled = self
            .dispatcher
            .handle(&self.connection, Bytes::copy_from_slice(message));
        let answer = match &self.responder {
            None => handled.await?,
            Some(responder) => {
                let mut handled = std::pin::pin!(handled);
                let mut received = self.received.lock().await;
                loop {
                    tokio::select! {
                        answer = &mut handled => break answer?,
                        Some(message) = received.recv() => {
                            self.answer_server(responder, &message).await;
                        }
                    }
                }
            }
        };
        Some(serde_json::from_slice(&answer).expect("the server always answers with JSON"))
    }

    /// Answers a request the server sent; keeps anything else for `take_notifications`.
    async fn answer_server(&self, responder: &Responder, message: &[u8]) {
        let Ok(value) = serde_json::from_slice::<Value>(message) else {
            return;
        };
        let (Some(method), Some(id)) = (value["method"].as_str(), value.get("id")) else {
            lock(&self.seen).push(value);
            return;
        };
        let result = responder(method, &value["params"]);
        let response = json!({"jsonrpc": "2.0", "id": id, "result": result});
        let bytes = Bytes::from(serde_json::to_vec(&response).expect("JSON serialises"));
        let answered = self.dispatcher.handle(&self.connection, bytes).await;
        debug_assert!(answered.is_none(), "responses are never answered");
    }

    /// One page of `tools/list`.
    pub async fn list_tools_page(&self, cursor: Option<&str>) -> Result<ListToolsResult, RpcError> {
        let params = match cursor {
            Some(cursor) => json!({ "cursor": cursor }),
            None => json!({}),
        };
        let result = self.request("tools/list", params).await?;
        serde_json::from_value(result)
            .map_err(|e| RpcError::internal(format!("bad tools/list result: {e}")))
    }

    /// Every tool, following `nextCursor` to the last page.
    pub async fn list_tools(&self) -> Result<Vec<Tool>, RpcError> {
        let mut tools = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let page = self.list_tools_page(cursor.as_deref()).await?;
            tools.extend(page.tools);
            match page.next_cursor {
                Some(next) => cursor = Some(next),
                None => return Ok(tools),
            }
        }
    }

    /// Calls a tool.
    pub async fn call_tool(
        &self,
        name: &str,
        arguments: Value,
    ) -> Result<CallToolResult, RpcError> {
        let result = self
            .request(
                "tools/call",
                json!({ "name": name, "arguments": arguments }),
            )
            .await?;
        serde_json::from_value(result)
            .map_err(|e| RpcError::internal(format!("bad tools/call result: {e}")))
    }

    /// Calls a tool as a task, the way a client that supports tasks does, and polls the task
    /// to its end: in the 2026-07-28 era the request declares the `io.modelcontextprotocol/tasks`
    /// extension (and a task's questions are answered with `tasks/update`, if the client is
    /// [answering](TestClient::answering)); in 2025-11-25 it sends `task: {}` and reads the
    /// result with `tasks/result`. A call the server answers directly returns that answer.
    /// A failed task is its JSON-RPC error; a cancelled one an error saying so.
    pub async fn call_tool_as_task(
        &self,
        name: &str,
        arguments: Value,
    ) -> Result<CallToolResult, RpcError> {
        let created = self.start_tool_task(name, arguments).await?;
        let result = match self.version.era() {
            Era::Modern if created["resultType"] == "task" => {
                let id = created["taskId"].as_str().unwrap_or_default().to_owned();
                self.await_task(&id).await?
            }
            Era::Legacy if created.get("task").is_some() => {
                let id = created["task"]["taskId"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned();
                self.request("tasks/result", json!({ "taskId": id }))
                    .await?
            }
            _ => created,
        };
        serde_json::from_value(result)
            .map_err(|e| RpcError::internal(format!("bad tools/call result: {e}")))
    }

    /// Sends `tools/call` as a client that supports tasks, and returns the server's answer as
    /// it is: a `CreateTaskResult`, or the tool's result when the server answered directly.
    pub async fn start_tool_task(&self, name: &str, arguments: Value) -> Result<Value, RpcError> {
        let mut params = json!({ "name": name, "arguments": arguments });
        match self.version.era() {
            Era::Modern => params["_meta"] = self.task_meta(),
            Era::Legacy => params["task"] = json!({}),
        }
        self.request("tools/call", params).await
    }

    /// Sends a `tasks/*` request (`tasks/get`, `tasks/update`, `tasks/cancel`,
    /// `tasks/result`) as a client that supports tasks.
    pub async fn task_request(&self, method: &str, mut params: Value) -> Result<Value, RpcError> {
        if self.version.era() == Era::Modern {
            params["_meta"] = self.task_meta();
        }
        self.request(method, params).await
    }

    /// Polls the 2026-07-28 task `id` until it ends, answering its questions; returns its
    /// result.
    async fn await_task(&self, id: &str) -> Result<Value, RpcError> {
        let mut answered = std::collections::HashSet::new();
        loop {
            let task = self
                .task_request("tasks/get", json!({ "taskId": id }))
                .await?;
            match task["status"].as_str() {
                Some("completed") => return Ok(task["result"].clone()),
                Some("failed") => {
                    return Err(
                        serde_json::from_value(task["error"].clone()).unwrap_or_else(|_| {
                            RpcError::internal("the task failed without an error")
                        }),
                    )
                }
                Some("cancelled") => return Err(RpcError::internal("the task was cancelled")),
                Some("input_required") => {
                    if let (Some(responder), Some(requests)) =
                        (&self.responder, task["inputRequests"].as_object())
                    {
                        let mut answers = Map::new();
                        for (key, request) in requests {
                            if answered.insert(key.clone()) {
                                let method = request["method"].as_str().unwrap_or_default();
                                answers.insert(key.clone(), responder(method, &request["params"]));
                            }
                        }
                        if !answers.is_empty() {
                            self.task_request(
                                "tasks/update",
                                json!({ "taskId": id, "inputResponses": answers }),
                            )
                            .await?;
                            continue;
                        }
                    }
                }
                _ => {}
            }
            let interval = task["pollIntervalMs"].as_u64().unwrap_or(10).clamp(1, 50);
            tokio::time::sleep(std::time::Duration::from_millis(interval)).await;
        }
    }

    /// This client's modern `_meta`, declaring the tasks extension too.
    fn task_meta(&self) -> Value {
        let mut meta = self.with_meta(json!({}))["_meta"].clone();
        let capabilities = &mut meta["io.modelcontextprotocol/clientCapabilities"];
        if !capabilities.is_object() {
            *capabilities = json!({});
        }
        capabilities["extensions"][crate::tasks::EXTENSION] = json!({});
        meta
    }

    /// Takes every message the server sent outside responses (notifications) so far.
    pub fn take_notifications(&self) -> Vec<Value> {
        let mut out = std::mem::take(&mut *lock(&self.seen));
        let Ok(mut received) = self.received.try_lock() else {
            return out;
        };
        while let Ok(message) = received.try_recv() {
            if let Ok(value) = serde_json::from_slice(&message) {
                out.push(value);
            }
        }
        out
    }

    fn with_meta(&self, params: Value) -> Value {
        if self.version.era() != Era::Modern {
            return params;
        }
        let mut params = match params {
            Value::Object(map) => map,
            Value::Null => Map::new(),
            other => return other,
        };
        let meta = params
            .entry("_meta")
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(meta) = meta {
            meta.entry("io.modelcontextprotocol/protocolVersion")
                .or_insert_with(|| json!(self.version.as_str()));
            meta.entry("io.modelcontextprotocol/clientInfo")
                .or_insert_with(
                    || json!({"name": "mcp-runtime-test", "version": env!("CARGO_PKG_VERSION")}),
                );
            meta.entry("io.modelcontextprotocol/clientCapabilities")
                .or_insert_with(|| self.capabilities.clone().unwrap_or_else(|| json!({})));
            if let Some(level) = &self.log_level {
                meta.entry("io.modelcontextprotocol/logLevel")
                    .or_insert_with(|| json!(level));
            }
        }
        Value::Object(params)
    }
}

fn parse_response(mut response: Value) -> Result<Value, RpcError> {
    if let Some(error) = response.get_mut("error") {
        return Err(serde_json::from_value(error.take())
            .unwrap_or_else(|e| RpcError::internal(format!("malformed error object: {e}"))));
    }
    match response.get_mut("result") {
        Some(result) => Ok(result.take()),
        None => Err(RpcError::internal("response without result or error")),
    }
}
