//! The accounts database: an SQLite file, created and seeded on first open. Every statement
//! is fixed here and takes its values as parameters; nothing else reaches SQLite.

use std::path::Path;

use rusqlite::{params, Connection, OptionalExtension, Row, TransactionBehavior};
use schemars::JsonSchema;
use serde::Serialize;

/// One account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Account {
    /// The account number.
    pub id: i64,
    /// Who holds the account.
    pub owner: String,
    /// Where statements go.
    pub email: String,
    /// The balance in cents; never negative.
    pub balance_cents: i64,
    /// When the account was opened (ISO 8601, UTC).
    pub opened_at: String,
}

/// One completed transfer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Transfer {
    /// The transfer's number.
    pub id: i64,
    /// The account the money left.
    pub from_id: i64,
    /// The account the money reached.
    pub to_id: i64,
    /// How much moved, in cents.
    pub amount_cents: i64,
    /// The paying account's balance afterwards, in cents.
    pub from_balance_cents: i64,
    /// The receiving account's balance afterwards, in cents.
    pub to_balance_cents: i64,
}

/// Why an operation did not happen. Every variant leaves the database as it was.
#[derive(Debug, PartialEq, Eq)]
pub enum DbError {
    /// No account has this number.
    NoSuchAccount(i64),
    /// The paying account holds less than the transfer needs.
    InsufficientFunds {
        /// The paying account.
        id: i64,
        /// Its balance, in cents.
        balance_cents: i64,
        /// What the transfer needed, in cents.
        needed_cents: i64,
    },
    /// The request itself makes no sense (a negative amount, a malformed address, ...).
    Invalid(String),
    /// SQLite failed.
    Sqlite(String),
}

impl std::fmt::Display for DbError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DbError::NoSuchAccount(id) => write!(f, "there is no account {id}"),
            DbError::InsufficientFunds {
                id,
                balance_cents,
                needed_cents,
            } => write!(
                f,
                "insufficient funds: account {id} holds {}, the transfer needs {}; nothing was moved",
                money(*balance_cents),
                money(*needed_cents)
            ),
            DbError::Invalid(message) => f.write_str(message),
            DbError::Sqlite(message) => write!(f, "the database failed: {message}"),
        }
    }
}

impl std::error::Error for DbError {}

impl From<rusqlite::Error> for DbError {
    fn from(error: rusqlite::Error) -> Self {
        DbError::Sqlite(error.to_string())
    }
}

/// `12345` as `123.45`.
pub fn money(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let cents = cents.unsigned_abs();
    format!("{sign}{}.{:02}", cents / 100, cents % 100)
}

const SCHEMA: &str = "
    CREATE TABLE accounts (
        id            INTEGER PRIMARY KEY,
        owner         TEXT    NOT NULL,
        email         TEXT    NOT NULL,
        balance_cents INTEGER NOT NULL CHECK (balance_cents >= 0),
        opened_at     TEXT    NOT NULL
    );
    CREATE TABLE transfers (
        id           INTEGER PRIMARY KEY,
        from_id      INTEGER NOT NULL,
        to_id        INTEGER NOT NULL,
        amount_cents INTEGER NOT NULL CHECK (amount_cents > 0),
        made_at      TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
    );
";

/// The accounts a new database starts with.
pub const SEED: &[(i64, &str, &str, i64, &str)] = &[
    (
        1,
        "Ada Lovelace",
        "ada@example.com",
        125_000,
        "2024-01-15T09:30:00Z",
    ),
    (
        2,
        "Charles Babbage",
        "charles@example.com",
        4_200,
        "2024-02-01T14:00:00Z",
    ),
    (
        3,
        "Grace Hopper",
        "grace@example.com",
        980_050,
        "2024-03-09T11:15:00Z",
    ),
    (
        4,
        "Alan Turing",
        "alan@example.com",
        0,
        "2024-06-23T08:00:00Z",
    ),
];

const COLUMNS: &str = "id, owner, email, balance_cents, opened_at";

fn account(row: &Row<'_>) -> rusqlite::Result<Account> {
    Ok(Account {
        id: row.get(0)?,
        owner: row.get(1)?,
        email: row.get(2)?,
        balance_cents: row.get(3)?,
        opened_at: row.get(4)?,
    })
}

/// What `query_accounts` filters on; every field is optional.
#[derive(Debug, Default)]
pub struct Filter {
    /// Owner names containing this text, case-insensitively.
    pub owner_contains: Option<String>,
    /// Balances of at least this many cents.
    pub min_balance_cents: Option<i64>,
    /// At most this many accounts.
    pub limit: u32,
}

/// The database behind the server.
pub struct Database {
    connection: Connection,
}

