//! Serving a [`Server`]: [`Serve::serve_stdio`], and the command line every server built
//! with this crate understands.
//!
//! The runtime's options are `--transport stdio|http`, `--bind HOST:PORT`, `--policy FILE`,
//! `--audit FILE`, `--shutdown-grace SECONDS`, `--manifest` and
//! `--print-config claude-desktop|vscode|cursor`. A server without options of its own reads
//! them, with `--help` and `--version`, by [`Serve::serve_from_args`] (or
//! [`Serve::serve_with_args`] for a given command line).
//!
//! # A server with options of its own
//!
//! [`Options`] is the runtime's options as a value. With the `clap` feature it implements
//! `clap::Args`, so a server embeds it in its own parser with `#[command(flatten)]`:
//! `--help` then lists the server's options and the runtime's together, and clap refuses
//! anything neither knows. [`Serve::serve_with`] does what the runtime's options say, and
//! [`Server::state_with`] opens what serving needs (a database, a directory) only when the
//! server is served, never for `--manifest`, `--print-config`, `--help` or `--version`:
//!
//! ```toml
//! [dependencies]
//! mcp-runtime = { version = "0.1", features = ["clap"] }
//! clap = { version = "4.5", features = ["derive"] }
//! ```
//!
//! ```no_run
//! # #[cfg(feature = "clap")]
//! # mod example {
//! use std::path::PathBuf;
//!
//! use clap::{CommandFactory, Parser};
//! use mcp_runtime::prelude::*;
//!
//! /// Serves a directory of notes.
//! #[derive(clap::Parser)]
//! #[command(version, about)]
//! struct Cli {
//!     /// The directory to serve; nothing outside it is reachable
//!     #[arg(long)]
//!     root: Option<PathBuf>,
//!     #[command(flatten)]
//!     mcp: mcp_runtime::cli::Options,
//! }
//!
//! /// The served directory, opened when the server is served.
//! struct Notes {
//!     dir: PathBuf,
//! }
//!
//! /// Lists the notes.
//! #[tool(read_only)]
//! fn list_notes(notes: State<Notes>) -> Result<String, ToolError> {
//!     let names = std::fs::read_dir(&notes.dir).map_err(|e| ToolError::new(e.to_string()))?;
//!     let names: Vec<String> = names
//!         .filter_map(|entry| Some(entry.ok()?.file_name().to_string_lossy().into_owned()))
//!         .collect();
//!     Ok(names.join("\n"))
//! }
//!
//! #[tokio::main]
//! async fn main() -> mcp_runtime::Result<()> {
//!     let cli = Cli::parse();
//!     // The directory is needed to serve, not to describe the server (`--manifest`).
//!     if cli.mcp.serves() && cli.root.is_none() {
//!         let missing = clap::error::ErrorKind::MissingRequiredArgument;
//!         Cli::command().error(missing, "give the directory to serve with --root DIR").exit();
//!     }
//!     let root = cli.root.unwrap_or_default();
//!     Server::new("notes", env!("CARGO_PKG_VERSION"))
//!         .state_with(move || match root.is_dir() {
//!             true => Ok(Notes { dir: root }),
//!             false => Err(format!("cannot serve {}: not a directory", root.display())),
//!         })
//!         .tools(tools![list_notes])
//!         .serve_with(cli.mcp)
//!         .await
//! }
//! # }
//! # fn main() {}
//! ```
//!
//! `notes --root ~/notes --transport http` serves over HTTP, `notes --manifest` describes the
//! server without a directory, and `notes --help` prints:
//!
//! ```text
//! Serves a directory of notes.
//!
//! Usage: notes [OPTIONS]
//!
//! Options:
//!       --root <ROOT>               The directory to serve; nothing outside it is reachable
//!       --transport <stdio|http>    how to talk to clients (default: stdio)
//!       --bind <HOST:PORT>          where the http transport listens (default: 127.0.0.1:8080)
//!       --policy <FILE>             permission policy, TOML (default: $MCP_POLICY, if set)
//!       --audit <FILE>              append an audit record per decision and call (JSON lines)
//!   ...
//!       --print-config <CLIENT>     print the configuration for a client (claude-desktop, ...
//!   -h, --help                      Print help
//!   -V, --version                   Print version
//!
//! Policy keys can also be set with MCP_POLICY_ALLOW_UP_TO, MCP_POLICY_CONFIRM_UP_TO,
//! ...
//! ```
//!
//! The options are checked as the runtime's own parser checks them, with the same words
//! (`--bind` without `--transport http`, `--manifest` with `--print-config`, an unknown
//! transport or client); a build without the `http` feature refuses `--transport http`
//! and does not list `--bind`.
//!
//! ```
//! # #[cfg(feature = "clap")] {
//! use clap::Parser;
//! use mcp_runtime::cli::{Options, Transport};
//!
//! #[derive(clap::Parser)]
//! struct Cli {
//!     /// The SQLite database
//!     #[arg(long, default_value = "accounts.db")]
//!     db: std::path::PathBuf,
//!     #[command(flatten)]
//!     mcp: Options,
//! }
//!
//! let cli = Cli::parse_from(["accounts", "--db", "/srv/accounts.db", "--manifest"]);
//! assert_eq!(cli.db, std::path::Path::new("/srv/accounts.db"));
//! assert!(cli.mcp.manifest() && !cli.mcp.serves());
//! assert_eq!(cli.mcp.transport(), Transport::Stdio);
//!
//! let both = Cli::try_parse_from(["accounts", "--manifest", "--print-config", "vscode"]);
//! let error = both.err().unwrap().to_string();
//! assert!(error.contains("--manifest and --print-config each print and exit; give one"));
//! # }
//! ```
//!
//! # What `--print-config` prints
//!
//! A client configuration whose command is this program (its absolute path) and whose
//! arguments are the command line the server was started with ([`std::env::args_os`], or
//! those given to [`Serve::serve_with_args`]), the server's own options included, less
//! `--print-config CLIENT` (or `--print-config=CLIENT`). The client starts the server in a
//! directory of its own, so relative paths are made absolute:
//!
//! * the values of `--policy` and `--audit`, always;
//! * the values of `--transport`, `--bind` and `--shutdown-grace`, never;
//! * any other argument, or value of an `--option=value` argument, that names a file or
//!   directory that exists relative to the current directory (`--root notes`,
//!   `--db=data/accounts.db`). A path that exists nowhere yet (a database created on first
//!   start) is printed as given: give it as an absolute path.
//!
//! With `--transport http` the client connects to the server's URL instead (Claude Desktop
//! through `mcp-remote`), and the arguments are not printed.

