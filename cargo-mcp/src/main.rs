//! The `cargo-mcp` binary: `cargo mcp new`, `manifest [--diff OLD.json [--against NEW.json]]`,
//! `server-json`, `bundle`, `install CLIENT` and `inspect`.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use cargo_mcp::build::{self, Selection, Target};
use cargo_mcp::bundle::{self, Platform};
use cargo_mcp::dev;
use cargo_mcp::diff;
use cargo_mcp::inspect::{self, transport::ServerLog, Action, Endpoint, Protocol};
use cargo_mcp::install::{self, Client, Plan, Server, Written};
use cargo_mcp::server_json::{self, Publish};
use serde_json::Value;

const HELP: &str = "\
cargo mcp: tools for MCP servers built with mcp-runtime

Usage: cargo mcp <COMMAND>

Commands:
  new          Create a server project from the repository's template
  manifest     Build the server crate and print its capability manifest, or review the changes
               against a saved one (--diff)
  server-json  Print the MCP Registry entry (server.json) of the server crate
  bundle       Build an MCP bundle (.mcpb) of the server crate, and print its SHA-256
  install      Add the server to a client's configuration (Claude Desktop, Claude Code, Cursor,
               VS Code)
  inspect      List a server's tools, resources and prompts with their risk levels, or call a
               tool, read a resource or get a prompt, over stdio or HTTP
  dev          Run the server crate, and rebuild and restart it when its sources change
  help         Print this help, or the help of a command (cargo mcp help install)

Options:
  -h, --help     Print help
  -V, --version  Print version
";

const MANIFEST_HELP: &str = "\
cargo mcp manifest: print the capability manifest of a server crate, or review its changes

Builds the server crate (the package in the current directory unless told otherwise), runs the
built binary with --manifest and prints the JSON it prints: every tool, resource and prompt with
its risk level, scopes and hints.

Usage: cargo mcp manifest [OPTIONS]
       cargo mcp manifest --diff OLD.json [OPTIONS]
       cargo mcp manifest --diff OLD.json --against NEW.json

Options:
  -p, --package <NAME>      The package to build (default: the one in the current directory)
      --bin <NAME>          The binary target to run (needed when the package has several)
      --manifest-path <PATH>
                            The Cargo.toml to start from (default: found from the current
                            directory)
      --diff <OLD.json>     Compare with OLD.json (a saved --manifest output) and print the
                            changes: capabilities added and removed, risk levels, scopes, hints
      --against <NEW.json>  With --diff: compare with NEW.json instead of building
      --allow-risk-increase
                            With --diff: exit with 0 even when the change is riskier
  -h, --help                Print help

Exit status:
  0  the manifest was printed; with --diff, nothing riskier appeared
  1  with --diff: a risk level rose, a new capability arrived at high or critical risk, or
     scopes were added (unless --allow-risk-increase)
  2  usage, build or I/O error, or a binary that does not understand --manifest
";

const INSTALL_HELP: &str = "\
cargo mcp install: add a server to a client's configuration file

Builds the server crate (the package in the current directory unless told otherwise) and adds
an entry to the client's configuration that starts the built binary (by its absolute path) with
the arguments after --. With --http URL, nothing is built: the entry reaches the server at URL.

