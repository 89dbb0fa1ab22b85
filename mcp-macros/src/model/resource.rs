//! A resource: data a client reads by URI. A fixed URI names one resource; a URI template
//! (`notes://{id}`) names a family, and each of its variables binds the parameter of the
//! same name.

use proc_macro2::Span;
use quote::quote;
use syn::LitStr;

use super::{quoted_list, unraw, Function, Header, Param};
use crate::attr::{Attr, Completion};
use crate::ctxt::Ctxt;
use crate::uri_template;

pub struct Resource {
    pub header: Header,
    /// The URI or URI template, as written.
    pub uri: String,
    pub uri_span: Span,
    pub mime_type: Option<String>,
    /// `app`: the resource is an MCP Apps view.
    pub app: Option<App>,
    /// Completers for template variables, each naming a variable.
    pub completions: Vec<Completion>,
    pub function: Function,
}

/// An MCP Apps view: what it reaches beyond itself and how it would be shown.
pub struct App {
    pub connect: Vec<String>,
    pub resources: Vec<String>,
    pub frames: Vec<String>,
    pub base_uris: Vec<String>,
    /// The runtime's `AppPermission` variants.
    pub permissions: Vec<&'static str>,
    pub prefers_border: Option<bool>,
}

pub fn read(cx: &Ctxt, attr: Attr, header: Header, function: Function) -> Resource {
    let app = read_app(cx, &attr);
    // A missing URI was reported while parsing the attribute.
    let template = attr
        .uri
        .as_ref()
        .and_then(|uri| match uri_template::parse(&uri.value()) {
            Ok(template) => Some((uri, template)),
            Err(message) => {
                cx.error_spanned_by(uri, message);
                None
            }
        });
    if let Some(mime_type) = &attr.mime_type {
        check_mime_type(cx, mime_type);
    }
    if function.output.is_none() {
        cx.error_spanned_by(
            &header.ident,
            format!(
                "resource `{}` returns nothing; return its contents: `String`, `Blob`, `Json<T>`, `ResourceContents`, or a `Result` of one of those",
                unraw(&header.ident)
            ),
        );
    }
    // Binding variables to parameters needs a valid template; a broken one is the only error.
    if let Some((uri, template)) = &template {
        bind_variables(cx, uri, &template.variables, &header, &function);
        check_completions(cx, uri, &template.variables, &attr.complete);
    }
    Resource {
        uri_span: attr.uri.as_ref().map_or(header.name_span, LitStr::span),
        header,
        uri: attr.uri.as_ref().map(LitStr::value).unwrap_or_default(),
        mime_type: attr.mime_type.as_ref().map(LitStr::value),
        app,
        completions: attr.complete,
        function,
    }
}

/// The view `app` makes of a fixed `ui://` resource; errors for `app` on another URI, for
/// its details without `app`, and for a `ui://` resource without `app`.
fn read_app(cx: &Ctxt, attr: &Attr) -> Option<App> {
    let uri = attr.uri.as_ref();
    let is_ui = uri.is_some_and(|uri| uri.value().starts_with("ui://"));
    if attr.app.is_none() {
        if let Some(key) = &attr.app_detail {
            cx.error_spanned_by(
                key,
                format!("`{key}` describes an MCP Apps view: add `app`, and give the resource a `ui://` URI"),
            );
        } else if let (Some(uri), true) = (uri, is_ui) {
            cx.error_spanned_by(
                uri,
                "a `ui://` resource is an MCP Apps view: add `app` (`#[resource(\"ui://...\", app)]`), which serves it as `text/html;profile=mcp-app`",
            );
        }
        return None;
    }
    if let Some(uri) = uri {
        let value = uri.value();
        if !mcp_rules::app::is_ui_uri(&value) || value.contains('{') {
            cx.error_spanned_by(
                uri,
                format!("an MCP Apps view has a fixed `ui://` URI, such as \"ui://accounts/history\", not `{value}`"),
            );
        }
    }
    if let Some(mime_type) = &attr.mime_type {
        cx.error_spanned_by(
            mime_type,
            "an MCP Apps view is always `text/html;profile=mcp-app`; remove `mime_type`",
        );
    }
    let strings = |list: &Vec<LitStr>| list.iter().map(LitStr::value).collect();
    let csp = attr.csp.as_ref();
    Some(App {
        connect: csp.map(|c| strings(&c.connect)).unwrap_or_default(),
        resources: csp.map(|c| strings(&c.resources)).unwrap_or_default(),
        frames: csp.map(|c| strings(&c.frames)).unwrap_or_default(),
        base_uris: csp.map(|c| strings(&c.base_uris)).unwrap_or_default(),
        permissions: attr
            .permissions
            .iter()
            .flatten()
            .filter_map(|name| {
                crate::attr::APP_PERMISSIONS
                    .iter()
                    .find(|(known, _)| name == known)
                    .map(|&(_, variant)| variant)
            })
            .collect(),
        prefers_border: attr.prefers_border.as_ref().map(|b| b.value),
    })
}

