use mcp_runtime::prelude::*;

struct Focus(String);

/// Asks for a review.
#[prompt]
fn review(diff: String, focus: Option<Focus>) -> String {
    format!("Review {diff} {}", focus.map(|f| f.0).unwrap_or_default())
}

fn main() {}
