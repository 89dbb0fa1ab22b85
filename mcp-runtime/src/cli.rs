//! Serving a [`Server`]: [`Serve::serve_stdio`], and [`Serve::serve_from_args`], the command
//! line every server built with this crate understands.

use std::ffi::{OsStr, OsString};
use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::error::{Error, Result};
use crate::permission::{AuditLog, Policy, POLICY_FILE_VAR};
use crate::server::Server;

/// The transports a server can be asked to use.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
enum Transport {
    #[default]
    Stdio,
    Http,
}

#[derive(Debug, Default, PartialEq, Eq)]
struct Options {
    transport: Transport,
    bind: Option<SocketAddr>,
    policy: Option<PathBuf>,
    audit: Option<PathBuf>,
    shutdown_grace: Option<Duration>,
}

/// The clients `--print-config` writes a configuration snippet for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Client {
    ClaudeDesktop,
    VsCode,
    Cursor,
}

#[derive(Debug, PartialEq, Eq)]
enum Command {
    Serve(Options),
    Manifest(Options),
    PrintConfig(Client, Options),
    Help,
    Version,
}

fn usage(program: &str) -> String {
    let http = if cfg!(feature = "http") {
        "         --transport <stdio|http>   how to talk to clients (default: stdio)\n  \
         --bind <HOST:PORT>         where the http transport listens (default: 127.0.0.1:8080)\n  "
    } else {
        "         --transport stdio          how to talk to clients (this build has no http transport)\n  "
    };
    format!(
        "Usage: {program} [OPTIONS]\n\n\
         Options:\n  {http}\
         --policy <FILE>            permission policy, TOML (default: $MCP_POLICY, if set)\n  \
         --audit <FILE>             append an audit record per decision and call (JSON lines)\n  \
         --shutdown-grace <SECONDS> on SIGINT or SIGTERM, how long calls in progress may take to\n                             \
finish before they are cancelled (default: 10)\n  \
         --manifest                 print every capability with its risk and scopes as JSON, and exit\n  \
         --print-config <CLIENT>    print the configuration for a client (claude-desktop, vscode,\n                             \
cursor) that starts this server with the other options given, and exit\n  \
         -h, --help                 print this help\n  \
         -V, --version              print the server's name and version\n\n\
         Policy keys can also be set with MCP_POLICY_ALLOW_UP_TO, MCP_POLICY_CONFIRM_UP_TO,\n\
         MCP_POLICY_ALLOW, MCP_POLICY_DENY (comma-separated globs) and MCP_POLICY_SHOW_DENIED;\n\
         they win over the file, which wins over the server's code.\n\n\
         Logs go to standard error; set RUST_LOG (e.g. RUST_LOG=debug) for more.\n"
    )
}

/// Reads `--transport`.
fn transport(value: &OsStr) -> Result<Transport> {
    match value.to_str() {
        Some("stdio") => Ok(Transport::Stdio),
        Some("http") if cfg!(feature = "http") => Ok(Transport::Http),
        Some("http") => Err(Error::Usage(
            "this build has no http transport (the `http` feature of mcp-runtime is off); use --transport stdio".into(),
        )),
        _ => Err(Error::Usage(format!(
            "unknown transport `{}`; expected: stdio, http",
            value.to_string_lossy()
        ))),
    }
}

/// Reads `--print-config`.
fn client(value: &OsStr) -> Result<Client> {
    match value.to_str() {
        Some("claude-desktop" | "claude") => Ok(Client::ClaudeDesktop),
        Some("vscode" | "vs-code" | "code") => Ok(Client::VsCode),
        Some("cursor") => Ok(Client::Cursor),
        _ => Err(Error::Usage(format!(
            "unknown client `{}`; expected: claude-desktop, vscode, cursor",
            value.to_string_lossy()
        ))),
    }
}

