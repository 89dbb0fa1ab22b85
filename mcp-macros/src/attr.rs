//! Parsing the arguments of `#[tool(...)]`.

use proc_macro2::{Span, TokenStream, TokenTree};
use quote::{quote, ToTokens};
use syn::meta::ParseNestedMeta;
use syn::parse::{Parse, ParseStream, Parser};
use syn::{Expr, ExprLit, Ident, Lit, LitStr};

use crate::ctxt::Ctxt;

const NAME: &str = "name";
const TITLE: &str = "title";
const DESCRIPTION: &str = "description";
const RISK: &str = "risk";
const SCOPES: &str = "scopes";
const READ_ONLY: &str = "read_only";
const DESTRUCTIVE: &str = "destructive";
const IDEMPOTENT: &str = "idempotent";
const OPEN_WORLD: &str = "open_world";

/// Every key `#[tool]` understands, in the order the error message lists them.
pub const TOOL_KEYS: &[&str] = &[
    NAME,
    TITLE,
    DESCRIPTION,
    RISK,
    SCOPES,
    READ_ONLY,
    DESTRUCTIVE,
    IDEMPOTENT,
    OPEN_WORLD,
];

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
pub enum Risk {
    Low,
    Medium,
    High,
    Critical,
}

impl Risk {
    const ALL: [(&'static str, Risk); 4] = [
        ("low", Risk::Low),
        ("medium", Risk::Medium),
        ("high", Risk::High),
        ("critical", Risk::Critical),
    ];

    /// The valid levels, as the error messages list them.
    const EXPECTED: &'static str = r#"expected one of: "low", "medium", "high", "critical""#;

    fn from_name(name: &str) -> Option<Risk> {
        Risk::ALL
            .iter()
            .find(|(level, _)| *level == name)
            .map(|&(_, risk)| risk)
    }

    pub fn variant(self) -> &'static str {
        match self {
            Risk::Low => "Low",
            Risk::Medium => "Medium",
            Risk::High => "High",
            Risk::Critical => "Critical",
        }
    }
}

/// A value together with the tokens it was written as, for errors that point at it.
pub struct Spanned<T> {
    pub value: T,
    pub span: Span,
}

/// A flag like `read_only`, with the span of the keyword when present.
pub type Flag = Option<Span>;

#[derive(Default)]
pub struct ToolAttr {
    pub name: Option<LitStr>,
    pub title: Option<LitStr>,
    pub description: Option<LitStr>,
    pub risk: Option<Spanned<Risk>>,
    pub scopes: Option<Vec<LitStr>>,
    pub read_only: Flag,
    pub destructive: Flag,
    pub idempotent: Flag,
    pub open_world: Flag,
}

/// Parses `#[tool(...)]` arguments, recording every problem in `cx`.
///
/// A key whose value is malformed is reported and skipped up to the next `,`, so one
/// mistake does not hide the ones after it.
pub fn parse_tool_attr(cx: &Ctxt, tokens: TokenStream) -> ToolAttr {
    let mut attr = ToolAttr::default();
    if tokens.is_empty() {
        return attr;
    }
    let parser = syn::meta::parser(|meta| {
        if let Err(error) = parse_key(cx, &mut attr, &meta) {
            cx.syn_error(error);
            rest_of_key(meta.input)?;
        }
        Ok(())
    });
    if let Err(e) = Parser::parse2(parser, tokens) {
        cx.syn_error(e);
    }
    attr
}

fn parse_key(cx: &Ctxt, attr: &mut ToolAttr, meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
    let Some(key) = meta.path.get_ident() else {
        return Err(meta.error(unknown_key_message(&meta.path)));
    };
    match key.to_string().as_str() {
        NAME => set_once(cx, key, &mut attr.name, string_value(meta, key)?),
        TITLE => set_once(cx, key, &mut attr.title, string_value(meta, key)?),
        DESCRIPTION => set_once(cx, key, &mut attr.description, string_value(meta, key)?),
        RISK => {
            let lit = string_value(meta, key)?;
            let value = lit.value();
            match Risk::from_name(&value) {
                Some(risk) => set_once(
                    cx,
                    key,
                    &mut attr.risk,
                    Spanned {
                        value: risk,
                        span: lit.span(),
                    },
                ),
                None => {
                    let lower = value.to_ascii_lowercase();
                    let hint = match Risk::from_name(&lower) {
                        Some(_) => format!("; levels are lowercase: write \"{lower}\""),
                        None => String::new(),
                    };
                    cx.error_spanned_by(
                        &lit,
                        format!("unknown risk level `{value}`; {}{hint}", Risk::EXPECTED),
                    );
                }
            }
        }
        SCOPES => {
            let scopes = scopes_value(cx, meta, key)?;
            set_once(cx, key, &mut attr.scopes, scopes);
        }
        READ_ONLY => set_flag(cx, meta, key, &mut attr.read_only)?,
        DESTRUCTIVE => set_flag(cx, meta, key, &mut attr.destructive)?,
        IDEMPOTENT => set_flag(cx, meta, key, &mut attr.idempotent)?,
        OPEN_WORLD => set_flag(cx, meta, key, &mut attr.open_world)?,
        _ => return Err(meta.error(unknown_key_message(&meta.path))),
    }
    Ok(())
}

