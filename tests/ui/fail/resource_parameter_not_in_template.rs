use mcp_runtime::prelude::*;

/// One account.
#[resource("accounts://{id}")]
fn account(id: u64, verbose: bool) -> String {
    format!("{id} {verbose}")
}

fn main() {}
