//! `#[mcp_server]` on an `impl` block: every method marked `#[tool]` becomes a tool sharing
//! the value through `&self`.

use std::collections::HashMap;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::{Attribute, ImplItem, ItemImpl, Meta};

use crate::ctxt::Ctxt;
use crate::expand;
use crate::model::{self, Receiver, Site};

pub fn expand(attr: TokenStream, mut item: ItemImpl) -> TokenStream {
    let cx = Ctxt::default();
    if !attr.is_empty() {
        cx.error_spanned_by(&attr, "`#[mcp_server]` takes no arguments");
    }
    if let Some((_, path, _)) = &item.trait_ {
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

    let mut tools = Vec::new();
    let mut names: HashMap<String, String> = HashMap::new();
    for impl_item in &mut item.items {
        let ImplItem::Fn(method) = impl_item else {
            continue;
        };
        let Some(attr_tokens) = take_tool_attr(&cx, &mut method.attrs) else {
            continue;
        };
        let tool = model::read(&cx, attr_tokens, &method.attrs, &method.sig, Site::Method);
        let fn_name = method.sig.ident.to_string();
        if let Some(first) = names.insert(tool.name.clone(), fn_name.clone()) {
            cx.syn_error(syn::Error::new(
                tool.name_span,
                format!(
                    "duplicate tool name `{}`: method `{first}` already uses it; rename one with `#[tool(name = \"...\")]`",
                    tool.name
                ),
            ));
        }
        tools.push(tool);
    }
    if tools.is_empty() && !cx.has_errors() {
        cx.error_spanned_by(
            &item.self_ty,
            "this `#[mcp_server]` block has no `#[tool]` methods; mark the methods to expose with `#[tool]`",
        );
    }

    let self_ty = &item.self_ty;
    // Calls share the value from any thread, so the type must be `Send + Sync + 'static`; the
    // `Provider` impl requires it, and that is the one error a type without it gets. Every
    // other generated item states the requirement as a `where` clause that the compiler does
    // not check in advance (it is higher-ranked), so none of them fails a second time.
    let shared = quote!(for<'__mcp> #self_ty: ::mcp_runtime::__private::std::marker::Send
        + ::mcp_runtime::__private::std::marker::Sync + 'static);
    if cx.has_errors() {
        let errors = cx.into_compile_errors();
        let (impl_generics, _, where_clause) = item.generics.split_for_impl();
        let predicates = where_clause.map(|w| &w.predicates);
        return quote! {
            #item
            #errors
            impl #impl_generics ::mcp_runtime::__private::Provider for #self_ty where #shared, #predicates {
                fn tools(self: ::mcp_runtime::__private::std::sync::Arc<Self>) -> ::mcp_runtime::__private::std::vec::Vec<::mcp_runtime::__private::std::boxed::Box<dyn ::mcp_runtime::__private::ToolHandler>> {
                    ::mcp_runtime::__private::std::unreachable!()
                }
            }
        };
    }

    let mut pieces = Vec::new();
    let mut registrations = Vec::new();
    for tool in &tools {
        let method = &tool.ident;
        let base = method.to_string().trim_start_matches("r#").to_owned();
        let args = format_ident!("__McpArgs_{}", base);
        let describe = format_ident!("__mcp_describe_{}", base);
        let invoke_fn = format_ident!("__mcp_invoke_{}", base);
        let args_struct = expand::args_struct(tool, &args);
        let descriptor = expand::descriptor(tool);
        let receiver = tool.receiver;
        let invoke = expand::invoke_body(tool, &args, |call_args| match receiver {
            Receiver::Shared => quote!(__this.#method(#(#call_args),*)),
            Receiver::None => quote!(<#self_ty>::#method(#(#call_args),*)),
        });
        pieces.push(quote! {
            #args_struct

            #[allow(non_snake_case)]
            fn #describe() -> ::mcp_runtime::__private::ToolDescriptor {
                #descriptor
            }

            #[allow(non_snake_case, unused_variables)]
            fn #invoke_fn(
                __this: ::mcp_runtime::__private::std::sync::Arc<#self_ty>,
                __call: ::mcp_runtime::__private::ToolCall,
            ) -> ::mcp_runtime::__private::ToolFuture
            where
                #shared,
            {
                #invoke
            }
        });
        registrations.push(quote! {
            ::mcp_runtime::__private::std::boxed::Box::new(::mcp_runtime::__private::MethodTool::new(
                ::mcp_runtime::__private::std::sync::Arc::clone(__this),
                #describe,
                #invoke_fn,
            ))
        });
    }

    quote! {
        #item

        const _: () = {
            #(#pieces)*

            // `(&__McpShared(value)).__mcp_tools()` picks `__McpTools` when the type is
            // `Send + Sync + 'static`, and otherwise falls back, through auto-ref, to
            // `__McpNotShared`. The fallback never runs (the `Provider` impl then fails to
            // compile); it exists so that this body compiles and the impl's own requirement
            // is the only error.
            struct __McpShared(::mcp_runtime::__private::std::sync::Arc<#self_ty>);

            trait __McpTools {
                fn __mcp_tools(&self) -> ::mcp_runtime::__private::std::vec::Vec<::mcp_runtime::__private::std::boxed::Box<dyn ::mcp_runtime::__private::ToolHandler>>;
            }

            impl __McpTools for __McpShared
            where
                #shared,
            {
                fn __mcp_tools(&self) -> ::mcp_runtime::__private::std::vec::Vec<::mcp_runtime::__private::std::boxed::Box<dyn ::mcp_runtime::__private::ToolHandler>> {
                    let __this = &self.0;
                    ::mcp_runtime::__private::std::vec![#(#registrations),*]
                }
            }

            trait __McpNotShared {
                fn __mcp_tools(&self) -> ::mcp_runtime::__private::std::vec::Vec<::mcp_runtime::__private::std::boxed::Box<dyn ::mcp_runtime::__private::ToolHandler>>;
            }

            impl __McpNotShared for &__McpShared {
                fn __mcp_tools(&self) -> ::mcp_runtime::__private::std::vec::Vec<::mcp_runtime::__private::std::boxed::Box<dyn ::mcp_runtime::__private::ToolHandler>> {
                    ::mcp_runtime::__private::std::vec::Vec::new()
                }
            }

            #[automatically_derived]
            impl ::mcp_runtime::__private::Provider for #self_ty {
                fn tools(
                    self: ::mcp_runtime::__private::std::sync::Arc<Self>,
                ) -> ::mcp_runtime::__private::std::vec::Vec<::mcp_runtime::__private::std::boxed::Box<dyn ::mcp_runtime::__private::ToolHandler>> {
                    (&__McpShared(self)).__mcp_tools()
                }
            }
        };
    }
}

/// Removes `#[tool]` / `#[tool(...)]` from a method and returns its arguments.
fn take_tool_attr(cx: &Ctxt, attrs: &mut Vec<Attribute>) -> Option<TokenStream> {
    let is_tool = |attr: &Attribute| {
        let path = attr.path();
        path.is_ident("tool")
            || (path.segments.len() == 2
                && path.segments[0].ident == "mcp_runtime"
                && path.segments[1].ident == "tool")
    };
    let mut found: Option<TokenStream> = None;
    let mut kept = Vec::with_capacity(attrs.len());
    for attr in attrs.drain(..) {
        if !is_tool(&attr) {
            kept.push(attr);
            continue;
        }
        if found.is_some() {
            cx.error_spanned_by(&attr, "duplicate `#[tool]` attribute; remove one");
            continue;
        }
        found = Some(match &attr.meta {
            Meta::Path(_) => TokenStream::new(),
            Meta::List(list) => list.tokens.clone(),
            Meta::NameValue(nv) => {
                cx.error_spanned_by(nv, "write `#[tool]` or `#[tool(...)]`");
                TokenStream::new()
            }
        });
    }
    *attrs = kept;
    found
}
