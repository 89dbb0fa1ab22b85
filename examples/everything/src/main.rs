//! The server the official MCP conformance suite tests against: the tools of its reference
//! "everything" server, written with `#[tool]`, and the skills of `skills/` for the skills
//! extension's scenarios (`--scenario sep-2640-skills-enumeration`).
//!
//! ```text
//! cargo run -p everything -- --transport http --bind 127.0.0.1:3001
//! node node_modules/@modelcontextprotocol/conformance/dist/index.js \
//!     server --url http://127.0.0.1:3001/mcp --requirements 2026-07-28
//! ```

use std::time::Duration;

use mcp_runtime::capability::{FnTool, ToolCall, ToolDescriptor, ToolHints};
use mcp_runtime::prelude::*;

/// A 1×1 PNG.
const PNG: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==";
/// A silent WAV.
const WAV: &str = "UklGRiYAAABXQVZFZm10IBAAAAABAAEAQB8AAAB9AAACABAAZGF0YQIAAAA=";

/// Tests simple text content response.
#[tool(read_only)]
fn test_simple_text() -> &'static str {
    "This is a simple text response for testing."
}

/// Tests image content response.
#[tool(read_only)]
fn test_image_content() -> Content {
    Content::image(PNG, "image/png")
}

/// Tests audio content response.
#[tool(read_only)]
fn test_audio_content() -> Content {
    Content::audio(WAV, "audio/wav")
}

/// Tests embedded resource content response.
#[tool(read_only)]
fn test_embedded_resource() -> Content {
    Content::embedded_text(
        "test://embedded-resource",
        "text/plain",
        "This is an embedded resource content.",
    )
}

/// Tests response with multiple content types (text, image, resource).
#[tool(read_only)]
fn test_multiple_content_types() -> Vec<Content> {
    vec![
        Content::text("Multiple content types test:"),
        Content::image(PNG, "image/png"),
        Content::embedded_text(
            "test://mixed-content-resource",
            "application/json",
            r#"{"test":"data","value":123}"#,
        ),
    ]
}

/// Tests tool that emits log messages during execution.
#[tool(read_only)]
async fn test_tool_with_logging(ctx: Context) -> &'static str {
    for message in [
        "Tool execution started",
        "Tool processing data",
        "Tool execution completed",
    ] {
        ctx.log(LogLevel::Info, message).await;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    "Tool with logging executed successfully"
}

/// Tests tool that reports progress notifications.
#[tool(read_only)]
async fn test_tool_with_progress(ctx: Context) -> String {
    for (step, progress) in [0.0, 50.0, 100.0].into_iter().enumerate() {
        let message = format!("Completed step {} of 100", step * 50);
        ctx.progress(progress, Some(100.0), Some(&message)).await;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    ctx.progress_token()
        .map(ToString::to_string)
        .unwrap_or_default()
}

/// Tests error response handling.
#[tool(read_only)]
fn test_error_handling() -> Result<String, ToolError> {
    Err(ToolError::new(
        "This tool intentionally returns an error for testing",
    ))
}

/// Logs one message, which a modern client only receives if it asked for a log level.
#[tool(read_only)]
async fn test_logging_tool(ctx: Context) -> &'static str {
    ctx.log(LogLevel::Info, "test_logging_tool ran").await;
    "Logged one message"
}

/// Tests server-initiated sampling (LLM completion request).
///
/// # Arguments
/// * `prompt` - The prompt to send to the LLM
#[tool]
async fn test_sampling(ctx: Context, prompt: String) -> String {
    let request = serde_json::json!({
        "messages": [{"role": "user", "content": {"type": "text", "text": prompt}}],
        "maxTokens": 100,
    });
    match ctx.sample(request).await {
        Ok(result) => {
            let text = result["content"]["text"].as_str().unwrap_or("No response");
            format!("LLM response: {text}")
        }
        Err(error) => format!("Sampling not supported or error: {}", error.message),
    }
}

/// Describes an elicitation's outcome the way the reference fixture does.
fn elicitation_outcome(
    prefix: &str,
    answer: Result<mcp_runtime::protocol::ElicitResult, mcp_runtime::protocol::RpcError>,
) -> String {
    match answer {
        Ok(answer) => {
            let action = serde_json::to_value(answer.action).unwrap_or_default();
            let content = serde_json::Value::Object(answer.content.unwrap_or_default());
            format!(
                "{prefix}: action={}, content={content}",
                action.as_str().unwrap_or("?")
            )
        }
        Err(error) => format!("Elicitation not supported or error: {}", error.message),
    }
}

