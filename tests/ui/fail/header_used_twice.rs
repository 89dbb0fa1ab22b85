use mcp_runtime::prelude::*;

/// Copies between regions.
#[tool]
fn copy(#[header("Region")] from: String, #[header("region")] to: String) -> String {
    format!("{from} {to}")
}

fn main() {}
