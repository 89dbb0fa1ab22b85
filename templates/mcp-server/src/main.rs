//! {{project-name}}: an MCP server written with mcp-runtime.
//!
//! ```text
{% if transport == "stdio" %}//! cargo run                              # serves on stdio: point your MCP client at the binary
{% elsif transport == "http" %}//! cargo run                              # serves Streamable HTTP at http://127.0.0.1:8080/mcp
//! cargo run -- --bind 127.0.0.1:9000
{% else %}//! cargo run                              # serves on stdio: point your MCP client at the binary
//! cargo run -- --transport http          # serves Streamable HTTP at http://127.0.0.1:8080/mcp
{% endif %}//! cargo run -- --manifest                # what the server offers, and at what risk
//! cargo run -- --help
//! ```

use mcp_runtime::prelude::*;

/// Greets someone by name. Replace it with a tool of your own.
///
/// # Arguments
/// * `name` - who to greet
#[tool(risk = "{{risk}}"{% if risk == "low" %}, read_only{% endif %}, idempotent)]
fn greet(name: String) -> String {
    format!("Hello, {name}!")
}

/// The server with every tool registered.
fn server() -> Server {
    Server::new(env!("CARGO_PKG_NAME"), env!("CARGO_PKG_VERSION")).tools(tools![greet])
}
{% if transport == "http" %}
/// The command line, with `--transport http` unless another transport was asked for.
fn args() -> Vec<std::ffi::OsString> {
    let mut args: Vec<_> = std::env::args_os().collect();
    let chosen = args
        .iter()
        .any(|a| a.to_str().is_some_and(|a| a.starts_with("--transport")));
    if !chosen {
        args.splice(1..1, ["--transport".into(), "http".into()]);
    }
    args
}

#[tokio::main]
async fn main() {
    if let Err(error) = server().serve_with_args(args()).await {
        eprintln!("{}: {error}", env!("CARGO_PKG_NAME"));
        std::process::exit(2);
    }
}
{% else %}
#[tokio::main]
async fn main() {
    if let Err(error) = server().serve_from_args().await {
        eprintln!("{}: {error}", env!("CARGO_PKG_NAME"));
        std::process::exit(2);
    }
}
{% endif %}
#[cfg(test)]
mod tests {
    use super::*;
    use mcp_runtime::testing::TestClient;
    use serde_json::json;

    #[tokio::test]
    async fn the_tool_is_listed_with_its_risk() {
        let client = TestClient::modern(server()).unwrap();
        let tools = client.request("tools/list", json!({})).await.unwrap();
        let tool = &tools["tools"][0];
        assert_eq!(tool["name"], "greet");
        assert_eq!(tool["_meta"]["mcp-runtime/permission"]["risk"], "{{risk}}");
    }
{% if risk == "low" or risk == "medium" %}
    #[tokio::test]
    async fn greets_in_both_protocol_eras() {
        let modern = TestClient::modern(server()).unwrap();
        let legacy = TestClient::legacy(server()).await.unwrap();
        for client in [&modern, &legacy] {
            let result = client
                .call_tool("greet", json!({"name": "Ada"}))
                .await
                .unwrap();
            assert_eq!(result.text(), "Hello, Ada!");
        }
    }
{% else %}
    #[tokio::test]
    async fn the_default_policy_asks_the_user_first() {
        // The in-memory client cannot answer the confirmation, so the call is refused unrun.
        let client = TestClient::legacy(server()).await.unwrap();
        let result = client
            .call_tool("greet", json!({"name": "Ada"}))
            .await
            .unwrap();
        assert!(result.is_error);
        assert!(result.text().contains("confirmation"), "{}", result.text());
    }

    #[tokio::test]
    async fn greets_where_the_policy_allows_it() {
        use mcp_runtime::permission::Policy;
        let trusting = || server().policy(Policy::new().allow_up_to(RiskLevel::Critical));
        let modern = TestClient::modern(trusting()).unwrap();
        let legacy = TestClient::legacy(trusting()).await.unwrap();
        for client in [&modern, &legacy] {
            let result = client
                .call_tool("greet", json!({"name": "Ada"}))
                .await
                .unwrap();
            assert_eq!(result.text(), "Hello, Ada!");
        }
    }
{% endif %}}
