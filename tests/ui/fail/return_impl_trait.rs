use mcp_runtime::prelude::*;

/// Greets someone.
#[tool]
fn greet(name: String) -> impl std::fmt::Display {
    format!("hello {name}")
}

fn main() {}
