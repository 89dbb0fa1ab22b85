use mcp_runtime::prelude::*;
use std::collections::HashMap;

/// Counts words.
#[tool]
fn count_words(text: String) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for word in text.split_whitespace() {
        *counts.entry(word.to_owned()).or_default() += 1;
    }
    counts
}

fn main() {}
