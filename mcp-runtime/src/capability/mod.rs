//! Capabilities a server exposes: descriptors, the handler traits that `#[tool]` output
//! implements, schemas, injected parameters and result conversion.

mod arguments;
mod output;
mod schema;
mod tool;

pub use arguments::{expecting_arguments, missing_argument, ArgumentKey, InputSchema};
pub use output::{IntoToolResult, Json, ToolError};
pub use schema::{sanitize, schema_for, SchemaObject};
pub use tool::{
    ArgumentError, Arguments, FromToolCall, MethodTool, Provider, State, StateRequirement,
    ToolCall, ToolDescriptor, ToolFuture, ToolHandler, ToolHints,
};
