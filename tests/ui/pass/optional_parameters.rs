use mcp_runtime::capability::ToolHandler;
use mcp_runtime::prelude::*;

/// Searches.
///
/// # Arguments
/// * `query` - what to look for
/// * `limit` - at most this many results
#[tool(read_only)]
fn search(query: String, limit: Option<u32>, mut offset: std::option::Option<u32>) -> String {
    offset.get_or_insert(0);
    format!("{query} {limit:?} {offset:?}")
}

fn main() {
    let schema = search {}.descriptor().input_schema().clone();
    assert_eq!(schema["required"], serde_json::json!(["query"]));
    assert_eq!(
        schema["properties"]["limit"]["description"],
        "at most this many results"
    );
}
