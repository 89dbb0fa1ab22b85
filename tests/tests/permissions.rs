//! Permissions in memory, in both eras: what a policy hides, refuses and asks about, and the
//! audit records of every decision.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use mcp_runtime::permission::{AuditLog, Caller, Policy};
use mcp_runtime::prelude::*;
use mcp_runtime::testing::TestClient;
use mcp_tests::bank::{bank_server_counting, Runs};
use serde_json::{json, Value};

/// A fresh audit file for one test.
fn audit_path(test: &str) -> PathBuf {
    let path = std::env::temp_dir().join(format!(
        "mcp-permissions-{test}-{}.jsonl",
        std::process::id()
    ));
    let _ = std::fs::remove_file(&path);
    path
}

fn audit_records(path: &PathBuf) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|line| serde_json::from_str(line).expect("every audit line is JSON"))
        .collect()
}

/// The records about `capability` as `event:decision:outcome` strings.
fn trail(records: &[Value], capability: &str) -> Vec<String> {
    records
        .iter()
        .filter(|r| r["capability"] == capability)
        .map(|r| {
            format!(
                "{}:{}:{}",
                r["event"].as_str().unwrap(),
                r["decision"].as_str().unwrap(),
                r["outcome"].as_str().unwrap_or("-")
            )
        })
        .collect()
}

fn server(runs: &Runs, policy: Policy, audit: &PathBuf) -> Server {
    bank_server_counting(runs.clone())
        .policy(policy)
        .audit(AuditLog::to_file(audit).unwrap())
}

/// Answers every confirmation with `action`, recording the questions.
fn confirming(
    action: &'static str,
    asked: Arc<Mutex<Vec<Value>>>,
) -> impl Fn(&str, &Value) -> Value + Send + Sync + 'static {
    move |method, params| {
        assert_eq!(method, "elicitation/create");
        asked.lock().unwrap().push(params.clone());
        match action {
            "accept" => json!({"action": "accept", "content": {"confirm": true}}),
            other => json!({"action": other}),
        }
    }
}

async fn both_eras_answering(
    runs: &Runs,
    policy: &Policy,
    audit: &PathBuf,
    action: &'static str,
    asked: &Arc<Mutex<Vec<Value>>>,
) -> Vec<TestClient> {
    vec![
        TestClient::modern(server(runs, policy.clone(), audit))
            .unwrap()
            .answering(confirming(action, Arc::clone(asked))),
        TestClient::legacy_answering(
            server(runs, policy.clone(), audit),
            confirming(action, Arc::clone(asked)),
        )
        .await
        .unwrap(),
    ]
}

fn tool_names(tools: &[mcp_runtime::protocol::Tool]) -> Vec<&str> {
    tools.iter().map(|t| t.name.as_str()).collect()
}

#[tokio::test]
async fn a_denied_critical_tool_is_hidden_and_uncallable_in_both_eras() {
    let audit = audit_path("hidden");
    let runs = Runs::default();
    let policy = Policy::from_toml("[risk]\nconfirm_up_to = \"high\"\n", "policy.toml").unwrap();
    let asked = Arc::default();
    for client in both_eras_answering(&runs, &policy, &audit, "accept", &asked).await {
        let era = client.protocol_version();
        let tools = client.list_tools().await.unwrap();
        assert_eq!(
            tool_names(&tools),
            ["balance", "rename_account", "transfer"],
            "{era}"
        );
        let err = client
            .call_tool("close_account", json!({"account": "A-1"}))
            .await
            .unwrap_err();
        assert_eq!(err.code, -32602, "{era}");
        assert_eq!(
            err.message,
            "Invalid params: Unknown tool: close_account (not found or not authorized)",
            "{era}"
        );
        // A tool that does not exist gets the very same answer.
        let unknown = client.call_tool("open_vault", json!({})).await.unwrap_err();
        assert_eq!(
            unknown.message,
            "Invalid params: Unknown tool: open_vault (not found or not authorized)"
        );
    }
    assert_eq!(runs.closes(), 0, "the denied tool never ran");
    assert!(asked.lock().unwrap().is_empty(), "nobody was asked");
    let records = audit_records(&audit);
    assert_eq!(
        trail(&records, "close_account"),
        [
            "decision:deny:-",
            "call:deny:refused",
            "decision:deny:-",
            "call:deny:refused"
        ]
    );
    let denial = records
        .iter()
        .find(|r| r["capability"] == "close_account")
        .unwrap();
    assert_eq!(denial["risk"], "critical");
    assert_eq!(denial["caller"], "local");
    assert_eq!(denial["kind"], "tool");
    assert!(
        denial["reason"]
            .as_str()
            .unwrap()
            .contains("confirm_up_to = \"high\""),
        "{denial}"
    );
    assert!(denial["time"].as_str().unwrap().ends_with('Z'));
}

