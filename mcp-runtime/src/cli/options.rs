//! The runtime's options as a value ([`Options`]), and the parser `serve_with_args` reads them
//! with (lexopt).

use std::ffi::{OsStr, OsString};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::error::{Error, Result};

/// The transports a server can be asked to use (`--transport`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Transport {
    /// Standard input and output: the client starts the server (the default).
    #[default]
    Stdio,
    /// Streamable HTTP; only a build with the `http` feature accepts it.
    Http,
}

/// The clients `--print-config` writes a configuration for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Client {
    /// Claude Desktop (`claude_desktop_config.json`); also spelt `claude`.
    ClaudeDesktop,
    /// VS Code (`.vscode/mcp.json`); also spelt `vs-code` or `code`.
    VsCode,
    /// Cursor (`.cursor/mcp.json`).
    Cursor,
}

/// What the command line asks the runtime to do.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) enum Action {
    #[default]
    Serve,
    Manifest,
    PrintConfig(Client),
}

/// The runtime's command-line options: `--transport`, `--bind`, `--policy`, `--audit`,
/// `--store`, `--state-key`, `--shutdown-grace`, `--metrics`, `--metrics-bind`,
/// `--otlp-endpoint`, `--manifest` and `--print-config`, parsed and checked.
///
/// [`Serve::serve_with`](crate::Serve::serve_with) serves a server as they say. A server
/// with options of its own embeds them in its own parser: with the `clap` feature, this type
/// implements `clap::Args`, so that `#[command(flatten)]` puts the runtime's options next to
/// the server's, in one `--help` (see [the module](crate::cli)). The default value serves on
/// standard input and output with the server's own policy.
///
/// ```
/// use mcp_runtime::cli::{Options, Transport};
///
/// let options = Options::default();
/// assert_eq!(options.transport(), Transport::Stdio);
/// assert!(options.serves());
/// assert_eq!(options.policy(), None);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Options {
    pub(crate) transport: Transport,
    pub(crate) bind: Option<SocketAddr>,
    pub(crate) policy: Option<PathBuf>,
    pub(crate) audit: Option<PathBuf>,
    pub(crate) shutdown_grace: Option<Duration>,
    pub(crate) metrics: bool,
    pub(crate) metrics_bind: Option<SocketAddr>,
    pub(crate) store: Option<String>,
    pub(crate) state_keys: Vec<StateKey>,
    pub(crate) otlp_endpoint: Option<String>,
    pub(crate) action: Action,
}

impl Options {
    /// The transport (`--transport`; default: stdio).
    pub fn transport(&self) -> Transport {
        self.transport
    }

    /// Where the HTTP transport listens (`--bind`), if given.
    pub fn bind(&self) -> Option<SocketAddr> {
        self.bind
    }

    /// The permission policy file (`--policy`), if given. `MCP_POLICY` is read when the
    /// server is served, not here.
    pub fn policy(&self) -> Option<&Path> {
        self.policy.as_deref()
    }

    /// Whether the HTTP transport serves the metrics at `/metrics` (`--metrics`).
    pub fn metrics(&self) -> bool {
        self.metrics
    }

    /// Where a listener of their own serves the metrics (`--metrics-bind`), if given.
    pub fn metrics_bind(&self) -> Option<SocketAddr> {
        self.metrics_bind
    }

    /// The URL of the task store shared by replicas (`--store redis://HOST:PORT[/DB]`), if
    /// given. `MCP_STORE` is read when the server is served, not here.
    pub fn store(&self) -> Option<&str> {
        self.store.as_deref()
    }

    /// The keys that seal `requestState` (`--state-key`, repeated; the first seals, every
    /// one opens), decoded. `MCP_STATE_KEYS` is read when the server is served, not here.
    pub fn state_keys(&self) -> impl Iterator<Item = &[u8]> {
        self.state_keys.iter().map(|key| key.0.as_slice())
    }

    /// The OpenTelemetry collector the request spans and metrics are exported to
    /// (`--otlp-endpoint`), if given. The `OTEL_EXPORTER_OTLP_*` variables are read when the
    /// server is served, not here.
    pub fn otlp_endpoint(&self) -> Option<&str> {
        self.otlp_endpoint.as_deref()
    }

