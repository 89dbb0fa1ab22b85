use mcp_runtime::capability::ToolHandler;
use mcp_runtime::prelude::*;

#[derive(serde::Serialize, schemars::JsonSchema)]
struct Sum {
    total: i64,
}

type SumResult = Json<Sum>;

/// Adds.
#[tool]
fn add(a: i64, b: i64) -> Json<Sum> {
    Json(Sum { total: a + b })
}

/// Divides.
#[tool]
fn divide(a: i64, b: i64) -> Result<Json<Sum>, ToolError> {
    if b == 0 {
        return Err(ToolError::new("division by zero"));
    }
    Ok(Json(Sum { total: a / b }))
}

/// Subtracts, through an alias.
#[tool]
async fn subtract(a: i64, b: i64) -> SumResult {
    Json(Sum { total: a - b })
}

/// Lists numbers.
#[tool]
fn numbers() -> Json<Vec<i64>> {
    Json(vec![1, 2, 3])
}

fn main() {
    for tool in [add {}.descriptor(), divide {}.descriptor(), subtract {}.descriptor()] {
        assert!(
            tool.output_schema().is_some(),
            "{} has no output schema",
            tool.name()
        );
    }
    assert!(numbers {}.descriptor().output_schema().is_some());
}
