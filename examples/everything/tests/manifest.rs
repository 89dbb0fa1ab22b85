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
    // Task tools say how they run; the others say nothing.
    let task = |name: &str| {
        manifest["tools"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["name"] == name)
            .map(|t| t["task"].clone())
            .unwrap()
    };
    assert_eq!(task("slow_compute"), "optional");
    assert_eq!(task("failing_job"), "required");
    assert_eq!(task("greet"), serde_json::Value::Null);
}
