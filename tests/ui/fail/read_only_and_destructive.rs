use mcp_runtime::prelude::*;

/// Deletes a file.
#[tool(read_only, destructive)]
fn delete_file(path: String) -> String {
    path
}

fn main() {}
