use mcp_runtime::capability::ToolHandler;
use mcp_runtime::prelude::*;

/// One block.
#[tool]
fn one() -> Content {
    Content::text("one")
}

/// Several blocks.
#[tool]
fn several() -> Vec<Content> {
    vec![Content::text("a"), Content::image("aGk=", "image/png")]
}

/// A whole result.
#[tool]
fn whole() -> CallToolResult {
    CallToolResult::success(vec![Content::text("ok")])
}

/// Nothing.
#[tool]
async fn nothing() {}

/// Nothing, explicitly.
#[tool]
#[allow(clippy::unused_unit)]
fn unit() -> () {}

/// Text, or an error result.
#[tool]
fn fallible(fail: bool) -> Result<String, ToolError> {
    if fail {
        Err(ToolError::new("failed"))
    } else {
        Ok("fine".to_owned())
    }
}

/// Static text.
#[tool]
fn static_text() -> &'static str {
    "static"
}

fn main() {
    for tool in [
        one {}.descriptor(),
        several {}.descriptor(),
        whole {}.descriptor(),
        nothing {}.descriptor(),
        unit {}.descriptor(),
    ] {
        assert!(tool.output_schema().is_none());
    }
    let _ = (fallible, static_text);
}
