//! An accounts database served to agents: an SQLite file with a tool at every risk level,
//! each account as a resource, and a prompt that drafts an account summary.
//!
//! ```text
//! cargo run -p accounts -- --db data/accounts.db                 # stdio
//! cargo run -p accounts -- --transport http --bind 127.0.0.1:8080
//! cargo run -p accounts -- --manifest                            # what it offers, and at what risk
//! cargo run -p accounts -- --db data/accounts.db --print-config claude-desktop
//! cargo run -p accounts -- --help                                # --db and the runtime's options
//! ```
//!
//! The command line is one clap parser: `--db` and the runtime's options
//! (`mcp_runtime::cli::Options`, flattened). The database is opened only when the server is
//! served (`Server::state_with`): `--manifest`, `--print-config`, `--help` and `--version`
//! create no file. The database is created and seeded on first start. Tools run fixed, parameterised
//! statements only; none of them takes SQL.

mod db;

use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard};

use clap::Parser;
use mcp_runtime::prelude::*;
use schemars::JsonSchema;
use serde::Serialize;

use db::{money, Account, Database, DbError, Filter, Transfer};

/// The default `--db`, in the working directory.
const DEFAULT_DB: &str = "accounts.db";

/// The accounts matching a query.
#[derive(Debug, Serialize, JsonSchema)]
struct AccountList {
    /// How many accounts matched (at most the limit).
    count: usize,
    /// The accounts, by number.
    accounts: Vec<Account>,
}

/// The latest transfers of one account, which the history view draws as a table.
#[derive(Debug, Serialize, JsonSchema)]
struct TransferHistory {
    /// The account asked about.
    account_id: i64,
    /// Its latest transfers, newest first.
    transfers: Vec<TransferLine>,
}

/// One transfer in or out of an account.
#[derive(Debug, Serialize, JsonSchema)]
struct TransferLine {
    /// The account the money left.
    from_id: i64,
    /// The account the money reached.
    to_id: i64,
    /// How much moved, in cents.
    amount_cents: i64,
    /// When (ISO 8601, UTC).
    made_at: String,
}

/// The transfer history view: a page that reads the `transfer_history` result through the
/// MCP Apps postMessage protocol and draws it as a table. Self-contained: it reaches no
/// other origin.
const HISTORY_VIEW: &str = include_str!("history.html");

/// The database: one connection, used one call at a time. The capabilities take it as
/// `State<Db>`.
struct Db(Mutex<Database>);

impl Db {
    fn new(db: Database) -> Self {
        Db(Mutex::new(db))
    }

    fn lock(&self) -> MutexGuard<'_, Database> {
        // A panic in one call must not take the database away from the next.
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The server's capabilities.
struct Accounts;

#[mcp_server]
impl Accounts {
    /// Lists accounts, optionally filtered by owner name and minimum balance.
    ///
    /// # Arguments
    /// * `owner_contains` - only owners whose name contains this text (any case)
    /// * `min_balance_cents` - only balances of at least this many cents
    /// * `limit` - at most this many accounts, 1 to 500 (default 50)
    #[tool(read_only, idempotent)]
    fn query_accounts(
        &self,
        db: State<Db>,
        owner_contains: Option<String>,
        min_balance_cents: Option<i64>,
        limit: Option<u32>,
    ) -> Result<Json<AccountList>, ToolError> {
        let limit = limit.unwrap_or(50);
        if !(1..=500).contains(&limit) {
            return Err(ToolError::new(format!(
                "limit {limit} is out of range; use 1 to 500"
            )));
        }
        let filter = Filter {
            owner_contains,
            min_balance_cents,
            limit,
        };
        let accounts = db.lock().query(&filter).map_err(tool_error)?;
        Ok(Json(AccountList {
            count: accounts.len(),
            accounts,
        }))
    }

    /// Fetches one account by number.
    ///
    /// # Arguments
    /// * `id` - the account number
    #[tool(read_only, idempotent)]
    fn get_account(&self, db: State<Db>, id: i64) -> Result<Json<Account>, ToolError> {
        db.lock().get(id).map(Json).map_err(tool_error)
    }

