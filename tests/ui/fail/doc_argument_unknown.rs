use mcp_runtime::prelude::*;

/// Greets someone.
///
/// # Arguments
/// * `name` - who to greet
/// * `greeting` - the word to use
#[tool]
fn greet(name: String) -> String {
    format!("hello {name}")
}

fn main() {}
