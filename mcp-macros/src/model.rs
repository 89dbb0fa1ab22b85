//! The validated model of one tool, read from a function and its `#[tool]` attribute.
//!
//! Everything that can be checked without types is checked here: names, descriptions,
//! hints that contradict each other, receivers, generics, parameter patterns. Expansion only
//! turns a valid model into code.

use proc_macro2::{Span, TokenStream};
use syn::spanned::Spanned;
use syn::{FnArg, GenericArgument, Ident, LitStr, Pat, PathArguments, ReturnType, Signature, Type};

use crate::attr::{parse_tool_attr, Risk, ToolAttr};
use crate::ctxt::Ctxt;
use crate::docs;

pub struct Tool {
    /// The function's identifier.
    pub ident: Ident,
    /// The name clients call it by.
    pub name: String,
    /// Tokens that the name came from (the `name = "..."` literal or the function name).
    pub name_span: Span,
    pub title: Option<String>,
    pub description: String,
    pub risk: Risk,
    pub scopes: Vec<String>,
    pub read_only: bool,
    pub destructive: bool,
    pub idempotent: bool,
    pub open_world: bool,
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
    /// Provided by the caller: a property of the input schema.
    Argument {
        ident: Ident,
        ty: Type,
        doc: Option<String>,
    },
    /// Provided by the runtime (`Context`, `State<T>`).
    Injected { ty: Type, state: Option<Type> },
}

/// Where the function was written, which decides what receivers it may have.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Site {
    FreeFunction,
    Method,
}

/// Reads a tool from its attribute arguments, its doc attributes and its signature.
pub fn read(
    cx: &Ctxt,
    attr_tokens: TokenStream,
    attrs: &[syn::Attribute],
    sig: &Signature,
    site: Site,
) -> Tool {
    let attr = parse_tool_attr(cx, attr_tokens);
    let docs = docs::parse(attrs);

    let ident = sig.ident.clone();
    let fn_name = ident.to_string().trim_start_matches("r#").to_owned();
    let (name, name_span) = match &attr.name {
        Some(lit) => (lit.value(), lit.span()),
        None => (fn_name.clone(), ident.span()),
    };
    if !valid_tool_name(&name) {
        let message = format!(
            "invalid tool name `{name}`: use 1 to 128 characters from A-Z, a-z, 0-9, `_`, `-` and `.`"
        );
        match &attr.name {
            Some(lit) => cx.error_spanned_by(lit, message),
            None => cx.error_spanned_by(&ident, message),
        }
    }

    let description = match &attr.description {
        Some(lit) => lit.value(),
        None => docs.description.clone(),
    };
    if description.trim().is_empty() {
        cx.error_spanned_by(
            &ident,
            format!(
                "tool `{fn_name}` has no description; add a doc comment (`/// What it does.`) or `#[tool(description = \"...\")]`: the model reads it to choose the tool"
            ),
        );
    }

    check_hints(cx, &attr);
    let risk = match &attr.risk {
        Some(risk) => risk.value,
        None if attr.destructive.is_some() => Risk::High,
        None => Risk::Low,
    };

    if let Some(param) = sig.generics.params.first() {
        cx.error_spanned_by(
            &sig.generics,
            "a tool cannot be generic: its input schema must be known at compile time",
        );
        let _ = param;
    }
    if let Some(where_clause) = &sig.generics.where_clause {
        cx.error_spanned_by(where_clause, "a tool cannot have a `where` clause");
    }
    if let Some(variadic) = &sig.variadic {
        cx.error_spanned_by(variadic, "a tool cannot be variadic");
    }
    if let Some(unsafety) = &sig.unsafety {
        cx.error_spanned_by(unsafety, "a tool cannot be an `unsafe fn`");
    }

    let mut receiver = Receiver::None;
    let mut params = Vec::new();
    for input in &sig.inputs {
        match input {
            FnArg::Receiver(r) => {
                if site == Site::FreeFunction {
                    cx.error_spanned_by(
                        r,
                        "`#[tool]` on a method needs `#[mcp_server]` on its `impl` block",
                    );
                } else if r.reference.is_none() {
                    cx.error_spanned_by(
                        r,
                        "a tool method takes `&self`, not `self`: the value is shared by concurrent calls",
                    );
                } else if r.mutability.is_some() {
                    cx.error_spanned_by(
                        r,
                        "a tool method takes `&self`, not `&mut self`: calls run concurrently, so use interior mutability (`Mutex`, atomics)",
                    );
                } else {
                    receiver = Receiver::Shared;
                }
            }
            FnArg::Typed(typed) => {
                let Pat::Ident(pat) = &*typed.pat else {
                    cx.error_spanned_by(
                        &typed.pat,
                        "tool parameters must be plain names: their names are the argument names",
                    );
                    continue;
                };
                if let Some(by_ref) = &pat.by_ref {
                    cx.error_spanned_by(by_ref, "tool parameters cannot be bound by reference");
                }
                let ty = (*typed.ty).clone();
                match injected(&ty) {
                    Some(state) => params.push(Param::Injected { ty, state }),
                    None => {
                        if let Type::Reference(reference) = &ty {
                            let hint = match &*reference.elem {
                                Type::Path(p) if p.path.is_ident("str") => {
                                    " (use `String` instead of `&str`)"
                                }
                                _ => "",
                            };
                            cx.error_spanned_by(
                                &ty,
                                format!("tool arguments are decoded into owned values; a reference cannot be an argument{hint}"),
                            );
                        }
                        let arg_name = pat.ident.to_string().trim_start_matches("r#").to_owned();
                        let doc = docs
                            .arguments
                            .iter()
                            .find(|(n, _)| *n == arg_name)
                            .map(|(_, text)| text.clone());
                        params.push(Param::Argument {
                            ident: pat.ident.clone(),
                            ty,
                            doc,
                        });
                    }
                }
            }
        }
    }

    for (documented, _) in &docs.arguments {
        let known = params.iter().any(|p| match p {
            Param::Argument { ident, .. } => {
                ident.to_string().trim_start_matches("r#") == documented
            }
            Param::Injected { .. } => false,
        });
        if !known {
            let span = docs.span.unwrap_or_else(|| ident.span());
            cx.syn_error(syn::Error::new(
                span,
                format!("the `# Arguments` section documents `{documented}`, but `{fn_name}` has no argument of that name"),
            ));
        }
    }

    let output = match &sig.output {
        ReturnType::Default => None,
        ReturnType::Type(_, ty) => {
            if let Type::ImplTrait(_) = &**ty {
                cx.error_spanned_by(
                    ty,
                    "a tool must return a concrete type, not `impl Trait`: its output schema is read from the type",
                );
            }
            Some((**ty).clone())
        }
    };

    Tool {
        ident,
        name,
        name_span,
        title: attr.title.as_ref().map(LitStr::value),
        description,
        risk,
        scopes: attr.scopes.iter().flatten().map(LitStr::value).collect(),
        read_only: attr.read_only.is_some(),
        destructive: attr.destructive.is_some(),
        idempotent: attr.idempotent.is_some(),
        open_world: attr.open_world.is_some(),
        receiver,
        is_async: sig.asyncness.is_some(),
        params,
        output,
    }
}

