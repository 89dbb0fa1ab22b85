//! The runtime through its public API, with the in-memory client, in both eras.

use mcp_runtime::protocol::{code, ProtocolVersion};
use mcp_runtime::testing::TestClient;
use mcp_runtime::{tools, Server};
use mcp_tests::fixture_server;
use serde_json::{json, Value};

async fn both_eras() -> Vec<TestClient> {
    vec![
        TestClient::modern(fixture_server()).unwrap(),
        TestClient::legacy(fixture_server()).await.unwrap(),
        TestClient::legacy_with_version(fixture_server(), ProtocolVersion::V2025_06_18)
            .await
            .unwrap(),
    ]
}

#[tokio::test]
async fn lists_every_tool_with_schema_annotations_and_permission() {
    for client in both_eras().await {
        let tools = client.list_tools().await.unwrap();
        let names: Vec<_> = tools.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "echo",
                "add",
                "explode",
                "sleep",
                "work",
                "mirror",
                "centroid",
                "gallery",
                "delete_record",
                "hit",
                "list_roots",
                "note.add",
                "note.list",
                "note.version"
            ]
        );
        let echo = &tools[0];
        assert_eq!(echo.description.as_deref(), Some("Echoes `text` back."));
        assert_eq!(
            echo.input_schema,
            json!({
                "type": "object",
                "properties": {"text": {"type": "string", "description": "what to echo"}},
                "required": ["text"],
            })
        );
        assert_eq!(echo.annotations.read_only_hint, Some(true));
        assert_eq!(
            echo.meta.as_ref().unwrap()["mcp-runtime/permission"],
            json!({"risk": "low"})
        );

        let delete = tools.iter().find(|t| t.name == "delete_record").unwrap();
        assert_eq!(delete.annotations.destructive_hint, Some(true));
        assert_eq!(
            delete.meta.as_ref().unwrap()["mcp-runtime/permission"],
            json!({"risk": "high", "scopes": ["records:write"]}),
            "a destructive tool defaults to high risk"
        );

        let centroid = tools.iter().find(|t| t.name == "centroid").unwrap();
        assert_eq!(centroid.title.as_deref(), Some("Centroid"));
        assert_eq!(centroid.annotations.title.as_deref(), Some("Centroid"));
        assert_eq!(
            centroid.input_schema["required"],
            json!(["points"]),
            "Option arguments are optional"
        );
        assert!(centroid.output_schema.is_some());

        let sleep = tools.iter().find(|t| t.name == "sleep").unwrap();
        assert_eq!(
            sleep.input_schema["properties"],
            json!({"ms": {"type": "integer", "minimum": 0}})
        );
    }
}

#[tokio::test]
async fn schemas_have_no_references_or_rust_formats() {
    let client = TestClient::modern(fixture_server()).unwrap();
    for tool in client.list_tools().await.unwrap() {
        let text = tool.input_schema.to_string();
        assert!(
            !text.contains("$ref") && !text.contains("$defs"),
            "{}: {text}",
            tool.name
        );
        for format in ["uint", "int64", "double", "float"] {
            assert!(
                !text.contains(&format!("\"format\":\"{format}")),
                "{}: {text}",
                tool.name
            );
        }
        assert_eq!(tool.input_schema["type"], "object");
    }
}

#[tokio::test]
async fn calls_answer_in_both_eras() {
    for client in both_eras().await {
        let result = client
            .call_tool("add", json!({"a": 2, "b": 40}))
            .await
            .unwrap();
        assert_eq!(result.text(), "42");
        assert!(!result.is_error);

        let notes = client
            .call_tool("note.add", json!({"text": "one"}))
            .await
            .unwrap();
        assert_eq!(notes.text(), "1");
        let listed = client.call_tool("note.list", json!({})).await.unwrap();
        assert_eq!(
            listed.structured_content,
            Some(json!(["one"])).map(|v| wrap_for(&client, v))
        );
        let version = client.call_tool("note.version", json!(null)).await.unwrap();
        assert_eq!(version.text(), "1");
    }
}

/// Legacy clients get non-object structured output wrapped as `{"result": …}`.
fn wrap_for(client: &TestClient, value: Value) -> Value {
    if client.protocol_version().era() == mcp_runtime::protocol::Era::Legacy {
        json!({ "result": value })
    } else {
        value
    }
}

