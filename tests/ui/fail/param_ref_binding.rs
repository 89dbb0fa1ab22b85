use mcp_runtime::prelude::*;

/// Greets someone.
#[tool]
fn greet(ref name: String) -> String {
    format!("hello {name}")
}

fn main() {}
