//! # mcp-runtime
//!
//! Write MCP (Model Context Protocol) servers as plain Rust functions. `#[tool]` turns a
//! function into a tool: its doc comment becomes the description, its parameters the JSON
//! Schema of the input, its return type the result, and its attribute the permission
//! metadata (risk level, scopes, behaviour hints). Mistakes are compile errors on your own
//! tokens.
//!
//! The runtime serves every current protocol revision — the stateless `2026-07-28` and the
//! handshake-era `2025-11-25` and `2025-06-18` — over stdio, answering requests concurrently.
//!
//! ## A first server
//!
//! ```no_run
//! use mcp_runtime::prelude::*;
//!
//! /// Adds two integers.
//! ///
//! /// # Arguments
//! /// * `a` - the first addend
//! /// * `b` - the second addend
//! #[tool(read_only, idempotent)]
//! fn add(a: i64, b: i64) -> i64 {
//!     a + b
//! }
//!
//! #[tokio::main]
//! async fn main() -> mcp_runtime::Result<()> {
//!     Server::new("calculator", env!("CARGO_PKG_VERSION"))
//!         .tool(add)
//!         .serve_from_args() // --transport stdio (the default)
//!         .await
//! }
//! ```
//!
//! ## Tools on a type
//!
//! Methods of one `impl` block share the value through `&self`; one `#[mcp_server]` on the
//! block collects every method marked `#[tool]`:
//!
//! ```
//! use mcp_runtime::prelude::*;
//! use std::sync::Mutex;
//!
//! #[derive(Default)]
//! struct Notes {
//!     notes: Mutex<Vec<String>>,
//! }
//!
//! #[mcp_server]
//! impl Notes {
//!     /// Stores a note.
//!     #[tool(risk = "medium")]
//!     fn add_note(&self, text: String) -> String {
//!         let mut notes = self.notes.lock().unwrap();
//!         notes.push(text);
//!         format!("{} notes", notes.len())
//!     }
//!
//!     /// Lists the notes.
//!     #[tool(read_only)]
//!     fn list_notes(&self) -> Json<Vec<String>> {
//!         Json(self.notes.lock().unwrap().clone())
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> mcp_runtime::Result<()> {
//! let client = mcp_runtime::testing::TestClient::modern(
//!     Server::new("notes", "1.0.0").provider(Notes::default()),
//! )?;
//! client.call_tool("add_note", serde_json::json!({"text": "milk"})).await?;
//! let listed = client.call_tool("list_notes", serde_json::json!({})).await?;
//! assert_eq!(listed.structured_content, Some(serde_json::json!(["milk"])));
//! # Ok(())
//! # }
//! ```
//!
//! ## What a tool may take and return
//!
//! * Parameters are arguments from the caller (any `Deserialize + JsonSchema` type;
//!   `Option<T>` ones are optional), except [`Context`] and [`State<T>`], which the runtime
//!   provides.
//! * Return values implement [`IntoToolResult`]: text, numbers, `()`, [`Json<T>`] for
//!   structured output, [`Content`](protocol::Content) blocks, or a `Result` of these whose
//!   error becomes a result with `isError: true`.
//! * A tool that panics answers with an error result; the server keeps serving.
//!
//! ## Attribute reference
//!
//! `#[tool(name = "...", title = "...", description = "...", risk = "low|medium|high|critical",
//! scopes("a:b", ...), read_only, destructive, idempotent, open_world)]`. Hints that are not
//! declared are published as `false`. `risk` defaults to `"high"` for a `destructive` tool and
//! `"low"` otherwise; `read_only` with `destructive`, and `destructive` with `risk = "low"`,
//! are compile errors.
//!
//! ## Testing
//!
//! [`testing::TestClient`] drives a server in-process in either era.
#![deny(missing_docs)]

pub mod capability;
mod cli;
mod error;
pub mod permission;
pub mod protocol;
pub mod server;
pub mod testing;
pub mod transport;

pub use capability::{IntoToolResult, Json, State, ToolError};
pub use cli::init_logging;
pub use error::{Error, Result};
pub use mcp_macros::{mcp_server, tool};
pub use permission::{Permission, RiskLevel};
pub use server::{Context, Dispatcher, Server};

/// Everything a server author needs, in one import.
pub mod prelude {
    pub use crate::capability::{IntoToolResult, Json, State, ToolError};
    pub use crate::protocol::{CallToolResult, Content, LogLevel};
    pub use crate::server::{Context, Server};
    pub use crate::{mcp_server, tool, Permission, RiskLevel};
}

/// What generated code refers to. Not public API: it may change in any release.
#[doc(hidden)]
pub mod __private {
    pub use crate::capability::{
        expecting_arguments, missing_argument, ArgumentKey, FromContext, InputSchema,
        IntoToolResult, MethodTool, Provider, ToolCall, ToolDescriptor, ToolFuture, ToolHandler,
        ToolHints,
    };
    pub use crate::permission::RiskLevel;
    pub use crate::protocol::CallToolResult;
    pub use schemars;
    pub use serde;
    pub use std;

    /// Requires the tool's future to be `Send`, so it can run on any worker thread.
    pub fn assert_send<F: std::future::Future + Send>(future: F) -> F {
        future
    }
}
