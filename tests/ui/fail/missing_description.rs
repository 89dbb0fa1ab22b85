use mcp_runtime::prelude::*;

#[tool]
fn ping() -> String {
    "pong".to_owned()
}

fn main() {}
