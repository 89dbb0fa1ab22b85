use mcp_runtime::prelude::*;

/// Reads a file.
#[tool(complete(path = paths))]
fn read_file(path: String) -> String {
    path
}

fn paths(_typed: &str) -> Vec<String> {
    Vec::new()
}

fn main() {}
