//! Turning a tool's return value into a `tools/call` result.
//!
//! The conversion is decided by the [`IntoToolResult`] trait, not by how the return type is
//! spelled, so a type alias for `Json<T>` still produces structured output and an output schema.

use std::borrow::Cow;
use std::fmt;

use schemars::JsonSchema;
use serde::Serialize;

use super::schema::{schema_for, SchemaObject};
use crate::protocol::{CallToolResult, Content};

/// A value a tool can return.
///
/// Implemented for text (`String`, `&str`, `Cow<str>`), numbers and `bool` (as text), `()`
/// (empty content), [`Json<T>`] (structured output), [`Content`] and `Vec<Content>`,
/// [`CallToolResult`] itself, and `Result<T, E>` of any of these where `E: Display` (an `Err`
/// becomes a result with `isError: true` carrying the error's message).
///
/// ```
/// use mcp_runtime::{IntoToolResult, Json};
///
/// let ok = "done".into_tool_result();
/// assert_eq!(ok.text(), "done");
///
/// let failed = Err::<String, _>("disk full").into_tool_result();
/// assert!(failed.is_error);
/// assert_eq!(failed.text(), "disk full");
///
/// let structured = Json(vec![1, 2]).into_tool_result();
/// assert_eq!(structured.structured_content, Some(serde_json::json!([1, 2])));
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be returned from a tool",
    label = "unsupported tool return type",
    note = "a tool may return `String`, `&'static str`, `()`, a number, `bool`, `Json<T>` (T: Serialize + JsonSchema), `Content`, `Vec<Content>` or `CallToolResult`",
    note = "or `Result<T, E>` where `T` is one of those and `E: Display` (for example `ToolError`)"
)]
pub trait IntoToolResult {
    /// Converts the value into a result.
    fn into_tool_result(self) -> CallToolResult;

    /// The schema of the structured output, for types that produce one.
    fn output_schema() -> Option<SchemaObject> {
        None
    }
}

/// Structured tool output: serialised into `structuredContent`, with a JSON text copy in
/// `content` for clients that only read text, and the schema of `T` as the tool's
/// `outputSchema`.
///
/// ```
/// use mcp_runtime::prelude::*;
///
/// #[derive(serde::Serialize, schemars::JsonSchema)]
/// struct Sum { total: i64 }
///
/// /// Adds two numbers.
/// #[tool]
/// fn add(a: i64, b: i64) -> Json<Sum> {
///     Json(Sum { total: a + b })
/// }
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Json<T>(pub T);

impl<T: Serialize + JsonSchema> IntoToolResult for Json<T> {
    fn into_tool_result(self) -> CallToolResult {
        match serde_json::to_value(&self.0) {
            Ok(value) => CallToolResult {
                content: vec![Content::text(value.to_string())],
                structured_content: Some(value),
                is_error: false,
            },
            Err(e) => {
                CallToolResult::error(format!("the tool's result could not be serialised: {e}"))
            }
        }
    }

    fn output_schema() -> Option<SchemaObject> {
        Some(schema_for::<T>())
    }
}

impl IntoToolResult for CallToolResult {
    fn into_tool_result(self) -> CallToolResult {
        self
    }
}

impl IntoToolResult for Content {
    fn into_tool_result(self) -> CallToolResult {
        CallToolResult::success(vec![self])
    }
}

impl IntoToolResult for Vec<Content> {
    fn into_tool_result(self) -> CallToolResult {
        CallToolResult::success(self)
    }
}

impl IntoToolResult for () {
    fn into_tool_result(self) -> CallToolResult {
        CallToolResult::success(Vec::new())
    }
}

impl IntoToolResult for String {
    fn into_tool_result(self) -> CallToolResult {
        CallToolResult::success(vec![Content::text(self)])
    }
}

impl IntoToolResult for &str {
    fn into_tool_result(self) -> CallToolResult {
        CallToolResult::success(vec![Content::text(self)])
    }
}

impl IntoToolResult for Cow<'_, str> {
    fn into_tool_result(self) -> CallToolResult {
        CallToolResult::success(vec![Content::text(self)])
    }
}

macro_rules! display_as_text {
    ($($ty:ty),*) => {$(
        impl IntoToolResult for $ty {
            fn into_tool_result(self) -> CallToolResult {
                CallToolResult::success(vec![Content::text(self.to_string())])
            }
        }
    )*};
}

display_as_text!(bool, i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize, f32, f64);

impl<T: IntoToolResult, E: fmt::Display> IntoToolResult for Result<T, E> {
    fn into_tool_result(self) -> CallToolResult {
        match self {
            Ok(value) => value.into_tool_result(),
            Err(error) => CallToolResult::error(error.to_string()),
        }
    }

    fn output_schema() -> Option<SchemaObject> {
        T::output_schema()
    }
}

/// A tool failure, shown to the model as a result with `isError: true`.
///
/// Any `std::error::Error` converts into it with `?`, keeping its message:
///
/// ```
/// use mcp_runtime::ToolError;
///
/// fn parse(s: &str) -> Result<i64, ToolError> {
///     let n: i64 = s.parse()?;
///     if n < 0 {
///         return Err(ToolError::new("the number must not be negative"));
///     }
///     Ok(n)
/// }
/// assert_eq!(parse("x").unwrap_err().to_string(), "invalid digit found in string");
/// assert_eq!(parse("-1").unwrap_err().to_string(), "the number must not be negative");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolError {
    message: String,
}

impl ToolError {
    /// A failure with this message.
    pub fn new(message: impl Into<String>) -> Self {
        ToolError {
            message: message.into(),
        }
    }

    /// The message shown to the model.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for ToolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl<E: std::error::Error + Send + Sync + 'static> From<E> for ToolError {
    fn from(error: E) -> Self {
        ToolError::new(error.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_is_empty_content() {
        assert_eq!(().into_tool_result(), CallToolResult::success(vec![]));
    }

    #[test]
    fn numbers_are_text() {
        assert_eq!(42i64.into_tool_result().text(), "42");
        assert_eq!(0.5f64.into_tool_result().text(), "0.5");
    }

    #[test]
    fn json_keeps_a_text_copy_and_an_output_schema() {
        let result = Json(serde_json::json!({"a": 1})).into_tool_result();
        assert_eq!(result.text(), r#"{"a":1}"#);
        assert!(<Result<Json<Vec<u8>>, ToolError>>::output_schema().is_some());
        assert!(<Result<String, ToolError>>::output_schema().is_none());
    }
}
