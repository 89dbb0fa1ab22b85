//! Every request that names a capability passes the same policy decision as running it:
//! completion and subscription answer nothing about what the caller may not see or use, and
//! every kind's `State<T>` is checked when the server is built.

use mcp_runtime::permission::{Caller, Policy};
use mcp_runtime::prelude::*;
use mcp_runtime::testing::TestClient;
use serde_json::json;

/// Suggests box names.
fn boxes(typed: &str) -> Vec<String> {
    ["gold", "green"]
        .iter()
        .filter(|b| b.starts_with(typed))
        .map(|b| b.to_string())
        .collect()
}

/// One safe-deposit box.
#[resource("vault://{name}", scopes("vault:read"), complete(name = boxes))]
fn vault_box(name: String) -> String {
    format!("the contents of {name}")
}

/// Suggests targets.
fn targets(typed: &str) -> Vec<String> {
    ["everyone", "everything"]
        .iter()
        .filter(|t| t.starts_with(typed))
        .map(|t| t.to_string())
        .collect()
}

/// Drafts an order to wipe `target`.
#[prompt(risk = "critical", complete(target = targets))]
fn wipe(target: String) -> String {
    format!("Wipe {target}.")
}

/// Today's notice.
#[resource("vault://notice")]
fn notice() -> &'static str {
    "closed on Sunday"
}

fn vault(policy: Policy) -> Server {
    Server::new("vault", "1.0.0")
        .policy(policy)
        .resources(resources![vault_box, notice])
        .prompts(prompts![wipe])
}

async fn clients(policy: Policy) -> Vec<TestClient> {
    vec![
        TestClient::modern(vault(policy.clone())).unwrap(),
        TestClient::legacy(vault(policy)).await.unwrap(),
    ]
}

#[tokio::test]
async fn completion_of_a_hidden_prompt_or_template_is_refused_as_unknown() {
    let policy = Policy::new().deny(["wipe", "vault_box"]);
    for client in clients(policy).await {
        let era = client.protocol_version();
        let err = client
            .request(
                "completion/complete",
                json!({"ref": {"type": "ref/prompt", "name": "wipe"}, "argument": {"name": "target", "value": "every"}}),
            )
            .await
            .unwrap_err();
        assert_eq!(err.code, -32602, "{era}");
        assert_eq!(err.message, "Invalid params: Unknown prompt: wipe", "{era}");
        let err = client
            .request(
                "completion/complete",
                json!({"ref": {"type": "ref/resource", "uri": "vault://{name}"}, "argument": {"name": "name", "value": "g"}}),
            )
            .await
            .unwrap_err();
        assert_eq!(
            err.message, "Invalid params: Unknown resource template: vault://{name}",
            "{era}"
        );
    }
}

#[tokio::test]
async fn completion_of_a_visible_capability_still_suggests() {
    for client in clients(Policy::new()).await {
        let era = client.protocol_version();
        let answer = client
            .request(
                "completion/complete",
                json!({"ref": {"type": "ref/prompt", "name": "wipe"}, "argument": {"name": "target", "value": "everyt"}}),
            )
            .await
            .unwrap();
        assert_eq!(
            answer["completion"]["values"],
            json!(["everything"]),
            "{era}"
        );
    }
}

#[tokio::test]
async fn completion_checks_the_callers_scopes() {
    let without = Caller::new("bob", ["other:read"]);
    let with = Caller::new("ann", ["vault:read"]);
    for client in clients(Policy::new()).await {
        let era = client.protocol_version();
        let complete = || {
            client.request(
                "completion/complete",
                json!({"ref": {"type": "ref/resource", "uri": "vault://{name}"}, "argument": {"name": "name", "value": "g"}}),
            )
        };
        let err = without.clone().scope(complete()).await.unwrap_err();
        assert_eq!(err.code, -32040, "{era}: {err:?}");
        assert_eq!(err.data.unwrap()["requiredScopes"], json!(["vault:read"]));
        let answer = with.clone().scope(complete()).await.unwrap();
        assert_eq!(
            answer["completion"]["values"],
            json!(["gold", "green"]),
            "{era}"
        );
    }
}

#[tokio::test]
async fn subscribing_to_a_denied_or_out_of_scope_resource_is_refused() {
    let client = TestClient::legacy(vault(Policy::new().deny(["notice"])))
        .await
        .unwrap();
    let err = client
        .request("resources/subscribe", json!({"uri": "vault://notice"}))
        .await
        .unwrap_err();
    assert_eq!(err.code, -32002, "{err:?}");
    assert_eq!(err.message, "Resource not found: vault://notice");

    let err = Caller::new("bob", ["other:read"])
        .scope(client.request("resources/subscribe", json!({"uri": "vault://gold"})))
        .await
        .unwrap_err();
    assert_eq!(err.code, -32040, "{err:?}");
    let subscribed = Caller::new("ann", ["vault:read"])
        .scope(client.request("resources/subscribe", json!({"uri": "vault://gold"})))
        .await
        .unwrap();
    assert_eq!(subscribed, json!({}));
}

/// Counts something.
#[derive(Default)]
struct Counter;

/// Reads a counter that was never registered.
#[resource("count://now")]
fn count(_counter: State<Counter>) -> &'static str {
    "0"
}

/// Renders a counter that was never registered.
#[prompt]
fn tally(_counter: State<Counter>) -> String {
    "0".to_owned()
}

#[test]
fn resources_and_prompts_taking_unregistered_state_fail_at_build_naming_the_type() {
    let err = Server::new("x", "1")
        .resources(resources![count])
        .build()
        .err()
        .unwrap();
    assert_eq!(
        err.to_string(),
        "resource `count://now` takes `State<integration::capability_access::Counter>`, but no `integration::capability_access::Counter` was registered; add `.state(...)` with one to the `Server`"
    );
    let err = Server::new("x", "1")
        .prompts(prompts![tally])
        .build()
        .err()
        .unwrap();
    assert_eq!(
        err.to_string(),
        "prompt `tally` takes `State<integration::capability_access::Counter>`, but no `integration::capability_access::Counter` was registered; add `.state(...)` with one to the `Server`"
    );
    assert!(Server::new("x", "1")
        .state(Counter)
        .resources(resources![count])
        .prompts(prompts![tally])
        .build()
        .is_ok());
}

#[tokio::test]
async fn subscriptions_are_bounded_in_number_and_uri_length() {
    let client = TestClient::legacy(vault(Policy::new())).await.unwrap();
    let long = format!("vault://{}", "x".repeat(9000));
    let err = client
        .request("resources/subscribe", json!({"uri": long}))
        .await
        .unwrap_err();
    assert_eq!(err.code, -32602, "{err:?}");
    assert!(err.message.contains("longer than 8192 bytes"), "{err:?}");
    for n in 0..1024 {
        client
            .request(
                "resources/subscribe",
                json!({"uri": format!("vault://box{n}")}),
            )
            .await
            .unwrap();
    }
    // Subscribing again to one held is fine; a new one is refused.
    client
        .request("resources/subscribe", json!({"uri": "vault://box7"}))
        .await
        .unwrap();
    let err = client
        .request("resources/subscribe", json!({"uri": "vault://one-more"}))
        .await
        .unwrap_err();
    assert!(
        err.message.contains("at most 1024 subscriptions"),
        "{err:?}"
    );
    client
        .request("resources/unsubscribe", json!({"uri": "vault://box7"}))
        .await
        .unwrap();
    client
        .request("resources/subscribe", json!({"uri": "vault://one-more"}))
        .await
        .unwrap();
}
