//! `#[tool]`, `#[resource]` and `#[prompt]` on a free function.
//!
//! ```text
//! #[tool] fn add(a: i64, b: i64) -> i64 { a + b }
//! ```
//! becomes a unit struct `add` (the value passed to `Server::tool`), an inherent
//! `add::call(a, b)` holding the original body unchanged, and, in a `const _` block, the
//! handler impl (`ToolHandler`, `ResourceHandler` or `PromptHandler`) and what it needs.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote};
use syn::ItemFn;

use crate::ctxt::Ctxt;
use crate::expand;
use crate::fallback;
use crate::kind::Kind;
use crate::model::{self, Site};
use crate::paths::Paths;

pub fn expand(kind: Kind, attr: TokenStream, item: ItemFn) -> TokenStream {
    let cx = Ctxt::default();
    let capability = model::read(
        &cx,
        kind,
        attr,
        Span::call_site(),
        &item.attrs,
        &item.sig,
        Site::FreeFunction,
    );

    let rt = Paths::new(capability.header().krate.as_ref());

    // A method in an `impl` block without `#[mcp_server]`: the error says so.
    if item.sig.receiver().is_some() {
        return fallback::method(cx.into_compile_errors(), item);
    }

    let ItemFn {
        attrs,
        vis,
        modifiers,
        sig,
        block,
    } = item;
    // `default fn` (specialization) has no meaning on a free function; refuse it rather than
    // drop it.
    if let Err(error) = modifiers.require_empty() {
        cx.syn_error(error);
    }
    let ident = &sig.ident;
    let docs: Vec<_> = attrs.iter().filter(|a| a.path().is_ident("doc")).collect();
    let cfgs: Vec<_> = attrs.iter().filter(|a| a.path().is_ident("cfg")).collect();
    let mut call_sig = sig.clone();
    call_sig.ident = format_ident!("call", span = sig.ident.span());
    model::strip_param_attrs(&mut call_sig);

    let unit = quote! {
        #(#docs)*
        #(#cfgs)*
        #[allow(non_camel_case_types)]
        #[derive(Clone, Copy, Debug, Default)]
        #vis struct #ident;

        #(#cfgs)*
        impl #ident {
            #(#attrs)*
            #vis #call_sig #block
        }
    };

    if cx.has_errors() {
        return fallback::handler(&rt, kind, ident, &cfgs, unit, cx.into_compile_errors());
    }

    let handler = handler_impl(&rt, kind, &capability, ident);
    quote! {
        #unit

        #(#cfgs)*
        const _: () = {
            #handler
        };
    }
}

/// The support items and the handler trait's implementation for the unit struct `ident`,
/// whose `call` is the user's function.
fn handler_impl(
    rt: &Paths,
    kind: Kind,
    capability: &model::Capability,
    ident: &syn::Ident,
) -> TokenStream {
    let handler = kind.handler_trait(rt);
    let descriptor_type = kind.descriptor_type(rt);
    let request = kind.request_type(rt);
    let future = kind.future_type(rt);
    let method = kind.handler_method();
    let support = expand::support_items(rt, capability, "");
    let descriptor = expand::descriptor(rt, capability);
    let body = expand::handler_body(
        rt,
        capability,
        "",
        |call_args| quote!(#ident::call(#(#call_args),*)),
    );
    quote! {
        #support

        #[automatically_derived]
        impl #handler for #ident {
            fn descriptor(&self) -> #descriptor_type {
                #descriptor
            }

            fn #method(&self, __call: #request) -> #future {
                #body
            }
        }
    }
}
