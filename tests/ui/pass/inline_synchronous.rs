use mcp_runtime::prelude::*;

/// Adds two numbers, in place: it never blocks.
#[tool(read_only, inline)]
fn add(a: i64, b: i64) -> i64 {
    a + b
}

/// Today's motto, in place.
#[resource("motto://today", inline)]
fn motto() -> &'static str {
    "ship it"
}

/// A greeting, in place.
#[prompt(inline)]
fn hello(name: String) -> String {
    format!("Say hello to {name}.")
}

/// Reads a file: synchronous and blocking, so it runs on a blocking thread (the default).
#[tool(read_only)]
fn size(path: String) -> Result<u64, ToolError> {
    std::fs::metadata(&path)
        .map(|m| m.len())
        .map_err(|e| ToolError::new(e.to_string()))
}

fn main() {
    let _ = Server::new("inline", "1.0.0")
        .tools(tools![add, size])
        .resources(resources![motto])
        .prompts(prompts![hello])
        .build();
}
