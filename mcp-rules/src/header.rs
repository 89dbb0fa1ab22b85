//! HTTP header names. A tool argument mirrored into a header is sent as
//! `Mcp-Param-{name}`, so `{name}` must be a header-name token (RFC 9110, section 5.6.2):
//! one or more of the ASCII letters, digits and ``!#$%&'*+-.^_`|~``. Two parameters of one
//! tool may not use the same name, compared ignoring ASCII case, as HTTP compares them.

/// The prefix of the header that carries a mirrored argument.
pub const PARAM_PREFIX: &str = "Mcp-Param-";

/// True when `name` is an HTTP header-name token.
///
/// ```
/// assert!(mcp_rules::header::is_token("Region"));
/// assert!(!mcp_rules::header::is_token("Region Name"));
/// ```
pub fn is_token(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(is_token_byte)
}

/// True for a byte a token may contain (RFC 9110 `tchar`).
pub fn is_token_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&byte)
}

/// True when two header names are the same header: HTTP compares them ignoring case.
pub fn same_name(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens() {
        for ok in ["Region", "Target-Id", "x", "a.b_c~d|e`f^g'h*i+j!k#l$m%n&o"] {
            assert!(is_token(ok), "{ok}");
        }
        for bad in ["", "A B", "a:b", "a/b", "é", "(x)", "a\"b"] {
            assert!(!is_token(bad), "{bad}");
        }
    }

    #[test]
    fn names_compare_ignoring_case() {
        assert!(same_name("Region", "rEGION"));
        assert!(!same_name("Region", "Regions"));
    }
}
