//! Resources, resource templates, prompts, completion and resource subscriptions, through the
//! in-memory client, in every era the runtime speaks.

use std::sync::Arc;
use std::time::Duration;

use mcp_runtime::prelude::*;
use mcp_runtime::protocol::{code, Era, ProtocolVersion, RpcError};
use mcp_runtime::server::Connection;
use mcp_runtime::testing::TestClient;
use mcp_tests::fixture_server;
use serde_json::{json, Value};
use tokio::sync::mpsc;

/// A modern client, a legacy one at 2025-11-25 and a legacy one at 2025-06-18.
async fn clients_of(server: impl Fn() -> Server) -> Vec<TestClient> {
    vec![
        TestClient::modern(server()).unwrap(),
        TestClient::legacy(server()).await.unwrap(),
        TestClient::legacy_with_version(server(), ProtocolVersion::V2025_06_18)
            .await
            .unwrap(),
    ]
}

async fn clients() -> Vec<TestClient> {
    clients_of(fixture_server).await
}

fn is_modern(client: &TestClient) -> bool {
    client.protocol_version().era() == Era::Modern
}

/// The revision a client speaks, for assertion messages.
fn era(client: &TestClient) -> &'static str {
    client.protocol_version().as_str()
}

async fn read(client: &TestClient, uri: &str) -> Result<Value, RpcError> {
    client
        .request("resources/read", json!({ "uri": uri }))
        .await
}

async fn get_prompt(client: &TestClient, name: &str, arguments: Value) -> Result<Value, RpcError> {
    client
        .request(
            "prompts/get",
            json!({ "name": name, "arguments": arguments }),
        )
        .await
}

async fn complete(
    client: &TestClient,
    reference: Value,
    name: &str,
    value: &str,
) -> Result<Value, RpcError> {
    client
        .request(
            "completion/complete",
            json!({ "ref": reference, "argument": { "name": name, "value": value } }),
        )
        .await
}

fn prompt_ref(name: &str) -> Value {
    json!({ "type": "ref/prompt", "name": name })
}

fn resource_ref(uri: &str) -> Value {
    json!({ "type": "ref/resource", "uri": uri })
}

const USER_ITEMS: &str = "test://users/{user}/items/{index}";

/// Every item of a list, following `nextCursor`; also returns how many pages there were.
async fn list_all(client: &TestClient, method: &str, key: &str) -> (Vec<Value>, usize) {
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let params = match &cursor {
            Some(cursor) => json!({ "cursor": cursor }),
            None => json!({}),
        };
        let page = client.request(method, params).await.unwrap();
        pages += 1;
        items.extend(page[key].as_array().unwrap().iter().cloned());
        match page.get("nextCursor") {
            Some(next) => cursor = Some(next.as_str().unwrap().to_owned()),
            None => return (items, pages),
        }
    }
}

fn permission(value: Value) -> Value {
    json!({ "mcp-runtime/permission": value })
}

// ---------------------------------------------------------------------------------------------
// Lists

#[tokio::test]
async fn resources_list_holds_the_fixed_resources_only() {
    for client in clients().await {
        let list = client.request("resources/list", json!({})).await.unwrap();
        assert!(list.get("nextCursor").is_none(), "{}", era(&client));
        let resources = list["resources"].as_array().unwrap();
        let uris: Vec<_> = resources
            .iter()
            .map(|r| r["uri"].as_str().unwrap())
            .collect();
        assert_eq!(
            uris,
            [
                "test://static/readme",
                "test://static/logo",
                "test://broken",
                "test://panicking",
                "test://whoami"
            ],
            "{}",
            era(&client)
        );
        assert_eq!(
            resources[0],
            json!({
                "uri": "test://static/readme",
                "name": "readme",
                "title": "Read me",
                "description": "The project's read-me.",
                "mimeType": "text/markdown",
                "_meta": permission(json!({"risk": "low", "scopes": ["docs:read"]})),
            }),
            "{}",
            era(&client)
        );
        assert_eq!(
            resources[1],
            json!({
                "uri": "test://static/logo",
                "name": "logo",
                "description": "The project's logo (the first bytes of a PNG).",
                "mimeType": "image/png",
                "_meta": permission(json!({"risk": "medium"})),
            }),
            "{}",
            era(&client)
        );
        // No declared MIME type: none listed.
        assert!(resources[2].get("mimeType").is_none(), "{}", resources[2]);
        for resource in resources {
            assert!(!resource["uri"].as_str().unwrap().contains('{'));
            assert!(resource.get("uriTemplate").is_none());
        }
    }
}

#[tokio::test]
async fn templates_list_holds_the_templates_only() {
    for client in clients().await {
        let list = client
            .request("resources/templates/list", json!({}))
            .await
            .unwrap();
        assert!(list.get("nextCursor").is_none());
        assert_eq!(
            list["resourceTemplates"],
            json!([
                {
                    "uriTemplate": USER_ITEMS,
                    "name": "user_item",
                    "description": "One item of a user's list.",
                    "_meta": permission(json!({"risk": "low"})),
                },
                {
                    "uriTemplate": "notes://{index}",
                    "name": "note",
                    "description": "One note, by position (from 0).",
                    "mimeType": "text/plain",
                    "_meta": permission(json!({"risk": "low"})),
                },
            ]),
            "{}",
            era(&client)
        );
    }
}

