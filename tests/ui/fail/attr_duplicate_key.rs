use mcp_runtime::prelude::*;

/// Reads a file.
#[tool(title = "Read file", title = "Read a file")]
fn read_file(path: String) -> String {
    path
}

fn main() {}
