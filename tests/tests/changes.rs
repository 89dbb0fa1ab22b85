//! Capabilities switched off and on while the server runs, and who hears of it: legacy-era
//! connections (`notifications/*/list_changed`) and 2026-07-28 `subscriptions/listen`
//! streams.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use mcp_runtime::prelude::*;
use mcp_runtime::protocol::code;
use mcp_runtime::server::{Connection, Dispatcher};
use mcp_runtime::testing::TestClient;
use serde_json::{json, Value};
use tokio::sync::mpsc;

/// Says hello.
#[tool(read_only)]
fn hello() -> &'static str {
    "hello"
}

/// A tool that is off until switched on.
#[tool(read_only)]
fn beta() -> &'static str {
    "beta"
}

/// A greeting prompt.
#[prompt]
fn greeting() -> &'static str {
    "Say hello."
}

/// The notes.
#[resource("notes://today", mime_type = "text/plain")]
fn notes() -> &'static str {
    "buy milk"
}

/// One note by number.
#[resource("notes://{n}")]
fn note(n: u32) -> String {
    format!("note {n}")
}

fn server() -> Server {
    Server::new("changes", "1.0.0")
        .tools(tools![hello, beta])
        .prompts(prompts![greeting])
        .resources(resources![notes, note])
        .disable("beta")
}

async fn tool_names(client: &TestClient) -> Vec<String> {
    client
        .list_tools()
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.name)
        .collect()
}

#[tokio::test]
async fn a_switched_off_tool_is_unlisted_and_unknown_until_switched_on() {
    for client in [
        TestClient::legacy(server()).await.unwrap(),
        TestClient::modern(server()).unwrap(),
    ] {
        let era = client.protocol_version();
        assert_eq!(tool_names(&client).await, ["hello"], "{era}");
        let error = client.call_tool("beta", json!({})).await.unwrap_err();
        assert_eq!(error.code, code::INVALID_PARAMS, "{era}");
        assert!(
            error.message.contains("Unknown tool: beta"),
            "{era}: {}",
            error.message
        );
    }
    let dispatcher = server().build().unwrap();
    let notifier = dispatcher.notifier();
    assert!(notifier.enable_tool("beta").await.unwrap());
    assert!(!notifier.enable_tool("beta").await.unwrap(), "already on");
    assert!(notifier.disable_tool("nope").await.is_err());
    let (connection, _rx) = connect();
    let call = request(
        &dispatcher,
        &connection,
        1,
        "tools/call",
        json!({"name": "beta"}),
    )
    .await;
    assert_eq!(call["result"]["content"][0]["text"], "beta");
}

#[tokio::test]
async fn tools_switch_through_the_context_and_the_lists_follow() {
    /// Switches `beta` on or off.
    #[tool]
    async fn toggle(ctx: Context, on: bool) -> Result<String, ToolError> {
        let notifier = ctx.notifier();
        let changed = if on {
            notifier.enable_tool("beta").await?
        } else {
            notifier.disable_tool("beta").await?
        };
        Ok(changed.to_string())
    }
    let client = TestClient::legacy(server().tools(tools![toggle]))
        .await
        .unwrap();
    assert_eq!(tool_names(&client).await, ["hello", "toggle"]);
    let result = client
        .call_tool("toggle", json!({"on": true}))
        .await
        .unwrap();
    assert_eq!(result.text(), "true");
    assert_eq!(tool_names(&client).await, ["hello", "beta", "toggle"]);
    assert_eq!(
        client.call_tool("beta", json!({})).await.unwrap().text(),
        "beta"
    );
    // The legacy-era client heard of it.
    let heard: Vec<Value> = client.take_notifications();
    assert_eq!(
        heard,
        [json!({"jsonrpc": "2.0", "method": "notifications/tools/list_changed", "params": {}})]
    );
    client
        .call_tool("toggle", json!({"on": false}))
        .await
        .unwrap();
    assert_eq!(tool_names(&client).await, ["hello", "toggle"]);
}

#[tokio::test]
async fn prompts_and_resources_switch_too() {
    let client = TestClient::modern(server()).unwrap();
    let prompts = client.request("prompts/list", json!({})).await.unwrap();
    assert_eq!(prompts["prompts"].as_array().unwrap().len(), 1);

    let dispatcher = server().build().unwrap();
    let notifier = dispatcher.notifier();
    notifier.disable_prompt("greeting").await.unwrap();
    notifier.disable_resource("notes://today").await.unwrap();
    notifier.disable_resource("notes://{n}").await.unwrap();
    let (connection, _rx) = connect();
    let ask =
        |method: &'static str, params: Value| request(&dispatcher, &connection, 1, method, params);
    assert_eq!(
        ask("prompts/list", json!({})).await["result"]["prompts"],
        json!([])
    );
    assert_eq!(
        ask("prompts/get", json!({"name": "greeting"})).await["error"]["code"],
        code::INVALID_PARAMS
    );
    assert_eq!(
        ask("resources/list", json!({})).await["result"]["resources"],
        json!([])
    );
    assert_eq!(
        ask("resources/templates/list", json!({})).await["result"]["resourceTemplates"],
        json!([])
    );
    for uri in ["notes://today", "notes://7"] {
        let answer = ask("resources/read", json!({"uri": uri})).await;
        assert_eq!(answer["error"]["code"], code::INVALID_PARAMS, "{uri}");
    }
    notifier.enable_resource("notes://{n}").await.unwrap();
    let read = ask("resources/read", json!({"uri": "notes://7"})).await;
    assert_eq!(read["result"]["contents"][0]["text"], "note 7");
}

