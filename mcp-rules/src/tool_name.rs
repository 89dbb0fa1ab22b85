//! Tool names, as the specification restricts them: 1 to 128 characters from `A-Z`, `a-z`,
//! `0-9`, `_`, `-` and `.`. The runtime applies the same rule to prompt names, which
//! clients offer the same way (often as slash commands).

/// The longest name allowed, in bytes (every allowed character is one byte).
pub const MAX_LEN: usize = 128;

/// True when `name` is a valid tool name.
///
/// ```
/// assert!(mcp_rules::tool_name::is_valid("admin.tools.list"));
/// assert!(!mcp_rules::tool_name::is_valid("with space"));
/// ```
pub fn is_valid(name: &str) -> bool {
    (1..=MAX_LEN).contains(&name.len()) && name.bytes().all(is_allowed)
}

/// True for a byte a tool name may contain.
pub fn is_allowed(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'_' | b'-' | b'.')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_specification() {
        let longest = "x".repeat(MAX_LEN);
        for ok in [
            "getUser",
            "DATA_EXPORT_v2",
            "admin.tools.list",
            "a-b",
            &longest,
        ] {
            assert!(is_valid(ok), "{ok}");
        }
        let long = "x".repeat(MAX_LEN + 1);
        for bad in ["", "with space", "comma,", "ünï", "a/b", long.as_str()] {
            assert!(!is_valid(bad), "{bad}");
        }
    }
}
