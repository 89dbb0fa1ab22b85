use mcp_runtime::prelude::*;

/// Queries.
#[tool]
fn query(#[header("Ctx")] ctx: Context) -> String {
    format!("{ctx:?}")
}

fn main() {}
