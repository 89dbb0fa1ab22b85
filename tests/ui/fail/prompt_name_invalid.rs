use mcp_runtime::prelude::*;

/// Asks for a review.
#[prompt(name = "code review")]
fn review(diff: String) -> String {
    diff
}

fn main() {}