fn check_hints(cx: &Ctxt, attr: &ToolAttr) {
    if let (Some(_), Some(destructive)) = (attr.read_only, attr.destructive) {
        cx.syn_error(syn::Error::new(
            destructive,
            "`destructive` contradicts `read_only`: a tool that does not modify its environment cannot destroy anything",
        ));
    }
    if let (Some(_), Some(risk)) = (attr.destructive, &attr.risk) {
        if risk.value == Risk::Low {
            cx.syn_error(syn::Error::new(
                risk.span,
                "a `destructive` tool cannot have risk \"low\"; declare \"medium\", \"high\" or \"critical\"",
            ));
        }
    }
}

/// `Context` and `State<T>` are provided by the runtime; `Some(Some(T))` for `State<T>`.
fn injected(ty: &Type) -> Option<Option<Type>> {
    let Type::Path(path) = ty else { return None };
    if path.qself.is_some() {
        return None;
    }
    let last = path.path.segments.last()?;
    match last.ident.to_string().as_str() {
        "Context" if last.arguments.is_empty() => Some(None),
        "State" => {
            let PathArguments::AngleBracketed(args) = &last.arguments else {
                return None;
            };
            match args.args.first() {
                Some(GenericArgument::Type(inner)) if args.args.len() == 1 => {
                    Some(Some(inner.clone()))
                }
                _ => None,
            }
        }
        _ => None,
    }
}

/// The specification's rule for tool names.
pub fn valid_tool_name(name: &str) -> bool {
    (1..=128).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
}

impl Tool {
    pub fn arguments(&self) -> impl Iterator<Item = (&Ident, &Type, Option<&String>)> {
        self.params.iter().filter_map(|p| match p {
            Param::Argument { ident, ty, doc } => Some((ident, ty, doc.as_ref())),
            Param::Injected { .. } => None,
        })
    }

    pub fn output_span(&self) -> Span {
        self.output
            .as_ref()
            .map_or(self.ident.span(), |ty| ty.span())
    }
}
