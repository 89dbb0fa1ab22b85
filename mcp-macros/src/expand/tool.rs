//! `ToolHandler`: the argument struct, the descriptor and the `invoke` future.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::Ident;

use super::{awaited, header_builders, optional_str, pinned, required_state};
use crate::model::{is_option, unraw, Param, Tool};
use crate::paths::Paths;

/// The hidden struct that arguments are decoded into, in one pass, and its `Deserialize`
/// impl: a map visitor whose every mention of a parameter type carries that type's span, so
/// a type that cannot be an argument is reported once, on the user's own tokens.
pub fn args_struct(rt: &Paths, tool: &Tool, struct_name: &Ident) -> TokenStream {
    let args: Vec<_> = tool.function.arguments().collect();
    let fields = args.iter().map(|(ident, ty, _)| quote!(#ident: #ty,));
    let slots = args.iter().map(|(ident, ty, _)| {
        let slot = slot_ident(ident);
        quote!(let mut #slot: #rt::std::option::Option<#ty> = #rt::std::option::Option::None;)
    });
    let arms = args.iter().map(|(ident, ty, _)| {
        let slot = slot_ident(ident);
        let name = unraw(ident);
        let next = {
            let rt = rt.at(ty.span());
            quote_spanned!(ty.span()=> #rt::next_argument::<#ty, __M>(&mut __map)?)
        };
        quote! {
            #name => {
                if #slot.is_some() {
                    return #rt::std::result::Result::Err(
                        <__M::Error as #rt::serde::de::Error>::duplicate_field(#name),
                    );
                }
                #slot = #rt::std::option::Option::Some(#next);
            }
        }
    });
    let finish = args.iter().map(|(ident, ty, _)| {
        let slot = slot_ident(ident);
        let name = unraw(ident);
        let missing = {
            let rt = rt.at(ty.span());
            quote_spanned!(ty.span()=> #rt::missing_argument::<#ty, __M::Error>(#name)?)
        };
        quote! {
            #ident: match #slot {
                #rt::std::option::Option::Some(value) => value,
                #rt::std::option::Option::None => #missing,
            },
        }
    });
    quote! {
        #[allow(non_camel_case_types, non_snake_case)]
        struct #struct_name { #(#fields)* }

        #[automatically_derived]
        impl<'de> #rt::serde::Deserialize<'de> for #struct_name {
            fn deserialize<__D>(__deserializer: __D) -> #rt::std::result::Result<Self, __D::Error>
            where
                __D: #rt::serde::Deserializer<'de>,
            {
                struct __Visitor;

                impl<'de> #rt::serde::de::Visitor<'de> for __Visitor {
                    type Value = #struct_name;

                    fn expecting(&self, f: &mut #rt::std::fmt::Formatter<'_>) -> #rt::std::fmt::Result {
                        #rt::expecting_arguments(f)
                    }

                    #[allow(unused_mut)]
                    fn visit_map<__M>(self, mut __map: __M) -> #rt::std::result::Result<#struct_name, __M::Error>
                    where
                        __M: #rt::serde::de::MapAccess<'de>,
                    {
                        #(#slots)*
                        while let #rt::std::option::Option::Some(__key) =
                            __map.next_key::<#rt::ArgumentKey<'de>>()?
                        {
                            match &*__key {
                                #(#arms)*
                                _ => {
                                    __map.next_value::<#rt::serde::de::IgnoredAny>()?;
                                }
                            }
                        }
                        #rt::std::result::Result::Ok(#struct_name { #(#finish)* })
                    }
                }

                __deserializer.deserialize_map(__Visitor)
            }
        }
    }
}

fn slot_ident(ident: &Ident) -> Ident {
    format_ident!("__slot_{}", unraw(ident))
}