    /// The audit file (`--audit`), if given.
    pub fn audit(&self) -> Option<&Path> {
        self.audit.as_deref()
    }

    /// How long calls in progress may take to finish on SIGINT or SIGTERM
    /// (`--shutdown-grace`), if given.
    pub fn shutdown_grace(&self) -> Option<Duration> {
        self.shutdown_grace
    }

    /// True with `--manifest`: print the capabilities and exit.
    pub fn manifest(&self) -> bool {
        self.action == Action::Manifest
    }

    /// The client of `--print-config`, if given: print its configuration and exit.
    pub fn print_config(&self) -> Option<Client> {
        match self.action {
            Action::PrintConfig(client) => Some(client),
            _ => None,
        }
    }

    /// True when the server is to be served: neither `--manifest` nor `--print-config`,
    /// which only describe it. A server checks what serving needs (a required option of its
    /// own) only then.
    ///
    /// ```
    /// assert!(mcp_runtime::cli::Options::default().serves());
    /// ```
    pub fn serves(&self) -> bool {
        self.action == Action::Serve
    }
}

/// A key that seals `requestState`, given on the command line; never shown.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct StateKey(pub(crate) Vec<u8>);

impl std::fmt::Debug for StateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StateKey(***)")
    }
}

/// What the command line asks for. Made once per process: its size does not matter.
#[derive(Debug, PartialEq, Eq)]
#[allow(clippy::large_enum_variant)]
pub(crate) enum Command {
    Run(Options),
    Help,
    Version,
}

/// The help of one of the runtime's options, as `clap::Args` shows it.
#[cfg(any(feature = "clap", test))]
pub(crate) struct OptionHelp {
    pub(crate) name: &'static str,
    pub(crate) value: Option<&'static str>,
    pub(crate) help: &'static str,
}

/// Every option `--help` lists, in order, `-h` and `-V` aside: the texts of [`usage`].
#[cfg(any(feature = "clap", test))]
pub(crate) fn option_help() -> Vec<OptionHelp> {
    let option = |name, value, help| OptionHelp { name, value, help };
    let mut options = Vec::new();
    if cfg!(feature = "http") {
        options.push(option(
            "transport",
            Some("stdio|http"),
            "how to talk to clients (default: stdio)",
        ));
        options.push(option(
            "bind",
            Some("HOST:PORT"),
            "where the http transport listens (default: 127.0.0.1:8080)",
        ));
    } else {
        options.push(option(
            "transport",
            Some("stdio"),
            "how to talk to clients (this build has no http transport)",
        ));
    }
    options.extend([
        option("policy", Some("FILE"), "permission policy, TOML (default: $MCP_POLICY, if set)"),
        option("audit", Some("FILE"), "append an audit record per decision and call (JSON lines)"),
        option(
            "store",
            Some("URL"),
            "keep tasks in the store shared by replicas, redis://HOST:PORT[/DB] (default: $MCP_STORE, if set; else in memory)",
        ),
        option(
            "state-key",
            Some("KEY"),
            "a key (base64, 32 bytes or more) that seals the state of multi round-trip requests; repeat it to keep accepting older keys, the first sealing (default: $MCP_STATE_KEYS, comma-separated, if set)",
        ),
        option(
            "shutdown-grace",
            Some("SECONDS"),
            "on SIGINT or SIGTERM, how long calls in progress may take to finish before they are cancelled (default: 10)",
        ),
        option("manifest", None, "print every capability with its risk and scopes as JSON, and exit"),
        option(
            "print-config",
            Some("CLIENT"),
            "print the configuration for a client (claude-desktop, vscode, cursor) that starts this server with the other options given, and exit",
        ),
    ]);
    if cfg!(all(feature = "metrics", feature = "http")) {
        options.push(option(
            "metrics",
            None,
            "serve metrics (Prometheus text format) at /metrics on the http transport's listener",
        ));
        options.push(option(
            "metrics-bind",
            Some("HOST:PORT"),
            "serve metrics (Prometheus text format) at http://HOST:PORT/metrics, on a listener of their own",
        ));
    }
    if cfg!(feature = "otel") {
        options.push(option(
            "otlp-endpoint",
            Some("URL"),
            "export the request spans and metrics over OTLP/HTTP to the collector at URL (default: $OTEL_EXPORTER_OTLP_ENDPOINT, if set)",
        ));
    }
    options
}

