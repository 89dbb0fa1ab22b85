//! JSON-RPC 2.0 framing: decoding one incoming message, encoding responses and notifications.
//!
//! Incoming messages are decoded into [`Incoming`], which borrows `params` from the input
//! buffer, so a request's arguments are parsed exactly once, by the code that needs them.
//! Outgoing messages are encoded straight into bytes, ready for a transport to write.

use std::borrow::Cow;
use std::fmt;

use serde::de::IgnoredAny;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::Value;

/// Error codes defined by JSON-RPC 2.0 and by MCP.
pub mod code {
    /// Invalid JSON was received.
    pub const PARSE_ERROR: i32 = -32700;
    /// The JSON sent is not a valid request object.
    pub const INVALID_REQUEST: i32 = -32600;
    /// The method does not exist or is not available.
    pub const METHOD_NOT_FOUND: i32 = -32601;
    /// Invalid method parameters.
    pub const INVALID_PARAMS: i32 = -32602;
    /// Internal error.
    pub const INTERNAL_ERROR: i32 = -32603;
    /// `2025-11-25` and earlier: no resource has the URI (since 2026-07-28: [`INVALID_PARAMS`]).
    pub const RESOURCE_NOT_FOUND: i32 = -32002;
    /// `2026-07-28`: an HTTP header disagrees with the request body.
    pub const HEADER_MISMATCH: i32 = -32020;
    /// `2026-07-28`: the request needs a client capability the client did not declare.
    pub const MISSING_REQUIRED_CLIENT_CAPABILITY: i32 = -32021;
    /// `2026-07-28`: the request's protocol version is not supported.
    pub const UNSUPPORTED_PROTOCOL_VERSION: i32 = -32022;
}

/// A JSON-RPC request id: a string or an integer.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum RequestId {
    /// A numeric id.
    Number(i64),
    /// A string id.
    String(String),
}

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RequestId::Number(n) => write!(f, "{n}"),
            RequestId::String(s) => write!(f, "{s:?}"),
        }
    }
}

impl From<i64> for RequestId {
    fn from(n: i64) -> Self {
        RequestId::Number(n)
    }
}

impl From<&str> for RequestId {
    fn from(s: &str) -> Self {
        RequestId::String(s.to_owned())
    }
}

/// A JSON-RPC error object, as sent in an error response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RpcError {
    /// One of the codes in [`code`], or an application code.
    pub code: i32,
    /// A short, single-sentence description.
    pub message: String,
    /// Extra information, such as the supported versions for `-32022`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
}

impl RpcError {
    /// An error with a code and a message.
    pub fn new(code: i32, message: impl Into<String>) -> Self {
        RpcError {
            code,
            message: message.into(),
            data: None,
        }
    }

    /// Attaches `data` to the error.
    pub fn with_data(mut self, data: Value) -> Self {
        self.data = Some(data);
        self
    }

    /// `-32700`: the bytes were not valid JSON.
    pub fn parse_error(detail: impl fmt::Display) -> Self {
        Self::new(code::PARSE_ERROR, format!("Parse error: {detail}"))
    }

    /// `-32600`: valid JSON, but not a valid JSON-RPC message.
    pub fn invalid_request(detail: impl fmt::Display) -> Self {
        Self::new(code::INVALID_REQUEST, format!("Invalid request: {detail}"))
    }

    /// `-32601`: no such method.
    pub fn method_not_found(method: &str) -> Self {
        Self::new(
            code::METHOD_NOT_FOUND,
            format!("Method not found: {method}"),
        )
    }

    /// `-32602`: the parameters do not fit the method.
    pub fn invalid_params(detail: impl fmt::Display) -> Self {
        Self::new(code::INVALID_PARAMS, format!("Invalid params: {detail}"))
    }

    /// `-32603`: the server failed while handling a valid request.
    pub fn internal(detail: impl fmt::Display) -> Self {
        Self::new(code::INTERNAL_ERROR, format!("Internal error: {detail}"))
    }

    /// `-32603` for a request that needs a store the server cannot reach now (the Redis
    /// replicas share). Its `data` says so (`"unavailable": "store"`) with
    /// `retryAfterSeconds`; over HTTP it is answered with `503 Service Unavailable` and
    /// `Retry-After`.
    pub fn store_unavailable(detail: impl fmt::Display) -> Self {
        Self::internal(detail).with_data(serde_json::json!({
            "unavailable": "store",
            "retryAfterSeconds": STORE_RETRY_AFTER_SECONDS,
        }))
    }

