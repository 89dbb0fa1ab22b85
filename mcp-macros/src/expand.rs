//! Turning a validated model into code. Nothing here decides what is valid.
//!
//! Each kind contributes three pieces, which [`crate::free_fn`] and [`crate::server`] place
//! around the user's function: items the handler needs (the tools' argument struct), the
//! expression building the descriptor, and the body of the handler method, a pinned future
//! that decodes the inputs, calls the function and converts what it returns.

mod prompt;
mod resource;
mod tool;

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Ident, Type};

use crate::model::{Capability, Function, Header};
use crate::paths::Paths;

/// Items the handler refers to, named with `suffix` so that several fit in one scope.
pub fn support_items(rt: &Paths, capability: &Capability, suffix: &str) -> TokenStream {
    match capability {
        Capability::Tool(tool) => tool::args_struct(rt, tool, &args_struct_name(suffix)),
        Capability::Resource(_) | Capability::Prompt(_) => TokenStream::new(),
    }
}

/// An expression building the capability's descriptor.
pub fn descriptor(rt: &Paths, capability: &Capability) -> TokenStream {
    match capability {
        Capability::Tool(tool) => tool::descriptor(rt, tool),
        Capability::Resource(resource) => resource::descriptor(rt, resource),
        Capability::Prompt(prompt) => prompt::descriptor(rt, prompt),
    }
}

/// The body of the handler method, which has the request in `__call`. `call` is the
/// expression that calls the user's function with the given arguments (in declaration
/// order).
pub fn handler_body(
    rt: &Paths,
    capability: &Capability,
    suffix: &str,
    call: impl FnOnce(Vec<TokenStream>) -> TokenStream,
) -> TokenStream {
    match capability {
        Capability::Tool(tool) => tool::invoke_body(rt, tool, &args_struct_name(suffix), call),
        Capability::Resource(resource) => resource::read_body(rt, resource, call),
        Capability::Prompt(prompt) => prompt::get_body(rt, prompt, call),
    }
}

fn args_struct_name(suffix: &str) -> Ident {
    format_ident!("__McpArgs{}", suffix)
}

/// `.title(...)`, `.risk(...)` and `.scopes(...)`, which every descriptor has.
fn header_builders(rt: &Paths, header: &Header) -> (TokenStream, TokenStream) {
    let title = header.title.as_ref().map(|t| quote!(.title(#t)));
    let risk = format_ident!("{}", header.risk.variant());
    let scopes = &header.scopes;
    let scopes = (!scopes.is_empty()).then(|| quote!(.scopes([#(#scopes),*])));
    let timeout = header
        .timeout_ms
        .map(|millis| quote!(.timeout(#rt::std::time::Duration::from_millis(#millis))));
    let icons = header.icons.iter().map(|icon| {
        let src = &icon.src;
        let mime_type = icon.mime_type.as_ref().map(|m| quote!(.mime_type(#m)));
        let sizes = &icon.sizes;
        let sizes = (!sizes.is_empty()).then(|| quote!(.sizes([#(#sizes),*])));
        let theme = icon.theme.as_ref().map(|theme| {
            let variant = match theme.value().as_str() {
                "dark" => format_ident!("Dark"),
                _ => format_ident!("Light"),
            };
            quote!(.theme(#rt::IconTheme::#variant))
        });
        quote!(.icon(#rt::Icon::new(#src) #mime_type #sizes #theme))
    });
    (
        quote!(#title #(#icons)*),
        quote! {
            .risk(#rt::RiskLevel::#risk)
            #scopes
            #timeout
        },
    )
}

/// `.requires_state::<T>()` for every `State<T>` the function takes, so that a server missing
/// one fails when it is built, not on every call.
fn required_state(function: &Function) -> TokenStream {
    let states = function.params.iter().filter_map(|p| match p {
        crate::model::Param::Injected {
            state: Some(inner), ..
        } => Some(quote_spanned!(inner.span()=> .requires_state::<#inner>())),
        _ => None,
    });
    quote!(#(#states)*)
}

/// `Some("text")` or `None`.
fn optional_str(rt: &Paths, text: Option<&String>) -> TokenStream {
    match text {
        Some(text) => rt.some(text),
        None => rt.none(),
    }
}

/// The call of the user's function: awaited when it is `async`; when it is synchronous, run
/// where blocking is allowed (the runtime's blocking threads), unless it is marked `inline`.
fn awaited(
    rt: &Paths,
    function: &Function,
    header: &Header,
    invocation: TokenStream,
) -> TokenStream {
    if function.is_async {
        quote!(#invocation.await)
    } else if header.inline {
        invocation
    } else {
        quote!(#rt::run_blocking(move || #invocation).await)
    }
}

/// `Box::pin(future)`, requiring the future to be `Send`; a future that is not is reported
/// on `span`, the function's name.
fn pinned(rt: &Paths, future: TokenStream, span: Span) -> TokenStream {
    let send = {
        let rt = rt.at(span);
        quote_spanned!(span=> #rt::assert_send(#future))
    };
    quote!(#rt::std::boxed::Box::pin(#send))
}

/// An injected parameter of a resource or prompt: extracted from the request's context, a
/// failure (unregistered state) answered as an internal error. The bound is checked on the
/// user's type.
fn extract_injected(rt: &Paths, ty: &Type) -> TokenStream {
    let extract = quote_spanned!(ty.span()=> __call.context.extract::<#ty>());
    quote!(#extract.map_err(#rt::RpcError::internal)?)
}
