//! The `cargo-mcp` binary: `cargo mcp manifest [--diff OLD.json [--against NEW.json]]`,
//! `cargo mcp install CLIENT` and `cargo mcp dev`.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use cargo_mcp::build::{self, Selection};
use cargo_mcp::dev;
use cargo_mcp::diff;
use cargo_mcp::install::{self, Client, Plan, Server, Written};
use serde_json::Value;

const HELP: &str = "\
cargo mcp: tools for MCP servers built with mcp-runtime

Usage: cargo mcp <COMMAND>

Commands:
  manifest  Build the server crate and print its capability manifest, or review the changes
            against a saved one (--diff)
  install   Build the server crate and add it to a client's configuration file
  dev       Run the server crate, and rebuild and restart it when its sources change
  help      Print this help, or the help of a command (cargo mcp help install)

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
}

fn main() -> ExitCode {
    match run() {
        Ok(Outcome::Done) => ExitCode::SUCCESS,
        Ok(Outcome::Riskier) => ExitCode::from(1),
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
        Some(Value(command)) if command == "dev" => dev(&mut parser),
        Some(Value(command)) if command == "help" => {
            match parser.next().map_err(|e| e.to_string())? {
                None => print(HELP),
                Some(Value(topic)) if topic == "manifest" => print(MANIFEST_HELP),
                Some(Value(topic)) if topic == "install" => print(INSTALL_HELP),
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
            "no command given: try `cargo mcp manifest`, `cargo mcp install`, `cargo mcp dev`, or `cargo mcp --help`"
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
            Short('p') | Long("package") => {
                args.selection.package =
                    Some(parser.value().map_err(usage)?.string().map_err(usage)?)
            }
            Long("bin") => {
                args.selection.bin = Some(parser.value().map_err(usage)?.string().map_err(usage)?)
            }
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

/// Builds the selected server and returns its manifest, as printed and as parsed.
fn current(selection: &Selection) -> Result<(Vec<u8>, Value), String> {
    let target = build::locate(selection).map_err(|e| e.to_string())?;
    let executable = build::build(&target).map_err(|e| e.to_string())?;
    build::run(&executable).map_err(|e| e.to_string())
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
        // Everything after `--` is the server's.
        if let Some(mut raw) = parser.try_raw_args() {
            if raw.peek().is_some_and(|arg| arg == "--") {
                raw.next();
                let args = raw
                    .map(|arg| {
                        arg.into_string().map_err(|arg| {
                            format!("the server argument {arg:?} is not valid UTF-8")
                        })
                    })
                    .collect::<Result<_, _>>()?;
                server_args = Some(args);
                break;
            }
        }
        let Some(arg) = parser.next().map_err(usage)? else {
            break;
        };
        match arg {
            Short('h') | Long("help") => return print(INSTALL_HELP),
            Short('p') | Long("package") => {
                selection.package = Some(parser.value().map_err(usage)?.string().map_err(usage)?)
            }
            Long("bin") => {
                selection.bin = Some(parser.value().map_err(usage)?.string().map_err(usage)?)
            }
            Long("manifest-path") => {
                selection.manifest_path = Some(parser.value().map_err(usage)?.into())
            }
            Long("http") => http = Some(parser.value().map_err(usage)?.string().map_err(usage)?),
            Long("config") => config = Some(parser.value().map_err(usage)?.into()),
            Long("dry-run") => dry_run = true,
            Long("name") => name = Some(parser.value().map_err(usage)?.string().map_err(usage)?),
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

fn dev(parser: &mut lexopt::Parser) -> Result<Outcome, String> {
    use lexopt::prelude::*;

    let usage = |e: lexopt::Error| format!("{e}: try `cargo mcp dev --help`");
    let mut options = dev::Options::default();
    loop {
        // Everything after `--` is the server's.
        if let Some(mut raw) = parser.try_raw_args() {
            if raw.peek().is_some_and(|arg| arg == "--") {
                raw.next();
                options.server_args = raw
                    .map(|arg| {
                        arg.into_string().map_err(|arg| {
                            format!("the server argument {arg:?} is not valid UTF-8")
                        })
                    })
                    .collect::<Result<_, _>>()?;
                break;
            }
        }
        let Some(arg) = parser.next().map_err(usage)? else {
            break;
        };
        match arg {
            Short('h') | Long("help") => return print(DEV_HELP),
            Short('p') | Long("package") => {
                options.selection.package =
                    Some(parser.value().map_err(usage)?.string().map_err(usage)?)
            }
            Long("bin") => {
                options.selection.bin =
                    Some(parser.value().map_err(usage)?.string().map_err(usage)?)
            }
            Long("manifest-path") => {
                options.selection.manifest_path = Some(parser.value().map_err(usage)?.into())
            }
            other => return Err(usage(other.unexpected())),
        }
    }
    dev::run(&options).map_err(|e| e.to_string())?;
    Ok(Outcome::Done)
}