    /// The error for a request the server stopped because it is shutting down.
    pub fn shutting_down() -> Self {
        Self::internal("the server is shutting down; the request was stopped before it finished")
    }
}

/// How long a client is asked to wait before it retries a request refused because the
/// store could not be reached.
pub(crate) const STORE_RETRY_AFTER_SECONDS: u64 = 1;

impl fmt::Display for RpcError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (code {})", self.message, self.code)
    }
}

impl std::error::Error for RpcError {}

/// One decoded JSON-RPC message whose `params`, `result` and `error` still point into the
/// input buffer.
#[derive(Debug)]
pub enum Incoming<'a> {
    /// A request: it has an id and expects exactly one response.
    Request {
        /// The request id.
        id: RequestId,
        /// The method name.
        method: Cow<'a, str>,
        /// The raw parameters, if any.
        params: Option<&'a RawValue>,
    },
    /// A notification: no id, no response.
    Notification {
        /// The method name.
        method: Cow<'a, str>,
        /// The raw parameters, if any.
        params: Option<&'a RawValue>,
    },
    /// A response to a request this side sent.
    Response {
        /// The id of the request being answered.
        id: RequestId,
        /// The result, or the error.
        outcome: Result<&'a RawValue, RpcError>,
    },
}

/// Why an incoming message could not be decoded, with the id to answer to when one was found.
#[derive(Debug)]
#[non_exhaustive]
pub struct DecodeError {
    /// The id of the offending request, when it could be read.
    pub id: Option<RequestId>,
    /// The error to send back.
    pub error: RpcError,
}

/// `id`, `result` and `error` are read as present even when `null` (which `Option` alone
/// would take for absent): a request with a null id is invalid, not a notification, and a
/// response with a null result is a response.
#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(default, borrow, deserialize_with = "crate::protocol::borrow_str")]
    jsonrpc: Option<Cow<'a, str>>,
    #[serde(default, deserialize_with = "present")]
    id: Option<Value>,
    #[serde(default, borrow, deserialize_with = "crate::protocol::borrow_str")]
    method: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    params: Option<&'a RawValue>,
    #[serde(default, borrow, deserialize_with = "present")]
    result: Option<&'a RawValue>,
    #[serde(default, deserialize_with = "present")]
    error: Option<Value>,
}

/// Deserializes an optional string that borrows from the input when it has no escapes.
///
/// `#[serde(borrow)]` borrows a `Cow<'a, str>` field, but not one inside an `Option`: serde
/// gives that one an owned `String` every time. Fields read on every request use this
/// instead: `#[serde(default, borrow, deserialize_with = "crate::protocol::borrow_str")]`.
pub(crate) fn borrow_str<'de, D>(deserializer: D) -> Result<Option<Cow<'de, str>>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    struct Text;
    impl<'de> serde::de::Visitor<'de> for Text {
        type Value = Cow<'de, str>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a string")
        }
        fn visit_borrowed_str<E: serde::de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
            Ok(Cow::Borrowed(v))
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(Cow::Owned(v.to_owned()))
        }
        fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Self::Value, E> {
            Ok(Cow::Owned(v))
        }
    }
    struct Optional;
    impl<'de> serde::de::Visitor<'de> for Optional {
        type Value = Option<Cow<'de, str>>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a string or null")
        }
        fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_str(Text).map(Some)
        }
    }
    deserializer.deserialize_option(Optional)
}

fn present<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(deserializer).map(Some)
}

