//! What a macro emits besides its errors, so that the errors it reports are the only ones.
//!
//! When an input has mistakes, expanding it is not possible, but emitting only the errors
//! would leave the rest of the crate broken in ways that pile further errors on top: the
//! companion registered with `tools![...]` would implement no handler trait, the type given to
//! `Server::provider` no `Provider`, a method marked `#[tool]` would disappear. The items here
//! stand in for the real expansion: they have the right names and trait impls, and bodies
//! that never run (the crate does not compile anyway).

use proc_macro2::TokenStream;
use quote::quote;
use syn::{Attribute, Ident, ItemFn, ItemImpl};

use crate::kind::Kind;
use crate::model;
use crate::paths::Paths;

/// A method marked `#[tool]` in an `impl` block without `#[mcp_server]`: the method as
/// written, less the parameter attributes the macros read (a struct is not allowed inside
/// an `impl`, so no handler can stand in for it).
pub fn method(errors: TokenStream, mut item: ItemFn) -> TokenStream {
    model::strip_param_attrs(&mut item.sig);
    quote! {
        #errors
        #item
    }
}

/// The handler impl that registering the companion struct `ident` of a free function
/// expects. `unit` is the function and its companion, which the user's code may name.
pub fn handler(
    rt: &Paths,
    kind: Kind,
    ident: &Ident,
    cfgs: &[&Attribute],
    unit: TokenStream,
    errors: TokenStream,
) -> TokenStream {
    let handler = kind.handler_trait(rt);
    let descriptor_type = kind.descriptor_type(rt);
    let request = kind.request_type(rt);
    let future = kind.future_type(rt);
    let method = kind.handler_method();
    quote! {
        #unit
        #errors
        #(#cfgs)*
        impl #handler for #ident {
            fn descriptor(&self) -> #descriptor_type {
                #rt::std::unreachable!()
            }
            fn #method(&self, _: #request) -> #future {
                #rt::std::unreachable!()
            }
        }
    }
}

/// The `impl` block of an `#[mcp_server]` with mistakes, as written, and a `Provider` impl
/// for its type, so that `Server::provider(value)` reports nothing more. It keeps the
/// requirement that the type be shared (`shared`) and the block's own `where` clause.
pub fn provider(
    rt: &Paths,
    item: &ItemImpl,
    shared: &TokenStream,
    errors: TokenStream,
) -> TokenStream {
    let self_ty = &item.self_ty;
    let (impl_generics, _, where_clause) = item.generics.split_for_impl();
    let predicates = where_clause.map(|w| &w.predicates);
    quote! {
        #item
        #errors
        impl #impl_generics #rt::Provider for #self_ty where #shared, #predicates {
            fn tools(self: #rt::std::sync::Arc<Self>) -> #rt::std::vec::Vec<#rt::std::boxed::Box<dyn #rt::ToolHandler>> {
                #rt::std::unreachable!()
            }
        }
    }
}
