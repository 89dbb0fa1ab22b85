use mcp_runtime::prelude::*;

#[derive(serde::Deserialize)]
struct Point {
    x: i64,
}

/// Moves to a point.
#[tool]
fn go_to(point: Point) -> String {
    format!("{}", point.x)
}

fn main() {}
