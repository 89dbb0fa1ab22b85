//! The runtime's own errors: a server that cannot start, or a transport that failed.

use std::io;

/// Why a server could not be built or stopped serving.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Two registered tools share a name.
    #[error("two tools are named `{0}`; tool names must be unique within a server (rename one with `#[tool(name = \"...\")]`)")]
    DuplicateTool(String),
    /// A tool's name breaks the specification's rules.
    #[error(
        "invalid tool name `{0}`: use 1 to 128 characters from A-Z, a-z, 0-9, `_`, `-` and `.`"
    )]
    InvalidToolName(String),
    /// A tool's input schema mirrors parameters into headers (`x-mcp-header`) in a way the
    /// specification forbids.
    #[error("tool `{tool}` has an invalid input schema: {reason}")]
    InvalidHeaderParam {
        /// The tool's name.
        tool: String,
        /// What is wrong.
        reason: String,
    },
    /// Two resources share a URI, or two resource templates a URI template.
    #[error("two resources are registered for `{0}`; each URI (or URI template) must be unique")]
    DuplicateResource(String),
    /// A resource's URI template cannot be parsed.
    #[error(transparent)]
    InvalidUriTemplate(#[from] crate::capability::UriTemplateError),
    /// Two prompts share a name.
    #[error("two prompts are named `{0}`; prompt names must be unique within a server")]
    DuplicatePrompt(String),
    /// A prompt's name breaks the specification's rules.
    #[error(
        "invalid prompt name `{0}`: use 1 to 128 characters from A-Z, a-z, 0-9, `_`, `-` and `.`"
    )]
    InvalidPromptName(String),
    /// No tool, prompt or resource has this name (or URI).
    #[error("no tool, prompt or resource is named `{0}`")]
    UnknownCapability(String),
    /// A tool, resource or prompt extracts `State<T>` but no `T` was registered.
    #[error("{kind} `{name}` takes `State<{type_name}>`, but no `{type_name}` was registered; add `.state(...)` with one to the `Server`")]
    MissingState {
        /// What kind of capability: `tool`, `resource` or `prompt`.
        kind: &'static str,
        /// The capability's name (a resource's URI).
        name: String,
        /// The missing state type.
        type_name: &'static str,
    },
    /// An icon of the server or of a capability breaks the rules (its source is not `https:`
    /// or `data:image/...`, its MIME type not `image/...`, a size not `WxH` or `any`).
    #[error("{kind} `{name}`: {reason}")]
    InvalidIcon {
        /// What it is an icon of: `server`, `tool`, `resource` or `prompt`.
        kind: &'static str,
        /// The server's or the capability's name (a resource's URI).
        name: String,
        /// What is wrong.
        reason: String,
    },
    /// A resource registered as an MCP Apps view is not a fixed `ui://` resource, or lists
    /// an origin that is not `scheme://host`.
    #[error("MCP Apps view `{uri}`: {reason}")]
    InvalidAppView {
        /// The resource's URI.
        uri: String,
        /// What is wrong.
        reason: String,
    },
    /// A tool names an MCP Apps view (`#[tool(ui = "ui://...")]`) that no registered
    /// resource is.
    #[error("tool `{tool}` shows its results in `{uri}`, but no MCP Apps view has that URI; register a `#[resource(\"{uri}\", app)]`")]
    UnknownAppView {
        /// The tool's name.
        tool: String,
        /// The URI it names.
        uri: String,
    },
    /// The function given to [`Server::state_with`](crate::Server::state_with) failed, so
    /// the server cannot be served.
    #[error("cannot make the server's `{type_name}` state: {source}")]
    StateInit {
        /// The type the function was to make.
        type_name: &'static str,
        /// The function's error, which says what could not be done.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A skill given to [`Server::skills_dir`](crate::Server::skills_dir) or
    /// [`Server::skill`](crate::Server::skill) breaks a rule of the skills extension, or one
    /// of its files cannot be read.
    #[error("cannot serve the skill file {file}: {reason}")]
    InvalidSkill {
        /// The file: its path on disk, or its URI for a skill written in code.
        file: String,
        /// The rule it breaks, or why it cannot be read.
        reason: String,
    },
    /// The peer answered a request with an error.
    #[error("the peer answered with an error: {0}")]
    Protocol(#[from] crate::protocol::RpcError),
    /// The permission policy (file or environment) is malformed.
    #[error("invalid permission policy: {0}")]
    Policy(#[from] crate::permission::PolicyError),
    /// The command line could not be understood.
    #[error("{0}")]
    Usage(String),
    /// The task store named by a URL (`--store`, `MCP_STORE`, `Server::store_url`) cannot be
    /// opened: this build cannot open it, or it cannot be reached. The message names the URL.
    #[error("{0}")]
    TaskStore(String),
    /// The store shared with other replicas could not record a change (a capability switched
    /// off or on), which was therefore made nowhere. The message names the store.
    #[error("{0}")]
    Store(String),
    /// The HTTP transport could not listen on its address.
    #[error("cannot listen on {address}: {source}")]
    Bind {
        /// The address asked for.
        address: std::net::SocketAddr,
        /// The underlying error (such as "Address already in use").
        #[source]
        source: io::Error,
    },
    /// Reading or writing the transport failed.
    #[error("{transport} transport I/O failed: {source}")]
    Io {
        /// The transport that failed.
        transport: &'static str,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
}

/// `Result` with the runtime's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
