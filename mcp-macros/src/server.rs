//! `#[mcp_server]` on an `impl` block: every method marked `#[tool]`, `#[resource]` or
//! `#[prompt]` becomes a capability sharing the value through `&self`.

use std::collections::HashMap;

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote};
use syn::spanned::Spanned;
use syn::{Attribute, Ident, ImplItem, ItemImpl, Meta, Type};

use crate::attr;
use crate::ctxt::Ctxt;
use crate::expand;
use crate::fallback;
use crate::kind::Kind;
use crate::model::{self, unraw, Capability, Receiver, Site};
use crate::paths::Paths;

pub fn expand(attr: TokenStream, mut item: ItemImpl) -> TokenStream {
    let cx = Ctxt::default();
    let krate = attr::parse_server(&cx, attr);
    let rt = Paths::new(krate.as_ref().map(|krate| &krate.path));
    if let Some((path, _)) = &item.trait_ {
        cx.error_spanned_by(
            path,
            "`#[mcp_server]` goes on an inherent `impl` block, not on a trait impl",
        );
    }
    if !item.generics.params.is_empty() {
        cx.error_spanned_by(
            &item.generics,
            "`#[mcp_server]` does not support generic `impl` blocks: tool schemas must be known at compile time",
        );
    }

    let capabilities = collect(&cx, &mut item, krate.as_ref().map(|krate| &krate.path));
    if capabilities.is_empty() && !cx.has_errors() {
        cx.error_spanned_by(
            &item.self_ty,
            "this `#[mcp_server]` block has no `#[tool]`, `#[resource]` or `#[prompt]` methods; mark the methods to expose with one of them",
        );
    }

    let self_ty = &item.self_ty;
    // Calls share the value from any thread, so the type must be `Send + Sync + 'static`; the
    // `Provider` impl requires it, and that is the one error a type without it gets. Every
    // other generated item states the requirement as a `where` clause that the compiler does
    // not check in advance (it is higher-ranked), so none of them fails a second time.
    let shared = quote!(for<'__mcp> #self_ty: #rt::std::marker::Send
        + #rt::std::marker::Sync + 'static);
    if cx.has_errors() {
        return fallback::provider(&rt, &item, &shared, cx.into_compile_errors());
    }

    let mut pieces = Vec::new();
    let mut registrations: HashMap<Kind, Vec<TokenStream>> = HashMap::new();
    for capability in &capabilities {
        let (piece, registration) = method_capability(&rt, capability, self_ty, &shared);
        pieces.push(piece);
        registrations
            .entry(capability.kind())
            .or_default()
            .push(registration);
    }
    let provider = provider_impl(&rt, registrations, self_ty, &shared);

    quote! {
        #item

        const _: () = {
            #(#pieces)*

            #provider
        };
    }
}

/// The functions behind one method capability (its descriptor and its handler, taking the
/// shared value), and the expression registering them with the shared value in `__this`.
fn method_capability(
    rt: &Paths,
    capability: &Capability,
    self_ty: &Type,
    shared: &TokenStream,
) -> (TokenStream, TokenStream) {
    let kind = capability.kind();
    let method = &capability.header().ident;
    let base = unraw(method);
    let suffix = format!("_{base}");
    let describe = format_ident!("__mcp_describe_{}", base);
    let handle = format_ident!("__mcp_handle_{}", base);
    let support = expand::support_items(rt, capability, &suffix);
    let descriptor = expand::descriptor(rt, capability);
    let receiver = capability.function().receiver;
    let body = expand::handler_body(rt, capability, &suffix, |call_args| match receiver {
        Receiver::Shared => quote!(__this.#method(#(#call_args),*)),
        Receiver::None => quote!(<#self_ty>::#method(#(#call_args),*)),
    });
    let (descriptor_type, request, future) = (
        kind.descriptor_type(rt),
        kind.request_type(rt),
        kind.future_type(rt),
    );
    let piece = quote! {
        #support

        #[allow(non_snake_case)]
        fn #describe() -> #descriptor_type {
            #descriptor
        }

        #[allow(non_snake_case, unused_variables)]
        fn #handle(
            __this: #rt::std::sync::Arc<#self_ty>,
            __call: #request,
        ) -> #future
        where
            #shared,
        {
            #body
        }
    };
    let registration = quote! {
        #rt::std::boxed::Box::new(#rt::Method::new(
            #rt::std::sync::Arc::clone(__this),
            #describe,
            #handle,
        ))
    };
    (piece, registration)
}

