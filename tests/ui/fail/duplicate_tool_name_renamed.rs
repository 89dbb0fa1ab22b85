use mcp_runtime::prelude::*;

struct Files;

#[mcp_server]
impl Files {
    /// Reads a file.
    #[tool(name = "fetch")]
    fn read(&self, path: String) -> String {
        path
    }

    /// Downloads a file.
    #[tool(name = "fetch")]
    fn download(&self, url: String) -> String {
        url
    }
}

fn main() {}