#[tokio::test]
async fn a_shown_denied_tool_is_listed_with_its_risk_and_refused_naming_the_rule() {
    let audit = audit_path("shown");
    let runs = Runs::default();
    let policy = Policy::new()
        .deny(["close_*"])
        .allow(["close_*", "transfer"])
        .show_denied(true);
    let asked = Arc::default();
    for client in both_eras_answering(&runs, &policy, &audit, "accept", &asked).await {
        let tools = client.list_tools().await.unwrap();
        let close = tools.iter().find(|t| t.name == "close_account").unwrap();
        assert_eq!(
            close.meta.as_ref().unwrap()["mcp-runtime/permission"]["risk"],
            "critical"
        );
        let result = client
            .call_tool("close_account", json!({"account": "A-1"}))
            .await
            .unwrap();
        assert!(result.is_error);
        assert_eq!(
            result.text(),
            "tool `close_account` is not allowed: the policy denies it ([capabilities] deny = \"close_*\")"
        );
        // `allow` lets a high tool run without asking.
        let moved = client
            .call_tool("transfer", json!({"from": "A", "to": "B", "amount": 5}))
            .await
            .unwrap();
        assert_eq!(moved.text(), "moved 5 from A to B");
    }
    assert_eq!(runs.closes(), 0);
    assert_eq!(runs.transfers(), 2);
    assert!(asked.lock().unwrap().is_empty());
}

#[tokio::test]
async fn a_high_tool_runs_only_after_an_accepted_confirmation() {
    let audit = audit_path("accepted");
    let runs = Runs::default();
    let asked = Arc::new(Mutex::new(Vec::new()));
    let clients = both_eras_answering(&runs, &Policy::new(), &audit, "accept", &asked).await;
    for client in &clients {
        let result = client
            .call_tool("transfer", json!({"from": "A", "to": "B", "amount": 7}))
            .await
            .unwrap();
        assert!(!result.is_error, "{}", result.text());
        assert_eq!(result.text(), "moved 7 from A to B");
    }
    assert_eq!(runs.transfers(), 2);
    let asked = asked.lock().unwrap().clone();
    assert_eq!(asked.len(), 2, "asked once per era: {asked:?}");
    assert_eq!(
        asked[0]["message"],
        r#"Allow tool `transfer` (risk: high) to run with arguments {"amount":7,"from":"A","to":"B"}?"#
    );
    assert_eq!(asked[0]["requestedSchema"]["required"], json!(["confirm"]));
    // Modern: the first request ends with input_required, the retry runs it; legacy: one call.
    assert_eq!(
        trail(&audit_records(&audit), "transfer"),
        [
            "decision:confirm:-",
            "call:confirm:input_required",
            "decision:confirm:-",
            "call:confirm:ok",
            "decision:confirm:-",
            "call:confirm:ok",
        ]
    );
}

#[tokio::test]
async fn a_high_tool_never_runs_after_a_declined_or_cancelled_confirmation() {
    for action in ["decline", "cancel"] {
        let audit = audit_path(action);
        let runs = Runs::default();
        let asked = Arc::new(Mutex::new(Vec::new()));
        for client in both_eras_answering(&runs, &Policy::new(), &audit, action, &asked).await {
            let result = client
                .call_tool("transfer", json!({"from": "A", "to": "B", "amount": 7}))
                .await
                .unwrap();
            assert!(result.is_error, "{action}");
            let past = if action == "decline" {
                "declined"
            } else {
                "cancelled"
            };
            assert_eq!(
                result.text(),
                format!("The user {past} the confirmation of `transfer`; it was not run.")
            );
        }
        assert_eq!(runs.transfers(), 0, "{action}");
        assert_eq!(asked.lock().unwrap().len(), 2);
        let trail = trail(&audit_records(&audit), "transfer");
        assert_eq!(trail.last().unwrap(), "call:confirm:declined", "{trail:?}");
        assert_eq!(
            trail.iter().filter(|t| t.ends_with("declined")).count(),
            2,
            "{trail:?}"
        );
    }
}

#[tokio::test]
async fn an_unchecked_confirmation_box_is_no_accept() {
    let runs = Runs::default();
    let audit = audit_path("unticked");
    let client = TestClient::modern(server(&runs, Policy::new(), &audit))
        .unwrap()
        .answering(|_, _| json!({"action": "accept", "content": {"confirm": false}}));
    let result = client
        .call_tool("transfer", json!({"from": "A", "to": "B", "amount": 1}))
        .await
        .unwrap();
    assert!(result.is_error);
    assert_eq!(runs.transfers(), 0);
}

