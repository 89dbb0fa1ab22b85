use mcp_runtime::prelude::*;

/// Today's note.
#[resource("notes://today")]
fn today(day: String) -> String {
    day
}

fn main() {}
