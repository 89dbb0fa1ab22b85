use mcp_runtime::prelude::*;

/// Today's note.
#[resource("notes://today", mime_type = "markdown")]
fn today() -> String {
    "# Today".to_owned()
}

fn main() {}
