//! The `files` command line: `--root` with the runtime's options in one parser, the root
//! opened only to serve, and a `--print-config` whose command serves the same directory.

use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::{json, Value};

fn files(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_files"))
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

#[test]
fn the_printed_configuration_serves_the_directory_given_relative_to_the_shell() {
    let work = tempfile::tempdir().unwrap();
    std::fs::create_dir(work.path().join("notes")).unwrap();
    std::fs::write(work.path().join("notes/todo.md"), "- water the plants\n").unwrap();

    let printed = files(
        &["--root", "notes", "--print-config", "claude-desktop"],
        work.path(),
    );
    assert!(printed.status.success(), "{printed:?}");
    let config: Value = serde_json::from_slice(&printed.stdout).unwrap();
    let entry = &config["mcpServers"]["files"];
    let command = entry["command"].as_str().unwrap();
    let args: Vec<String> = serde_json::from_value(entry["args"].clone()).unwrap();
    assert_eq!(args.len(), 2, "{args:?}");
    assert_eq!(args[0], "--root");
    assert_eq!(
        Path::new(&args[1]).canonicalize().unwrap(),
        work.path().join("notes").canonicalize().unwrap(),
        "the root is absolute: {args:?}"
    );

    // The client starts the server somewhere else.
    let elsewhere = tempfile::tempdir().unwrap();
    let answers = exchange(
        command,
        &args,
        elsewhere.path(),
        &[
            call(1, "list_directory", json!({})),
            call(2, "read_file", json!({"path": "todo.md"})),
        ],
    );
    assert_eq!(
        answers[0]["structuredContent"]["entries"][0]["path"],
        "todo.md"
    );
    assert_eq!(answers[1]["content"][0]["text"], "- water the plants\n");
}

#[test]
fn the_printed_command_line_keeps_every_option_but_print_config() {
    let work = tempfile::tempdir().unwrap();
    std::fs::create_dir(work.path().join("notes")).unwrap();
    let printed = files(
        &[
            "--transport",
            "stdio",
            "--print-config=vscode",
            "--root=notes",
            "--shutdown-grace",
            "2",
        ],
        work.path(),
    );
    assert!(printed.status.success(), "{printed:?}");
    let config: Value = serde_json::from_slice(&printed.stdout).unwrap();
    let notes = std::path::absolute(work.path().join("notes")).unwrap();
    assert_eq!(
        config["servers"]["files"]["args"],
        json!([
            "--transport",
            "stdio",
            format!("--root={}", notes.display()),
            "--shutdown-grace",
            "2"
        ])
    );
}

#[test]
fn describing_the_server_needs_no_root_and_serving_does() {
    let scratch = tempfile::tempdir().unwrap();
    for describe in [
        &["--manifest"][..],
        &["--print-config", "cursor"],
        &["--version"],
    ] {
        let output = files(describe, scratch.path());
        assert!(output.status.success(), "{describe:?}: {output:?}");
    }
    let output = files(&[], scratch.path());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("give the directory to serve with --root DIR"),
        "{stderr}"
    );
    assert!(output.stdout.is_empty());
}

#[test]
fn a_root_that_cannot_be_opened_is_named() {
    let scratch = tempfile::tempdir().unwrap();
    let missing = scratch.path().join("missing");
    let output = files(&["--root", missing.to_str().unwrap()], scratch.path());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!("cannot serve {}: ", missing.display())),
        "{stderr}"
    );
    assert!(output.stdout.is_empty());
}

#[test]
fn help_lists_the_root_with_the_runtimes_options() {
    let scratch = tempfile::tempdir().unwrap();
    let output = files(&["--help"], scratch.path());
    assert!(output.status.success(), "{output:?}");
    let help = String::from_utf8(output.stdout).unwrap();
    let (_, options) = help.split_once("Options:").expect("one list of options");
    for option in [
        "--root <DIR>",
        "--transport <",
        "--policy <FILE>",
        "--manifest",
        "--print-config <CLIENT>",
        "--help",
    ] {
        assert!(options.contains(option), "{option}:\n{help}");
    }
    assert!(!options.contains("Options:"), "{help}");
    let unknown = files(&["--frobnicate"], scratch.path());
    assert_eq!(unknown.status.code(), Some(2));
}
