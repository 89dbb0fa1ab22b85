use mcp_runtime::prelude::*;

/// Asks for a review.
#[prompt(complete(lang = languages))]
fn review(language: String, diff: String) -> String {
    format!("Review this {language}: {diff}")
}

fn languages(_typed: &str) -> Vec<String> {
    vec!["rust".to_owned()]
}

fn main() {}
