//! Capabilities a server exposes: descriptors, the handler traits that `#[tool]` output
//! implements, schemas, injected parameters and result conversion.

mod output;
mod schema;
mod tool;

pub use output::{IntoToolResult, Json, ToolError};
pub use schema::{sanitize, schema_for, SchemaObject};
pub use tool::{
    ArgumentError, Arguments, FromToolCall, MethodTool, Provider, State, StateRequirement,
    ToolArgument, ToolCall, ToolDescriptor, ToolFuture, ToolHandler, ToolHints,
};
