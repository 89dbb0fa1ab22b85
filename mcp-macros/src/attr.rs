//! Parsing the arguments of `#[tool(...)]`.

use proc_macro2::{Span, TokenStream};
use syn::meta::ParseNestedMeta;
use syn::{Ident, LitStr};

use crate::ctxt::Ctxt;

/// Every key `#[tool]` understands, in the order the error message lists them.
pub const TOOL_KEYS: &[&str] = &[
    "name",
    "title",
    "description",
    "risk",
    "scopes",
    "read_only",
    "destructive",
    "idempotent",
    "open_world",
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
pub fn parse_tool_attr(cx: &Ctxt, tokens: TokenStream) -> ToolAttr {
    let mut attr = ToolAttr::default();
    if tokens.is_empty() {
        return attr;
    }
    let parser = syn::meta::parser(|meta| {
        parse_key(cx, &mut attr, &meta)?;
        Ok(())
    });
    if let Err(e) = syn::parse::Parser::parse2(parser, tokens) {
        cx.syn_error(e);
    }
    attr
}

fn parse_key(cx: &Ctxt, attr: &mut ToolAttr, meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
    let Some(key) = meta.path.get_ident() else {
        return Err(meta.error(unknown_key_message(&meta.path)));
    };
    let key_name = key.to_string();
    match key_name.as_str() {
        "name" => set_once(cx, key, &mut attr.name, string_value(meta)?),
        "title" => set_once(cx, key, &mut attr.title, string_value(meta)?),
        "description" => set_once(cx, key, &mut attr.description, string_value(meta)?),
        "risk" => {
            let lit = string_value(meta)?;
            let value = lit.value();
            match Risk::ALL.iter().find(|(name, _)| *name == value) {
                Some(&(_, risk)) => set_once(
                    cx,
                    key,
                    &mut attr.risk,
                    Spanned {
                        value: risk,
                        span: lit.span(),
                    },
                ),
                None => cx.error_spanned_by(
                    &lit,
                    format!("unknown risk level `{value}`; expected one of: \"low\", \"medium\", \"high\", \"critical\""),
                ),
            }
        }
        "scopes" => {
            if !meta.input.peek(syn::token::Paren) {
                return Err(meta.error(
                    "write scopes as a list: `scopes(\"accounts:read\", \"accounts:write\")`",
                ));
            }
            let content;
            syn::parenthesized!(content in meta.input);
            let list = content.parse_terminated(|input| input.parse::<LitStr>(), syn::Token![,])?;
            let mut scopes = Vec::new();
            for scope in list {
                let value = scope.value();
                if value.is_empty()
                    || value
                        .chars()
                        .any(|c| c.is_whitespace() || c == '"' || c == '\\')
                {
                    cx.error_spanned_by(&scope, "a scope is a non-empty string without spaces, quotes or backslashes (RFC 6749 scope-token)");
                } else {
                    scopes.push(scope);
                }
            }
            set_once(cx, key, &mut attr.scopes, scopes);
        }
        "read_only" => set_flag(cx, meta, key, &mut attr.read_only)?,
        "destructive" => set_flag(cx, meta, key, &mut attr.destructive)?,
        "idempotent" => set_flag(cx, meta, key, &mut attr.idempotent)?,
        "open_world" => set_flag(cx, meta, key, &mut attr.open_world)?,
        _ => return Err(meta.error(unknown_key_message(&meta.path))),
    }
    Ok(())
}

fn unknown_key_message(path: &syn::Path) -> String {
    let written = quote::quote!(#path).to_string().replace(' ', "");
    format!(
        "unknown attribute `{written}`; expected one of: {}",
        TOOL_KEYS.join(", ")
    )
}

fn string_value(meta: &ParseNestedMeta<'_>) -> syn::Result<LitStr> {
    let key = meta
        .path
        .get_ident()
        .map(Ident::to_string)
        .unwrap_or_default();
    let value = meta
        .value()
        .map_err(|_| meta.error(format!("`{key}` takes a string: `{key} = \"...\"`")))?;
    value.parse::<LitStr>().map_err(|e| {
        syn::Error::new(
            e.span(),
            format!("`{key}` takes a string: `{key} = \"...\"`"),
        )
    })
}

fn set_once<T>(cx: &Ctxt, key: &Ident, slot: &mut Option<T>, value: T) {
    if slot.is_some() {
        cx.error_spanned_by(key, format!("duplicate attribute `{key}`"));
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
        return Err(meta.error(format!(
            "`{key}` is a flag and takes no value: write `{key}`"
        )));
    }
    set_once(cx, key, slot, key.span());
    Ok(())
}
