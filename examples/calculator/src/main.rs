//! An MCP server doing arithmetic.
//!
//! ```text
//! cargo run -p calculator                       # stdio, for Claude Desktop and friends
//! cargo run -p calculator -- --help
//! ```

use mcp_runtime::prelude::*;
use schemars::JsonSchema;
use serde::Serialize;

/// Adds two numbers.
///
/// # Arguments
/// * `a` - the first addend
/// * `b` - the second addend
#[tool(read_only, idempotent, inline)]
fn add(a: f64, b: f64) -> f64 {
    a + b
}

/// Subtracts `b` from `a`.
///
/// # Arguments
/// * `a` - the minuend
/// * `b` - the subtrahend
#[tool(read_only, idempotent, inline)]
fn subtract(a: f64, b: f64) -> f64 {
    a - b
}

/// Multiplies two numbers.
///
/// # Arguments
/// * `a` - the first factor
/// * `b` - the second factor
#[tool(read_only, idempotent, inline)]
fn multiply(a: f64, b: f64) -> f64 {
    a * b
}

/// Divides `dividend` by `divisor`. Fails when the divisor is zero.
///
/// # Arguments
/// * `dividend` - the number to divide
/// * `divisor` - the number to divide by; must not be zero
#[tool(read_only, idempotent, inline)]
fn divide(dividend: f64, divisor: f64) -> Result<f64, ToolError> {
    if divisor == 0.0 {
        return Err(ToolError::new("cannot divide by zero"));
    }
    Ok(dividend / divisor)
}

/// Summary statistics of a list of numbers.
#[derive(Debug, Serialize, JsonSchema)]
struct Statistics {
    /// How many numbers there were.
    count: usize,
    /// Their sum.
    sum: f64,
    /// The arithmetic mean.
    mean: f64,
    /// The smallest number.
    min: f64,
    /// The largest number.
    max: f64,
    /// The median (the mean of the two middle numbers for an even count).
    median: f64,
}

/// Computes count, sum, mean, min, max and median of a list of numbers.
///
/// # Arguments
/// * `numbers` - at least one number
#[tool(title = "Summary statistics", read_only, idempotent, inline)]
fn statistics(numbers: Vec<f64>) -> Result<Json<Statistics>, ToolError> {
    if numbers.is_empty() {
        return Err(ToolError::new("give at least one number"));
    }
    if numbers.iter().any(|n| !n.is_finite()) {
        return Err(ToolError::new("every number must be finite"));
    }
    let mut sorted = numbers.clone();
    sorted.sort_by(f64::total_cmp);
    let count = sorted.len();
    let sum: f64 = sorted.iter().sum();
    let median = if count % 2 == 1 {
        sorted[count / 2]
    } else {
        (sorted[count / 2 - 1] + sorted[count / 2]) / 2.0
    };
    Ok(Json(Statistics {
        count,
        sum,
        mean: sum / count as f64,
        min: sorted[0],
        max: sorted[count - 1],
        median,
    }))
}

/// Raises `base` to an integer power.
///
/// # Arguments
/// * `base` - the number to raise
/// * `exponent` - the power, from -1024 to 1024 (default 2)
#[tool(read_only, idempotent, inline)]
fn power(base: f64, exponent: Option<i32>) -> Result<f64, ToolError> {
    let exponent = exponent.unwrap_or(2);
    if !(-1024..=1024).contains(&exponent) {
        return Err(ToolError::new(format!(
            "exponent {exponent} is out of range; use -1024 to 1024"
        )));
    }
    let value = base.powi(exponent);
    if !value.is_finite() {
        return Err(ToolError::new("the result does not fit in a 64-bit float"));
    }
    Ok(value)
}

/// The calculator with every tool registered.
fn server() -> Server {
    Server::new("calculator", env!("CARGO_PKG_VERSION"))
        .title("Calculator")
        .instructions("Arithmetic on 64-bit floating-point numbers. Use `statistics` for lists.")
        .tools(tools![add, subtract, multiply, divide, statistics, power])
}

#[tokio::main]
async fn main() {
    if let Err(error) = server().serve_from_args().await {
        eprintln!("calculator: {error}");
        std::process::exit(2);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mcp_runtime::testing::TestClient;
    use serde_json::json;

    #[tokio::test]
    async fn adds_in_both_eras() {
        let modern = TestClient::modern(server()).unwrap();
        let legacy = TestClient::legacy(server()).await.unwrap();
        for client in [&modern, &legacy] {
            let result = client
                .call_tool("add", json!({"a": 2, "b": 3.5}))
                .await
                .unwrap();
            assert_eq!(result.text(), "5.5");
            assert!(!result.is_error);
        }
    }

    #[tokio::test]
    async fn dividing_by_zero_is_an_error_result() {
        let client = TestClient::modern(server()).unwrap();
        let result = client
            .call_tool("divide", json!({"dividend": 1, "divisor": 0}))
            .await
            .unwrap();
        assert!(result.is_error);
        assert_eq!(result.text(), "cannot divide by zero");
    }

    #[tokio::test]
    async fn statistics_are_structured() {
        let client = TestClient::modern(server()).unwrap();
        let result = client
            .call_tool("statistics", json!({"numbers": [4, 1, 3, 2]}))
            .await
            .unwrap();
        let stats = result.structured_content.unwrap();
        assert_eq!(stats["count"], 4);
        assert_eq!(stats["median"], 2.5);
        assert_eq!(stats["max"], 4.0);
    }

    #[tokio::test]
    async fn power_defaults_to_squaring() {
        let client = TestClient::modern(server()).unwrap();
        let result = client.call_tool("power", json!({"base": 3})).await.unwrap();
        assert_eq!(result.text(), "9");
        let result = client
            .call_tool("power", json!({"base": 2, "exponent": 5000}))
            .await
            .unwrap();
        assert!(result.is_error);
    }
}
