//! The MCP Apps keys: `ui = "ui://..."` on a tool, and on a resource `app`,
//! `csp(connect = [...], resources = [...], frames = [...], base_uris = [...])`,
//! `permissions(camera, microphone, geolocation, clipboard_write)` and
//! `prefers_border = true`.

use syn::parse::Parse;
use syn::{Expr, ExprArray, ExprAssign, ExprLit, Ident, Lit, LitBool, LitStr};

use super::{string_value, Key};
use crate::ctxt::Ctxt;

/// The origins a view's Content Security Policy lists, as written.
#[derive(Default)]
pub struct CspAttr {
    pub connect: Vec<LitStr>,
    pub resources: Vec<LitStr>,
    pub frames: Vec<LitStr>,
    pub base_uris: Vec<LitStr>,
}

/// The keys of `csp(...)`.
const CSP_KEYS: &str = "connect, resources, frames, base_uris";

/// The permissions a view may ask for, with the runtime's variant of each.
pub const PERMISSIONS: [(&str, &str); 4] = [
    ("camera", "Camera"),
    ("microphone", "Microphone"),
    ("geolocation", "Geolocation"),
    ("clipboard_write", "ClipboardWrite"),
];

/// Reads `ui = "ui://..."`; a URI that is not `ui://` is reported on the string.
pub fn ui_value(cx: &Ctxt, meta: &Key<'_>, key: &Ident) -> syn::Result<Option<LitStr>> {
    let lit = string_value(meta, key)?;
    if mcp_rules::app::is_ui_uri(&lit.value()) {
        return Ok(Some(lit));
    }
    cx.error_spanned_by(
        &lit,
        format!(
            "`{}` is not a `ui://` URI; `ui` names the MCP Apps view that shows the tool's results, a `#[resource(\"ui://...\", app)]` such as \"ui://accounts/history\"",
            lit.value()
        ),
    );
    Ok(None)
}

/// Who may call a tool, with the runtime's `UiVisibility` variant of each.
pub const VISIBILITIES: [(&str, &str); 2] = [("model", "Model"), ("app", "App")];