/// What `--help` says after the options.
pub(crate) const AFTER_HELP: &str =
    "Policy keys can also be set with MCP_POLICY_ALLOW_UP_TO, MCP_POLICY_CONFIRM_UP_TO,\n\
     MCP_POLICY_ALLOW, MCP_POLICY_DENY (comma-separated globs) and MCP_POLICY_SHOW_DENIED;\n\
     they win over the file, which wins over the server's code.\n\n\
     Logs go to standard error; set RUST_LOG (e.g. RUST_LOG=debug) for more.";

/// `--help` of `serve_with_args`. The texts are those of [`option_help`] and [`AFTER_HELP`],
/// wrapped by hand.
pub(crate) fn usage(program: &str) -> String {
    let http = if cfg!(feature = "http") {
        "         --transport <stdio|http>   how to talk to clients (default: stdio)\n  \
         --bind <HOST:PORT>         where the http transport listens (default: 127.0.0.1:8080)\n  "
    } else {
        "         --transport stdio          how to talk to clients (this build has no http transport)\n  "
    };
    let metrics = if cfg!(all(feature = "metrics", feature = "http")) {
        "--metrics                  serve metrics (Prometheus text format) at /metrics on the http\n                             \
transport's listener\n  \
         --metrics-bind <HOST:PORT> serve metrics (Prometheus text format) at\n                             \
http://HOST:PORT/metrics, on a listener of their own\n  \
         "
    } else {
        ""
    };
    let otel = if cfg!(feature = "otel") {
        "--otlp-endpoint <URL>      export the request spans and metrics over OTLP/HTTP to the collector at URL\n                             \
(default: $OTEL_EXPORTER_OTLP_ENDPOINT, if set)\n  \
         "
    } else {
        ""
    };
    format!(
        "Usage: {program} [OPTIONS]\n\n\
         Options:\n  {http}\
         --policy <FILE>            permission policy, TOML (default: $MCP_POLICY, if set)\n  \
         --audit <FILE>             append an audit record per decision and call (JSON lines)\n  \
         --store <URL>              keep tasks in the store shared by replicas,\n                             \
redis://HOST:PORT[/DB] (default: $MCP_STORE, if set; else in memory)\n  \
         --state-key <KEY>          a key (base64, 32 bytes or more) that seals the state of multi\n                             \
round-trip requests; repeat it to keep accepting older keys, the first sealing (default:\n                             \
$MCP_STATE_KEYS, comma-separated, if set)\n  \
         --shutdown-grace <SECONDS> on SIGINT or SIGTERM, how long calls in progress may take to\n                             \
finish before they are cancelled (default: 10)\n  \
         --manifest                 print every capability with its risk and scopes as JSON, and exit\n  \
         --print-config <CLIENT>    print the configuration for a client (claude-desktop, vscode,\n                             \
cursor) that starts this server with the other options given, and exit\n  \
         {metrics}{otel}-h, --help                 print this help\n  \
         -V, --version              print the server's name and version\n\n\
         {AFTER_HELP}\n"
    )
}

/// Reads `--transport`.
pub(crate) fn transport(value: &str) -> Result<Transport> {
    match value {
        "stdio" => Ok(Transport::Stdio),
        "http" if cfg!(feature = "http") => Ok(Transport::Http),
        "http" => Err(Error::Usage(
            "this build has no http transport (the `http` feature of mcp-runtime is off); use --transport stdio".into(),
        )),
        _ => Err(Error::Usage(format!(
            "unknown transport `{value}`; expected: stdio, http"
        ))),
    }
}

/// Reads `--print-config`.
pub(crate) fn client(value: &str) -> Result<Client> {
    match value {
        "claude-desktop" | "claude" => Ok(Client::ClaudeDesktop),
        "vscode" | "vs-code" | "code" => Ok(Client::VsCode),
        "cursor" => Ok(Client::Cursor),
        _ => Err(Error::Usage(format!(
            "unknown client `{value}`; expected: claude-desktop, vscode, cursor"
        ))),
    }
}

