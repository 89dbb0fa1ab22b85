use mcp_runtime::prelude::*;

/// Scales.
#[tool]
fn scale(#[header("Factor")] factor: f64) -> f64 {
    factor
}

fn main() {}
