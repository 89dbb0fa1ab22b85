//! The `server.json` entries of `cargo mcp server-json`, made from the accounts example's
//! manifest, validated against the MCP Registry's schema (`tests/spec/registry`).

use std::path::PathBuf;

use cargo_mcp::build::PackageInfo;
use cargo_mcp::server_json::{self, Publish};
use serde_json::{json, Value};

const SCHEMA: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tests/spec/registry/server.schema.json"
);
const ACCOUNTS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/accounts.json");

fn read(path: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The accounts manifest with the options and transports `--manifest` prints.
fn accounts() -> Value {
    let mut manifest = read(ACCOUNTS);
    manifest["options"] = json!([{
        "name": "--db", "description": "the SQLite database", "kind": "file",
        "default": "accounts.db", "required": false,
    }]);
    manifest["transports"] = json!(["stdio", "streamable-http"]);
    manifest
}

fn info() -> PackageInfo {
    PackageInfo {
        version: "0.1.0".into(),
        description: Some("An MCP server giving agents an accounts database.".into()),
        repository: Some("https://github.com/acme/mcp-servers".into()),
        homepage: Some("https://acme.example/mcp".into()),
        directory: PathBuf::from("/src/mcp-servers/accounts"),
        workspace_root: PathBuf::from("/src/mcp-servers"),
        ..PackageInfo::default()
    }
}

fn errors(entry: &Value) -> Vec<String> {
    let validator = jsonschema::validator_for(&read(SCHEMA)).unwrap();
    validator
        .iter_errors(entry)
        .map(|error| format!("{error} at {}", error.instance_path()))
        .collect()
}

#[test]
fn the_cargo_entry_is_valid() {
    let entry = server_json::entry(
        "accounts",
        &info(),
        &accounts(),
        &Publish::new("io.github.acme/accounts"),
    )
    .unwrap();
    assert_eq!(errors(&entry), Vec::<String>::new());
    assert_eq!(entry["$schema"], server_json::SCHEMA);
    assert_eq!(entry["title"], "Accounts");
    assert_eq!(
        entry["repository"],
        json!({"url": "https://github.com/acme/mcp-servers", "source": "github", "subfolder": "accounts"})
    );
    // One package per transport the server serves.
    let packages = entry["packages"].as_array().unwrap();
    assert_eq!(packages.len(), 2);
    assert_eq!(packages[0]["transport"], json!({"type": "stdio"}));
    assert_eq!(packages[1]["transport"]["type"], "streamable-http");
    assert_eq!(packages[0]["packageArguments"][0]["name"], "--db");
    assert_eq!(packages[0]["packageArguments"][0]["format"], "filepath");
    let risks = &entry["_meta"][server_json::PUBLISHER_META]["mcp-runtime"];
    let close = risks["tools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|tool| tool["name"] == "close_account")
        .unwrap();
    assert_eq!(close["risk"], "critical");
}

#[test]
fn mcpb_oci_and_remotes_are_valid_too() {
    let publish = Publish {
        mcpb: Some((
            "https://github.com/acme/mcp-servers/releases/download/v0.1.0/accounts-0.1.0-x86_64-unknown-linux-gnu.mcpb".into(),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855".into(),
        )),
        oci: Some("ghcr.io/acme/accounts:0.1.0".into()),
        remotes: vec!["https://mcp.acme.example/accounts".into()],
        ..Publish::new("io.github.acme/accounts")
    };
    let entry = server_json::entry("accounts", &info(), &accounts(), &publish).unwrap();
    assert_eq!(errors(&entry), Vec::<String>::new());
    let kinds: Vec<&str> = entry["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|package| package["registryType"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["cargo", "cargo", "mcpb", "oci"]);
    assert_eq!(entry["remotes"][0]["type"], "streamable-http");
}

#[test]
fn the_schema_refuses_what_the_command_refuses() {
    let mut entry = server_json::entry(
        "accounts",
        &info(),
        &accounts(),
        &Publish::new("io.github.acme/accounts"),
    )
    .unwrap();
    // The schema's own rules, which `check_name` and the description check apply first.
    entry["name"] = "accounts".into();
    assert!(!errors(&entry).is_empty());
    assert!(server_json::check_name("accounts").is_err());
    entry["name"] = "io.github.acme/accounts".into();
    entry["description"] = "x".repeat(101).into();
    assert!(!errors(&entry).is_empty());
}

#[test]
fn the_readme_must_name_the_server() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("server-json-readme");
    std::fs::create_dir_all(&dir).unwrap();
    let readme = dir.join("README.md");
    std::fs::write(&readme, "# Accounts\n").unwrap();
    let error = server_json::check_readme(Some(&readme), "io.github.acme/accounts")
        .unwrap_err()
        .0;
    assert!(
        error.contains("add the line `mcp-name: io.github.acme/accounts`"),
        "{error}"
    );
    std::fs::write(
        &readme,
        "# Accounts\n\nmcp-name: io.github.other/accounts\n",
    )
    .unwrap();
    let error = server_json::check_readme(Some(&readme), "io.github.acme/accounts")
        .unwrap_err()
        .0;
    assert!(error.contains("--name io.github.other/accounts"), "{error}");
    std::fs::write(&readme, "# Accounts\n\nmcp-name: io.github.acme/accounts\n").unwrap();
    assert!(server_json::check_readme(Some(&readme), "io.github.acme/accounts").is_ok());
    let error = server_json::check_readme(None, "io.github.acme/accounts")
        .unwrap_err()
        .0;
    assert!(error.contains("no README"), "{error}");
}
