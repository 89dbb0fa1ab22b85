//! Reading a doc comment: the description, and the `# Arguments` section that documents
//! parameters.

use proc_macro2::Span;
use syn::{Attribute, Expr, ExprLit, Lit, Meta};

pub struct Docs {
    /// The text without the `# Arguments` section; empty when there is no doc comment.
    pub description: String,
    /// Each `* `name` - text` entry of `# Arguments`.
    pub arguments: Vec<DocArgument>,
}

/// One entry of the `# Arguments` section.
pub struct DocArgument {
    pub name: String,
    pub text: String,
    /// The doc line the entry starts on, for errors about it.
    pub span: Span,
}

pub fn parse(attrs: &[Attribute]) -> Docs {
    // Each `///` line is its own `#[doc]` attribute whose string spans the comment line.
    let mut lines: Vec<(String, Span)> = Vec::new();
    for attr in attrs {
        if !attr.path().is_ident("doc") {
            continue;
        }
        if let Meta::NameValue(nv) = &attr.meta {
            if let Expr::Lit(ExprLit {
                lit: Lit::Str(s), ..
            }) = &nv.value
            {
                for line in s.value().lines() {
                    lines.push((line.strip_prefix(' ').unwrap_or(line).to_owned(), s.span()));
                }
            }
        }
    }

    let mut description = Vec::new();
    let mut arguments: Vec<DocArgument> = Vec::new();
    let mut in_arguments = false;
    for (line, span) in lines {
        let trimmed = line.trim();
        if let Some(heading) = trimmed.strip_prefix('#') {
            let heading = heading.trim_start_matches('#').trim();
            in_arguments = heading.eq_ignore_ascii_case("arguments")
                || heading.eq_ignore_ascii_case("parameters");
            if in_arguments {
                continue;
            }
        }
        if !in_arguments {
            description.push(line);
            continue;
        }
        if let Some((name, text)) = argument_line(trimmed) {
            arguments.push(DocArgument { name, text, span });
        } else if !trimmed.is_empty() {
            if let Some(argument) = arguments.last_mut() {
                argument.text.push(' ');
                argument.text.push_str(trimmed);
            }
        }
    }
    Docs {
        description: description.join("\n").trim().to_owned(),
        arguments,
    }
}

/// `* `name` - text`, `- `name`: text`, `* name - text`.
fn argument_line(line: &str) -> Option<(String, String)> {
    let rest = line
        .strip_prefix('*')
        .or_else(|| line.strip_prefix('-'))?
        .trim_start();
    let (name, rest) = if let Some(quoted) = rest.strip_prefix('`') {
        let end = quoted.find('`')?;
        (&quoted[..end], &quoted[end + 1..])
    } else {
        let end = rest.find(|c: char| !(c.is_alphanumeric() || c == '_'))?;
        (&rest[..end], &rest[end..])
    };
    let text = rest
        .trim_start()
        .trim_start_matches(['-', ':', '–', '—'])
        .trim();
    if name.is_empty() {
        return None;
    }
    Some((name.to_owned(), text.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn docs(text: &str) -> Docs {
        let attrs: Vec<Attribute> = text
            .lines()
            .map(|line| {
                let line = format!(" {line}");
                syn::parse_quote!(#[doc = #line])
            })
            .collect();
        parse(&attrs)
    }

    #[test]
    fn the_arguments_section_is_split_from_the_description() {
        let d = docs("Looks up accounts.\n\nCase-insensitive.\n\n# Arguments\n* `query` - part of the name\n* `limit` - at most this many\n  rows (default 20)");
        assert_eq!(d.description, "Looks up accounts.\n\nCase-insensitive.");
        let args: Vec<_> = d
            .arguments
            .iter()
            .map(|a| (a.name.as_str(), a.text.as_str()))
            .collect();
        assert_eq!(
            args,
            [
                ("query", "part of the name"),
                ("limit", "at most this many rows (default 20)")
            ]
        );
    }

    #[test]
    fn later_sections_stay_in_the_description() {
        let d = docs("Does it.\n# Arguments\n- `x`: the x\n# Errors\nWhen it fails.");
        assert_eq!(d.description, "Does it.\n# Errors\nWhen it fails.");
        assert_eq!(d.arguments.len(), 1);
        assert_eq!(d.arguments[0].text, "the x");
    }

    #[test]
    fn argument_lines_in_several_styles() {
        assert_eq!(
            argument_line("* `a` - first"),
            Some(("a".into(), "first".into()))
        );
        assert_eq!(
            argument_line("- `b`: second"),
            Some(("b".into(), "second".into()))
        );
        assert_eq!(
            argument_line("* c - third"),
            Some(("c".into(), "third".into()))
        );
        assert_eq!(argument_line("plain text"), None);
    }

    #[test]
    fn no_doc_comment_is_an_empty_description() {
        assert_eq!(parse(&[]).description, "");
    }
}
