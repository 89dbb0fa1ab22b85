// The crate documentation: one Markdown file per section under `docs/`, in reading order.
// Every example in them runs as a doctest.
#![doc = include_str!("../docs/overview.md")]
#![doc = include_str!("../docs/tools.md")]
#![doc = include_str!("../docs/resources-and-prompts.md")]
#![doc = include_str!("../docs/context.md")]
#![doc = include_str!("../docs/permissions.md")]
#![doc = include_str!("../docs/http.md")]
#![doc = include_str!("../docs/command-line.md")]
#![doc = include_str!("../docs/replicas.md")]
#![doc = include_str!("../docs/features.md")]
#![doc = include_str!("../docs/attributes.md")]
#![doc = include_str!("../docs/testing-and-examples.md")]
#![deny(missing_docs)]
#![warn(missing_debug_implementations, rust_2018_idioms, unreachable_pub)]

pub mod capability;
pub mod cli;
mod error;
#[cfg(feature = "metrics")]
pub mod metrics;
pub mod middleware;
#[cfg(feature = "otel")]
pub mod otel;
pub mod permission;
pub mod protocol;
pub mod server;
pub mod skills;
#[cfg(feature = "redis")]
mod store;
mod sync;
pub mod tasks;
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
    pub use crate::capability::{Blob, IntoToolResult, Json, RequestError, State, ToolError};
    pub use crate::protocol::{
        CallToolResult, Content, ElicitAction, Icon, LogLevel, PromptMessage, ResourceContents,
        Role,
    };
    pub use crate::server::{Context, Elicited, Server};
    pub use crate::{
        mcp_server, prompt, prompts, resource, resources, tool, tools, Permission, RiskLevel, Serve,
    };
}

/// What generated code refers to. Not public API: see [`__private::v1`].
#[doc(hidden)]
pub mod __private;