    /// Changes the email address statements are sent to.
    ///
    /// # Arguments
    /// * `id` - the account number
    /// * `email` - the new address
    #[tool(risk = "medium", idempotent)]
    fn update_account_email(
        &self,
        db: State<Db>,
        id: i64,
        email: String,
    ) -> Result<Json<Account>, ToolError> {
        db.lock()
            .update_email(id, email.trim())
            .map(Json)
            .map_err(tool_error)
    }

    /// Moves money between two accounts, all at once or not at all. Refuses to overdraw.
    ///
    /// # Arguments
    /// * `from_id` - the paying account
    /// * `to_id` - the receiving account
    /// * `amount_cents` - how much to move, in cents (positive)
    #[tool(risk = "high")]
    fn transfer_funds(
        &self,
        db: State<Db>,
        from_id: i64,
        to_id: i64,
        amount_cents: i64,
    ) -> Result<Json<Transfer>, ToolError> {
        db.lock()
            .transfer(from_id, to_id, amount_cents)
            .map(Json)
            .map_err(tool_error)
    }

    /// Closes an empty account for good: the account is deleted, its transfers stay on record.
    ///
    /// # Arguments
    /// * `id` - the account to close; its balance must be zero
    #[tool(risk = "critical", destructive)]
    fn close_account(&self, db: State<Db>, id: i64) -> Result<String, ToolError> {
        let closed = db.lock().close(id).map_err(tool_error)?;
        Ok(format!("Closed account {} of {}.", closed.id, closed.owner))
    }

    /// Lists the latest transfers in and out of an account, newest first. Hosts with MCP
    /// Apps show them as a table; the result is the same JSON for every host.
    ///
    /// # Arguments
    /// * `id` - the account number
    /// * `limit` - at most this many transfers (default 20, at most 100)
    #[tool(read_only, idempotent, ui = "ui://accounts/history")]
    fn transfer_history(
        &self,
        db: State<Db>,
        id: i64,
        limit: Option<u32>,
    ) -> Result<Json<TransferHistory>, ToolError> {
        let db = db.lock();
        // An unknown account is an error, not an empty history.
        db.get(id).map_err(tool_error)?;
        let limit = limit.unwrap_or(20).min(100);
        let transfers = db.transfers_of(id, limit).map_err(tool_error)?;
        Ok(Json(TransferHistory {
            account_id: id,
            transfers: transfers
                .into_iter()
                .map(|(from_id, to_id, amount_cents, made_at)| TransferLine {
                    from_id,
                    to_id,
                    amount_cents,
                    made_at,
                })
                .collect(),
        }))
    }

    /// The transfer history as a table, the view of `transfer_history` in hosts with MCP Apps.
    #[resource(
        "ui://accounts/history",
        name = "transfer_history_view",
        app,
        prefers_border = true
    )]
    fn transfer_history_view(&self) -> &'static str {
        HISTORY_VIEW
    }

    /// One account as JSON.
    #[resource("accounts://{id}", name = "account", mime_type = "application/json")]
    fn account(&self, db: State<Db>, id: i64) -> Result<Json<Account>, DbError> {
        db.lock().get(id).map(Json)
    }

    /// Drafts a short summary of an account and its latest transfers for its holder.
    ///
    /// # Arguments
    /// * `id` - the account number
    #[prompt(title = "Summarise an account")]
    fn summarize_account(&self, db: State<Db>, id: i64) -> Result<Vec<PromptMessage>, DbError> {
        let db = db.lock();
        let account = db.get(id)?;
        let transfers = db.transfers_of(id, 10)?;
        let mut lines = vec![format!(
            "Account {} of {} <{}>, opened {}, balance {}.",
            account.id,
            account.owner,
            account.email,
            account.opened_at,
            money(account.balance_cents)
        )];
        if transfers.is_empty() {
            lines.push("No transfers yet.".to_owned());
        } else {
            lines.push("Latest transfers, newest first:".to_owned());
            for (from, to, amount, at) in transfers {
                let line = if from == id {
                    format!("- {at}: paid {} to account {to}", money(amount))
                } else {
                    format!("- {at}: received {} from account {from}", money(amount))
                };
                lines.push(line);
            }
        }
        Ok(vec![PromptMessage::user(format!(
            "Draft a short, friendly summary of this account for its holder. Mention the balance \
             and anything notable in the transfers; invent nothing.\n\n{}",
            lines.join("\n")
        ))])
    }
}

