//! `cargo mcp inspect`: a command-line MCP client that lists a server's capabilities, with the
//! risk level of each, and calls a tool, reads a resource or gets a prompt.
//!
//! It reaches a server over stdio (a child process) or streamable HTTP, in either era of the
//! protocol:
//!
//! * `2026-07-28`: no handshake. Every request carries the protocol version, the client's
//!   information and capabilities in `params._meta`; over HTTP it also carries the
//!   `MCP-Protocol-Version`, `Mcp-Method` and `Mcp-Name` headers (and an `Mcp-Param-*` header
//!   for each argument the tool's input schema marks with `x-mcp-header`). The server
//!   describes itself in answer to `server/discover`.
//! * `2025-11-25` and `2025-06-18`: an `initialize` request and an `initialized`
//!   notification first; over HTTP, the `Mcp-Session-Id` the server gives is sent back with
//!   every later message, with the `MCP-Protocol-Version` agreed on.
//!
//! With [`Protocol::Auto`] the client sends `server/discover` and falls back to the handshake
//! when the server refuses it.
//!
//! ```
//! use cargo_mcp::inspect::{arguments, Protocol};
//! use serde_json::json;
//!
//! assert_eq!(Protocol::parse("2025-11-25"), Some(Protocol::V2025_11_25));
//! let schema = json!({"properties": {"a": {"type": "number"}, "name": {"type": "string"}}});
//! let pairs = ["a=2".to_owned(), "name=007".to_owned()];
//! assert_eq!(arguments(&pairs, Some(&schema))?, json!({"a": 2, "name": "007"}));
//! # Ok::<(), cargo_mcp::inspect::Error>(())
//! ```

mod arguments;
mod client;
mod render;
pub mod transport;

use std::fmt;
use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use serde_json::Value;

pub use arguments::arguments;
pub use client::Client;
use transport::{HttpTransport, ServerLog, StdioTransport, Transport};

/// The `_meta` key under which mcp-runtime servers describe each capability's permission.
pub const PERMISSION_META_KEY: &str = "mcp-runtime/permission";

/// What went wrong, with one line saying what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// A command line that cannot be acted on (a bad `KEY=VALUE`, an unknown tool).
    Usage(String),
    /// The server could not be started or reached, stopped answering, or answered something
    /// that is not MCP.
    Connection(String),
    /// The server answered with an HTTP error status and no JSON-RPC error.
    Http {
        /// The status code.
        status: u16,
        /// What happened and what to do.
        message: String,
    },
    /// The server answered the request with a JSON-RPC error.
    Rpc {
        /// The JSON-RPC error code.
        code: i64,
        /// The error's message.
        message: String,
    },
}

impl Error {
    /// The JSON-RPC error in a response, if it carries one.
    pub fn from_rpc(response: &Value) -> Option<Error> {
        let error = response.get("error")?;
        Some(Error::Rpc {
            code: error["code"].as_i64().unwrap_or_default(),
            message: error["message"].as_str().unwrap_or_default().to_owned(),
        })
    }

    /// The exit status of `cargo mcp inspect` for this error: 1 when the server answered
    /// with an error, 2 for everything else.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Rpc { .. } => 1,
            _ => 2,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Usage(message) | Error::Connection(message) => f.write_str(message),
            Error::Http { message, .. } => f.write_str(message),
            Error::Rpc { code, message } => {
                write!(f, "the server answered with error {code}: {message}")
            }
        }
    }
}

impl std::error::Error for Error {}

/// The protocol revision to speak.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Protocol {
    /// `2026-07-28` when the server answers `server/discover`, else the `2025-11-25`
    /// handshake (whose answer may settle on an older revision).
    #[default]
    Auto,
    /// `2026-07-28`: no handshake, metadata on every request.
    V2026_07_28,
    /// `2025-11-25`: the `initialize` handshake.
    V2025_11_25,
    /// `2025-06-18`: the `initialize` handshake.
    V2025_06_18,
}