#[tokio::test]
async fn only_an_accept_whose_confirm_is_true_runs_the_call_in_both_eras() {
    let not_a_yes = [
        json!({"action": "accept"}),
        json!({"action": "accept", "content": {}}),
        json!({"action": "accept", "content": {"confirm": "false"}}),
        json!({"action": "accept", "content": {"confirm": "true"}}),
        json!({"action": "accept", "content": {"confirm": 0}}),
        json!({"action": "accept", "content": {"confirm": 1}}),
        json!({"action": "accept", "content": {"confirm": null}}),
        json!({"action": "accept", "content": {"other": true}}),
    ];
    for answer in not_a_yes {
        let runs = Runs::default();
        let audit = audit_path("not-a-yes");
        let reply = answer.clone();
        let modern = TestClient::modern(server(&runs, Policy::new(), &audit))
            .unwrap()
            .answering(move |_, _| reply.clone());
        let reply = answer.clone();
        let legacy =
            TestClient::legacy_answering(server(&runs, Policy::new(), &audit), move |_, _| {
                reply.clone()
            })
            .await
            .unwrap();
        for client in [modern, legacy] {
            let era = client.protocol_version();
            let result = client
                .call_tool("transfer", json!({"from": "A", "to": "B", "amount": 1}))
                .await
                .unwrap();
            assert!(result.is_error, "{era} {answer}: {}", result.text());
            assert!(
                result.text().contains("was not run") || result.text().contains("it was not run"),
                "{era} {answer}: {}",
                result.text()
            );
        }
        assert_eq!(runs.transfers(), 0, "{answer}");
        let records = audit_records(&audit);
        assert!(
            records.iter().all(|r| r.get("confirmedBy").is_none()),
            "{records:?}"
        );
    }
}

#[tokio::test]
async fn a_yes_sent_before_the_question_was_asked_confirms_nothing() {
    let runs = Runs::default();
    let audit = audit_path("unasked-yes");
    let client = TestClient::modern(server(&runs, Policy::new(), &audit))
        .unwrap()
        .with_client_capabilities(json!({"elicitation": {}}));
    let yes = json!({"action": "accept", "content": {"confirm": true}});
    let first = client
        .request(
            "tools/call",
            json!({
                "name": "transfer",
                "arguments": {"from": "A", "to": "B", "amount": 5},
                "inputResponses": {"elicitation-1": yes, "confirm": yes},
            }),
        )
        .await
        .unwrap();
    assert_eq!(first["resultType"], "input_required", "{first}");
    assert_eq!(runs.transfers(), 0, "nothing ran on an unasked yes");
}

#[tokio::test]
async fn the_audit_names_who_confirmed() {
    let runs = Runs::default();
    let audit = audit_path("confirmed-by");
    let asked = Arc::default();
    for client in both_eras_answering(&runs, &Policy::new(), &audit, "accept", &asked).await {
        let result = Caller::new("ann", ["accounts:write"])
            .scope(client.call_tool("transfer", json!({"from": "A", "to": "B", "amount": 1})))
            .await
            .unwrap();
        assert!(!result.is_error, "{}", result.text());
    }
    let records = audit_records(&audit);
    let confirmed: Vec<&Value> = records
        .iter()
        .filter(|r| r["event"] == "call" && r["outcome"] == "ok")
        .collect();
    assert_eq!(confirmed.len(), 2, "{records:?}");
    assert!(
        confirmed.iter().all(|r| r["confirmedBy"] == "ann"),
        "{confirmed:?}"
    );
}

#[tokio::test]
async fn a_client_that_cannot_be_asked_gets_a_refusal_saying_why() {
    let audit = audit_path("unaskable");
    let runs = Runs::default();
    // Legacy: the client declared no capabilities at initialize.
    let legacy = TestClient::legacy(server(&runs, Policy::new(), &audit))
        .await
        .unwrap();
    let result = legacy
        .call_tool("transfer", json!({"from": "A", "to": "B", "amount": 1}))
        .await
        .unwrap();
    assert!(result.is_error);
    assert_eq!(
        result.text(),
        "`transfer` needs the user's confirmation (risk: high), but this client cannot ask the user: it did not declare the `elicitation` capability. The call was refused; nothing ran."
    );
    // Modern: no `elicitation` in the request's client capabilities.
    let modern = TestClient::modern(server(&runs, Policy::new(), &audit))
        .unwrap()
        .with_client_capabilities(json!({}));
    let refused = modern
        .call_tool("transfer", json!({"from": "A", "to": "B", "amount": 1}))
        .await;
    match refused {
        Ok(result) => assert!(result.is_error, "{}", result.text()),
        Err(error) => {
            assert_eq!(error.code, -32021, "{error:?}");
            assert!(error.message.contains("elicitation"), "{error:?}");
        }
    }
    assert_eq!(runs.transfers(), 0);
    let trail = trail(&audit_records(&audit), "transfer");
    assert_eq!(
        trail
            .iter()
            .filter(|t| t.as_str() == "call:confirm:unconfirmable")
            .count(),
        2,
        "{trail:?}"
    );
}

