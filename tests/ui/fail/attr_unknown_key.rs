use mcp_runtime::prelude::*;

/// Reads a file.
#[tool(readonly)]
fn read_file(path: String) -> String {
    path
}

fn main() {}
