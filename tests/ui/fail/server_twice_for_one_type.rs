use mcp_runtime::prelude::*;

struct Files;

#[mcp_server]
impl Files {
    /// Reads a file.
    #[tool]
    fn read(&self, path: String) -> String {
        path
    }
}

#[mcp_server]
impl Files {
    /// Writes a file.
    #[tool]
    fn write(&self, path: String) -> String {
        path
    }
}

fn main() {}
