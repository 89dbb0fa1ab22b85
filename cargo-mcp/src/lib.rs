//! `cargo mcp`: the capability manifest of an MCP server crate built with mcp-runtime, a
//! review gate on what a change exposes, the installation of a server into a client, and a
//! development loop that rebuilds and restarts a server when its sources change.
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
//! `cargo mcp dev` runs the server crate, watches its sources, and rebuilds and restarts it
//! when they change (a build that fails keeps the running server). Started by a client as its
//! stdio server, it passes the messages through and hides each restart as far as the protocol
//! allows: unanswered requests get an error, a handshake-era session is restored, and the
//! client is told that the lists changed. [`dev`] describes what happens in each era:
//!
//! ```text
//! cargo mcp dev                                    # a client's command: stdio
//! npx @modelcontextprotocol/inspector cargo mcp dev --manifest-path examples/calculator/Cargo.toml
//! cargo mcp dev -- --transport http --bind 127.0.0.1:8080   # restarted on the same address
//! ```
//!
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
pub mod dev;
pub mod diff;
pub mod install;
