use mcp_runtime::prelude::*;

/// Greets someone.
#[tool]
fn greet(name: impl std::fmt::Display) -> String {
    format!("hello {name}")
}

fn main() {}
