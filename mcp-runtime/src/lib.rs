// The crate documentation: one Markdown file per section under `docs/`, in reading order.
// Every example in them runs as a doctest.
#![doc = include_str!("../docs/overview.md")]
#![doc = include_str!("../docs/tools.md")]
#![doc = include_str!("../docs/resources-and-prompts.md")]
#![doc = include_str!("../docs/context.md")]
#![doc = include_str!("../docs/permissions.md")]
#![doc = include_str!("../docs/http.md")]
#![doc = include_str!("../docs/command-line.md")]
#![doc = include_str!("../docs/features.md")]
#![doc = include_str!("../docs/attributes.md")]
#![doc = include_str!("../docs/testing-and-examples.md")]
#![deny(missing_docs)]
#![warn(missing_debug_implementations, rust_2018_idioms, unreachable_pub)]

pub mod capability;
mod cli;
mod error;
pub mod permission;
pub mod protocol;
pub mod server;
mod sync;
pub mod testing;
pub mod transport;

pub use capability::{IntoToolResult, Json, State, ToolError};
pub use cli::{init_logging, Serve};
pub use error::{Error, Result};
pub use mcp_macros::{mcp_server, prompt, resource, tool};
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
    pub use crate::capability::{Blob, IntoToolResult, Json, RequestError, State, ToolError};
    pub use crate::protocol::{
        CallToolResult, Content, ElicitAction, LogLevel, PromptMessage, ResourceContents, Role,
    };
    pub use crate::server::{Context, Elicited, Server};
    pub use crate::{mcp_server, prompt, resource, tool, Permission, RiskLevel, Serve};
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

    /// Runs a synchronous handler where blocking is allowed: on the runtime's blocking
    /// threads, at most [`MAX_BLOCKING`] at once (more wait their turn without holding a
    /// thread). A panic in it resumes in the caller, which reports it.
    pub async fn run_blocking<R: Send + 'static>(f: impl FnOnce() -> R + Send + 'static) -> R {
        static LIMIT: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(MAX_BLOCKING);
        let permit = LIMIT.acquire().await;
        // The permit goes with the work: a call abandoned (cancelled, timed out) still holds
        // its place until the function returns.
        let work = move || {
            let _permit = permit;
            f()
        };
        match tokio::task::spawn_blocking(work).await {
            Ok(value) => value,
            Err(error) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
            Err(error) => panic!("the blocking call could not finish: {error}"),
        }
    }

    /// How many synchronous handlers run at once.
    pub const MAX_BLOCKING: usize = 64;

    /// Requires a handler's future to be `Send`, so it can run on any worker thread.
    pub fn assert_send<F: std::future::Future + Send>(future: F) -> F {
        future
    }
}
