//! The request metadata headers (`MCP-Protocol-Version`, `Mcp-Method`, `Mcp-Name`,
//! `Mcp-Param-*`), checked against the body they mirror: required in the modern era, and
//! checked whenever present in the legacy one.

use std::borrow::Cow;

use axum::http::HeaderMap;
use base64::Engine;
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::protocol::{code, Era, ProtocolVersion, RpcError};

pub(crate) const PROTOCOL_VERSION: &str = "mcp-protocol-version";
pub(crate) const METHOD: &str = "mcp-method";
pub(crate) const NAME: &str = "mcp-name";
pub(crate) const SESSION_ID: &str = "mcp-session-id";
pub(crate) const LAST_EVENT_ID: &str = "last-event-id";

/// The fields of `params` that headers mirror.
#[derive(Deserialize, Default)]
pub(crate) struct ParamsHead<'a> {
    #[serde(rename = "_meta", default)]
    meta: Option<MetaHead<'a>>,
    #[serde(default, borrow, deserialize_with = "crate::protocol::borrow_str")]
    name: Option<Cow<'a, str>>,
    #[serde(default, borrow, deserialize_with = "crate::protocol::borrow_str")]
    uri: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    arguments: Option<&'a RawValue>,
    #[serde(
        rename = "taskId",
        default,
        borrow,
        deserialize_with = "crate::protocol::borrow_str"
    )]
    task_id: Option<Cow<'a, str>>,
}

#[derive(Deserialize, Default)]
struct MetaHead<'a> {
    #[serde(
        rename = "io.modelcontextprotocol/protocolVersion",
        default,
        borrow,
        deserialize_with = "crate::protocol::borrow_str"
    )]
    protocol_version: Option<Cow<'a, str>>,
    #[serde(rename = "io.modelcontextprotocol/clientCapabilities", default)]
    client_capabilities: Option<serde::de::IgnoredAny>,
}

impl<'a> ParamsHead<'a> {
    pub(crate) fn read(params: Option<&'a RawValue>) -> ParamsHead<'a> {
        // Malformed params are the dispatcher's to report, with the right error.
        params
            .and_then(|p| serde_json::from_str(p.get()).ok())
            .unwrap_or_default()
    }

    pub(crate) fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    pub(crate) fn protocol_version(&self) -> Option<&str> {
        self.meta.as_ref()?.protocol_version.as_deref()
    }

    fn has_client_capabilities(&self) -> bool {
        self.meta
            .as_ref()
            .is_some_and(|m| m.client_capabilities.is_some())
    }
}

/// True when a request belongs to the modern era: it carries no session and declares a
/// modern version in its header or its body. Everything else is legacy (a session, or
/// neither a body version nor a non-legacy header).
pub(crate) fn is_modern(headers: &HeaderMap, params: &ParamsHead<'_>) -> bool {
    if headers.contains_key(SESSION_ID) {
        return false;
    }
    if params.protocol_version().is_some() {
        return true;
    }
    match headers
        .get(PROTOCOL_VERSION)
        .map(|v| v.to_str().unwrap_or("").trim())
    {
        None => false,
        Some(version) => !ProtocolVersion::parse(version).is_some_and(|v| v.era() == Era::Legacy),
    }
}

/// The value of a header as text, without surrounding white space; `Err` for a value that
/// is not visible ASCII.
pub(crate) fn text<'h>(headers: &'h HeaderMap, name: &str) -> Result<Option<&'h str>, RpcError> {
    match headers.get(name) {
        None => Ok(None),
        Some(value) => value
            .to_str()
            .map(|v| Some(v.trim_matches([' ', '\t'])))
            .map_err(|_| mismatch(format!("the {name} header has invalid characters"))),
    }
}