#[cfg(feature = "clap")]
mod clap_args;
mod described;
mod options;
mod print_config;

use std::ffi::OsString;
use std::future::Future;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::permission::{AuditLog, Policy, POLICY_FILE_VAR};
use crate::server::Server;
pub use described::{CliOption, OptionKind};
#[cfg(not(feature = "policy-file"))]
use options::NO_POLICY_FILES;
use options::{Action, Command};
pub use options::{Client, Options, Transport};

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
    /// the options. For a server with options of its own, see [`Serve::serve_with`].
    fn serve_from_args(self) -> impl Future<Output = Result<()>> + Send {
        self.serve_with_args(std::env::args_os())
    }

    /// Like [`Serve::serve_from_args`], with the command line given: the program name first,
    /// then the runtime's options. `--print-config` prints these arguments (see
    /// [the `cli` module](crate::cli)).
    fn serve_with_args(
        self,
        args: impl IntoIterator<Item = OsString>,
    ) -> impl Future<Output = Result<()>> + Send;

    /// Does what `options` say: serves (on the transport they name), or prints the manifest
    /// (`--manifest`) or a client's configuration (`--print-config`, which prints the
    /// command line of [`std::env::args_os`]). The options come from the server's own parser,
    /// in which they are embedded (see [`Options`]); `--help` and
    /// `--version` are that parser's.
    ///
    /// ```no_run
    /// use mcp_runtime::prelude::*;
    ///
    /// #[tokio::main]
    /// async fn main() -> mcp_runtime::Result<()> {
    ///     let options = mcp_runtime::cli::Options::default(); // from the server's own parser
    ///     Server::new("notes", "1.0.0").serve_with(options).await
    /// }
    /// ```
    fn serve_with(self, options: Options) -> impl Future<Output = Result<()>> + Send;

    /// Requires a bearer token on HTTP requests when the server is started with
    /// `--transport http` by [`Serve::serve_from_args`] (stdio is unaffected: its caller is
    /// the local user).
    #[cfg(feature = "http")]
    fn http_auth(self, auth: crate::transport::http::HttpAuth) -> Self;
}

