//! `files --manifest` prints valid JSON describing every capability, sorted, and serves nothing.

use std::process::Command;

#[test]
fn the_manifest_is_json_listing_every_capability_in_order() {
    let scratch = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_files"))
        .arg("--manifest")
        .current_dir(scratch.path())
        .env_remove("MCP_POLICY")
        .output()
        .expect("the example runs");
    assert!(output.status.success(), "{output:?}");
    let manifest: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("the manifest is valid JSON");
    assert_eq!(manifest["server"]["name"], "files");
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
    // Describing the server leaves nothing behind in the working directory.
    assert_eq!(std::fs::read_dir(scratch.path()).unwrap().count(), 0);
}
