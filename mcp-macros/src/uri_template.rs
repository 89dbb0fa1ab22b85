//! The URI of a `#[resource]`, checked at compile time with the rules the runtime's
//! `UriTemplate::parse` applies when the server starts: level-1 `{name}` expressions, names
//! of ASCII letters, digits and `_`, never two variables in a row, balanced braces. It also
//! requires what every MCP resource URI needs, a scheme, and no whitespace.

/// The variables of a valid URI or URI template, in order; none for a fixed URI.
#[derive(Debug, PartialEq, Eq)]
pub struct UriTemplate {
    pub variables: Vec<String>,
}

/// Parses `source`, or says what is wrong with it and how to write it instead.
pub fn parse(source: &str) -> Result<UriTemplate, String> {
    if let Some(c) = source.chars().find(|c| c.is_whitespace()) {
        return Err(format!(
            "invalid URI `{source}`: a URI cannot contain whitespace ({c:?}); percent-encode it (`%20`)"
        ));
    }
    if !has_scheme(source) {
        return Err(format!(
            "invalid URI `{source}`: a resource URI starts with a scheme, such as `notes://` or `file:///`"
        ));
    }
    let mut variables: Vec<String> = Vec::new();
    let mut previous_was_variable = false;
    let mut rest = source;
    while let Some(open) = rest.find('{') {
        if rest[..open].contains('}') {
            return Err(unmatched_close(source));
        }
        if open > 0 {
            previous_was_variable = false;
        }
        let Some(close) = rest[open..].find('}').map(|at| at + open) else {
            return Err(format!(
                "invalid URI template `{source}`: the `{{` of `{}` is not closed; write `{{name}}`",
                &rest[open..]
            ));
        };
        let name = &rest[open + 1..close];
        if name.is_empty() {
            return Err(format!(
                "invalid URI template `{source}`: `{{}}` names no variable; write `{{name}}`"
            ));
        }
        if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(format!(
                "invalid URI template `{source}`: `{{{name}}}` is not supported; only simple `{{name}}` expressions are (RFC 6570 level 1), with names of ASCII letters, digits and `_`"
            ));
        }
        if previous_was_variable {
            let before = variables.last().map(String::as_str).unwrap_or_default();
            return Err(format!(
                "invalid URI template `{source}`: `{{{before}}}{{{name}}}` has two variables with nothing between them, so a URI cannot be split into their values; separate them with literal text, such as `{{{before}}}/{{{name}}}`"
            ));
        }
        if variables.iter().any(|seen| seen == name) {
            return Err(format!(
                "invalid URI template `{source}`: the variable `{{{name}}}` appears twice; each variable binds one parameter, so give them different names"
            ));
        }
        variables.push(name.to_owned());
        previous_was_variable = true;
        rest = &rest[close + 1..];
    }
    if rest.contains('}') {
        return Err(unmatched_close(source));
    }
    Ok(UriTemplate { variables })
}

fn unmatched_close(source: &str) -> String {
    format!("invalid URI template `{source}`: a `}}` has no `{{` before it")
}

/// RFC 3986: `scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )`, then `:`.
fn has_scheme(source: &str) -> bool {
    let Some((scheme, _)) = source.split_once(':') else {
        return false;
    };
    let mut chars = scheme.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
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
