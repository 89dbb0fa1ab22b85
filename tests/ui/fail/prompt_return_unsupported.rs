use mcp_runtime::prelude::*;

/// Asks for a review.
#[prompt]
fn review(diff: String) -> Vec<String> {
    vec![diff]
}

fn main() {}
