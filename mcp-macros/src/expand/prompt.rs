//! `PromptHandler`: the descriptor and the `get` future.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::Type;

use super::{awaited, extract_injected, header_builders, optional_str, pinned, required_state};
use crate::model::prompt::Argument;
use crate::model::{unraw, Param, Prompt};
use crate::paths::Paths;

/// An expression building the `PromptDescriptor`.
pub fn descriptor(rt: &Paths, prompt: &Prompt) -> TokenStream {
    let header = &prompt.header;
    let (name, description) = (&header.name, &header.description);
    let (title, permission) = header_builders(rt, header);
    let states = required_state(&prompt.function);
    let arguments = prompt.arguments().map(|argument| {
        let name = unraw(argument.ident);
        let doc = optional_str(rt, argument.doc);
        let required = argument.required;
        quote!(.argument(#name, #doc, #required))
    });
    let completions = prompt.completions.iter().map(|completion| {
        let (argument, completer) = (completion.name(), &completion.completer);
        // A completer of the wrong type is reported on the user's expression alone.
        quote_spanned!(completer.span()=> .complete(#argument, #completer))
    });
    quote! {
        #rt::PromptDescriptor::new(#name, #description)
            #title
            #(#arguments)*
            #permission
            #states
            #(#completions)*
    }
}

/// The body of `get`: parse the arguments, extract the injected parameters, call, convert.
pub fn get_body(
    rt: &Paths,
    prompt: &Prompt,
    call: impl FnOnce(Vec<TokenStream>) -> TokenStream,
) -> TokenStream {
    let function = &prompt.function;
    let mut bindings = Vec::new();
    let mut call_args = Vec::new();
    for (i, param) in function.params.iter().enumerate() {
        let local = format_ident!("__param{}", i);
        let value = match param {
            // `FromStr` with a `Display` error, checked on the user's type.
            Param::Argument { ident, ty, doc, .. } => {
                let argument = Argument::new(ident, ty, doc.as_ref());
                let (name, value_type) = (unraw(ident), argument.value_type);
                if argument.required {
                    quote_spanned!(value_type.span()=> __call.argument::<#value_type>(#name)?)
                } else {
                    quote_spanned!(value_type.span()=> __call.optional_argument::<#value_type>(#name)?)
                }
            }
            Param::Injected { ty, .. } => extract_injected(rt, ty),
        };
        bindings.push(quote!(let #local = #value;));
        call_args.push(quote!(#local));
    }
    let invocation = awaited(rt, function, &prompt.header, call(call_args));
    // Naming the return type makes an unsupported one the error, on the user's tokens.
    let convert = match &function.output {
        Some(output) if !matches!(output, Type::ImplTrait(_)) => {
            let rt = rt.at(output.span());
            quote_spanned!(output.span()=>
                <#output as #rt::IntoPromptResult>::into_prompt_result(__output)
            )
        }
        _ => {
            let span = function.output_span(&prompt.header);
            let rt = rt.at(span);
            quote_spanned!(span=> #rt::IntoPromptResult::into_prompt_result(__output))
        }
    };
    let future = quote! {
        async move {
            #(#bindings)*
            let __output = #invocation;
            #convert
        }
    };
    pinned(rt, future, prompt.header.ident.span())
}
