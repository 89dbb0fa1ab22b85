//! A server whose capabilities span every risk level, for the permission tests (in memory,
//! over stdio through the `bank-server` binary, and over HTTP).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use mcp_runtime::prelude::*;

/// How many times each guarded capability really ran; clones share the counts.
#[derive(Debug, Default, Clone)]
pub struct Runs {
    /// Runs of `transfer`.
    pub transfer: Arc<AtomicUsize>,
    /// Runs of `close_account`.
    pub close: Arc<AtomicUsize>,
}

impl Runs {
    /// Runs of `transfer` so far.
    pub fn transfers(&self) -> usize {
        self.transfer.load(Ordering::SeqCst)
    }

    /// Runs of `close_account` so far.
    pub fn closes(&self) -> usize {
        self.close.load(Ordering::SeqCst)
    }
}

/// Shows the balance of an account.
#[tool(read_only)]
pub fn balance(account: String) -> String {
    format!("{account}: 100")
}

/// Renames an account.
#[tool(risk = "medium", idempotent)]
pub fn rename_account(account: String, name: String) -> String {
    format!("{account} is now {name}")
}

/// Moves money between accounts.
#[tool(risk = "high", scopes("accounts:write"))]
pub fn transfer(runs: State<Runs>, from: String, to: String, amount: u64) -> String {
    runs.transfer.fetch_add(1, Ordering::SeqCst);
    format!("moved {amount} from {from} to {to}")
}

/// Closes an account for good.
#[tool(risk = "critical", destructive)]
pub fn close_account(runs: State<Runs>, account: String) -> String {
    runs.close.fetch_add(1, Ordering::SeqCst);
    format!("closed {account}")
}

/// Today's interest rates.
#[resource("bank://rates", mime_type = "text/plain")]
pub fn rates() -> &'static str {
    "1.5%"
}

/// Every movement of every account.
#[resource("bank://ledger", risk = "critical", scopes("accounts:audit"))]
pub fn ledger() -> &'static str {
    "the whole ledger"
}

/// Summarises an account.
#[prompt]
pub fn summary(account: String) -> String {
    format!("Summarise {account}.")
}

/// Drafts a letter closing every account.
#[prompt(risk = "critical")]
pub fn mass_closure() -> String {
    "Close them all.".to_owned()
}

/// The bank server.
pub fn bank_server() -> Server {
    bank_server_counting(Runs::default())
}

/// The bank server, counting runs in `runs`.
pub fn bank_server_counting(runs: Runs) -> Server {
    Server::new("bank", "1.0.0")
        .state(runs)
        .tools(tools![balance, rename_account, transfer, close_account])
        .resources(resources![rates, ledger])
        .prompts(prompts![summary, mass_closure])
}
