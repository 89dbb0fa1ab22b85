//! What every resource URI needs besides a valid template: a scheme, and no whitespace
//! (which a URI percent-encodes).

/// The scheme of `uri` when it starts with one (RFC 3986:
/// `ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )`, then `:`).
///
/// ```
/// assert_eq!(mcp_rules::uri::scheme("file:///notes"), Some("file"));
/// assert_eq!(mcp_rules::uri::scheme("notes/{id}"), None);
/// ```
pub fn scheme(uri: &str) -> Option<&str> {
    let (scheme, _) = uri.split_once(':')?;
    let mut chars = scheme.chars();
    let valid = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    valid.then_some(scheme)
}

/// The first whitespace character in `uri`, if any.
pub fn whitespace(uri: &str) -> Option<char> {
    uri.chars().find(|c| c.is_whitespace())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemes() {
        assert_eq!(scheme("notes://today"), Some("notes"));
        assert_eq!(scheme("git+ssh://host"), Some("git+ssh"));
        assert_eq!(scheme("{base}://x"), None);
        assert_eq!(scheme("1x://y"), None);
        assert_eq!(scheme("://y"), None);
        assert_eq!(scheme("notes"), None);
    }

    #[test]
    fn whitespace_is_found() {
        assert_eq!(whitespace("notes://my notes"), Some(' '));
        assert_eq!(whitespace("notes://a\tb"), Some('\t'));
        assert_eq!(whitespace("notes://mine"), None);
    }
}