impl Serve for Server {
    async fn serve_stdio(self) -> Result<()> {
        let name = self.info.name.clone();
        let version = self.info.version.clone();
        let dispatcher = self.connect_task_store().await?.build()?;
        greet(&name, &version, None);
        crate::transport::stdio::serve(dispatcher).await
    }

    fn serve_with_args(
        self,
        args: impl IntoIterator<Item = OsString>,
    ) -> impl Future<Output = Result<()>> + Send {
        serve_with_args(self, args.into_iter().collect())
    }

    fn serve_with(self, options: Options) -> impl Future<Output = Result<()>> + Send {
        run(self, options, std::env::args_os().collect())
    }

    #[cfg(feature = "http")]
    fn http_auth(self, auth: crate::transport::http::HttpAuth) -> Self {
        self.with_extension(auth)
    }
}

async fn serve_with_args(server: Server, args: Vec<OsString>) -> Result<()> {
    let program = program_name(&server, &args);
    let command = options::parse(args.iter().skip(1).cloned())
        .map_err(|e| Error::Usage(format!("{e}\n\n{}", options::usage(&program))))?;
    match command {
        Command::Help => print_out(&options::usage(&program)),
        Command::Version => print_out(&format!("{} {}\n", server.info.name, server.info.version)),
        Command::Run(options) => run(server, options, args).await,
    }
}

/// The transports this build serves, as the MCP Registry's `server.json` names them.
const TRANSPORTS: &[&str] = if cfg!(feature = "http") {
    &["stdio", "streamable-http"]
} else {
    &["stdio"]
};

/// Writes what `--help`, `--version`, `--manifest` or `--print-config` print. A reader that
/// stops early (`--manifest | head`) is not an error: what it did not read, it did not want.
fn print_out(text: &str) -> Result<()> {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(error) if error.kind() != std::io::ErrorKind::BrokenPipe => Err(Error::Io {
            transport: "standard output",
            source: error,
        }),
        _ => Ok(()),
    }
}

/// The program's name as the command line `args` gives it, else the server's.
fn program_name(server: &Server, args: &[OsString]) -> String {
    args.first()
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_else(|| server.info.name.clone())
}

/// Does what `options` say; `args` is the command line they were read from, the program
/// first.
async fn run(server: Server, options: Options, args: Vec<OsString>) -> Result<()> {
    let program = program_name(&server, &args);
    match options.action {
        Action::Manifest => {
            let policy = effective_policy(server.policy.clone(), options.policy.as_ref())?;
            let options = server.cli_options.clone();
            let mut manifest = server.policy(policy).build_to_describe()?.manifest();
            manifest["options"] = serde_json::to_value(options).expect("options serialise");
            manifest["transports"] = serde_json::json!(TRANSPORTS);
            let text = serde_json::to_string_pretty(&manifest).expect("a manifest serialises");
            print_out(&format!("{text}\n"))
        }
        Action::PrintConfig(client) => {
            let program = std::env::current_exe()
                .map(|p| p.display().to_string())
                .unwrap_or(program);
            let config =
                print_config::client_config(client, &server.info.name, &program, &options, &args);
            let text = serde_json::to_string_pretty(&config).expect("JSON serialises");
            print_out(&format!("{text}\n"))
        }
        Action::Serve => serve(server, options, &program).await,
    }
}