/// Tests server-initiated elicitation (user input request).
///
/// # Arguments
/// * `message` - The message to show the user
#[tool]
async fn test_elicitation(ctx: Context, message: String) -> String {
    let schema = serde_json::json!({
        "type": "object",
        "properties": {"response": {"type": "string", "description": "User's response"}},
        "required": ["response"],
    });
    elicitation_outcome("User response", ctx.elicit(&message, schema).await)
}

/// Tests elicitation with default values per SEP-1034.
#[tool]
async fn test_elicitation_sep1034_defaults(ctx: Context) -> String {
    let schema = serde_json::json!({
        "type": "object",
        "properties": {
            "name": {"type": "string", "description": "User name", "default": "John Doe"},
            "age": {"type": "integer", "description": "User age", "default": 30},
            "score": {"type": "number", "description": "User score", "default": 95.5},
            "status": {"type": "string", "description": "User status", "enum": ["active", "inactive", "pending"], "default": "active"},
            "verified": {"type": "boolean", "description": "Verification status", "default": true},
        },
        "required": [],
    });
    let answer = ctx
        .elicit(
            "Please review and update the form fields with defaults",
            schema,
        )
        .await;
    elicitation_outcome("Elicitation completed", answer)
}

/// Tests elicitation with enum schema improvements per SEP-1330.
#[tool]
async fn test_elicitation_sep1330_enums(ctx: Context) -> String {
    let schema = serde_json::json!({
        "type": "object",
        "properties": {
            "untitledSingle": {"type": "string", "description": "Select one option", "enum": ["option1", "option2", "option3"]},
            "titledSingle": {"type": "string", "description": "Select one option with titles", "oneOf": [
                {"const": "value1", "title": "First Option"},
                {"const": "value2", "title": "Second Option"},
                {"const": "value3", "title": "Third Option"},
            ]},
            "legacyEnum": {"type": "string", "description": "Select one option (legacy)", "enum": ["opt1", "opt2", "opt3"], "enumNames": ["Option One", "Option Two", "Option Three"]},
            "untitledMulti": {"type": "array", "description": "Select multiple options", "minItems": 1, "maxItems": 3, "items": {"type": "string", "enum": ["option1", "option2", "option3"]}},
            "titledMulti": {"type": "array", "description": "Select multiple options with titles", "minItems": 1, "maxItems": 3, "items": {"anyOf": [
                {"const": "value1", "title": "First Choice"},
                {"const": "value2", "title": "Second Choice"},
                {"const": "value3", "title": "Third Choice"},
            ]}},
        },
        "required": [],
    });
    let answer = ctx
        .elicit("Please select options from the enum fields", schema)
        .await;
    elicitation_outcome("Elicitation completed", answer)
}

/// Needs the client's sampling capability (a 2026-07-28 client without it gets -32021).
#[tool(read_only)]
fn test_missing_capability(ctx: Context) -> Result<&'static str, ToolError> {
    ctx.require_client_capability("sampling")?;
    Ok("Success")
}

/// A form with one text field, as the multi round-trip fixtures ask.
fn text_form(field: &str) -> serde_json::Value {
    serde_json::json!({
        "type": "object",
        "properties": {field: {"type": "string"}},
        "required": [field],
    })
}

/// The text a user typed into `field`, from an elicitation answer.
fn answered(answer: &mcp_runtime::protocol::ElicitResult, field: &str) -> String {
    answer
        .content
        .as_ref()
        .and_then(|content| content.get(field))
        .and_then(|value| value.as_str())
        .unwrap_or("unknown")
        .to_owned()
}

/// Asks the user's name (multi round-trip request with one elicitation).
#[tool(read_only)]
async fn test_input_required_result_elicitation(ctx: Context) -> Result<String, ToolError> {
    let answer = ctx
        .elicit("What is your name?", text_form("name"))
        .key("user_name")
        .await?;
    Ok(format!("Hello, {}!", answered(&answer, "name")))
}

/// Greets someone at once (a tool that never runs as a task).
#[tool(read_only)]
fn greet(name: String) -> String {
    format!("Hello, {name}!")
}

