//! The `cargo-mcp` binary end to end: `manifest --diff OLD --against NEW` on the accounts
//! example's manifest, usage errors, and `manifest` building the calculator example.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

const ACCOUNTS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/accounts.json");

fn cargo_mcp(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cargo-mcp"))
        .args(args)
        .output()
        .unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

/// A copy of the accounts manifest with the risk of `tool` set to `risk`, in a file of its own.
fn accounts_with_risk(tool: &str, risk: &str) -> PathBuf {
    let mut manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(ACCOUNTS).unwrap()).unwrap();
    for entry in manifest["tools"].as_array_mut().unwrap() {
        if entry["name"] == tool {
            entry["risk"] = risk.into();
        }
    }
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("accounts-{tool}-{risk}.json"));
    std::fs::write(&path, serde_json::to_string_pretty(&manifest).unwrap()).unwrap();
    path
}

#[test]
fn a_raised_risk_exits_with_1_and_is_named() {
    let new = accounts_with_risk("update_account_email", "critical");
    let output = cargo_mcp(&[
        "manifest",
        "--diff",
        ACCOUNTS,
        "--against",
        new.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    assert!(
        stdout(&output).contains("! tool update_account_email: risk medium -> critical\n"),
        "{}",
        stdout(&output)
    );
    assert!(String::from_utf8_lossy(&output.stderr).contains("--allow-risk-increase"));
}

#[test]
fn allow_risk_increase_exits_with_0_and_still_names_the_change() {
    let new = accounts_with_risk("get_account", "high");
    let output = cargo_mcp(&[
        "manifest",
        "--diff",
        ACCOUNTS,
        "--against",
        new.to_str().unwrap(),
        "--allow-risk-increase",
    ]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert!(stdout(&output).contains("tool get_account: risk low -> high"));
}

#[test]
fn an_unchanged_manifest_exits_with_0() {
    let output = cargo_mcp(&["manifest", "--diff", ACCOUNTS, "--against", ACCOUNTS]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert_eq!(
        stdout(&output),
        "no changes in capabilities, risk levels, scopes or hints\n"
    );
}

#[test]
fn a_lowered_risk_exits_with_0() {
    let new = accounts_with_risk("close_account", "high");
    let output = cargo_mcp(&[
        "manifest",
        "--diff",
        ACCOUNTS,
        "--against",
        new.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert!(stdout(&output).contains("tool close_account: risk critical -> high"));
}

#[test]
fn run_by_cargo_the_leading_mcp_is_skipped() {
    let output = cargo_mcp(&["mcp", "manifest", "--diff", ACCOUNTS, "--against", ACCOUNTS]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
}

#[test]
fn usage_and_io_errors_exit_with_2_on_one_line() {
    for args in [
        &["manifest", "--bogus"][..],
        &[
            "manifest",
            "--diff",
            "/nonexistent/old.json",
            "--against",
            ACCOUNTS,
        ],
        &["manifest", "--against", ACCOUNTS],
        &[
            "manifest",
            "--diff",
            ACCOUNTS,
            "--against",
            concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml"),
        ],
        &["frobnicate"],
        &[],
    ] {
        let output = cargo_mcp(args);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {output:?}");
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(stderr.starts_with("error: "), "{args:?}: {stderr}");
    }
}

#[test]
fn help_documents_the_exit_codes() {
    let output = cargo_mcp(&["mcp", "manifest", "--help"]);
    assert_eq!(output.status.code(), Some(0));
    let help = stdout(&output);
    for flag in [
        "--package",
        "--bin",
        "--manifest-path",
        "--diff",
        "--against",
        "--allow-risk-increase",
    ] {
        assert!(help.contains(flag), "{flag} in {help}");
    }
    assert!(help.contains("Exit status:"));
    assert!(stdout(&cargo_mcp(&["--help"])).contains("manifest"));
    assert_eq!(stdout(&cargo_mcp(&["help", "manifest"])), help);
}

#[test]
fn manifest_builds_the_calculator_and_prints_its_tools() {
    let calculator = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../examples/calculator/Cargo.toml"
    );
    let output = cargo_mcp(&["manifest", "--manifest-path", calculator]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let manifest: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(manifest["server"]["name"], "calculator");
    let tools: Vec<&str> = manifest["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|tool| tool["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        tools,
        [
            "add",
            "divide",
            "multiply",
            "power",
            "statistics",
            "subtract"
        ]
    );
    assert!(manifest["tools"]
        .as_array()
        .unwrap()
        .iter()
        .all(|tool| tool["risk"] == "low"));
}
