use mcp_runtime::prelude::*;

/// Today's note.
#[resource(uri = "notes://today")]
fn today() -> String {
    "# Today".to_owned()
}

fn main() {}
