use mcp_runtime::prelude::*;

/// Deletes a file.
#[tool(risk = high, readonly, destructive = true, scopes("files:write", ""))]
fn delete_file(path: String) -> String {
    path
}

fn main() {}
