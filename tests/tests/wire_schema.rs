//! Every message the server emits validates against the official JSON Schema of the revision
//! it speaks, and the official examples round-trip through the runtime's wire types.

use std::path::{Path, PathBuf};

use mcp_runtime::protocol::{CallToolResult, Content, ProtocolVersion, Tool};
use mcp_runtime::testing::TestClient;
use mcp_tests::fixture_server;
use serde_json::{json, Value};

fn spec_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("spec")
}

/// Validates instances against one definition of a revision's schema.
struct Spec {
    revision: &'static str,
    document: Value,
}

impl Spec {
    fn load(version: ProtocolVersion) -> Spec {
        let path = spec_dir().join(version.as_str()).join("schema.json");
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        Spec {
            revision: version.as_str(),
            document: serde_json::from_str(&text).unwrap(),
        }
    }

    fn defs_key(&self) -> &'static str {
        if self.document.get("$defs").is_some() {
            "$defs"
        } else {
            "definitions"
        }
    }

    fn has(&self, definition: &str) -> bool {
        self.document[self.defs_key()].get(definition).is_some()
    }

    /// Panics with every violation when `instance` does not match `definition`.
    fn check(&self, definition: &str, instance: &Value) {
        assert!(
            self.has(definition),
            "{} has no definition {definition}",
            self.revision
        );
        let key = self.defs_key();
        let mut schema = serde_json::Map::new();
        schema.insert("$schema".into(), self.document["$schema"].clone());
        schema.insert("$ref".into(), json!(format!("#/{key}/{definition}")));
        schema.insert(key.into(), self.document[key].clone());
        let validator = jsonschema::validator_for(&Value::Object(schema))
            .expect("the official schema compiles");
        let errors: Vec<String> = validator
            .iter_errors(instance)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(
            errors.is_empty(),
            "{} {definition} rejects {instance:#}:\n{}",
            self.revision,
            errors.join("\n")
        );
    }

    fn error_response(&self) -> &'static str {
        if self.has("JSONRPCErrorResponse") {
            "JSONRPCErrorResponse"
        } else {
            "JSONRPCError"
        }
    }

    fn result_response(&self) -> &'static str {
        if self.has("JSONRPCResultResponse") {
            "JSONRPCResultResponse"
        } else {
            "JSONRPCResponse"
        }
    }
}

/// The requests of a session, with the definition each successful result must match.
fn script() -> Vec<(Value, Option<&'static str>)> {
    let call = |name: &str, arguments: Value| json!({"method": "tools/call", "params": {"name": name, "arguments": arguments, "_meta": {"progressToken": 7}}});
    vec![
        (
            json!({"method": "tools/list", "params": {}}),
            Some("ListToolsResult"),
        ),
        (call("add", json!({"a": 1, "b": 2})), Some("CallToolResult")),
        (
            call("mirror", json!({"points": [{"x": 1, "y": 2}]})),
            Some("CallToolResult"),
        ),
        (
            call("centroid", json!({"points": [{"x": 1, "y": 2}]})),
            Some("CallToolResult"),
        ),
        (
            call("centroid", json!({"points": []})),
            Some("CallToolResult"),
        ),
        (call("gallery", json!({})), Some("CallToolResult")),
        (call("note.version", json!({})), Some("CallToolResult")),
        (
            call("explode", json!({"message": "x"})),
            Some("CallToolResult"),
        ),
        (call("add", json!({"a": "wrong"})), Some("CallToolResult")),
        (call("work", json!({"steps": 2})), Some("CallToolResult")),
        (call("missing_tool", json!({})), None),
        (
            json!({"method": "tools/list", "params": {"cursor": "nonsense"}}),
            None,
        ),
        (json!({"method": "no/such/method", "params": {}}), None),
    ]
}

async fn run_session(spec: &Spec, client: &TestClient, modern: bool) {
    let mut id = 100;
    for (request, result_definition) in script() {
        id += 1;
        let method = request["method"].as_str().unwrap();
        let mut params = request["params"].clone();
        if modern {
            params["_meta"]["io.modelcontextprotocol/protocolVersion"] = json!("2026-07-28");
            params["_meta"]["io.modelcontextprotocol/clientCapabilities"] = json!({});
            params["_meta"]["io.modelcontextprotocol/logLevel"] = json!("debug");
        }
        let message = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
        let answer = client
            .send_raw(&serde_json::to_vec(&message).unwrap())
            .await
            .expect("every request is answered");
        spec.check("JSONRPCMessage", &answer);
        match result_definition {
            Some(definition) => {
                spec.check(spec.result_response(), &answer);
                spec.check(definition, &answer["result"]);
            }
            None => spec.check(spec.error_response(), &answer),
        }
        for notification in client.take_notifications() {
            spec.check("JSONRPCMessage", &notification);
            let definition = match notification["method"].as_str().unwrap() {
                "notifications/progress" => "ProgressNotification",
                "notifications/message" => "LoggingMessageNotification",
                other => panic!("unexpected notification {other}"),
            };
            spec.check(definition, &notification);
        }
    }
    // Messages too broken to have an id are answered with `"id": null`, as JSON-RPC 2.0
    // requires and the official SDKs expect (the Python client's `JSONRPCError.id` is required
    // but nullable). The MCP schemas type `id` as string or integer, so the rest of the
    // message is checked without it.
    for broken in [&b"{oops"[..], b"[]"] {
        let mut answer = client.send_raw(broken).await.unwrap();
        assert_eq!(
            answer.as_object_mut().unwrap().remove("id"),
            Some(Value::Null)
        );
        if spec.revision == "2025-06-18" {
            // That revision requires `id`; check the error object against its definition.
            let error_schema = &spec.document["definitions"]["JSONRPCError"]["properties"]["error"];
            let validator = jsonschema::validator_for(error_schema).unwrap();
            assert!(validator.is_valid(&answer["error"]), "{answer}");
        } else {
            spec.check(spec.error_response(), &answer);
        }
    }
}