#[tokio::test]
async fn prompts_list_describes_the_arguments() {
    for client in clients().await {
        let list = client.request("prompts/list", json!({})).await.unwrap();
        assert!(list.get("nextCursor").is_none());
        let prompts = list["prompts"].as_array().unwrap();
        let names: Vec<_> = prompts
            .iter()
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        assert_eq!(
            names,
            [
                "code_review",
                "describe_image",
                "broken_prompt",
                "note.summarise"
            ],
            "{}",
            era(&client)
        );
        assert_eq!(
            prompts[0],
            json!({
                "name": "code_review",
                "title": "Code review",
                "description": "Asks for a code review.",
                "arguments": [
                    {"name": "language", "description": "the language of the code", "required": true},
                    {"name": "focus", "description": "what to pay most attention to", "required": false},
                ],
                "_meta": permission(json!({"risk": "low"})),
            }),
            "{}",
            era(&client)
        );
        assert_eq!(
            prompts[1],
            json!({
                "name": "describe_image",
                "description": "Asks about a picture: several messages, one of them an image.",
                "_meta": permission(json!({"risk": "medium", "scopes": ["images:read"]})),
            }),
            "a prompt without arguments lists none ({})",
            era(&client)
        );
        assert_eq!(
            prompts[3]["arguments"],
            json!([{"name": "index", "description": "the position of the note, from 0", "required": true}])
        );
    }
}

