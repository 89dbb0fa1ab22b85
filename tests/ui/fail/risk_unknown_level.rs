use mcp_runtime::prelude::*;

/// Deletes everything.
#[tool(risk = "severe")]
fn wipe() {}

fn main() {}
