//! Reading the signature every kind shares the rules for: no generics, `&self` or no
//! receiver, plain parameter names, owned types, and which parameters the runtime injects.

use syn::{
    FnArg, GenericArgument, Pat, PathArguments, ReceiverKind, ReturnType, Safety, Signature, Type,
};

use super::{type_name, unraw, Function, Param, Receiver, Site};
use crate::ctxt::Ctxt;
use crate::docs::Docs;
use crate::kind::Kind;

pub fn read(cx: &Ctxt, kind: Kind, sig: &Signature, site: Site, docs: &Docs) -> Function {
    check_shape(cx, kind, sig);
    let mut receiver = Receiver::None;
    let mut params = Vec::new();
    let mut headers: Vec<String> = Vec::new();
    for input in &sig.inputs {
        match input {
            FnArg::Receiver(r) => {
                if let Some(read) = read_receiver(cx, kind, r, site) {
                    receiver = read;
                }
            }
            FnArg::Typed(typed) => {
                if let Some(param) = read_param(cx, kind, typed, docs, &mut headers) {
                    params.push(param);
                }
            }
        }
    }
    check_documented(cx, docs, &params, &unraw(&sig.ident));
    let output = match &sig.output {
        ReturnType::Default => None,
        ReturnType::Type(_, ty) => Some((**ty).clone()),
    };
    Function {
        receiver,
        is_async: sig.asyncness.is_some(),
        params,
        output,
    }
}

/// What no capability function may be: generic, constrained, variadic or `unsafe`.
fn check_shape(cx: &Ctxt, kind: Kind, sig: &Signature) {
    let noun = kind.name();
    if !sig.generics.params.is_empty() {
        cx.error_spanned_by(
            &sig.generics,
            format!("a {noun} cannot be generic: {}", generic_reason(kind)),
        );
    }
    if let Some(where_clause) = &sig.generics.where_clause {
        cx.error_spanned_by(
            where_clause,
            format!("a {noun} cannot have a `where` clause"),
        );
    }
    if let Some(variadic) = &sig.variadic {
        cx.error_spanned_by(variadic, format!("a {noun} cannot be variadic"));
    }
    if let Safety::Unsafe(unsafety) = &sig.safety {
        cx.error_spanned_by(unsafety, format!("a {noun} cannot be an `unsafe fn`"));
    }
}

/// The receiver, when it is the `&self` of a method under `#[mcp_server]`; anything else is
/// reported.
fn read_receiver(cx: &Ctxt, kind: Kind, r: &syn::Receiver, site: Site) -> Option<Receiver> {
    let noun = kind.name();
    if site == Site::FreeFunction {
        cx.error_spanned_by(
            r,
            format!("`#[{noun}]` on a method needs `#[mcp_server]` on its `impl` block"),
        );
    } else if !matches!(r.kind, ReceiverKind::Reference(..)) {
        cx.error_spanned_by(
            r,
            format!("a {noun} method takes `&self`, not `self`: the value is shared by concurrent calls"),
        );
    } else if matches!(r.kind, ReceiverKind::Reference(_, _, Some(_))) {
        cx.error_spanned_by(
            r,
            format!("a {noun} method takes `&self`, not `&mut self`: calls run concurrently, so use interior mutability (`Mutex`, atomics)"),
        );
    } else {
        return Some(Receiver::Shared);
    }
    None
}

/// One typed parameter: injected by the runtime, or an argument from the caller with its
/// documentation and header. `None` when its pattern is not a plain name (reported).
fn read_param(
    cx: &Ctxt,
    kind: Kind,
    typed: &syn::PatType,
    docs: &Docs,
    headers: &mut Vec<String>,
) -> Option<Param> {
    let noun = kind.name();
    let Pat::Ident(pat) = &*typed.pat else {
        cx.error_spanned_by(
            &typed.pat,
            format!(
                "a {noun} parameter must be a plain name, {}: write `name: Type` and destructure inside the body",
                name_role(kind)
            ),
        );
        return None;
    };
    if let Some(by_ref) = &pat.by_ref {
        cx.error_spanned_by(
            by_ref,
            format!("a {noun} parameter cannot be bound by reference: remove `ref`"),
        );
    }
    let ty = (*typed.ty).clone();
    if let Type::ImplTrait(_) = &ty {
        cx.error_spanned_by(
            &ty,
            format!(
                "a {noun} parameter needs a concrete type, not `impl Trait`: {}",
                decoded(kind)
            ),
        );
    }
    let header = header_attr(cx, kind, &typed.attrs, &ty, headers);
    if let Some(state) = injected(&ty) {
        return Some(Param::Injected {
            ident: pat.ident.clone(),
            ty,
            state: state.map(Box::new),
        });
    }
    if let Type::Reference(reference) = &ty {
        check_reference(cx, kind, reference, &ty);
    }
    let arg_name = unraw(&pat.ident);
    let doc = docs
        .arguments
        .iter()
        .find(|documented| documented.name == arg_name)
        .map(|documented| documented.text.clone());
    Some(Param::Argument {
        ident: pat.ident.clone(),
        ty,
        doc,
        header,
    })
}

/// Reports an argument taken by reference: arguments are decoded into owned values.
fn check_reference(cx: &Ctxt, kind: Kind, reference: &syn::TypeReference, ty: &Type) {
    let inputs = inputs(kind);
    let input = one_input(kind);
    let message = match &*reference.elem {
        Type::Path(p) if p.path.is_ident("str") => format!(
            "{inputs} are decoded into owned values, so a reference cannot be {input}: take `String` instead of `&str`"
        ),
        elem if injected(elem).is_some() => format!(
            "take `{}` by value: the runtime hands each call its own",
            type_name(elem)
        ),
        _ => format!("{inputs} are decoded into owned values, so a reference cannot be {input}: take the owned type"),
    };
    cx.error_spanned_by(ty, message);
}

