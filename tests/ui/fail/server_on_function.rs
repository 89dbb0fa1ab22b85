use mcp_runtime::prelude::*;

/// Greets someone.
#[mcp_server]
fn greet(name: String) -> String {
    format!("hello {name}")
}

fn main() {
    let _ = greet(String::new());
}