/// Serves as `options` say, with the policy and audit file they name.
async fn serve(server: Server, options: Options, program: &str) -> Result<()> {
    // Kept until the server has stopped: dropping it sends the last spans.
    #[cfg(feature = "otel")]
    let _otlp = init_logging_and_otlp(&server, &options)?;
    #[cfg(not(feature = "otel"))]
    init_logging();
    // Kept until the server has stopped: dropping it sends the last counts.
    #[cfg(feature = "otel")]
    let (server, _otlp_metrics) = export_metrics(server, &options)?;
    let policy = effective_policy(server.policy.clone(), options.policy.as_ref())?;
    let server = state_keys_from(server, &options)?;
    let mut server = store_from(server.policy(policy), &options)?
        .connect_task_store()
        .await?;
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
    #[cfg(all(feature = "metrics", feature = "http"))]
    let server = serve_metrics(server, &options).await?;
    match options.transport {
        Transport::Stdio => {
            let name = server.info.name.clone();
            let version = server.info.version.clone();
            let dispatcher = server.build()?;
            greet(&name, &version, Some(program));
            let mut config = crate::transport::stdio::StdioConfig::default();
            if let Some(grace) = options.shutdown_grace {
                config.shutdown_grace = grace;
            }
            crate::transport::stdio::serve_until(
                dispatcher,
                config,
                crate::transport::shutdown_signal(),
            )
            .await
        }
        Transport::Http => serve_http(server, &options).await,
    }
}

/// The task store `--store` names, else `MCP_STORE`, else the server's own.
fn store_from(server: Server, options: &Options) -> Result<Server> {
    let url = match (&options.store, std::env::var(STORE_VAR)) {
        (Some(url), _) => url.clone(),
        (None, Ok(url)) if !url.is_empty() => {
            crate::tasks::check_url(&url)
                .map_err(|why| Error::Usage(format!("{STORE_VAR}={why}")))?;
            url
        }
        _ => return Ok(server),
    };
    Ok(server.store_url(url))
}

/// The keys that seal `requestState`: `--state-key`, else `MCP_STATE_KEYS`, else the
/// server's own.
fn state_keys_from(server: Server, options: &Options) -> Result<Server> {
    let keys = match (&options.state_keys[..], std::env::var(STATE_KEYS_VAR)) {
        ([], Ok(text)) if !text.trim().is_empty() => options::state_keys(STATE_KEYS_VAR, &text)?,
        ([], _) => return Ok(server),
        (given, _) => given.to_vec(),
    };
    Ok(server.request_state_keys(keys.into_iter().map(|key| key.0)))
}

/// The variable holding the keys that seal `requestState` when `--state-key` is not given.
const STATE_KEYS_VAR: &str = "MCP_STATE_KEYS";

/// The variable naming the task store when `--store` is not given.
const STORE_VAR: &str = "MCP_STORE";

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
    #[cfg(feature = "metrics")]
    {
        config.metrics = options.metrics;
    }
    crate::transport::http::serve(server.build()?, config).await
}

