use mcp_runtime::prelude::*;

#[resource("notes://today")]
fn today() -> String {
    "# Today".to_owned()
}

fn main() {}