/// The `Provider` impl: one method per kind present (`tools`, which is required, always).
///
/// `(&__McpShared(value)).__mcp_tools()` picks `__McpLists` when the type is
/// `Send + Sync + 'static`, and otherwise falls back, through auto-ref, to `__McpNotShared`.
/// The fallback never runs (the `Provider` impl then fails to compile); it exists so that
/// this body compiles and the impl's own requirement is the only error.
fn provider_impl(
    rt: &Paths,
    mut registrations: HashMap<Kind, Vec<TokenStream>>,
    self_ty: &Type,
    shared: &TokenStream,
) -> TokenStream {
    let mut signatures = Vec::new();
    let mut shared_impls = Vec::new();
    let mut fallback_impls = Vec::new();
    let mut provider_impls = Vec::new();
    for kind in Kind::ALL {
        let handlers = match registrations.remove(&kind) {
            Some(handlers) => handlers,
            None if kind == Kind::Tool => Vec::new(),
            None => continue,
        };
        let provider_method = kind.provider_method();
        let list_method = format_ident!("__mcp_{}", provider_method.to_string());
        let handler = kind.handler_trait(rt);
        let list = quote!(#rt::std::vec::Vec<#rt::std::boxed::Box<dyn #handler>>);
        signatures.push(quote!(fn #list_method(&self) -> #list;));
        shared_impls.push(quote! {
            fn #list_method(&self) -> #list {
                let __this = &self.0;
                #rt::std::vec![#(#handlers),*]
            }
        });
        fallback_impls.push(quote! {
            fn #list_method(&self) -> #list {
                #rt::std::vec::Vec::new()
            }
        });
        provider_impls.push(quote! {
            fn #provider_method(self: #rt::std::sync::Arc<Self>) -> #list {
                (&__McpShared(self)).#list_method()
            }
        });
    }
    quote! {
        struct __McpShared(#rt::std::sync::Arc<#self_ty>);

        trait __McpLists {
            #(#signatures)*
        }

        impl __McpLists for __McpShared
        where
            #shared,
        {
            #(#shared_impls)*
        }

        trait __McpNotShared {
            #(#signatures)*
        }

        impl __McpNotShared for &__McpShared {
            #(#fallback_impls)*
        }

        #[automatically_derived]
        impl #rt::Provider for #self_ty {
            #(#provider_impls)*
        }
    }
}

/// Reads every marked method, removing its attribute, and reports names used twice within
/// one kind (and, for resources, URIs served twice).
fn collect(cx: &Ctxt, item: &mut ItemImpl, krate: Option<&syn::Path>) -> Vec<Capability> {
    let mut capabilities = Vec::new();
    let mut names: HashMap<(Kind, String), String> = HashMap::new();
    let mut uris: HashMap<String, String> = HashMap::new();
    for impl_item in &mut item.items {
        let ImplItem::Fn(method) = impl_item else {
            continue;
        };
        let Some(marked) = take_capability_attr(cx, &mut method.attrs, krate) else {
            continue;
        };
        let capability = model::read(
            cx,
            marked.kind,
            marked.tokens,
            marked.span,
            &method.attrs,
            &method.sig,
            Site::Method,
        );
        model::strip_param_attrs(&mut method.sig);
        let fn_name = unraw(&method.sig.ident);
        let header = capability.header();
        let noun = marked.kind.name();
        if let Some(first) = names.insert((marked.kind, header.name.clone()), fn_name.clone()) {
            cx.syn_error(syn::Error::new(
                header.name_span,
                format!(
                    "duplicate {noun} name `{}`: method `{first}` already uses it; rename one with `#[{noun}(name = \"...\")]`",
                    header.name
                ),
            ));
        }
        if let Capability::Resource(resource) = &capability {
            if let Some(first) = uris.insert(resource.uri.clone(), fn_name) {
                cx.syn_error(syn::Error::new(
                    resource.uri_span,
                    format!(
                        "duplicate resource URI `{}`: method `{first}` already serves it; a URI names one resource",
                        resource.uri
                    ),
                ));
            }
        }
        capabilities.push(capability);
    }
    capabilities
}

/// A method's `#[tool]`, `#[resource]` or `#[prompt]` attribute.
struct Marked {
    kind: Kind,
    tokens: TokenStream,
    /// The whole attribute, for errors about what it lacks.
    span: Span,
}

/// Removes the capability attribute from a method and returns it. A second one, of the
/// same kind or another, is reported and ignored. The attribute is written `tool`,
/// `mcp_runtime::tool`, or, under `crate = "path"`, `path::tool`.
fn take_capability_attr(
    cx: &Ctxt,
    attrs: &mut Vec<Attribute>,
    krate: Option<&syn::Path>,
) -> Option<Marked> {
    let kind_of = |attr: &Attribute| {
        let path = attr.path();
        let idents: Vec<&Ident> = path.segments.iter().map(|segment| &segment.ident).collect();
        let (last, prefix) = idents.split_last()?;
        let known = prefix.is_empty()
            || prefix == ["mcp_runtime"]
            || krate.is_some_and(|krate| {
                krate
                    .segments
                    .iter()
                    .map(|segment| &segment.ident)
                    .eq(prefix.iter().copied())
            });
        let kind = Kind::ALL.into_iter().find(|kind| *last == kind.name())?;
        known.then_some(kind)
    };
    let mut found: Option<Marked> = None;
    let mut kept = Vec::with_capacity(attrs.len());
    for attr in attrs.drain(..) {
        let Some(kind) = kind_of(&attr) else {
            kept.push(attr);
            continue;
        };
        if let Some(first) = &found {
            let message = if first.kind == kind {
                format!("duplicate `#[{}]` attribute; remove one", kind.name())
            } else {
                format!(
                    "a method is one capability: it is already marked `#[{}]`, so it cannot also be a {}; write a second method that calls the first",
                    first.kind.name(),
                    kind.name()
                )
            };
            cx.error_spanned_by(&attr, message);
            continue;
        }
        let tokens = match &attr.meta {
            Meta::Path(_) => TokenStream::new(),
            Meta::List(list) => list.tokens.clone(),
            Meta::NameValue(nv) => {
                cx.error_spanned_by(nv, format!("write `#[{0}]` or `#[{0}(...)]`", kind.name()));
                TokenStream::new()
            }
        };
        found = Some(Marked {
            kind,
            tokens,
            span: attr.span(),
        });
    }
    *attrs = kept;
    found
}