#[tokio::test]
async fn structured_output_matches_the_declared_schema_in_each_era() {
    for client in both_eras().await {
        let tools = client.list_tools().await.unwrap();
        let mirror = tools.iter().find(|t| t.name == "mirror").unwrap();
        let schema = mirror.output_schema.as_ref().unwrap();
        let result = client
            .call_tool("mirror", json!({"points": [{"x": 1, "y": 2}]}))
            .await
            .unwrap();
        let expected = wrap_for(&client, json!([{"x": 2.0, "y": 1.0}]));
        assert_eq!(result.structured_content, Some(expected));
        assert_eq!(
            schema["type"],
            if client.protocol_version().era() == mcp_runtime::protocol::Era::Legacy {
                "object"
            } else {
                "array"
            }
        );
        // The text copy is the unwrapped JSON.
        assert_eq!(result.text(), r#"[{"x":2.0,"y":1.0}]"#);
    }
}

#[tokio::test]
async fn tool_failures_are_error_results() {
    for client in both_eras().await {
        let result = client
            .call_tool("centroid", json!({"points": []}))
            .await
            .unwrap();
        assert!(result.is_error);
        assert_eq!(result.text(), "need at least one point");
    }
}

#[tokio::test]
async fn invalid_arguments_name_the_field() {
    let client = TestClient::modern(fixture_server()).unwrap();
    let cases = [
        (json!({"a": "x", "b": 1}), "Invalid arguments for tool `add`: `a`: invalid type: string \"x\", expected i64"),
        (json!({"a": 1}), "Invalid arguments for tool `add`: missing field `b`"),
        (json!({"a": 1.5, "b": 1}), "Invalid arguments for tool `add`: `a`: invalid type: floating point `1.5`, expected i64"),
        (json!([1, 2]), "Invalid arguments for tool `add`: arguments must be a JSON object"),
        (json!({"a": 1, "b": 2, "a": 3}), ""),
    ];
    for (arguments, expected) in cases {
        let result = client.call_tool("add", arguments.clone()).await.unwrap();
        if expected.is_empty() {
            continue; // serde_json's `json!` keeps the last duplicate key; nothing to check.
        }
        assert!(result.is_error, "{arguments}");
        assert_eq!(result.text(), expected, "{arguments}");
    }
    let nested = client
        .call_tool(
            "mirror",
            json!({"points": [{"x": 1, "y": 2}, {"x": "far"}]}),
        )
        .await
        .unwrap();
    assert!(nested.is_error);
    assert_eq!(
        nested.text(),
        "Invalid arguments for tool `mirror`: `points[1].x`: invalid type: string \"far\", expected f64"
    );
}

#[tokio::test]
async fn duplicate_arguments_are_rejected() {
    let client = TestClient::legacy(fixture_server()).await.unwrap();
    let answer = client
        .send_raw(br#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"add","arguments":{"a":1,"b":2,"a":3}}}"#)
        .await
        .unwrap();
    assert_eq!(answer["result"]["isError"], true);
    assert_eq!(
        answer["result"]["content"][0]["text"],
        "Invalid arguments for tool `add`: duplicate field `a`"
    );
}

#[tokio::test]
async fn a_panicking_tool_is_an_error_result_and_the_server_keeps_serving() {
    for client in both_eras().await {
        let result = client
            .call_tool("explode", json!({"message": "boom"}))
            .await
            .unwrap();
        assert!(result.is_error);
        assert_eq!(
            result.text(),
            "tool `explode` failed unexpectedly (it panicked: boom)"
        );
        let after = client
            .call_tool("echo", json!({"text": "still here"}))
            .await
            .unwrap();
        assert_eq!(after.text(), "still here");
    }
}

#[tokio::test]
async fn unknown_tools_and_bad_params_are_protocol_errors() {
    for client in both_eras().await {
        let err = client.call_tool("nope", json!({})).await.unwrap_err();
        assert_eq!(err.code, code::INVALID_PARAMS);
        assert_eq!(
            err.message,
            "Invalid params: Unknown tool: nope (not found or not authorized)"
        );

        let err = client
            .request("tools/call", json!({"arguments": {}}))
            .await
            .unwrap_err();
        assert_eq!(err.code, code::INVALID_PARAMS);
        assert_eq!(err.message, "Invalid params: missing field `name`");

        let err = client
            .request("tools/call", json!({"name": 5}))
            .await
            .unwrap_err();
        assert_eq!(err.code, code::INVALID_PARAMS);

        let err = client
            .request("resources/frobnicate", json!({}))
            .await
            .unwrap_err();
        assert_eq!(err.code, code::METHOD_NOT_FOUND);
    }
}

#[tokio::test]
async fn state_is_shared_between_calls() {
    let client = TestClient::modern(fixture_server()).unwrap();
    for expected in ["1", "2", "3"] {
        assert_eq!(
            client.call_tool("hit", json!({})).await.unwrap().text(),
            expected
        );
    }
}

#[tokio::test]
async fn content_blocks_of_every_kind() {
    let client = TestClient::modern(fixture_server()).unwrap();
    let result = client.call_tool("gallery", json!({})).await.unwrap();
    let kinds: Vec<_> = result
        .content
        .iter()
        .map(|c| {
            serde_json::to_value(c).unwrap()["type"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(
        kinds,
        ["text", "image", "audio", "resource", "resource_link"]
    );
}

#[tokio::test]
async fn pagination_walks_every_page_and_rejects_bad_cursors() {
    let server = fixture_server().page_size(4);
    let client = TestClient::modern(server).unwrap();
    let first = client.list_tools_page(None).await.unwrap();
    assert_eq!(first.tools.len(), 4);
    let cursor = first.next_cursor.clone().unwrap();
    let second = client.list_tools_page(Some(&cursor)).await.unwrap();
    assert_eq!(second.tools[0].name, "work");
    assert_eq!(client.list_tools().await.unwrap().len(), 14);
    let err = client.list_tools_page(Some("bogus")).await.unwrap_err();
    assert_eq!(err.code, code::INVALID_PARAMS);
}

#[tokio::test]
async fn modern_results_carry_result_type_cache_hints_and_server_info() {
    let client = TestClient::modern(fixture_server()).unwrap();
    let list = client.request("tools/list", json!({})).await.unwrap();
    assert_eq!(list["resultType"], "complete");
    assert_eq!(list["ttlMs"], 60_000);
    assert_eq!(list["cacheScope"], "public");
    assert_eq!(
        list["_meta"]["io.modelcontextprotocol/serverInfo"]["name"],
        "fixture"
    );
    let call = client
        .request(
            "tools/call",
            json!({"name": "add", "arguments": {"a": 1, "b": 1}}),
        )
        .await
        .unwrap();
    assert_eq!(call["resultType"], "complete");

    let legacy = TestClient::legacy(fixture_server()).await.unwrap();
    let list = legacy.request("tools/list", json!({})).await.unwrap();
    assert!(list.get("resultType").is_none() && list.get("ttlMs").is_none());
}

#[tokio::test]
async fn discovery_describes_the_server() {
    let client = TestClient::modern(fixture_server()).unwrap();
    let discovered = client.request("server/discover", json!({})).await.unwrap();
    assert_eq!(discovered["resultType"], "complete");
    assert_eq!(
        discovered["supportedVersions"],
        json!(["2026-07-28", "2025-11-25", "2025-06-18", "2025-03-26"])
    );
    assert_eq!(
        discovered["capabilities"],
        json!({
            "logging": {},
            "tools": {"listChanged": true},
            "resources": {"subscribe": false, "listChanged": true},
            "prompts": {"listChanged": true},
            "completions": {},
        })
    );
    assert_eq!(
        discovered["instructions"],
        "A server for testing the runtime."
    );
    assert_eq!(
        discovered["_meta"]["io.modelcontextprotocol/serverInfo"],
        json!({"name": "fixture", "version": "0.0.1"})
    );
}

#[tokio::test]
async fn capabilities_only_name_what_the_server_has() {
    let client = TestClient::modern(Server::new("empty", "1")).unwrap();
    let discovered = client.request("server/discover", json!({})).await.unwrap();
    assert_eq!(discovered["capabilities"], json!({"logging": {}}));
    assert_eq!(client.list_tools().await.unwrap(), vec![]);
}

#[tokio::test]
async fn version_negotiation() {
    let client = TestClient::modern(fixture_server()).unwrap();

    // An unknown modern version: -32022 with the supported list.
    let err = client
        .raw_request(
            "tools/list",
            json!({"_meta": {"io.modelcontextprotocol/protocolVersion": "1900-01-01", "io.modelcontextprotocol/clientCapabilities": {}}}),
        )
        .await
        .unwrap_err();
    assert_eq!(err.code, code::UNSUPPORTED_PROTOCOL_VERSION);
    assert_eq!(err.data.as_ref().unwrap()["requested"], "1900-01-01");
    assert_eq!(err.data.as_ref().unwrap()["supported"][0], "2026-07-28");

    // Modern request without client capabilities: -32602.
    let err = client
        .raw_request(
            "tools/list",
            json!({"_meta": {"io.modelcontextprotocol/protocolVersion": "2026-07-28"}}),
        )
        .await
        .unwrap_err();
    assert_eq!(err.code, code::INVALID_PARAMS);

    // No metadata and no handshake: -32602 saying what to do.
    let err = client
        .raw_request("tools/list", json!({}))
        .await
        .unwrap_err();
    assert_eq!(err.code, code::INVALID_PARAMS);
    assert!(err.message.contains("initialize"), "{}", err.message);

    // `ping` does not exist in the modern era.
    let err = client.request("ping", json!({})).await.unwrap_err();
    assert_eq!(err.code, code::METHOD_NOT_FOUND);
}

#[tokio::test]
async fn the_handshake_negotiates_a_legacy_version() {
    let client = TestClient::modern(fixture_server()).unwrap();
    let result = client
        .raw_request("initialize", json!({"protocolVersion": "2024-01-01", "capabilities": {}, "clientInfo": {"name": "c", "version": "1"}}))
        .await
        .unwrap();
    assert_eq!(
        result["protocolVersion"], "2025-11-25",
        "unknown versions get the newest legacy one"
    );
    assert_eq!(
        result["serverInfo"],
        json!({"name": "fixture", "version": "0.0.1"})
    );
    assert_eq!(
        result["capabilities"]["tools"],
        json!({"listChanged": true})
    );

    let again = client
        .raw_request("initialize", json!({"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "c", "version": "1"}}))
        .await
        .unwrap_err();
    assert_eq!(again.code, code::INVALID_REQUEST);

    let legacy = TestClient::legacy_with_version(fixture_server(), ProtocolVersion::V2025_06_18)
        .await
        .unwrap();
    assert_eq!(legacy.protocol_version(), ProtocolVersion::V2025_06_18);
    assert_eq!(
        legacy.raw_request("ping", json!({})).await.unwrap(),
        json!({})
    );
    let err = legacy
        .raw_request("server/discover", json!({}))
        .await
        .unwrap_err();
    assert_eq!(err.code, code::METHOD_NOT_FOUND);
}

#[tokio::test]
async fn a_dual_era_connection_serves_modern_requests_after_a_handshake() {
    let legacy = TestClient::legacy(fixture_server()).await.unwrap();
    let result = legacy
        .raw_request(
            "tools/call",
            json!({
                "name": "add",
                "arguments": {"a": 1, "b": 2},
                "_meta": {"io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": {}},
            }),
        )
        .await
        .unwrap();
    assert_eq!(result["resultType"], "complete");
}

#[tokio::test]
async fn progress_and_logs_reach_the_client_when_asked_for() {
    // Modern: progress needs a token, logs need a per-request level.
    let client = TestClient::modern(fixture_server())
        .unwrap()
        .with_log_level("info");
    client
        .request(
            "tools/call",
            json!({"name": "work", "arguments": {"steps": 3}, "_meta": {"progressToken": "p1"}}),
        )
        .await
        .unwrap();
    let notes = client.take_notifications();
    let progress: Vec<_> = notes
        .iter()
        .filter(|n| n["method"] == "notifications/progress")
        .collect();
    let logs: Vec<_> = notes
        .iter()
        .filter(|n| n["method"] == "notifications/message")
        .collect();
    assert_eq!(progress.len(), 3);
    assert_eq!(
        progress[2]["params"],
        json!({"progressToken": "p1", "progress": 3.0, "total": 3.0, "message": "working"})
    );
    assert_eq!(logs.len(), 3);
    assert_eq!(
        logs[0]["params"],
        json!({"level": "info", "data": "step 1"})
    );

    // Modern without opting in: nothing.
    let quiet = TestClient::modern(fixture_server()).unwrap();
    quiet.call_tool("work", json!({"steps": 2})).await.unwrap();
    assert!(quiet.take_notifications().is_empty());

    // Legacy: logs until the client raises the level.
    let legacy = TestClient::legacy(fixture_server()).await.unwrap();
    legacy.call_tool("work", json!({"steps": 2})).await.unwrap();
    assert_eq!(legacy.take_notifications().len(), 2);
    legacy
        .request("logging/setLevel", json!({"level": "error"}))
        .await
        .unwrap();
    legacy.call_tool("work", json!({"steps": 2})).await.unwrap();
    assert!(legacy.take_notifications().is_empty());
}

#[tokio::test]
async fn cancellation_stops_the_tool_and_suppresses_the_answer() {
    let client = std::sync::Arc::new(TestClient::legacy(fixture_server()).await.unwrap());
    let caller = {
        let client = client.clone();
        tokio::spawn(async move {
            client
                .send_raw(br#"{"jsonrpc":"2.0","id":"slow","method":"tools/call","params":{"name":"sleep","arguments":{"ms":60000}}}"#)
                .await
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    client
        .notify(
            "notifications/cancelled",
            json!({"requestId": "slow", "reason": "user gave up"}),
        )
        .await;
    let answer = tokio::time::timeout(std::time::Duration::from_secs(5), caller)
        .await
        .expect("the cancelled call finishes promptly")
        .unwrap();
    assert_eq!(answer, None, "a cancelled request gets no response");
}

#[tokio::test]
async fn server_build_errors_are_clear() {
    let err = Server::new("x", "1")
        .tools(tools![mcp_tests::echo, mcp_tests::echo])
        .build()
        .err()
        .unwrap();
    assert_eq!(
        err.to_string(),
        "two tools are named `echo`; tool names must be unique within a server (rename one with `#[tool(name = \"...\")]`)"
    );
    let err = Server::new("x", "1")
        .tools(tools![mcp_tests::hit])
        .build()
        .err()
        .unwrap();
    assert_eq!(
        err.to_string(),
        "tool `hit` takes `State<mcp_tests::Hits>`, but no `mcp_tests::Hits` was registered; add `.state(...)` with one to the `Server`"
    );
}

#[tokio::test]
async fn tools_stay_callable_as_plain_functions() {
    assert_eq!(mcp_tests::add(2, 3), 5);
    assert_eq!(mcp_tests::echo("x".into()), "x");
}

#[tokio::test]
async fn a_tool_asks_the_client_and_gets_its_answer() {
    let server = fixture_server();
    let client = std::sync::Arc::new(TestClient::modern(server).unwrap());
    let init = client
        .raw_request("initialize", json!({"protocolVersion": "2025-11-25", "capabilities": {"roots": {}}, "clientInfo": {"name": "c", "version": "1"}}))
        .await
        .unwrap();
    assert_eq!(init["protocolVersion"], "2025-11-25");
    let caller = {
        let client = client.clone();
        tokio::spawn(async move {
            client
                .send_raw(br#"{"jsonrpc":"2.0","id":"call","method":"tools/call","params":{"name":"list_roots","arguments":{}}}"#)
                .await
        })
    };
    // The server's request arrives on the connection's stream; the client answers it.
    let request = loop {
        if let Some(message) = client.take_notifications().into_iter().next() {
            break message;
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    };
    assert_eq!(request["method"], "roots/list");
    let answer = json!({"jsonrpc": "2.0", "id": request["id"], "result": {"roots": [{"uri": "file:///work", "name": "work"}]}});
    assert_eq!(client.send_raw(answer.to_string().as_bytes()).await, None);
    let result = caller.await.unwrap().unwrap();
    // The output schema of a JSON value is not an object, so a legacy client gets it wrapped.
    assert_eq!(
        result["result"]["structuredContent"]["result"]["roots"][0]["uri"],
        "file:///work"
    );
}

#[tokio::test]
async fn asking_the_client_needs_its_capability() {
    let legacy = TestClient::legacy(fixture_server()).await.unwrap();
    let result = legacy.call_tool("list_roots", json!({})).await.unwrap();
    assert!(result.is_error);
    assert!(
        result.text().contains("`roots` capability"),
        "{}",
        result.text()
    );
}
