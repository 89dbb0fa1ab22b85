use mcp_runtime::__private::v1::Provider;
use mcp_runtime::capability::ToolHandler;
use mcp_runtime::prelude::*;
use std::sync::Arc;

/// Finds items of a type.
///
/// # Arguments
/// * `type` - the kind of item
#[tool]
fn r#find(r#type: String, r#in: Option<String>) -> String {
    format!("{type} {in:?}", type = r#type, in = r#in)
}

struct Catalog;

#[mcp_server]
impl Catalog {
    /// Matches items.
    #[tool]
    fn r#match(&self, r#type: String) -> String {
        r#type
    }
}

fn main() {
    let descriptor = r#find {}.descriptor();
    assert_eq!(descriptor.name(), "find");
    let schema = descriptor.input_schema();
    assert_eq!(schema["required"], serde_json::json!(["type"]));
    assert_eq!(
        schema["properties"]["type"]["description"],
        "the kind of item"
    );
    let tools = Arc::new(Catalog).tools();
    assert_eq!(tools[0].descriptor().name(), "match");
}
