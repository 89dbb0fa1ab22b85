//! The URI of a `#[resource]`, checked at compile time with the rules the runtime's
//! `UriTemplate::parse` applies when the server starts (both from `mcp-rules`): level-1
//! `{name}` expressions, names of ASCII letters, digits and `_`, never two variables in a
//! row, balanced braces. It also requires what every MCP resource URI needs, a scheme, and
//! no whitespace, and, since each variable binds one parameter, no variable twice.

use mcp_rules::uri_template::{self as rules, Error};

/// The variables of a valid URI or URI template, in order; none for a fixed URI.
#[derive(Debug, PartialEq, Eq)]
pub struct UriTemplate {
    pub variables: Vec<String>,
}

/// Parses `source`, or says what is wrong with it and how to write it instead.
pub fn parse(source: &str) -> Result<UriTemplate, String> {
    if let Some(c) = mcp_rules::uri::whitespace(source) {
        return Err(format!(
            "invalid URI `{source}`: a URI cannot contain whitespace ({c:?}); percent-encode it (`%20`)"
        ));
    }
    if mcp_rules::uri::scheme(source).is_none() {
        return Err(format!(
            "invalid URI `{source}`: a resource URI starts with a scheme, such as `notes://` or `file:///`"
        ));
    }
    let parts = rules::parse(source).map_err(|error| message(source, error))?;
    if let Some(name) = rules::repeated_variable(&parts) {
        return Err(format!(
            "invalid URI template `{source}`: the variable `{{{name}}}` appears twice; each variable binds one parameter, so give them different names"
        ));
    }
    Ok(UriTemplate {
        variables: rules::variables(&parts).map(str::to_owned).collect(),
    })
}

/// The compile error for a template the rules refuse, with how to write it instead.
fn message(source: &str, error: Error<'_>) -> String {
    let reason = match error {
        Error::UnmatchedClose => "a `}` has no `{` before it".to_owned(),
        Error::Unclosed { rest } => format!("the `{{` of `{rest}` is not closed; write `{{name}}`"),
        Error::EmptyName => "`{}` names no variable; write `{name}`".to_owned(),
        Error::Unsupported { name } => format!(
            "`{{{name}}}` is not supported; only simple `{{name}}` expressions are (RFC 6570 level 1), with names of ASCII letters, digits and `_`"
        ),
        Error::Adjacent { before, after } => format!(
            "`{{{before}}}{{{after}}}` has two variables with nothing between them, so a URI cannot be split into their values; separate them with literal text, such as `{{{before}}}/{{{after}}}`"
        ),
    };
    format!("invalid URI template `{source}`: {reason}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn variables(source: &str) -> Vec<String> {
        parse(source).unwrap().variables
    }

    #[test]
    fn fixed_uris_and_templates() {
        assert!(variables("test://static-text").is_empty());
        assert_eq!(variables("accounts://{id}"), ["id"]);
        assert_eq!(variables("files://{dir}/{name}.txt"), ["dir", "name"]);
        assert_eq!(variables("file:///{path}/meta"), ["path"]);
    }

    #[test]
    fn what_the_runtime_rejects_is_rejected() {
        // The cases of the runtime's `UriTemplate::parse` tests.
        for bad in [
            "x://{+path}",
            "x://{a}{b}",
            "x://{open",
            "x://close}",
            "x://{}",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn messages_name_the_offending_part() {
        assert!(parse("x://{a}{b}").unwrap_err().contains("`{a}/{b}`"));
        assert!(parse("x://{+path}").unwrap_err().contains("`{+path}`"));
        assert!(parse("x://{a{b}").unwrap_err().contains("`{a{b}`"));
        assert!(parse("x://a}/{b}").unwrap_err().contains("has no `{`"));
        assert!(parse("x://{a}/{a}").unwrap_err().contains("appears twice"));
    }

    #[test]
    fn a_uri_needs_a_scheme_and_no_whitespace() {
        assert!(parse("notes/{id}").unwrap_err().contains("scheme"));
        assert!(parse("{base}://x").unwrap_err().contains("scheme"));
        assert!(parse("notes://my notes")
            .unwrap_err()
            .contains("whitespace"));
    }
}
