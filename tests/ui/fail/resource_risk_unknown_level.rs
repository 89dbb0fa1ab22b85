use mcp_runtime::prelude::*;

/// Every movement of every account.
#[resource("bank://ledger", risk = "Critical")]
fn ledger() -> String {
    String::new()
}

fn main() {}
