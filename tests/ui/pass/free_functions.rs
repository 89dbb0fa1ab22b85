use mcp_runtime::prelude::*;

/// Adds.
#[tool]
fn add(a: i64, b: i64) -> i64 {
    a + b
}

/// Waits, then echoes.
#[tool]
pub async fn echo(text: String) -> String {
    text
}

/// Takes nothing, returns nothing.
#[tool]
fn noop() {}

fn main() {
    let _ = Server::new("x", "1").tools(tools![add, echo, noop]);
    assert_eq!(add(1, 2), 3);
    let _future = echo("hi".to_owned());
    noop();
}