/// Computes for `seconds` seconds, as a task for clients that support tasks (at once for
/// `seconds: 0`).
///
/// # Arguments
/// * `seconds` - How long the computation takes
/// * `label` - A name for the run, echoed in the result
#[tool(read_only, task)]
async fn slow_compute(ctx: Context, seconds: f64, label: Option<String>) -> String {
    let label = label.unwrap_or_else(|| "compute".to_owned());
    if seconds > 0.0 {
        ctx.progress(0.0, Some(seconds), Some("computing")).await;
        tokio::time::sleep(std::time::Duration::from_secs_f64(seconds.min(3600.0))).await;
    }
    format!("{label}: computed for {seconds} s")
}

/// Fails after about a second with a tool error (runs only as a task).
#[tool(read_only, task = "required")]
async fn failing_job() -> Result<String, ToolError> {
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    Err(ToolError::new("the job failed: the input data is corrupt"))
}

/// Breaks down inside (it panics) after a moment, which a task reports as a protocol error.
#[tool(read_only, task)]
async fn protocol_error_job() -> String {
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    panic!("the job's worker crashed")
}

/// Asks the user to confirm deleting a file, as a task: the question is the task's. (The
/// fixture deletes nothing, so its risk stays low and the policy asks nothing first.)
///
/// # Arguments
/// * `filename` - The file to delete
#[tool(task, idempotent)]
async fn confirm_delete(ctx: Context, filename: String) -> Result<String, ToolError> {
    ctx.start_task().await;
    let answer = ctx
        .elicit(
            format!("Delete {filename}?"),
            serde_json::json!({
                "type": "object",
                "properties": {"confirm": {"type": "boolean"}},
                "required": ["confirm"],
            }),
        )
        .await?;
    let confirmed = answer.action == mcp_runtime::protocol::ElicitAction::Accept
        && answer
            .content
            .as_ref()
            .and_then(|content| content.get("confirm"))
            .and_then(|value| value.as_bool())
            == Some(true);
    Ok(if confirmed {
        format!("Deleted {filename}")
    } else {
        format!("Kept {filename}")
    })
}

/// Asks two questions at once, as a task.
#[tool(read_only, task)]
async fn multi_input(ctx: Context) -> Result<String, ToolError> {
    ctx.start_task().await;
    let (first, second) = tokio::join!(
        ctx.elicit("First value?", text_form("value")).key("first"),
        ctx.elicit("Second value?", text_form("value"))
            .key("second"),
    );
    Ok(format!(
        "first={}, second={}",
        answered(&first?, "value"),
        answered(&second?, "value")
    ))
}

/// Asks the user's name within the request, then goes on as a task that greets them.
#[tool(read_only, task = "required")]
async fn test_tool_with_task(ctx: Context) -> Result<String, ToolError> {
    let answer = ctx
        .elicit("What is your name?", text_form("name"))
        .key("user_name")
        .await?;
    ctx.start_task().await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    Ok(format!("Hello, {}!", answered(&answer, "name")))
}

/// The sampling request the multi round-trip fixtures send.
fn question(text: &str, max_tokens: u32) -> serde_json::Value {
    serde_json::json!({
        "messages": [{"role": "user", "content": {"type": "text", "text": text}}],
        "maxTokens": max_tokens,
    })
}

/// Asks the client's model a question (multi round-trip request with one sampling request).
#[tool(read_only)]
async fn test_input_required_result_sampling(ctx: Context) -> Result<String, ToolError> {
    let answer = ctx
        .sample(question("What is the capital of France?", 100))
        .key("capital_question")
        .await?;
    let text = answer["content"]["text"].as_str().unwrap_or("no text");
    Ok(format!("The model said: {text}"))
}

/// Asks the client for its roots (multi round-trip request with one roots request).
#[tool(read_only)]
async fn test_input_required_result_list_roots(ctx: Context) -> Result<String, ToolError> {
    let answer = ctx.roots().key("client_roots").await?;
    let uris: Vec<&str> = answer["roots"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|root| root["uri"].as_str())
        .collect();
    Ok(format!("Roots: {}", uris.join(", ")))
}

/// Asks for a confirmation and reports whether the retry brought back the sealed state.
#[tool(read_only)]
async fn test_input_required_result_request_state(ctx: Context) -> Result<String, ToolError> {
    let schema = serde_json::json!({
        "type": "object",
        "properties": {"ok": {"type": "boolean"}},
        "required": ["ok"],
    });
    ctx.elicit("Please confirm", schema).key("confirm").await?;
    Ok(if ctx.is_resumed() {
        "state-ok: the request state came back intact".to_owned()
    } else {
        "answered without a request state".to_owned()
    })
}

