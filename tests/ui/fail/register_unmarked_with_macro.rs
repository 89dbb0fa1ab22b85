use mcp_runtime::prelude::*;

/// Adds two numbers, but nothing marks it as a tool.
fn add(a: i64, b: i64) -> i64 {
    a + b
}

fn main() {
    let _ = Server::new("calculator", "1.0.0").tools(tools![add]);
}
