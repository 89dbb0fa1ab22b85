//! Parsing the arguments of `#[tool(...)]`, `#[resource(...)]` and `#[prompt(...)]`.
//!
//! The three share one grammar: `#[resource]` alone starts with the URI as a positional
//! string, then every attribute is a list of `key`, `key = "value"` or `key(...)` entries.
//! Each kind accepts its own set of keys; a key that belongs to another kind gets an error
//! saying why it does not apply here.

mod app;
mod icon;
mod value;

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::ext::IdentExt;
use syn::parse::{ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::{Ident, Lit, LitStr, Path, PathSegment};

use self::value::{
    complete_value, crate_value, rest_of_key, scopes_value, set_flag, set_once, string_value,
};
use crate::ctxt::Ctxt;
use crate::kind::Kind;

pub use self::app::{CspAttr, PERMISSIONS as APP_PERMISSIONS};
pub use self::icon::IconAttr;
pub use self::value::{Completion, CratePath, Spanned};

const NAME: &str = "name";
const TITLE: &str = "title";
const DESCRIPTION: &str = "description";
const MIME_TYPE: &str = "mime_type";
const RISK: &str = "risk";
const SCOPES: &str = "scopes";
const COMPLETE: &str = "complete";
const READ_ONLY: &str = "read_only";
const DESTRUCTIVE: &str = "destructive";
const IDEMPOTENT: &str = "idempotent";
const OPEN_WORLD: &str = "open_world";
const INLINE: &str = "inline";
const TIMEOUT: &str = "timeout";
const ICONS: &str = "icons";
/// `ui = "ui://..."`: the MCP Apps view of a tool.
const UI: &str = "ui";
/// `visibility = "app"`: who may call a tool, for MCP Apps hosts.
const VISIBILITY: &str = "visibility";
/// `app`: the resource is an MCP Apps view; `csp`, `permissions`, `prefers_border` describe it.
const APP: &str = "app";
const CSP: &str = "csp";
const PERMISSIONS: &str = "permissions";
const PREFERS_BORDER: &str = "prefers_border";
const APP_KEYS: [&str; 4] = [APP, CSP, PERMISSIONS, PREFERS_BORDER];
const TASK: &str = "task";
/// `crate = "path"`: where generated code finds mcp-runtime.
const CRATE: &str = "crate";
/// Not a key: the URI of a resource is positional. Recognised to say so.
const URI: &str = "uri";

const TOOL_HINTS: [&str; 4] = [READ_ONLY, DESTRUCTIVE, IDEMPOTENT, OPEN_WORLD];

/// Every key each kind understands, in the order the error message lists them.
fn keys(kind: Kind) -> &'static [&'static str] {
    match kind {
        Kind::Tool => &[
            NAME,
            TITLE,
            DESCRIPTION,
            RISK,
            SCOPES,
            READ_ONLY,
            DESTRUCTIVE,
            IDEMPOTENT,
            OPEN_WORLD,
            TIMEOUT,
            TASK,
            INLINE,
            ICONS,
            UI,
            VISIBILITY,
            CRATE,
        ],
        Kind::Resource => &[
            NAME,
            TITLE,
            DESCRIPTION,
            MIME_TYPE,
            RISK,
            SCOPES,
            COMPLETE,
            TIMEOUT,
            INLINE,
            ICONS,
            APP,
            CSP,
            PERMISSIONS,
            PREFERS_BORDER,
            CRATE,
        ],
        Kind::Prompt => &[
            NAME,
            TITLE,
            DESCRIPTION,
            RISK,
            SCOPES,
            COMPLETE,
            TIMEOUT,
            INLINE,
            ICONS,
            CRATE,
        ],
    }
}

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

/// A flag like `read_only`, with the span of the keyword when present.
pub type Flag = Option<Span>;

