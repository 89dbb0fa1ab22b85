use mcp_runtime::prelude::*;

/// Asks for a review.
///
/// # Arguments
/// * `patch` - the change to review
#[prompt]
fn review(diff: String) -> String {
    diff
}

fn main() {}