/// Reads `--shutdown-grace`: seconds, fractions allowed.
pub(crate) fn grace(text: &str) -> Result<Duration> {
    text.parse::<f64>()
        .ok()
        .and_then(|seconds| Duration::try_from_secs_f64(seconds).ok())
        .ok_or_else(|| {
            Error::Usage(format!(
                "invalid --shutdown-grace `{text}`; expected a number of seconds such as 10 or 0.5"
            ))
        })
}

/// Reads `--bind`: an IP address or a host name, with a port (`localhost:8080`).
pub(crate) fn bind_address(text: &str) -> Result<SocketAddr> {
    use std::net::ToSocketAddrs;
    if let Ok(address) = text.parse() {
        return Ok(address);
    }
    let invalid = |why: String| {
        Error::Usage(format!(
            "invalid --bind `{text}`: {why}; expected a host and port such as 127.0.0.1:8080 or localhost:8080"
        ))
    };
    if !text
        .rsplit_once(':')
        .is_some_and(|(host, port)| !host.is_empty() && port.parse::<u16>().is_ok())
    {
        return Err(invalid("no port".to_owned()));
    }
    let mut addresses = text
        .to_socket_addrs()
        .map_err(|e| invalid(format!("cannot resolve it ({e})")))?;
    addresses
        .next()
        .ok_or_else(|| invalid("it resolves to no address".to_owned()))
}

/// `true` in a build that serves metrics; the error names `option` otherwise.
pub(crate) fn metrics_available(option: &str) -> Result<bool> {
    if cfg!(all(feature = "metrics", feature = "http")) {
        Ok(true)
    } else {
        Err(Error::Usage(format!(
            "{option}: this build serves no metrics (they need the `metrics` and `http` features of mcp-runtime)"
        )))
    }
}

/// Reads `--metrics-bind`, as `--bind` is read.
pub(crate) fn metrics_address(text: &str) -> Result<SocketAddr> {
    bind_address(text).map_err(|e| match e {
        Error::Usage(message) => Error::Usage(message.replacen("--bind", "--metrics-bind", 1)),
        other => other,
    })
}

/// Reads `--store`: a URL naming a store this build can open.
pub(crate) fn store_url(value: &str) -> Result<String> {
    crate::tasks::check_url(value)
        .map(|()| value.to_owned())
        .map_err(|why| Error::Usage(format!("--store {why}")))
}

/// Reads a key that seals `requestState`: base64 (standard or URL-safe alphabet, padded or
/// not) of 32 bytes or more. The error names `option` and never shows the key.
pub(crate) fn state_key(option: &str, text: &str) -> Result<StateKey> {
    use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
    use base64::engine::DecodePaddingMode;
    use base64::Engine;
    let lenient =
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent);
    let standard = GeneralPurpose::new(&base64::alphabet::STANDARD, lenient);
    let url_safe = GeneralPurpose::new(&base64::alphabet::URL_SAFE, lenient);
    let text = text.trim();
    let key = standard
        .decode(text)
        .or_else(|_| url_safe.decode(text))
        .map_err(|_| {
            Error::Usage(format!(
                "{option}: a key is base64 (such as the output of `openssl rand -base64 32`); this one is not"
            ))
        })?;
    if key.len() < crate::server::MIN_STATE_KEY_BYTES {
        return Err(Error::Usage(format!(
            "{option}: a key must hold at least {} bytes; this one holds {} (make one with `openssl rand -base64 32`)",
            crate::server::MIN_STATE_KEY_BYTES,
            key.len()
        )));
    }
    Ok(StateKey(key))
}

/// Reads `MCP_STATE_KEYS`: keys as [`state_key`] reads them, separated by commas.
pub(crate) fn state_keys(variable: &str, text: &str) -> Result<Vec<StateKey>> {
    text.split(',')
        .filter(|key| !key.trim().is_empty())
        .map(|key| state_key(variable, key))
        .collect()
}

