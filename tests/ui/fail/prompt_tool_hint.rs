use mcp_runtime::prelude::*;

/// Asks for a review.
#[prompt(idempotent)]
fn review(diff: String) -> String {
    diff
}

fn main() {}
