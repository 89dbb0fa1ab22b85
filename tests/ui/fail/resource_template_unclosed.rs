use mcp_runtime::prelude::*;

/// One account.
#[resource("accounts://{id")]
fn account(id: u64) -> String {
    id.to_string()
}

fn main() {}
