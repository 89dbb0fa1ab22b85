//! Reading a doc comment: the description, and the `# Arguments` section that documents
//! parameters.

use proc_macro2::Span;
use syn::{Attribute, Expr, ExprLit, Lit, Meta};

pub struct Docs {
    /// The text without the `# Arguments` section; empty when there is no doc comment.
    pub description: String,
    /// `(name, text)` for each `* `name` - text` line of `# Arguments`.
    pub arguments: Vec<(String, String)>,
    /// The span of the first doc line, for errors about the doc comment.
    pub span: Option<Span>,
}

pub fn parse(attrs: &[Attribute]) -> Docs {
    let mut lines = Vec::new();
    let mut span = None;
    for attr in attrs {
        if !attr.path().is_ident("doc") {
            continue;
        }
        if let Meta::NameValue(nv) = &attr.meta {
            if let Expr::Lit(ExprLit {
                lit: Lit::Str(s), ..
            }) = &nv.value
            {
                span.get_or_insert_with(|| s.span());
                for line in s.value().lines() {
                    lines.push(line.strip_prefix(' ').unwrap_or(line).to_owned());
                }
            }
        }
    }

    let mut description = Vec::new();
    let mut arguments: Vec<(String, String)> = Vec::new();
    let mut in_arguments = false;
    for line in lines {
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
            arguments.push((name, text));
        } else if !trimmed.is_empty() {
            if let Some((_, text)) = arguments.last_mut() {
                text.push(' ');
                text.push_str(trimmed);
            }
        }
    }
    Docs {
        description: description.join("\n").trim().to_owned(),
        arguments,
        span,
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
