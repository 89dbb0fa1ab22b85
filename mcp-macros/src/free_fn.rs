//! `#[tool]`, `#[resource]` and `#[prompt]` on a free function.
//!
//! ```text
//! #[tool] fn add(a: i64, b: i64) -> i64 { a + b }
//! ```
//! stays that function, unchanged but for the parameter attributes the macros read, and gains
//! a companion: a field-less braced struct `add {}`, which lives in the type namespace only,
//! so the function keeps its name as a value (callable as `add(1, 2)`, and a parameter or a
//! local may be called `add`). `tools![add]` names the companion, whose handler impl
//! (`ToolHandler`, `ResourceHandler` or `PromptHandler`), with what it needs, sits in a
//! `const _` block and calls the function.

use proc_macro2::{Span, TokenStream};
use quote::quote;
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
    let cfgs: Vec<_> = attrs.iter().filter(|a| a.path().is_ident("cfg")).collect();
    let mut fn_sig = sig.clone();
    model::strip_param_attrs(&mut fn_sig);
    let companion_doc = format!(
        "The `#[{kind}]` capability `{ident}`: register it with `{kind}s![{ident}]`.",
        kind = kind.name()
    );

    let unit = quote! {
        #(#attrs)*
        #vis #fn_sig #block

        #[doc = #companion_doc]
        #[doc(hidden)]
        #(#cfgs)*
        #[allow(non_camel_case_types)]
        #[derive(Clone, Copy, Debug, Default)]
        #vis struct #ident {}
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

/// The support items and the handler trait's implementation for the companion struct
/// `ident` of the user's function `ident`.
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
        |call_args| quote!(#ident(#(#call_args),*)),
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