impl Database {
    /// Opens the database at `path`, creating the file, its directory, the tables and the
    /// seed accounts when they do not exist yet.
    pub fn open(path: &Path) -> Result<Database, DbError> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)
                .map_err(|e| DbError::Sqlite(format!("cannot create {}: {e}", parent.display())))?;
        }
        Database::with_connection(Connection::open(path)?)
    }

    /// A seeded database in memory, for tests.
    #[cfg(test)]
    pub fn in_memory() -> Result<Database, DbError> {
        Database::with_connection(Connection::open_in_memory()?)
    }

    fn with_connection(mut connection: Connection) -> Result<Database, DbError> {
        let tx = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
        // `user_version` is 0 in a new file and set to 1 once seeded: an emptied database
        // stays empty.
        let version: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if version == 0 {
            tx.execute_batch(SCHEMA)?;
            let mut insert = tx.prepare(
                "INSERT INTO accounts (id, owner, email, balance_cents, opened_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            for (id, owner, email, balance, opened) in SEED {
                insert.execute(params![id, owner, email, balance, opened])?;
            }
            drop(insert);
            tx.pragma_update(None, "user_version", 1)?;
        }
        tx.commit()?;
        Ok(Database { connection })
    }

    /// Accounts matching `filter`, by number.
    pub fn query(&self, filter: &Filter) -> Result<Vec<Account>, DbError> {
        let mut statement = self.connection.prepare(&format!(
            "SELECT {COLUMNS} FROM accounts
             WHERE (?1 IS NULL OR instr(lower(owner), lower(?1)) > 0)
               AND (?2 IS NULL OR balance_cents >= ?2)
             ORDER BY id LIMIT ?3"
        ))?;
        let rows = statement.query_map(
            params![
                filter.owner_contains,
                filter.min_balance_cents,
                filter.limit
            ],
            account,
        )?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The account numbered `id`.
    pub fn get(&self, id: i64) -> Result<Account, DbError> {
        self.connection
            .query_row(
                &format!("SELECT {COLUMNS} FROM accounts WHERE id = ?1"),
                [id],
                account,
            )
            .optional()?
            .ok_or(DbError::NoSuchAccount(id))
    }

    /// Every account number.
    #[cfg(test)]
    pub fn ids(&self) -> Result<Vec<i64>, DbError> {
        let mut statement = self
            .connection
            .prepare("SELECT id FROM accounts ORDER BY id")?;
        let rows = statement.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The newest transfers in or out of `id`, newest first.
    pub fn transfers_of(
        &self,
        id: i64,
        limit: u32,
    ) -> Result<Vec<(i64, i64, i64, String)>, DbError> {
        let mut statement = self.connection.prepare(
            "SELECT from_id, to_id, amount_cents, made_at FROM transfers
             WHERE from_id = ?1 OR to_id = ?1 ORDER BY id DESC LIMIT ?2",
        )?;
        let rows = statement.query_map(params![id, limit], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Sets the email address of `id`; setting the address it already has changes nothing.
    pub fn update_email(&self, id: i64, email: &str) -> Result<Account, DbError> {
        check_email(email)?;
        let changed = self.connection.execute(
            "UPDATE accounts SET email = ?2 WHERE id = ?1",
            params![id, email],
        )?;
        if changed == 0 {
            return Err(DbError::NoSuchAccount(id));
        }
        self.get(id)
    }

    /// Moves `amount_cents` from `from_id` to `to_id` in one transaction: both balances
    /// change and the transfer is recorded, or nothing happens.
    pub fn transfer(
        &mut self,
        from_id: i64,
        to_id: i64,
        amount_cents: i64,
    ) -> Result<Transfer, DbError> {
        if amount_cents <= 0 {
            return Err(DbError::Invalid(format!(
                "the amount must be positive, not {amount_cents} cents"
            )));
        }
        if from_id == to_id {
            return Err(DbError::Invalid(format!(
                "cannot transfer from account {from_id} to itself"
            )));
        }
        let tx = self
            .connection
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let balance = |id: i64| -> Result<i64, DbError> {
            tx.query_row(
                "SELECT balance_cents FROM accounts WHERE id = ?1",
                [id],
                |r| r.get(0),
            )
            .optional()?
            .ok_or(DbError::NoSuchAccount(id))
        };
        let from_balance = balance(from_id)?;
        let to_balance = balance(to_id)?;
        if from_balance < amount_cents {
            return Err(DbError::InsufficientFunds {
                id: from_id,
                balance_cents: from_balance,
                needed_cents: amount_cents,
            });
        }
        let to_after = to_balance
            .checked_add(amount_cents)
            .ok_or_else(|| DbError::Invalid(format!("account {to_id}'s balance would overflow")))?;
        tx.execute(
            "UPDATE accounts SET balance_cents = balance_cents - ?2 WHERE id = ?1",
            params![from_id, amount_cents],
        )?;
        tx.execute(
            "UPDATE accounts SET balance_cents = balance_cents + ?2 WHERE id = ?1",
            params![to_id, amount_cents],
        )?;
        tx.execute(
            "INSERT INTO transfers (from_id, to_id, amount_cents) VALUES (?1, ?2, ?3)",
            params![from_id, to_id, amount_cents],
        )?;
        let id = tx.last_insert_rowid();
        tx.commit()?;
        Ok(Transfer {
            id,
            from_id,
            to_id,
            amount_cents,
            from_balance_cents: from_balance - amount_cents,
            to_balance_cents: to_after,
        })
    }

    /// Deletes the account `id`, which must be empty; its transfers stay on record.
    pub fn close(&mut self, id: i64) -> Result<Account, DbError> {
        let tx = self
            .connection
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let closing = tx
            .query_row(
                &format!("SELECT {COLUMNS} FROM accounts WHERE id = ?1"),
                [id],
                account,
            )
            .optional()?
            .ok_or(DbError::NoSuchAccount(id))?;
        if closing.balance_cents != 0 {
            return Err(DbError::Invalid(format!(
                "account {id} still holds {}; transfer it out before closing the account",
                money(closing.balance_cents)
            )));
        }
        tx.execute("DELETE FROM accounts WHERE id = ?1", [id])?;
        tx.commit()?;
        Ok(closing)
    }
}

/// A plausible address: one `@` with text on both sides, a dot in the domain, no spaces.
fn check_email(email: &str) -> Result<(), DbError> {
    let plausible = email.len() <= 254
        && !email.chars().any(char::is_whitespace)
        && matches!(email.split_once('@'), Some((local, domain))
            if !local.is_empty() && !domain.contains('@')
                && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.'));
    if plausible {
        Ok(())
    } else {
        Err(DbError::Invalid(format!(
            "`{email}` is not an email address"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_database_is_seeded_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data/accounts.db");
        let mut db = Database::open(&path).unwrap();
        assert_eq!(db.ids().unwrap(), [1, 2, 3, 4]);
        db.close(4).unwrap();
        drop(db);
        let db = Database::open(&path).unwrap();
        assert_eq!(
            db.ids().unwrap(),
            [1, 2, 3],
            "reopening does not seed again"
        );
    }

    #[test]
    fn an_overdraft_changes_nothing() {
        let mut db = Database::in_memory().unwrap();
        let err = db.transfer(2, 1, 4_201).unwrap_err();
        assert_eq!(
            err.to_string(),
            "insufficient funds: account 2 holds 42.00, the transfer needs 42.01; nothing was moved"
        );
        assert_eq!(db.get(2).unwrap().balance_cents, 4_200);
        assert_eq!(db.get(1).unwrap().balance_cents, 125_000);
        assert!(db.transfers_of(2, 10).unwrap().is_empty());
    }

    #[test]
    fn a_transfer_moves_money_and_is_recorded() {
        let mut db = Database::in_memory().unwrap();
        let transfer = db.transfer(1, 2, 800).unwrap();
        assert_eq!(transfer.from_balance_cents, 124_200);
        assert_eq!(transfer.to_balance_cents, 5_000);
        assert_eq!(db.get(2).unwrap().balance_cents, 5_000);
        assert_eq!(db.transfers_of(1, 10).unwrap()[0].2, 800);
    }

    #[test]
    fn bad_requests_are_refused() {
        let mut db = Database::in_memory().unwrap();
        assert_eq!(db.transfer(1, 9, 1).unwrap_err(), DbError::NoSuchAccount(9));
        assert!(matches!(db.transfer(1, 1, 1), Err(DbError::Invalid(_))));
        assert!(matches!(db.transfer(1, 2, -5), Err(DbError::Invalid(_))));
        assert!(matches!(
            db.update_email(1, "not an address"),
            Err(DbError::Invalid(_))
        ));
        assert!(matches!(db.close(1), Err(DbError::Invalid(_))));
        assert_eq!(db.ids().unwrap(), [1, 2, 3, 4]);
    }

    #[test]
    fn text_filters_are_values_not_sql() {
        let db = Database::in_memory().unwrap();
        let filter = Filter {
            owner_contains: Some("' OR 1=1 --".into()),
            limit: 10,
            ..Filter::default()
        };
        assert!(db.query(&filter).unwrap().is_empty());
        let filter = Filter {
            owner_contains: Some("GRACE".into()),
            limit: 10,
            ..Filter::default()
        };
        assert_eq!(db.query(&filter).unwrap()[0].id, 3);
    }

    #[test]
    fn money_prints_cents() {
        assert_eq!(money(0), "0.00");
        assert_eq!(money(5), "0.05");
        assert_eq!(money(-123_456), "-1234.56");
    }
}