#[tokio::test]
async fn the_modern_confirmation_is_an_input_required_round_trip() {
    let runs = Runs::default();
    let audit = audit_path("mrtr");
    let client = TestClient::modern(server(&runs, Policy::new(), &audit))
        .unwrap()
        .with_client_capabilities(json!({"elicitation": {}}));
    let params = json!({"name": "transfer", "arguments": {"from": "A", "to": "B", "amount": 3}});
    let first = client.request("tools/call", params.clone()).await.unwrap();
    assert_eq!(first["resultType"], "input_required", "{first}");
    let requests = first["inputRequests"].as_object().unwrap();
    assert_eq!(requests.len(), 1);
    let (key, request) = requests.iter().next().unwrap();
    assert_eq!(request["method"], "elicitation/create");
    assert_eq!(
        request["params"]["message"],
        r#"Allow tool `transfer` (risk: high) to run with arguments {"amount":3,"from":"A","to":"B"}?"#
    );
    assert_eq!(runs.transfers(), 0, "nothing runs before the answer");

    let mut retry = params.clone();
    retry["inputResponses"] =
        json!({ key.clone(): {"action": "accept", "content": {"confirm": true}} });
    retry["requestState"] = first["requestState"].clone();
    let done = client.request("tools/call", retry).await.unwrap();
    assert_eq!(done["resultType"], "complete");
    assert_eq!(done["content"][0]["text"], "moved 3 from A to B");
    assert_eq!(runs.transfers(), 1);

    // The confirmed round cannot be replayed for a second transfer.
    let mut replayed = params.clone();
    replayed["inputResponses"] =
        json!({ key.clone(): {"action": "accept", "content": {"confirm": true}} });
    replayed["requestState"] = first["requestState"].clone();
    let err = client.request("tools/call", replayed).await.unwrap_err();
    assert!(err.message.contains("already used"), "{}", err.message);
    assert_eq!(runs.transfers(), 1);

    let again = client.request("tools/call", params.clone()).await.unwrap();
    let mut declined = params;
    declined["inputResponses"] = json!({ key.clone(): {"action": "decline"} });
    declined["requestState"] = again["requestState"].clone();
    let refused = client.request("tools/call", declined).await.unwrap();
    assert_eq!(refused["isError"], true);
    assert_eq!(runs.transfers(), 1);
    let records = audit_records(&audit);
    let replay = records
        .iter()
        .filter(|r| r["event"] == "call")
        .find(|r| r["outcome"] == "invalid_input");
    assert!(
        replay.is_some(),
        "the replay has a call record: {records:?}"
    );
}

#[tokio::test]
async fn the_default_policy_runs_low_and_medium_and_asks_for_high_and_critical() {
    let audit = audit_path("default");
    let runs = Runs::default();
    let asked = Arc::new(Mutex::new(Vec::new()));
    let client = TestClient::legacy_answering(
        server(&runs, Policy::new(), &audit),
        confirming("accept", Arc::clone(&asked)),
    )
    .await
    .unwrap();
    assert_eq!(
        tool_names(&client.list_tools().await.unwrap()),
        ["balance", "rename_account", "transfer", "close_account"]
    );
    client
        .call_tool("balance", json!({"account": "A"}))
        .await
        .unwrap();
    client
        .call_tool("rename_account", json!({"account": "A", "name": "B"}))
        .await
        .unwrap();
    assert!(
        asked.lock().unwrap().is_empty(),
        "low and medium run as they are"
    );
    client
        .call_tool("close_account", json!({"account": "A"}))
        .await
        .unwrap();
    assert_eq!(asked.lock().unwrap().len(), 1, "critical asks first");
    assert_eq!(runs.closes(), 1);
    let records = audit_records(&audit);
    assert_eq!(
        trail(&records, "balance"),
        ["decision:allow:-", "call:allow:ok"]
    );
    let call = records
        .iter()
        .find(|r| r["capability"] == "balance" && r["event"] == "call")
        .unwrap();
    assert!(call["durationMs"].is_u64());
    assert!(
        call.get("arguments").is_none(),
        "arguments are not logged by default"
    );
}

