use mcp_runtime::prelude::*;

/// Deletes a file.
#[tool(risk = high)]
fn delete_file(path: String) -> String {
    path
}

fn main() {}
