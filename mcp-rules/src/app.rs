//! MCP Apps (the `io.modelcontextprotocol/ui` extension): a tool names an HTML view served as
//! a `ui://` resource, and the view declares the origins it reaches, which hosts turn into
//! its Content Security Policy.

/// The extension's identifier, the key under `capabilities.extensions`.
pub const EXTENSION: &str = "io.modelcontextprotocol/ui";

/// The MIME type of an app's HTML view.
pub const MIME_TYPE: &str = "text/html;profile=mcp-app";

/// True when `uri` is a `ui://` URI with something after the scheme.
///
/// ```
/// assert!(mcp_rules::app::is_ui_uri("ui://accounts/history"));
/// assert!(!mcp_rules::app::is_ui_uri("https://example.com/view.html"));
/// assert!(!mcp_rules::app::is_ui_uri("ui://"));
/// ```
pub fn is_ui_uri(uri: &str) -> bool {
    uri.strip_prefix("ui://")
        .is_some_and(|rest| !rest.is_empty() && crate::uri::whitespace(rest).is_none())
}

/// What is wrong with an origin listed in a view's Content Security Policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OriginError {
    /// No `scheme://` in front of the host.
    NoScheme,
    /// A scheme other than `https`, `wss`, `http` and `ws`.
    Scheme(String),
    /// No host after the scheme.
    NoHost,
    /// A path, query or fragment after the host: a policy lists origins only.
    Path,
    /// A `*` anywhere but as the whole first label (`https://*.example.com`).
    Wildcard,
    /// A character that would end or break the policy's directive (whitespace, `;`, `,`,
    /// quotes).
    Character(char),
}

/// Checks one origin of a view's Content Security Policy: `scheme://host[:port]`, the host
/// possibly starting with a `*.` wildcard label.
///
/// ```
/// use mcp_rules::app::{origin, OriginError};
///
/// assert_eq!(origin("https://api.example.com"), Ok(()));
/// assert_eq!(origin("https://*.example.com"), Ok(()));
/// assert_eq!(origin("wss://live.example.com:8443"), Ok(()));
/// assert_eq!(origin("api.example.com"), Err(OriginError::NoScheme));
/// assert_eq!(origin("https://example.com/api"), Err(OriginError::Path));
/// ```
pub fn origin(origin: &str) -> Result<(), OriginError> {
    if let Some(c) = origin
        .chars()
        .find(|&c| c.is_whitespace() || matches!(c, ';' | ',' | '\'' | '"'))
    {
        return Err(OriginError::Character(c));
    }
    let Some((scheme, rest)) = origin.split_once("://") else {
        return Err(OriginError::NoScheme);
    };
    if !matches!(
        scheme.to_ascii_lowercase().as_str(),
        "https" | "wss" | "http" | "ws"
    ) {
        return Err(OriginError::Scheme(scheme.to_owned()));
    }
    let host = rest.strip_suffix('/').unwrap_or(rest);
    if host.contains(['/', '?', '#']) {
        return Err(OriginError::Path);
    }
    let name = host.split(':').next().unwrap_or_default();
    if name.is_empty() {
        return Err(OriginError::NoHost);
    }
    let labels = name.strip_prefix("*.").unwrap_or(name);
    if labels.is_empty() || labels.contains('*') {
        return Err(OriginError::Wildcard);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins() {
        for ok in [
            "https://cdn.jsdelivr.net",
            "https://*.cloudflare.com",
            "http://localhost:3000",
            "wss://realtime.service.com/",
        ] {
            assert_eq!(origin(ok), Ok(()), "{ok}");
        }
        assert_eq!(
            origin("ftp://x.com"),
            Err(OriginError::Scheme("ftp".into()))
        );
        assert_eq!(origin("https://"), Err(OriginError::NoHost));
        assert_eq!(origin("https://a.*.com"), Err(OriginError::Wildcard));
        assert_eq!(origin("https://*."), Err(OriginError::Wildcard));
        assert_eq!(
            origin("https://x.com; script-src *"),
            Err(OriginError::Character(';'))
        );
        assert_eq!(origin("https://x.com?q"), Err(OriginError::Path));
    }
}