#[tokio::test]
async fn legacy_sessions_emit_valid_messages() {
    for version in [ProtocolVersion::V2025_11_25, ProtocolVersion::V2025_06_18] {
        let spec = Spec::load(version);
        let client = TestClient::modern(fixture_server()).unwrap();
        let init = client
            .send_raw(
                &serde_json::to_vec(&json!({
                    "jsonrpc": "2.0", "id": 1, "method": "initialize",
                    "params": {"protocolVersion": version.as_str(), "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}},
                }))
                .unwrap(),
            )
            .await
            .unwrap();
        spec.check(spec.result_response(), &init);
        spec.check("InitializeResult", &init["result"]);
        assert_eq!(init["result"]["protocolVersion"], version.as_str());

        let pong = client
            .send_raw(br#"{"jsonrpc":"2.0","id":2,"method":"ping"}"#)
            .await
            .unwrap();
        spec.check("EmptyResult", &pong["result"]);
        let level = client
            .send_raw(br#"{"jsonrpc":"2.0","id":3,"method":"logging/setLevel","params":{"level":"debug"}}"#)
            .await
            .unwrap();
        spec.check("EmptyResult", &level["result"]);

        run_session(&spec, &client, false).await;
    }
}

#[tokio::test]
async fn modern_requests_emit_valid_messages() {
    let spec = Spec::load(ProtocolVersion::V2026_07_28);
    let client = TestClient::modern(fixture_server()).unwrap();
    let discovered = client.request("server/discover", json!({})).await.unwrap();
    spec.check("DiscoverResult", &discovered);
    run_session(&spec, &client, true).await;

    let unsupported = client
        .send_raw(br#"{"jsonrpc":"2.0","id":9,"method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"1900-01-01","io.modelcontextprotocol/clientCapabilities":{}}}}"#)
        .await
        .unwrap();
    spec.check("UnsupportedProtocolVersionError", &unsupported);
}

#[test]
fn tool_descriptors_validate_in_every_revision() {
    let dispatcher = fixture_server().build().unwrap();
    for version in [
        ProtocolVersion::V2025_06_18,
        ProtocolVersion::V2025_11_25,
        ProtocolVersion::V2026_07_28,
    ] {
        let spec = Spec::load(version);
        for tool in dispatcher.tools() {
            spec.check(
                "Tool",
                &serde_json::to_value(tool.to_wire(version.era())).unwrap(),
            );
        }
    }
}

fn examples(type_name: &str) -> Vec<(String, Value)> {
    let dir = spec_dir().join("2026-07-28/examples").join(type_name);
    let mut out = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        let value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        out.push((
            path.file_name().unwrap().to_string_lossy().into_owned(),
            value,
        ));
    }
    assert!(!out.is_empty(), "no examples for {type_name}");
    out
}

#[test]
fn official_content_examples_round_trip() {
    for type_name in [
        "TextContent",
        "ImageContent",
        "AudioContent",
        "EmbeddedResource",
        "ResourceLink",
    ] {
        for (file, example) in examples(type_name) {
            let parsed: Content =
                serde_json::from_value(example.clone()).unwrap_or_else(|e| panic!("{file}: {e}"));
            assert_eq!(serde_json::to_value(&parsed).unwrap(), example, "{file}");
        }
    }
}

#[test]
fn official_tool_examples_round_trip() {
    for (file, example) in examples("Tool") {
        let parsed: Tool =
            serde_json::from_value(example.clone()).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(serde_json::to_value(&parsed).unwrap(), example, "{file}");
    }
}

#[test]
fn official_call_tool_result_examples_round_trip() {
    for (file, mut example) in examples("CallToolResult") {
        let parsed: CallToolResult =
            serde_json::from_value(example.clone()).unwrap_or_else(|e| panic!("{file}: {e}"));
        // The dispatcher adds `resultType` for the era it answers; `isError: false` is the default.
        let object = example.as_object_mut().unwrap();
        object.remove("resultType");
        if object.get("isError") == Some(&json!(false)) {
            object.remove("isError");
        }
        assert_eq!(serde_json::to_value(&parsed).unwrap(), example, "{file}");
    }
}
