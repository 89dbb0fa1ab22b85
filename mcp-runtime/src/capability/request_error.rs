//! The errors a resource or prompt handler answers with when it cannot produce its result.

use crate::protocol::{code, RpcError};

/// Why a resource or prompt handler could not answer. Return it in the `Err` of a handler's
/// `Result`, and the request fails with the JSON-RPC error of its kind:
///
/// * [`RequestError::not_found`]: for a resource, the era's "resource not found" error with
///   the URI (`-32002` in the legacy era, `-32602` in the modern era), exactly as for a URI
///   no resource matches; for a prompt, `-32602`;
/// * [`RequestError::invalid_params`]: `-32602`, the caller's arguments are wrong;
/// * [`RequestError::internal`]: `-32603`, the server failed.
///
/// Any other error type in the `Err` of a handler is an internal error, and so is an error
/// converted with `?` (`From` any [`std::error::Error`]).
///
/// ```
/// use mcp_runtime::prelude::*;
///
/// /// A note, by id.
/// #[resource("notes://{id}")]
/// fn note(id: u32) -> Result<String, RequestError> {
///     match id {
///         1 => Ok("Buy milk".to_owned()),
///         _ => Err(RequestError::not_found()),
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> mcp_runtime::Result<()> {
/// let client = mcp_runtime::testing::TestClient::modern(Server::new("notes", "1.0.0").resources(resources![note]))?;
/// let missing = client
///     .request("resources/read", serde_json::json!({"uri": "notes://2"}))
///     .await
///     .unwrap_err();
/// assert!(missing.to_string().contains("Resource not found: notes://2"), "{missing}");
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestError {
    kind: Kind,
    message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    NotFound,
    InvalidParams,
    Internal,
}

impl RequestError {
    /// What was asked for does not exist.
    pub fn not_found() -> Self {
        RequestError {
            kind: Kind::NotFound,
            message: String::new(),
        }
    }

    /// The caller's arguments are wrong; `message` says how.
    pub fn invalid_params(message: impl Into<String>) -> Self {
        RequestError {
            kind: Kind::InvalidParams,
            message: message.into(),
        }
    }

    /// The server failed; `message` says how (the caller sees it).
    pub fn internal(message: impl Into<String>) -> Self {
        RequestError {
            kind: Kind::Internal,
            message: message.into(),
        }
    }

    /// True for [`RequestError::not_found`].
    pub fn is_not_found(&self) -> bool {
        self.kind == Kind::NotFound
    }

    /// The message given, empty for [`RequestError::not_found`].
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The JSON-RPC error for a resource at `uri`. Not found is marked with the legacy
    /// code, which the server turns into the era's error.
    pub(crate) fn for_resource(self, uri: &str) -> RpcError {
        match self.kind {
            Kind::NotFound => RpcError::new(
                code::RESOURCE_NOT_FOUND,
                format!("Resource not found: {uri}"),
            ),
            Kind::InvalidParams => RpcError::invalid_params(self.message),
            Kind::Internal => RpcError::internal(format!("reading {uri} failed: {}", self.message)),
        }
    }

    /// The JSON-RPC error for a prompt.
    pub(crate) fn for_prompt(self) -> RpcError {
        match self.kind {
            Kind::NotFound => RpcError::invalid_params("what the prompt is about was not found"),
            Kind::InvalidParams => RpcError::invalid_params(self.message),
            Kind::Internal => RpcError::internal(self.message),
        }
    }
}

/// Any error converts with `?` into an internal error carrying its message.
impl<E: std::error::Error> From<E> for RequestError {
    fn from(error: E) -> Self {
        RequestError::internal(error.to_string())
    }
}
