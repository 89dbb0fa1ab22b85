use mcp_runtime::capability::{PromptHandler, ResourceHandler, ToolHandler};
use mcp_runtime::prelude::*;

/// Reads a balance.
#[tool(read_only)]
fn balance() -> u64 {
    100
}

/// Wipes the ledger.
#[tool(destructive)]
fn wipe() {}

/// Closes an account.
#[tool(destructive, risk = "critical", scopes("accounts:write"))]
fn close_account(id: String) -> String {
    id
}

/// Every movement of every account.
#[resource("bank://ledger", risk = "critical", scopes("accounts:audit"))]
fn ledger() -> String {
    String::new()
}

/// Today's rates.
#[resource("bank://rates")]
fn rates() -> String {
    String::new()
}

/// Drafts a letter closing an account.
#[prompt(risk = "high", scopes("accounts:write"))]
fn closing_letter(account: String) -> String {
    account
}

fn main() {
    let risk = |p: &Permission| (p.risk, p.scopes.clone());
    assert_eq!(risk(balance {}.descriptor().permission()), (RiskLevel::Low, vec![]));
    // Without `risk`, `destructive` means high.
    assert_eq!(risk(wipe {}.descriptor().permission()), (RiskLevel::High, vec![]));
    assert_eq!(
        risk(close_account {}.descriptor().permission()),
        (RiskLevel::Critical, vec!["accounts:write".to_owned()])
    );
    assert_eq!(
        risk(ledger {}.descriptor().permission()),
        (RiskLevel::Critical, vec!["accounts:audit".to_owned()])
    );
    assert_eq!(risk(rates {}.descriptor().permission()), (RiskLevel::Low, vec![]));
    assert_eq!(
        risk(closing_letter {}.descriptor().permission()),
        (RiskLevel::High, vec!["accounts:write".to_owned()])
    );
}
