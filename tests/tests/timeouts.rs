//! A call that runs longer than its timeout is stopped and answered; the handler sees the
//! cancellation and the server keeps serving.

use std::time::Duration;

use mcp_runtime::testing::TestClient;
use serde_json::json;

#[tokio::test]
async fn a_call_past_its_timeout_is_stopped_with_an_error_result_in_both_eras() {
    let server = || mcp_tests::fixture_server().call_timeout(Duration::from_millis(100));
    for client in [
        TestClient::modern(server()).unwrap(),
        TestClient::legacy(server()).await.unwrap(),
    ] {
        let era = client.protocol_version();
        let result = client
            .call_tool("sleep", json!({"ms": 600_000}))
            .await
            .unwrap();
        assert!(result.is_error, "{era}");
        assert_eq!(
            result.text(),
            "tool `sleep` did not finish within 100ms and was stopped",
            "{era}"
        );
        // Quick calls are unaffected, and the server goes on.
        let quick = client.call_tool("sleep", json!({"ms": 1})).await.unwrap();
        assert_eq!(quick.text(), "slept", "{era}");
    }
}

#[tokio::test]
async fn a_timeout_is_set_per_capability_or_switched_off() {
    let client = TestClient::modern(
        mcp_tests::fixture_server()
            .call_timeout(None)
            .timeout_for("sleep", Duration::from_millis(50)),
    )
    .unwrap();
    let result = client
        .call_tool("sleep", json!({"ms": 600_000}))
        .await
        .unwrap();
    assert!(result.is_error);
    let client = TestClient::modern(
        mcp_tests::fixture_server()
            .call_timeout(Duration::from_millis(50))
            .timeout_for("sleep", None),
    )
    .unwrap();
    let result = client.call_tool("sleep", json!({"ms": 300})).await.unwrap();
    assert_eq!(result.text(), "slept");
}

#[test]
fn a_timeout_for_an_unknown_name_fails_at_build() {
    let err = mcp_tests::fixture_server()
        .timeout_for("no_such_tool", Duration::from_secs(1))
        .build()
        .err()
        .unwrap();
    assert_eq!(
        err.to_string(),
        "no tool, prompt or resource is named `no_such_tool`"
    );
}

/// Waits `ms` milliseconds, or until cancelled; allowed 100 ms.
#[mcp_runtime::tool(timeout = "100ms")]
async fn patient(ctx: mcp_runtime::Context, ms: u64) -> String {
    tokio::select! {
        _ = tokio::time::sleep(Duration::from_millis(ms)) => "waited".to_owned(),
        _ = ctx.cancelled() => "cancelled".to_owned(),
    }
}

/// Renders a prompt slowly; allowed 1 second.
#[mcp_runtime::prompt(timeout = "1s")]
async fn slow_prompt(ms: u64) -> String {
    tokio::time::sleep(Duration::from_millis(ms)).await;
    "rendered".to_owned()
}

#[tokio::test]
async fn a_declared_timeout_wins_over_the_servers_default_and_loses_to_timeout_for() {
    let server = || {
        mcp_runtime::Server::new("patience", "1.0.0")
            .tools(mcp_runtime::tools![patient])
            .prompts(mcp_runtime::prompts![slow_prompt])
    };
    // The server allows ten minutes; the tool itself says 100 ms.
    let client = TestClient::modern(server()).unwrap();
    let result = client
        .call_tool("patient", json!({"ms": 600_000}))
        .await
        .unwrap();
    assert!(result.is_error);
    assert_eq!(
        result.text(),
        "tool `patient` did not finish within 100ms and was stopped"
    );
    let quick = client.call_tool("patient", json!({"ms": 1})).await.unwrap();
    assert_eq!(quick.text(), "waited");
    // Declared on a prompt too: within it, the prompt renders.
    let rendered = client
        .request(
            "prompts/get",
            json!({"name": "slow_prompt", "arguments": {"ms": "200"}}),
        )
        .await
        .unwrap();
    assert_eq!(rendered["messages"][0]["content"]["text"], "rendered");
    // The server's word for one capability wins over the capability's own.
    let client =
        TestClient::modern(server().timeout_for("patient", Duration::from_secs(5))).unwrap();
    let result = client
        .call_tool("patient", json!({"ms": 300}))
        .await
        .unwrap();
    assert_eq!(result.text(), "waited");
}
