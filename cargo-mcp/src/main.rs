//! The `cargo-mcp` binary: `cargo mcp manifest [--diff OLD.json [--against NEW.json]]`.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use cargo_mcp::build::{self, Selection};
use cargo_mcp::diff;
use serde_json::Value;

const HELP: &str = "\
cargo mcp: tools for MCP servers built with mcp-runtime

Usage: cargo mcp <COMMAND>

Commands:
  manifest  Build the server crate and print its capability manifest, or review the changes
            against a saved one (--diff)
  help      Print this help, or the help of a command (cargo mcp help manifest)

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
        Some(Value(command)) if command == "help" => {
            match parser.next().map_err(|e| e.to_string())? {
                None => print(HELP),
                Some(Value(topic)) if topic == "manifest" => print(MANIFEST_HELP),
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
        None => Err("no command given: try `cargo mcp manifest`, or `cargo mcp --help`".into()),
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
