//! The `query_accounts` tool's database, the same for ours and rmcp: an SQLite database in
//! memory (rusqlite, SQLite bundled), seeded with [`ACCOUNTS`] accounts, behind one mutex,
//! and queried with the statement of `examples/accounts`.

use std::sync::{Mutex, OnceLock};

use rusqlite::{params, Connection};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// How many accounts the database holds.
pub const ACCOUNTS: i64 = 1000;

/// At most this many accounts in an answer to the benchmark's calls ([`query_for`]).
pub const LIMIT: u32 = 20;

const FIRST: [&str; 8] = [
    "Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken",
];
const LAST: [&str; 5] = ["Lovelace", "Hopper", "Turing", "Liskov", "Knuth"];

/// One account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Account {
    /// The account number.
    pub id: i64,
    /// Who holds the account.
    pub owner: String,
    /// Where statements go.
    pub email: String,
    /// The balance in cents.
    pub balance_cents: i64,
    /// When the account was opened (ISO 8601, UTC).
    pub opened_at: String,
}

/// The result of `query_accounts`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct AccountList {
    /// How many accounts matched (at most the limit).
    pub count: usize,
    /// The accounts, by number.
    pub accounts: Vec<Account>,
}

/// What a `query_accounts` call filters on.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, JsonSchema)]
pub struct Query {
    /// only owners whose name contains this text (any case)
    pub owner_contains: Option<String>,
    /// only balances of at least this many cents
    pub min_balance_cents: Option<i64>,
    /// at most this many accounts, 1 to 500 (default 50)
    pub limit: Option<u32>,
}

/// The arguments of the `query_accounts` call with JSON-RPC id `id`, all drawn from the id so
/// that consecutive calls get different accounts: a part of a first name (none for one call
/// in five), a lowest balance, and at most 5 to 20 accounts.
pub fn query_for(id: u64) -> Query {
    let owner_contains = match id % 5 {
        0 => None,
        _ => {
            let name = FIRST[(id % FIRST.len() as u64) as usize];
            Some(name[..2 + (id / 8 % 2) as usize].to_lowercase())
        }
    };
    Query {
        owner_contains,
        min_balance_cents: Some((id % 97) as i64 * 10_000),
        limit: Some(5 + (id % 16) as u32),
    }
}

/// The database.
pub struct Accounts {
    connection: Mutex<Connection>,
}

impl Accounts {
    /// A database in memory with the [`ACCOUNTS`] seed accounts.
    pub fn open() -> Result<Accounts, String> {
        let fail = |e: rusqlite::Error| e.to_string();
        let mut connection = Connection::open_in_memory().map_err(fail)?;
        let tx = connection.transaction().map_err(fail)?;
        tx.execute_batch(
            "CREATE TABLE accounts (
                 id INTEGER PRIMARY KEY,
                 owner TEXT NOT NULL,
                 email TEXT NOT NULL,
                 balance_cents INTEGER NOT NULL CHECK (balance_cents >= 0),
                 opened_at TEXT NOT NULL
             );",
        )
        .map_err(fail)?;
        {
            let mut insert = tx
                .prepare(
                    "INSERT INTO accounts (id, owner, email, balance_cents, opened_at)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                )
                .map_err(fail)?;
            for id in 1..=ACCOUNTS {
                let first = FIRST[(id % FIRST.len() as i64) as usize];
                let last = LAST[(id / 3 % LAST.len() as i64) as usize];
                let owner = format!("{first} {last}");
                let email = format!(
                    "{}.{}{id}@example.com",
                    first.to_lowercase(),
                    last.to_lowercase()
                );
                let balance_cents = id * 7919 % 1_000_000;
                let opened_at = format!(
                    "20{:02}-{:02}-{:02}T09:00:00Z",
                    10 + id % 15,
                    1 + id % 12,
                    1 + id % 28
                );
                insert
                    .execute(params![id, owner, email, balance_cents, opened_at])
                    .map_err(fail)?;
            }
        }
        tx.commit().map_err(fail)?;
        Ok(Accounts {
            connection: Mutex::new(connection),
        })
    }

    /// The one database of the process, opened on first use.
    pub fn shared() -> &'static Accounts {
        static SHARED: OnceLock<Accounts> = OnceLock::new();
        SHARED.get_or_init(|| Accounts::open().expect("the accounts database"))
    }

    /// The accounts `query` selects, by number: the statement of `examples/accounts`.
    pub fn query(&self, query: &Query) -> Result<AccountList, String> {
        let limit = query.limit.unwrap_or(50);
        if !(1..=500).contains(&limit) {
            return Err(format!("limit {limit} is out of range; use 1 to 500"));
        }
        let connection = self.connection.lock().unwrap_or_else(|e| e.into_inner());
        let fail = |e: rusqlite::Error| e.to_string();
        let mut statement = connection
            .prepare_cached(
                "SELECT id, owner, email, balance_cents, opened_at FROM accounts
                 WHERE (?1 IS NULL OR instr(lower(owner), lower(?1)) > 0)
                   AND (?2 IS NULL OR balance_cents >= ?2)
                 ORDER BY id LIMIT ?3",
            )
            .map_err(fail)?;
        let rows = statement
            .query_map(
                params![query.owner_contains, query.min_balance_cents, limit],
                |row| {
                    Ok(Account {
                        id: row.get(0)?,
                        owner: row.get(1)?,
                        email: row.get(2)?,
                        balance_cents: row.get(3)?,
                        opened_at: row.get(4)?,
                    })
                },
            )
            .map_err(fail)?;
        let accounts: Vec<Account> = rows.collect::<Result<_, _>>().map_err(fail)?;
        Ok(AccountList {
            count: accounts.len(),
            accounts,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_differ_and_find_accounts() {
        let accounts = Accounts::open().unwrap();
        let mut found = 0;
        for id in 1..=50 {
            let list = accounts.query(&query_for(id)).unwrap();
            assert!(list.count <= LIMIT as usize);
            assert_eq!(list.count, list.accounts.len());
            found += list.count;
            for account in &list.accounts {
                if let Some(part) = &query_for(id).owner_contains {
                    assert!(account.owner.to_lowercase().contains(part.as_str()));
                }
            }
        }
        assert!(found > 50 * 5, "the queries find accounts: {found}");
        for id in 1..500 {
            assert_ne!(
                accounts.query(&query_for(id)).unwrap(),
                accounts.query(&query_for(id + 1)).unwrap(),
                "calls {id} and {}",
                id + 1
            );
        }
        assert!(accounts
            .query(&Query {
                limit: Some(0),
                ..Query::default()
            })
            .is_err());
    }
}
