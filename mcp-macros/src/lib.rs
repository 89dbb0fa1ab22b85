//! Attribute macros for [`mcp-runtime`](https://docs.rs/mcp-runtime): `#[tool]`,
//! `#[resource]`, `#[prompt]` and `#[mcp_server]`. Depend on `mcp-runtime`, which re-exports
//! them, rather than on this crate.
//!
//! Each macro reads its input into a plain model (module `model`), validates it, collecting
//! every error with the tokens it belongs to (module `ctxt`), and only then expands (module
//! `expand`). The generated code is thin: a struct and an impl of a runtime handler trait; all
//! behaviour lives in the runtime.

use proc_macro::TokenStream;

mod attr;
mod ctxt;
mod docs;
mod expand;
mod fallback;
mod free_fn;
mod kind;
mod model;
mod paths;
mod placement;
mod server;
mod uri_template;

use kind::Kind;

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
    function(Kind::Tool, attr, item)
}

/// Turns a function into an MCP resource, read by URI, or a resource template whose
/// `{variables}` bind the parameters of the same name (parsed with `FromStr`).
///
/// ```ignore
/// /// One account, as JSON.
/// #[resource("accounts://{id}", mime_type = "application/json")]
/// fn account(id: u64) -> Json<Account> { ... }
/// ```
#[proc_macro_attribute]
pub fn resource(attr: TokenStream, item: TokenStream) -> TokenStream {
    function(Kind::Resource, attr, item)
}

/// Turns a function into an MCP prompt; its parameters are the prompt's string arguments,
/// parsed with `FromStr` (`Option<T>` ones are optional).
///
/// ```ignore
/// /// Asks for a review of a change.
/// #[prompt]
/// fn review(diff: String, focus: Option<String>) -> String { ... }
/// ```
#[proc_macro_attribute]
pub fn prompt(attr: TokenStream, item: TokenStream) -> TokenStream {
    function(Kind::Prompt, attr, item)
}

fn function(kind: Kind, attr: TokenStream, item: TokenStream) -> TokenStream {
    match placement::function_item(kind, item.into()) {
        Ok(function) => free_fn::expand(kind, attr.into(), function).into(),
        Err(rejected) => rejected.into(),
    }
}

/// Collects the `#[tool]`, `#[resource]` and `#[prompt]` methods of an `impl` block into a
/// `Provider` for `Server::provider(value)`. Methods take `&self`, which all calls share.
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