/// Every variable has a parameter of its name and every non-injected parameter is a
/// variable: errors on the URI for a missing parameter, on the parameter for a missing
/// variable.
fn bind_variables(
    cx: &Ctxt,
    uri: &LitStr,
    variables: &[String],
    header: &Header,
    function: &Function,
) {
    let written = uri.value();
    let fn_name = unraw(&header.ident);
    for variable in variables {
        let bound = function
            .params
            .iter()
            .find(|p| unraw(p.ident()) == *variable);
        match bound {
            Some(Param::Argument { .. }) => {}
            Some(Param::Injected { ident, ty, .. }) => cx.error_spanned_by(
                quote!(#ident: #ty),
                format!(
                    "`{variable}` is a variable of the URI template `{written}`, but this parameter is provided by the runtime; rename the parameter or the variable"
                ),
            ),
            None => cx.error_spanned_by(
                uri,
                format!(
                    "the URI template has the variable `{{{variable}}}`, but `{fn_name}` has no parameter `{variable}`; add `{variable}: String` (or any type that is `FromStr`)"
                ),
            ),
        }
    }
    for (ident, ty, _) in function.arguments() {
        let name = unraw(ident);
        if variables.contains(&name) {
            continue;
        }
        let message = if variables.is_empty() {
            format!(
                "`{written}` is a fixed URI, so parameter `{name}` has nothing to bind; add `{{{name}}}` to the URI to make it a template, or remove the parameter (only `Context`, `Caller` and `State<T>` are provided by the runtime)"
            )
        } else {
            format!(
                "parameter `{name}` is not a variable of the URI template `{written}`; add `{{{name}}}` to the URI, or remove the parameter (only `Context`, `Caller` and `State<T>` are provided by the runtime)"
            )
        };
        cx.error_spanned_by(quote!(#ident: #ty), message);
    }
}

fn check_completions(cx: &Ctxt, uri: &LitStr, variables: &[String], completions: &[Completion]) {
    let written = uri.value();
    for completion in completions {
        let name = completion.name();
        if variables.contains(&name) {
            continue;
        }
        let message = if variables.is_empty() {
            format!("`{written}` is a fixed URI and has no variable `{name}` to complete; completion suggests values for the variables of a URI template")
        } else {
            format!(
                "`{name}` is not a variable of the URI template `{written}`; its variables are: {}",
                quoted_list(variables)
            )
        };
        cx.error_spanned_by(&completion.key, message);
    }
}

/// `type/subtype`, optionally followed by `;` parameters (RFC 6838 names).
fn check_mime_type(cx: &Ctxt, lit: &LitStr) {
    let value = lit.value();
    let essence = value.split(';').next().unwrap_or_default().trim();
    let token = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "!#$&^_.+-".contains(c))
    };
    let valid = essence
        .split_once('/')
        .is_some_and(|(kind, subtype)| token(kind) && token(subtype));
    if !valid {
        cx.error_spanned_by(
            lit,
            format!("invalid MIME type `{value}`: write `type/subtype`, such as `text/markdown` or `application/json`"),
        );
    }
}
