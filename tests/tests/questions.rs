//! Asking the client: elicitation, sampling and roots, with one call site for both eras —
//! real server-to-client requests in 2025-11-25, `input_required` results and retries in
//! 2026-07-28.

use std::sync::{Arc, Mutex};

use mcp_runtime::prelude::*;
use mcp_runtime::protocol::{code, ElicitAction};
use mcp_runtime::server::Elicited;
use mcp_runtime::testing::TestClient;
use serde_json::{json, Value};

fn name_form() -> Value {
    json!({"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]})
}

/// Greets the user by the name they type.
#[tool]
async fn greet(ctx: Context, greeting: String) -> Result<String, ToolError> {
    let answer = ctx
        .elicit("What is your name?", name_form())
        .key("user_name")
        .await?;
    Ok(match answer.action {
        ElicitAction::Accept => {
            let content = answer.content.unwrap_or_default();
            format!("{greeting}, {}!", content["name"].as_str().unwrap_or("?"))
        }
        ElicitAction::Decline => "declined".to_owned(),
        ElicitAction::Cancel => "cancelled".to_owned(),
    })
}

/// Asks three things at once.
#[tool]
async fn survey(ctx: Context) -> Result<String, ToolError> {
    let (name, poem, roots) = tokio::join!(
        ctx.elicit("Name?", name_form()),
        ctx.sample(json!({
            "messages": [{"role": "user", "content": {"type": "text", "text": "A poem"}}],
            "maxTokens": 10,
        })),
        ctx.roots(),
    );
    let (name, poem, roots) = (name?, poem?, roots?);
    Ok(format!(
        "{} / {} / {}",
        name.content.unwrap_or_default()["name"],
        poem["content"]["text"],
        roots["roots"][0]["uri"]
    ))
}

/// Asks twice, one question after the other.
#[tool]
async fn two_steps(ctx: Context) -> Result<String, ToolError> {
    let first = ctx.elicit("First?", name_form()).await?;
    let second = ctx.elicit("Second?", name_form()).await?;
    Ok(format!(
        "{} then {}",
        first.content.unwrap_or_default()["name"],
        second.content.unwrap_or_default()["name"]
    ))
}

#[derive(serde::Deserialize, schemars::JsonSchema)]
struct Shipping {
    /// Street address.
    address: String,
    express: bool,
}

/// Asks for a typed form.
#[tool]
async fn ship(ctx: Context) -> Result<String, ToolError> {
    Ok(match ctx.elicit_as::<Shipping>("Where to?").await? {
        Elicited::Accepted(s) => format!("to {} (express: {})", s.address, s.express),
        Elicited::Declined => "declined".to_owned(),
        Elicited::Cancelled => "cancelled".to_owned(),
    })
}

/// Needs sampling and says so.
#[tool]
async fn needs_sampling(ctx: Context) -> Result<String, ToolError> {
    let answer = ctx.sample(json!({"messages": [], "maxTokens": 1})).await?;
    Ok(answer["content"]["text"]
        .as_str()
        .unwrap_or_default()
        .to_owned())
}

/// Uses elicitation when it can, and carries on without it.
#[tool]
async fn optional_question(ctx: Context) -> String {
    match ctx.elicit("Name?", name_form()).await {
        Ok(_) => "asked".to_owned(),
        Err(error) => format!("not asked ({})", error.code),
    }
}

/// A prompt that asks before it renders.
#[prompt]
async fn personal(ctx: Context) -> Result<String, ToolError> {
    let answer = ctx.elicit("Name?", name_form()).await?;
    Ok(format!(
        "Write to {}",
        answer.content.unwrap_or_default()["name"]
    ))
}

/// A resource that asks before it is read.
#[resource("secret://vault")]
async fn vault(ctx: Context) -> Result<String, ToolError> {
    let answer = ctx.elicit("Password?", name_form()).await?;
    Ok(format!(
        "opened by {}",
        answer.content.unwrap_or_default()["name"]
    ))
}

fn server() -> Server {
    Server::new("questions", "1.0.0")
        .tools(tools![
            greet,
            survey,
            two_steps,
            ship,
            needs_sampling,
            optional_question
        ])
        .prompts(prompts![personal])
        .resources(resources![vault])
}

/// Answers like a client whose user types "Ada", whose model says "roses" and whose only
/// root is `file:///work`; records every question it was asked.
fn answers(log: Arc<Mutex<Vec<(String, Value)>>>) -> impl Fn(&str, &Value) -> Value {
    move |method: &str, params: &Value| {
        log.lock()
            .unwrap()
            .push((method.to_owned(), params.clone()));
        match method {
            "elicitation/create"
                if params["requestedSchema"]["properties"]
                    .get("address")
                    .is_some() =>
            {
                json!({"action": "accept", "content": {"address": "1 Main St", "express": true}})
            }
            "elicitation/create" => json!({"action": "accept", "content": {"name": "Ada"}}),
            "sampling/createMessage" => json!({
                "role": "assistant",
                "content": {"type": "text", "text": "roses"},
                "model": "test",
            }),
            "roots/list" => json!({"roots": [{"uri": "file:///work", "name": "work"}]}),
            other => panic!("unexpected question {other}"),
        }
    }
}

async fn both_eras(log: &Arc<Mutex<Vec<(String, Value)>>>) -> Vec<(&'static str, TestClient)> {
    let legacy = TestClient::legacy_answering(server(), answers(Arc::clone(log)))
        .await
        .unwrap();
    let modern = TestClient::modern(server())
        .unwrap()
        .answering(answers(Arc::clone(log)));
    vec![("2025-11-25", legacy), ("2026-07-28", modern)]
}

#[tokio::test]
async fn the_same_tool_asks_in_both_eras() {
    let log = Arc::new(Mutex::new(Vec::new()));
    for (era, client) in both_eras(&log).await {
        log.lock().unwrap().clear();
        let result = client
            .call_tool("greet", json!({"greeting": "Hello"}))
            .await
            .unwrap();
        assert_eq!(result.text(), "Hello, Ada!", "{era}");
        let asked = log.lock().unwrap().clone();
        assert_eq!(asked.len(), 1, "{era}: {asked:?}");
        assert_eq!(asked[0].0, "elicitation/create", "{era}");
        assert_eq!(asked[0].1["message"], "What is your name?", "{era}");
        assert_eq!(asked[0].1["requestedSchema"], name_form(), "{era}");
    }
}

#[tokio::test]
async fn a_modern_round_trip_goes_through_input_required_and_request_state() {
    let client = TestClient::modern(server())
        .unwrap()
        .with_client_capabilities(json!({"elicitation": {}}));
    let first = client
        .request(
            "tools/call",
            json!({"name": "greet", "arguments": {"greeting": "Hi"}}),
        )
        .await
        .unwrap();
    assert_eq!(first["resultType"], "input_required");
    assert_eq!(
        first["inputRequests"]["user_name"],
        json!({
            "method": "elicitation/create",
            "params": {"message": "What is your name?", "requestedSchema": name_form()},
        })
    );
    let state = first["requestState"].as_str().unwrap().to_owned();
    assert!(first.get("content").is_none());

    let retry = client
        .request(
            "tools/call",
            json!({
                "name": "greet",
                "arguments": {"greeting": "Hi"},
                "inputResponses": {"user_name": {"action": "accept", "content": {"name": "Grace"}}},
                "requestState": state,
            }),
        )
        .await
        .unwrap();
    assert_eq!(retry["resultType"], "complete");
    assert_eq!(retry["content"][0]["text"], "Hi, Grace!");

    // A state is accepted once: the same retry again is refused, and runs nothing.
    let replayed = client
        .request(
            "tools/call",
            json!({
                "name": "greet",
                "arguments": {"greeting": "Hi"},
                "inputResponses": {"user_name": {"action": "accept", "content": {"name": "Grace"}}},
                "requestState": state,
            }),
        )
        .await
        .unwrap_err();
    assert_eq!(replayed.code, code::INVALID_PARAMS);
    assert!(
        replayed.message.contains("already used"),
        "{}",
        replayed.message
    );

    // A declined form reaches the same line.
    let fresh = client
        .request(
            "tools/call",
            json!({"name": "greet", "arguments": {"greeting": "Hi"}}),
        )
        .await
        .unwrap();
    let declined = client
        .request(
            "tools/call",
            json!({
                "name": "greet",
                "arguments": {"greeting": "Hi"},
                "inputResponses": {"user_name": {"action": "decline"}},
                "requestState": fresh["requestState"],
            }),
        )
        .await
        .unwrap();
    assert_eq!(declined["content"][0]["text"], "declined");
}

#[tokio::test]
async fn a_handlers_question_may_use_an_answer_sent_unasked() {
    let client = TestClient::modern(server())
        .unwrap()
        .with_client_capabilities(json!({"elicitation": {}}));
    // An answer sent with the first request serves the handler's own question, and extra
    // keys are ignored (the specification's advice); a confirmation never counts one (see
    // the permission tests).
    let done = client
        .request(
            "tools/call",
            json!({
                "name": "greet",
                "arguments": {"greeting": "Hi"},
                "inputResponses": {
                    "user_name": {"action": "accept", "content": {"name": "Ada"}},
                    "unknown": {"action": "accept", "content": {}},
                },
            }),
        )
        .await
        .unwrap();
    assert_eq!(done["resultType"], "complete", "{done}");
    assert_eq!(done["content"][0]["text"], "Hi, Ada!");
}

#[tokio::test]
async fn a_legacy_question_is_a_real_request_to_the_client() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let client = TestClient::legacy_answering(server(), answers(Arc::clone(&log)))
        .await
        .unwrap();
    let result = client.call_tool("survey", json!({})).await.unwrap();
    assert_eq!(result.text(), r#""Ada" / "roses" / "file:///work""#);
    let mut methods: Vec<String> = log.lock().unwrap().iter().map(|(m, _)| m.clone()).collect();
    methods.sort();
    assert_eq!(
        methods,
        ["elicitation/create", "roots/list", "sampling/createMessage"]
    );
}

#[tokio::test]
async fn questions_awaited_together_go_in_one_round() {
    let client = TestClient::modern(server())
        .unwrap()
        .with_client_capabilities(json!({"elicitation": {}, "sampling": {}, "roots": {}}));
    let first = client
        .request("tools/call", json!({"name": "survey"}))
        .await
        .unwrap();
    assert_eq!(first["resultType"], "input_required");
    let requests = first["inputRequests"].as_object().unwrap();
    let mut keys: Vec<&str> = requests.keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(keys, ["elicitation-1", "roots-3", "sampling-2"]);
    assert_eq!(
        requests["roots-3"],
        json!({"method": "roots/list", "params": {}})
    );

    let log = Arc::new(Mutex::new(Vec::new()));
    let answering = TestClient::modern(server())
        .unwrap()
        .answering(answers(Arc::clone(&log)));
    let result = answering.call_tool("survey", json!({})).await.unwrap();
    assert_eq!(result.text(), r#""Ada" / "roses" / "file:///work""#);
    assert_eq!(log.lock().unwrap().len(), 3, "each question asked once");
}

#[tokio::test]
async fn later_rounds_carry_earlier_answers_in_the_request_state() {
    let client = TestClient::modern(server())
        .unwrap()
        .with_client_capabilities(json!({"elicitation": {}}));
    let call = |extra: Value| {
        let mut params = json!({"name": "two_steps", "arguments": {}});
        params
            .as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        params
    };
    let first = client.request("tools/call", call(json!({}))).await.unwrap();
    assert_eq!(
        first["inputRequests"]["elicitation-1"]["params"]["message"],
        "First?"
    );
    let second = client
        .request(
            "tools/call",
            call(json!({
                "inputResponses": {"elicitation-1": {"action": "accept", "content": {"name": "one"}}},
                "requestState": first["requestState"],
            })),
        )
        .await
        .unwrap();
    assert_eq!(second["resultType"], "input_required");
    assert_eq!(
        second["inputRequests"]["elicitation-2"]["params"]["message"],
        "Second?"
    );
    assert_ne!(second["requestState"], first["requestState"]);
    // Only the new answer: the first comes back from the state.
    let done = client
        .request(
            "tools/call",
            call(json!({
                "inputResponses": {"elicitation-2": {"action": "accept", "content": {"name": "two"}}},
                "requestState": second["requestState"],
            })),
        )
        .await
        .unwrap();
    assert_eq!(done["content"][0]["text"], r#""one" then "two""#);
}

#[tokio::test]
async fn altered_or_misused_state_is_refused() {
    let client = TestClient::modern(server())
        .unwrap()
        .with_client_capabilities(json!({"elicitation": {}}));
    let first = client
        .request(
            "tools/call",
            json!({"name": "greet", "arguments": {"greeting": "Hi"}}),
        )
        .await
        .unwrap();
    let state = first["requestState"].as_str().unwrap();
    let answer = json!({"user_name": {"action": "accept", "content": {"name": "Eve"}}});
    let cases = [
        (
            "greet",
            json!({"greeting": "Hi"}),
            format!("{state}-TAMPERED"),
        ),
        (
            "greet",
            json!({"greeting": "Hi"}),
            state.replacen('e', "f", 1),
        ),
        // Another request: other arguments, another tool.
        ("greet", json!({"greeting": "Bye"}), state.to_owned()),
        ("two_steps", json!({}), state.to_owned()),
    ];
    for (tool, arguments, state) in cases {
        let error = client
            .request(
                "tools/call",
                json!({"name": tool, "arguments": arguments, "inputResponses": answer, "requestState": state}),
            )
            .await
            .unwrap_err();
        assert_eq!(error.code, code::INVALID_PARAMS, "{tool} {state}");
        assert!(error.message.contains("requestState"), "{}", error.message);
    }
    // The server keeps serving.
    let ok = client
        .request(
            "tools/call",
            json!({"name": "greet", "arguments": {"greeting": "Hi"}, "inputResponses": answer, "requestState": state}),
        )
        .await
        .unwrap();
    assert_eq!(ok["content"][0]["text"], "Hi, Eve!");
}

#[tokio::test]
async fn malformed_answers_are_invalid_params() {
    let client = TestClient::modern(server())
        .unwrap()
        .with_client_capabilities(json!({"elicitation": {}}));
    let call = json!({"name": "greet", "arguments": {"greeting": "Hi"}});
    for responses in [json!(null), json!(12), json!({"user_name": 12345})] {
        let first = client.request("tools/call", call.clone()).await.unwrap();
        let mut retry = call.clone();
        retry["inputResponses"] = responses.clone();
        retry["requestState"] = first["requestState"].clone();
        let error = client.request("tools/call", retry).await.unwrap_err();
        assert_eq!(error.code, code::INVALID_PARAMS, "{responses}");
    }
    // Unknown keys are ignored; a missing answer is asked again.
    let first = client.request("tools/call", call.clone()).await.unwrap();
    let mut retry = call;
    retry["inputResponses"] = json!({"other": {}});
    retry["requestState"] = first["requestState"].clone();
    let again = client.request("tools/call", retry).await.unwrap();
    assert_eq!(again["resultType"], "input_required");
    assert!(again["inputRequests"].get("user_name").is_some());
}

#[tokio::test]
async fn an_undeclared_capability_is_minus_32021_in_the_modern_era() {
    let client = TestClient::modern(server()).unwrap();
    let error = client
        .request("tools/call", json!({"name": "needs_sampling"}))
        .await
        .unwrap_err();
    assert_eq!(error.code, code::MISSING_REQUIRED_CLIENT_CAPABILITY);
    assert_eq!(
        error.data.unwrap()["requiredCapabilities"],
        json!({"sampling": {}})
    );
    // A tool that copes without the answer completes normally.
    let coping = client
        .call_tool("optional_question", json!({}))
        .await
        .unwrap();
    assert_eq!(coping.text(), "not asked (-32021)");
    // Only what the client declared is asked.
    let sampling_only = TestClient::modern(server())
        .unwrap()
        .with_client_capabilities(json!({"sampling": {}}));
    let first = sampling_only
        .request("tools/call", json!({"name": "survey"}))
        .await
        .unwrap();
    let asked: Vec<&String> = first["inputRequests"].as_object().unwrap().keys().collect();
    assert_eq!(asked, ["sampling-2"]);
    // survey needs all three: once sampling is answered it fails, naming what is missing.
    let error = sampling_only
        .request(
            "tools/call",
            json!({
                "name": "survey",
                "inputResponses": {"sampling-2": {"role": "assistant", "content": {"type": "text", "text": "x"}}},
                "requestState": first["requestState"],
            }),
        )
        .await
        .unwrap_err();
    assert_eq!(error.code, code::MISSING_REQUIRED_CLIENT_CAPABILITY);
}

#[tokio::test]
async fn an_undeclared_capability_is_an_error_result_in_the_legacy_era() {
    let client = TestClient::legacy(server()).await.unwrap();
    let result = client.call_tool("needs_sampling", json!({})).await.unwrap();
    assert!(result.is_error);
    assert!(result.text().contains("`sampling`"), "{}", result.text());
    let coping = client
        .call_tool("optional_question", json!({}))
        .await
        .unwrap();
    assert_eq!(coping.text(), "not asked (-32021)");
}

#[tokio::test]
async fn url_mode_needs_its_own_capability() {
    /// Sends the user to a page.
    #[tool]
    async fn pay(ctx: Context) -> Result<String, ToolError> {
        let answer = ctx
            .elicit_url("Pay on the provider's page", "https://pay.example/123")
            .await?;
        Ok(format!("{:?}", answer.action))
    }
    let form_only = TestClient::modern(Server::new("p", "1").tools(tools![pay]))
        .unwrap()
        .with_client_capabilities(json!({"elicitation": {}}));
    let error = form_only
        .request("tools/call", json!({"name": "pay"}))
        .await
        .unwrap_err();
    assert_eq!(
        error.data.unwrap()["requiredCapabilities"],
        json!({"elicitation": {"url": {}}})
    );
    let url = TestClient::modern(Server::new("p", "1").tools(tools![pay]))
        .unwrap()
        .with_client_capabilities(json!({"elicitation": {"url": {}}}));
    let first = url
        .request("tools/call", json!({"name": "pay"}))
        .await
        .unwrap();
    assert_eq!(
        first["inputRequests"]["elicitation-1"]["params"],
        json!({"mode": "url", "message": "Pay on the provider's page", "url": "https://pay.example/123"})
    );
}

#[tokio::test]
async fn typed_forms_send_their_schema_and_decode_the_answer() {
    let log = Arc::new(Mutex::new(Vec::new()));
    for (era, client) in both_eras(&log).await {
        log.lock().unwrap().clear();
        let result = client.call_tool("ship", json!({})).await.unwrap();
        assert_eq!(result.text(), "to 1 Main St (express: true)", "{era}");
        let schema = log.lock().unwrap()[0].1["requestedSchema"].clone();
        assert_eq!(schema["type"], "object", "{era}");
        assert_eq!(schema["properties"]["address"]["type"], "string");
        assert_eq!(
            schema["properties"]["address"]["description"],
            "Street address."
        );
        assert_eq!(schema["required"], json!(["address", "express"]));
    }
}

#[tokio::test]
async fn prompts_and_resources_may_ask_too() {
    let log = Arc::new(Mutex::new(Vec::new()));
    for (era, client) in both_eras(&log).await {
        let prompt = client
            .request("prompts/get", json!({"name": "personal"}))
            .await
            .unwrap();
        assert_eq!(
            prompt["messages"][0]["content"]["text"], r#"Write to "Ada""#,
            "{era}"
        );
        let read = client
            .request("resources/read", json!({"uri": "secret://vault"}))
            .await
            .unwrap();
        assert_eq!(read["contents"][0]["text"], r#"opened by "Ada""#, "{era}");
    }
}

#[tokio::test]
async fn list_requests_never_ask() {
    let client = TestClient::modern(server())
        .unwrap()
        .with_client_capabilities(json!({"elicitation": {}}));
    for method in ["tools/list", "prompts/list", "resources/list"] {
        let result = client.request(method, json!({})).await.unwrap();
        assert_eq!(result["resultType"], "complete", "{method}");
    }
}

#[tokio::test]
async fn a_dismissed_form_reaches_the_call_site_in_the_legacy_era() {
    let client =
        TestClient::legacy_answering(server(), |_: &str, _: &Value| json!({"action": "cancel"}))
            .await
            .unwrap();
    let result = client
        .call_tool("greet", json!({"greeting": "Hi"}))
        .await
        .unwrap();
    assert_eq!(result.text(), "cancelled");
}