/// A database refusal as the caller sees it.
fn tool_error(error: DbError) -> ToolError {
    ToolError::new(error.to_string())
}

/// The command line: the database, and the runtime's options.
#[derive(Debug, clap::Parser)]
#[command(version, about)]
struct Cli {
    /// the SQLite database, created and seeded when missing (default: ./accounts.db)
    #[arg(long, value_name = "PATH", default_value = DEFAULT_DB, hide_default_value = true)]
    db: PathBuf,
    #[command(flatten)]
    mcp: mcp_runtime::cli::Options,
}

/// The server; the database is the `State<Db>` of its capabilities.
fn server() -> Server {
    Server::new("accounts", env!("CARGO_PKG_VERSION"))
        // `--manifest` describes `--db` too: `cargo mcp bundle` asks for it on install.
        .cli_options(mcp_runtime::cli::CliOption::from_command(
            &<Cli as clap::CommandFactory>::command(),
        ))
        .title("Accounts")
        .instructions(
            "A bank's accounts. Amounts are integer cents. Look accounts up with \
             query_accounts or get_account, and their transfers with transfer_history; \
             transfer_funds and close_account ask the user first.",
        )
        .provider(Accounts)
}

#[tokio::main]
async fn main() {
    let cli = Cli::parse();
    let path = cli.db;
    // Opened only to serve: describing the server (`--manifest`, `--print-config`) leaves no
    // database file behind.
    let served = server().state_with(move || {
        Database::open(&path)
            .map(Db::new)
            .map_err(|e| format!("cannot open {}: {e}", path.display()))
    });
    if let Err(error) = served.serve_with(cli.mcp).await {
        eprintln!("accounts: {error}");
        std::process::exit(2);
    }
}

