use mcp_runtime::prelude::*;

/// One file.
#[resource("files://{name}{extension}")]
fn file(name: String, extension: String) -> String {
    format!("{name}.{extension}")
}

fn main() {}
