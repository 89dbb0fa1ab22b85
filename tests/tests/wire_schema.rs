//! Every message the server emits validates against the official JSON Schema of the revision
//! it speaks, and the official examples round-trip through the runtime's wire types.

use std::path::{Path, PathBuf};

use mcp_runtime::prelude::{tool, tools, Context, Server};
use mcp_runtime::protocol::{CallToolResult, Content, ProtocolVersion, Tool};
use mcp_runtime::testing::TestClient;
use mcp_tests::fixture_server;
use serde_json::{json, Value};

fn spec_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("spec")
}

/// Validates instances against one definition of a revision's schema.
pub(crate) struct Spec {
    revision: &'static str,
    document: Value,
}

impl Spec {
    pub(crate) fn load(version: ProtocolVersion) -> Spec {
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
    pub(crate) fn check(&self, definition: &str, instance: &Value) {
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

/// What a scripted request must be answered with.
#[derive(Debug, Clone, Copy)]
enum Expect {
    /// A result matching this definition.
    Returns(&'static str),
    /// An error with this code.
    Fails(i32),
}

use Expect::{Fails, Returns};

/// The error definition of a code, in revisions that define one per code.
fn error_definition(code: i64) -> &'static str {
    match code {
        -32700 => "ParseError",
        -32600 => "InvalidRequestError",
        -32601 => "MethodNotFoundError",
        -32602 => "InvalidParamsError",
        -32603 => "InternalError",
        _ => "Error",
    }
}

const NOT_FOUND_MODERN: i32 = -32602;
const NOT_FOUND_LEGACY: i32 = -32002;

/// The requests of a session, with what each must be answered with.
fn script(modern: bool) -> Vec<(Value, Expect)> {
    let call = |name: &str, arguments: Value| json!({"method": "tools/call", "params": {"name": name, "arguments": arguments, "_meta": {"progressToken": 7}}});
    let read = |uri: &str| json!({"method": "resources/read", "params": {"uri": uri}});
    let get = |name: &str, arguments: Value| json!({"method": "prompts/get", "params": {"name": name, "arguments": arguments}});
    let complete = |reference: Value, name: &str, value: &str| json!({"method": "completion/complete", "params": {"ref": reference, "argument": {"name": name, "value": value}}});
    let prompt = |name: &str| json!({"type": "ref/prompt", "name": name});
    let template = json!({"type": "ref/resource", "uri": "test://users/{user}/items/{index}"});
    let not_found = if modern {
        NOT_FOUND_MODERN
    } else {
        NOT_FOUND_LEGACY
    };
    let mut script = vec![
        (
            json!({"method": "tools/list", "params": {}}),
            Returns("ListToolsResult"),
        ),
        (
            call("add", json!({"a": 1, "b": 2})),
            Returns("CallToolResult"),
        ),
        (
            call("mirror", json!({"points": [{"x": 1, "y": 2}]})),
            Returns("CallToolResult"),
        ),
        (
            call("centroid", json!({"points": [{"x": 1, "y": 2}]})),
            Returns("CallToolResult"),
        ),
        (
            call("centroid", json!({"points": []})),
            Returns("CallToolResult"),
        ),
        (call("gallery", json!({})), Returns("CallToolResult")),
        (call("note.version", json!({})), Returns("CallToolResult")),
        (
            call("explode", json!({"message": "x"})),
            Returns("CallToolResult"),
        ),
        (
            call("add", json!({"a": "wrong"})),
            Returns("CallToolResult"),
        ),
        (call("work", json!({"steps": 2})), Returns("CallToolResult")),
        (call("missing_tool", json!({})), Fails(-32602)),
        (
            json!({"method": "tools/list", "params": {"cursor": "nonsense"}}),
            Fails(-32602),
        ),
        (
            json!({"method": "no/such/method", "params": {}}),
            Fails(-32601),
        ),
        // Resources.
        (
            json!({"method": "resources/list", "params": {}}),
            Returns("ListResourcesResult"),
        ),
        (
            json!({"method": "resources/list", "params": {"cursor": "nonsense"}}),
            Fails(-32602),
        ),
        (
            json!({"method": "resources/templates/list", "params": {}}),
            Returns("ListResourceTemplatesResult"),
        ),
        (read("test://static/readme"), Returns("ReadResourceResult")),
        (read("test://static/logo"), Returns("ReadResourceResult")),
        (
            read("test://users/ada%20lovelace/items/2"),
            Returns("ReadResourceResult"),
        ),
        (read("test://whoami"), Returns("ReadResourceResult")),
        (
            call("note.add", json!({"text": "milk"})),
            Returns("CallToolResult"),
        ),
        (read("notes://0"), Returns("ReadResourceResult")),
        (read("test://nowhere"), Fails(not_found)),
        (read("test://users/ada/items/three"), Fails(-32602)),
        (read("test://broken"), Fails(-32603)),
        (read("test://panicking"), Fails(-32603)),
        (
            json!({"method": "resources/read", "params": {}}),
            Fails(-32602),
        ),
        // Prompts.
        (
            json!({"method": "prompts/list", "params": {}}),
            Returns("ListPromptsResult"),
        ),
        (
            get("code_review", json!({"language": "rust", "focus": "tests"})),
            Returns("GetPromptResult"),
        ),
        (get("describe_image", json!({})), Returns("GetPromptResult")),
        (
            get("note.summarise", json!({"index": "0"})),
            Returns("GetPromptResult"),
        ),
        (get("code_review", json!({"focus": "tests"})), Fails(-32602)),
        (get("no_such_prompt", json!({})), Fails(-32602)),
        (get("broken_prompt", json!({})), Fails(-32603)),
        // Completion.
        (
            complete(prompt("code_review"), "language", "r"),
            Returns("CompleteResult"),
        ),
        (
            complete(template.clone(), "user", "a"),
            Returns("CompleteResult"),
        ),
        (
            complete(prompt("code_review"), "focus", "x"),
            Returns("CompleteResult"),
        ),
        (
            complete(prompt("no_such_prompt"), "language", "r"),
            Fails(-32602),
        ),
    ];
    // Subscriptions: legacy era only.
    let subscribe = |method: &str, uri: &str| json!({"method": method, "params": {"uri": uri}});
    if modern {
        script.extend([
            (
                subscribe("resources/subscribe", "test://static/readme"),
                Fails(-32601),
            ),
            (
                subscribe("resources/unsubscribe", "test://static/readme"),
                Fails(-32601),
            ),
        ]);
    } else {
        script.extend([
            (
                subscribe("resources/subscribe", "test://static/readme"),
                Returns("EmptyResult"),
            ),
            (
                call("touch", json!({"uri": "test://static/readme"})),
                Returns("CallToolResult"),
            ),
            (
                subscribe("resources/unsubscribe", "test://static/readme"),
                Returns("EmptyResult"),
            ),
            (
                subscribe("resources/subscribe", "test://nowhere"),
                Fails(NOT_FOUND_LEGACY),
            ),
        ]);
    }
    script
}

/// Tells clients subscribed to `uri` that it changed.
#[tool]
async fn touch(ctx: Context, uri: String) -> u64 {
    ctx.notifier().resource_updated(&uri).await as u64
}

/// The fixture, plus a tool that sends `notifications/resources/updated`.
fn session_server() -> Server {
    fixture_server().tools(tools![touch])
}

async fn run_session(spec: &Spec, client: &TestClient, modern: bool) {
    let mut id = 100;
    let mut updates = 0;
    for (request, expect) in script(modern) {
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
        match expect {
            Returns(definition) => {
                assert!(answer.get("result").is_some(), "{request}: {answer}");
                spec.check(spec.result_response(), &answer);
                spec.check(definition, &answer["result"]);
            }
            Fails(code) => {
                spec.check(spec.error_response(), &answer);
                assert_eq!(answer["error"]["code"], code, "{request}: {answer}");
                let definition = error_definition(i64::from(code));
                if spec.has(definition) {
                    spec.check(definition, &answer["error"]);
                }
            }
        }
        for notification in client.take_notifications() {
            spec.check("JSONRPCMessage", &notification);
            let definition = match notification["method"].as_str().unwrap() {
                "notifications/progress" => "ProgressNotification",
                "notifications/message" => "LoggingMessageNotification",
                "notifications/resources/updated" => {
                    updates += 1;
                    "ResourceUpdatedNotification"
                }
                other => panic!("unexpected notification {other}"),
            };
            spec.check(definition, &notification);
        }
    }
    assert_eq!(
        updates,
        if modern { 0 } else { 1 },
        "{}: resource updates",
        spec.revision
    );
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
        let client = TestClient::modern(session_server()).unwrap();
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
    let client = TestClient::modern(session_server()).unwrap();
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

#[test]
fn resource_and_prompt_descriptors_validate_in_every_revision() {
    let dispatcher = fixture_server().build().unwrap();
    assert!(dispatcher.resources().count() >= 2 && dispatcher.prompts().count() >= 2);
    for version in [
        ProtocolVersion::V2025_06_18,
        ProtocolVersion::V2025_11_25,
        ProtocolVersion::V2026_07_28,
    ] {
        let spec = Spec::load(version);
        for resource in dispatcher.resources() {
            if resource.is_template() {
                spec.check(
                    "ResourceTemplate",
                    &serde_json::to_value(resource.to_template()).unwrap(),
                );
            } else {
                spec.check(
                    "Resource",
                    &serde_json::to_value(resource.to_resource()).unwrap(),
                );
            }
        }
        for prompt in dispatcher.prompts() {
            spec.check("Prompt", &serde_json::to_value(prompt.to_prompt()).unwrap());
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

/// Asks the client three things at once.
#[tool]
async fn ask_everything(ctx: Context) -> Result<String, mcp_runtime::ToolError> {
    let form =
        json!({"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]});
    let (name, sampled, roots) = tokio::join!(
        ctx.elicit("Name?", form),
        ctx.sample(json!({
            "messages": [{"role": "user", "content": {"type": "text", "text": "Hi"}}],
            "maxTokens": 5,
        })),
        ctx.roots(),
    );
    Ok(format!(
        "{:?} {} {}",
        name?.action, sampled?["model"], roots?["roots"]
    ))
}

fn asking_server() -> Server {
    Server::new("asking", "1.0.0").tools(tools![ask_everything])
}

#[tokio::test]
async fn modern_questions_are_valid_input_required_results() {
    let spec = Spec::load(ProtocolVersion::V2026_07_28);
    let client = TestClient::modern(asking_server())
        .unwrap()
        .with_client_capabilities(json!({"elicitation": {}, "sampling": {}, "roots": {}}));
    let ask = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {
        "name": "ask_everything",
        "_meta": {
            "io.modelcontextprotocol/protocolVersion": "2026-07-28",
            "io.modelcontextprotocol/clientCapabilities": {"elicitation": {}, "sampling": {}, "roots": {}},
        },
    }});
    let answer = client
        .send_raw(&serde_json::to_vec(&ask).unwrap())
        .await
        .unwrap();
    spec.check(spec.result_response(), &answer);
    spec.check("InputRequiredResult", &answer["result"]);
    let requests = answer["result"]["inputRequests"].as_object().unwrap();
    assert_eq!(requests.len(), 3);
    for request in requests.values() {
        let definition = match request["method"].as_str().unwrap() {
            "elicitation/create" => "ElicitRequest",
            "sampling/createMessage" => "CreateMessageRequest",
            "roots/list" => "ListRootsRequest",
            other => panic!("unexpected input request {other}"),
        };
        spec.check(definition, request);
    }

    let undeclared = client
        .send_raw(
            &serde_json::to_vec(
                &json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {
                    "name": "ask_everything",
                    "_meta": {
                        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
                        "io.modelcontextprotocol/clientCapabilities": {},
                    },
                }}),
            )
            .unwrap(),
        )
        .await
        .unwrap();
    spec.check(spec.error_response(), &undeclared);
    spec.check("MissingRequiredClientCapabilityError", &undeclared);
}

#[tokio::test]
async fn legacy_questions_are_valid_client_requests() {
    for version in [ProtocolVersion::V2025_11_25, ProtocolVersion::V2025_06_18] {
        let spec = Spec::load(version);
        let asked = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let log = std::sync::Arc::clone(&asked);
        let client = TestClient::legacy_answering(asking_server(), move |method: &str, params: &Value| {
            log.lock().unwrap().push(json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}));
            match method {
                "elicitation/create" => json!({"action": "accept", "content": {"name": "Ada"}}),
                "sampling/createMessage" => json!({"role": "assistant", "content": {"type": "text", "text": "Hello"}, "model": "m"}),
                _ => json!({"roots": []}),
            }
        })
        .await
        .unwrap();
        let result = client.call_tool("ask_everything", json!({})).await.unwrap();
        assert!(!result.is_error, "{}", result.text());
        let asked = asked.lock().unwrap().clone();
        assert_eq!(asked.len(), 3);
        for request in &asked {
            let definition = match request["method"].as_str().unwrap() {
                "elicitation/create" => "ElicitRequest",
                "sampling/createMessage" => "CreateMessageRequest",
                _ => "ListRootsRequest",
            };
            spec.check(definition, request);
        }
    }
}
