//! URI templates of RFC 6570 level 1: literal text and `{name}` expressions, with names of
//! ASCII letters, digits and `_`. Two variables always have literal text between them, so
//! that a URI splits into their values in one way. That is all a family of resources needs
//! (`accounts://{id}`, `file:///{path}/meta`), and all the runtime matches.

use std::fmt;

/// One piece of a template, borrowed from its source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part<'a> {
    /// Text matched as it is.
    Literal(&'a str),
    /// `{name}`: the name, without braces.
    Variable(&'a str),
}

/// Why a string is not a template of this kind, with the offending text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Error<'a> {
    /// A `}` with no `{` before it.
    UnmatchedClose,
    /// A `{` never closed; `rest` is the text from that `{` on.
    Unclosed {
        /// The template from the unclosed `{` to its end.
        rest: &'a str,
    },
    /// `{}`.
    EmptyName,
    /// `{+path}`, `{a,b}`, `{a b}`: an expression of a higher level, or a name with other
    /// characters. `name` is what stands between the braces.
    Unsupported {
        /// The text between the braces.
        name: &'a str,
    },
    /// `{a}{b}`: two variables with nothing between them.
    Adjacent {
        /// The first variable's name.
        before: &'a str,
        /// The second variable's name.
        after: &'a str,
    },
}

impl fmt::Display for Error<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::UnmatchedClose => f.write_str("a `}` has no `{`"),
            Error::Unclosed { rest } => write!(f, "the `{{` of `{rest}` is not closed"),
            Error::EmptyName => f.write_str("`{}` names no variable"),
            Error::Unsupported { name } => write!(
                f,
                "`{{{name}}}` is not a simple `{{name}}` expression with a name of ASCII letters, digits and `_`"
            ),
            Error::Adjacent { before, after } => write!(
                f,
                "`{{{before}}}{{{after}}}` has two variables with nothing between them"
            ),
        }
    }
}

impl std::error::Error for Error<'_> {}

/// Splits `source` into literals and variables, in order; a literal is never empty.
///
/// ```
/// use mcp_rules::uri_template::{parse, Part};
///
/// assert_eq!(
///     parse("files://{dir}/{name}.txt"),
///     Ok(vec![
///         Part::Literal("files://"),
///         Part::Variable("dir"),
///         Part::Literal("/"),
///         Part::Variable("name"),
///         Part::Literal(".txt"),
///     ])
/// );
/// ```
pub fn parse(source: &str) -> Result<Vec<Part<'_>>, Error<'_>> {
    let mut parts = Vec::new();
    let mut rest = source;
    while let Some(open) = rest.find('{') {
        if rest[..open].contains('}') {
            return Err(Error::UnmatchedClose);
        }
        if open > 0 {
            parts.push(Part::Literal(&rest[..open]));
        }
        let Some(close) = rest[open..].find('}').map(|at| at + open) else {
            return Err(Error::Unclosed {
                rest: &rest[open..],
            });
        };
        let name = &rest[open + 1..close];
        if name.is_empty() {
            return Err(Error::EmptyName);
        }
        if !name.bytes().all(is_name_byte) {
            return Err(Error::Unsupported { name });
        }
        if let Some(Part::Variable(before)) = parts.last() {
            return Err(Error::Adjacent {
                before,
                after: name,
            });
        }
        parts.push(Part::Variable(name));
        rest = &rest[close + 1..];
    }
    if rest.contains('}') {
        return Err(Error::UnmatchedClose);
    }
    if !rest.is_empty() {
        parts.push(Part::Literal(rest));
    }
    Ok(parts)
}

/// True for a byte a variable name may contain.
pub fn is_name_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_'
}

/// The names of the variables of `parts`, in order.
pub fn variables<'a, 'p>(parts: &'p [Part<'a>]) -> impl Iterator<Item = &'a str> + 'p {
    parts.iter().filter_map(|part| match part {
        Part::Variable(name) => Some(*name),
        Part::Literal(_) => None,
    })
}

/// The first variable that appears a second time. A template may repeat a variable, but a
/// resource function cannot bind one parameter twice, so the macros refuse it.
pub fn repeated_variable<'a>(parts: &[Part<'a>]) -> Option<&'a str> {
    let names: Vec<&str> = variables(parts).collect();
    names
        .iter()
        .enumerate()
        .find(|&(i, name)| names[..i].contains(name))
        .map(|(_, name)| *name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(source: &str) -> Vec<&str> {
        variables(&parse(source).unwrap()).collect()
    }

    #[test]
    fn fixed_uris_and_templates() {
        assert_eq!(
            parse("test://static-text"),
            Ok(vec![Part::Literal("test://static-text")])
        );
        assert_eq!(names("accounts://{id}"), ["id"]);
        assert_eq!(names("files://{dir}/{name}.txt"), ["dir", "name"]);
        assert_eq!(names("file:///{path}/meta"), ["path"]);
        assert_eq!(names("{a}-{b}"), ["a", "b"]);
        assert_eq!(parse(""), Ok(vec![]));
    }

    #[test]
    fn what_is_not_level_one_is_refused_with_the_offending_text() {
        assert_eq!(parse("x://close}"), Err(Error::UnmatchedClose));
        assert_eq!(parse("x://a}/{b}"), Err(Error::UnmatchedClose));
        assert_eq!(parse("x://{a}/b}"), Err(Error::UnmatchedClose));
        assert_eq!(parse("x://{open"), Err(Error::Unclosed { rest: "{open" }));
        assert_eq!(parse("x://{}"), Err(Error::EmptyName));
        assert_eq!(
            parse("x://{+path}"),
            Err(Error::Unsupported { name: "+path" })
        );
        assert_eq!(parse("x://{a{b}"), Err(Error::Unsupported { name: "a{b" }));
        assert_eq!(parse("x://{é}"), Err(Error::Unsupported { name: "é" }));
        assert_eq!(
            parse("x://{a}{b}"),
            Err(Error::Adjacent {
                before: "a",
                after: "b"
            })
        );
    }

    #[test]
    fn errors_say_what_is_wrong() {
        let message = |source| parse(source).unwrap_err().to_string();
        assert_eq!(
            message("x://{a}{b}"),
            "`{a}{b}` has two variables with nothing between them"
        );
        assert_eq!(message("x://{open"), "the `{` of `{open` is not closed");
    }

    #[test]
    fn repeated_variables_are_found() {
        let parts = parse("x://{a}/{b}/{a}").unwrap();
        assert_eq!(repeated_variable(&parts), Some("a"));
        assert_eq!(repeated_variable(&parse("x://{a}/{b}").unwrap()), None);
    }
}