/// The server on a database in memory.
#[cfg(test)]
fn serving() -> Server {
    server().state(Db::new(Database::in_memory().unwrap()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use mcp_runtime::permission::Policy;
    use mcp_runtime::testing::TestClient;
    use serde_json::json;

    /// A server whose policy runs everything without asking (the in-memory client cannot
    /// answer a confirmation).
    fn trusting() -> TestClient {
        let server = serving().policy(Policy::new().allow_up_to(RiskLevel::Critical));
        TestClient::modern(server).unwrap()
    }

    #[tokio::test]
    async fn every_risk_level_is_published() {
        let client = TestClient::modern(serving()).unwrap();
        let tools = client.request("tools/list", json!({})).await.unwrap();
        let risk = |name: &str| {
            let tool = tools["tools"]
                .as_array()
                .unwrap()
                .iter()
                .find(|t| t["name"] == name)
                .unwrap_or_else(|| panic!("{name} is listed"));
            tool["_meta"].to_string()
        };
        for (name, level) in [
            ("query_accounts", "low"),
            ("get_account", "low"),
            ("update_account_email", "medium"),
            ("transfer_funds", "high"),
            ("close_account", "critical"),
        ] {
            assert!(
                risk(name).contains(&format!("\"{level}\"")),
                "{name}: {}",
                risk(name)
            );
        }
    }

    #[tokio::test]
    async fn queries_are_structured() {
        let client = trusting();
        let result = client
            .call_tool("query_accounts", json!({"min_balance_cents": 100000}))
            .await
            .unwrap();
        let found = result.structured_content.unwrap();
        assert_eq!(found["count"], 2);
        assert_eq!(found["accounts"][1]["owner"], "Grace Hopper");
    }

    #[tokio::test]
    async fn an_overdraft_is_refused_and_changes_nothing() {
        let client = trusting();
        let result = client
            .call_tool(
                "transfer_funds",
                json!({"from_id": 2, "to_id": 1, "amount_cents": 10000}),
            )
            .await
            .unwrap();
        assert!(result.is_error);
        assert!(
            result.text().starts_with("insufficient funds"),
            "{}",
            result.text()
        );
        let account = client
            .call_tool("get_account", json!({"id": 2}))
            .await
            .unwrap();
        assert_eq!(account.structured_content.unwrap()["balance_cents"], 4200);
    }

    #[tokio::test]
    async fn a_transfer_then_closing_the_emptied_account() {
        let client = trusting();
        let result = client
            .call_tool(
                "transfer_funds",
                json!({"from_id": 2, "to_id": 1, "amount_cents": 4200}),
            )
            .await
            .unwrap();
        assert!(!result.is_error, "{}", result.text());
        let closed = client
            .call_tool("close_account", json!({"id": 2}))
            .await
            .unwrap();
        assert_eq!(closed.text(), "Closed account 2 of Charles Babbage.");
        let gone = client
            .call_tool("get_account", json!({"id": 2}))
            .await
            .unwrap();
        assert!(gone.is_error);
        assert_eq!(gone.text(), "there is no account 2");
    }

    #[tokio::test]
    async fn the_default_policy_asks_before_moving_money() {
        // The in-memory client declares no elicitation capability, so the call that needs
        // confirming is refused before it runs.
        let client = TestClient::legacy(serving()).await.unwrap();
        let result = client
            .call_tool(
                "transfer_funds",
                json!({"from_id": 1, "to_id": 2, "amount_cents": 1}),
            )
            .await
            .unwrap();
        assert!(result.is_error);
        assert!(result.text().contains("confirmation"), "{}", result.text());
        let account = client
            .call_tool("get_account", json!({"id": 1}))
            .await
            .unwrap();
        assert_eq!(account.structured_content.unwrap()["balance_cents"], 125000);
    }

    #[tokio::test]
    async fn accounts_are_resources_and_summaries_prompts() {
        let client = trusting();
        let read = client
            .request("resources/read", json!({"uri": "accounts://3"}))
            .await
            .unwrap();
        let text = read["contents"][0]["text"].as_str().unwrap();
        let account: serde_json::Value = serde_json::from_str(text).unwrap();
        assert_eq!(account["owner"], "Grace Hopper");
        let missing = client
            .request("resources/read", json!({"uri": "accounts://99"}))
            .await;
        assert!(missing.is_err());
        let prompt = client
            .request(
                "prompts/get",
                json!({"name": "summarize_account", "arguments": {"id": "1"}}),
            )
            .await
            .unwrap();
        let text = prompt["messages"][0]["content"]["text"].as_str().unwrap();
        assert!(text.contains("balance 1250.00"), "{text}");
    }

    #[tokio::test]
    async fn the_transfer_history_has_a_view_for_hosts_with_apps() {
        let client = trusting();
        let tools = client.list_tools().await.unwrap();
        let history = tools.iter().find(|t| t.name == "transfer_history").unwrap();
        assert_eq!(
            history.meta.as_ref().unwrap()["ui"]["resourceUri"],
            "ui://accounts/history"
        );
        client
            .call_tool(
                "transfer_funds",
                json!({"from_id": 1, "to_id": 3, "amount_cents": 250}),
            )
            .await
            .unwrap();
        let result = client
            .call_tool("transfer_history", json!({"id": 3, "limit": 1}))
            .await
            .unwrap();
        let history = result.structured_content.unwrap();
        assert_eq!(history["transfers"][0]["from_id"], 1);
        assert_eq!(history["transfers"][0]["amount_cents"], 250);
        let view = client
            .request("resources/read", json!({"uri": "ui://accounts/history"}))
            .await
            .unwrap();
        assert_eq!(view["contents"][0]["mimeType"], "text/html;profile=mcp-app");
        let page = view["contents"][0]["text"].as_str().unwrap();
        assert!(page.contains("ui/notifications/tool-result"));
    }
}
