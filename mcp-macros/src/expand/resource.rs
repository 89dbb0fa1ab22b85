//! `ResourceHandler`: the descriptor and the `read` future.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::Type;

use super::{awaited, extract_injected, header_builders, pinned, required_state};
use crate::model::{unraw, Param, Resource};
use crate::paths::Paths;

/// An expression building the `ResourceDescriptor`.
pub fn descriptor(rt: &Paths, resource: &Resource) -> TokenStream {
    let header = &resource.header;
    let (uri, name, description) = (&resource.uri, &header.name, &header.description);
    let (title, permission) = header_builders(rt, header);
    let states = required_state(&resource.function);
    let mime_type = resource.mime_type.as_ref().map(|m| quote!(.mime_type(#m)));
    let completions = resource.completions.iter().map(|completion| {
        let (variable, completer) = (completion.name(), &completion.completer);
        // A completer of the wrong type is reported on the user's expression alone.
        quote_spanned!(completer.span()=> .complete(#variable, #completer))
    });
    let app = resource.app.as_ref().map(|app| {
        let lists = [
            ("connect_domains", &app.connect),
            ("resource_domains", &app.resources),
            ("frame_domains", &app.frames),
            ("base_uri_domains", &app.base_uris),
        ]
        .into_iter()
        .filter(|(_, origins)| !origins.is_empty())
        .map(|(method, origins)| {
            let method = format_ident!("{}", method);
            quote!(.#method([#(#origins),*]))
        });
        let permissions = app.permissions.iter().map(|variant| {
            let variant = format_ident!("{}", variant);
            quote!(.permission(#rt::AppPermission::#variant))
        });
        let border = app.prefers_border.map(|b| quote!(.prefers_border(#b)));
        quote!(.app(#rt::AppView::new() #(#lists)* #(#permissions)* #border))
    });
    quote! {
        #rt::ResourceDescriptor::new(#uri, #name, #description)
            #title
            #mime_type
            #app
            #permission
            #states
            #(#completions)*
    }
}

/// The body of `read`: bind the variables, extract the injected parameters, call, convert.
pub fn read_body(
    rt: &Paths,
    resource: &Resource,
    call: impl FnOnce(Vec<TokenStream>) -> TokenStream,
) -> TokenStream {
    let function = &resource.function;
    let mut bindings = Vec::new();
    let mut call_args = Vec::new();
    for (i, param) in function.params.iter().enumerate() {
        let local = format_ident!("__param{}", i);
        let value = match param {
            // `FromStr` with a `Display` error, checked on the user's type.
            Param::Argument { ident, ty, .. } => {
                let variable = unraw(ident);
                quote_spanned!(ty.span()=> __call.variable::<#ty>(#variable)?)
            }
            Param::Injected { ty, .. } => extract_injected(rt, ty),
        };
        bindings.push(quote!(let #local = #value;));
        call_args.push(quote!(#local));
    }
    let invocation = awaited(rt, function, &resource.header, call(call_args));
    // Naming the return type makes an unsupported one the error, on the user's tokens.
    let convert = match &function.output {
        Some(output) if !matches!(output, Type::ImplTrait(_)) => quote_spanned!(output.span()=>
            __call.contents::<#output>(__output)
        ),
        _ => quote_spanned!(function.output_span(&resource.header)=> __call.contents(__output)),
    };
    let future = quote! {
        async move {
            #(#bindings)*
            let __output = #invocation;
            #convert
        }
    };
    pinned(rt, future, resource.header.ident.span())
}