/// The arguments of one attribute, as written. Keys that do not apply to the kind are
/// reported while parsing and never set.
#[derive(Default)]
pub struct Attr {
    /// `#[resource("...")]`: the URI or URI template.
    pub uri: Option<LitStr>,
    pub name: Option<LitStr>,
    pub title: Option<LitStr>,
    pub description: Option<LitStr>,
    pub mime_type: Option<LitStr>,
    pub risk: Option<Spanned<Risk>>,
    pub scopes: Option<Vec<LitStr>>,
    pub complete: Vec<Completion>,
    pub read_only: Flag,
    pub destructive: Flag,
    pub idempotent: Flag,
    pub open_world: Flag,
    /// `inline`: a synchronous function that never blocks runs in place, not on a blocking
    /// thread.
    pub inline: Flag,
    /// `timeout = "30s"`: how long a call may run, in milliseconds.
    pub timeout: Option<Spanned<u64>>,
    /// `icons = [...]`: the valid icons (the others are reported).
    pub icons: Option<Vec<IconAttr>>,
    /// `ui = "ui://..."`: the view that shows a tool's results.
    pub ui: Option<LitStr>,
    /// `visibility = ...`: the runtime's `UiVisibility` variants.
    pub visibility: Option<Vec<&'static str>>,
    /// `app`: the resource is an MCP Apps view.
    pub app: Flag,
    /// `csp(...)`: the origins an app view reaches.
    pub csp: Option<CspAttr>,
    /// `permissions(...)`: the browser capabilities an app view asks for.
    pub permissions: Option<Vec<Ident>>,
    /// `prefers_border = true|false`.
    pub prefers_border: Option<syn::LitBool>,
    /// The first of `csp`, `permissions` and `prefers_border` written, which need `app`.
    pub app_detail: Option<Ident>,
    /// `task` (optional) or `task = "optional" | "required" | "forbidden"`: whether a call
    /// may run as a task; the variant of `TaskSupport`.
    pub task: Option<Spanned<&'static str>>,
    /// `crate = "path"`: the path to mcp-runtime, as written and as parsed.
    pub krate: Option<CratePath>,
    /// The URI was written, wrongly, and that is reported: it is not also missing.
    uri_reported: bool,
}

/// Parses the arguments of a `kind` attribute, recording every problem in `cx`.
/// `attr_span` is the attribute itself, for errors about something missing from it.
///
/// A key whose value is malformed is reported and skipped up to the next `,`, so one
/// mistake does not hide the ones after it.
pub fn parse(cx: &Ctxt, kind: Kind, tokens: TokenStream, attr_span: Span) -> Attr {
    let mut attr = Attr::default();
    let parser = |input: ParseStream<'_>| {
        let mut first = true;
        while !input.is_empty() {
            if input.peek(Lit) {
                positional(cx, kind, &mut attr, input, first)?;
            } else {
                let path = input.call(meta_path)?;
                let meta = Key { path, input };
                if let Err(error) = parse_key(cx, kind, &mut attr, &meta) {
                    cx.syn_error(error);
                    rest_of_key(input)?;
                }
            }
            first = false;
            if input.is_empty() {
                break;
            }
            input.parse::<syn::Token![,]>()?;
        }
        Ok(())
    };
    if let Err(e) = Parser::parse2(parser, tokens) {
        cx.syn_error(e);
    }
    if kind == Kind::Resource && attr.uri.is_none() && !attr.uri_reported {
        cx.syn_error(syn::Error::new(
            attr_span,
            "`#[resource]` needs the URI of the resource first: write `#[resource(\"notes://today\")]`, or a URI template such as `#[resource(\"notes://{id}\")]`",
        ));
    }
    attr
}

/// One `key`, `key = value` or `key(...)` entry, with the input positioned after the key.
pub struct Key<'a> {
    pub path: Path,
    pub input: ParseStream<'a>,
}

impl<'a> Key<'a> {
    /// Consumes the `=` and returns the input positioned at the value.
    pub fn value(&self) -> syn::Result<ParseStream<'a>> {
        self.input.parse::<syn::Token![=]>()?;
        Ok(self.input)
    }
}

/// A key: one identifier (keywords allowed, so that `type` is reported as unknown rather
/// than as a syntax error), or a path, which is never a key but is reported as one.
fn meta_path(input: ParseStream<'_>) -> syn::Result<Path> {
    let mut segments = Punctuated::new();
    segments.push_value(PathSegment::from(Ident::parse_any(input)?));
    while input.peek(syn::Token![::]) {
        segments.push_punct(input.parse()?);
        segments.push_value(PathSegment::from(Ident::parse_any(input)?));
    }
    Ok(Path {
        leading_colon: None,
        segments,
    })
}

