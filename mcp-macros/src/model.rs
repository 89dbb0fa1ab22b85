//! The validated model of one capability, read from a function and its attribute.
//!
//! Everything that can be checked without types is checked here: names, descriptions,
//! URIs, hints that contradict each other, receivers, generics, parameter patterns, which
//! parameter binds which input. Expansion only turns a valid model into code.
//!
//! What every kind shares, the [`Header`] (name, description, permission) and the
//! [`Function`] (receiver and parameters), is read here and in [`signature`]; each kind then
//! checks its own rules in [`tool`], [`resource`] and [`prompt`].

pub mod prompt;
pub mod resource;
mod signature;
pub mod tool;

use proc_macro2::{Span, TokenStream};
use syn::spanned::Spanned;
use syn::{Attribute, GenericArgument, Ident, LitStr, PathArguments, Signature, Type};

use crate::attr::{self, Attr, IconAttr, Risk};
use crate::ctxt::Ctxt;
use crate::docs;
use crate::kind::Kind;

pub use self::prompt::Prompt;
pub use self::resource::Resource;
pub use self::signature::strip_param_attrs;
pub use self::tool::Tool;

/// One function turned into a capability.
pub enum Capability {
    Tool(Tool),
    Resource(Resource),
    Prompt(Prompt),
}

/// What clients learn about any capability besides its inputs.
pub struct Header {
    /// The function's identifier.
    pub ident: Ident,
    /// The name clients use.
    pub name: String,
    /// Tokens that the name came from (the `name = "..."` literal or the function name).
    pub name_span: Span,
    pub title: Option<String>,
    pub description: String,
    pub risk: Risk,
    pub scopes: Vec<String>,
    /// `inline`: the synchronous function runs in place instead of on a blocking thread.
    pub inline: bool,
    /// `timeout = "..."`: how long a call may run, in milliseconds.
    pub timeout_ms: Option<u64>,
    /// `crate = "..."`: the path generated code reaches mcp-runtime by.
    pub krate: Option<syn::Path>,
    /// `icons = [...]`, each already checked.
    pub icons: Vec<IconAttr>,
}

/// The function behind a capability: how to call it and what it takes and returns.
pub struct Function {
    pub receiver: Receiver,
    pub is_async: bool,
    pub params: Vec<Param>,
    /// The declared return type; `None` for `()`.
    pub output: Option<Type>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Receiver {
    /// A free function or an associated function without `self`.
    None,
    /// `&self`.
    Shared,
}

pub enum Param {
    /// Provided by the caller: a tool or prompt argument, a URI template variable.
    Argument {
        ident: Ident,
        ty: Type,
        /// Its entry in the doc comment's `# Arguments` section.
        doc: Option<String>,
        /// `#[header("Name")]`: mirrored into the `Mcp-Param-Name` HTTP header (tools only).
        header: Option<syn::LitStr>,
    },
    /// Provided by the runtime (`Context`, `State<T>`).
    Injected {
        ident: Ident,
        ty: Type,
        state: Option<Box<Type>>,
    },
}

/// Where the function was written, which decides what receivers it may have.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Site {
    FreeFunction,
    Method,
}

/// Reads a capability of `kind` from its attribute arguments, its doc attributes and its
/// signature. `attr_span` is the attribute, for errors about what it lacks.
pub fn read(
    cx: &Ctxt,
    kind: Kind,
    attr_tokens: TokenStream,
    attr_span: Span,
    attrs: &[Attribute],
    sig: &Signature,
    site: Site,
) -> Capability {
    let attr = attr::parse(cx, kind, attr_tokens, attr_span);
    let docs = docs::parse(attrs);
    let header = read_header(cx, kind, &attr, &docs, &sig.ident);
    if let (Some(span), Some(_)) = (attr.inline, &sig.asyncness) {
        cx.syn_error(syn::Error::new(
            span,
            "`inline` is for synchronous functions: an `async fn` already runs in place until it awaits; remove `inline`",
        ));
    }
    if let (Site::Method, Some(krate)) = (site, &attr.krate) {
        cx.error_spanned_by(
            &krate.lit,
            "the methods of an `impl` block are expanded by `#[mcp_server]`: write `crate = \"...\"` there, once for the block",
        );
    }
    let function = signature::read(cx, kind, sig, site, &docs);
    match kind {
        Kind::Tool => Capability::Tool(tool::read(cx, attr, header, function)),
        Kind::Resource => Capability::Resource(resource::read(cx, attr, header, function)),
        Kind::Prompt => Capability::Prompt(prompt::read(cx, attr, header, function)),
    }
}

