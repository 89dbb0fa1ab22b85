//! `cargo mcp`: the capability manifest of an MCP server crate built with mcp-runtime, and a
//! review gate on what a change exposes.
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
pub mod diff;