/// A literal without a key: the URI of a resource, a mistake everywhere else.
fn positional(
    cx: &Ctxt,
    kind: Kind,
    attr: &mut Attr,
    input: ParseStream<'_>,
    first: bool,
) -> syn::Result<()> {
    let lit: Lit = input.parse()?;
    match (kind, lit) {
        (Kind::Resource, Lit::Str(uri)) if attr.uri.is_none() => {
            if !first {
                cx.error_spanned_by(
                    &uri,
                    "write the URI first, before the keys: `#[resource(\"notes://{id}\", name = \"...\")]`",
                );
            }
            attr.uri = Some(uri);
        }
        (Kind::Resource, Lit::Str(extra)) => cx.error_spanned_by(
            extra,
            "a resource has one URI; to serve several, write one function per URI or use a URI template (`notes://{id}`)",
        ),
        (Kind::Resource, other) if first => {
            attr.uri_reported = true;
            cx.error_spanned_by(
                other,
                "the URI is a string: write `#[resource(\"notes://{id}\")]`",
            );
        }
        (kind, other) => {
            let message = match &other {
                Lit::Str(_) => format!(
                    "`#[{kind}]` takes no value without a key; to set its name, write `name = {}`",
                    quote!(#other),
                    kind = kind.name(),
                ),
                _ => format!(
                    "unexpected value; `#[{}]` takes keys: {}",
                    kind.name(),
                    keys(kind).join(", ")
                ),
            };
            cx.error_spanned_by(other, message);
        }
    }
    Ok(())
}

fn parse_key(cx: &Ctxt, kind: Kind, attr: &mut Attr, meta: &Key<'_>) -> syn::Result<()> {
    let Some(key) = meta.path.get_ident() else {
        return Err(syn::Error::new_spanned(
            &meta.path,
            unknown_key_message(kind, &meta.path),
        ));
    };
    let written = key.unraw().to_string();
    if !keys(kind).contains(&written.as_str()) {
        let message = match inapplicable_key_message(kind, &written) {
            Some(message) => message,
            None => unknown_key_message(kind, &meta.path),
        };
        if kind == Kind::Resource && written == URI && meta.input.peek(syn::Token![=]) {
            // Keep the URI, so that the only error is about how it is written.
            attr.uri_reported = true;
            let uri = string_value(meta, key)?;
            cx.error_spanned_by(
                key,
                format!(
                    "write the URI first, without a key: `#[resource({})]`",
                    quote!(#uri)
                ),
            );
            attr.uri.get_or_insert(uri);
            return Ok(());
        }
        return Err(syn::Error::new_spanned(key, message));
    }
    match written.as_str() {
        NAME => set_once(cx, key, &mut attr.name, string_value(meta, key)?),
        TITLE => set_once(cx, key, &mut attr.title, string_value(meta, key)?),
        DESCRIPTION => set_once(cx, key, &mut attr.description, string_value(meta, key)?),
        MIME_TYPE => set_once(cx, key, &mut attr.mime_type, string_value(meta, key)?),
        RISK => {
            if let Some(risk) = risk_value(cx, meta, key)? {
                set_once(cx, key, &mut attr.risk, risk);
            }
        }
        SCOPES => {
            let scopes = scopes_value(cx, meta, key)?;
            set_once(cx, key, &mut attr.scopes, scopes);
        }
        COMPLETE => {
            for completion in complete_value(meta, key)? {
                if attr.complete.iter().any(|c| c.name() == completion.name()) {
                    cx.error_spanned_by(
                        &completion.key,
                        format!(
                            "duplicate completion for `{}`; remove one",
                            completion.name()
                        ),
                    );
                } else {
                    attr.complete.push(completion);
                }
            }
        }
        READ_ONLY => set_flag(cx, meta, key, &mut attr.read_only)?,
        DESTRUCTIVE => set_flag(cx, meta, key, &mut attr.destructive)?,
        IDEMPOTENT => set_flag(cx, meta, key, &mut attr.idempotent)?,
        OPEN_WORLD => set_flag(cx, meta, key, &mut attr.open_world)?,
        INLINE => set_flag(cx, meta, key, &mut attr.inline)?,
        TIMEOUT => {
            if let Some(timeout) = timeout_value(cx, meta, key)? {
                set_once(cx, key, &mut attr.timeout, timeout);
            }
        }
        ICONS => {
            let icons = icon::icons_value(cx, meta, key)?;
            set_once(cx, key, &mut attr.icons, icons);
        }
        UI => {
            if let Some(uri) = app::ui_value(cx, meta, key)? {
                set_once(cx, key, &mut attr.ui, uri);
            }
        }
        VISIBILITY => {
            let visibility = app::visibility_value(cx, meta, key)?;
            set_once(cx, key, &mut attr.visibility, visibility);
        }
        APP => set_flag(cx, meta, key, &mut attr.app)?,
        CSP | PERMISSIONS | PREFERS_BORDER if attr.app_detail.is_none() => {
            attr.app_detail = Some(key.clone());
            return parse_key(cx, kind, attr, meta);
        }
        CSP => {
            let csp = app::csp_value(cx, meta, key)?;
            set_once(cx, key, &mut attr.csp, csp);
        }
        PERMISSIONS => {
            let permissions = app::permissions_value(cx, meta, key)?;
            set_once(cx, key, &mut attr.permissions, permissions);
        }
        PREFERS_BORDER => {
            let border = app::bool_value(meta, key)?;
            set_once(cx, key, &mut attr.prefers_border, border);
        }
        TASK => {
            if let Some(task) = task_value(cx, meta, key)? {
                set_once(cx, key, &mut attr.task, task);
            }
        }
        CRATE => {
            if let Some(path) = crate_value(cx, meta, key)? {
                set_once(cx, key, &mut attr.krate, path);
            }
        }
        _ => unreachable!("every key of `keys(kind)` has an arm"),
    }
    Ok(())
}

/// Reads `risk = "level"`; an unknown level is reported on the string, and gives `None`.
fn risk_value(cx: &Ctxt, meta: &Key<'_>, key: &Ident) -> syn::Result<Option<Spanned<Risk>>> {
    let lit = string_value(meta, key)?;
    let value = lit.value();
    if let Some(risk) = Risk::from_name(&value) {
        return Ok(Some(Spanned {
            value: risk,
            span: lit.span(),
        }));
    }
    let lower = value.to_ascii_lowercase();
    let hint = match Risk::from_name(&lower) {
        Some(_) => format!("; levels are lowercase: write \"{lower}\""),
        None => String::new(),
    };
    cx.error_spanned_by(
        &lit,
        format!("unknown risk level `{value}`; {}{hint}", Risk::EXPECTED),
    );
    Ok(None)
}

/// `timeout = "30s"`: a whole number of milliseconds (`ms`), seconds (`s`), minutes (`m`) or
/// hours (`h`), more than zero; in milliseconds.
fn timeout_value(cx: &Ctxt, meta: &Key<'_>, key: &Ident) -> syn::Result<Option<Spanned<u64>>> {
    let lit = string_value(meta, key)?;
    let value = lit.value();
    let written = value.trim();
    let split = written
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(written.len());
    let (number, unit) = written.split_at(split);
    let scale = match unit.trim() {
        "ms" => Some(1),
        "s" => Some(1_000),
        "m" | "min" => Some(60_000),
        "h" => Some(3_600_000),
        _ => None,
    };
    let millis = match (number.parse::<u64>(), scale) {
        (Ok(number), Some(scale)) => number.checked_mul(scale),
        _ => None,
    };
    match millis {
        Some(0) => cx.error_spanned_by(
            &lit,
            "a timeout of zero would stop every call at once; give a positive duration such as \"30s\"",
        ),
        Some(millis) => {
            return Ok(Some(Spanned {
                value: millis,
                span: lit.span(),
            }))
        }
        None => cx.error_spanned_by(
            &lit,
            format!(
                "`{value}` is not a duration; write a whole number with a unit: \"500ms\", \"30s\", \"5m\" or \"1h\""
            ),
        ),
    }
    Ok(None)
}

/// `task` alone (`optional`), or `task = "optional" | "required" | "forbidden"`.
fn task_value(
    cx: &Ctxt,
    meta: &Key<'_>,
    key: &Ident,
) -> syn::Result<Option<Spanned<&'static str>>> {
    if !meta.input.peek(syn::Token![=]) {
        if !meta.input.is_empty() && !meta.input.peek(syn::Token![,]) {
            let rest = rest_of_key(meta.input)?;
            return Err(syn::Error::new_spanned(
                quote!(#key #rest),
                "`task` takes its value after `=`: write `task = \"required\"` or `task = \"optional\"`, or `task` alone for \"optional\"",
            ));
        }
        return Ok(Some(Spanned {
            value: "Optional",
            span: key.span(),
        }));
    }
    let lit = string_value(meta, key)?;
    let variant = match lit.value().as_str() {
        "optional" => "Optional",
        "required" => "Required",
        "forbidden" => "Forbidden",
        other => {
            cx.error_spanned_by(
                &lit,
                format!(
                    "unknown task support `{other}`; expected one of: \"optional\" (a task when the client supports tasks), \"required\" (only as a task), \"forbidden\""
                ),
            );
            return Ok(None);
        }
    };
    Ok(Some(Spanned {
        value: variant,
        span: lit.span(),
    }))
}

/// Parses the arguments of `#[mcp_server(...)]`: only `crate = "path"`.
pub fn parse_server(cx: &Ctxt, tokens: TokenStream) -> Option<CratePath> {
    let mut krate = None;
    let parser = |input: ParseStream<'_>| {
        while !input.is_empty() {
            let path = input.call(meta_path)?;
            let meta = Key { path, input };
            let result = match meta.path.get_ident() {
                Some(key) if key == CRATE => crate_value(cx, &meta, key).map(|path| {
                    if let Some(path) = path {
                        set_once(cx, key, &mut krate, path);
                    }
                }),
                _ => {
                    let written = &meta.path;
                    Err(syn::Error::new_spanned(
                        written,
                        format!(
                            "unknown attribute `{}`; `#[mcp_server]` takes only `crate = \"...\"`, the path to mcp-runtime when the dependency is renamed or re-exported",
                            quote!(#written).to_string().replace(' ', ""),
                        ),
                    ))
                }
            };
            if let Err(error) = result {
                cx.syn_error(error);
                rest_of_key(input)?;
            }
            if input.is_empty() {
                break;
            }
            input.parse::<syn::Token![,]>()?;
        }
        Ok(())
    };
    if let Err(error) = Parser::parse2(parser, tokens) {
        cx.syn_error(error);
    }
    krate
}

/// A key that another kind understands, with why it does not fit this one.
fn inapplicable_key_message(kind: Kind, key: &str) -> Option<String> {
    let message = match (kind, key) {
        (Kind::Resource, READ_ONLY) => "`read_only` does not apply to a resource: reading a resource never changes anything, so every resource is read-only; remove it".to_owned(),
        (Kind::Resource, hint) if TOOL_HINTS.contains(&hint) => format!(
            "`{hint}` is a tool hint and does not apply to a resource, whose reads change nothing; remove it, or make the function a `#[tool]`"
        ),
        (Kind::Prompt, hint) if TOOL_HINTS.contains(&hint) => format!(
            "`{hint}` is a tool hint and does not apply to a prompt, which only renders messages; remove it"
        ),
        (Kind::Resource, URI) => {
            "write the URI first, without a key: `#[resource(\"notes://{id}\", ...)]`".to_owned()
        }
        (_, MIME_TYPE) => format!(
            "`mime_type` applies to resources only; a {} has no MIME type, remove it",
            kind.name()
        ),
        (_, TASK) => format!(
            "`task` applies to tools only: a {} is answered at once and cannot run as a task; remove it",
            kind.name()
        ),
        (Kind::Tool | Kind::Prompt, key) if APP_KEYS.contains(&key) => format!(
            "`{key}` describes an MCP Apps view, a `#[resource(\"ui://...\", app)]`; a {} names its view with `ui = \"ui://...\"`",
            kind.name()
        ),
        (Kind::Resource | Kind::Prompt, UI | VISIBILITY) => format!(
            "`{key}` applies to tools, for MCP Apps hosts; a {} cannot have it (a view is a `#[resource(\"ui://...\", app)]`)",
            kind.name()
        ),
        (Kind::Tool, COMPLETE) => "`complete` applies to resource template variables and prompt arguments; tool arguments have no completion, remove it".to_owned(),
        _ => return None,
    };
    Some(message)
}

fn unknown_key_message(kind: Kind, path: &syn::Path) -> String {
    let written = quote!(#path).to_string().replace(' ', "");
    let suggestion = closest_key(kind, &written)
        .map(|key| format!(" (did you mean `{key}`?)"))
        .unwrap_or_default();
    format!(
        "unknown attribute `{written}`{suggestion}; expected one of: {}",
        keys(kind).join(", ")
    )
}

/// A key of `kind` that `written` is probably a misspelling or an abbreviation of
/// (`readonly` → `read_only`, `desc` → `description`).
fn closest_key(kind: Kind, written: &str) -> Option<&'static str> {
    let normalize = |s: &str| s.to_ascii_lowercase().replace(['_', '-'], "");
    let wanted = normalize(written);
    if wanted.len() >= 3 {
        let mut abbreviated = keys(kind)
            .iter()
            .filter(|key| normalize(key).starts_with(&wanted));
        if let (Some(key), None) = (abbreviated.next(), abbreviated.next()) {
            return Some(key);
        }
    }
    keys(kind)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(kind: Kind, tokens: &str) -> (Attr, Vec<String>) {
        let cx = Ctxt::default();
        let attr = parse(&cx, kind, tokens.parse().unwrap(), Span::call_site());
        (attr, cx.messages())
    }

    #[test]
    fn the_uri_comes_first() {
        let (attr, errors) = parse_str(Kind::Resource, r#""notes://{id}", name = "note""#);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(attr.uri.unwrap().value(), "notes://{id}");
        assert_eq!(attr.name.unwrap().value(), "note");
    }

    #[test]
    fn a_resource_without_uri_is_reported() {
        let (_, errors) = parse_str(Kind::Resource, r#"name = "note""#);
        assert_eq!(errors.len(), 1);
        assert!(errors[0].contains("needs the URI"), "{errors:?}");
    }

    #[test]
    fn a_uri_written_wrongly_is_not_also_missing() {
        for tokens in ["42", "uri = notes", r#"uri = "x://y""#] {
            let (_, errors) = parse_str(Kind::Resource, tokens);
            assert_eq!(errors.len(), 1, "{tokens}: {errors:?}");
        }
    }

    #[test]
    fn tool_hints_do_not_apply_to_resources() {
        let (attr, errors) = parse_str(Kind::Resource, r#""x://y", read_only"#);
        assert!(attr.read_only.is_none());
        assert_eq!(errors.len(), 1);
        assert!(
            errors[0].contains("every resource is read-only"),
            "{errors:?}"
        );
    }

    #[test]
    fn completions_are_collected_and_deduplicated() {
        let (attr, errors) = parse_str(Kind::Prompt, "complete(a = f, b = m::g), complete(a = h)");
        let names: Vec<_> = attr.complete.iter().map(Completion::name).collect();
        assert_eq!(names, ["a", "b"]);
        assert_eq!(errors.len(), 1);
        assert!(
            errors[0].contains("duplicate completion for `a`"),
            "{errors:?}"
        );
    }

    #[test]
    fn a_positional_string_on_a_prompt_suggests_name() {
        let (_, errors) = parse_str(Kind::Prompt, r#""review""#);
        assert_eq!(
            errors,
            ["`#[prompt]` takes no value without a key; to set its name, write `name = \"review\"`"]
        );
    }

    #[test]
    fn suggests_the_key_meant() {
        assert_eq!(closest_key(Kind::Tool, "readonly"), Some("read_only"));
        assert_eq!(closest_key(Kind::Tool, "desc"), Some("description"));
        assert_eq!(closest_key(Kind::Tool, "Descr"), Some("description"));
        assert_eq!(closest_key(Kind::Prompt, "titel"), Some("title"));
        assert_eq!(closest_key(Kind::Tool, "idempotant"), Some("idempotent"));
        // `de` starts both `description` and `destructive`: too short to pick one.
        assert_eq!(closest_key(Kind::Tool, "de"), None);
        assert_eq!(closest_key(Kind::Tool, "colour"), None);
    }
}