fn read_header(cx: &Ctxt, kind: Kind, attr: &Attr, docs: &docs::Docs, ident: &Ident) -> Header {
    let noun = kind.name();
    let fn_name = unraw(ident);
    let (name, name_span) = match &attr.name {
        Some(lit) => (lit.value(), lit.span()),
        None => (fn_name.clone(), ident.span()),
    };
    let name_error = match kind {
        // The specification's rule for tool names, which this runtime applies to prompts too:
        // clients offer both by name, often as slash commands.
        Kind::Tool | Kind::Prompt if !mcp_rules::tool_name::is_valid(&name) => Some(format!(
            "invalid {noun} name `{name}`: use 1 to {} characters from A-Z, a-z, 0-9, `_`, `-` and `.`",
            mcp_rules::tool_name::MAX_LEN
        )),
        Kind::Resource if name.trim().is_empty() => {
            Some("`name` is empty; a resource needs a name clients can show".to_owned())
        }
        _ => None,
    };
    if let Some(message) = name_error {
        match &attr.name {
            Some(lit) => cx.error_spanned_by(lit, message),
            None => cx.error_spanned_by(ident, message),
        }
    }

    let description = match &attr.description {
        Some(lit) => {
            if lit.value().trim().is_empty() {
                cx.error_spanned_by(
                    lit,
                    format!(
                        "`description` is empty; say what the {noun} does: {}",
                        kind.description_reason()
                    ),
                );
            }
            lit.value()
        }
        None => {
            if docs.description.is_empty() {
                cx.error_spanned_by(
                    ident,
                    format!(
                        "{noun} `{fn_name}` has no description; add a doc comment (`/// What it does.`) or `#[{noun}(description = \"...\")]`: {}",
                        kind.description_reason()
                    ),
                );
            }
            docs.description.clone()
        }
    };

    Header {
        ident: ident.clone(),
        name,
        name_span,
        title: attr.title.as_ref().map(LitStr::value),
        description,
        risk: attr.risk.as_ref().map_or(Risk::Low, |risk| risk.value),
        scopes: attr.scopes.iter().flatten().map(LitStr::value).collect(),
        inline: attr.inline.is_some(),
        timeout_ms: attr.timeout.as_ref().map(|timeout| timeout.value),
        krate: attr.krate.as_ref().map(|krate| krate.path.clone()),
        icons: attr.icons.clone().unwrap_or_default(),
    }
}

impl Capability {
    pub fn kind(&self) -> Kind {
        match self {
            Capability::Tool(_) => Kind::Tool,
            Capability::Resource(_) => Kind::Resource,
            Capability::Prompt(_) => Kind::Prompt,
        }
    }

    pub fn header(&self) -> &Header {
        match self {
            Capability::Tool(tool) => &tool.header,
            Capability::Resource(resource) => &resource.header,
            Capability::Prompt(prompt) => &prompt.header,
        }
    }

    pub fn function(&self) -> &Function {
        match self {
            Capability::Tool(tool) => &tool.function,
            Capability::Resource(resource) => &resource.function,
            Capability::Prompt(prompt) => &prompt.function,
        }
    }
}

impl Function {
    /// The parameters the caller provides, with their `# Arguments` documentation.
    pub fn arguments(&self) -> impl Iterator<Item = (&Ident, &Type, Option<&String>)> {
        self.params.iter().filter_map(|p| match p {
            Param::Argument { ident, ty, doc, .. } => Some((ident, ty, doc.as_ref())),
            Param::Injected { .. } => None,
        })
    }

    /// Where errors about the returned value go: the return type, or the function's name
    /// when it returns `()`.
    pub fn output_span(&self, header: &Header) -> Span {
        self.output
            .as_ref()
            .map_or(header.ident.span(), |ty| ty.span())
    }
}

impl Param {
    pub fn ident(&self) -> &Ident {
        match self {
            Param::Argument { ident, .. } | Param::Injected { ident, .. } => ident,
        }
    }
}

/// An identifier as written without `r#`: the name of the input on the wire.
pub fn unraw(ident: &Ident) -> String {
    ident.to_string().trim_start_matches("r#").to_owned()
}

/// A type as the user wrote it, for messages: `State<Config>`, not `State < Config >`.
fn type_name(ty: &Type) -> String {
    quote::quote!(#ty)
        .to_string()
        .replace(" <", "<")
        .replace("< ", "<")
        .replace(" >", ">")
        .replace(" ::", "::")
        .replace(":: ", "::")
        .replace(" ,", ",")
}

/// True for `Option<...>` (by its last path segment), whose input may be left out.
pub fn is_option(ty: &Type) -> bool {
    option_segment(ty).is_some()
}

/// `T` of `Option<T>`.
pub fn option_inner(ty: &Type) -> Option<&Type> {
    let PathArguments::AngleBracketed(args) = &option_segment(ty)?.arguments else {
        return None;
    };
    match args.args.first() {
        Some(GenericArgument::Type(inner)) if args.args.len() == 1 => Some(inner),
        _ => None,
    }
}

fn option_segment(ty: &Type) -> Option<&syn::PathSegment> {
    match ty {
        Type::Path(path) => path
            .path
            .segments
            .last()
            .filter(|segment| segment.ident == "Option"),
        Type::Group(group) => option_segment(&group.elem),
        Type::Paren(paren) => option_segment(&paren.elem),
        _ => None,
    }
}

/// `` `a`, `b` ``: names for a message.
pub fn quoted_list(names: &[String]) -> String {
    names
        .iter()
        .map(|name| format!("`{name}`"))
        .collect::<Vec<_>>()
        .join(", ")
}
