use mcp_runtime::prelude::*;

/// Asks for a review.
#[prompt]
fn review(diff: String) {
    let _ = diff;
}

fn main() {}
