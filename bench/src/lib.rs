//! What the three benchmark servers share: the 10 KiB structured result, the extra tools of
//! a wide server (`BENCH_WIDE=1`), the accounts database of `query_accounts` ([`accounts`]),
//! and the command
//! line they all accept (`stdio`, `stdio-pipes`, or `http <port> [modern|legacy]`); and the
//! driver's checks of their answers ([`check`]).

pub mod accounts;
pub mod check;

use schemars::JsonSchema;
use serde::Serialize;

/// One row of the large structured result.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Row {
    /// Position of the row.
    pub id: u32,
    /// A name for the row.
    pub name: String,
    /// A measured value.
    pub score: f64,
    /// Labels.
    pub tags: Vec<String>,
}

/// The result of the `report` tool: about 10 KiB once encoded as JSON.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Report {
    /// The rows.
    pub rows: Vec<Row>,
}

/// Builds the `report` tool's result (the same in every server).
pub fn report() -> Report {
    Report {
        rows: (0..144)
            .map(|id| Row {
                id,
                name: format!("row number {id:03}"),
                score: f64::from(id) * 1.5,
                tags: vec!["alpha".to_owned(), "beta".to_owned()],
            })
            .collect(),
    }
}

/// Whether the server was started with `BENCH_MORE=1` (or `BENCH_WIDE=1`): it then also
/// serves `nap` and `query_accounts`, which the other workloads leave out so that their
/// servers stay as they were (rmcp builds its router anew for every stateless request).
pub fn more_tools() -> bool {
    static MORE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *MORE.get_or_init(|| {
        std::env::var_os("BENCH_MORE").is_some() || std::env::var_os("BENCH_WIDE").is_some()
    })
}

/// How many tools a server started with `BENCH_WIDE=1` has besides its own.
pub const WIDE_EXTRA: usize = 200;

/// The name and description of the `n`th of the wide server's extra tools.
pub fn wide(n: usize) -> (String, String) {
    (
        format!("lookup_{n:03}"),
        format!("Looks up a key in table {n:03} and returns the row it names."),
    )
}

/// The arguments of each of the wide server's extra tools.
#[derive(Debug, Clone, serde::Deserialize, JsonSchema)]
pub struct WideArgs {
    /// The key to look up.
    pub key: String,
    /// How many rows to return at most.
    pub limit: Option<u32>,
}

/// How a benchmark server was asked to serve.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Newline-delimited JSON-RPC on standard input and output.
    Stdio,
    /// Like `Stdio`, with the server's pipe-specific stdio where it has one (rmcp's
    /// `stdio_pipes`); the others serve it as `Stdio`.
    StdioPipes,
    /// Streamable HTTP on `127.0.0.1:<port>/mcp`; `legacy` selects session mode where the
    /// server has a choice.
    Http {
        /// The port to listen on.
        port: u16,
        /// Sessions (handshake era) rather than stateless requests.
        legacy: bool,
    },
}

/// Reads the command line: `stdio` | `stdio-pipes` | `http <port> [modern|legacy]`.
pub fn mode_from_args() -> Mode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("http") => {
            let port = args
                .get(1)
                .and_then(|p| p.parse().ok())
                .unwrap_or_else(|| usage());
            let legacy = match args.get(2).map(String::as_str) {
                None | Some("modern") => false,
                Some("legacy") => true,
                Some(_) => usage(),
            };
            Mode::Http { port, legacy }
        }
        None | Some("stdio") => Mode::Stdio,
        Some("stdio-pipes") => Mode::StdioPipes,
        Some(_) => usage(),
    }
}

fn usage() -> ! {
    eprintln!("usage: stdio | stdio-pipes | http <port> [modern|legacy]");
    std::process::exit(2);
}
