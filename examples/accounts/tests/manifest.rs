//! `accounts --manifest` prints valid JSON describing every capability, sorted, and serves nothing.

use std::process::Command;

#[test]
fn the_manifest_is_json_listing_every_capability_in_order() {
    let scratch = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_accounts"))
        .arg("--manifest")
        .current_dir(scratch.path())
        .env_remove("MCP_POLICY")
        .output()
        .expect("the example runs");
    assert!(output.status.success(), "{output:?}");
    let manifest: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("the manifest is valid JSON");
    assert_eq!(manifest["server"]["name"], "accounts");
    let tools = manifest["tools"].as_array().expect("a list of tools");
    assert!(!tools.is_empty());
    for tool in tools {
        assert!(tool["risk"].is_string(), "{tool}");
        assert!(tool["inputSchema"].is_object(), "{tool}");
    }
    let names: Vec<&str> = tools.iter().map(|t| t["name"].as_str().unwrap()).collect();
    let mut sorted = names.clone();
    sorted.sort_unstable();
    assert_eq!(names, sorted);
    // The server's own option, for the bundles and registry entries made from the manifest.
    assert_eq!(
        manifest["options"],
        serde_json::json!([{
            "name": "--db",
            "description": "the SQLite database, created and seeded when missing (default: ./accounts.db)",
            "kind": "file",
            "default": "accounts.db",
            "required": false,
        }])
    );
    assert_eq!(
        manifest["transports"],
        serde_json::json!(["stdio", "streamable-http"])
    );
    // Describing the server leaves nothing behind in the working directory.
    assert_eq!(std::fs::read_dir(scratch.path()).unwrap().count(), 0);
}
