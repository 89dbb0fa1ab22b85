use mcp_runtime::prelude::*;

/// One file, by path.
#[resource("files://{+path}")]
fn file(path: String) -> String {
    path
}

fn main() {}
