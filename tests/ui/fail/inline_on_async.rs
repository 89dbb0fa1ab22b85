use mcp_runtime::prelude::*;

/// Waits a moment.
#[tool(inline)]
async fn pause() -> String {
    "done".to_owned()
}

fn main() {}