/// Asks three things at once: an elicitation, a sampling request and the roots.
#[tool(read_only)]
async fn test_input_required_result_multiple_inputs(ctx: Context) -> Result<String, ToolError> {
    let (name, greeting, roots) = tokio::join!(
        ctx.elicit("What is your name?", text_form("name"))
            .key("user_name"),
        ctx.sample(question("Generate a greeting", 50))
            .key("greeting"),
        ctx.roots().key("client_roots"),
    );
    let (name, greeting, roots) = (name?, greeting?, roots?);
    Ok(format!(
        "name={}, greeting={}, roots={}",
        answered(&name, "name"),
        greeting["content"]["text"].as_str().unwrap_or("?"),
        roots["roots"].as_array().map_or(0, Vec::len),
    ))
}

/// Asks two questions, one round after the other.
#[tool(read_only)]
async fn test_input_required_result_multi_round(ctx: Context) -> Result<String, ToolError> {
    let name = ctx
        .elicit("Step 1: What is your name?", text_form("name"))
        .key("step1")
        .await?;
    let color = ctx
        .elicit("Step 2: What is your favorite color?", text_form("color"))
        .key("step2")
        .await?;
    Ok(format!(
        "{} likes {}",
        answered(&name, "name"),
        answered(&color, "color")
    ))
}

/// Asks for a confirmation; a retry with an altered request state is refused.
#[tool(read_only)]
async fn test_input_required_result_tampered_state(ctx: Context) -> Result<String, ToolError> {
    let schema = serde_json::json!({
        "type": "object",
        "properties": {"ok": {"type": "boolean"}},
        "required": ["ok"],
    });
    ctx.elicit("Please confirm", schema).key("confirm").await?;
    Ok("state verified".to_owned())
}

/// Asks only what the client declared it can answer.
#[tool(read_only)]
async fn test_input_required_result_capabilities(ctx: Context) -> String {
    let (elicited, sampled) = tokio::join!(
        ctx.elicit("Elicitation input", text_form("value"))
            .key("elicit_input"),
        ctx.sample(question("Sample request", 50))
            .key("sample_input"),
    );
    match (elicited, sampled) {
        (Err(_), Err(_)) => "No supported capabilities declared".to_owned(),
        (elicited, sampled) => format!(
            "capabilities-ok: elicitation {}, sampling {}",
            if elicited.is_ok() {
                "answered"
            } else {
                "not declared"
            },
            if sampled.is_ok() {
                "answered"
            } else {
                "not declared"
            },
        ),
    }
}

/// Reports progress, then asks the user: on a 2026-07-28 stream only notifications and the
/// final `input_required` result appear, never a request of the server's own.
#[tool(read_only)]
async fn test_streaming_elicitation(ctx: Context) -> Result<String, ToolError> {
    ctx.progress(50.0, Some(100.0), Some("halfway")).await;
    let answer = ctx
        .elicit("Continue streaming?", text_form("answer"))
        .key("continue")
        .await?;
    Ok(format!(
        "Streaming complete: {}",
        answered(&answer, "answer")
    ))
}

/// A tool whose input schema is a hand-written JSON Schema 2020-12 document, listed exactly
/// as written (`$schema`, `$defs` with an `$anchor`, composition and conditional keywords).
fn json_schema_2020_12_tool() -> FnTool {
    let schema = serde_json::json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "$defs": {
            "address": {
                "$anchor": "addressDef",
                "type": "object",
                "properties": {"street": {"type": "string"}, "city": {"type": "string"}},
            },
        },
        "properties": {
            "name": {"type": "string"},
            "address": {"$ref": "#/$defs/address"},
            "contactMethod": {"type": "string", "enum": ["phone", "email"]},
            "phone": {"type": "string"},
            "email": {"type": "string"},
        },
        "allOf": [{"anyOf": [{"required": ["phone"]}, {"required": ["email"]}]}],
        "if": {"properties": {"contactMethod": {"const": "phone"}}, "required": ["contactMethod"]},
        "then": {"required": ["phone"]},
        "else": {"required": ["email"]},
        "additionalProperties": false,
    });
    let serde_json::Value::Object(schema) = schema else {
        unreachable!("the literal above is an object")
    };
    FnTool::new(
        ToolDescriptor::new(
            "json_schema_2020_12_tool",
            "Tool with JSON Schema 2020-12 features",
        )
        .with_input_schema(schema)
        .hints(ToolHints {
            read_only: true,
            ..ToolHints::default()
        }),
        |call: ToolCall| async move {
            let arguments: serde_json::Value = call.arguments.decode()?;
            Ok::<_, ToolError>(format!("JSON Schema 2020-12 tool called with: {arguments}"))
        },
    )
}