/// Reads `--shutdown-grace`: seconds, fractions allowed.
fn grace(value: &OsStr) -> Result<Duration> {
    let text = value.to_string_lossy();
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
fn bind_address(text: &str) -> Result<SocketAddr> {
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

fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Command> {
    use lexopt::prelude::*;
    let mut parser = lexopt::Parser::from_args(args);
    let mut options = Options::default();
    let mut manifest = false;
    let mut print_config = None;
    let wrap = |e: lexopt::Error| Error::Usage(e.to_string());
    while let Some(arg) = parser.next().map_err(wrap)? {
        match arg {
            Long("transport") => {
                options.transport = transport(&parser.value().map_err(wrap)?)?;
            }
            Long("bind") => {
                let value = parser.value().map_err(wrap)?;
                options.bind = Some(bind_address(&value.to_string_lossy())?);
            }
            Long("shutdown-grace") => {
                options.shutdown_grace = Some(grace(&parser.value().map_err(wrap)?)?);
            }
            Long("policy") if !cfg!(feature = "policy-file") => {
                return Err(Error::Usage(format!("--policy: {NO_POLICY_FILES}")))
            }
            Long("policy") => options.policy = Some(parser.value().map_err(wrap)?.into()),
            Long("audit") => options.audit = Some(parser.value().map_err(wrap)?.into()),
            Long("manifest") => manifest = true,
            Long("print-config") => {
                print_config = Some(client(&parser.value().map_err(wrap)?)?);
            }
            Short('h') | Long("help") => return Ok(Command::Help),
            Short('V') | Long("version") => return Ok(Command::Version),
            other => return Err(Error::Usage(other.unexpected().to_string())),
        }
    }
    if options.bind.is_some() && options.transport != Transport::Http {
        return Err(Error::Usage(
            "--bind only applies to --transport http".into(),
        ));
    }
    match (manifest, print_config) {
        (true, Some(_)) => Err(Error::Usage(
            "--manifest and --print-config each print and exit; give one".into(),
        )),
        (true, None) => Ok(Command::Manifest(options)),
        (false, Some(client)) => Ok(Command::PrintConfig(client, options)),
        (false, None) => Ok(Command::Serve(options)),
    }
}

/// Why `--policy` and `MCP_POLICY` fail in a build without the `policy-file` feature.
const NO_POLICY_FILES: &str = "this build cannot read policy files (the `policy-file` feature of mcp-runtime is off); set the policy in code or with the MCP_POLICY_* variables";

/// The policy from the server's code, then the file (`--policy` or `MCP_POLICY`), then the
/// environment, each winning per key.
fn effective_policy(code: Policy, file: Option<&PathBuf>) -> Result<Policy> {
    let mut policy = code;
    if let Some(file) = policy_file(file, std::env::var_os(POLICY_FILE_VAR))? {
        policy = policy.merge(file);
    }
    Ok(policy.merge(Policy::from_env()?))
}

/// The policy file named by `--policy`, else by the `MCP_POLICY` variable, read.
fn policy_file(flag: Option<&PathBuf>, var: Option<OsString>) -> Result<Option<Policy>> {
    let (source, path) = match (flag, var) {
        (Some(path), _) => ("--policy", path.clone()),
        (None, Some(var)) => (POLICY_FILE_VAR, PathBuf::from(var)),
        (None, None) => return Ok(None),
    };
    read_policy_file(source, &path).map(Some)
}

#[cfg(feature = "policy-file")]
fn read_policy_file(_source: &str, path: &Path) -> Result<Policy> {
    Ok(Policy::from_file(path)?)
}

#[cfg(not(feature = "policy-file"))]
fn read_policy_file(source: &str, path: &Path) -> Result<Policy> {
    Err(Error::Usage(format!(
        "{source} {}: {NO_POLICY_FILES}",
        path.display()
    )))
}

/// How a [`Server`] is served: on stdio, or as the command line says. In the prelude.
///
/// ```no_run
/// use mcp_runtime::prelude::*;
///
/// #[tokio::main]
/// async fn main() -> mcp_runtime::Result<()> {
///     Server::new("calculator", "1.0.0")
///         .serve_from_args() // --transport stdio|http --bind ... --policy ... --manifest
///         .await
/// }
/// ```
pub trait Serve: Sized + Send {
    /// Serves on standard input and output until the client closes standard input, or the
    /// process gets SIGINT or SIGTERM.
    fn serve_stdio(self) -> impl Future<Output = Result<()>> + Send;

    /// Serves as the command line says: `--transport stdio` (the default). `--help` prints
    /// the options.
    fn serve_from_args(self) -> impl Future<Output = Result<()>> + Send {
        self.serve_with_args(std::env::args_os())
    }

    /// Like [`Serve::serve_from_args`], with the command line given: the program name first,
    /// then the options. A server with options of its own parses those and passes the rest.
    fn serve_with_args(
        self,
        args: impl IntoIterator<Item = OsString>,
    ) -> impl Future<Output = Result<()>> + Send;

    /// Requires a bearer token on HTTP requests when the server is started with
    /// `--transport http` by [`Serve::serve_from_args`] (stdio is unaffected: its caller is
    /// the local user).
    #[cfg(feature = "http")]
    fn http_auth(self, auth: crate::transport::http::HttpAuth) -> Self;
}

impl Serve for Server {
    async fn serve_stdio(self) -> Result<()> {
        greet(&self.info.name, &self.info.version, None);
        let dispatcher = self.build()?;
        crate::transport::stdio::serve(dispatcher).await
    }

    fn serve_with_args(
        self,
        args: impl IntoIterator<Item = OsString>,
    ) -> impl Future<Output = Result<()>> + Send {
        serve_with_args(self, args.into_iter().collect())
    }

    #[cfg(feature = "http")]
    fn http_auth(self, auth: crate::transport::http::HttpAuth) -> Self {
        self.with_extension(auth)
    }
}

async fn serve_with_args(server: Server, args: Vec<OsString>) -> Result<()> {
    let mut args = args.into_iter();
    let program = args
        .next()
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_else(|| server.info.name.clone());
    let command = parse(args).map_err(|e| Error::Usage(format!("{e}\n\n{}", usage(&program))))?;
    match command {
        Command::Help => {
            print!("{}", usage(&program));
            Ok(())
        }
        Command::Version => {
            println!("{} {}", server.info.name, server.info.version);
            Ok(())
        }
        Command::Manifest(options) => {
            let policy = effective_policy(server.policy.clone(), options.policy.as_ref())?;
            let manifest = server.policy(policy).build_to_describe()?.manifest();
            let text = serde_json::to_string_pretty(&manifest).expect("a manifest serialises");
            println!("{text}");
            Ok(())
        }
        Command::PrintConfig(client, options) => {
            let program = std::env::current_exe()
                .map(|p| p.display().to_string())
                .unwrap_or(program);
            let text = client_config(client, &server.info.name, &program, &options);
            println!(
                "{}",
                serde_json::to_string_pretty(&text).expect("JSON serialises")
            );
            Ok(())
        }
        Command::Serve(options) => {
            init_logging();
            let policy = effective_policy(server.policy.clone(), options.policy.as_ref())?;
            let mut server = server.policy(policy);
            if let Some(path) = &options.audit {
                let log = AuditLog::to_file(path).map_err(|e| {
                    Error::Usage(format!(
                        "cannot open the audit file {}: {e}",
                        path.display()
                    ))
                })?;
                server = server.audit(log);
            }
            tracing::info!(name = %server.info.name, version = %server.info.version, transport = ?options.transport, "starting");
            match options.transport {
                Transport::Stdio => {
                    greet(&server.info.name, &server.info.version, Some(&program));
                    let mut config = crate::transport::stdio::StdioConfig::default();
                    if let Some(grace) = options.shutdown_grace {
                        config.shutdown_grace = grace;
                    }
                    crate::transport::stdio::serve_until(
                        server.build()?,
                        config,
                        crate::transport::shutdown_signal(),
                    )
                    .await
                }
                Transport::Http => serve_http(server, &options).await,
            }
        }
    }
}

/// When a person started the server in a terminal (standard input is one), says on standard
/// error what it waits for and how a client connects, instead of leaving a silent prompt.
fn greet(name: &str, version: &str, program: Option<&str>) {
    use std::io::IsTerminal;
    if !std::io::stdin().is_terminal() {
        return;
    }
    let connect = match program {
        Some(program) => format!(
            "To connect a client, add the configuration that\n  {program} --print-config claude-desktop   (or vscode, cursor)\nprints to the client's settings; the client then starts the server itself."
        ),
        None => "To connect a client, add this program to the client's MCP server settings; the client then starts it itself.".to_owned(),
    };
    eprintln!(
        "{name} {version} speaks MCP on standard input and output, and is waiting for a client's\nJSON-RPC messages (one per line). {connect}\nPress Ctrl-C to stop."
    );
}

/// The snippet that makes `client` start this server as the command line said.
fn client_config(
    client: Client,
    name: &str,
    program: &str,
    options: &Options,
) -> serde_json::Value {
    use serde_json::json;
    let absolute = |path: &PathBuf| {
        std::path::absolute(path)
            .unwrap_or_else(|_| path.clone())
            .display()
            .to_string()
    };
    let mut args = Vec::new();
    if let Some(policy) = &options.policy {
        args.extend(["--policy".to_owned(), absolute(policy)]);
    }
    if let Some(audit) = &options.audit {
        args.extend(["--audit".to_owned(), absolute(audit)]);
    }
    if let Some(grace) = options.shutdown_grace {
        args.extend([
            "--shutdown-grace".to_owned(),
            grace.as_secs_f64().to_string(),
        ]);
    }
    if options.transport == Transport::Http {
        let bind = options
            .bind
            .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 8080)));
        let url = format!("http://{bind}/mcp");
        return match client {
            // Claude Desktop starts local processes only; `mcp-remote` bridges to a URL.
            Client::ClaudeDesktop => json!({
                "mcpServers": { name: { "command": "npx", "args": ["-y", "mcp-remote", url] } }
            }),
            Client::VsCode => json!({ "servers": { name: { "type": "http", "url": url } } }),
            Client::Cursor => json!({ "mcpServers": { name: { "url": url } } }),
        };
    }
    match client {
        Client::ClaudeDesktop | Client::Cursor => json!({
            "mcpServers": { name: { "command": program, "args": args } }
        }),
        Client::VsCode => json!({
            "servers": { name: { "type": "stdio", "command": program, "args": args } }
        }),
    }
}

