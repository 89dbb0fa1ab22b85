use mcp_runtime::prelude::*;

/// Reads a file.
#[tool(scopes = "files:read")]
fn read_file(path: String) -> String {
    path
}

fn main() {}
