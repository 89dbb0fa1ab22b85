//! # mcp-runtime
//!
//! Write MCP (Model Context Protocol) servers as plain Rust functions. `#[tool]` turns a
//! function into a tool: its doc comment becomes the description, its parameters the JSON
//! Schema of the input, its return type the result, and its attribute the permission
//! metadata (risk level, scopes, behaviour hints). Mistakes are compile errors on your own
//! tokens.
//!
//! The runtime serves every current protocol revision — the stateless `2026-07-28` and the
//! handshake-era `2025-11-25` and `2025-06-18` — over stdio and Streamable HTTP, answering
//! requests concurrently. This page goes from a first tool to resources and prompts, the
//! request [`Context`], permissions, and HTTP; every example on it runs as a test.
//!
//! ## A first tool
//!
//! ```
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
//! fn server() -> Server {
//!     Server::new("calculator", "1.0.0").tool(add)
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> mcp_runtime::Result<()> {
//! // What a client sees, in-process: the schema from the signature, the result from the body.
//! let client = mcp_runtime::testing::TestClient::modern(server())?;
//! let tools = client.list_tools().await?;
//! assert_eq!(tools[0].description.as_deref(), Some("Adds two integers."));
//! let sum = client.call_tool("add", serde_json::json!({"a": 2, "b": 3})).await?;
//! assert_eq!(sum.text(), "5");
//! // A wrong argument is an error result naming the field; the server keeps serving.
//! let wrong = client.call_tool("add", serde_json::json!({"a": "two", "b": 3})).await?;
//! assert!(wrong.is_error);
//! # Ok(())
//! # }
//! ```
//!
//! A binary serves it with [`Serve::serve_from_args`], which reads the command line
//! (see [below](#the-command-line)); without options it speaks stdio, which is what Claude
//! Desktop, VS Code and most clients start a local server with:
//!
//! ```no_run
//! # use mcp_runtime::prelude::*;
//! # /// Adds.
//! # #[tool] fn add(a: i64, b: i64) -> i64 { a + b }
//! #[tokio::main]
//! async fn main() -> mcp_runtime::Result<()> {
//!     Server::new("calculator", env!("CARGO_PKG_VERSION"))
//!         .tool(add)
//!         .serve_from_args()
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
//! ## The request's context and shared state
//!
//! A [`Context`] parameter gives a call its request: log messages and progress for the
//! client, cancellation, and questions back to the user ([`Context::elicit`],
//! [`Context::sample`], [`Context::roots`]), which the runtime asks in either era. A
//! [`State<T>`] parameter is a value registered once with [`Server::state`]; the server
//! refuses to start when a tool needs state nobody registered.
//!
//! ```
//! use mcp_runtime::prelude::*;
//! use std::sync::atomic::{AtomicU64, Ordering};
//!
//! /// Counts the calls so far, reporting progress on the way.
//! #[tool]
//! async fn count(ctx: Context, calls: State<AtomicU64>) -> String {
//!     ctx.progress(1.0, Some(2.0), Some("counting")).await;
//!     let n = calls.fetch_add(1, Ordering::SeqCst) + 1;
//!     ctx.log(LogLevel::Info, format!("call number {n}")).await;
//!     ctx.progress(2.0, Some(2.0), None).await;
//!     format!("{n} calls")
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> mcp_runtime::Result<()> {
//! let server = Server::new("counter", "1.0.0").state(AtomicU64::new(0)).tool(count);
//! let client = mcp_runtime::testing::TestClient::legacy(server).await?;
//! client.call_tool("count", serde_json::json!({})).await?;
//! let second = client
//!     .request("tools/call", serde_json::json!({
//!         "name": "count", "arguments": {}, "_meta": {"progressToken": "p1"},
//!     }))
//!     .await?;
//! assert_eq!(second["content"][0]["text"], "2 calls");
//! let sent: Vec<_> = client.take_notifications().into_iter().map(|n| n["method"].clone()).collect();
//! assert!(sent.contains(&"notifications/progress".into()));
//! # Ok(())
//! # }
//! ```
//!
//! ## Permissions
//!
//! Every tool, resource and prompt has a risk level (`low`, `medium`, `high`, `critical`)
//! and may require scopes; both are published in its `_meta["mcp-runtime/permission"]`.
//! A [`Policy`](permission::Policy) decides, per call, whether it runs, asks the user first
//! (through elicitation), or is denied — hidden from lists and refused. Without a policy,
//! low and medium risks run, high and critical ones ask, and nothing is denied.
//!
//! The policy is set in code with [`Server::policy`], then overlaid by a TOML file
//! (`--policy FILE`, or the `MCP_POLICY` variable) and by `MCP_POLICY_*` variables, later
//! sources winning per key:
//!
//! ```toml
//! [risk]
//! allow_up_to   = "medium"    # runs without asking
//! confirm_up_to = "high"      # asks first; anything above is denied
//!
//! [capabilities]
//! allow = ["query_*"]         # run without asking, whatever the risk
//! deny  = ["close_account"]   # hidden and refused; deny wins over allow
//!
//! [scopes]
//! "transfer_*" = ["accounts:write"]
//! ```
//!
//! ```
//! use mcp_runtime::permission::Policy;
//! use mcp_runtime::prelude::*;
//! use serde_json::json;
//!
//! /// Reads the balance.
//! #[tool(read_only)]
//! fn balance() -> i64 { 100 }
//!
//! /// Moves money.
//! #[tool(risk = "high")]
//! fn transfer(amount: i64) -> String { format!("moved {amount}") }
//!
//! /// Closes the account.
//! #[tool(risk = "critical", destructive)]
//! fn close() -> &'static str { "closed" }
//!
//! fn bank() -> Server {
//!     Server::new("bank", "1.0.0").tool(balance).tool(transfer).tool(close)
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // The default policy: `transfer` and `close` ask the user. This client cannot be asked
//! // (it declared no elicitation capability), so they are refused without running.
//! let client = mcp_runtime::testing::TestClient::legacy(bank()).await?;
//! let refused = client.call_tool("transfer", json!({"amount": 5})).await?;
//! assert!(refused.is_error);
//! assert!(refused.text().contains("needs the user's confirmation"));
//!
//! // A policy that denies critical tools outright and lets `transfer` run without asking.
//! let policy = Policy::from_toml(
//!     "[risk]\nconfirm_up_to = \"high\"\n[capabilities]\nallow = [\"transfer\"]\n",
//!     "policy.toml",
//! )?;
//! let client = mcp_runtime::testing::TestClient::legacy(bank().policy(policy)).await?;
//! let names: Vec<_> = client.list_tools().await?.into_iter().map(|t| t.name).collect();
//! assert_eq!(names, ["balance", "transfer"]); // `close` is hidden...
//! assert!(client.call_tool("close", json!({})).await.is_err()); // ...and refused
//! assert_eq!(client.call_tool("transfer", json!({"amount": 5})).await?.text(), "moved 5");
//! # Ok(())
//! # }
//! ```
//!
//! `--manifest` prints every capability with its risk and the policy's decision, and
//! `--audit FILE` appends a JSON line per decision and call (see [`permission`]).
//!
//! ## Serving over HTTP
//!
//! `--transport http --bind 127.0.0.1:8080` serves Streamable HTTP at `/mcp`, both eras on
//! one endpoint. To choose the settings in code, or to mount the endpoint into an axum
//! application next to routes of your own, use [`transport::http`]:
//!
//! ```
//! use mcp_runtime::prelude::*;
//! use mcp_runtime::transport::http::{router, HttpConfig};
//! use tokio::io::{AsyncReadExt, AsyncWriteExt};
//!
//! /// Says hello.
//! #[tool]
//! fn hello() -> &'static str { "hello" }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! let address = listener.local_addr()?;
//! let config = HttpConfig {
//!     bind: address,
//!     allowed_hosts: vec![address.to_string()],
//!     ..HttpConfig::default()
//! };
//! let app = router(Server::new("hello", "1.0.0").tool(hello).build()?, &config);
//! tokio::spawn(async move { axum::serve(listener, app).await });
//!
//! // Any HTTP client will do; here, one request by hand.
//! let body = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"doc","version":"1"}}}"#;
//! let mut stream = tokio::net::TcpStream::connect(address).await?;
//! stream.write_all(format!(
//!     "POST /mcp HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\n\
//!      Accept: application/json, text/event-stream\r\nContent-Length: {}\r\n\
//!      Connection: close\r\n\r\n{body}",
//!     body.len()
//! ).as_bytes()).await?;
//! let mut answer = String::new();
//! stream.read_to_string(&mut answer).await?;
//! assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
//! assert!(answer.contains(r#""serverInfo":{"name":"hello""#), "{answer}");
//! # Ok(())
//! # }
//! ```
//!
//! [`transport::http::serve`] does the listening too. The endpoint checks `Host` and
//! `Origin` against allow-lists (loopback by default), bounds bodies, sessions and requests
//! in flight, and can require bearer tokens ([`HttpConfig::auth`](transport::http::HttpConfig)).
//!
//! ## The command line
//!
//! Every server started with [`Serve::serve_from_args`] understands
//! `--transport stdio|http`, `--bind ADDR`, `--policy FILE`, `--audit FILE`, `--manifest`,
//! `--print-config claude-desktop|vscode|cursor` (the client configuration that starts
//! it), `--help` and `--version`. A server with options of its own takes those off the
//! command line and passes the rest to [`Serve::serve_with_args`]:
//!
//! ```no_run
//! # use mcp_runtime::prelude::*;
//! #[tokio::main]
//! async fn main() -> mcp_runtime::Result<()> {
//!     let mut data_dir = None;
//!     let mut rest = Vec::new();
//!     let mut args = std::env::args_os();
//!     while let Some(arg) = args.next() {
//!         if arg == "--data" {
//!             data_dir = args.next();
//!         } else {
//!             rest.push(arg);
//!         }
//!     }
//!     let server = Server::new("notes", "1.0.0").state(data_dir);
//!     server.serve_with_args(rest).await
//! }
//! ```
//!
//! ## Attribute reference
//!
//! `#[tool(name = "...", title = "...", description = "...", risk = "low|medium|high|critical",
//! scopes("a:b", ...), read_only, destructive, idempotent, open_world, inline)]`. Hints that
//! are not declared are published as `false`. A synchronous function runs on the runtime's
//! blocking threads unless it says `inline` (for functions that only compute); an `async fn`
//! runs on the runtime and must not block. `risk` defaults to `"high"` for a `destructive` tool and
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
//! [`testing::TestClient`] drives a server in-process in either era, through the same
//! dispatcher the transports use: no process, no socket.
//!
//! ## Examples
//!
//! The repository's `examples/` are complete servers: `calculator` (tools and structured
//! output), `accounts` (an SQLite database with a tool at every risk level, resources and a
//! prompt), `files` (a directory tree, confined to its root), and `everything` (the
//! conformance fixture, showing every kind of capability).
#![deny(missing_docs)]
#![warn(missing_debug_implementations, rust_2018_idioms, unreachable_pub)]

pub mod capability;
mod cli;
mod error;
pub mod permission;
pub mod protocol;
pub mod server;
pub mod testing;
pub mod transport;

pub use capability::{IntoToolResult, Json, State, ToolError};
pub use cli::{init_logging, Serve};
pub use error::{Error, Result};
#[doc(inline)]
#[doc = include_str!("../docs/attributes/mcp_server.md")]
pub use mcp_macros::mcp_server;
#[doc(inline)]
#[doc = include_str!("../docs/attributes/prompt.md")]
pub use mcp_macros::prompt;
#[doc(inline)]
#[doc = include_str!("../docs/attributes/resource.md")]
pub use mcp_macros::resource;
#[doc(inline)]
#[doc = include_str!("../docs/attributes/tool.md")]
pub use mcp_macros::tool;
pub use permission::{Permission, RiskLevel};
pub use server::{Context, Dispatcher, Server};

/// The JSON Schema crate the macros use: derive `JsonSchema` for a parameter type through it
/// (`#[derive(mcp_runtime::schemars::JsonSchema)]` with
/// `#[schemars(crate = "mcp_runtime::schemars")]`), so that a server needs no direct
/// dependency on it.
pub use schemars;
/// The JSON crate of the runtime's API (`serde_json::Value`, `json!`).
pub use serde_json;

/// Everything a server author needs, in one import.
pub mod prelude {
    pub use crate::capability::{Blob, IntoToolResult, Json, State, ToolError};
    pub use crate::protocol::{
        CallToolResult, Content, ElicitAction, LogLevel, PromptMessage, ResourceContents, Role,
    };
    pub use crate::server::{Context, Elicited, Server};
    pub use crate::{mcp_server, prompt, resource, tool, Permission, RiskLevel, Serve};
}

/// What generated code refers to. Not public API: see [`__private::v1`].
#[doc(hidden)]
pub mod __private;