impl<'a> Incoming<'a> {
    /// Decodes one message.
    ///
    /// ```
    /// use mcp_runtime::protocol::{Incoming, code};
    ///
    /// let msg = Incoming::decode(br#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#).unwrap();
    /// assert!(matches!(msg, Incoming::Request { .. }));
    ///
    /// let err = Incoming::decode(b"{not json").unwrap_err();
    /// assert_eq!(err.error.code, code::PARSE_ERROR);
    /// ```
    ///
    /// (Every message passes here: one parse into a borrowed envelope, then checks in the
    /// order the specification gives its error cases, kept together in one function.)
    pub fn decode(bytes: &'a [u8]) -> Result<Incoming<'a>, DecodeError> {
        let envelope: Envelope<'a> = match serde_json::from_slice(bytes) {
            Ok(envelope) => envelope,
            Err(e) if e.is_data() => {
                // Valid JSON of the wrong shape (an array, a number, a field of the wrong type).
                let detail = match serde_json::from_slice::<IgnoredAny>(bytes) {
                    Ok(_) if bytes.trim_ascii_start().first() == Some(&b'[') => {
                        "batches are not supported; send one JSON-RPC message per line".to_owned()
                    }
                    _ => format!("expected a JSON-RPC 2.0 message object ({e})"),
                };
                return Err(DecodeError {
                    id: None,
                    error: RpcError::invalid_request(detail),
                });
            }
            Err(e) => {
                return Err(DecodeError {
                    id: None,
                    error: RpcError::parse_error(e),
                })
            }
        };
        let id = match envelope.id {
            None => None,
            Some(Value::Number(n)) if n.as_i64().is_some() => n.as_i64().map(RequestId::Number),
            Some(Value::String(s)) => Some(RequestId::String(s)),
            Some(Value::Null) => {
                return Err(DecodeError {
                    id: None,
                    error: RpcError::invalid_request(
                        "`id` must be a string or an integer, not null",
                    ),
                })
            }
            Some(other) => {
                return Err(DecodeError {
                    id: None,
                    error: RpcError::invalid_request(format!(
                        "`id` must be a string or an integer, got {other}"
                    )),
                })
            }
        };
        if envelope.jsonrpc.as_deref() != Some("2.0") {
            return Err(DecodeError {
                id,
                error: RpcError::invalid_request("`jsonrpc` must be \"2.0\""),
            });
        }
        match (envelope.method, id) {
            (Some(method), Some(id)) => Ok(Incoming::Request {
                id,
                method,
                params: envelope.params,
            }),
            (Some(method), None) => Ok(Incoming::Notification {
                method,
                params: envelope.params,
            }),
            (None, Some(id)) => {
                let outcome = match (envelope.result, envelope.error) {
                    (Some(result), None) => Ok(result),
                    (None, Some(error)) => Err(serde_json::from_value(error).unwrap_or_else(|e| {
                        RpcError::invalid_request(format!("the peer's error is malformed ({e})"))
                    })),
                    _ => {
                        return Err(DecodeError {
                            id: Some(id),
                            error: RpcError::invalid_request(
                                "a message without `method` must be a response with exactly one of `result` or `error`",
                            ),
                        })
                    }
                };
                Ok(Incoming::Response { id, outcome })
            }
            (None, None) => Err(DecodeError {
                id: None,
                error: RpcError::invalid_request("missing `method`"),
            }),
        }
    }
}

/// Encodes a successful response: `{"jsonrpc":"2.0","id":…,"result":…}`.
pub fn encode_result<T: Serialize + ?Sized>(id: &RequestId, result: &T) -> Vec<u8> {
    #[derive(Serialize)]
    struct Response<'a, T: ?Sized> {
        jsonrpc: &'static str,
        id: &'a RequestId,
        result: &'a T,
    }
    encode(&Response {
        jsonrpc: "2.0",
        id,
        result,
    })
}

/// Encodes an error response; `id` is `null` when the request's id could not be read.
pub fn encode_error(id: Option<&RequestId>, error: &RpcError) -> Vec<u8> {
    #[derive(Serialize)]
    struct Response<'a> {
        jsonrpc: &'static str,
        id: Option<&'a RequestId>,
        error: &'a RpcError,
    }
    encode(&Response {
        jsonrpc: "2.0",
        id,
        error,
    })
}

/// Encodes a notification: `{"jsonrpc":"2.0","method":…,"params":…}`.
pub fn encode_notification<T: Serialize + ?Sized>(method: &str, params: &T) -> Vec<u8> {
    #[derive(Serialize)]
    struct Notification<'a, T: ?Sized> {
        jsonrpc: &'static str,
        method: &'a str,
        params: &'a T,
    }
    encode(&Notification {
        jsonrpc: "2.0",
        method,
        params,
    })
}

/// Encodes a request sent by this side.
pub fn encode_request<T: Serialize + ?Sized>(id: &RequestId, method: &str, params: &T) -> Vec<u8> {
    #[derive(Serialize)]
    struct Request<'a, T: ?Sized> {
        jsonrpc: &'static str,
        id: &'a RequestId,
        method: &'a str,
        params: &'a T,
    }
    encode(&Request {
        jsonrpc: "2.0",
        id,
        method,
        params,
    })
}

