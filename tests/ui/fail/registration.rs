//! Mistakes with registering capabilities with a `Server`: one module per mistake, each
//! reported on the user's own tokens, all in one build.

#![allow(dead_code)]

mod register_unmarked_function {
use mcp_runtime::prelude::*;

/// Adds two numbers.
fn add(a: i64, b: i64) -> i64 {
    a + b
}

fn main() {
    let _ = Server::new("calculator", "1.0.0").tool(add);
}
}

mod register_unmarked_with_macro {
use mcp_runtime::prelude::*;

/// Adds two numbers, but nothing marks it as a tool.
fn add(a: i64, b: i64) -> i64 {
    a + b
}

fn main() {
    let _ = Server::new("calculator", "1.0.0").tools(tools![add]);
}
}

fn main() {}