#[cfg(feature = "http")]
async fn serve_http(mut server: Server, options: &Options) -> Result<()> {
    let mut config = crate::transport::http::HttpConfig::default();
    if let Some(bind) = options.bind {
        config.bind = bind;
    }
    if let Some(grace) = options.shutdown_grace {
        config.shutdown_grace = grace;
    }
    config.auth = server.take_extension::<crate::transport::http::HttpAuth>();
    crate::transport::http::serve(server.build()?, config).await
}

#[cfg(not(feature = "http"))]
async fn serve_http(_: Server, _: &Options) -> Result<()> {
    Err(Error::Usage("this build has no http transport".into()))
}

/// Logs to standard error, filtered by `RUST_LOG` (default `info`). Standard output belongs
/// to the protocol. Does nothing if the application already installed a subscriber.
///
/// With the `env-filter` feature (on by default), `RUST_LOG` takes tracing-subscriber's full
/// [`EnvFilter`](https://docs.rs/tracing-subscriber/0.3/tracing_subscriber/filter/struct.EnvFilter.html)
/// syntax, span and field filters included. Without it, `RUST_LOG` takes comma-separated
/// `LEVEL` and `TARGET=LEVEL` directives (`RUST_LOG=debug`,
/// `RUST_LOG=info,mcp_runtime=debug`); a value it cannot take is reported on standard error
/// and logging stays at `info`.
pub fn init_logging() {
    #[cfg(feature = "env-filter")]
    {
        use tracing_subscriber::EnvFilter;
        let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
        let _ = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .with_ansi(false)
            .try_init();
    }
    #[cfg(not(feature = "env-filter"))]
    {
        use tracing_subscriber::layer::SubscriberExt;
        use tracing_subscriber::util::SubscriberInitExt;
        let value = std::env::var("RUST_LOG").ok();
        let filter = log_filter(value.as_deref()).unwrap_or_else(|error| {
            eprintln!("RUST_LOG: {error}; logging at info");
            log_filter(None).expect("the default filter")
        });
        let _ = tracing_subscriber::fmt()
            .with_writer(std::io::stderr)
            .with_ansi(false)
            .finish()
            .with(filter)
            .try_init();
    }
}

