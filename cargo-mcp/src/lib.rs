//! `cargo mcp`: the capability manifest of an MCP server crate built with mcp-runtime, a
//! review gate on what a change exposes, the installation of a server into a client, a
//! command-line client to inspect a running server, a development loop that rebuilds and
//! restarts a server when its sources change, and the publication of a server: its MCP Registry
//! entry (`server.json`) and its bundle (`.mcpb`).
//!
//! Every server built with mcp-runtime answers `--manifest` by printing every capability (tools,
//! resources, prompts) with its risk level, scopes and hints. `cargo mcp manifest` builds the
//! server crate and prints that manifest; `cargo mcp manifest --diff OLD.json` compares it with
//! a saved one and exits with 1 when the change exposes more than before.
//!
//! ```text
//! cargo install --path cargo-mcp
//! cd examples/accounts
//! cargo mcp manifest > manifest.json          # save the reviewed manifest
//! # ... change the code ...
//! cargo mcp manifest --diff manifest.json     # 0: nothing riskier, 1: review, 2: error
//! cargo mcp manifest --diff old.json --against new.json   # two files, no build
//! ```
//!
//! Exit status of `--diff`: 0 when nothing riskier appeared; 1 when a risk level rose, a new
//! capability arrived at `high` or `critical` risk, or scopes were added (0 again with
//! `--allow-risk-increase`); 2 for usage, build and I/O errors.
//!
//! `cargo mcp install CLIENT` builds the server crate and adds it to the configuration file of
//! Claude Desktop, Claude Code (the project's `.mcp.json`), Cursor or VS Code (the workspace's
//! `.vscode/mcp.json`), started by the built binary's absolute path with the arguments after
//! `--`; with `--http URL` nothing is built and the entry reaches that URL:
//!
//! ```text
//! cargo mcp install claude-desktop --release -- --transport stdio
//! cargo mcp install vscode --http http://127.0.0.1:8080/mcp --name calculator
//! cargo mcp install cursor --config ./mcp.json --dry-run     # print the result, write nothing
//! ```
//!
//! Every other entry and key of the file is kept (in alphabetical order: the file is rewritten
//! by `serde_json`), the previous contents are saved to `FILE.bak`, the file is replaced
//! atomically, and installing the same entry again leaves it as it is. A file that is not valid
//! JSON is refused and left untouched. [`install`] has the entries and the update as functions.
//!
//! command-line client to inspect a running server, a development loop that rebuilds and
//! restarts a server when its sources change, and the publication of a server: its MCP Registry
//! entry (`server.json`) and its bundle (`.mcpb`).
//! The comparison is a library too:
//!
//! ```
//! use cargo_mcp::diff::compare;
//! use serde_json::json;
//!
//! let old = json!({"tools": [{"name": "get_account", "risk": "low", "scopes": []}]});
//! let new = json!({"tools": [
//!     {"name": "get_account", "risk": "low", "scopes": []},
//!     {"name": "close_account", "risk": "critical", "scopes": ["accounts:admin"]},
//! ]});
//! let review = compare(&old, &new)?;
//! assert!(review.is_riskier());
//! assert_eq!(
//!     review.changes[0].to_string(),
//!     "tool close_account: added (risk critical, scopes accounts:admin)"
//! );
//! # Ok::<(), cargo_mcp::diff::InvalidManifest>(())
//! ```

pub mod build;
pub mod bundle;
pub mod dev;
pub mod diff;
pub mod inspect;
pub mod install;
pub mod server_json;
