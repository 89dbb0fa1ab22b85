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
//! let server = || Server::new("greeter", "1.0.0").tool(greet);
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
    received: Mutex<mpsc::Receiver<Vec<u8>>>,
    version: ProtocolVersion,
    next_id: AtomicI64,
    log_level: Option<String>,
}

impl TestClient {
    fn connect(server: Server, version: ProtocolVersion) -> Result<Self> {
        let dispatcher = server.build()?;
        let (tx, rx) = mpsc::channel(4096);
        Ok(TestClient {
            dispatcher,
            connection: Arc::new(Connection::new(tx)),
            received: Mutex::new(rx),
            version,
            next_id: AtomicI64::new(1),
            log_level: None,
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
        let client = Self::connect(server, version)?;
        let result = client
            .raw_request(
                "initialize",
                json!({
                    "protocolVersion": version.as_str(),
                    "capabilities": {},
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
    pub async fn request(&self, method: &str, params: Value) -> Result<Value, RpcError> {
        let params = self.with_meta(params);
        self.raw_request(method, params).await
    }

    /// Sends a request exactly as given.
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
        let answer = self
            .dispatcher
            .handle(&self.connection, Bytes::copy_from_slice(message))
            .await?;
        Some(serde_json::from_slice(&answer).expect("the server always answers with JSON"))
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

    /// Takes every message the server sent outside responses (notifications) so far.
    pub fn take_notifications(&self) -> Vec<Value> {
        let mut received = self.received.lock().unwrap_or_else(|e| e.into_inner());
        let mut out = Vec::new();
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
                .or_insert_with(|| json!({}));
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
