//! `--print-config`: the configuration that makes a client start this server as the command
//! line said.

use std::ffi::OsString;
use std::net::SocketAddr;
use std::path::Path;

use serde_json::{json, Value};

use super::options::{Client, Options, Transport};

/// The runtime's options whose value is a path: made absolute whether or not it exists yet
/// (an audit file is created when the server starts).
const PATH_OPTIONS: [&str; 2] = ["--policy", "--audit"];

/// The runtime's other options that take a value: their values are passed as they are.
const VALUE_OPTIONS: [&str; 5] = [
    "--transport",
    "--bind",
    "--shutdown-grace",
    "--store",
    "--state-key",
];

/// The option left out of the printed command line.
const PRINT_CONFIG: &str = "--print-config";

/// The arguments the client is to start the server with: those of `args` (the program name
/// first, left out) without `--print-config CLIENT` (or `--print-config=CLIENT`), with
/// relative paths made absolute, since the client starts the server in another directory:
///
/// * the values of `--policy` and `--audit`, always;
/// * the values of `--transport`, `--bind`, `--shutdown-grace`, `--store` and
///   `--state-key`, never;
/// * any other argument, or the value of an `--option=value` argument, that names a file or
///   directory existing relative to the current directory. An argument that names nothing
///   yet (a database created on first start) is passed as it is; give it as an absolute path.
pub(crate) fn reproduced_args(args: &[OsString]) -> Vec<String> {
    let mut printed = Vec::new();
    let mut args = args
        .iter()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned());
    while let Some(arg) = args.next() {
        if arg == PRINT_CONFIG {
            args.next();
            continue;
        }
        if let Some((name, value)) = arg.split_once('=').filter(|(n, _)| n.starts_with("--")) {
            if name != PRINT_CONFIG {
                printed.push(format!("{name}={}", value_of(name, value)));
            }
            continue;
        }
        let takes_value =
            PATH_OPTIONS.contains(&arg.as_str()) || VALUE_OPTIONS.contains(&arg.as_str());
        if takes_value {
            if let Some(value) = args.next() {
                let value = value_of(&arg, &value);
                printed.push(arg);
                printed.push(value);
                continue;
            }
        }
        printed.push(value_of("", &arg));
    }
    printed
}

/// `value`, given to the option `name` (empty for an argument standing alone), as the
/// client is to pass it.
fn value_of(name: &str, value: &str) -> String {
    if VALUE_OPTIONS.contains(&name) || (name.is_empty() && value.starts_with('-')) {
        return value.to_owned();
    }
    let path = Path::new(value);
    let absolute = PATH_OPTIONS.contains(&name) || (path.is_relative() && path.exists());
    if !absolute || value.is_empty() {
        return value.to_owned();
    }
    std::path::absolute(path)
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| value.to_owned())
}

/// The snippet that makes `client` start `program` with `args` (see [`reproduced_args`]), or,
/// with `--transport http`, connect to the server's URL.
pub(crate) fn client_config(
    client: Client,
    name: &str,
    program: &str,
    options: &Options,
    args: &[OsString],
) -> Value {
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
    let args = reproduced_args(args);
    match client {
        Client::ClaudeDesktop | Client::Cursor => json!({
            "mcpServers": { name: { "command": program, "args": args } }
        }),
        Client::VsCode => json!({
            "servers": { name: { "type": "stdio", "command": program, "args": args } }
        }),
    }
}
