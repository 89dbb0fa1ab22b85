use mcp_runtime::prelude::*;

/// Today's note.
#[resource("notes://today")]
struct Today;

fn main() {}
