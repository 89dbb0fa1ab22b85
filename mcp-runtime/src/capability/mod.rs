//! Capabilities a server exposes: descriptors, the handler traits that `#[tool]` output
//! implements, schemas, injected parameters and result conversion.
//!
//! What is here is what a handler written by hand needs. The pieces only generated code
//! uses (argument decoding, the schema builder, the adapter of `#[mcp_server]` methods)
//! live in the macro support module, `crate::__private::v1`.

mod app;
mod completion;
mod core;
mod output;
mod prompt;
mod register;
mod request_error;
mod resource;
mod schema;
mod tool;
mod uri_template;

pub use app::{AppPermission, AppView, UiVisibility, APP_EXTENSION, APP_MIME_TYPE};
pub use completion::Completer;
pub use core::{CapabilityCore, StateRequirement};
pub use output::{IntoToolResult, Json, ToolError};
pub use prompt::{
    FromPromptArgument, IntoPromptResult, PromptCall, PromptDescriptor, PromptFuture, PromptHandler,
};
pub use request_error::RequestError;
pub use resource::{
    Blob, FromUriVariable, IntoResourceContents, ResourceDescriptor, ResourceFuture,
    ResourceHandler, ResourceRead,
};
pub(crate) use schema::omittable_optionals;
pub use schema::{sanitize, schema_for, OptionalParameters, SchemaObject};
pub use tool::{
    ArgumentError, Arguments, FnTool, FromContext, HeaderParam, State, ToolCall, ToolDescriptor,
    ToolFuture, ToolHandler, ToolHints,
};
pub use uri_template::{UriTemplate, UriTemplateError};
