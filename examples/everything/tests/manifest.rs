//! `everything --manifest` prints valid JSON describing every capability, sorted.

use std::process::Command;

#[test]
fn the_manifest_is_json_listing_every_capability_in_order() {
    let output = Command::new(env!("CARGO_BIN_EXE_everything"))
        .arg("--manifest")
        .env_remove("MCP_POLICY")
        .output()
        .expect("the example runs");
    assert!(output.status.success(), "{output:?}");
    let manifest: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("the manifest is valid JSON");
    for kind in ["tools", "resources", "prompts"] {
        let items = manifest[kind].as_array().expect("a list per kind");
        assert!(!items.is_empty(), "{kind}");
        for item in items {
            assert!(item["risk"].is_string(), "{kind}: {item}");
            assert!(item["scopes"].is_array(), "{kind}: {item}");
        }
    }
    let names: Vec<&str> = manifest["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    let mut sorted = names.clone();
    sorted.sort_unstable();
    assert_eq!(names, sorted);
}