#[tokio::test]
async fn lists_are_paginated() {
    for client in clients_of(|| fixture_server().page_size(2)).await {
        let first = client.request("resources/list", json!({})).await.unwrap();
        assert_eq!(first["resources"].as_array().unwrap().len(), 2);
        assert!(first["nextCursor"].is_string(), "{first}");

        let (resources, pages) = list_all(&client, "resources/list", "resources").await;
        assert_eq!(pages, 3, "{}", era(&client));
        let uris: Vec<_> = resources
            .iter()
            .map(|r| r["uri"].as_str().unwrap())
            .collect();
        assert_eq!(
            uris,
            [
                "test://static/readme",
                "test://static/logo",
                "test://broken",
                "test://panicking",
                "test://whoami"
            ]
        );

        let (templates, pages) =
            list_all(&client, "resources/templates/list", "resourceTemplates").await;
        assert_eq!((templates.len(), pages), (2, 1), "exactly one full page");

        let (prompts, pages) = list_all(&client, "prompts/list", "prompts").await;
        assert_eq!((prompts.len(), pages), (4, 2));
        assert_eq!(prompts[2]["name"], "broken_prompt");

        for method in ["resources/list", "resources/templates/list", "prompts/list"] {
            let err = client
                .request(method, json!({ "cursor": "bogus" }))
                .await
                .unwrap_err();
            assert_eq!(err.code, code::INVALID_PARAMS, "{method}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Reading

#[tokio::test]
async fn fixed_resources_read_as_text_and_base64() {
    for client in clients().await {
        let text = read(&client, "test://static/readme").await.unwrap();
        assert_eq!(
            text["contents"],
            json!([{
                "uri": "test://static/readme",
                "mimeType": "text/markdown",
                "text": "# Fixture\n\nA server for testing the runtime.",
            }]),
            "{}",
            era(&client)
        );
        let blob = read(&client, "test://static/logo").await.unwrap();
        assert_eq!(
            blob["contents"],
            json!([{ "uri": "test://static/logo", "mimeType": "image/png", "blob": "iVBORw0KGgoA/w==" }]),
            "{}",
            era(&client)
        );
        assert_eq!(
            decode_base64(blob["contents"][0]["blob"].as_str().unwrap()),
            mcp_tests::LOGO
        );
    }
}

/// Standard base64, enough to check a blob without another dependency.
fn decode_base64(text: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::new();
    let (mut buffer, mut bits) = (0u32, 0);
    for byte in text.bytes().filter(|&b| b != b'=') {
        let value = ALPHABET.iter().position(|&a| a == byte).expect("base64") as u32;
        buffer = (buffer << 6) | value;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    out
}

#[tokio::test]
async fn template_variables_are_bound_parsed_and_percent_decoded() {
    for client in clients().await {
        let item = read(&client, "test://users/ada/items/3").await.unwrap();
        assert_eq!(
            item["contents"],
            json!([{ "uri": "test://users/ada/items/3", "mimeType": "text/plain", "text": "item 3 of ada" }]),
            "{}",
            era(&client)
        );

        let uri = "test://users/ada%20lovelace/items/07";
        let item = read(&client, uri).await.unwrap();
        assert_eq!(item["contents"][0]["text"], "item 7 of ada lovelace");
        assert_eq!(
            item["contents"][0]["uri"], uri,
            "the contents name the URI as asked for"
        );

        let unicode = read(&client, "test://users/%C3%A9mile/items/1")
            .await
            .unwrap();
        assert_eq!(unicode["contents"][0]["text"], "item 1 of émile");
    }
}

#[tokio::test]
async fn a_variable_that_does_not_parse_is_invalid_params() {
    for client in clients().await {
        for uri in [
            "test://users/ada/items/three",
            "test://users/ada/items/-1",
            "test://users/ada/items/99999999999",
        ] {
            let err = read(&client, uri).await.unwrap_err();
            assert_eq!(err.code, code::INVALID_PARAMS, "{uri} ({})", era(&client));
            assert!(err.message.contains("`index`"), "{uri}: {}", err.message);
        }
        // Still serving.
        read(&client, "test://users/ada/items/1").await.unwrap();
    }
}

#[tokio::test]
async fn unknown_uris_are_not_found_in_each_era() {
    for client in clients().await {
        for uri in [
            "test://nowhere",
            "test://static/readme/",
            "test://users/ada/items/",
            "test://users/a/b/items/1",
            "test://users/%ZZ/items/1",
            "",
        ] {
            let err = read(&client, uri).await.unwrap_err();
            if is_modern(&client) {
                assert_eq!(err.code, code::INVALID_PARAMS, "{uri:?}");
            } else {
                assert_eq!(
                    err.code,
                    code::RESOURCE_NOT_FOUND,
                    "{uri:?} ({})",
                    era(&client)
                );
            }
            assert_eq!(
                err.data,
                Some(json!({ "uri": uri })),
                "{uri:?} ({})",
                era(&client)
            );
        }
    }
}

#[tokio::test]
async fn a_missing_uri_parameter_is_invalid_params() {
    for client in clients().await {
        let err = client
            .request("resources/read", json!({}))
            .await
            .unwrap_err();
        assert_eq!(err.code, code::INVALID_PARAMS, "{}", era(&client));
        let err = client
            .request("resources/read", json!({ "uri": 7 }))
            .await
            .unwrap_err();
        assert_eq!(err.code, code::INVALID_PARAMS, "{}", era(&client));
    }
}

#[tokio::test]
async fn failing_resources_are_errors_and_the_server_keeps_serving() {
    for client in clients().await {
        let err = read(&client, "test://broken").await.unwrap_err();
        assert_eq!(err.code, code::INTERNAL_ERROR, "{}", era(&client));
        assert!(
            err.message.contains("the disk is on fire"),
            "{}",
            err.message
        );

        let err = read(&client, "test://panicking").await.unwrap_err();
        assert_eq!(err.code, code::INTERNAL_ERROR, "{}", era(&client));
        assert!(err.message.contains("test://panicking"), "{}", err.message);

        let again = read(&client, "test://static/readme").await.unwrap();
        assert_eq!(again["contents"][0]["uri"], "test://static/readme");
        assert_eq!(
            client
                .call_tool("echo", json!({"text": "alive"}))
                .await
                .unwrap()
                .text(),
            "alive"
        );
    }
}

#[tokio::test]
async fn async_resources_see_the_request_context() {
    for client in clients().await {
        client.take_notifications();
        let read = read(&client, "test://whoami").await.unwrap();
        let contents = &read["contents"][0];
        assert_eq!(contents["mimeType"], "application/json");
        let body: Value = serde_json::from_str(contents["text"].as_str().unwrap()).unwrap();
        assert_eq!(
            body,
            json!({"protocolVersion": era(&client), "client": "mcp-runtime-test"})
        );
        let logs = client.take_notifications();
        if is_modern(&client) {
            assert!(logs.is_empty(), "no log level asked for: {logs:?}");
        } else {
            // Legacy-era clients get every log message until they set a level.
            assert_eq!(logs.len(), 1, "{logs:?}");
            assert_eq!(logs[0]["method"], "notifications/message");
            assert_eq!(logs[0]["params"]["data"], "whoami read");
        }
    }
}

#[tokio::test]
async fn the_notebook_block_serves_a_resource_and_a_prompt() {
    for client in clients().await {
        client
            .call_tool("note.add", json!({"text": "milk"}))
            .await
            .unwrap();
        let note = read(&client, "notes://0").await.unwrap();
        assert_eq!(
            note["contents"],
            json!([{ "uri": "notes://0", "mimeType": "text/plain", "text": "milk" }])
        );
        let err = read(&client, "notes://1").await.unwrap_err();
        assert_eq!(err.code, code::INTERNAL_ERROR);
        assert!(err.message.contains("no note 1"), "{}", err.message);
        let err = read(&client, "notes://first").await.unwrap_err();
        assert_eq!(err.code, code::INVALID_PARAMS);

        let got = get_prompt(&client, "note.summarise", json!({"index": "0"}))
            .await
            .unwrap();
        assert_eq!(
            got["messages"],
            json!([{"role": "user", "content": {"type": "text", "text": "Summarise this note: milk"}}])
        );
        let err = get_prompt(&client, "note.summarise", json!({"index": "zero"}))
            .await
            .unwrap_err();
        assert_eq!(err.code, code::INVALID_PARAMS, "{}", era(&client));
        assert!(err.message.contains("`index`"), "{}", err.message);

        let completed = complete(&client, resource_ref("notes://{index}"), "index", "")
            .await
            .unwrap();
        assert_eq!(completed["completion"]["values"], json!(["0", "1", "2"]));
    }
}

// ---------------------------------------------------------------------------------------------
// Prompts

#[tokio::test]
async fn prompts_render_their_messages() {
    for client in clients().await {
        let got = get_prompt(&client, "code_review", json!({"language": "rust"}))
            .await
            .unwrap();
        assert_eq!(
            got["messages"],
            json!([{"role": "user", "content": {"type": "text", "text": "Review this rust code."}}]),
            "{}",
            era(&client)
        );
        let got = get_prompt(
            &client,
            "code_review",
            json!({"language": "go", "focus": "error handling"}),
        )
        .await
        .unwrap();
        assert_eq!(
            got["messages"][0]["content"]["text"],
            "Review this go code, focusing on error handling."
        );

        // No arguments at all is fine for a prompt that takes none.
        let got = client
            .request("prompts/get", json!({"name": "describe_image"}))
            .await
            .unwrap();
        assert_eq!(
            got["messages"],
            json!([
                {"role": "user", "content": {"type": "text", "text": "What is in this picture?"}},
                {"role": "user", "content": {"type": "image", "data": "iVBORw0KGgo=", "mimeType": "image/png"}},
                {"role": "user", "content": {"type": "resource", "resource": {"uri": "test://static/readme", "mimeType": "text/markdown", "text": "# Fixture"}}},
                {"role": "assistant", "content": {"type": "text", "text": "Let me look."}},
            ]),
            "{}",
            era(&client)
        );
    }
}

#[tokio::test]
async fn prompt_argument_errors_are_invalid_params() {
    for client in clients().await {
        let err = get_prompt(&client, "code_review", json!({"focus": "tests"}))
            .await
            .unwrap_err();
        assert_eq!(err.code, code::INVALID_PARAMS, "{}", era(&client));
        assert!(err.message.contains("`language`"), "{}", err.message);

        let err = client
            .request("prompts/get", json!({"name": "code_review"}))
            .await
            .unwrap_err();
        assert_eq!(err.code, code::INVALID_PARAMS, "no arguments at all");

        let err = get_prompt(&client, "code_review", json!({"language": 5}))
            .await
            .unwrap_err();
        assert_eq!(err.code, code::INVALID_PARAMS, "arguments are strings");

        let err = get_prompt(&client, "no_such_prompt", json!({}))
            .await
            .unwrap_err();
        assert_eq!(err.code, code::INVALID_PARAMS);
        assert!(err.message.contains("no_such_prompt"), "{}", err.message);

        let err = client.request("prompts/get", json!({})).await.unwrap_err();
        assert_eq!(err.code, code::INVALID_PARAMS, "no name");
    }
}

#[tokio::test]
async fn a_failing_prompt_is_an_error_and_the_server_keeps_serving() {
    for client in clients().await {
        let err = get_prompt(&client, "broken_prompt", json!({}))
            .await
            .unwrap_err();
        assert_eq!(err.code, code::INTERNAL_ERROR, "{}", era(&client));
        assert!(
            err.message.contains("the prompt is broken"),
            "{}",
            err.message
        );
        let got = get_prompt(&client, "code_review", json!({"language": "rust"}))
            .await
            .unwrap();
        assert_eq!(got["messages"].as_array().unwrap().len(), 1);
    }
}

// ---------------------------------------------------------------------------------------------
// Completion

#[tokio::test]
async fn completion_suggests_prompt_arguments_by_prefix() {
    for client in clients().await {
        let cases = [
            ("", vec!["rust", "ruby", "python", "go"]),
            ("r", vec!["rust", "ruby"]),
            ("ru", vec!["rust", "ruby"]),
            ("rus", vec!["rust"]),
            ("py", vec!["python"]),
            ("z", vec![]),
        ];
        for (typed, expected) in cases {
            let completed = complete(&client, prompt_ref("code_review"), "language", typed)
                .await
                .unwrap();
            assert_eq!(
                completed["completion"]["values"],
                json!(expected),
                "{typed:?} ({})",
                era(&client)
            );
            let has_more = completed["completion"].get("hasMore");
            assert!(
                has_more.is_none() || has_more == Some(&json!(false)),
                "{completed}"
            );
            if let Some(total) = completed["completion"].get("total") {
                assert_eq!(total, &json!(expected.len()));
            }
        }
    }
}

#[tokio::test]
async fn completion_suggests_template_variables_by_prefix() {
    for client in clients().await {
        let completed = complete(&client, resource_ref(USER_ITEMS), "user", "a")
            .await
            .unwrap();
        assert_eq!(
            completed["completion"]["values"],
            json!(["ada", "alan", "ada lovelace"]),
            "{}",
            era(&client)
        );
        let completed = complete(&client, resource_ref(USER_ITEMS), "user", "ada")
            .await
            .unwrap();
        assert_eq!(
            completed["completion"]["values"],
            json!(["ada", "ada lovelace"])
        );
        let completed = complete(&client, resource_ref(USER_ITEMS), "user", "g")
            .await
            .unwrap();
        assert_eq!(completed["completion"]["values"], json!(["grace"]));
    }
}

#[tokio::test]
async fn completion_without_a_completer_is_empty() {
    for client in clients().await {
        for (reference, argument) in [
            (prompt_ref("code_review"), "focus"),
            (prompt_ref("code_review"), "no_such_argument"),
            (prompt_ref("describe_image"), "anything"),
            (resource_ref(USER_ITEMS), "index"),
            (resource_ref("test://static/readme"), "anything"),
        ] {
            let completed = complete(&client, reference.clone(), argument, "x")
                .await
                .unwrap();
            assert_eq!(
                completed["completion"]["values"],
                json!([]),
                "{reference} {argument} ({})",
                era(&client)
            );
        }
    }
}

#[tokio::test]
async fn completion_of_unknown_references_is_invalid_params() {
    for client in clients().await {
        let err = complete(&client, prompt_ref("no_such_prompt"), "language", "r")
            .await
            .unwrap_err();
        assert_eq!(err.code, code::INVALID_PARAMS, "{}", era(&client));
        let err = complete(&client, resource_ref("test://nope/{x}"), "x", "r")
            .await
            .unwrap_err();
        assert_eq!(err.code, code::INVALID_PARAMS, "{}", era(&client));
        let err = complete(
            &client,
            json!({"type": "ref/tool", "name": "echo"}),
            "text",
            "",
        )
        .await
        .unwrap_err();
        assert_eq!(err.code, code::INVALID_PARAMS, "{}", era(&client));
        let err = client
            .request(
                "completion/complete",
                json!({"ref": prompt_ref("code_review")}),
            )
            .await
            .unwrap_err();
        assert_eq!(err.code, code::INVALID_PARAMS, "no argument");
    }
}

#[tokio::test]
async fn completion_accepts_the_context_of_earlier_arguments() {
    // 2025-06-18 added `context.arguments`; clients send it, the server must not choke on it.
    for client in clients().await {
        let completed = client
            .request(
                "completion/complete",
                json!({
                    "ref": resource_ref(USER_ITEMS),
                    "argument": {"name": "user", "value": "gr"},
                    "context": {"arguments": {"index": "1"}},
                }),
            )
            .await
            .unwrap();
        assert_eq!(completed["completion"]["values"], json!(["grace"]));
    }
}

// ---------------------------------------------------------------------------------------------
// Capabilities and era-specific fields

fn legacy_handshake(version: ProtocolVersion) -> Value {
    json!({
        "protocolVersion": version.as_str(),
        "capabilities": {},
        "clientInfo": {"name": "c", "version": "1"},
    })
}

#[tokio::test]
async fn capabilities_advertise_resources_prompts_and_completions() {
    let modern = TestClient::modern(fixture_server()).unwrap();
    let discovered = modern.request("server/discover", json!({})).await.unwrap();
    let capabilities = &discovered["capabilities"];
    assert_eq!(capabilities["prompts"], json!({"listChanged": true}));
    assert_eq!(capabilities["completions"], json!({}));
    assert_eq!(capabilities["resources"]["listChanged"], true);
    assert_ne!(
        capabilities["resources"]["subscribe"], true,
        "the modern era has no resources/subscribe: {capabilities}"
    );

    for version in [ProtocolVersion::V2025_11_25, ProtocolVersion::V2025_06_18] {
        let client = TestClient::modern(fixture_server()).unwrap();
        let init = client
            .raw_request("initialize", legacy_handshake(version))
            .await
            .unwrap();
        assert_eq!(init["protocolVersion"], version.as_str());
        assert_eq!(
            init["capabilities"],
            json!({
                "logging": {},
                "tools": {"listChanged": true},
                "resources": {"subscribe": true, "listChanged": true},
                "prompts": {"listChanged": true},
                "completions": {},
            }),
            "{version}"
        );
    }
}

/// `echo` alone.
fn tools_only() -> Server {
    Server::new("tools-only", "1").tools(tools![mcp_tests::echo])
}

#[tokio::test]
async fn a_server_with_only_tools_advertises_and_serves_none_of_them() {
    let modern = TestClient::modern(tools_only()).unwrap();
    let discovered = modern.request("server/discover", json!({})).await.unwrap();
    assert_eq!(
        discovered["capabilities"],
        json!({"logging": {}, "tools": {"listChanged": true}})
    );
    for version in [ProtocolVersion::V2025_11_25, ProtocolVersion::V2025_06_18] {
        let client = TestClient::modern(tools_only()).unwrap();
        let init = client
            .raw_request("initialize", legacy_handshake(version))
            .await
            .unwrap();
        assert_eq!(
            init["capabilities"],
            json!({"logging": {}, "tools": {"listChanged": true}})
        );
    }

    for client in clients_of(tools_only).await {
        for (method, params) in [
            ("resources/list", json!({})),
            ("resources/templates/list", json!({})),
            ("resources/read", json!({"uri": "test://static/readme"})),
            ("prompts/list", json!({})),
            ("prompts/get", json!({"name": "code_review"})),
            (
                "completion/complete",
                json!({"ref": prompt_ref("code_review"), "argument": {"name": "language", "value": ""}}),
            ),
            (
                "resources/subscribe",
                json!({"uri": "test://static/readme"}),
            ),
            (
                "resources/unsubscribe",
                json!({"uri": "test://static/readme"}),
            ),
        ] {
            let err = client.request(method, params).await.unwrap_err();
            assert_eq!(
                err.code,
                code::METHOD_NOT_FOUND,
                "{method} ({})",
                era(&client)
            );
        }
        // Tools still work.
        assert_eq!(
            client
                .call_tool("echo", json!({"text": "hi"}))
                .await
                .unwrap()
                .text(),
            "hi"
        );
    }
}

#[tokio::test]
async fn capabilities_follow_what_is_registered() {
    // Resources without completers: no prompts, no completions.
    let server = || Server::new("docs", "1").resources(resources![mcp_tests::readme]);
    let modern = TestClient::modern(server()).unwrap();
    let discovered = modern.request("server/discover", json!({})).await.unwrap();
    let capabilities = discovered["capabilities"].as_object().unwrap();
    let mut keys: Vec<_> = capabilities.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["logging", "resources"]);
    for client in clients_of(server).await {
        let err = client.request("prompts/list", json!({})).await.unwrap_err();
        assert_eq!(err.code, code::METHOD_NOT_FOUND);
        let err = complete(&client, resource_ref("test://static/readme"), "x", "")
            .await
            .unwrap_err();
        assert_eq!(err.code, code::METHOD_NOT_FOUND);
        let list = client
            .request("resources/templates/list", json!({}))
            .await
            .unwrap();
        assert_eq!(list["resourceTemplates"], json!([]));
    }

    // Prompts only.
    let server = || Server::new("prompts", "1").prompts(prompts![mcp_tests::code_review]);
    let modern = TestClient::modern(server()).unwrap();
    let discovered = modern.request("server/discover", json!({})).await.unwrap();
    let mut keys: Vec<_> = discovered["capabilities"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(keys, ["completions", "logging", "prompts"]);
    for client in clients_of(server).await {
        let err = client
            .request("resources/list", json!({}))
            .await
            .unwrap_err();
        assert_eq!(err.code, code::METHOD_NOT_FOUND);
    }
}

#[tokio::test]
async fn modern_results_carry_result_type_and_cache_hints() {
    let client = TestClient::modern(fixture_server()).unwrap();
    for method in ["resources/list", "resources/templates/list", "prompts/list"] {
        let list = client.request(method, json!({})).await.unwrap();
        assert_eq!(list["resultType"], "complete", "{method}");
        assert_eq!(list["ttlMs"], 60_000, "{method}");
        assert_eq!(list["cacheScope"], "public", "{method}");
        assert_eq!(
            list["_meta"]["io.modelcontextprotocol/serverInfo"]["name"], "fixture",
            "{method}"
        );
    }

    for uri in [
        "test://static/readme",
        "test://users/ada/items/1",
        "test://whoami",
    ] {
        let read = read(&client, uri).await.unwrap();
        assert_eq!(read["resultType"], "complete", "{uri}");
        assert!(read["ttlMs"].is_u64(), "{uri}: {read}");
        assert!(
            matches!(read["cacheScope"].as_str(), Some("public" | "private")),
            "{uri}: {read}"
        );
        assert_eq!(
            read["_meta"]["io.modelcontextprotocol/serverInfo"]["name"],
            "fixture"
        );
    }
    // `whoami` depends on the caller: it must not be cached for others.
    let whoami = read(&client, "test://whoami").await.unwrap();
    assert_eq!(whoami["cacheScope"], "private");

    let got = get_prompt(&client, "code_review", json!({"language": "rust"}))
        .await
        .unwrap();
    assert_eq!(got["resultType"], "complete");
    let completed = complete(&client, prompt_ref("code_review"), "language", "r")
        .await
        .unwrap();
    assert_eq!(completed["resultType"], "complete");

    // The list TTL is configurable.
    let short = TestClient::modern(fixture_server().list_ttl(Duration::from_secs(5))).unwrap();
    for method in ["resources/list", "resources/templates/list", "prompts/list"] {
        let list = short.request(method, json!({})).await.unwrap();
        assert_eq!(list["ttlMs"], 5_000, "{method}");
    }
}

#[tokio::test]
async fn legacy_results_have_no_modern_fields() {
    for client in clients().await.into_iter().filter(|c| !is_modern(c)) {
        let results = [
            client.request("resources/list", json!({})).await.unwrap(),
            client
                .request("resources/templates/list", json!({}))
                .await
                .unwrap(),
            client.request("prompts/list", json!({})).await.unwrap(),
            read(&client, "test://static/readme").await.unwrap(),
            get_prompt(&client, "code_review", json!({"language": "rust"}))
                .await
                .unwrap(),
            complete(&client, prompt_ref("code_review"), "language", "r")
                .await
                .unwrap(),
        ];
        for result in results {
            for key in ["resultType", "ttlMs", "cacheScope"] {
                assert!(
                    result.get(key).is_none(),
                    "{key} in {result} ({})",
                    era(&client)
                );
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Subscriptions (legacy era)

/// Tells clients subscribed to `uri` that it changed; answers how many were told.
#[tool]
async fn touch(ctx: Context, uri: String) -> u64 {
    ctx.notifier().resource_updated(&uri).await as u64
}

fn with_touch() -> Server {
    fixture_server().tools(tools![touch])
}

async fn touch_uri(client: &TestClient, uri: &str) -> String {
    client
        .call_tool("touch", json!({ "uri": uri }))
        .await
        .unwrap()
        .text()
}

fn updated(uri: &str) -> Value {
    json!({"jsonrpc": "2.0", "method": "notifications/resources/updated", "params": {"uri": uri}})
}

#[tokio::test]
async fn subscribers_hear_about_their_resources_until_they_unsubscribe() {
    for client in clients_of(with_touch)
        .await
        .into_iter()
        .filter(|c| !is_modern(c))
    {
        let readme = "test://static/readme";
        let result = client
            .request("resources/subscribe", json!({ "uri": readme }))
            .await
            .unwrap();
        assert_eq!(result, json!({}), "{}", era(&client));
        client.take_notifications();

        assert_eq!(touch_uri(&client, readme).await, "1");
        assert_eq!(
            client.take_notifications(),
            [updated(readme)],
            "{}",
            era(&client)
        );

        // Another resource: nobody subscribed.
        assert_eq!(touch_uri(&client, "test://static/logo").await, "0");
        assert_eq!(client.take_notifications(), Vec::<Value>::new());

        // Instances of a template can be subscribed to.
        let item = "test://users/ada/items/1";
        client
            .request("resources/subscribe", json!({ "uri": item }))
            .await
            .unwrap();
        assert_eq!(touch_uri(&client, item).await, "1");
        assert_eq!(touch_uri(&client, "test://users/ada/items/2").await, "0");
        assert_eq!(client.take_notifications(), [updated(item)]);

        // Subscribing twice is harmless and still notifies once.
        client
            .request("resources/subscribe", json!({ "uri": readme }))
            .await
            .unwrap();
        assert_eq!(touch_uri(&client, readme).await, "1");
        assert_eq!(client.take_notifications(), [updated(readme)]);

        let result = client
            .request("resources/unsubscribe", json!({ "uri": readme }))
            .await
            .unwrap();
        assert_eq!(result, json!({}));
        assert_eq!(touch_uri(&client, readme).await, "0");
        assert_eq!(client.take_notifications(), Vec::<Value>::new());
        // The other subscription stays.
        assert_eq!(touch_uri(&client, item).await, "1");
        assert_eq!(client.take_notifications(), [updated(item)]);

        // Unsubscribing from something never subscribed is not an error.
        let result = client
            .request(
                "resources/unsubscribe",
                json!({ "uri": "test://static/logo" }),
            )
            .await
            .unwrap();
        assert_eq!(result, json!({}));
    }
}

#[tokio::test]
async fn subscribing_to_an_unknown_uri_is_resource_not_found() {
    for client in clients_of(with_touch)
        .await
        .into_iter()
        .filter(|c| !is_modern(c))
    {
        let err = client
            .request("resources/subscribe", json!({ "uri": "test://nowhere" }))
            .await
            .unwrap_err();
        assert_eq!(err.code, code::RESOURCE_NOT_FOUND, "{}", era(&client));
        assert_eq!(err.data, Some(json!({"uri": "test://nowhere"})));
        assert_eq!(touch_uri(&client, "test://nowhere").await, "0");
        assert!(client.take_notifications().is_empty());

        let err = client
            .request("resources/subscribe", json!({}))
            .await
            .unwrap_err();
        assert_eq!(err.code, code::INVALID_PARAMS, "no uri");
    }
}

#[tokio::test]
async fn the_modern_era_has_no_resource_subscriptions() {
    let client = TestClient::modern(with_touch()).unwrap();
    for method in ["resources/subscribe", "resources/unsubscribe"] {
        let err = client
            .request(method, json!({ "uri": "test://static/readme" }))
            .await
            .unwrap_err();
        assert_eq!(err.code, code::METHOD_NOT_FOUND, "{method}");
        // Before its parameters are even read.
        let err = client.request(method, json!({})).await.unwrap_err();
        assert_eq!(err.code, code::METHOD_NOT_FOUND, "{method}");
    }
    assert_eq!(touch_uri(&client, "test://static/readme").await, "0");
    assert!(client.take_notifications().is_empty());

    // A legacy-era connection sending a modern request: modern rules apply.
    let legacy = TestClient::legacy(with_touch()).await.unwrap();
    let err = legacy
        .raw_request(
            "resources/subscribe",
            json!({
                "uri": "test://static/readme",
                "_meta": {"io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": {}},
            }),
        )
        .await
        .unwrap_err();
    assert_eq!(err.code, code::METHOD_NOT_FOUND);
    assert_eq!(touch_uri(&legacy, "test://static/readme").await, "0");
}

/// One connection to a shared dispatcher, driven by hand.
struct Peer {
    connection: Arc<Connection>,
    received: mpsc::Receiver<Vec<u8>>,
}

impl Peer {
    fn new() -> Peer {
        let (tx, received) = mpsc::channel(64);
        Peer {
            connection: Arc::new(Connection::new(tx)),
            received,
        }
    }

    async fn send(&self, dispatcher: &mcp_runtime::Dispatcher, message: Value) -> Option<Value> {
        let answer = dispatcher
            .handle(
                &self.connection,
                serde_json::to_vec(&message).unwrap().into(),
            )
            .await?;
        Some(serde_json::from_slice(&answer).unwrap())
    }

    async fn handshake(&self, dispatcher: &mcp_runtime::Dispatcher, version: ProtocolVersion) {
        let init = self
            .send(
                dispatcher,
                json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": legacy_handshake(version)}),
            )
            .await
            .unwrap();
        assert_eq!(init["result"]["protocolVersion"], version.as_str());
        self.send(
            dispatcher,
            json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
        )
        .await;
    }

    async fn subscribe(&self, dispatcher: &mcp_runtime::Dispatcher, uri: &str) -> Value {
        self.send(
            dispatcher,
            json!({"jsonrpc": "2.0", "id": 1, "method": "resources/subscribe", "params": {"uri": uri}}),
        )
        .await
        .unwrap()
    }

    fn take(&mut self) -> Vec<Value> {
        let mut out = Vec::new();
        while let Ok(message) = self.received.try_recv() {
            out.push(serde_json::from_slice(&message).unwrap());
        }
        out
    }
}

#[tokio::test]
async fn the_dispatcher_notifier_reaches_subscribed_connections_only() {
    let dispatcher = fixture_server().build().unwrap();
    let notifier = dispatcher.notifier();
    let readme = "test://static/readme";
    let logo = "test://static/logo";

    let mut a = Peer::new();
    let mut b = Peer::new();
    let mut quiet = Peer::new();
    a.handshake(&dispatcher, ProtocolVersion::V2025_11_25).await;
    b.handshake(&dispatcher, ProtocolVersion::V2025_06_18).await;
    quiet
        .handshake(&dispatcher, ProtocolVersion::V2025_11_25)
        .await;
    assert_eq!(a.subscribe(&dispatcher, readme).await["result"], json!({}));
    assert_eq!(b.subscribe(&dispatcher, logo).await["result"], json!({}));
    assert_eq!(b.subscribe(&dispatcher, readme).await["result"], json!({}));

    assert_eq!(notifier.resource_updated(logo).await, 1);
    assert!(a.take().is_empty());
    assert_eq!(b.take(), [updated(logo)]);

    assert_eq!(notifier.resource_updated(readme).await, 2);
    assert_eq!(a.take(), [updated(readme)]);
    assert_eq!(b.take(), [updated(readme)]);
    assert!(quiet.take().is_empty());

    // A modern request on the same dispatcher cannot subscribe.
    let mut modern = Peer::new();
    let answer = modern
        .send(
            &dispatcher,
            json!({"jsonrpc": "2.0", "id": 1, "method": "resources/subscribe", "params": {"uri": readme, "_meta": {"io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": {}}}}),
        )
        .await
        .unwrap();
    assert_eq!(answer["error"]["code"], code::METHOD_NOT_FOUND);
    assert_eq!(notifier.resource_updated(readme).await, 2);
    assert!(modern.take().is_empty());
    a.take();
    b.take();

    // A closed connection is forgotten.
    drop(a);
    assert_eq!(notifier.resource_updated(readme).await, 1);
    assert_eq!(b.take(), [updated(readme)]);

    // Unsubscribing over the wire stops it.
    let answer = b
        .send(
            &dispatcher,
            json!({"jsonrpc": "2.0", "id": 2, "method": "resources/unsubscribe", "params": {"uri": readme}}),
        )
        .await
        .unwrap();
    assert_eq!(answer["result"], json!({}));
    assert_eq!(notifier.resource_updated(readme).await, 0);
    assert_eq!(notifier.resource_updated(logo).await, 1);
    assert_eq!(b.take(), [updated(logo)]);
}

// ---------------------------------------------------------------------------------------------
// Edges

/// Far more suggestions than a client may be sent at once.
fn many(typed: &str) -> Vec<String> {
    (0..250)
        .map(|i| format!("v{i}"))
        .filter(|v| v.starts_with(typed))
        .collect()
}

/// Takes a value with many suggestions.
///
/// # Arguments
/// * `value` - one of many
#[prompt(complete(value = many))]
fn pick(value: String) -> String {
    value
}

#[tokio::test]
async fn completion_sends_at_most_a_hundred_values_and_says_there_are_more() {
    for client in clients_of(|| Server::new("many", "1").prompts(prompts![pick])).await {
        let completed = complete(&client, prompt_ref("pick"), "value", "v")
            .await
            .unwrap();
        let completion = &completed["completion"];
        assert_eq!(completion["values"].as_array().unwrap().len(), 100);
        assert_eq!(completion["values"][0], "v0");
        assert_eq!(completion["total"], 250, "{}", era(&client));
        assert_eq!(completion["hasMore"], true);
        let completed = complete(&client, prompt_ref("pick"), "value", "v1")
            .await
            .unwrap();
        // v1, v10..v19, v100..v199
        assert_eq!(completed["completion"]["total"], 111);
    }
}

/// Never finishes on its own.
#[resource("test://slow")]
async fn slow() -> String {
    tokio::time::sleep(Duration::from_secs(600)).await;
    "finally".to_owned()
}

#[tokio::test]
async fn a_cancelled_read_is_not_answered_and_the_server_keeps_serving() {
    let client = Arc::new(
        TestClient::legacy(fixture_server().resources(resources![slow]))
            .await
            .unwrap(),
    );
    let reader = {
        let client = Arc::clone(&client);
        tokio::spawn(async move {
            client
                .send_raw(br#"{"jsonrpc":"2.0","id":"slow","method":"resources/read","params":{"uri":"test://slow"}}"#)
                .await
        })
    };
    tokio::time::sleep(Duration::from_millis(50)).await;
    client
        .notify("notifications/cancelled", json!({"requestId": "slow"}))
        .await;
    let answer = tokio::time::timeout(Duration::from_secs(5), reader)
        .await
        .expect("the cancelled read ends promptly")
        .unwrap();
    assert_eq!(answer, None);
    read(&client, "test://static/readme").await.unwrap();
}

/// A file by name; the name may itself end in `.txt`.
#[resource("test://files/{name}.txt")]
fn text_file(name: String) -> String {
    name
}

#[tokio::test]
async fn a_value_may_contain_the_literal_that_follows_it() {
    let client =
        TestClient::modern(Server::new("files", "1").resources(resources![text_file])).unwrap();
    let plain = read(&client, "test://files/notes.txt").await.unwrap();
    assert_eq!(plain["contents"][0]["text"], "notes");
    // `test://files/notes.txt.txt` is the expansion of `name = "notes.txt"`, and of nothing
    // else: it names a resource of the template.
    let doubled = read(&client, "test://files/notes.txt.txt").await;
    assert_eq!(
        doubled.map(|r| r["contents"][0]["text"].clone()),
        Ok(json!("notes.txt"))
    );
}

/// A ticket, by id; only ticket 7 exists.
#[resource("tickets://{id}")]
fn ticket(id: u32) -> Result<String, RequestError> {
    if id == 7 {
        Ok("open".to_owned())
    } else {
        Err(RequestError::not_found())
    }
}

/// Summarises a ticket.
#[prompt]
fn summarize_ticket(id: String) -> Result<String, RequestError> {
    match id.as_str() {
        "7" => Ok("Summarise ticket 7.".to_owned()),
        "" => Err(RequestError::invalid_params("give a ticket id")),
        _ => Err(RequestError::not_found()),
    }
}

/// Fails the way a library does.
#[resource("broken://{id}")]
fn broken(id: String) -> Result<String, RequestError> {
    let number: u32 = id.parse()?;
    Ok(number.to_string())
}

fn error_code(error: RpcError) -> (i32, String) {
    (error.code, error.message)
}

#[tokio::test]
async fn handlers_answer_not_found_invalid_params_and_internal_errors_in_both_eras() {
    let server = || {
        Server::new("tickets", "1.0.0")
            .resources(resources![ticket, broken])
            .prompts(prompts![summarize_ticket])
    };
    let modern = TestClient::modern(server()).unwrap();
    let legacy = TestClient::legacy(server()).await.unwrap();
    for (client, not_found) in [(&modern, -32602), (&legacy, -32002)] {
        let read = |uri: &'static str| client.request("resources/read", json!({"uri": uri}));
        let (code, message) = error_code(read("tickets://8").await.unwrap_err());
        assert_eq!(
            (code, message.as_str()),
            (not_found, "Resource not found: tickets://8")
        );
        assert_eq!(
            read("tickets://7").await.unwrap()["contents"][0]["text"],
            "open"
        );
        // `?` on a library error: internal, with its message.
        let (code, message) = error_code(read("broken://x").await.unwrap_err());
        assert_eq!(code, -32603);
        assert!(message.contains("invalid digit"), "{message}");

        let get = |id: &'static str| {
            client.request(
                "prompts/get",
                json!({"name": "summarize_ticket", "arguments": {"id": id}}),
            )
        };
        let (code, _) = error_code(get("8").await.unwrap_err());
        assert_eq!(code, -32602);
        let (code, message) = error_code(get("").await.unwrap_err());
        assert_eq!(code, -32602);
        assert!(message.contains("give a ticket id"), "{message}");
        assert!(get("7").await.is_ok());
    }
}
