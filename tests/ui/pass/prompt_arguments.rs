//! Prompts: parameters are string arguments (`Option<T>` ones optional), parsed with
//! `FromStr`, documented by `# Arguments`, completed by `complete(...)`.
use mcp_runtime::capability::PromptHandler;
use mcp_runtime::prelude::*;
use serde_json::json;

/// Asks for a code review.
///
/// # Arguments
/// * `language` - the language of the change
/// * `diff` - the change to review
/// * `max_comments` - at most this many comments
#[prompt(
    name = "code_review",
    title = "Code review",
    risk = "medium",
    scopes("code:read"),
    complete(language = languages)
)]
fn review(language: String, diff: String, max_comments: Option<u32>) -> Vec<PromptMessage> {
    let limit = max_comments.map_or(String::new(), |n| format!(" in at most {n} comments"));
    vec![
        PromptMessage::user(format!("Review this {language} change{limit}:\n{diff}")),
        PromptMessage::new(Role::Assistant, Content::text("Let me look.")),
    ]
}

fn languages(typed: &str) -> Vec<String> {
    ["rust", "python"]
        .iter()
        .filter(|l| l.starts_with(typed))
        .map(|l| l.to_string())
        .collect()
}

struct Greeting {
    text: &'static str,
}

/// Greets the user; async, with injected state and no arguments.
#[prompt]
async fn greet(greeting: State<Greeting>, ctx: Context) -> String {
    let _ = ctx.is_cancelled();
    greeting.text.to_owned()
}

/// Fails when asked to.
#[prompt]
fn fallible(fail: Option<bool>) -> Result<PromptMessage, ToolError> {
    if fail.unwrap_or(false) {
        Err(ToolError::new("asked to fail"))
    } else {
        Ok(PromptMessage::user("fine"))
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let descriptor = review {}.descriptor();
    assert_eq!(descriptor.name(), "code_review");
    assert_eq!(descriptor.permission().risk, RiskLevel::Medium);
    let listed = descriptor.to_prompt();
    assert_eq!(listed.title.as_deref(), Some("Code review"));
    assert_eq!(listed.description.as_deref(), Some("Asks for a code review."));
    assert_eq!(
        serde_json::to_value(&listed.arguments).unwrap(),
        json!([
            { "name": "language", "description": "the language of the change", "required": true },
            { "name": "diff", "description": "the change to review", "required": true },
            { "name": "max_comments", "description": "at most this many comments", "required": false },
        ])
    );
    assert!(greet {}.descriptor().arguments().is_empty());

    let client = mcp_runtime::testing::TestClient::modern(
        Server::new("prompts", "1.0.0")
            .state(Greeting { text: "hello" })
            .prompts(prompts![review, greet, fallible]),
    )
    .unwrap();
    let got = client
        .request(
            "prompts/get",
            json!({ "name": "code_review", "arguments": { "language": "rust", "diff": "+1", "max_comments": "2" } }),
        )
        .await
        .unwrap();
    assert_eq!(
        got["messages"][0]["content"]["text"],
        "Review this rust change in at most 2 comments:\n+1"
    );
    assert_eq!(got["messages"][1]["role"], "assistant");
    let error = client
        .request(
            "prompts/get",
            json!({ "name": "code_review", "arguments": { "language": "rust", "diff": "", "max_comments": "many" } }),
        )
        .await
        .unwrap_err();
    assert_eq!(error.code, -32602, "{error:?}");
    let got = client
        .request("prompts/get", json!({ "name": "greet" }))
        .await
        .unwrap();
    assert_eq!(got["messages"][0]["content"]["text"], "hello");
    let error = client
        .request("prompts/get", json!({ "name": "fallible", "arguments": { "fail": "true" } }))
        .await
        .unwrap_err();
    assert!(error.message.contains("asked to fail"), "{error:?}");

    let completed = client
        .request(
            "completion/complete",
            json!({
                "ref": { "type": "ref/prompt", "name": "code_review" },
                "argument": { "name": "language", "value": "ru" },
            }),
        )
        .await
        .unwrap();
    assert_eq!(completed["completion"]["values"], json!(["rust"]));
}
