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
mod placement;
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
    match placement::tool_item(item.into()) {
        Ok(function) => free_fn::expand(attr.into(), function).into(),
        Err(rejected) => rejected.into(),
    }
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
    match placement::server_item(item.into()) {
        Ok(block) => server::expand(attr.into(), block).into(),
        Err(rejected) => rejected.into(),
    }
}
