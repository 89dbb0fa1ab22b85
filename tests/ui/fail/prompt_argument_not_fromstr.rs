use mcp_runtime::prelude::*;

#[derive(serde::Deserialize)]
struct Diff {
    text: String,
}

/// Asks for a review.
#[prompt]
fn review(diff: Diff) -> String {
    format!("Review {}", diff.text)
}

fn main() {}
