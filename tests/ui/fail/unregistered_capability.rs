#![deny(dead_code)]

use mcp_runtime::prelude::*;

/// Adds two numbers.
#[tool]
fn add(a: i64, b: i64) -> i64 {
    a + b
}

/// Subtracts `b` from `a`: written, never registered.
#[tool]
fn subtract(a: i64, b: i64) -> i64 {
    a - b
}

/// Today's notes: written, never registered.
#[resource("notes://today")]
fn today() -> String {
    String::new()
}

#[tokio::main]
async fn main() {
    let _ = Server::new("calculator", "1.0.0").tools(tools![add]).serve_stdio().await;
}
