//! Mistakes with `#[header]` parameters: one module per mistake, each
//! reported on the user's own tokens, all in one build.

#![allow(dead_code)]

mod header_name_not_a_token {
use mcp_runtime::prelude::*;

/// Queries.
#[tool]
fn query(#[header("Data Region")] region: String) -> String {
    region
}
}

mod header_on_a_float {
use mcp_runtime::prelude::*;

/// Scales.
#[tool]
fn scale(#[header("Factor")] factor: f64) -> f64 {
    factor
}
}

mod header_on_a_prompt {
use mcp_runtime::prelude::*;

/// Greets.
#[prompt]
fn greet(#[header("Name")] name: String) -> String {
    name
}
}

mod header_on_context {
use mcp_runtime::prelude::*;

/// Queries.
#[tool]
fn query(#[header("Ctx")] ctx: Context) -> String {
    format!("{ctx:?}")
}
}

mod header_used_twice {
use mcp_runtime::prelude::*;

/// Copies between regions.
#[tool]
fn copy(#[header("Region")] from: String, #[header("region")] to: String) -> String {
    format!("{from} {to}")
}
}

mod header_without_a_name {
use mcp_runtime::prelude::*;

/// Queries.
#[tool]
fn query(#[header(Region)] region: String) -> String {
    region
}
}

fn main() {}