/// Validates a modern request's headers against its body, in the order the specification
/// implies: required body metadata, then the version header, then the version itself, then
/// the method and name headers.
pub(crate) fn validate_modern(
    headers: &HeaderMap,
    method: &str,
    params: &ParamsHead<'_>,
) -> Result<(), RpcError> {
    let Some(body_version) = params.protocol_version() else {
        return Err(RpcError::invalid_params(
            "missing `_meta.io.modelcontextprotocol/protocolVersion` (required on every 2026-07-28 request)",
        ));
    };
    if !params.has_client_capabilities() {
        return Err(RpcError::invalid_params(
            "missing `_meta.io.modelcontextprotocol/clientCapabilities` (required on every 2026-07-28 request; send `{}` for none)",
        ));
    }
    let Some(version) = text(headers, PROTOCOL_VERSION)? else {
        return Err(mismatch("missing the MCP-Protocol-Version header"));
    };
    if body_version != version {
        return Err(mismatch(format!(
            "MCP-Protocol-Version header value '{version}' does not match body value '{body_version}'"
        )));
    }
    if ProtocolVersion::parse(version) != Some(ProtocolVersion::LATEST) {
        return Err(crate::server::unsupported_version(version));
    }
    match text(headers, METHOD)? {
        None => return Err(mismatch("missing the Mcp-Method header")),
        Some(header) if header != method => {
            return Err(mismatch(format!(
                "Mcp-Method header value '{header}' does not match body value '{method}'"
            )))
        }
        Some(_) => {}
    }
    validate_name(headers, method, params, true)
}

/// Validates the metadata headers a request of any era carries against its body. A legacy
/// client need not send `Mcp-Method`, `Mcp-Name` or `Mcp-Param-*`, but any it sends must
/// match the body: intermediaries route and authorise on them.
pub(crate) fn validate_present(
    headers: &HeaderMap,
    method: &str,
    params: &ParamsHead<'_>,
    mirrored: &[crate::capability::HeaderParam],
) -> Result<(), RpcError> {
    if let Some(header) = text(headers, METHOD)? {
        if header != method {
            return Err(mismatch(format!(
                "Mcp-Method header value '{header}' does not match body value '{method}'"
            )));
        }
    }
    validate_name(headers, method, params, false)?;
    validate_params(headers, params, mirrored, false)
}

/// Checks `Mcp-Name` against the name (or URI) in the body; a missing header is a mismatch
/// only when `required`.
fn validate_name(
    headers: &HeaderMap,
    method: &str,
    params: &ParamsHead<'_>,
    required: bool,
) -> Result<(), RpcError> {
    let named = match method {
        "tools/call" | "prompts/get" => params.name.as_deref(),
        "resources/read" => params.uri.as_deref(),
        // The tasks extension routes on the task's id.
        "tasks/get" | "tasks/update" | "tasks/cancel" => params.task_id.as_deref(),
        _ => return Ok(()),
    };
    let header = match text(headers, NAME)? {
        Some(header) => header,
        None if required => return Err(mismatch("missing the Mcp-Name header")),
        None => return Ok(()),
    };
    let header = decode_value(header)
        .ok_or_else(|| mismatch("the Mcp-Name header has an invalid Base64 value"))?;
    match named {
        Some(body) if body == header => Ok(()),
        Some(body) => Err(mismatch(format!(
            "Mcp-Name header value '{header}' does not match body value '{body}'"
        ))),
        // A body without the name is invalid params; the dispatcher says so.
        None => Ok(()),
    }
}

/// Checks the `Mcp-Param-*` headers of a `tools/call` against the arguments they mirror:
/// each header must carry its argument's value (Base64 sentinel form decoded first), and a
/// header without its argument is a mismatch. When `required`, each annotated argument
/// present in the body needs its header too.
pub(crate) fn validate_params(
    headers: &HeaderMap,
    params: &ParamsHead<'_>,
    mirrored: &[crate::capability::HeaderParam],
    required: bool,
) -> Result<(), RpcError> {
    if mirrored.is_empty() {
        return Ok(());
    }
    let arguments: serde_json::Value = params
        .arguments
        .and_then(|raw| serde_json::from_str(raw.get()).ok())
        .unwrap_or_default();
    for param in mirrored {
        let header_name = format!("mcp-param-{}", param.name.to_ascii_lowercase());
        let display = format!("Mcp-Param-{}", param.name);
        let body = param
            .path
            .iter()
            .try_fold(&arguments, |value, key| value.get(key));
        let body = match body {
            None | Some(serde_json::Value::Null) => None,
            Some(serde_json::Value::String(text)) => Some(Cow::Borrowed(text.as_str())),
            Some(other) => Some(Cow::Owned(other.to_string())),
        };
        let header = match headers.get(&header_name) {
            None => None,
            Some(value) => {
                let text = value.to_str().map_err(|_| {
                    mismatch(format!("the {display} header has invalid characters"))
                })?;
                Some(decode_value(text).ok_or_else(|| {
                    mismatch(format!("the {display} header has an invalid Base64 value"))
                })?)
            }
        };
        match (body, header) {
            (None, None) => {}
            (Some(_), None) if required => {
                return Err(mismatch(format!("missing the {display} header")))
            }
            (Some(_), None) => {}
            (None, Some(header)) => {
                return Err(mismatch(format!(
                    "{display} header value '{header}' has no matching argument in the body"
                )))
            }
            (Some(body), Some(header)) if body != header => {
                return Err(mismatch(format!(
                    "{display} header value '{header}' does not match body value '{body}'"
                )))
            }
            (Some(_), Some(_)) => {}
        }
    }
    Ok(())
}

