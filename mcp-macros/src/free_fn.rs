//! `#[tool]` on a free function.
//!
//! ```text
//! #[tool] fn add(a: i64, b: i64) -> i64 { a + b }
//! ```
//! becomes a unit struct `add` (the value passed to `Server::tool`), an inherent
//! `add::call(a, b)` holding the original body unchanged, and, in a `const _` block, the
//! argument struct and the `ToolHandler` impl.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::ItemFn;

use crate::ctxt::Ctxt;
use crate::expand;
use crate::model::{self, Site};

pub fn expand(attr: TokenStream, item: ItemFn) -> TokenStream {
    let cx = Ctxt::default();
    let tool = model::read(&cx, attr, &item.attrs, &item.sig, Site::FreeFunction);

    // A method in an `impl` block without `#[mcp_server]`: the error says so; keep the method
    // as written so that nothing else fails (a struct is not allowed inside an `impl`).
    if item.sig.receiver().is_some() {
        let errors = cx.into_compile_errors();
        return quote! {
            #errors
            #item
        };
    }

    let ItemFn {
        attrs,
        vis,
        sig,
        block,
    } = item;
    let ident = &sig.ident;
    let docs: Vec<_> = attrs.iter().filter(|a| a.path().is_ident("doc")).collect();
    let cfgs: Vec<_> = attrs.iter().filter(|a| a.path().is_ident("cfg")).collect();
    let mut call_sig = sig.clone();
    call_sig.ident = format_ident!("call", span = sig.ident.span());

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
        let errors = cx.into_compile_errors();
        return quote! {
            #unit
            #errors
            #(#cfgs)*
            impl ::mcp_runtime::__private::ToolHandler for #ident {
                fn descriptor(&self) -> ::mcp_runtime::__private::ToolDescriptor {
                    ::mcp_runtime::__private::std::unreachable!()
                }
                fn invoke(&self, _: ::mcp_runtime::__private::ToolCall) -> ::mcp_runtime::__private::ToolFuture {
                    ::mcp_runtime::__private::std::unreachable!()
                }
            }
        };
    }

    let args = format_ident!("__McpArgs");
    let args_struct = expand::args_struct(&tool, &args);
    let descriptor = expand::descriptor(&tool);
    let invoke = expand::invoke_body(
        &tool,
        &args,
        |call_args| quote!(#ident::call(#(#call_args),*)),
    );

    quote! {
        #unit

        #(#cfgs)*
        const _: () = {
            #args_struct

            #[automatically_derived]
            impl ::mcp_runtime::__private::ToolHandler for #ident {
                fn descriptor(&self) -> ::mcp_runtime::__private::ToolDescriptor {
                    #descriptor
                }

                fn invoke(&self, __call: ::mcp_runtime::__private::ToolCall) -> ::mcp_runtime::__private::ToolFuture {
                    #invoke
                }
            }
        };
    }
}
