//! The wire protocol: JSON-RPC 2.0 framing, MCP message types and protocol revisions.

mod content;
mod jsonrpc;
mod types;
mod version;

pub use content::{Content, ContentAnnotations, ResourceContents};
pub(crate) use jsonrpc::borrow_str;
pub use jsonrpc::{
    code, encode_error, encode_notification, encode_request, encode_result, DecodeError, Incoming,
    RequestId, RpcError,
};
pub use types::{
    CallToolResult, ElicitAction, ElicitResult, GetPromptResult, Icon, IconTheme, Implementation,
    ListToolsResult, LogLevel, ProgressToken, Prompt, PromptArgument, PromptMessage, RequestMeta,
    Resource, ResourceTemplate, Role, Tool, ToolAnnotations,
};
pub use version::{Era, ProtocolVersion};

/// The `_meta` key under which this runtime publishes a capability's permission metadata.
pub const PERMISSION_META_KEY: &str = "mcp-runtime/permission";
