//! What each attribute may be written on. An attribute on the wrong kind of item is reported
//! on the item's keyword and name, and the item is kept as written so that nothing else fails.

use proc_macro2::TokenStream;
use quote::{quote, ToTokens};
use syn::Item;

use crate::kind::Kind;

/// `#[tool]`, `#[resource]` and `#[prompt]` go on a function.
pub fn function_item(kind: Kind, item: TokenStream) -> Result<syn::ItemFn, TokenStream> {
    let item = parse_item(item)?;
    let name = kind.name();
    match item {
        Item::Fn(function) => Ok(function),
        Item::Impl(_) => Err(reject(
            &item,
            &format!("`#[{name}]` goes on a function; for the methods of an `impl` block, put `#[mcp_server]` on the block and `#[{name}]` on each method"),
        )),
        _ => Err(reject(&item, &format!("`#[{name}]` goes on a function"))),
    }
}

/// `#[mcp_server]` goes on an `impl` block.
pub fn server_item(item: TokenStream) -> Result<syn::ItemImpl, TokenStream> {
    let item = parse_item(item)?;
    match item {
        Item::Impl(block) => Ok(block),
        Item::Fn(_) => Err(reject(
            &item,
            "`#[mcp_server]` goes on an `impl` block; to make a function a tool, mark it `#[tool]`",
        )),
        _ => Err(reject(
            &item,
            "`#[mcp_server]` goes on an `impl` block whose methods are marked `#[tool]`, `#[resource]` or `#[prompt]`",
        )),
    }
}

fn parse_item(item: TokenStream) -> Result<Item, TokenStream> {
    syn::parse2(item).map_err(|error| error.to_compile_error())
}

fn reject(item: &Item, message: &str) -> TokenStream {
    let error = syn::Error::new_spanned(head(item), message).to_compile_error();
    quote! {
        #error
        #item
    }
}

/// The tokens that say what an item is: `struct Point`, `impl Files`, `fn add`.
fn head(item: &Item) -> TokenStream {
    match item {
        Item::Fn(f) => {
            let (fn_token, ident) = (&f.sig.fn_token, &f.sig.ident);
            quote!(#fn_token #ident)
        }
        Item::Struct(s) => {
            let (token, ident) = (&s.struct_token, &s.ident);
            quote!(#token #ident)
        }
        Item::Enum(e) => {
            let (token, ident) = (&e.enum_token, &e.ident);
            quote!(#token #ident)
        }
        Item::Union(u) => {
            let (token, ident) = (&u.union_token, &u.ident);
            quote!(#token #ident)
        }
        Item::Trait(t) => {
            let (token, ident) = (&t.trait_token, &t.ident);
            quote!(#token #ident)
        }
        Item::Impl(i) => {
            let (token, self_ty) = (&i.impl_token, &i.self_ty);
            quote!(#token #self_ty)
        }
        Item::Mod(m) => {
            let (token, ident) = (&m.mod_token, &m.ident);
            quote!(#token #ident)
        }
        Item::Const(c) => {
            let (token, ident) = (&c.const_token, &c.ident);
            quote!(#token #ident)
        }
        Item::Static(s) => {
            let (token, ident) = (&s.static_token, &s.ident);
            quote!(#token #ident)
        }
        Item::Type(t) => {
            let (token, ident) = (&t.type_token, &t.ident);
            quote!(#token #ident)
        }
        other => other.to_token_stream(),
    }
}
