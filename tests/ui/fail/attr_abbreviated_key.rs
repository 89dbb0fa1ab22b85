use mcp_runtime::prelude::*;

#[tool(desc = "Reads a file.")]
fn read_file(path: String) -> String {
    path
}

fn main() {}
