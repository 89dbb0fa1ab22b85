use mcp_runtime::prelude::*;

/// Deletes a file.
#[tool(destructive, risk = "low")]
fn delete_file(path: String) -> String {
    path
}

fn main() {}
