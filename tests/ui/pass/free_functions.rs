use mcp_runtime::prelude::*;

/// Adds.
#[tool]
fn add(a: i64, b: i64) -> i64 {
    a + b
}

fn main() {
    let _ = Server::new("x", "1").tool(add);
    assert_eq!(add::call(1, 2), 3);
}
