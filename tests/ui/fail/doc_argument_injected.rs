use mcp_runtime::prelude::*;

/// Greets someone.
///
/// # Arguments
/// * `name` - who to greet
/// * `ctx` - the request context
#[tool]
fn greet(ctx: Context, name: String) -> String {
    let _ = ctx;
    format!("hello {name}")
}

fn main() {}
