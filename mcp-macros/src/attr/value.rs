//! Reading the value of one key, with errors that show the fix in the user's own words.

use proc_macro2::{Span, TokenStream, TokenTree};
use quote::{quote, ToTokens};
use syn::ext::IdentExt;
use syn::parse::{Parse, ParseStream, Parser};
use syn::{Expr, ExprLit, Ident, Lit, LitStr};

use super::{Key, Risk, RISK};
use crate::ctxt::Ctxt;

/// A value together with the tokens it was written as, for errors that point at it.
pub struct Spanned<T> {
    pub value: T,
    pub span: Span,
}

/// One `name = completer` entry of `complete(...)`.
pub struct Completion {
    /// The argument or template variable, as written.
    pub key: Ident,
    /// Any expression of a type that is `Fn(&str) -> Vec<String>`, usually a function's path.
    pub completer: Expr,
}

impl Completion {
    /// The argument or variable it completes, without `r#`.
    pub fn name(&self) -> String {
        self.key.unraw().to_string()
    }
}

/// Reads `= "..."`. The error shows the fix with the user's own value quoted when it was
/// written as a bare word or a non-string literal (`risk = high` -> `risk = "high"`).
pub fn string_value(meta: &Key<'_>, key: &Ident) -> syn::Result<LitStr> {
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
pub fn scopes_value(cx: &Ctxt, meta: &Key<'_>, key: &Ident) -> syn::Result<Vec<LitStr>> {
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

/// Reads `complete(id = list_ids, kind = completions::kinds)`.
pub fn complete_value(meta: &Key<'_>, key: &Ident) -> syn::Result<Vec<Completion>> {
    const EXAMPLE: &str = "`complete(id = path::to::function)`, where the function is a `fn(&str) -> Vec<String>` suggesting values for what was typed so far";
    if !meta.input.peek(syn::token::Paren) {
        let rest = rest_of_key(meta.input)?;
        return Err(syn::Error::new_spanned(
            quote!(#key #rest),
            format!("`complete` takes a list: write {EXAMPLE}"),
        ));
    }
    let content;
    syn::parenthesized!(content in meta.input);
    let entry = |input: ParseStream<'_>| -> syn::Result<Completion> {
        let key = Ident::parse_any(input)?;
        if !input.peek(syn::Token![=]) {
            let rest = rest_of_key(input)?;
            return Err(syn::Error::new_spanned(
                quote!(#key #rest),
                format!("name the completer of `{key}`: write {EXAMPLE}"),
            ));
        }
        input.parse::<syn::Token![=]>()?;
        let completer = input.parse()?;
        Ok(Completion { key, completer })
    };
    let list = content.parse_terminated(entry, syn::Token![,])?;
    Ok(list.into_iter().collect())
}

/// `crate = "path"`, as written and parsed.
pub struct CratePath {
    /// The string the path was written in.
    pub lit: LitStr,
    /// The path, its tokens spanned by the string.
    pub path: syn::Path,
}

/// Reads `crate = "path::to::mcp_runtime"`. A string that is not a path is reported on
/// the string, and gives `None`.
pub fn crate_value(cx: &Ctxt, meta: &Key<'_>, key: &Ident) -> syn::Result<Option<CratePath>> {
    let lit = string_value(meta, key)?;
    match lit.parse::<syn::Path>() {
        Ok(path) => Ok(Some(CratePath { lit, path })),
        Err(_) => {
            cx.error_spanned_by(
                &lit,
                format!(
                    "`{}` is not a path; `crate` takes the path to mcp-runtime, such as \"::mcp_runtime\" or \"my_facade::mcp\"",
                    lit.value()
                ),
            );
            Ok(None)
        }
    }
}

pub fn set_once<T>(cx: &Ctxt, key: &Ident, slot: &mut Option<T>, value: T) {
    if slot.is_some() {
        cx.error_spanned_by(key, format!("duplicate attribute `{key}`; remove one"));
    } else {
        *slot = Some(value);
    }
}

pub fn set_flag(
    cx: &Ctxt,
    meta: &Key<'_>,
    key: &Ident,
    slot: &mut Option<Span>,
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
pub fn rest_of_key(input: ParseStream<'_>) -> syn::Result<TokenStream> {
    let mut rest = TokenStream::new();
    while !input.is_empty() && !input.peek(syn::Token![,]) {
        rest.extend([input.parse::<TokenTree>()?]);
    }
    Ok(rest)
}
