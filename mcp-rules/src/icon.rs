//! Icons (`icons: [{src, mimeType?, sizes?, theme?}]`, since `2025-11-25`): where the image
//! comes from, what it is, and at which sizes and on which theme it can be shown.
//!
//! An icon's `src` is shown by clients, often without asking anyone: only `https:` and
//! `data:image/...` sources are accepted, never `http:` (readable and changeable on the way),
//! `javascript:`, `file:` or a relative path.

/// What is wrong with an icon's `src`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceError {
    /// It has no scheme: a relative path, which means nothing to a client.
    Relative,
    /// It is `http:`, which anyone on the way can read and change.
    Insecure,
    /// A scheme other than `https` and `data`.
    Scheme(String),
    /// A `data:` URI whose media type is not `image/...`.
    DataNotImage,
    /// It holds whitespace, which a URI percent-encodes.
    Whitespace,
    /// `https://` with no host after it.
    NoHost,
}

/// Checks an icon's `src`: an `https:` URL with a host, or a `data:image/...` URI.
///
/// ```
/// use mcp_rules::icon::{source, SourceError};
///
/// assert_eq!(source("https://example.com/logo.svg"), Ok(()));
/// assert_eq!(source("data:image/png;base64,iVBORw0KGgo="), Ok(()));
/// assert_eq!(source("http://example.com/logo.svg"), Err(SourceError::Insecure));
/// assert_eq!(source("logo.svg"), Err(SourceError::Relative));
/// ```
pub fn source(src: &str) -> Result<(), SourceError> {
    if crate::uri::whitespace(src).is_some() {
        return Err(SourceError::Whitespace);
    }
    let Some(scheme) = crate::uri::scheme(src) else {
        return Err(SourceError::Relative);
    };
    let rest = &src[scheme.len() + 1..];
    match scheme.to_ascii_lowercase().as_str() {
        "https" => {
            let host = rest
                .strip_prefix("//")
                .map(|r| r.split(['/', '?', '#']).next().unwrap_or_default());
            match host {
                Some(host) if !host.is_empty() => Ok(()),
                _ => Err(SourceError::NoHost),
            }
        }
        "data" => {
            let media = rest.split([',', ';']).next().unwrap_or_default();
            if rest.contains(',') && media.to_ascii_lowercase().starts_with("image/") {
                Ok(())
            } else {
                Err(SourceError::DataNotImage)
            }
        }
        "http" => Err(SourceError::Insecure),
        _ => Err(SourceError::Scheme(scheme.to_owned())),
    }
}

/// True when `mime_type` is an image type, `image/` and a subtype (RFC 6838 names), such as
/// `image/png` or `image/svg+xml`.
///
/// ```
/// assert!(mcp_rules::icon::is_image_mime_type("image/svg+xml"));
/// assert!(!mcp_rules::icon::is_image_mime_type("text/html"));
/// ```
pub fn is_image_mime_type(mime_type: &str) -> bool {
    let essence = mime_type.split(';').next().unwrap_or_default().trim();
    let Some((kind, subtype)) = essence.split_once('/') else {
        return false;
    };
    kind.eq_ignore_ascii_case("image")
        && !subtype.is_empty()
        && subtype
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "!#$&^_.+-".contains(c))
}

/// True when `size` is `WxH` in pixels (`48x48`, both more than zero) or `any` (a scalable
/// image).
///
/// ```
/// assert!(mcp_rules::icon::is_size("48x48"));
/// assert!(mcp_rules::icon::is_size("any"));
/// assert!(!mcp_rules::icon::is_size("48"));
/// ```
pub fn is_size(size: &str) -> bool {
    if size == "any" {
        return true;
    }
    let pixels = |s: &str| {
        !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && s.bytes().any(|b| b != b'0')
    };
    size.split_once('x')
        .is_some_and(|(width, height)| pixels(width) && pixels(height))
}

/// The themes an icon can be designed for.
pub const THEMES: [&str; 2] = ["light", "dark"];

/// True when `theme` is `light` or `dark`.
pub fn is_theme(theme: &str) -> bool {
    THEMES.contains(&theme)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources() {
        for ok in [
            "https://example.com/a.png",
            "HTTPS://example.com",
            "data:image/svg+xml;base64,PHN2Zz4=",
            "data:image/png,xyz",
        ] {
            assert_eq!(source(ok), Ok(()), "{ok}");
        }
        assert_eq!(source("http://x.com/a.png"), Err(SourceError::Insecure));
        assert_eq!(
            source("javascript:alert(1)"),
            Err(SourceError::Scheme("javascript".into()))
        );
        assert_eq!(
            source("file:///a.png"),
            Err(SourceError::Scheme("file".into()))
        );
        assert_eq!(source("/icons/a.png"), Err(SourceError::Relative));
        assert_eq!(source("https:///a.png"), Err(SourceError::NoHost));
        assert_eq!(source("https:a.png"), Err(SourceError::NoHost));
        assert_eq!(source("data:text/html,<b>"), Err(SourceError::DataNotImage));
        assert_eq!(source("data:image/png"), Err(SourceError::DataNotImage));
        assert_eq!(
            source("https://x.com/a b.png"),
            Err(SourceError::Whitespace)
        );
    }

    #[test]
    fn mime_types_sizes_and_themes() {
        assert!(is_image_mime_type("image/png"));
        assert!(!is_image_mime_type("image/"));
        assert!(!is_image_mime_type("png"));
        for ok in ["16x16", "512x256", "any"] {
            assert!(is_size(ok), "{ok}");
        }
        for bad in [
            "", "0x0", "48", "48X48", "x48", "48x", "-1x2", "Any", "48 x 48",
        ] {
            assert!(!is_size(bad), "{bad}");
        }
        assert!(is_theme("dark") && is_theme("light") && !is_theme("Dark"));
    }
}
