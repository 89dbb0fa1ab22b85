use mcp_runtime::prelude::*;

/// Touches a file.
#[resource("files://{name}")]
fn touch(name: String) {
    let _ = name;
}

fn main() {}
