use mcp_runtime::prelude::*;

/// One account.
#[resource("accounts://{id}", complete(account_id = ids))]
fn account(id: u64) -> String {
    id.to_string()
}

fn ids(_typed: &str) -> Vec<String> {
    vec!["1".to_owned()]
}

fn main() {}
