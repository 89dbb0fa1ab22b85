use mcp_runtime::prelude::*;

/// Greets.
#[prompt]
fn greet(#[header("Name")] name: String) -> String {
    name
}

fn main() {}