/// Decodes the `=?base64?…?=` sentinel form; other values are returned as they are.
pub(crate) fn decode_value(value: &str) -> Option<Cow<'_, str>> {
    match value
        .strip_prefix("=?base64?")
        .and_then(|v| v.strip_suffix("?="))
    {
        None => Some(Cow::Borrowed(value)),
        Some(encoded) => {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(encoded)
                .ok()?;
            String::from_utf8(bytes).ok().map(Cow::Owned)
        }
    }
}

fn mismatch(detail: impl Into<String>) -> RpcError {
    RpcError::new(
        code::HEADER_MISMATCH,
        format!("Header mismatch: {}", detail.into()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    fn params(json: &str) -> ParamsHead<'_> {
        serde_json::from_str(json).unwrap()
    }

    const CALL: &str = r#"{"name":"get_weather","_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}"#;

    #[test]
    fn matching_headers_pass() {
        let h = headers(&[
            (PROTOCOL_VERSION, "2026-07-28"),
            (METHOD, "tools/call"),
            (NAME, "get_weather"),
        ]);
        assert!(validate_modern(&h, "tools/call", &params(CALL)).is_ok());
        let encoded = headers(&[
            (PROTOCOL_VERSION, "2026-07-28"),
            (METHOD, "tools/call"),
            (NAME, "=?base64?Z2V0X3dlYXRoZXI=?="),
        ]);
        assert!(validate_modern(&encoded, "tools/call", &params(CALL)).is_ok());
    }

    #[test]
    fn missing_or_mismatched_headers_are_header_mismatch() {
        let cases = [
            headers(&[(METHOD, "tools/call"), (NAME, "get_weather")]),
            headers(&[(PROTOCOL_VERSION, "2026-07-28"), (NAME, "get_weather")]),
            headers(&[
                (PROTOCOL_VERSION, "2026-07-28"),
                (METHOD, "tools/list"),
                (NAME, "get_weather"),
            ]),
            headers(&[(PROTOCOL_VERSION, "2026-07-28"), (METHOD, "tools/call")]),
            headers(&[
                (PROTOCOL_VERSION, "2026-07-28"),
                (METHOD, "tools/call"),
                (NAME, "other"),
            ]),
        ];
        for h in cases {
            let err = validate_modern(&h, "tools/call", &params(CALL)).unwrap_err();
            assert_eq!(err.code, code::HEADER_MISMATCH, "{h:?}");
        }
    }

    #[test]
    fn unknown_versions_are_unsupported() {
        let body = r#"{"_meta":{"io.modelcontextprotocol/protocolVersion":"1900-01-01","io.modelcontextprotocol/clientCapabilities":{}}}"#;
        let h = headers(&[(PROTOCOL_VERSION, "1900-01-01"), (METHOD, "tools/list")]);
        let err = validate_modern(&h, "tools/list", &params(body)).unwrap_err();
        assert_eq!(err.code, code::UNSUPPORTED_PROTOCOL_VERSION);
        // A header that disagrees with the body is a mismatch before it is a version problem.
        let h = headers(&[(PROTOCOL_VERSION, "2026-07-28"), (METHOD, "tools/list")]);
        let err = validate_modern(&h, "tools/list", &params(body)).unwrap_err();
        assert_eq!(err.code, code::HEADER_MISMATCH);
    }

    #[test]
    fn missing_body_metadata_is_invalid_params() {
        let h = headers(&[
            (PROTOCOL_VERSION, "2026-07-28"),
            (METHOD, "server/discover"),
        ]);
        for body in [
            "{}",
            r#"{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"}}"#,
        ] {
            let err = validate_modern(&h, "server/discover", &params(body)).unwrap_err();
            assert_eq!(err.code, code::INVALID_PARAMS, "{body}");
        }
    }

    #[test]
    fn eras_are_told_apart() {
        let modern = r#"{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"}}"#;
        assert!(is_modern(&headers(&[]), &params(modern)));
        assert!(is_modern(
            &headers(&[(PROTOCOL_VERSION, "2026-07-28")]),
            &params("{}")
        ));
        assert!(is_modern(
            &headers(&[(PROTOCOL_VERSION, "v999")]),
            &params("{}")
        ));
        assert!(!is_modern(&headers(&[]), &params("{}")));
        assert!(!is_modern(
            &headers(&[(PROTOCOL_VERSION, "2025-11-25")]),
            &params(r#"{"_meta":{"progressToken":1}}"#)
        ));
        assert!(!is_modern(
            &headers(&[(SESSION_ID, "abc")]),
            &params(modern)
        ));
    }

    #[test]
    fn the_sentinel_is_decoded() {
        assert_eq!(
            decode_value("=?base64?SGVsbG8sIOS4lueVjA==?=").unwrap(),
            "Hello, 世界"
        );
        assert_eq!(decode_value("plain").unwrap(), "plain");
        assert!(decode_value("=?base64?***?=").is_none());
    }

    #[test]
    fn mirrored_parameters_must_match_their_headers() {
        let mirrored = [crate::capability::HeaderParam {
            name: "Region".into(),
            path: vec!["region".into()],
        }];
        let body = r#"{"name":"q","arguments":{"region":"Hello"}}"#;
        let check = |pairs: &[(&'static str, &str)], body: &str| {
            validate_params(&headers(pairs), &params(body), &mirrored, true)
        };
        assert!(check(&[("mcp-param-region", "Hello")], body).is_ok());
        assert!(check(&[("mcp-param-region", "=?base64?SGVsbG8=?=")], body).is_ok());
        for bad in ["=?base64?SGVsbG8?=", "=?base64?SGVs!!!bG8=?=", "Other"] {
            let error = check(&[("mcp-param-region", bad)], body).unwrap_err();
            assert_eq!(error.code, code::HEADER_MISMATCH, "{bad}");
        }
        let error = check(&[], body).unwrap_err();
        assert!(error
            .message
            .contains("missing the Mcp-Param-Region header"));
        // No argument, no header: nothing to compare.
        assert!(check(&[], r#"{"name":"q","arguments":{}}"#).is_ok());
        let error = check(&[("mcp-param-region", "x")], r#"{"name":"q"}"#).unwrap_err();
        assert_eq!(error.code, code::HEADER_MISMATCH);
    }

    #[test]
    fn headers_a_legacy_request_sends_must_match_too() {
        let mirrored = [crate::capability::HeaderParam {
            name: "Region".into(),
            path: vec!["region".into()],
        }];
        let body = r#"{"name":"q","arguments":{"region":"Hello"}}"#;
        let check = |pairs: &[(&'static str, &str)]| {
            validate_present(&headers(pairs), "tools/call", &params(body), &mirrored)
        };
        // Absent headers are fine: legacy clients need not send them.
        assert!(check(&[]).is_ok());
        assert!(check(&[
            (METHOD, "tools/call"),
            (NAME, "q"),
            ("mcp-param-region", "Hello")
        ])
        .is_ok());
        for lying in [
            [(METHOD, "tools/list")],
            [(NAME, "other")],
            [("mcp-param-region", "Elsewhere")],
        ] {
            let error = check(&lying).unwrap_err();
            assert_eq!(error.code, code::HEADER_MISMATCH, "{lying:?}");
        }
    }
}
