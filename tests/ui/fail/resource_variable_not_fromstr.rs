use mcp_runtime::prelude::*;

struct AccountId(u64);

/// One account.
#[resource("accounts://{id}")]
fn account(id: AccountId) -> String {
    id.0.to_string()
}

fn main() {}
