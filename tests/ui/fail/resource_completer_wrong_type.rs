use mcp_runtime::prelude::*;

/// One account.
#[resource("accounts://{id}", complete(id = ids))]
fn account(id: u64) -> String {
    id.to_string()
}

fn ids() -> Vec<u64> {
    vec![1]
}

fn main() {}
