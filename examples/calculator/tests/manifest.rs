//! `calculator --manifest` prints the capability manifest, unchanged from the reviewed
//! snapshot in `tests/snapshots/calculator.manifest.json`. After a deliberate change, refresh
//! it with `UPDATE_SNAPSHOTS=1 cargo test -p calculator --test manifest` and review the diff.

use std::process::Command;

const SNAPSHOT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../tests/snapshots/calculator.manifest.json"
);

#[test]
fn the_manifest_matches_the_reviewed_snapshot() {
    let output = Command::new(env!("CARGO_BIN_EXE_calculator"))
        .arg("--manifest")
        .env_remove("MCP_POLICY")
        .env_remove("MCP_POLICY_ALLOW_UP_TO")
        .env_remove("MCP_POLICY_CONFIRM_UP_TO")
        .env_remove("MCP_POLICY_ALLOW")
        .env_remove("MCP_POLICY_DENY")
        .env_remove("MCP_POLICY_SHOW_DENIED")
        .output()
        .expect("the calculator runs");
    assert!(output.status.success(), "{output:?}");
    let printed = String::from_utf8(output.stdout).expect("the manifest is UTF-8");
    let manifest: serde_json::Value =
        serde_json::from_str(&printed).expect("the manifest is valid JSON");
    assert_eq!(manifest["server"]["name"], "calculator");
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(SNAPSHOT, &printed).unwrap();
    }
    let snapshot = std::fs::read_to_string(SNAPSHOT).expect("the snapshot is checked in");
    assert!(
        printed == snapshot,
        "the manifest changed; review it and refresh the snapshot with UPDATE_SNAPSHOTS=1:\n{printed}"
    );
}
