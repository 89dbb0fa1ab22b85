use mcp_runtime::prelude::*;

/// Deletes everything.
#[tool(name = "has space")]
fn wipe() {}

fn main() {}
