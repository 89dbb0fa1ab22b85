use mcp_runtime::prelude::*;

struct Files;

#[mcp_server]
impl Files {
    /// Reads a file.
    #[tool]
    #[tool(read_only)]
    fn read(&self, path: String) -> String {
        path
    }
}

fn main() {}