#[tokio::test]
async fn naming_nothing_is_an_error_at_build() {
    let error = Server::new("s", "1")
        .tools(tools![hello])
        .disable("nothing")
        .build()
        .err()
        .unwrap();
    assert_eq!(
        error.to_string(),
        "no tool, prompt or resource is named `nothing`"
    );
}

#[tokio::test]
async fn every_kind_advertises_list_changes() {
    let (connection, _rx) = connect();
    let dispatcher = server().build().unwrap();
    let discovered = request(&dispatcher, &connection, 1, "server/discover", json!({})).await;
    let capabilities = &discovered["result"]["capabilities"];
    for kind in ["tools", "prompts", "resources"] {
        assert_eq!(capabilities[kind]["listChanged"], true, "{kind}");
    }
}

fn connect() -> (Arc<Connection>, mpsc::Receiver<Vec<u8>>) {
    let (tx, rx) = mpsc::channel(64);
    (Arc::new(Connection::new(tx)), rx)
}

fn modern(method: &str, id: i64, mut params: Value) -> Bytes {
    params["_meta"] = json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {},
    });
    let message = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
    Bytes::from(serde_json::to_vec(&message).unwrap())
}

async fn request(
    dispatcher: &Dispatcher,
    connection: &Arc<Connection>,
    id: i64,
    method: &str,
    params: Value,
) -> Value {
    let answer = dispatcher
        .handle(connection, modern(method, id, params))
        .await
        .expect("requests are answered");
    serde_json::from_slice(&answer).unwrap()
}

async fn next(rx: &mut mpsc::Receiver<Vec<u8>>) -> Value {
    let message = tokio::time::timeout(Duration::from_secs(5), rx.recv())
        .await
        .expect("a message arrives")
        .expect("the stream is open");
    serde_json::from_slice(&message).unwrap()
}

#[tokio::test]
async fn listen_streams_hear_what_they_asked_for_and_nothing_else() {
    let dispatcher = server().build().unwrap();
    let notifier = dispatcher.notifier();
    let (connection, mut rx) = connect();

    let listening = {
        let dispatcher = dispatcher.clone();
        let connection = Arc::clone(&connection);
        tokio::spawn(async move {
            let params = json!({"notifications": {
                "toolsListChanged": true,
                "resourceSubscriptions": ["notes://today"],
                "somethingElse": true,
            }});
            dispatcher
                .handle(&connection, modern("subscriptions/listen", 41, params))
                .await
        })
    };
    let ack = next(&mut rx).await;
    assert_eq!(
        ack,
        json!({"jsonrpc": "2.0", "method": "notifications/subscriptions/acknowledged", "params": {
            "_meta": {"io.modelcontextprotocol/subscriptionId": 41},
            "notifications": {"toolsListChanged": true, "resourceSubscriptions": ["notes://today"]},
        }})
    );

    // A second stream that only wants prompt changes.
    let prompts_only = {
        let dispatcher = dispatcher.clone();
        let connection = Arc::clone(&connection);
        tokio::spawn(async move {
            let params = json!({"notifications": {"promptsListChanged": true}});
            dispatcher
                .handle(&connection, modern("subscriptions/listen", 42, params))
                .await
        })
    };
    let ack = next(&mut rx).await;
    assert_eq!(
        ack["params"]["_meta"]["io.modelcontextprotocol/subscriptionId"],
        42
    );

    notifier.enable_tool("beta").await.unwrap();
    assert_eq!(
        next(&mut rx).await,
        json!({"jsonrpc": "2.0", "method": "notifications/tools/list_changed", "params": {
            "_meta": {"io.modelcontextprotocol/subscriptionId": 41},
        }})
    );
    assert_eq!(notifier.resource_updated("notes://today").await, 1);
    assert_eq!(
        next(&mut rx).await,
        json!({"jsonrpc": "2.0", "method": "notifications/resources/updated", "params": {
            "uri": "notes://today",
            "_meta": {"io.modelcontextprotocol/subscriptionId": 41},
        }})
    );
    assert_eq!(notifier.resource_updated("notes://other").await, 0);
    notifier.disable_prompt("greeting").await.unwrap();
    let prompt_change = next(&mut rx).await;
    assert_eq!(
        prompt_change["method"],
        "notifications/prompts/list_changed"
    );
    assert_eq!(
        prompt_change["params"]["_meta"]["io.modelcontextprotocol/subscriptionId"],
        42
    );

    // Cancelling ends the stream without an answer, and it hears nothing more.
    let cancel =
        json!({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 41}});
    dispatcher
        .handle(
            &connection,
            Bytes::from(serde_json::to_vec(&cancel).unwrap()),
        )
        .await;
    assert_eq!(listening.await.unwrap(), None);
    assert_eq!(notifier.resource_updated("notes://today").await, 0);
    prompts_only.abort();
}

#[tokio::test]
async fn listen_is_a_modern_request() {
    let client = TestClient::legacy(server()).await.unwrap();
    let error = client
        .request("subscriptions/listen", json!({"notifications": {}}))
        .await
        .unwrap_err();
    assert_eq!(error.code, code::METHOD_NOT_FOUND);
}
