use mcp_runtime::prelude::*;

/// Queries.
#[tool]
fn query(#[header("Data Region")] region: String) -> String {
    region
}

fn main() {}