/// A tool whose `region` argument HTTP clients mirror into the `Mcp-Param-Region` header.
fn test_custom_header() -> FnTool {
    let schema = serde_json::json!({
        "type": "object",
        "properties": {
            "region": {"type": "string", "description": "Where to run", "x-mcp-header": "Region"},
            "query": {"type": "string"},
        },
        "required": ["region"],
    });
    let serde_json::Value::Object(schema) = schema else {
        unreachable!("the literal above is an object")
    };
    FnTool::new(
        ToolDescriptor::new(
            "test_custom_header",
            "Echoes the region, which also travels in the Mcp-Param-Region header",
        )
        .with_input_schema(schema)
        .hints(ToolHints {
            read_only: true,
            ..ToolHints::default()
        }),
        |call: ToolCall| async move {
            let arguments: serde_json::Value = call.arguments.decode()?;
            Ok::<_, ToolError>(format!("region: {}", arguments["region"]))
        },
    )
}

/// A tool that comes and goes: `test_trigger_tool_change` switches it.
#[tool(read_only)]
fn test_dynamic_tool() -> &'static str {
    "I come and go"
}

/// A prompt that comes and goes: `test_trigger_prompt_change` switches it.
#[prompt]
fn test_dynamic_prompt() -> &'static str {
    "I come and go"
}

/// Switches `test_dynamic_tool` on or off, so listening clients hear of a tool list change.
#[tool]
async fn test_trigger_tool_change(ctx: Context) -> Result<&'static str, ToolError> {
    let notifier = ctx.notifier();
    if !notifier.enable_tool("test_dynamic_tool").await? {
        notifier.disable_tool("test_dynamic_tool").await?;
    }
    Ok("Mutation triggered")
}

/// Switches `test_dynamic_prompt` on or off, so listening clients hear of a prompt list
/// change.
#[tool]
async fn test_trigger_prompt_change(ctx: Context) -> Result<&'static str, ToolError> {
    let notifier = ctx.notifier();
    if !notifier.enable_prompt("test_dynamic_prompt").await? {
        notifier.disable_prompt("test_dynamic_prompt").await?;
    }
    Ok("Mutation triggered")
}

/// A static text resource for testing.
#[resource(
    "test://static-text",
    name = "static-text",
    title = "Static Text Resource",
    mime_type = "text/plain"
)]
fn static_text() -> &'static str {
    "This is the content of the static text resource."
}

/// A static binary resource (image) for testing.
#[resource(
    "test://static-binary",
    name = "static-binary",
    title = "Static Binary Resource",
    mime_type = "image/png"
)]
fn static_binary() -> Result<ResourceContents, String> {
    Ok(ResourceContents::Blob {
        uri: "test://static-binary".to_owned(),
        mime_type: Some("image/png".to_owned()),
        blob: PNG.to_owned(),
    })
}

/// A resource template with parameter substitution.
#[resource(
    "test://template/{id}/data",
    name = "template",
    title = "Resource Template",
    mime_type = "application/json"
)]
fn template_data(id: String) -> String {
    serde_json::json!({ "id": id, "templateTest": true, "data": format!("Data for ID: {id}") })
        .to_string()
}

/// A resource that changes every 3 seconds; subscribers are told.
#[resource(
    "test://watched-resource",
    name = "watched-resource",
    title = "Watched Resource",
    mime_type = "text/plain"
)]
fn watched_resource() -> String {
    format!("Watched resource content, version {}", watched_version())
}

fn watched_version() -> u64 {
    static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    START
        .get_or_init(std::time::Instant::now)
        .elapsed()
        .as_secs()
        / 3
}

/// A simple prompt without arguments.
#[prompt(title = "Simple Test Prompt")]
fn test_simple_prompt() -> &'static str {
    "This is a simple prompt for testing."
}

/// A prompt with required arguments.
///
/// # Arguments
/// * `arg1` - First test argument
/// * `arg2` - Second test argument
#[prompt(title = "Prompt With Arguments", complete(arg1 = suggest_arg1))]
fn test_prompt_with_arguments(arg1: String, arg2: String) -> String {
    format!("Prompt with arguments: arg1='{arg1}', arg2='{arg2}'")
}

