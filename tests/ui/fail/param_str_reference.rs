use mcp_runtime::prelude::*;

/// Greets someone.
#[tool]
fn greet(name: &str) -> String {
    format!("hello {name}")
}

fn main() {}