/// With `--metrics` or `--metrics-bind`, gives the server metrics (unless its code gave it
/// some), and serves them on their own listener with `--metrics-bind`, until the process ends.
#[cfg(all(feature = "metrics", feature = "http"))]
async fn serve_metrics(mut server: Server, options: &Options) -> Result<Server> {
    if !options.metrics && options.metrics_bind.is_none() {
        return Ok(server);
    }
    let metrics = match &server.metrics {
        Some(metrics) => metrics.clone(),
        None => {
            let metrics = crate::metrics::Metrics::new();
            server = server.metrics(metrics.clone());
            metrics
        }
    };
    if let Some(address) = options.metrics_bind {
        let listener = tokio::net::TcpListener::bind(address)
            .await
            .map_err(|source| Error::Bind { address, source })?;
        let shown = listener.local_addr().unwrap_or(address);
        tracing::info!("metrics at http://{shown}/metrics");
        let app = crate::transport::http::metrics_router(metrics);
        let config = crate::transport::http::HttpConfig::default();
        tokio::spawn(async move {
            let served = crate::transport::http::serve_router(
                listener,
                app,
                &config,
                crate::transport::shutdown_signal(),
            )
            .await;
            if let Err(error) = served {
                tracing::error!(%error, "the metrics listener stopped");
            }
        });
    }
    Ok(server)
}

#[cfg(not(feature = "http"))]
async fn serve_http(_: Server, _: &Options) -> Result<()> {
    Err(Error::Usage("this build has no http transport".into()))
}

/// With an OTLP endpoint (`--otlp-endpoint` or the `OTEL_EXPORTER_OTLP_*` variables), logs as
/// [`init_logging`] does and exports the request spans, each layer with its own filter so that
/// the export sees the request spans (at `debug`) whatever `RUST_LOG` says; without one, only
/// [`init_logging`]. The guard is `None` when nothing is exported.
#[cfg(feature = "otel")]
fn init_logging_and_otlp(
    server: &Server,
    options: &Options,
) -> Result<Option<crate::otel::OtlpGuard>> {
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    use tracing_subscriber::Layer;
    let export = otlp_export(server, options);
    if !export.is_configured() {
        init_logging();
        return Ok(None);
    }
    let (otlp, guard) = export.layer().map_err(|e| Error::Usage(e.to_string()))?;
    let log = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .with_filter(env_log_filter());
    let installed = tracing_subscriber::registry()
        .with(otlp)
        .with(log)
        .try_init()
        .is_ok();
    Ok(installed.then_some(guard))
}

/// The OTLP export `--otlp-endpoint` and the `OTEL_*` variables configure.
#[cfg(feature = "otel")]
fn otlp_export(server: &Server, options: &Options) -> crate::otel::OtlpExport {
    let mut export = crate::otel::OtlpExport::new(server.info.name.clone())
        .service_version(server.info.version.clone());
    if let Some(url) = &options.otlp_endpoint {
        export = export.endpoint(url.clone());
    }
    export
}

/// With an OTLP endpoint, gives the server metrics (unless it has some) and exports them; the
/// guard is `None` when nothing is exported.
#[cfg(feature = "otel")]
fn export_metrics(
    mut server: Server,
    options: &Options,
) -> Result<(Server, Option<crate::otel::OtlpGuard>)> {
    let export = otlp_export(&server, options);
    if !export.exports_metrics() {
        return Ok((server, None));
    }
    let metrics = match &server.metrics {
        Some(metrics) => metrics.clone(),
        None => {
            let metrics = crate::metrics::Metrics::new();
            server = server.metrics(metrics.clone());
            metrics
        }
    };
    let guard = export
        .metrics(&metrics)
        .map_err(|e| Error::Usage(e.to_string()))?;
    Ok((server, Some(guard)))
}

/// The log's filter, as `RUST_LOG` says (see [`init_logging`]).
#[cfg(all(feature = "otel", feature = "env-filter"))]
fn env_log_filter() -> tracing_subscriber::EnvFilter {
    use tracing_subscriber::EnvFilter;
    EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"))
}

/// The log's filter, as `RUST_LOG` says (see [`init_logging`]).
#[cfg(all(feature = "otel", not(feature = "env-filter")))]
fn env_log_filter() -> tracing_subscriber::filter::Targets {
    let value = std::env::var("RUST_LOG").ok();
    log_filter(value.as_deref()).unwrap_or_else(|error| {
        eprintln!("RUST_LOG: {error}; logging at info");
        log_filter(None).expect("the default filter")
    })
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

#[cfg(all(test, feature = "clap"))]
mod clap_tests;
