use mcp_runtime::prelude::*;
use std::collections::HashMap;

/// Word counts of a document.
#[resource("docs://{name}/words")]
fn word_counts(name: String) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    counts.insert(name, 1);
    counts
}

fn main() {}
