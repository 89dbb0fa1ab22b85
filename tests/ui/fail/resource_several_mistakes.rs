use mcp_runtime::prelude::*;

/// One note.
#[resource("notes://{id}", read_only, mime_type = "markdown", complete(ids = note_ids))]
fn note(note_id: u64) -> String {
    note_id.to_string()
}

fn note_ids(_typed: &str) -> Vec<String> {
    Vec::new()
}

fn main() {}
