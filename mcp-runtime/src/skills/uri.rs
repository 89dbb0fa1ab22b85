//! Names and URIs of the skill namespace: the naming rules of skills, the segments of a
//! skill path, and the percent-encoding of file paths into `skill://` URIs.

use std::fmt::Write;

/// The rule a skill name must follow, for error messages.
pub(super) const NAME_RULE: &str =
    "1 to 64 characters from `a-z`, `0-9` and `-`, with no leading, trailing or doubled `-`";

/// True when `name` follows the Agent Skills naming rules.
pub(super) fn is_valid_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !name.starts_with('-')
        && !name.ends_with('-')
        && !name.contains("--")
}

/// True when `segment` may be a segment of a skill path's prefix: characters a URI carries
/// as they are, so that the first segment is also a valid authority.
pub(super) fn is_valid_prefix_segment(segment: &str) -> bool {
    !segment.is_empty() && segment != "." && segment != ".." && segment.bytes().all(is_unreserved)
}

fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

/// One path segment as it appears in a URI: percent-encoded but for unreserved characters
/// and the sub-delimiters, `:` and `@` that a path segment may hold.
pub(super) fn encode_segment(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for b in segment.bytes() {
        if is_unreserved(b) || b"!$&'()*+,;=:@".contains(&b) {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// Checks a file path relative to its skill (`references/FORMS.md`): `/`-separated, with
/// no empty, `.` or `..` segment.
pub(super) fn check_relative_path(path: &str) -> Result<(), String> {
    if path.is_empty() {
        return Err("a file path must not be empty".into());
    }
    if path.contains('\\') {
        return Err(format!(
            "the file path `{path}` must use `/` as its separator"
        ));
    }
    for segment in path.split('/') {
        if segment.is_empty() || segment == "." || segment == ".." {
            return Err(format!(
                "the file path `{path}` must be relative to the skill's root, with no empty, `.` or `..` segment"
            ));
        }
    }
    Ok(())
}

/// The URI of `path` (relative, `/`-separated) in the skill at `skill_path`.
pub(super) fn file_uri(skill_path: &str, path: &str) -> String {
    let mut uri = format!("skill://{skill_path}");
    for segment in path.split('/') {
        uri.push('/');
        uri.push_str(&encode_segment(segment));
    }
    uri
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_agent_skills_rules() {
        for good in ["a", "pdf-processing", "x1-2", &"a".repeat(64)] {
            assert!(is_valid_name(good), "{good}");
        }
        for bad in ["", "-a", "a-", "a--b", "PDF", "a_b", "a.b", &"a".repeat(65)] {
            assert!(!is_valid_name(bad), "{bad}");
        }
    }

    #[test]
    fn segments_are_percent_encoded() {
        assert_eq!(encode_segment("FORMS.md"), "FORMS.md");
        assert_eq!(encode_segment("my notes{1}.md"), "my%20notes%7B1%7D.md");
        assert_eq!(encode_segment("é"), "%C3%A9");
        assert_eq!(
            file_uri("acme/refunds", "examples/a b.md"),
            "skill://acme/refunds/examples/a%20b.md"
        );
    }

    #[test]
    fn relative_paths_stay_inside() {
        assert!(check_relative_path("references/FORMS.md").is_ok());
        for bad in ["", "/etc/passwd", "a//b", "../x", "a/./b", "a\\b", "a/"] {
            assert!(check_relative_path(bad).is_err(), "{bad}");
        }
    }
}
