use mcp_runtime::prelude::*;

/// A point.
#[tool]
struct Point {
    x: i64,
}

fn main() {
    let _ = Point { x: 1 }.x;
}