fn encode<T: Serialize>(message: &T) -> Vec<u8> {
    let mut out = Vec::with_capacity(128);
    // Serialising these types cannot fail: every map key is a string and no value errors.
    serde_json::to_writer(&mut out, message).expect("JSON-RPC messages always serialise");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_err(bytes: &[u8]) -> DecodeError {
        Incoming::decode(bytes).unwrap_err()
    }

    #[test]
    fn requests_notifications_and_responses_are_told_apart() {
        let req = Incoming::decode(br#"{"jsonrpc":"2.0","id":"a","method":"m","params":{"x":1}}"#)
            .unwrap();
        match req {
            Incoming::Request { id, method, params } => {
                assert_eq!(id, RequestId::from("a"));
                assert_eq!(method, "m");
                assert_eq!(params.unwrap().get(), r#"{"x":1}"#);
            }
            other => panic!("expected a request, got {other:?}"),
        }
        let note = Incoming::decode(br#"{"jsonrpc":"2.0","method":"n"}"#).unwrap();
        assert!(matches!(note, Incoming::Notification { .. }));
        let resp = Incoming::decode(br#"{"jsonrpc":"2.0","id":7,"result":{}}"#).unwrap();
        assert!(matches!(
            resp,
            Incoming::Response {
                id: RequestId::Number(7),
                outcome: Ok(_)
            }
        ));
    }

    #[test]
    fn the_method_borrows_from_the_message_unless_escaped() {
        let plain = Incoming::decode(br#"{"jsonrpc":"2.0","id":1,"method":"tools/call"}"#);
        assert!(matches!(
            plain,
            Ok(Incoming::Request {
                method: Cow::Borrowed("tools/call"),
                ..
            })
        ));
        let escaped = Incoming::decode(br#"{"jsonrpc":"2.0","id":1,"method":"tools\/call"}"#);
        assert!(matches!(
            escaped,
            Ok(Incoming::Request { method: Cow::Owned(ref m), .. }) if m == "tools/call"
        ));
        let null = Incoming::decode(br#"{"jsonrpc":"2.0","id":1,"method":null}"#).unwrap_err();
        assert_eq!(null.error.code, code::INVALID_REQUEST);
    }

    #[test]
    fn malformed_json_is_a_parse_error() {
        assert_eq!(decode_err(b"{\"jsonrpc\":").error.code, code::PARSE_ERROR);
        assert_eq!(decode_err(b"").error.code, code::PARSE_ERROR);
    }

    #[test]
    fn wrong_shapes_are_invalid_requests() {
        for bytes in [
            &b"[1,2]"[..],
            b"42",
            br#"{"jsonrpc":"1.0","id":1,"method":"x"}"#,
            br#"{"id":1,"method":"x"}"#,
            br#"{"jsonrpc":"2.0","id":{},"method":"x"}"#,
            br#"{"jsonrpc":"2.0","id":1.5,"method":"x"}"#,
            br#"{"jsonrpc":"2.0","method":7}"#,
            br#"{"jsonrpc":"2.0"}"#,
        ] {
            let err = decode_err(bytes);
            assert_eq!(
                err.error.code,
                code::INVALID_REQUEST,
                "{}",
                String::from_utf8_lossy(bytes)
            );
        }
    }

    #[test]
    fn a_wrong_version_keeps_the_id_for_the_answer() {
        let err = decode_err(br#"{"jsonrpc":"1.0","id":9,"method":"x"}"#);
        assert_eq!(err.id, Some(RequestId::Number(9)));
    }

    #[test]
    fn encoders_produce_json_rpc_envelopes() {
        let id = RequestId::Number(3);
        let ok: Value =
            serde_json::from_slice(&encode_result(&id, &serde_json::json!({"a": 1}))).unwrap();
        assert_eq!(
            ok,
            serde_json::json!({"jsonrpc": "2.0", "id": 3, "result": {"a": 1}})
        );
        let err: Value =
            serde_json::from_slice(&encode_error(None, &RpcError::method_not_found("x"))).unwrap();
        assert_eq!(err["id"], Value::Null);
        assert_eq!(err["error"]["code"], -32601);
    }
}