/// An expression building the tool's `ToolDescriptor`.
pub fn descriptor(rt: &Paths, tool: &Tool) -> TokenStream {
    let header = &tool.header;
    let (name, description) = (&header.name, &header.description);
    let (title, permission) = header_builders(rt, header);
    let (read_only, destructive, idempotent, open_world) = (
        tool.read_only,
        tool.destructive,
        tool.idempotent,
        tool.open_world,
    );
    let output = output_type(tool);
    let output_span = tool.function.output_span(header);
    let output = {
        let rt = rt.at(output_span);
        quote_spanned!(output_span=>
            .output_schema_from(<#output as #rt::IntoToolResult>::output_schema)
        )
    };
    let states = required_state(&tool.function);
    let task = tool.task.map(|variant| {
        let variant = format_ident!("{}", variant);
        quote!(.task_support(#rt::TaskSupport::#variant))
    });
    let properties = tool.function.arguments().map(|(ident, ty, doc)| {
        let name = unraw(ident);
        let doc = optional_str(rt, doc);
        let required = !is_option(ty);
        quote_spanned!(ty.span()=> .property::<#ty>(#name, #doc, #required))
    });
    let headers = tool.function.params.iter().filter_map(|p| match p {
        Param::Argument {
            ident,
            header: Some(header),
            ..
        } => {
            let name = unraw(ident);
            Some(quote!(.header(#name, #header)))
        }
        _ => None,
    });
    let ui = tool.ui.as_ref().map(|uri| quote!(.ui(#uri)));
    let visibility = (!tool.visibility.is_empty()).then(|| {
        let who = tool.visibility.iter().map(|v| format_ident!("{}", v));
        quote!(.ui_visibility([#(#rt::UiVisibility::#who),*]))
    });
    quote! {
        #rt::ToolDescriptor::new(#name, #description)
            #title
            .with_input_schema(#rt::InputSchema::new() #(#properties)* #(#headers)* .finish())
            #output
            .hints(#rt::ToolHints {
                read_only: #read_only,
                destructive: #destructive,
                idempotent: #idempotent,
                open_world: #open_world,
            })
            #ui
            #visibility
            #permission
            #task
            #states
    }
}

fn output_type(tool: &Tool) -> TokenStream {
    match &tool.function.output {
        Some(ty) => quote!(#ty),
        None => quote!(()),
    }
}

/// The body of `invoke`: decode, extract, call, convert. `call` is the expression that calls
/// the user's function with `arguments` (in declaration order).
pub fn invoke_body(
    rt: &Paths,
    tool: &Tool,
    args: &Ident,
    call: impl FnOnce(Vec<TokenStream>) -> TokenStream,
) -> TokenStream {
    let name = &tool.header.name;
    let mut bindings = Vec::new();
    let mut call_args = Vec::new();
    for (i, param) in tool.function.params.iter().enumerate() {
        match param {
            Param::Argument { ident, .. } => call_args.push(quote!(__args.#ident)),
            Param::Injected { ty, .. } => {
                let local = format_ident!("__injected{}", i);
                let extract = quote_spanned!(ty.span()=> __call.extract::<#ty>());
                bindings.push(quote! {
                    let #local = match #extract {
                        #rt::std::result::Result::Ok(value) => value,
                        #rt::std::result::Result::Err(error) => return error,
                    };
                });
                call_args.push(quote!(#local));
            }
        }
    }
    let invocation = awaited(rt, &tool.function, &tool.header, call(call_args));
    let output = output_type(tool);
    let output_span = tool.function.output_span(&tool.header);
    let convert = {
        let rt = rt.at(output_span);
        quote_spanned!(output_span=>
            <#output as #rt::IntoToolResult>::into_tool_result(__output)
        )
    };
    let future = quote! {
        async move {
            let __args: #args = match __call.decode(#name) {
                #rt::std::result::Result::Ok(args) => args,
                #rt::std::result::Result::Err(error) => return error,
            };
            #(#bindings)*
            let __output = #invocation;
            #convert
        }
    };
    pinned(rt, future, tool.header.ident.span())
}
