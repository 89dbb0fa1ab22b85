use mcp_runtime::prelude::*;

/// Asks for a review.
#[prompt(complete(ctx = languages))]
fn review(diff: String, ctx: Context) -> String {
    let _ = ctx;
    format!("Review {diff}")
}

fn languages(_typed: &str) -> Vec<String> {
    vec!["rust".to_owned()]
}

fn main() {}
