use mcp_runtime::prelude::*;

/// One account.
#[resource("accounts://{id}")]
fn account() -> String {
    "ada".to_owned()
}

fn main() {}
