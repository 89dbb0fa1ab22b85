use mcp_runtime::prelude::*;

/// One note.
#[resource("notes://{id}")]
fn note(id: &str) -> String {
    id.to_owned()
}

fn main() {}