#[tokio::test]
async fn arguments_are_logged_only_when_configured() {
    let audit = audit_path("arguments");
    let client = TestClient::modern(
        bank_server_counting(Runs::default())
            .audit(AuditLog::to_file(&audit).unwrap().with_arguments(true)),
    )
    .unwrap();
    client
        .call_tool("balance", json!({"account": "A-7"}))
        .await
        .unwrap();
    let records = audit_records(&audit);
    let call = records.iter().find(|r| r["event"] == "call").unwrap();
    assert_eq!(call["arguments"], json!({"account": "A-7"}));
}

#[tokio::test]
async fn denied_resources_and_prompts_are_hidden_and_unreadable() {
    let audit = audit_path("catalog");
    let policy = Policy::new().confirm_up_to(RiskLevel::High);
    for client in [
        TestClient::modern(server(&Runs::default(), policy.clone(), &audit)).unwrap(),
        TestClient::legacy(server(&Runs::default(), policy.clone(), &audit))
            .await
            .unwrap(),
    ] {
        let era = client.protocol_version();
        let resources = client.request("resources/list", json!({})).await.unwrap();
        let uris: Vec<&str> = resources["resources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["uri"].as_str().unwrap())
            .collect();
        assert_eq!(uris, ["bank://rates"], "{era}");
        let prompts = client.request("prompts/list", json!({})).await.unwrap();
        let names: Vec<&str> = prompts["prompts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["summary"], "{era}");

        let err = client
            .request("resources/read", json!({"uri": "bank://ledger"}))
            .await
            .unwrap_err();
        assert!(
            err.message.contains("Resource not found: bank://ledger"),
            "{era}: {err:?}"
        );
        let err = client
            .request("prompts/get", json!({"name": "mass_closure"}))
            .await
            .unwrap_err();
        assert_eq!(
            err.message,
            "Invalid params: Unknown prompt: mass_closure (not found or not authorized)"
        );
        let rates = client
            .request("resources/read", json!({"uri": "bank://rates"}))
            .await
            .unwrap();
        assert_eq!(rates["contents"][0]["text"], "1.5%");
    }
    let records = audit_records(&audit);
    assert_eq!(
        trail(&records, "ledger"),
        [
            "decision:deny:-",
            "call:deny:refused",
            "decision:deny:-",
            "call:deny:refused"
        ]
    );
    assert!(records
        .iter()
        .any(|r| r["kind"] == "prompt" && r["decision"] == "deny"));
}

#[tokio::test]
async fn a_critical_prompt_asks_first_by_default() {
    let asked = Arc::new(Mutex::new(Vec::new()));
    let audit = audit_path("prompt-confirm");
    for action in ["accept", "decline"] {
        let client = TestClient::modern(server(&Runs::default(), Policy::new(), &audit))
            .unwrap()
            .answering(confirming(action, Arc::clone(&asked)));
        let answer = client
            .request("prompts/get", json!({"name": "mass_closure"}))
            .await;
        match action {
            "accept" => assert_eq!(
                answer.unwrap()["messages"][0]["content"]["text"],
                "Close them all."
            ),
            _ => assert!(answer
                .unwrap_err()
                .message
                .contains("declined the confirmation of `mass_closure`")),
        }
    }
    assert_eq!(asked.lock().unwrap().len(), 2);
}

#[tokio::test]
async fn the_environment_wins_over_the_file_which_wins_over_code() {
    let code = Policy::new().deny(["balance"]).allow_up_to(RiskLevel::Low);
    let file = Policy::from_toml(
        "[risk]\nallow_up_to = \"high\"\n[capabilities]\ndeny = [\"rename_*\"]\n",
        "policy.toml",
    )
    .unwrap();
    let env = Policy::from_vars(|name| match name {
        "MCP_POLICY_DENY" => Some("transfer".to_owned()),
        "MCP_POLICY_SHOW_DENIED" => Some("false".to_owned()),
        _ => None,
    })
    .unwrap();
    let merged = code.merge(file).merge(env);
    let audit = audit_path("merged");
    let client = TestClient::modern(server(&Runs::default(), merged, &audit)).unwrap();
    assert_eq!(
        tool_names(&client.list_tools().await.unwrap()),
        ["balance", "rename_account", "close_account"]
    );
}