/// Reads `--otlp-endpoint`: an `http://` or `https://` URL, in a build that exports traces.
pub(crate) fn otlp_endpoint(text: &str) -> Result<String> {
    if !cfg!(feature = "otel") {
        return Err(Error::Usage(
            "--otlp-endpoint: this build exports no traces (they need the `otel` feature of mcp-runtime)".into(),
        ));
    }
    match text
        .strip_prefix("http://")
        .or_else(|| text.strip_prefix("https://"))
    {
        Some(rest) if !rest.is_empty() => Ok(text.to_owned()),
        _ => Err(Error::Usage(format!(
            "invalid --otlp-endpoint `{text}`; expected an http:// or https:// URL such as http://127.0.0.1:4318"
        ))),
    }
}

/// Reads `--policy`: a path, in a build that can read policy files.
pub(crate) fn policy_path(value: &OsStr) -> Result<PathBuf> {
    if cfg!(feature = "policy-file") {
        Ok(value.into())
    } else {
        Err(Error::Usage(NO_POLICY_FILES.into()))
    }
}

/// Why `--policy` and `MCP_POLICY` fail in a build without the `policy-file` feature.
pub(crate) const NO_POLICY_FILES: &str = "this build cannot read policy files (the `policy-file` feature of mcp-runtime is off); set the policy in code or with the MCP_POLICY_* variables";

/// What the options say together: `--bind` needs `--transport http`, and `--manifest` and
/// `--print-config` exclude each other.
pub(crate) fn action(
    options: &Options,
    manifest: bool,
    print_config: Option<Client>,
) -> Result<Action> {
    if options.bind.is_some() && options.transport != Transport::Http {
        return Err(Error::Usage(
            "--bind only applies to --transport http".into(),
        ));
    }
    if options.metrics && options.transport != Transport::Http {
        return Err(Error::Usage(
            "--metrics serves /metrics on the http transport's listener; with --transport stdio, give --metrics-bind HOST:PORT".into(),
        ));
    }
    match (manifest, print_config) {
        (true, Some(_)) => Err(Error::Usage(
            "--manifest and --print-config each print and exit; give one".into(),
        )),
        (true, None) => Ok(Action::Manifest),
        (false, Some(client)) => Ok(Action::PrintConfig(client)),
        (false, None) => Ok(Action::Serve),
    }
}

/// Parses the runtime's options (the program name left out).
pub(crate) fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Command> {
    use lexopt::prelude::*;
    let mut parser = lexopt::Parser::from_args(args);
    let mut options = Options::default();
    let mut manifest = false;
    let mut print_config = None;
    let wrap = |e: lexopt::Error| Error::Usage(e.to_string());
    let value = |parser: &mut lexopt::Parser| parser.value().map_err(wrap);
    let text = |parser: &mut lexopt::Parser| -> Result<String> {
        Ok(value(parser)?.to_string_lossy().into_owned())
    };
    while let Some(arg) = parser.next().map_err(wrap)? {
        match arg {
            Long("transport") => options.transport = transport(&text(&mut parser)?)?,
            Long("bind") => options.bind = Some(bind_address(&text(&mut parser)?)?),
            Long("shutdown-grace") => options.shutdown_grace = Some(grace(&text(&mut parser)?)?),
            Long("policy") => {
                let path = policy_path(&value(&mut parser)?);
                options.policy = Some(path.map_err(|e| Error::Usage(format!("--policy: {e}")))?);
            }
            Long("audit") => options.audit = Some(value(&mut parser)?.into()),
            Long("store") => options.store = Some(store_url(&text(&mut parser)?)?),
            Long("state-key") => options
                .state_keys
                .push(state_key("--state-key", &text(&mut parser)?)?),
            Long("metrics") => options.metrics = metrics_available("--metrics")?,
            Long("metrics-bind") => {
                metrics_available("--metrics-bind")?;
                options.metrics_bind = Some(metrics_address(&text(&mut parser)?)?);
            }
            Long("otlp-endpoint") => {
                options.otlp_endpoint = Some(otlp_endpoint(&text(&mut parser)?)?);
            }
            Long("manifest") => manifest = true,
            Long("print-config") => print_config = Some(client(&text(&mut parser)?)?),
            Short('h') | Long("help") => return Ok(Command::Help),
            Short('V') | Long("version") => return Ok(Command::Version),
            other => return Err(Error::Usage(other.unexpected().to_string())),
        }
    }
    options.action = action(&options, manifest, print_config)?;
    Ok(Command::Run(options))
}
