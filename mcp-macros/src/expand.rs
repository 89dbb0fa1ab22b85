//! Turning a validated [`Tool`] model into code. Nothing here decides what is valid.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::Ident;

use crate::model::{Param, Tool};

/// The hidden struct that arguments are decoded into, in one pass.
pub fn args_struct(tool: &Tool, struct_name: &Ident) -> TokenStream {
    let fields = tool.arguments().map(|(ident, ty, doc)| {
        let doc = doc.map(|text| quote!(#[doc = #text]));
        let ty = quote_spanned!(ty.span()=> <#ty as ::mcp_runtime::__private::ToolArgument>::Type);
        quote! { #doc #ident: #ty, }
    });
    quote! {
        #[derive(::mcp_runtime::__private::serde::Deserialize, ::mcp_runtime::__private::schemars::JsonSchema)]
        #[serde(crate = "::mcp_runtime::__private::serde")]
        #[schemars(crate = "::mcp_runtime::__private::schemars")]
        #[allow(non_camel_case_types, non_snake_case, dead_code)]
        struct #struct_name { #(#fields)* }
    }
}

/// An expression building the tool's `ToolDescriptor`.
pub fn descriptor(tool: &Tool, args: &Ident) -> TokenStream {
    let name = &tool.name;
    let description = &tool.description;
    let title = tool.title.as_ref().map(|t| quote!(.title(#t)));
    let risk = format_ident!("{}", tool.risk.variant());
    let scopes = &tool.scopes;
    let scopes = (!scopes.is_empty()).then(|| quote!(.scopes([#(#scopes),*])));
    let (read_only, destructive, idempotent, open_world) = (
        tool.read_only,
        tool.destructive,
        tool.idempotent,
        tool.open_world,
    );
    let output = output_type(tool);
    let states = tool.params.iter().filter_map(|p| match p {
        Param::Injected {
            state: Some(inner), ..
        } => Some(quote!(.requires_state::<#inner>())),
        _ => None,
    });
    quote! {
        ::mcp_runtime::__private::ToolDescriptor::new(#name, #description)
            #title
            .input::<#args>()
            .output::<#output>()
            .hints(::mcp_runtime::__private::ToolHints {
                read_only: #read_only,
                destructive: #destructive,
                idempotent: #idempotent,
                open_world: #open_world,
            })
            .risk(::mcp_runtime::__private::RiskLevel::#risk)
            #scopes
            #(#states)*
    }
}

fn output_type(tool: &Tool) -> TokenStream {
    match &tool.output {
        Some(ty) => quote!(#ty),
        None => quote!(()),
    }
}

/// Compile-time checks whose errors land on the user's types.
pub fn type_checks(tool: &Tool) -> TokenStream {
    let injected = tool.params.iter().filter_map(|p| match p {
        Param::Injected { ty, .. } => Some(quote_spanned!(ty.span()=>
            const _: () = ::mcp_runtime::__private::assert_injected::<#ty>();
        )),
        Param::Argument { .. } => None,
    });
    let output = tool.output.as_ref().map(|ty| {
        quote_spanned!(ty.span()=> const _: () = ::mcp_runtime::__private::assert_return::<#ty>();)
    });
    quote! { #(#injected)* #output }
}

/// The body of `invoke`: decode, extract, call, convert. `call` is the expression that calls
/// the user's function with `arguments` (in declaration order).
pub fn invoke_body(
    tool: &Tool,
    args: &Ident,
    call: impl FnOnce(Vec<TokenStream>) -> TokenStream,
) -> TokenStream {
    let name = &tool.name;
    let mut bindings = Vec::new();
    let mut call_args = Vec::new();
    for (i, param) in tool.params.iter().enumerate() {
        match param {
            Param::Argument { ident, .. } => call_args.push(quote!(__args.#ident)),
            Param::Injected { ty, .. } => {
                let local = format_ident!("__injected{}", i);
                bindings.push(quote! {
                    let #local = match __call.extract::<#ty>() {
                        ::mcp_runtime::__private::std::result::Result::Ok(value) => value,
                        ::mcp_runtime::__private::std::result::Result::Err(error) => return error,
                    };
                });
                call_args.push(quote!(#local));
            }
        }
    }
    let invocation = call(call_args);
    let awaited = if tool.is_async {
        quote!(#invocation.await)
    } else {
        invocation
    };
    let output = output_type(tool);
    let convert = quote_spanned!(tool.output_span()=>
        <#output as ::mcp_runtime::__private::IntoToolResult>::into_tool_result(__output)
    );
    let future = quote! {
        async move {
            let __args: #args = match __call.decode(#name) {
                ::mcp_runtime::__private::std::result::Result::Ok(args) => args,
                ::mcp_runtime::__private::std::result::Result::Err(error) => return error,
            };
            #(#bindings)*
            let __output = #awaited;
            #convert
        }
    };
    let send = quote_spanned!(tool.ident.span()=> ::mcp_runtime::__private::assert_send(#future));
    quote!(::mcp_runtime::__private::std::boxed::Box::pin(#send))
}