/// Every `# Arguments` entry must name an argument of the function.
fn check_documented(cx: &Ctxt, docs: &Docs, params: &[Param], fn_name: &str) {
    for documented in &docs.arguments {
        let name = &documented.name;
        let param = params.iter().find(|p| unraw(p.ident()) == *name);
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
}

/// Reads `#[header("Name")]` on a parameter: the HTTP header name (after `Mcp-Param-`) the
/// argument is mirrored into. Checks what the specification requires at compile time: a
/// header-name token, unique among the tool's parameters ignoring case, on a string, integer
/// or boolean parameter of a tool.
fn header_attr(
    cx: &Ctxt,
    kind: Kind,
    attrs: &[syn::Attribute],
    ty: &Type,
    seen: &mut Vec<String>,
) -> Option<syn::LitStr> {
    let mut found = None;
    for attr in attrs.iter().filter(|a| a.path().is_ident("header")) {
        if kind != Kind::Tool {
            cx.error_spanned_by(
                attr,
                format!(
                    "`#[header]` mirrors tool arguments into HTTP headers; a {} parameter cannot have one",
                    kind.name()
                ),
            );
            continue;
        }
        let name: syn::LitStr = match attr.parse_args() {
            Ok(name) => name,
            Err(_) => {
                cx.error_spanned_by(
                    attr,
                    "write the header name as a string: `#[header(\"Region\")]` sends `Mcp-Param-Region`",
                );
                continue;
            }
        };
        let value = name.value();
        if !mcp_rules::header::is_token(&value) {
            cx.error_spanned_by(
                &name,
                format!("`{value}` is not an HTTP header name: use letters, digits and `-`, such as \"Region\""),
            );
            continue;
        }
        if seen
            .iter()
            .any(|other| mcp_rules::header::same_name(other, &value))
        {
            cx.error_spanned_by(
                &name,
                format!("another parameter already uses the header `{value}` (header names ignore case)"),
            );
            continue;
        }
        if found.is_some() {
            cx.error_spanned_by(attr, "a parameter is mirrored into one header only");
            continue;
        }
        if injected(ty).is_some() {
            cx.error_spanned_by(
                ty,
                "`#[header]` mirrors an argument the caller sends; the runtime provides this parameter",
            );
            continue;
        }
        if !header_type(ty) {
            cx.error_spanned_by(
                ty,
                format!(
                    "only string, integer and boolean arguments can be mirrored into a header; `{}` cannot",
                    type_name(ty)
                ),
            );
            continue;
        }
        seen.push(value);
        found = Some(name);
    }
    found
}

/// `String`, an integer type or `bool`, optionally in an `Option`.
fn header_type(ty: &Type) -> bool {
    let Type::Path(path) = ty else { return false };
    let Some(last) = path.path.segments.last() else {
        return false;
    };
    let name = last.ident.to_string();
    if name == "Option" {
        return match &last.arguments {
            PathArguments::AngleBracketed(args) => match args.args.first() {
                Some(GenericArgument::Type(inner)) if args.args.len() == 1 => header_type(inner),
                _ => false,
            },
            _ => false,
        };
    }
    last.arguments.is_empty()
        && matches!(
            name.as_str(),
            "String"
                | "bool"
                | "i8"
                | "i16"
                | "i32"
                | "i64"
                | "u8"
                | "u16"
                | "u32"
                | "u64"
                | "isize"
                | "usize"
        )
}

/// Removes the parameter attributes this crate reads (`#[header]`), so the function can be
/// emitted as written otherwise.
pub fn strip_param_attrs(sig: &mut Signature) {
    for input in &mut sig.inputs {
        if let FnArg::Typed(typed) = input {
            typed.attrs.retain(|a| !a.path().is_ident("header"));
        }
    }
}

/// What the caller passes to each non-injected parameter, in the plural.
fn inputs(kind: Kind) -> &'static str {
    match kind {
        Kind::Tool => "tool arguments",
        Kind::Resource => "template variables",
        Kind::Prompt => "prompt arguments",
    }
}

/// How an input gets its value, for errors about parameter types.
fn decoded(kind: Kind) -> &'static str {
    match kind {
        Kind::Tool => "its input schema is read from the type",
        Kind::Resource | Kind::Prompt => "the value is parsed from a string into it with `FromStr`",
    }
}

fn generic_reason(kind: Kind) -> &'static str {
    match kind {
        Kind::Tool => "its input schema must be known at compile time",
        Kind::Resource => "each template variable is parsed into its parameter's concrete type",
        Kind::Prompt => "each argument is parsed into its parameter's concrete type",
    }
}

/// What a parameter's name is used for.
fn name_role(kind: Kind) -> &'static str {
    match kind {
        Kind::Tool | Kind::Prompt => "which becomes the argument's name",
        Kind::Resource => "which names the template variable it binds",
    }
}

fn one_input(kind: Kind) -> &'static str {
    match kind {
        Kind::Tool | Kind::Prompt => "an argument",
        Kind::Resource => "a template variable",
    }
}

/// `Context`, `Caller` and `State<T>` are provided by the runtime; `Some(Some(T))` for
/// `State<T>`.
fn injected(ty: &Type) -> Option<Option<Type>> {
    let Type::Path(path) = ty else { return None };
    if path.qself.is_some() {
        return None;
    }
    let last = path.path.segments.last()?;
    match last.ident.to_string().as_str() {
        "Context" | "Caller" if last.arguments.is_empty() => Some(None),
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
