//! Attribute macros for [`mcp-runtime`](https://docs.rs/mcp-runtime): `#[tool]` and
//! `#[mcp_server]`. Depend on `mcp-runtime`, which re-exports them, rather than on this crate.
//!
//! Each macro reads its input into a plain model ([`model`]), validates it, collecting every
//! error with the tokens it belongs to ([`ctxt`]), and only then expands ([`expand`]). The
//! generated code is thin: a struct, an argument type, and an impl of a runtime trait; all
//! behaviour lives in the runtime.

use proc_macro::TokenStream;

mod attr;
mod ctxt;
mod docs;
mod expand;
mod free_fn;
mod model;
mod server;

/// Turns a function into an MCP tool.
///
/// The function keeps its body and stays callable as `name::call(...)`; `name` itself
/// becomes a value to register with `Server::tool(name)`. See the `mcp-runtime` crate docs
/// for the full reference.
///
/// ```ignore
/// /// Adds two numbers.
/// #[tool(read_only)]
/// fn add(a: i64, b: i64) -> i64 { a + b }
/// ```
#[proc_macro_attribute]
pub fn tool(attr: TokenStream, item: TokenStream) -> TokenStream {
    let item = syn::parse_macro_input!(item as syn::ItemFn);
    free_fn::expand(attr.into(), item).into()
}

/// Collects the `#[tool]` methods of an `impl` block into a `Provider` for
/// `Server::provider(value)`. Methods take `&self`, which all calls share.
///
/// ```ignore
/// #[mcp_server]
/// impl Calculator {
///     /// Adds two numbers.
///     #[tool]
///     fn add(&self, a: i64, b: i64) -> i64 { a + b }
/// }
/// ```
#[proc_macro_attribute]
pub fn mcp_server(attr: TokenStream, item: TokenStream) -> TokenStream {
    let item = syn::parse_macro_input!(item as syn::ItemImpl);
    server::expand(attr.into(), item).into()
}
