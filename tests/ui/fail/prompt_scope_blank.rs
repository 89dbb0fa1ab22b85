use mcp_runtime::prelude::*;

/// Drafts a letter closing an account.
#[prompt(risk = "high", scopes("accounts:write", ""))]
fn closing_letter(account: String) -> String {
    account
}

fn main() {}