fn unknown_key_message(path: &syn::Path) -> String {
    let written = quote!(#path).to_string().replace(' ', "");
    let suggestion = closest_key(&written)
        .map(|key| format!(" (did you mean `{key}`?)"))
        .unwrap_or_default();
    format!(
        "unknown attribute `{written}`{suggestion}; expected one of: {}",
        TOOL_KEYS.join(", ")
    )
}

/// A known key that `written` is probably a misspelling of.
fn closest_key(written: &str) -> Option<&'static str> {
    let normalize = |s: &str| s.to_ascii_lowercase().replace(['_', '-'], "");
    let wanted = normalize(written);
    TOOL_KEYS
        .iter()
        .map(|key| (edit_distance(&wanted, &normalize(key)), *key))
        .filter(|&(distance, key)| distance <= 2 && distance < key.len() / 2 + 1)
        .min()
        .map(|(_, key)| key)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let substitution = diagonal + usize::from(ca != cb);
            diagonal = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(row[j + 1] + 1);
        }
    }
    row[b.len()]
}

/// Reads `= "..."`. The error shows the fix with the user's own value quoted when it was
/// written as a bare word or a non-string literal (`risk = high` -> `risk = "high"`).
fn string_value(meta: &ParseNestedMeta<'_>, key: &Ident) -> syn::Result<LitStr> {
    if !meta.input.peek(syn::Token![=]) {
        let rest = rest_of_key(meta.input)?;
        return Err(syn::Error::new_spanned(
            quote!(#key #rest),
            format!("`{key}` takes a string: write `{key} = \"...\"`"),
        ));
    }
    let value: Expr = meta.value()?.parse()?;
    if let Expr::Lit(ExprLit {
        lit: Lit::Str(lit), ..
    }) = &value
    {
        return Ok(lit.clone());
    }
    let written = match &value {
        Expr::Path(path) if path.qself.is_none() => path.path.get_ident().map(Ident::to_string),
        Expr::Lit(ExprLit { lit, .. }) => match lit {
            Lit::Int(i) => Some(i.to_string()),
            Lit::Float(f) => Some(f.to_string()),
            Lit::Bool(b) => Some(b.value.to_string()),
            _ => None,
        },
        _ => None,
    };
    let message = match written {
        Some(word) if key == RISK && Risk::from_name(&word).is_none() => {
            format!("`risk` takes a string; {}", Risk::EXPECTED)
        }
        Some(word) => format!("`{key}` takes a string: write `{key} = \"{word}\"`"),
        None => format!("`{key}` takes a string: write `{key} = \"...\"`"),
    };
    Err(syn::Error::new_spanned(value, message))
}

/// Reads `scopes("a:read", "b:write")`, reporting each invalid scope on its own literal.
fn scopes_value(cx: &Ctxt, meta: &ParseNestedMeta<'_>, key: &Ident) -> syn::Result<Vec<LitStr>> {
    if !meta.input.peek(syn::token::Paren) {
        let rest = rest_of_key(meta.input)?;
        // `scopes = "files:read"`: suggest the list with the user's own scope in it.
        let assigned = |input: ParseStream<'_>| {
            input.parse::<syn::Token![=]>()?;
            input.parse::<LitStr>()
        };
        let example = match Parser::parse2(assigned, rest.clone()) {
            Ok(lit) => format!("scopes({})", lit.to_token_stream()),
            Err(_) => "scopes(\"files:read\", \"files:write\")".to_owned(),
        };
        return Err(syn::Error::new_spanned(
            quote!(#key #rest),
            format!("`scopes` takes a list of strings: write `{example}`"),
        ));
    }
    let content;
    syn::parenthesized!(content in meta.input);
    let list = content.parse_terminated(Expr::parse, syn::Token![,])?;
    let mut scopes = Vec::new();
    for item in list {
        let Expr::Lit(ExprLit {
            lit: Lit::Str(scope),
            ..
        }) = item
        else {
            cx.error_spanned_by(
                &item,
                "write each scope as a string, such as `\"files:read\"`",
            );
            continue;
        };
        let value = scope.value();
        if value.is_empty()
            || value
                .chars()
                .any(|c| c.is_whitespace() || c == '"' || c == '\\')
        {
            cx.error_spanned_by(
                &scope,
                format!("invalid scope {}: a scope is a non-empty string without spaces, quotes or backslashes, such as \"files:read\" (RFC 6749 scope-token)", scope.to_token_stream()),
            );
        } else {
            scopes.push(scope);
        }
    }
    Ok(scopes)
}

fn set_once<T>(cx: &Ctxt, key: &Ident, slot: &mut Option<T>, value: T) {
    if slot.is_some() {
        cx.error_spanned_by(key, format!("duplicate attribute `{key}`; remove one"));
    } else {
        *slot = Some(value);
    }
}

fn set_flag(
    cx: &Ctxt,
    meta: &ParseNestedMeta<'_>,
    key: &Ident,
    slot: &mut Flag,
) -> syn::Result<()> {
    if !meta.input.is_empty() && !meta.input.peek(syn::Token![,]) {
        let rest = rest_of_key(meta.input)?;
        return Err(syn::Error::new_spanned(
            quote!(#key #rest),
            format!("`{key}` is a flag and takes no value: write `{key}` alone, or leave it out for false"),
        ));
    }
    set_once(cx, key, slot, key.span());
    Ok(())
}

/// Consumes the tokens of the current key up to the next `,`, to report them or skip them.
fn rest_of_key(input: ParseStream<'_>) -> syn::Result<TokenStream> {
    let mut rest = TokenStream::new();
    while !input.is_empty() && !input.peek(syn::Token![,]) {
        rest.extend([input.parse::<TokenTree>()?]);
    }
    Ok(rest)
}
