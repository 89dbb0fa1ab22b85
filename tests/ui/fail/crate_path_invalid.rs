use mcp_runtime::prelude::*;

/// Adds two integers.
#[tool(crate = "mcp runtime")]
fn add(a: i64, b: i64) -> i64 {
    a + b
}

struct Notes;

#[mcp_server(crate = "::mcp_runtime::")]
impl Notes {
    /// Counts the notes.
    #[tool(crate = "mcp_runtime")]
    fn count(&self) -> u64 {
        0
    }
}

fn main() {}
