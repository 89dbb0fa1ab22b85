use mcp_runtime::prelude::*;

struct Files;

#[mcp_server]
impl Files {
    /// Reads a file.
    #[tool]
    fn read(&self, path: String) -> String {
        path
    }

    /// Reads a file, the old way.
    #[tool(name = "read")]
    fn read_legacy(&self, path: String) -> String {
        path
    }
}

fn main() {}