/// Reads `visibility = "app"` or `visibility = ["model", "app"]`: each value checked on its
/// literal, the runtime's variants returned.
pub fn visibility_value(cx: &Ctxt, meta: &Key<'_>, key: &Ident) -> syn::Result<Vec<&'static str>> {
    const EXPECTED: &str = r#"write `visibility = "app"` for a tool only the server's views call, or `visibility = ["model", "app"]`"#;
    if !meta.input.peek(syn::Token![=]) {
        let rest = super::rest_of_key(meta.input)?;
        return Err(syn::Error::new_spanned(quote::quote!(#key #rest), EXPECTED));
    }
    let value: Expr = meta.value()?.parse()?;
    let written = match value {
        Expr::Array(ExprArray { elems, .. }) if elems.is_empty() => {
            cx.error_spanned_by(&elems, format!("nobody could call the tool; {EXPECTED}"));
            return Ok(Vec::new());
        }
        Expr::Array(ExprArray { elems, .. }) => elems.into_iter().collect(),
        other => vec![other],
    };
    let mut visibility = Vec::new();
    for who in written {
        let Expr::Lit(ExprLit {
            lit: Lit::Str(lit), ..
        }) = &who
        else {
            cx.error_spanned_by(&who, EXPECTED);
            continue;
        };
        match VISIBILITIES.iter().find(|(name, _)| lit.value() == *name) {
            Some(&(_, variant)) if !visibility.contains(&variant) => visibility.push(variant),
            Some(_) => cx.error_spanned_by(lit, format!("duplicate `{}`; remove one", lit.value())),
            None => cx.error_spanned_by(
                lit,
                format!(
                    "unknown visibility `{}`; expected \"model\" or \"app\"",
                    lit.value()
                ),
            ),
        }
    }
    Ok(visibility)
}

/// Reads `csp(connect = ["https://api.example.com"], ...)`, each origin checked on its literal.
pub fn csp_value(cx: &Ctxt, meta: &Key<'_>, key: &Ident) -> syn::Result<CspAttr> {
    const EXAMPLE: &str =
        r#"`csp(connect = ["https://api.example.com"], resources = ["https://cdn.example.com"])`"#;
    if !meta.input.peek(syn::token::Paren) {
        let rest = super::rest_of_key(meta.input)?;
        return Err(syn::Error::new_spanned(
            quote::quote!(#key #rest),
            format!("`csp` takes lists of origins: write {EXAMPLE}"),
        ));
    }
    let content;
    syn::parenthesized!(content in meta.input);
    let entries = content.parse_terminated(Expr::parse, syn::Token![,])?;
    let mut csp = CspAttr::default();
    for entry in entries {
        let Expr::Assign(ExprAssign { left, right, .. }) = entry else {
            cx.error_spanned_by(
                &entry,
                format!("write each list as `name = [...]`: {EXAMPLE}"),
            );
            continue;
        };
        let name = match &*left {
            Expr::Path(path) => path.path.get_ident().map(Ident::to_string),
            _ => None,
        };
        let list = match name.as_deref() {
            Some("connect") => &mut csp.connect,
            Some("resources") => &mut csp.resources,
            Some("frames") => &mut csp.frames,
            Some("base_uris") => &mut csp.base_uris,
            written => {
                let message = match written {
                    Some(list) => format!("unknown list `{list}`; `csp(...)` takes: {CSP_KEYS}"),
                    None => format!("write each list as `name = [...]`: {EXAMPLE}"),
                };
                cx.error_spanned_by(&left, message);
                continue;
            }
        };
        let items = match *right {
            Expr::Array(ExprArray { elems, .. }) => elems.into_iter().collect(),
            other => vec![other],
        };
        for item in items {
            let Expr::Lit(ExprLit {
                lit: Lit::Str(origin),
                ..
            }) = item
            else {
                cx.error_spanned_by(
                    &item,
                    "write each origin as a string, such as \"https://api.example.com\"",
                );
                continue;
            };
            if check_origin(cx, &origin) {
                list.push(origin);
            }
        }
    }
    Ok(csp)
}

fn check_origin(cx: &Ctxt, lit: &LitStr) -> bool {
    use mcp_rules::app::OriginError;
    let value = lit.value();
    let reason = match mcp_rules::app::origin(&value) {
        Ok(()) => return true,
        Err(OriginError::NoScheme) => format!("it has no scheme; write \"https://{value}\""),
        Err(OriginError::Scheme(scheme)) => {
            format!("`{scheme}:` is not a web origin; use `https:` or `wss:`")
        }
        Err(OriginError::NoHost) => "it has no host".to_owned(),
        Err(OriginError::Path) => {
            "a Content Security Policy lists origins only; remove the path".to_owned()
        }
        Err(OriginError::Wildcard) => {
            "`*` may only be the first label, as in \"https://*.example.com\"".to_owned()
        }
        Err(OriginError::Character(c)) => format!("{c:?} would break the policy"),
    };
    cx.error_spanned_by(lit, format!("`{value}` is not an origin: {reason}"));
    false
}

/// Reads `permissions(camera, clipboard_write)`.
pub fn permissions_value(cx: &Ctxt, meta: &Key<'_>, key: &Ident) -> syn::Result<Vec<Ident>> {
    let expected = PERMISSIONS.map(|(name, _)| name).join(", ");
    if !meta.input.peek(syn::token::Paren) {
        let rest = super::rest_of_key(meta.input)?;
        return Err(syn::Error::new_spanned(
            quote::quote!(#key #rest),
            format!("`permissions` takes a list: write `permissions(camera, clipboard_write)`, from: {expected}"),
        ));
    }
    let content;
    syn::parenthesized!(content in meta.input);
    let names = content.parse_terminated(Ident::parse, syn::Token![,])?;
    let mut permissions: Vec<Ident> = Vec::new();
    for name in names {
        if !PERMISSIONS.iter().any(|(known, _)| name == known) {
            cx.error_spanned_by(
                &name,
                format!("unknown permission `{name}`; expected one of: {expected}"),
            );
        } else if permissions.contains(&name) {
            cx.error_spanned_by(&name, format!("duplicate permission `{name}`; remove one"));
        } else {
            permissions.push(name);
        }
    }
    Ok(permissions)
}

/// Reads `prefers_border = true` or `= false`.
pub fn bool_value(meta: &Key<'_>, key: &Ident) -> syn::Result<LitBool> {
    if !meta.input.peek(syn::Token![=]) {
        let rest = super::rest_of_key(meta.input)?;
        return Err(syn::Error::new_spanned(
            quote::quote!(#key #rest),
            format!("`{key}` takes `true` or `false`: write `{key} = true`"),
        ));
    }
    let value: Expr = meta.value()?.parse()?;
    match value {
        Expr::Lit(ExprLit {
            lit: Lit::Bool(b), ..
        }) => Ok(b),
        other => Err(syn::Error::new_spanned(
            other,
            format!("`{key}` takes `true` or `false`: write `{key} = true`"),
        )),
    }
}
