//! Mistakes with `#[resource]`: its URI, keys and return type: one module per mistake, each
//! reported on the user's own tokens, all in one build.

#![allow(dead_code)]

mod resource_destructive {
use mcp_runtime::prelude::*;

/// Deletes a note when read.
#[resource("notes://{id}/delete", destructive)]
fn delete_note(id: u64) -> String {
    id.to_string()
}
}

mod resource_method_without_mcp_server {
use mcp_runtime::prelude::*;

struct Notes;

impl Notes {
    /// Today's note.
    #[resource("notes://today")]
    fn today(&self) -> String {
        "# Today".to_owned()
    }
}
}

mod resource_mime_type_invalid {
use mcp_runtime::prelude::*;

/// Today's note.
#[resource("notes://today", mime_type = "markdown")]
fn today() -> String {
    "# Today".to_owned()
}
}

mod resource_missing_description {
use mcp_runtime::prelude::*;

#[resource("notes://today")]
fn today() -> String {
    "# Today".to_owned()
}
}

mod resource_missing_uri {
use mcp_runtime::prelude::*;

/// Today's note.
#[resource]
fn today() -> String {
    "# Today".to_owned()
}

fn main() {
    // The value still registers: the missing piece is the only error.
    let _ = Server::new("notes", "1.0.0").resources(resources![today]);
}
}

mod resource_missing_uri_with_keys {
use mcp_runtime::prelude::*;

/// Today's note.
#[resource(name = "today", mime_type = "text/markdown")]
fn today() -> String {
    "# Today".to_owned()
}
}

mod resource_on_struct {
use mcp_runtime::prelude::*;

/// Today's note.
#[resource("notes://today")]
struct Today;
}

mod resource_read_only {
use mcp_runtime::prelude::*;

/// Today's note.
#[resource("notes://today", read_only)]
fn today() -> String {
    "# Today".to_owned()
}
}

mod resource_return_unsupported {
use mcp_runtime::prelude::*;
use std::collections::HashMap;

/// Word counts of a document.
#[resource("docs://{name}/words")]
fn word_counts(name: String) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    counts.insert(name, 1);
    counts
}
}

mod resource_returns_nothing {
use mcp_runtime::prelude::*;

/// Touches a file.
#[resource("files://{name}")]
fn touch(name: String) {
    let _ = name;
}
}

mod resource_risk_unknown_level {
use mcp_runtime::prelude::*;

/// Every movement of every account.
#[resource("bank://ledger", risk = "Critical")]
fn ledger() -> String {
    String::new()
}
}

mod resource_several_mistakes {
use mcp_runtime::prelude::*;

/// One note.
#[resource("notes://{id}", read_only, mime_type = "markdown", complete(ids = note_ids))]
fn note(note_id: u64) -> String {
    note_id.to_string()
}

fn note_ids(_typed: &str) -> Vec<String> {
    Vec::new()
}
}

mod resource_uri_as_key {
use mcp_runtime::prelude::*;

/// Today's note.
#[resource(uri = "notes://today")]
fn today() -> String {
    "# Today".to_owned()
}
}

mod resource_uri_without_scheme {
use mcp_runtime::prelude::*;

/// One account.
#[resource("accounts/{id}")]
fn account(id: u64) -> String {
    id.to_string()
}
}

mod resource_as_task {
use mcp_runtime::prelude::*;

/// The report, built slowly.
#[resource("reports://latest", task)]
async fn latest() -> String {
    String::new()
}
}

fn main() {}
