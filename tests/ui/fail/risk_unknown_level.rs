use mcp_runtime::prelude::*;

/// Deletes everything.
#[tool(risk = "severe", name = "bad name")]
fn wipe() {}

fn main() {}
