//! The comparison of manifests on JSON fixtures: added, removed, risk raised and lowered, scopes
//! added and removed, hints changed, and which of them count as riskier.
//!
//! `fixtures/accounts.json` is the output of `cargo run -p accounts -- --manifest`.

use cargo_mcp::diff::{capabilities, compare, Change, Kind, Risk};
use serde_json::{json, Value};

fn accounts() -> Value {
    serde_json::from_str(include_str!("fixtures/accounts.json")).unwrap()
}

/// The accounts manifest with `edit` applied to the tool named `name`.
fn with_tool(name: &str, edit: impl FnOnce(&mut Value)) -> Value {
    let mut manifest = accounts();
    let tool = manifest["tools"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|tool| tool["name"] == name)
        .unwrap();
    edit(tool);
    manifest
}

fn lines(old: &Value, new: &Value) -> Vec<String> {
    compare(old, new)
        .unwrap()
        .changes
        .iter()
        .map(ToString::to_string)
        .collect()
}

#[test]
fn the_fixture_reads_as_every_capability_of_accounts() {
    let all = capabilities(&accounts()).unwrap();
    let names: Vec<(Kind, &str, Risk)> = all
        .iter()
        .map(|c| (c.kind, c.id.as_str(), c.risk))
        .collect();
    assert_eq!(
        names,
        [
            (Kind::Tool, "close_account", Risk::Critical),
            (Kind::Tool, "get_account", Risk::Low),
            (Kind::Tool, "query_accounts", Risk::Low),
            (Kind::Tool, "transfer_funds", Risk::High),
            (Kind::Tool, "update_account_email", Risk::Medium),
            (Kind::Resource, "accounts://{id}", Risk::Low),
            (Kind::Prompt, "summarize_account", Risk::Low),
        ]
    );
}

#[test]
fn an_unchanged_manifest_has_no_changes() {
    let review = compare(&accounts(), &accounts()).unwrap();
    assert!(review.changes.is_empty());
    assert!(!review.is_riskier());
}

#[test]
fn a_raised_risk_is_named_and_riskier() {
    let new = with_tool("update_account_email", |tool| {
        tool["risk"] = json!("critical")
    });
    let review = compare(&accounts(), &new).unwrap();
    assert_eq!(
        review.changes,
        [Change::Risk {
            kind: Kind::Tool,
            id: "update_account_email".into(),
            from: Risk::Medium,
            to: Risk::Critical,
        }]
    );
    assert_eq!(
        lines(&accounts(), &new),
        ["tool update_account_email: risk medium -> critical"]
    );
    assert!(review.is_riskier());
}

#[test]
fn a_lowered_risk_is_named_and_not_riskier() {
    let new = with_tool("close_account", |tool| tool["risk"] = json!("high"));
    let review = compare(&accounts(), &new).unwrap();
    assert_eq!(
        lines(&accounts(), &new),
        ["tool close_account: risk critical -> high"]
    );
    assert!(!review.is_riskier());
}

#[test]
fn added_capabilities_are_riskier_from_high_risk_up() {
    for (risk, riskier) in [
        ("low", false),
        ("medium", false),
        ("high", true),
        ("critical", true),
    ] {
        let mut new = accounts();
        new["tools"]
            .as_array_mut()
            .unwrap()
            .push(json!({"name": "wipe", "risk": risk, "scopes": ["accounts:admin"]}));
        let review = compare(&accounts(), &new).unwrap();
        assert_eq!(
            lines(&accounts(), &new),
            [format!(
                "tool wipe: added (risk {risk}, scopes accounts:admin)"
            )]
        );
        assert_eq!(review.is_riskier(), riskier, "a new tool at risk {risk}");
    }
}

#[test]
fn removed_capabilities_are_named_by_kind_and_name_or_uri() {
    let mut new = accounts();
    new["resources"] = json!([]);
    new["prompts"] = json!([]);
    new["tools"]
        .as_array_mut()
        .unwrap()
        .retain(|tool| tool["name"] != "close_account");
    let review = compare(&accounts(), &new).unwrap();
    assert_eq!(
        lines(&accounts(), &new),
        [
            "tool close_account: removed (risk critical)",
            "resource accounts://{id}: removed (risk low)",
            "prompt summarize_account: removed (risk low)",
        ]
    );
    assert!(!review.is_riskier());
}

#[test]
fn added_scopes_are_riskier_and_removed_scopes_are_not() {
    let old = with_tool("transfer_funds", |tool| {
        tool["scopes"] = json!(["accounts:read", "ledger:write"])
    });
    let new = with_tool("transfer_funds", |tool| {
        tool["scopes"] = json!(["accounts:write", "accounts:read"])
    });
    let review = compare(&old, &new).unwrap();
    assert_eq!(
        lines(&old, &new),
        [
            "tool transfer_funds: scopes added: accounts:write",
            "tool transfer_funds: scopes removed: ledger:write",
        ]
    );
    assert!(review.is_riskier());

    let review = compare(
        &new,
        &with_tool("transfer_funds", |tool| tool["scopes"] = json!([])),
    )
    .unwrap();
    assert_eq!(review.changes.len(), 1);
    assert!(!review.is_riskier());
}

#[test]
fn hint_changes_are_named_and_not_riskier_by_themselves() {
    let new = with_tool("update_account_email", |tool| {
        tool["annotations"]["destructiveHint"] = json!(true);
        tool["annotations"]
            .as_object_mut()
            .unwrap()
            .remove("idempotentHint");
    });
    let review = compare(&accounts(), &new).unwrap();
    assert_eq!(
        lines(&accounts(), &new),
        [
            "tool update_account_email: hint destructiveHint false -> true",
            "tool update_account_email: hint idempotentHint true -> (absent)",
        ]
    );
    assert!(!review.is_riskier());
}

#[test]
fn the_review_marks_riskier_lines() {
    let new = with_tool("get_account", |tool| tool["risk"] = json!("medium"));
    let new = {
        let mut new = new;
        new["tools"]
            .as_array_mut()
            .unwrap()
            .retain(|tool| tool["name"] != "query_accounts");
        new
    };
    assert_eq!(
        compare(&accounts(), &new).unwrap().to_string(),
        "! tool get_account: risk low -> medium\n  \
         tool query_accounts: removed (risk low)\n\
         2 change(s), 1 exposing more than before (marked !)\n"
    );
}

#[test]
fn a_manifest_without_risk_or_name_is_refused() {
    let error = compare(&json!({"tools": [{"name": "x"}]}), &accounts()).unwrap_err();
    assert_eq!(error.to_string(), "old manifest: `tools[0]`: no `risk`");
    let error = compare(
        &accounts(),
        &json!({"tools": [{"name": "x", "risk": "extreme"}]}),
    )
    .unwrap_err();
    assert_eq!(
        error.to_string(),
        "new manifest: `tools[0]`: unknown risk level `extreme`"
    );
    let error = compare(&accounts(), &json!({"resources": [{"risk": "low"}]})).unwrap_err();
    assert_eq!(
        error.to_string(),
        "new manifest: `resources[0]`: no `uri` or `uriTemplate`"
    );
    assert!(compare(&json!([]), &accounts()).is_err());
}
