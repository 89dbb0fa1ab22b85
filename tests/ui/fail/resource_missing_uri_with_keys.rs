use mcp_runtime::prelude::*;

/// Today's note.
#[resource(name = "today", mime_type = "text/markdown")]
fn today() -> String {
    "# Today".to_owned()
}

fn main() {}
