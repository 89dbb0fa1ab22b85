//! The user's crate names serde and schemars only to derive on its own types; tools need
//! nothing else from them.

mod types {
    #[derive(serde::Deserialize, serde::Serialize, schemars::JsonSchema)]
    pub struct Point {
        pub x: i64,
        pub y: i64,
    }
}

mod tools {
    use crate::types::Point;
    use mcp_runtime::prelude::*;

    /// Moves a point.
    #[tool]
    pub fn shift(point: Point, by: Option<i64>) -> Json<Point> {
        let by = by.unwrap_or(1);
        Json(Point {
            x: point.x + by,
            y: point.y + by,
        })
    }

    pub struct Plane;

    #[mcp_server]
    impl Plane {
        /// Mirrors a point.
        #[tool]
        fn mirror(&self, point: Point) -> Result<Json<Point>, ToolError> {
            Ok(Json(Point {
                x: -point.x,
                y: -point.y,
            }))
        }
    }
}

fn main() {
    let _ = mcp_runtime::Server::new("plane", "1")
        .tools(mcp_runtime::tools![tools::shift])
        .provider(tools::Plane);
}
