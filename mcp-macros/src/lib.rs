//! Attribute macros for [`mcp-runtime`](https://docs.rs/mcp-runtime): `#[tool]`,
//! `#[resource]`, `#[prompt]` and `#[mcp_server]`. Depend on `mcp-runtime`, which re-exports
//! them, rather than on this crate.
//!
//! Each macro reads its input into a plain model (module `model`), validates it, collecting
//! every error with the tokens it belongs to (module `ctxt`), and only then expands (module
//! `expand`), naming the runtime only through the paths of module `paths`. An input with
//! errors gets the stand-ins of module `fallback` instead, so no error cascades. The
//! generated code is thin: a struct and an impl of a runtime handler trait; all behaviour
//! lives in the runtime.

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
/// Reference, with examples: [`mcp_runtime::tool`](https://docs.rs/mcp-runtime/latest/mcp_runtime/attr.tool.html).
#[proc_macro_attribute]
pub fn tool(attr: TokenStream, item: TokenStream) -> TokenStream {
    function(Kind::Tool, attr, item)
}

/// Turns a function into an MCP resource or resource template.
///
/// Reference, with examples: [`mcp_runtime::resource`](https://docs.rs/mcp-runtime/latest/mcp_runtime/attr.resource.html).
#[proc_macro_attribute]
pub fn resource(attr: TokenStream, item: TokenStream) -> TokenStream {
    function(Kind::Resource, attr, item)
}

/// Turns a function into an MCP prompt.
///
/// Reference, with examples: [`mcp_runtime::prompt`](https://docs.rs/mcp-runtime/latest/mcp_runtime/attr.prompt.html).
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

/// Collects the `#[tool]`, `#[resource]` and `#[prompt]` methods of an `impl` block.
///
/// Reference, with examples: [`mcp_runtime::mcp_server`](https://docs.rs/mcp-runtime/latest/mcp_runtime/attr.mcp_server.html).
#[proc_macro_attribute]
pub fn mcp_server(attr: TokenStream, item: TokenStream) -> TokenStream {
    match placement::server_item(item.into()) {
        Ok(block) => server::expand(attr.into(), block).into(),
        Err(rejected) => rejected.into(),
    }
}
