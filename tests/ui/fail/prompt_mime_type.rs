use mcp_runtime::prelude::*;

/// Asks for a review.
#[prompt(mime_type = "text/plain")]
fn review(diff: String) -> String {
    diff
}

fn main() {}
