//! `icons = ["https://…/a.svg", icon("https://…/a.png", mime_type = "image/png", sizes = "48x48")]`:
//! each entry a source alone, or `icon(source, key = value, ...)` with its MIME type, sizes
//! and theme. Every value is checked here, and a mistake is reported on its literal.

use syn::{Expr, ExprArray, ExprAssign, ExprCall, ExprLit, Ident, Lit, LitStr};

use super::Key;
use crate::ctxt::Ctxt;

/// One icon, as written.
#[derive(Clone)]
pub struct IconAttr {
    pub src: LitStr,
    pub mime_type: Option<LitStr>,
    pub sizes: Vec<LitStr>,
    pub theme: Option<LitStr>,
}

const EXAMPLE: &str = r#"`icons = ["https://example.com/icon.svg", icon("https://example.com/icon.png", mime_type = "image/png", sizes = "48x48", theme = "dark")]`"#;

/// Reads `= [entry, ...]`; every valid icon, each mistake reported on its own tokens.
pub fn icons_value(cx: &Ctxt, meta: &Key<'_>, key: &Ident) -> syn::Result<Vec<IconAttr>> {
    if !meta.input.peek(syn::Token![=]) {
        let rest = super::rest_of_key(meta.input)?;
        return Err(syn::Error::new_spanned(
            quote::quote!(#key #rest),
            format!("`icons` takes a list: write {EXAMPLE}"),
        ));
    }
    let value: Expr = meta.value()?.parse()?;
    let entries = match value {
        Expr::Array(ExprArray { elems, .. }) => elems.into_iter().collect(),
        // One icon without brackets is still one icon; say so only if it is not one.
        single @ (Expr::Lit(_) | Expr::Call(_)) => vec![single],
        other => {
            cx.error_spanned_by(&other, format!("`icons` takes a list: write {EXAMPLE}"));
            return Ok(Vec::new());
        }
    };
    Ok(entries
        .into_iter()
        .filter_map(|entry| icon(cx, entry))
        .collect())
}

fn icon(cx: &Ctxt, entry: Expr) -> Option<IconAttr> {
    match entry {
        Expr::Lit(ExprLit {
            lit: Lit::Str(src), ..
        }) => check_source(cx, &src).then_some(IconAttr {
            src,
            mime_type: None,
            sizes: Vec::new(),
            theme: None,
        }),
        Expr::Call(call) if is_icon_call(&call) => icon_call(cx, call),
        other => {
            cx.error_spanned_by(
                &other,
                format!("write each icon as its source, a string, or as `icon(\"...\", mime_type = \"...\", sizes = \"...\")`: {EXAMPLE}"),
            );
            None
        }
    }
}

fn is_icon_call(call: &ExprCall) -> bool {
    matches!(&*call.func, Expr::Path(path) if path.path.is_ident("icon"))
}

fn icon_call(cx: &Ctxt, call: ExprCall) -> Option<IconAttr> {
    let mut args = call.args.into_iter();
    let src = match args.next() {
        Some(Expr::Lit(ExprLit {
            lit: Lit::Str(src), ..
        })) => src,
        Some(other) => {
            cx.error_spanned_by(&other, "the icon's source comes first, as a string: `icon(\"https://example.com/icon.png\", ...)`");
            return None;
        }
        None => {
            cx.error_spanned_by(
                &call.func,
                "`icon(...)` needs its source first: `icon(\"https://example.com/icon.png\")`",
            );
            return None;
        }
    };
    let mut valid = check_source(cx, &src);
    let mut icon = IconAttr {
        src,
        mime_type: None,
        sizes: Vec::new(),
        theme: None,
    };
    for arg in args {
        let Expr::Assign(ExprAssign { left, right, .. }) = arg else {
            cx.error_spanned_by(&arg, "after the source, `icon(...)` takes `mime_type = \"...\"`, `sizes = \"...\"` and `theme = \"...\"`");
            valid = false;
            continue;
        };
        let name = match &*left {
            Expr::Path(path) => path.path.get_ident().map(Ident::to_string),
            _ => None,
        };
        match name.as_deref() {
            Some("mime_type") => match string(cx, &right, "mime_type") {
                Some(lit) if mcp_rules::icon::is_image_mime_type(&lit.value()) => {
                    icon.mime_type = Some(lit)
                }
                Some(lit) => {
                    cx.error_spanned_by(
                        &lit,
                        format!("`{}` is not an image type; an icon's MIME type is `image/...`, such as \"image/png\" or \"image/svg+xml\"", lit.value()),
                    );
                    valid = false;
                }
                None => valid = false,
            },
            Some("sizes") => {
                let written = match *right {
                    Expr::Array(array) => array.elems.into_iter().collect(),
                    other => vec![other],
                };
                for size in written {
                    match string(cx, &size, "sizes") {
                        Some(lit) if mcp_rules::icon::is_size(&lit.value()) => icon.sizes.push(lit),
                        Some(lit) => {
                            cx.error_spanned_by(
                                &lit,
                                format!("`{}` is not a size; write `WxH` in pixels, such as \"48x48\", or \"any\" for a scalable image", lit.value()),
                            );
                            valid = false;
                        }
                        None => valid = false,
                    }
                }
            }
            Some("theme") => match string(cx, &right, "theme") {
                Some(lit) if mcp_rules::icon::is_theme(&lit.value()) => icon.theme = Some(lit),
                Some(lit) => {
                    cx.error_spanned_by(
                        &lit,
                        format!(
                            "unknown theme `{}`; expected \"light\" or \"dark\"",
                            lit.value()
                        ),
                    );
                    valid = false;
                }
                None => valid = false,
            },
            written => {
                let message = match written {
                    Some(key @ ("mime" | "type" | "media_type" | "mimetype")) => format!(
                        "unknown key `{key}` in `icon(...)` (did you mean `mime_type`?); it takes `mime_type`, `sizes` and `theme`"
                    ),
                    Some(key) => format!(
                        "unknown key `{key}` in `icon(...)`; it takes `mime_type`, `sizes` and `theme`"
                    ),
                    None => "after the source, `icon(...)` takes `mime_type = \"...\"`, `sizes = \"...\"` and `theme = \"...\"`".to_owned(),
                };
                cx.error_spanned_by(&left, message);
                valid = false;
            }
        }
    }
    valid.then_some(icon)
}

/// A string literal, or an error on what was written instead.
fn string(cx: &Ctxt, expr: &Expr, key: &str) -> Option<LitStr> {
    match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Str(lit), ..
        }) => Some(lit.clone()),
        other => {
            cx.error_spanned_by(
                other,
                format!("`{key}` takes a string: write `{key} = \"...\"`"),
            );
            None
        }
    }
}

/// Reports a source that is not `https:` or `data:image/...` on its literal.
fn check_source(cx: &Ctxt, src: &LitStr) -> bool {
    use mcp_rules::icon::SourceError;
    let value = src.value();
    let message = match mcp_rules::icon::source(&value) {
        Ok(()) => return true,
        Err(SourceError::Relative) => format!("`{value}` is not a URI; an icon's source is an `https:` URL or a `data:image/...` URI"),
        Err(SourceError::Insecure) => format!("`{value}` is `http:`, which anyone on the way can read and change; serve the icon over `https:`"),
        Err(SourceError::Scheme(scheme)) => format!("an icon's source cannot be a `{scheme}:` URI; use an `https:` URL or a `data:image/...` URI"),
        Err(SourceError::DataNotImage) => format!("`{value}` is a `data:` URI without image data; write `data:image/png;base64,...`"),
        Err(SourceError::Whitespace) => format!("`{value}` holds whitespace; percent-encode it"),
        Err(SourceError::NoHost) => format!("`{value}` has no host; write `https://host/path`"),
    };
    cx.error_spanned_by(src, message);
    false
}
