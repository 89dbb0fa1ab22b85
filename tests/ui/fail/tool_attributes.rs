//! Mistakes with `#[tool(...)]`'s keys and values, and where the attribute may go: one module per mistake, each
//! reported on the user's own tokens, all in one build.

#![allow(dead_code)]

mod attr_abbreviated_key {
use mcp_runtime::prelude::*;

#[tool(desc = "Reads a file.")]
fn read_file(path: String) -> String {
    path
}
}

mod attr_duplicate_key {
use mcp_runtime::prelude::*;

/// Reads a file.
#[tool(title = "Read file", title = "Read a file")]
fn read_file(path: String) -> String {
    path
}
}

mod attr_several_mistakes {
use mcp_runtime::prelude::*;

/// Deletes a file.
#[tool(risk = high, readonly, destructive = true, scopes("files:write", ""))]
fn delete_file(path: String) -> String {
    path
}
}

mod attr_unknown_key {
use mcp_runtime::prelude::*;

/// Reads a file.
#[tool(readonly)]
fn read_file(path: String) -> String {
    path
}
}

mod crate_path_invalid {
use mcp_runtime::prelude::*;

/// Adds two integers.
#[tool(crate = "mcp runtime")]
fn add(a: i64, b: i64) -> i64 {
    a + b
}

struct Notes;

#[mcp_server(crate = "::mcp_runtime::")]
impl Notes {
    /// Counts the notes.
    #[tool(crate = "mcp_runtime")]
    fn count(&self) -> u64 {
        0
    }
}
}

mod description_empty {
use mcp_runtime::prelude::*;

/// Pings.
#[tool(description = "  ")]
fn ping() -> String {
    "pong".to_owned()
}
}

mod destructive_low_risk {
use mcp_runtime::prelude::*;

/// Deletes a file.
#[tool(destructive, risk = "low")]
fn delete_file(path: String) -> String {
    path
}
}

mod flag_with_value {
use mcp_runtime::prelude::*;

/// Reads a file.
#[tool(read_only = true)]
fn read_file(path: String) -> String {
    path
}
}

mod missing_description {
use mcp_runtime::prelude::*;

#[tool]
fn ping() -> String {
    "pong".to_owned()
}
}

mod name_invalid {
use mcp_runtime::prelude::*;

/// Deletes everything.
#[tool(name = "has space")]
fn wipe() {}
}

mod read_only_and_destructive {
use mcp_runtime::prelude::*;

/// Deletes a file.
#[tool(read_only, destructive)]
fn delete_file(path: String) -> String {
    path
}
}

mod risk_not_string {
use mcp_runtime::prelude::*;

/// Deletes a file.
#[tool(risk = high)]
fn delete_file(path: String) -> String {
    path
}
}

mod risk_unknown_level {
use mcp_runtime::prelude::*;

/// Deletes everything.
#[tool(risk = "severe")]
fn wipe() {}
}

mod scope_blank {
use mcp_runtime::prelude::*;

/// Reads a file.
#[tool(scopes("files:read", " "))]
fn read_file(path: String) -> String {
    path
}
}

mod scopes_not_list {
use mcp_runtime::prelude::*;

/// Reads a file.
#[tool(scopes = "files:read")]
fn read_file(path: String) -> String {
    path
}
}

mod tool_attribute_twice {
use mcp_runtime::prelude::*;

struct Files;

#[mcp_server]
impl Files {
    /// Reads a file.
    #[tool]
    #[tool(read_only)]
    fn read(&self, path: String) -> String {
        path
    }
}
}

mod tool_complete {
use mcp_runtime::prelude::*;

/// Reads a file.
#[tool(complete(path = paths))]
fn read_file(path: String) -> String {
    path
}

fn paths(_typed: &str) -> Vec<String> {
    Vec::new()
}
}

mod tool_on_struct {
use mcp_runtime::prelude::*;

/// A point.
#[tool]
struct Point {
    x: i64,
}

fn main() {
    let _ = Point { x: 1 }.x;
}
}

mod timeout_not_a_duration {
use mcp_runtime::prelude::*;

/// Waits.
#[tool(timeout = "soon")]
async fn wait() -> String {
    String::new()
}
}

mod timeout_of_zero {
use mcp_runtime::prelude::*;

/// Waits.
#[tool(timeout = "0s")]
async fn wait() -> String {
    String::new()
}
}

mod task_support_unknown {
use mcp_runtime::prelude::*;

/// Crunches numbers.
#[tool(task = "sometimes")]
async fn crunch() -> String {
    String::new()
}
}

mod task_flag_with_arguments {
use mcp_runtime::prelude::*;

/// Crunches numbers.
#[tool(task("optional"))]
async fn crunch() -> String {
    String::new()
}
}

fn main() {}
