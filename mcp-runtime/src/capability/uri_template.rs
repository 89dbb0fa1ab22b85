//! RFC 6570 URI templates of level 1 (`{name}` expressions), enough to name families of
//! resources: `accounts://{id}`, `file:///{path}/meta`. What is a valid template is decided
//! by `mcp-rules`, which the macros check `#[resource]` URIs with too; this module matches
//! URIs against one.

use std::fmt;

use mcp_rules::uri_template::{Error as RuleError, Part as RulePart};

/// A parsed URI template.
///
/// ```
/// use mcp_runtime::capability::UriTemplate;
///
/// let template = UriTemplate::parse("test://template/{id}/data").unwrap();
/// assert_eq!(template.variables().collect::<Vec<_>>(), ["id"]);
/// let bound = template.match_uri("test://template/42/data").unwrap();
/// assert_eq!(bound, [("id".to_owned(), "42".to_owned())]);
/// assert!(template.match_uri("test://template/42/other").is_none());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UriTemplate {
    source: String,
    parts: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Literal(String),
    Variable(String),
}

/// Why a string is not a template this runtime understands.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid URI template `{template}`: {reason}")]
pub struct UriTemplateError {
    template: String,
    reason: String,
}

impl UriTemplate {
    /// Parses a template; `{name}` expressions only, with names of letters, digits and `_`.
    pub fn parse(source: &str) -> Result<UriTemplate, UriTemplateError> {
        let parts = mcp_rules::uri_template::parse(source).map_err(|error| {
            let reason = match error {
                RuleError::UnmatchedClose => "a `}` has no `{`",
                RuleError::Unclosed { .. } => "a `{` is not closed",
                RuleError::EmptyName | RuleError::Unsupported { .. } => {
                    "only simple `{name}` expressions are supported"
                }
                RuleError::Adjacent { .. } => "two variables must be separated by literal text",
            };
            UriTemplateError {
                template: source.to_owned(),
                reason: reason.to_owned(),
            }
        })?;
        let parts = parts
            .into_iter()
            .map(|part| match part {
                RulePart::Literal(text) => Part::Literal(text.to_owned()),
                RulePart::Variable(name) => Part::Variable(name.to_owned()),
            })
            .collect();
        Ok(UriTemplate {
            source: source.to_owned(),
            parts,
        })
    }

    /// The template as written.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// The names of its variables, in order.
    pub fn variables(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().filter_map(|p| match p {
            Part::Variable(name) => Some(name.as_str()),
            Part::Literal(_) => None,
        })
    }

    /// True when the template has no variables (it names one resource).
    pub fn is_fixed(&self) -> bool {
        self.variables().next().is_none()
    }

    /// The variables' values if `uri` is an instance of this template.
    ///
    /// A raw value is non-empty and has no `/`; it is then percent-decoded, so a value can
    /// contain any character, `/` included (from `%2F`): validate values before using them
    /// as paths or in queries.
    pub fn match_uri(&self, uri: &str) -> Option<Vec<(String, String)>> {
        let mut bound = Vec::new();
        match_parts(&self.parts, uri, &mut bound).then_some(bound)
    }
}

/// Matches `parts` against all of `rest`, trying every place a variable could end.
fn match_parts(parts: &[Part], rest: &str, bound: &mut Vec<(String, String)>) -> bool {
    match parts.split_first() {
        None => rest.is_empty(),
        Some((Part::Literal(text), tail)) => match rest.strip_prefix(text.as_str()) {
            Some(rest) => match_parts(tail, rest, bound),
            None => false,
        },
        Some((Part::Variable(name), tail)) => {
            let limit = rest.find('/').unwrap_or(rest.len());
            let ends: Vec<usize> = match tail.first() {
                Some(Part::Literal(next)) => rest
                    .match_indices(next.as_str())
                    .map(|(at, _)| at)
                    .take_while(|&at| at <= limit)
                    .collect(),
                _ => vec![rest.len()],
            };
            for end in ends {
                let raw = &rest[..end];
                if raw.is_empty() || raw.contains('/') {
                    continue;
                }
                let Some(value) = percent_decode(raw) else {
                    continue;
                };
                bound.push((name.clone(), value));
                if match_parts(tail, &rest[end..], bound) {
                    return true;
                }
                bound.pop();
            }
            false
        }
    }
}

impl fmt::Display for UriTemplate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_uris_match_only_themselves() {
        let t = UriTemplate::parse("test://static-text").unwrap();
        assert!(t.is_fixed());
        assert_eq!(t.match_uri("test://static-text"), Some(vec![]));
        assert_eq!(t.match_uri("test://static-text2"), None);
    }

    #[test]
    fn variables_bind_between_literals() {
        let t = UriTemplate::parse("files://{dir}/{name}.txt").unwrap();
        assert_eq!(
            t.match_uri("files://docs/read%20me.txt"),
            Some(vec![
                ("dir".into(), "docs".into()),
                ("name".into(), "read me".into())
            ])
        );
        assert_eq!(
            t.match_uri("files://a/b/c.txt"),
            None,
            "values never span a slash"
        );
        assert_eq!(t.match_uri("files:///c.txt"), None, "values are not empty");
        let tail = UriTemplate::parse("accounts://{id}").unwrap();
        assert_eq!(
            tail.match_uri("accounts://7"),
            Some(vec![("id".into(), "7".into())])
        );
    }

    #[test]
    fn a_value_may_contain_the_literal_that_follows_it() {
        let t = UriTemplate::parse("test://files/{name}.txt").unwrap();
        assert_eq!(
            t.match_uri("test://files/notes.txt.txt"),
            Some(vec![("name".into(), "notes.txt".into())])
        );
        let t = UriTemplate::parse("x://{a}-{b}").unwrap();
        assert_eq!(
            t.match_uri("x://p-q-r"),
            Some(vec![("a".into(), "p".into()), ("b".into(), "q-r".into())])
        );
    }

    #[test]
    fn unsupported_templates_are_rejected() {
        for bad in [
            "x://{+path}",
            "x://{a}{b}",
            "x://{open",
            "x://close}",
            "x://{}",
        ] {
            assert!(UriTemplate::parse(bad).is_err(), "{bad}");
        }
    }
}
