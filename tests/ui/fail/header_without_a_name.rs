use mcp_runtime::prelude::*;

/// Queries.
#[tool]
fn query(#[header(Region)] region: String) -> String {
    region
}

fn main() {}