fn suggest_arg1(typed: &str) -> Vec<String> {
    ["paris", "park", "party"]
        .iter()
        .filter(|v| v.starts_with(typed))
        .map(|v| v.to_string())
        .collect()
}

/// A prompt that includes an embedded resource.
///
/// # Arguments
/// * `resourceUri` - URI of the resource to embed
#[prompt(title = "Prompt With Embedded Resource")]
#[allow(non_snake_case)]
fn test_prompt_with_embedded_resource(resourceUri: String) -> Vec<PromptMessage> {
    vec![
        PromptMessage::new(
            Role::User,
            Content::embedded_text(
                resourceUri,
                "text/plain",
                "Embedded resource content for testing.",
            ),
        ),
        PromptMessage::user("Please process the embedded resource above."),
    ]
}

/// A prompt that includes image content.
#[prompt(title = "Prompt With Image")]
fn test_prompt_with_image() -> Vec<PromptMessage> {
    vec![
        PromptMessage::new(Role::User, Content::image(PNG, "image/png")),
        PromptMessage::user("Please analyze the image above."),
    ]
}

/// A prompt that asks the user for context before it renders.
#[prompt(title = "Prompt Asking For Input")]
async fn test_input_required_result_prompt(ctx: Context) -> Result<String, ToolError> {
    let answer = ctx
        .elicit("What context should the prompt use?", text_form("context"))
        .key("user_context")
        .await?;
    Ok(format!(
        "Prompt with context: {}",
        answered(&answer, "context")
    ))
}

/// The fixture with every tool, `test_simple_text` first (the suite calls the first tool
/// with empty arguments), and the skills of `skills/`.
fn server() -> Server {
    Server::new("mcp-conformance-test-server", env!("CARGO_PKG_VERSION"))
        .tools(tools![
            test_simple_text,
            test_image_content,
            test_audio_content,
            test_embedded_resource,
            test_multiple_content_types,
            test_tool_with_logging,
            test_tool_with_progress,
            test_error_handling,
            test_logging_tool,
            test_sampling,
            test_elicitation,
            test_elicitation_sep1034_defaults,
            test_elicitation_sep1330_enums,
            test_missing_capability,
            test_input_required_result_elicitation,
            test_input_required_result_sampling,
            test_input_required_result_list_roots,
            test_input_required_result_request_state,
            test_input_required_result_multiple_inputs,
            test_input_required_result_multi_round,
            test_input_required_result_tampered_state,
            test_input_required_result_capabilities,
            test_streaming_elicitation,
            greet,
            slow_compute,
            failing_job,
            protocol_error_job,
            confirm_delete,
            multi_input,
            test_tool_with_task
        ])
        .tool(json_schema_2020_12_tool())
        .tool(test_custom_header())
        .tools(tools![
            test_dynamic_tool,
            test_trigger_tool_change,
            test_trigger_prompt_change
        ])
        .disable("test_dynamic_tool")
        .resources(resources![
            static_text,
            static_binary,
            template_data,
            watched_resource
        ])
        .prompts(prompts![
            test_simple_prompt,
            test_prompt_with_arguments,
            test_prompt_with_embedded_resource,
            test_prompt_with_image,
            test_input_required_result_prompt,
            test_dynamic_prompt
        ])
        .disable("test_dynamic_prompt")
        // The skills extension: two skills, one with nested directories to descend into.
        .skills_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/skills"))
}

#[tokio::main]
async fn main() {
    let server = server();
    if let Err(error) = server.serve_from_args().await {
        eprintln!("everything: {error}");
        std::process::exit(2);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mcp_runtime::testing::TestClient;
    use serde_json::json;

    #[tokio::test]
    async fn progress_echoes_the_token() {
        let client = TestClient::modern(server()).unwrap();
        let result = client
            .request(
                "tools/call",
                json!({"name": "test_tool_with_progress", "_meta": {"progressToken": "progress-test-1"}}),
            )
            .await
            .unwrap();
        assert_eq!(result["content"][0]["text"], "progress-test-1");
        let progress: Vec<_> = client
            .take_notifications()
            .into_iter()
            .map(|n| n["params"]["progress"].as_f64().unwrap())
            .collect();
        assert_eq!(progress, [0.0, 50.0, 100.0]);
    }

    #[tokio::test]
    async fn logging_reaches_legacy_clients() {
        let client = TestClient::legacy(server()).await.unwrap();
        client
            .call_tool("test_tool_with_logging", json!({}))
            .await
            .unwrap();
        assert_eq!(client.take_notifications().len(), 3);
    }
}
