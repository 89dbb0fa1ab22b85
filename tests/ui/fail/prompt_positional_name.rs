use mcp_runtime::prelude::*;

/// Asks for a review.
#[prompt("code_review")]
fn review(diff: String) -> String {
    diff
}

fn main() {}
