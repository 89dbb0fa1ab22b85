//! Two tools served over stdio with mcp-runtime.

use mcp_runtime::prelude::*;

/// Adds two numbers.
///
/// # Arguments
/// * `a` - the first addend
/// * `b` - the second addend
#[tool]
fn add(a: f64, b: f64) -> f64 {
    a + b
}

/// Returns its input.
///
/// # Arguments
/// * `text` - what to echo
#[tool]
fn echo(text: String) -> String {
    text
}

#[tokio::main]
async fn main() {
    let server = Server::new("two-tools", "1.0.0").tools(tools![add, echo]);
    if let Err(error) = server.serve_stdio().await {
        eprintln!("two-tools: {error}");
        std::process::exit(1);
    }
}
