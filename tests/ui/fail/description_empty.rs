use mcp_runtime::prelude::*;

/// Pings.
#[tool(description = "  ")]
fn ping() -> String {
    "pong".to_owned()
}

fn main() {}
