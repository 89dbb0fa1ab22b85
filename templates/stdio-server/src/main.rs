// An MCP server on stdio. Run it with `cargo run`; point your MCP client at the binary.

use mcp_runtime::prelude::*;

/// Greets someone by name.
///
/// # Arguments
/// * `name` - who to greet
#[tool(read_only, idempotent)]
fn greet(name: String) -> String {
    format!("Hello, {name}!")
}

/// The server with every tool registered.
fn server() -> Server {
    Server::new(env!("CARGO_PKG_NAME"), env!("CARGO_PKG_VERSION")).tool(greet)
}

#[tokio::main]
async fn main() {
    if let Err(error) = server().serve_from_args().await {
        eprintln!("{}: {error}", env!("CARGO_PKG_NAME"));
        std::process::exit(2);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mcp_runtime::testing::TestClient;

    #[tokio::test]
    async fn greets_in_both_protocol_eras() {
        let modern = TestClient::modern(server()).unwrap();
        let legacy = TestClient::legacy(server()).await.unwrap();
        for client in [&modern, &legacy] {
            let result = client
                .call_tool("greet", serde_json::json!({"name": "Ada"}))
                .await
                .unwrap();
            assert_eq!(result.text(), "Hello, Ada!");
        }
    }
}
