//! The `accounts` command line: `--db` with the runtime's options in one parser, the
//! database opened only to serve, and a `--print-config` whose command serves the same
//! database.

use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::{json, Value};

fn accounts(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_accounts"))
        .args(args)
        .current_dir(dir)
        .env_remove("MCP_POLICY")
        .stdin(Stdio::null())
        .output()
        .expect("the example runs")
}

#[path = "../../support/stdio_exchange.rs"]
mod stdio_exchange;
use stdio_exchange::{call, exchange};

/// Everything beneath `dir`, as paths relative to it.
fn contents(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(next) = pending.pop() {
        for entry in std::fs::read_dir(next).unwrap() {
            let path = entry.unwrap().path();
            found.push(path.strip_prefix(dir).unwrap().display().to_string());
            if path.is_dir() {
                pending.push(path);
            }
        }
    }
    found
}

#[test]
fn the_printed_configuration_serves_the_database_given_relative_to_the_shell() {
    let work = tempfile::tempdir().unwrap();
    let binary = env!("CARGO_BIN_EXE_accounts");
    // Serving creates and seeds the database; a change marks it as this one.
    let db = ["--db".to_owned(), "data/bank.db".to_owned()];
    let changed = exchange(
        binary,
        &db,
        work.path(),
        &[call(
            1,
            "update_account_email",
            json!({"id": 1, "email": "marked@example.com"}),
        )],
    );
    assert_eq!(
        changed[0]["structuredContent"]["email"],
        "marked@example.com"
    );
    assert!(work.path().join("data/bank.db").is_file());

    let printed = accounts(
        &["--db", "data/bank.db", "--print-config", "claude-desktop"],
        work.path(),
    );
    assert!(printed.status.success(), "{printed:?}");
    let config: Value = serde_json::from_slice(&printed.stdout).unwrap();
    let entry = &config["mcpServers"]["accounts"];
    let command = entry["command"].as_str().unwrap();
    let args: Vec<String> = serde_json::from_value(entry["args"].clone()).unwrap();
    assert_eq!(args.len(), 2, "{args:?}");
    assert_eq!(args[0], "--db");
    assert!(Path::new(&args[1]).is_absolute(), "{args:?}");

    // The client starts the server somewhere else, on the same database.
    let elsewhere = tempfile::tempdir().unwrap();
    let answers = exchange(
        command,
        &args,
        elsewhere.path(),
        &[call(1, "get_account", json!({"id": 1}))],
    );
    assert_eq!(
        answers[0]["structuredContent"]["email"],
        "marked@example.com"
    );
    assert!(contents(elsewhere.path()).is_empty());
}

#[test]
fn describing_the_server_opens_no_database() {
    let scratch = tempfile::tempdir().unwrap();
    // A file where the database's directory would be: no directory can be made there.
    std::fs::write(scratch.path().join("file"), "").unwrap();
    for db in ["missing/dir/accounts.db", "file/accounts.db"] {
        for describe in [
            &["--manifest"][..],
            &["--print-config", "vscode"],
            &["--help"],
            &["--version"],
        ] {
            let args = [&["--db", db][..], describe].concat();
            let output = accounts(&args, scratch.path());
            assert!(output.status.success(), "{args:?}: {output:?}");
        }
    }
    let output = accounts(&["--manifest"], scratch.path());
    assert!(output.status.success(), "{output:?}");
    assert_eq!(contents(scratch.path()), ["file"]);
}

#[test]
fn a_database_that_cannot_be_opened_is_named() {
    let scratch = tempfile::tempdir().unwrap();
    std::fs::write(scratch.path().join("file"), "").unwrap();
    let output = accounts(&["--db", "file/accounts.db"], scratch.path());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("cannot open file/accounts.db: "),
        "{stderr}"
    );
    assert!(output.stdout.is_empty());
    assert_eq!(contents(scratch.path()), ["file"]);
}

#[test]
fn help_lists_the_database_with_the_runtimes_options() {
    let scratch = tempfile::tempdir().unwrap();
    let output = accounts(&["--help"], scratch.path());
    assert!(output.status.success(), "{output:?}");
    let help = String::from_utf8(output.stdout).unwrap();
    let (_, options) = help.split_once("Options:").expect("one list of options");
    for option in [
        "--db <PATH>",
        "(default: ./accounts.db)",
        "--transport <",
        "--audit <FILE>",
        "--print-config <CLIENT>",
        "--version",
    ] {
        assert!(options.contains(option), "{option}:\n{help}");
    }
    assert!(!options.contains("Options:"), "{help}");
}