The entry's name is --name, else the package's name. Every other entry and key of the file is
kept (keys are written in alphabetical order); an entry of the same name is replaced. A missing
file is created with its directory; an existing one is first copied to FILE.bak, then replaced
atomically. Installing the same entry again changes nothing (\"already installed\").

Usage: cargo mcp install <CLIENT> [OPTIONS] [-- <SERVER ARGS>...]
       cargo mcp install <CLIENT> --http <URL> --name <NAME> [OPTIONS]

Clients and their configuration files:
  claude-desktop  macOS: ~/Library/Application Support/Claude/claude_desktop_config.json
                  Windows: %APPDATA%\\Claude\\claude_desktop_config.json
                  Linux: $XDG_CONFIG_HOME/Claude/claude_desktop_config.json
                  (by default ~/.config/Claude/claude_desktop_config.json)
  claude-code     .mcp.json in the current directory (the project's servers)
  cursor          ~/.cursor/mcp.json
  vscode          .vscode/mcp.json in the current directory (the workspace's servers)

Options:
      --http <URL>          Reach a server already listening at URL instead of building one
      --config <FILE>       The configuration file to update, instead of the client's own
      --dry-run             Print the resulting file and write nothing
      --name <NAME>         The entry's name (default: the package's name)
  -p, --package <NAME>      The package to build (default: the one in the current directory)
      --bin <NAME>          The binary target (needed when the package has several)
      --manifest-path <PATH>
                            The Cargo.toml to start from (default: found from the current
                            directory)
      --release             Build in the release profile
  -h, --help                Print help

Give paths among the server's arguments as absolute paths: clients start servers in a directory
of their own.

Exit status:
  0  the server was installed, or was already
  2  usage, build or I/O error, or a configuration file that is not valid JSON or whose servers
     are not a JSON object (the file is left untouched)
";

const INSPECT_HELP: &str = "\
cargo mcp inspect: list a server's capabilities, or call a tool, read a resource, get a prompt

Reaches an MCP server as a client would and prints what it offers: its tools (each with its
risk level, `-` when the server gives none, the scopes it needs, its description and
parameters), resources, resource templates and prompts. With --call, --read or --prompt, asks
for that instead.

By default it builds the server crate (the package in the current directory unless told
otherwise) and starts the built binary with the arguments after --, speaking stdio. With
--command it starts an executable already built (any MCP server speaking stdio); with --http it
reaches a server already listening at URL.

Usage: cargo mcp inspect [OPTIONS] [-- <SERVER ARGS>...]
       cargo mcp inspect --command <PATH> [OPTIONS] [-- <SERVER ARGS>...]
       cargo mcp inspect --http <URL> [OPTIONS]

Actions (none: list everything):
      --call <TOOL> [KEY=VALUE...]
                            Call a tool. Each VALUE is read as JSON when it parses (a=2,
                            flag=true, list=[1,2]), else as a string; a parameter the tool
                            types as a string always gets the text as it is
      --args <JSON>         With --call: the arguments as one JSON object instead
      --read <URI>          Read a resource
      --prompt <NAME> [KEY=VALUE...]
                            Get a prompt with these (string) arguments

Options:
      --http <URL>          Reach a server listening at URL (streamable HTTP)
      --header <NAME: VALUE>
                            With --http: send this header too (repeatable), such as
                            'Authorization: Bearer TOKEN'
      --command <PATH>      Start this executable instead of building a crate
  -p, --package <NAME>      The package to build (default: the one in the current directory)
      --bin <NAME>          The binary target (needed when the package has several)
      --manifest-path <PATH>
                            The Cargo.toml to start from (default: found from the current
                            directory)
      --release             Build in the release profile
      --era <REVISION>      The protocol revision: auto (default), 2026-07-28 (no
                            handshake), 2025-11-25 or 2025-06-18 (initialize handshake).
                            auto sends server/discover and falls back to the 2025-11-25
                            handshake when the server refuses it; the listing says which
      --json                Print the results as JSON
      --timeout <SECONDS>   How long to wait for each answer (default: 30)
      --server-log <FILE>   Append the started server's standard error to FILE (default: kept,
                            and shown only when the server fails)
  -h, --help                Print help

Exit status:
  0  the server answered
  1  the tool answered with isError, or the server answered with a JSON-RPC error
  2  usage, build or connection error, an unknown tool, or a server that does not answer in
     time
";

const SERVER_JSON_HELP: &str = "\
cargo mcp server-json: the MCP Registry entry (server.json) of a server crate

Builds the server crate, asks its binary for --manifest, and prints a server.json for the
official MCP Registry (schema 2025-12-11) made from Cargo.toml (version, description,
repository, homepage) and the manifest: a `cargo` package started over stdio (and over
streamable HTTP when the server serves it), the server's options as package arguments, the
runtime's environment variables, and every capability's risk level and scopes in the
publisher's _meta. With --mcpb, --oci and --remote, those packages and remotes too.

The registry verifies a cargo package by the line `mcp-name: NAME` in the crate's README: the
command checks that the README has it, and says which line to add.

Usage: cargo mcp server-json [OPTIONS]

Options:
      --name <NAME>         The registry name, io.github.OWNER/NAME (default: the README's
                            mcp-name: line, else io.github.OWNER/PACKAGE of a GitHub repository)
      --description <TEXT>  Instead of Cargo.toml's (the registry takes at most 100 characters)
      --mcpb <URL>          Add an mcpb package downloaded from URL; needs --mcpb-file
      --mcpb-file <FILE>    The bundle at that URL, for its SHA-256 (cargo mcp bundle writes it)
      --oci <IMAGE>         Add an oci package: a full image reference (ghcr.io/owner/name:1.0.0)
      --remote <URL>        Add a streamable HTTP remote where the server is served (repeatable)
      --out <FILE>          Write the entry to FILE instead of printing it
  -p, --package <NAME>      The package to build (default: the one in the current directory)
      --bin <NAME>          The binary target (needed when the package has several)
      --manifest-path <PATH>
                            The Cargo.toml to start from (default: found from the current
                            directory)
  -h, --help                Print help

Exit status:
  0  the entry was printed or written
  2  usage, build or I/O error, an invalid name or description, or a README without the
     mcp-name: line
";

const BUNDLE_HELP: &str = "\
cargo mcp bundle: an MCP bundle (.mcpb) of a server crate

Builds the server crate in the release profile and writes
TARGET_DIR/mcpb/NAME-VERSION-TRIPLE.mcpb: a zip with manifest.json (manifest version 0.3, a
binary server) and the binary as server/NAME. The manifest has the server's tools and prompts,
a user_config entry for each of its own options that takes a value (a file or directory the
user picks, a number, a text), the platform, and every capability's risk level in _meta.

The bundle is reproducible: the same binary and manifest give the same bytes. Prints
`SHA256  PATH`, as sha256sum does: the SHA-256 is the fileSha256 of server.json's mcpb package
(cargo mcp server-json --mcpb URL --mcpb-file PATH).

Usage: cargo mcp bundle [OPTIONS]

Options:
      --target <TRIPLE>     Build for this platform (a macOS, Windows or Linux target; default:
                            this machine's)
      --author <NAME>       The author, when Cargo.toml has no `authors` (\"Name <email>\")
      --out <FILE>          Write the bundle to FILE instead
  -p, --package <NAME>      The package to build (default: the one in the current directory)
      --bin <NAME>          The binary target (needed when the package has several)
      --manifest-path <PATH>
                            The Cargo.toml to start from (default: found from the current
                            directory)
  -h, --help                Print help

Exit status:
  0  the bundle was written
  2  usage, build or I/O error, or a package without description or author
";

const DEV_HELP: &str = "\
cargo mcp dev: run a server crate, and rebuild and restart it when its sources change

Builds the server crate (the package in the current directory unless told otherwise), starts
it with the arguments after --, and watches its sources: the package's directory (except
target/ and hidden directories) and the packages of its workspace it depends on by path. When
they change, the server is rebuilt; a failed build prints the compiler's errors on stderr and
keeps the running server, a successful one replaces it (unless cargo found nothing to rebuild).

With the stdio transport (the default), give `cargo mcp dev` to the client as the server's
command: it passes the messages between the client and the server (stdout carries protocol
messages only; its own messages go to stderr), and at each restart:
  - every request the old server had not answered gets one error answer (code -32603, \"the
    server restarted\");
  - 2025-11-25 and earlier (the client sent initialize): the client's initialize is replayed to
    the new server with the logging level and resource subscriptions it set, and the client
    is sent notifications/tools/list_changed (and for resources and prompts) for each list the
    server declared with listChanged;
  - 2026-07-28: each open subscriptions/listen is sent again to the new server and told of the
    change with the list_changed notifications it asked for; without one, nothing is sent.

With --transport http among the server's arguments, the server is restarted on the same
--bind address, and nothing passes through `cargo mcp dev`: a 2025-11-25 client's old session
is answered with 404 (\"Session not found\") and it sends initialize again; a 2026-07-28 client
carries on.

Closing stdin (stdio), Ctrl-C or SIGTERM stops the server (SIGTERM, for a graceful shutdown,
then killed if still running a second later) and exits.

Usage: cargo mcp dev [OPTIONS] [-- <SERVER ARGS>...]

Options:
  -p, --package <NAME>      The package to run (default: the one in the current directory)
      --bin <NAME>          The binary target (needed when the package has several)
      --manifest-path <PATH>
                            The Cargo.toml to start from (default: found from the current
                            directory)
  -h, --help                Print help

Examples:
  cargo mcp dev
  npx @modelcontextprotocol/inspector cargo mcp dev --manifest-path /abs/path/Cargo.toml
  cargo mcp dev -- --transport http --bind 127.0.0.1:8080

Exit status:
  0  the client closed stdin, or Ctrl-C or SIGTERM stopped it
  2  usage error, no server crate found, or the client's end of stdout closed
";

/// What `cargo mcp manifest` was asked to do.
struct ManifestArgs {
    selection: Selection,
    diff: Option<PathBuf>,
    against: Option<PathBuf>,
    allow_risk_increase: bool,
}

enum Outcome {
    Done,
    Riskier,
    /// The server answered with an error, already reported on stderr.
    Failed,
}

fn main() -> ExitCode {
    match run() {
        Ok(Outcome::Done) => ExitCode::SUCCESS,
        Ok(Outcome::Riskier | Outcome::Failed) => ExitCode::from(1),
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<Outcome, String> {
    use lexopt::prelude::*;

    let mut args: Vec<_> = std::env::args_os().skip(1).collect();
    // Run by cargo as `cargo-mcp mcp manifest ...`.
    if args.first().is_some_and(|arg| arg == "mcp") {
        args.remove(0);
    }
    let mut parser = lexopt::Parser::from_args(args);
    match parser.next().map_err(|e| e.to_string())? {
        Some(Short('h') | Long("help")) => print(HELP),
        Some(Short('V') | Long("version")) => {
            print(&format!("cargo-mcp {}\n", env!("CARGO_PKG_VERSION")))
        }
        Some(Value(command)) if command == "manifest" => manifest(&mut parser),
        Some(Value(command)) if command == "install" => install(&mut parser),
        Some(Value(command)) if command == "inspect" => inspect(&mut parser),
        Some(Value(command)) if command == "server-json" => server_json(&mut parser),
        Some(Value(command)) if command == "bundle" => bundle(&mut parser),
        Some(Value(command)) if command == "new" => new(parser),
        Some(Value(command)) if command == "dev" => dev(&mut parser),
        Some(Value(command)) if command == "help" => {
            match parser.next().map_err(|e| e.to_string())? {
                None => print(HELP),
                Some(Value(topic)) if topic == "manifest" => print(MANIFEST_HELP),
                Some(Value(topic)) if topic == "install" => print(INSTALL_HELP),
                Some(Value(topic)) if topic == "inspect" => print(INSPECT_HELP),
                Some(Value(topic)) if topic == "server-json" => print(SERVER_JSON_HELP),
                Some(Value(topic)) if topic == "bundle" => print(BUNDLE_HELP),
                Some(Value(topic)) if topic == "new" => new_help(),
                Some(Value(topic)) if topic == "dev" => print(DEV_HELP),
                Some(other) => Err(format!(
                    "no help on {}: try `cargo mcp help`",
                    other.unexpected()
                )),
            }
        }
        Some(Value(command)) => Err(format!(
            "unknown command `{}`: try `cargo mcp --help`",
            command.to_string_lossy()
        )),
        Some(other) => Err(format!("{}: try `cargo mcp --help`", other.unexpected())),
        None => Err(
            "no command given: try `cargo mcp new`, `cargo mcp manifest`, `cargo mcp inspect`, or `cargo mcp --help`"
                .into(),
        ),
    }
}

fn print(text: &str) -> Result<Outcome, String> {
    write_out(text.as_bytes())?;
    Ok(Outcome::Done)
}

fn write_out(bytes: &[u8]) -> Result<(), String> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(bytes)
        .and_then(|()| stdout.flush())
        .map_err(|e| format!("cannot write to stdout: {e}"))
}

fn manifest(parser: &mut lexopt::Parser) -> Result<Outcome, String> {
    use lexopt::prelude::*;

    let usage = |e: lexopt::Error| format!("{e}: try `cargo mcp manifest --help`");
    let mut args = ManifestArgs {
        selection: Selection::default(),
        diff: None,
        against: None,
        allow_risk_increase: false,
    };
    while let Some(arg) = parser.next().map_err(usage)? {
        match arg {
            Short('h') | Long("help") => return print(MANIFEST_HELP),
            Short('p') | Long("package") => args.selection.package = Some(text(parser, &usage)?),
            Long("bin") => args.selection.bin = Some(text(parser, &usage)?),
            Long("manifest-path") => {
                args.selection.manifest_path = Some(parser.value().map_err(usage)?.into())
            }
            Long("diff") => args.diff = Some(parser.value().map_err(usage)?.into()),
            Long("against") => args.against = Some(parser.value().map_err(usage)?.into()),
            Long("allow-risk-increase") => args.allow_risk_increase = true,
            other => return Err(usage(other.unexpected())),
        }
    }
    if args.diff.is_none() && (args.against.is_some() || args.allow_risk_increase) {
        return Err(
            "--against and --allow-risk-increase go with --diff OLD.json: try `cargo mcp manifest --help`"
                .into(),
        );
    }
    if args.against.is_some() && args.selection != Selection::default() {
        return Err("--against compares two files without building: --package, --bin and --manifest-path do not apply".into());
    }
    let Some(old_path) = &args.diff else {
        let (bytes, _) = current(&args.selection)?;
        write_out(&bytes)?;
        return Ok(Outcome::Done);
    };
    let old = read_json(old_path)?;
    let new = match &args.against {
        Some(path) => read_json(path)?,
        None => current(&args.selection)?.1,
    };
    let review = diff::compare(&old, &new).map_err(|e| e.to_string())?;
    write_out(review.to_string().as_bytes())?;
    if !review.is_riskier() {
        Ok(Outcome::Done)
    } else if args.allow_risk_increase {
        write_out(b"riskier changes allowed by --allow-risk-increase\n")?;
        Ok(Outcome::Done)
    } else {
        eprintln!(
            "the change exposes more than before: review the lines marked !, then save the new manifest, or pass --allow-risk-increase"
        );
        Ok(Outcome::Riskier)
    }
}

/// A manifest as the server printed it and as parsed.
type Manifest = (Vec<u8>, Value);

/// Builds the selected server and returns its manifest.
fn current(selection: &Selection) -> Result<Manifest, String> {
    built(selection, false).map(|(_, _, manifest)| manifest)
}

fn read_json(path: &PathBuf) -> Result<Value, String> {
    let text = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    serde_json::from_slice(&text).map_err(|e| {
        format!(
            "{} is not JSON ({e}): pass a saved `--manifest` output",
            path.display()
        )
    })
}

/// Every client's name, for messages.
fn client_names() -> String {
    Client::ALL.map(|(_, name)| name).join(", ")
}

fn install(parser: &mut lexopt::Parser) -> Result<Outcome, String> {
    use lexopt::prelude::*;

    let usage = |e: lexopt::Error| format!("{e}: try `cargo mcp install --help`");
    let mut client = None;
    let mut selection = Selection::default();
    let mut http: Option<String> = None;
    let mut config: Option<PathBuf> = None;
    let mut dry_run = false;
    let mut name: Option<String> = None;
    let mut release = false;
    let mut server_args: Option<Vec<String>> = None;
    loop {
        if let Some(args) = after_dashes(parser)? {
            server_args = Some(args);
            break;
        }
        let Some(arg) = parser.next().map_err(usage)? else {
            break;
        };
        match arg {
            Short('h') | Long("help") => return print(INSTALL_HELP),
            Short('p') | Long("package") => selection.package = Some(text(parser, &usage)?),
            Long("bin") => selection.bin = Some(text(parser, &usage)?),
            Long("manifest-path") => {
                selection.manifest_path = Some(parser.value().map_err(usage)?.into())
            }
            Long("http") => http = Some(text(parser, &usage)?),
            Long("config") => config = Some(parser.value().map_err(usage)?.into()),
            Long("dry-run") => dry_run = true,
            Long("name") => name = Some(text(parser, &usage)?),
            Long("release") => release = true,
            Value(value) if client.is_none() => {
                let value = value.to_string_lossy();
                client = Some(Client::parse(&value).ok_or_else(|| {
                    format!("unknown client `{value}`: pass one of {}", client_names())
                })?);
            }
            other => return Err(usage(other.unexpected())),
        }
    }
    let Some(client) = client else {
        return Err(format!(
            "no client given: pass one of {} (cargo mcp install --help)",
            client_names()
        ));
    };
    if http.is_some() && (server_args.is_some() || release || selection.bin.is_some()) {
        return Err("--http reaches a running server: arguments after --, --release and --bin are for a server the client starts".into());
    }
    if name.as_deref() == Some("") {
        return Err("--name is empty: pass the entry's name".into());
    }

    let cwd =
        std::env::current_dir().map_err(|e| format!("cannot read the current directory: {e}"))?;
    let path = match config {
        Some(path) => path,
        None => client.default_path(&cwd).map_err(|e| e.to_string())?,
    };
    // Read again once built: the client may have changed the file meanwhile.
    let (_, existing) = install::read(&path).map_err(|e| e.to_string())?;
    install::check(&path, existing.as_deref(), client).map_err(|e| e.to_string())?;
    let (server, package) = match http {
        Some(url) => {
            let package = match name {
                Some(_) => None,
                None => Some(
                    build::locate(&selection)
                        .map_err(|e| e.to_string())?
                        .package,
                ),
            };
            (Server::Http { url }, package)
        }
        None => {
            let target = build::locate(&selection).map_err(|e| e.to_string())?;
            let executable = build::build_profile(&target, release).map_err(|e| e.to_string())?;
            let executable = std::path::absolute(&executable).unwrap_or(executable);
            let command = executable
                .to_str()
                .map(str::to_owned)
                .ok_or_else(|| format!("the path {} is not valid UTF-8", executable.display()))?;
            let args = server_args.unwrap_or_default();
            (Server::Stdio { command, args }, Some(target.package))
        }
    };
    let name = name.or(package).ok_or("no entry name: pass --name NAME")?;

    let (path, existing) = install::read(&path).map_err(|e| e.to_string())?;
    let entry = install::entry(client, &server);
    let plan = install::plan(&path, existing.as_deref(), client, &name, entry)
        .map_err(|e| e.to_string())?;
    let file = path.display();
    match plan {
        Plan::AlreadyInstalled if dry_run => write_out(existing.as_deref().unwrap_or_default())?,
        Plan::Write(contents) if dry_run => write_out(contents.as_bytes())?,
        Plan::AlreadyInstalled => {
            write_out(format!("{name} is already installed in {file}\n").as_bytes())?
        }
        Plan::Write(contents) => {
            let message = match install::write(&path, existing.as_deref(), &contents)
                .map_err(|e| e.to_string())?
            {
                Written::Created => format!("installed {name} for {client}: created {file}\n"),
                Written::Updated { backup } => format!(
                    "installed {name} for {client} in {file} (previous contents in {})\n",
                    backup.display()
                ),
            };
            write_out(message.as_bytes())?;
        }
    }
    Ok(Outcome::Done)
}

fn inspect(parser: &mut lexopt::Parser) -> Result<Outcome, String> {
    use lexopt::prelude::*;

    let usage = |e: lexopt::Error| format!("{e}: try `cargo mcp inspect --help`");
    let mut selection = Selection::default();
    let mut release = false;
    let mut command: Option<PathBuf> = None;
    let mut http: Option<String> = None;
    let mut headers = Vec::new();
    let mut protocol = Protocol::default();
    let mut json = false;
    let mut timeout = Duration::from_secs(30);
    let mut server_log: Option<PathBuf> = None;
    let mut call: Option<String> = None;
    let mut args_json: Option<String> = None;
    let mut read: Option<String> = None;
    let mut prompt: Option<String> = None;
    let mut pairs: Vec<String> = Vec::new();
    let mut server_args: Option<Vec<String>> = None;
    loop {
        if let Some(args) = after_dashes(parser)? {
            server_args = Some(args);
            break;
        }
        let Some(arg) = parser.next().map_err(usage)? else {
            break;
        };
        match arg {
            Short('h') | Long("help") => return print(INSPECT_HELP),
            Short('p') | Long("package") => selection.package = Some(text(parser, &usage)?),
            Long("bin") => selection.bin = Some(text(parser, &usage)?),
            Long("manifest-path") => {
                selection.manifest_path = Some(parser.value().map_err(usage)?.into())
            }
            Long("release") => release = true,
            Long("command") => command = Some(parser.value().map_err(usage)?.into()),
            Long("http") => http = Some(text(parser, &usage)?),
            Long("header") => {
                let header = text(parser, &usage)?;
                headers.push(parse_header(&header)?);
            }
            Long("era") => {
                let name = text(parser, &usage)?;
                protocol = Protocol::parse(&name).ok_or_else(|| {
                    let names = Protocol::ALL.map(|(_, name)| name).join(", ");
                    format!("unknown --era `{name}`: pass one of {names}")
                })?;
            }
            Long("json") => json = true,
            Long("timeout") => {
                let text = text(parser, &usage)?;
                timeout = text
                    .parse::<f64>()
                    .ok()
                    .filter(|seconds| seconds.is_finite() && *seconds > 0.0)
                    .and_then(|seconds| Duration::try_from_secs_f64(seconds).ok())
                    .ok_or_else(|| {
                        format!("--timeout takes a number of seconds, such as 30, not `{text}`")
                    })?;
            }
            Long("server-log") => server_log = Some(parser.value().map_err(usage)?.into()),
            Long("call") => call = Some(text(parser, &usage)?),
            Long("args") => args_json = Some(text(parser, &usage)?),
            Long("read") => read = Some(text(parser, &usage)?),
            Long("prompt") => prompt = Some(text(parser, &usage)?),
            Value(value) => pairs.push(value.string().map_err(usage)?),
            other => return Err(usage(other.unexpected())),
        }
    }

    let action = match (call, read, prompt) {
        (None, None, None) => Action::List,
        (Some(tool), None, None) => Action::Call {
            tool,
            pairs: std::mem::take(&mut pairs),
            json: args_json.take(),
        },
        (None, Some(uri), None) => Action::Read { uri },
        (None, None, Some(name)) => Action::Prompt {
            name,
            pairs: std::mem::take(&mut pairs),
        },
        _ => return Err("--call, --read and --prompt each ask one thing: give one".into()),
    };
    if let Some(pair) = pairs.first() {
        return Err(format!(
            "unexpected argument `{pair}`: KEY=VALUE arguments go with --call TOOL or --prompt NAME"
        ));
    }
    if args_json.is_some() {
        return Err("--args goes with --call TOOL".into());
    }
    if let Action::Call {
        pairs,
        json: Some(_),
        ..
    } = &action
    {
        if !pairs.is_empty() {
            return Err("give the arguments as KEY=VALUE or as --args JSON, not both".into());
        }
    }
    let building = selection != Selection::default() || release;
    let endpoint = match (http, command) {
        (Some(_), Some(_)) => return Err("--http and --command name two servers: give one".into()),
        (Some(url), None) => {
            if building || server_args.is_some() || server_log.is_some() {
                return Err("--http reaches a running server: --package, --bin, --manifest-path, --release, --server-log and arguments after -- are for a server inspect starts".into());
            }
            Endpoint::Http { url, headers }
        }
        (None, command) => {
            if !headers.is_empty() {
                return Err("--header goes with --http URL".into());
            }
            let command = match command {
                Some(_) if building => {
                    return Err("--command starts an executable already built: --package, --bin, --manifest-path and --release are for building one".into())
                }
                Some(command) => command,
                None => {
                    let target = build::locate(&selection).map_err(|e| e.to_string())?;
                    build::build_profile(&target, release).map_err(|e| e.to_string())?
                }
            };
            Endpoint::Stdio {
                command,
                args: server_args.unwrap_or_default(),
                log: server_log.map_or(ServerLog::Captured, ServerLog::File),
            }
        }
    };
    let options = inspect::Options {
        endpoint,
        protocol,
        action,
        json,
        timeout,
    };
    let mut stdout = std::io::stdout().lock();
    match inspect::run(&options, &mut stdout) {
        Ok(inspect::Outcome::Done) => Ok(Outcome::Done),
        Ok(inspect::Outcome::ToolError) => {
            eprintln!("error: the tool answered with an error (isError: true)");
            Ok(Outcome::Failed)
        }
        Err(error) if error.exit_code() == 1 => {
            eprintln!("error: {error}");
            Ok(Outcome::Failed)
        }
        Err(error) => Err(error.to_string()),
    }
}

/// `NAME: VALUE` (or `NAME=VALUE`) from `--header`.
fn parse_header(text: &str) -> Result<(String, String), String> {
    let (name, value) = text
        .split_once(':')
        .or_else(|| text.split_once('='))
        .ok_or_else(|| {
            format!(
                "--header takes NAME: VALUE, such as 'Authorization: Bearer TOKEN', not `{text}`"
            )
        })?;
    let name = name.trim();
    let token = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
    let value = value.trim();
    if !token || value.bytes().any(|b| b.is_ascii_control()) {
        return Err(format!(
            "--header `{text}` is not a valid NAME: VALUE header"
        ));
    }
    Ok((name.to_owned(), value.to_owned()))
}

/// Everything after `--`, when the parser stands at it: the server's arguments.
fn after_dashes(parser: &mut lexopt::Parser) -> Result<Option<Vec<String>>, String> {
    let Some(mut raw) = parser.try_raw_args() else {
        return Ok(None);
    };
    if raw.peek().is_none_or(|arg| arg != "--") {
        return Ok(None);
    }
    raw.next();
    raw.map(|arg| {
        arg.into_string()
            .map_err(|arg| format!("the server argument {arg:?} is not valid UTF-8"))
    })
    .collect::<Result<_, _>>()
    .map(Some)
}

/// The value of the option just read, as text.
fn text(
    parser: &mut lexopt::Parser,
    usage: &dyn Fn(lexopt::Error) -> String,
) -> Result<String, String> {
    use lexopt::prelude::*;
    parser.value().map_err(usage)?.string().map_err(usage)
}

/// Builds the selected server (in the release profile when `release`) and returns its target,
/// executable and manifest.
fn built(selection: &Selection, release: bool) -> Result<(Target, PathBuf, Manifest), String> {
    let target = build::locate(selection).map_err(|e| e.to_string())?;
    let executable = build::build_profile(&target, release).map_err(|e| e.to_string())?;
    let manifest = build::run(&executable).map_err(|e| e.to_string())?;
    Ok((target, executable, manifest))
}

fn server_json(parser: &mut lexopt::Parser) -> Result<Outcome, String> {
    use lexopt::prelude::*;

    let usage = |e: lexopt::Error| format!("{e}: try `cargo mcp server-json --help`");
    let mut selection = Selection::default();
    let mut name: Option<String> = None;
    let mut publish = Publish::default();
    let mut mcpb_url: Option<String> = None;
    let mut mcpb_file: Option<PathBuf> = None;
    let mut out: Option<PathBuf> = None;
    while let Some(arg) = parser.next().map_err(usage)? {
        match arg {
            Short('p') | Long("package") => selection.package = Some(text(parser, &usage)?),
            Long("bin") => selection.bin = Some(text(parser, &usage)?),
            Long("manifest-path") => selection.manifest_path = Some(text(parser, &usage)?.into()),
            Short('h') | Long("help") => return print(SERVER_JSON_HELP),
            Long("name") => name = Some(text(parser, &usage)?),
            Long("description") => publish.description = Some(text(parser, &usage)?),
            Long("mcpb") => mcpb_url = Some(text(parser, &usage)?),
            Long("mcpb-file") => mcpb_file = Some(text(parser, &usage)?.into()),
            Long("oci") => publish.oci = Some(text(parser, &usage)?),
            Long("remote") => publish.remotes.push(text(parser, &usage)?),
            Long("out") => out = Some(text(parser, &usage)?.into()),
            other => return Err(usage(other.unexpected())),
        }
    }
    publish.mcpb = match (mcpb_url, mcpb_file) {
        (Some(url), Some(file)) => {
            let bytes = std::fs::read(&file)
                .map_err(|e| format!("cannot read the bundle {}: {e}", file.display()))?;
            Some((url, bundle::sha256(&bytes)))
        }
        (None, None) => None,
        _ => {
            return Err(
                "--mcpb URL and --mcpb-file FILE go together: the URL the bundle is downloaded from, and the bundle for its SHA-256".into(),
            )
        }
    };
    for url in &publish.remotes {
        if !url.starts_with("https://") && !url.starts_with("http://") {
            return Err(format!("--remote {url}: give the server's http(s) URL"));
        }
    }

    // The name and the README are checked before anything is built.
    let target = build::locate(&selection).map_err(|e| e.to_string())?;
    let readme_name = target
        .info
        .readme
        .as_deref()
        .and_then(|path| std::fs::read_to_string(path).ok())
        .and_then(|text| server_json::readme_name(&text));
    let from_repository = target
        .info
        .repository
        .as_deref()
        .and_then(|url| server_json::name_from_repository(url, &target.package));
    publish.name = name.or(readme_name).or(from_repository).ok_or_else(|| {
        format!(
            "no registry name: pass --name io.github.OWNER/{}, and add the line `mcp-name: io.github.OWNER/{}` to the README",
            target.package, target.package
        )
    })?;
    server_json::check_name(&publish.name).map_err(|e| e.to_string())?;
    server_json::check_readme(target.info.readme.as_deref(), &publish.name)
        .map_err(|e| e.to_string())?;
    let executable = build::build(&target).map_err(|e| e.to_string())?;
    let (_, manifest) = build::run(&executable).map_err(|e| e.to_string())?;
    let entry = server_json::entry(&target.package, &target.info, &manifest, &publish)
        .map_err(|e| e.to_string())?;
    let mut text = serde_json::to_string_pretty(&entry).expect("JSON serialises");
    text.push('\n');
    match out {
        Some(path) => {
            std::fs::write(&path, text)
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            eprintln!("wrote {} ({})", path.display(), publish.name);
        }
        None => write_out(text.as_bytes())?,
    }
    Ok(Outcome::Done)
}

fn bundle(parser: &mut lexopt::Parser) -> Result<Outcome, String> {
    use lexopt::prelude::*;

    let usage = |e: lexopt::Error| format!("{e}: try `cargo mcp bundle --help`");
    let mut selection = Selection::default();
    let mut triple: Option<String> = None;
    let mut author: Option<String> = None;
    let mut out: Option<PathBuf> = None;
    while let Some(arg) = parser.next().map_err(usage)? {
        match arg {
            Short('p') | Long("package") => selection.package = Some(text(parser, &usage)?),
            Long("bin") => selection.bin = Some(text(parser, &usage)?),
            Long("manifest-path") => selection.manifest_path = Some(text(parser, &usage)?.into()),
            Short('h') | Long("help") => return print(BUNDLE_HELP),
            Long("target") => triple = Some(text(parser, &usage)?),
            Long("author") => author = Some(text(parser, &usage)?),
            Long("out") => out = Some(text(parser, &usage)?.into()),
            other => return Err(usage(other.unexpected())),
        }
    }
    let host = build::host_triple().map_err(|e| e.to_string())?;
    let triple = triple.unwrap_or_else(|| host.clone());
    let platform = Platform::from_triple(&triple).map_err(|e| e.to_string())?;

    // The manifest comes from a binary this machine runs: the bundled one, or a host build of
    // the same sources when the bundle is for another platform.
    let (mut target, host_executable, (_, manifest)) = built(&selection, true)?;
    let executable = if triple == host {
        host_executable
    } else {
        build::build_for(&target, true, Some(&triple)).map_err(|e| e.to_string())?
    };
    if let Some(author) = author {
        target.info.authors.insert(0, author);
    }
    let json = bundle::manifest(
        &target.package,
        &target.bin,
        &target.info,
        &manifest,
        platform,
    )
    .map_err(|e| e.to_string())?;
    let binary = std::fs::read(&executable)
        .map_err(|e| format!("cannot read {}: {e}", executable.display()))?;
    let bytes = bundle::archive(&json, &platform.entry_point(&target.bin), &binary)
        .map_err(|e| e.to_string())?;
    let path = out.unwrap_or_else(|| {
        target.info.target_directory.join("mcpb").join(format!(
            "{}-{}-{triple}.mcpb",
            target.package, target.info.version
        ))
    });
    if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    std::fs::write(&path, &bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    write_out(format!("{}  {}\n", bundle::sha256(&bytes), path.display()).as_bytes())?;
    Ok(Outcome::Done)
}

/// The template renderer of the repository cargo-mcp was built from.
const NEW_SERVER: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tools/new-server/Cargo.toml"
);

/// `cargo mcp new ARGS`: the repository's template renderer (`cargo new-server`), run with ARGS.
fn new(mut parser: lexopt::Parser) -> Result<Outcome, String> {
    let args: Vec<std::ffi::OsString> = parser.raw_args().map_err(|e| e.to_string())?.collect();
    run_new_server(&args)
}

fn new_help() -> Result<Outcome, String> {
    run_new_server(&["--help".into()])
}

fn run_new_server(args: &[std::ffi::OsString]) -> Result<Outcome, String> {
    let renderer = std::path::Path::new(NEW_SERVER);
    if !renderer.is_file() {
        return Err(format!(
            "cargo mcp new renders the template of the mcp-runtime checkout cargo-mcp was installed from, and {} is gone: install cargo-mcp again from a checkout (cargo install --path cargo-mcp)",
            renderer.display()
        ));
    }
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = std::process::Command::new(cargo)
        .args(["run", "--quiet", "--manifest-path"])
        .arg(renderer)
        .arg("--")
        .args(args)
        .status()
        .map_err(|e| format!("cannot run `cargo run` for the template renderer: {e}"))?;
    match status.code() {
        Some(0) => Ok(Outcome::Done),
        // The renderer has said what went wrong.
        _ => Err("the project was not created".into()),
    }
}

fn dev(parser: &mut lexopt::Parser) -> Result<Outcome, String> {
    use lexopt::prelude::*;

    let usage = |e: lexopt::Error| format!("{e}: try `cargo mcp dev --help`");
    let mut options = dev::Options::default();
    loop {
        if let Some(args) = after_dashes(parser)? {
            options.server_args = args;
            break;
        }
        let Some(arg) = parser.next().map_err(usage)? else {
            break;
        };
        match arg {
            Short('h') | Long("help") => return print(DEV_HELP),
            Short('p') | Long("package") => options.selection.package = Some(text(parser, &usage)?),
            Long("bin") => options.selection.bin = Some(text(parser, &usage)?),
            Long("manifest-path") => {
                options.selection.manifest_path = Some(parser.value().map_err(usage)?.into())
            }
            other => return Err(usage(other.unexpected())),
        }
    }
    dev::run(&options).map_err(|e| e.to_string())?;
    Ok(Outcome::Done)
}
