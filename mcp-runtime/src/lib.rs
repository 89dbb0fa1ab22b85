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
//! ## Resources and prompts
//!
//! `#[resource("uri")]` serves data at a URI. A URI template (`notes://{id}`) serves a family
//! of them: each `{variable}` binds the parameter of the same name, parsed with `FromStr`.
//! `#[prompt]` renders messages from string arguments, parsed the same way (`Option<T>` ones
//! are optional). Both take `Context` and `State<T>` like tools, go in `#[mcp_server]` blocks
//! too, and may suggest values with `complete(name = function)`.
//!
//! ```
//! use mcp_runtime::prelude::*;
//!
//! /// One note, by number.
//! #[resource("notes://{id}", mime_type = "text/markdown", complete(id = note_ids))]
//! fn note(id: u32) -> String {
//!     format!("# Note {id}")
//! }
//!
//! fn note_ids(typed: &str) -> Vec<String> {
//!     (1..=3).map(|n| n.to_string()).filter(|n| n.starts_with(typed)).collect()
//! }
//!
//! /// Asks for a summary of a note.
//! ///
//! /// # Arguments
//! /// * `id` - the note to summarise
//! /// * `words` - at most this many words
//! #[prompt]
//! fn summarise(id: u32, words: Option<u32>) -> Vec<PromptMessage> {
//!     let limit = words.map_or(String::new(), |w| format!(" in {w} words"));
//!     vec![PromptMessage::user(format!("Summarise note {id}{limit}."))]
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> mcp_runtime::Result<()> {
//! let client = mcp_runtime::testing::TestClient::modern(
//!     Server::new("notes", "1.0.0").resource(note).prompt(summarise),
//! )?;
//! let read = client
//!     .request("resources/read", serde_json::json!({"uri": "notes://2"}))
//!     .await?;
//! assert_eq!(read["contents"][0]["text"], "# Note 2");
//! let got = client
//!     .request("prompts/get", serde_json::json!({"name": "summarise", "arguments": {"id": "2"}}))
//!     .await?;
//! assert_eq!(got["messages"][0]["content"]["text"], "Summarise note 2.");
//! # Ok(())
//! # }
//! ```
//!
//! ## Attribute reference
//!

//! `#[tool(name = "...", title = "...", description = "...", risk = "low|medium|high|critical",
//! scopes("a:b", ...), read_only, destructive, idempotent, open_world)]`. Hints that are not
//! declared are published as `false`. `risk` defaults to `"high"` for a `destructive` tool and
//! `"low"` otherwise; `read_only` with `destructive`, and `destructive` with `risk = "low"`,
//! are compile errors.
//!
//! `#[resource("uri", name = "...", title = "...", description = "...", mime_type = "...",
//! risk = "...", scopes(...), complete(variable = function, ...))]`: the URI comes first; the
//! name defaults to the function's. Every template variable needs a parameter and every
//! parameter but `Context` and `State<T>` a variable.
//!
//! `#[prompt(name = "...", title = "...", description = "...", risk = "...", scopes(...),
//! complete(argument = function, ...))]`. Arguments are documented in `# Arguments`.
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
pub use mcp_macros::{mcp_server, prompt, resource, tool};
pub use permission::{Permission, RiskLevel};
pub use server::{Context, Dispatcher, Server};

/// Everything a server author needs, in one import.
pub mod prelude {
    pub use crate::capability::{Blob, IntoToolResult, Json, State, ToolError};
    pub use crate::protocol::{
        CallToolResult, Content, ElicitAction, LogLevel, PromptMessage, ResourceContents, Role,
    };
    pub use crate::server::{Context, Elicited, Server};
    pub use crate::{mcp_server, prompt, resource, tool, Permission, RiskLevel};
}

/// What generated code refers to. Not public API: it may change in any release.
#[doc(hidden)]
pub mod __private {
    pub use crate::capability::{
        expecting_arguments, missing_argument, ArgumentKey, FromContext, InputSchema,
        IntoPromptResult, IntoResourceContents, IntoToolResult, MethodPrompt, MethodResource,
        MethodTool, PromptCall, PromptDescriptor, PromptFuture, PromptHandler, Provider,
        ResourceDescriptor, ResourceFuture, ResourceHandler, ResourceRead, ToolCall,
        ToolDescriptor, ToolFuture, ToolHandler, ToolHints,
    };
    pub use crate::permission::RiskLevel;
    pub use crate::protocol::{CallToolResult, RpcError};
    pub use schemars;
    pub use serde;
    pub use std;

    /// Requires a handler's future to be `Send`, so it can run on any worker thread.
    pub fn assert_send<F: std::future::Future + Send>(future: F) -> F {
        future
    }
}
