//! The rules of MCP (Model Context Protocol) that a capability's name, header and URI must
//! follow, in one place for the two crates that check them: `mcp-macros` at compile time,
//! on what a `#[tool]` or `#[resource]` attribute says, and `mcp-runtime` at run time, on
//! descriptors written by hand.
//!
//! Each function only decides; how a violation is told (a compile error on the user's
//! tokens, a runtime `Error`) is the caller's business. Errors are values that say what
//! is wrong and where, never sentences.
#![deny(missing_docs)]
#![warn(missing_debug_implementations, rust_2018_idioms, unreachable_pub)]

pub mod app;
pub mod header;
pub mod icon;
pub mod tool_name;
pub mod uri;
pub mod uri_template;
