use mcp_runtime::prelude::*;

/// Deletes a note when read.
#[resource("notes://{id}/delete", destructive)]
fn delete_note(id: u64) -> String {
    id.to_string()
}

fn main() {}