/// The filter `RUST_LOG` asks for (`None`: unset), in a build without the `env-filter`
/// feature: comma-separated `LEVEL`, `TARGET=LEVEL` and `TARGET` directives, as
/// `EnvFilter` reads them, without span and field filters.
#[cfg(not(feature = "env-filter"))]
fn log_filter(rust_log: Option<&str>) -> Result<tracing_subscriber::filter::Targets, String> {
    use tracing_subscriber::filter::{LevelFilter, Targets};
    let Some(value) = rust_log else {
        return Ok(Targets::new().with_default(LevelFilter::INFO));
    };
    let mut directives = Vec::new();
    for directive in value.split(',').map(str::trim).filter(|d| !d.is_empty()) {
        if directive.contains(['[', '{']) {
            return Err(format!(
                "`{directive}`: span and field filters need the `env-filter` feature of mcp-runtime"
            ));
        }
        directive
            .parse::<Targets>()
            .map_err(|error| format!("`{directive}`: {error}"))?;
        directives.push(directive);
    }
    if directives.is_empty() {
        // Nothing enabled, as with `EnvFilter` (`"".parse::<Targets>()` would enable all).
        return Ok(Targets::new());
    }
    directives
        .join(",")
        .parse()
        .map_err(|error| format!("{error}"))
}

#[cfg(test)]
mod tests;