impl Protocol {
    /// Every choice, with its name on the command line.
    pub const ALL: [(Protocol, &'static str); 4] = [
        (Protocol::Auto, "auto"),
        (Protocol::V2026_07_28, "2026-07-28"),
        (Protocol::V2025_11_25, "2025-11-25"),
        (Protocol::V2025_06_18, "2025-06-18"),
    ];

    /// Parses a name on the command line (`auto`, `2026-07-28`, `2025-11-25`, `2025-06-18`).
    pub fn parse(name: &str) -> Option<Protocol> {
        Self::ALL
            .into_iter()
            .find(|(_, known)| *known == name)
            .map(|(protocol, _)| protocol)
    }
}

/// Where the server is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    /// An executable started as a child process, speaking stdio.
    Stdio {
        /// The executable.
        command: PathBuf,
        /// Its arguments.
        args: Vec<String>,
        /// Where its standard error goes.
        log: ServerLog,
    },
    /// A streamable HTTP endpoint.
    Http {
        /// The endpoint's URL.
        url: String,
        /// Headers sent with every message (such as `Authorization`).
        headers: Vec<(String, String)>,
    },
}

/// What to ask the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// List tools, resources, resource templates and prompts.
    List,
    /// Call a tool.
    Call {
        /// The tool's name.
        tool: String,
        /// `KEY=VALUE` pairs, read with [`arguments`] against the tool's input schema.
        pairs: Vec<String>,
        /// `--args JSON`: the arguments as one JSON object, instead of pairs.
        json: Option<String>,
    },
    /// Read a resource.
    Read {
        /// The resource's URI.
        uri: String,
    },
    /// Get a prompt.
    Prompt {
        /// The prompt's name.
        name: String,
        /// `KEY=VALUE` pairs; a prompt's arguments are strings.
        pairs: Vec<String>,
    },
}

/// Everything `cargo mcp inspect` was asked to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// Where the server is.
    pub endpoint: Endpoint,
    /// The protocol revision to speak.
    pub protocol: Protocol,
    /// What to ask.
    pub action: Action,
    /// Print the results as JSON instead of text.
    pub json: bool,
    /// How long to wait for each answer.
    pub timeout: Duration,
}

/// How an inspection that reached the server ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Everything asked for was answered.
    Done,
    /// The tool answered with `isError: true` (its content was printed).
    ToolError,
}

/// Connects to the server, does what `options` asks, prints the result to `out` and closes
/// the connection.
pub fn run(options: &Options, out: &mut dyn Write) -> Result<Outcome, Error> {
    // Mistyped arguments are reported before any server is started or reached.
    match &options.action {
        Action::Call {
            json: Some(text), ..
        } => {
            arguments::args_object(text)?;
        }
        Action::Call { pairs, .. } | Action::Prompt { pairs, .. } => {
            arguments(pairs, None)?;
        }
        Action::List | Action::Read { .. } => {}
    }
    let transport: Box<dyn Transport> = match &options.endpoint {
        Endpoint::Stdio { command, args, log } => Box::new(StdioTransport::spawn(
            command,
            args,
            log.clone(),
            options.timeout,
        )?),
        Endpoint::Http { url, headers } => {
            Box::new(HttpTransport::new(url, headers.clone(), options.timeout))
        }
    };
    let mut client = Client::connect(transport, options.protocol)?;
    let outcome = act(&mut client, options, out);
    client.close();
    outcome
}

fn act(client: &mut Client, options: &Options, out: &mut dyn Write) -> Result<Outcome, Error> {
    let (result, render): (Value, fn(&Value) -> String) = match &options.action {
        Action::List => (client.listing()?, render::listing),
        Action::Call { tool, pairs, json } => {
            (client.call(tool, pairs, json.as_deref())?, render::call)
        }
        Action::Read { uri } => (client.read(uri)?, render::read),
        Action::Prompt { name, pairs } => (client.prompt(name, pairs)?, render::prompt),
    };
    let text = if options.json {
        pretty(&result)
    } else {
        render(&result)
    };
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| Error::Usage(format!("cannot write to stdout: {e}")))?;
    let failed = matches!(options.action, Action::Call { .. }) && result["isError"] == true;
    Ok(if failed {
        Outcome::ToolError
    } else {
        Outcome::Done
    })
}

fn pretty(value: &Value) -> String {
    let mut text = serde_json::to_string_pretty(value).unwrap_or_default();
    text.push('\n');
    text
}
