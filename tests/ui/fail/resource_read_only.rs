use mcp_runtime::prelude::*;

/// Today's note.
#[resource("notes://today", read_only)]
fn today() -> String {
    "# Today".to_owned()
}

fn main() {}
