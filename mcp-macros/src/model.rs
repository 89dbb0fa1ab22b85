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
    Injected {
        ident: Ident,
        ty: Type,
        state: Option<Type>,
    },
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
    let fn_name = unraw(&ident);
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
        Some(lit) => {
            if lit.value().trim().is_empty() {
                cx.error_spanned_by(
                    lit,
                    "`description` is empty; say what the tool does: the model reads it to choose the tool",
                );
            }
            lit.value()
        }
        None => {
            if docs.description.is_empty() {
                cx.error_spanned_by(
                    &ident,
                    format!(
                        "tool `{fn_name}` has no description; add a doc comment (`/// What it does.`) or `#[tool(description = \"...\")]`: the model reads it to choose the tool"
                    ),
                );
            }
            docs.description.clone()
        }
    };

    check_hints(cx, &attr);
    let risk = match &attr.risk {
        Some(risk) => risk.value,
        None if attr.destructive.is_some() => Risk::High,
        None => Risk::Low,
    };

    if !sig.generics.params.is_empty() {
        cx.error_spanned_by(
            &sig.generics,
            "a tool cannot be generic: its input schema must be known at compile time",
        );
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
                        "a tool parameter must be a plain name, which becomes the argument's name: write `name: Type` and destructure inside the body",
                    );
                    continue;
                };
                if let Some(by_ref) = &pat.by_ref {
                    cx.error_spanned_by(
                        by_ref,
                        "a tool parameter cannot be bound by reference: remove `ref`",
                    );
                }
                let ty = (*typed.ty).clone();
                if let Type::ImplTrait(_) = &ty {
                    cx.error_spanned_by(
                        &ty,
                        "a tool parameter needs a concrete type, not `impl Trait`: its input schema is read from the type",
                    );
                }
                match injected(&ty) {
                    Some(state) => params.push(Param::Injected {
                        ident: pat.ident.clone(),
                        ty,
                        state,
                    }),
                    None => {
                        if let Type::Reference(reference) = &ty {
                            let message = match &*reference.elem {
                                Type::Path(p) if p.path.is_ident("str") => {
                                    "tool arguments are decoded into owned values, so a reference cannot be an argument: take `String` instead of `&str`".to_owned()
                                }
                                elem if injected(elem).is_some() => format!(
                                    "take `{}` by value: the runtime hands each call its own",
                                    type_name(elem)
                                ),
                                _ => "tool arguments are decoded into owned values, so a reference cannot be an argument: take the owned type".to_owned(),
                            };
                            cx.error_spanned_by(&ty, message);
                        }
                        let arg_name = unraw(&pat.ident);
                        let doc = docs
                            .arguments
                            .iter()
                            .find(|documented| documented.name == arg_name)
                            .map(|documented| documented.text.clone());
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

    for documented in &docs.arguments {
        let name = &documented.name;
        let param = params.iter().find(|p| match p {
            Param::Argument { ident, .. } | Param::Injected { ident, .. } => unraw(ident) == *name,
        });
        let message = match param {
            Some(Param::Argument { .. }) => continue,
            Some(Param::Injected { .. }) => format!(
                "`{name}` is provided by the runtime, not by the caller; remove it from `# Arguments`"
            ),
            None => format!(
                "`# Arguments` documents `{name}`, but `{fn_name}` has no parameter of that name; fix the name or remove the entry"
            ),
        };
        cx.syn_error(syn::Error::new(documented.span, message));
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

/// An identifier as written without `r#`: the name of the argument on the wire.
fn unraw(ident: &Ident) -> String {
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
