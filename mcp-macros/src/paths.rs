//! Where generated code finds the runtime. Every path the macros emit goes through the one
//! [`Paths`] value made for the expansion, so the versioned module and the crate's name are
//! written once, here.

use proc_macro2::{Span, TokenStream};
use quote::{quote, ToTokens};

/// The module of mcp-runtime that generated code names: `__private::v1`. It changes with
/// any release, together with the runtime's module of the same name; generated code from
/// one version of mcp-macros only works with the matching mcp-runtime.
fn support_module() -> TokenStream {
    quote!(__private::v1)
}

/// The runtime's macro support module, as generated code names it:
/// `::mcp_runtime::__private::v1`, or `path::__private::v1` under `crate = "path"`.
///
/// It interpolates as that path, so `quote!(#rt::ToolHandler)` names the runtime's
/// `ToolHandler`.
#[derive(Clone)]
pub struct Paths {
    support: TokenStream,
}

impl Paths {
    /// The paths for a runtime reached at `krate` (`::mcp_runtime` when not given).
    pub fn new(krate: Option<&syn::Path>) -> Paths {
        let module = support_module();
        let support = match krate {
            Some(path) => quote!(#path::#module),
            None => quote!(::mcp_runtime::#module),
        };
        Paths { support }
    }

    /// The same paths with every token at `span`. Inside `quote_spanned!`, interpolate these:
    /// an error about what the path names (a bound of the function it calls) is reported on
    /// `span`, like every other token there.
    pub fn at(&self, span: Span) -> Paths {
        let support = self
            .support
            .clone()
            .into_iter()
            .map(|mut token| {
                token.set_span(span);
                token
            })
            .collect();
        Paths { support }
    }

    /// The standard library, as the runtime re-exports it (a crate may rename `std`).
    pub fn std(&self) -> TokenStream {
        let support = &self.support;
        quote!(#support::std)
    }

    /// `Some(value)`.
    pub fn some(&self, value: impl ToTokens) -> TokenStream {
        let std = self.std();
        quote!(#std::option::Option::Some(#value))
    }

    /// `None`.
    pub fn none(&self) -> TokenStream {
        let std = self.std();
        quote!(#std::option::Option::None)
    }
}

impl Default for Paths {
    fn default() -> Self {
        Paths::new(None)
    }
}

impl ToTokens for Paths {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        self.support.to_tokens(tokens);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_start_at_the_crate() {
        assert_eq!(
            Paths::default().to_token_stream().to_string(),
            ":: mcp_runtime :: __private :: v1"
        );
        let facade: syn::Path = syn::parse_quote!(facade::rt);
        let rt = Paths::new(Some(&facade));
        assert_eq!(
            quote!(#rt::ToolHandler).to_string(),
            "facade :: rt :: __private :: v1 :: ToolHandler"
        );
        assert_eq!(
            rt.std().to_string(),
            "facade :: rt :: __private :: v1 :: std"
        );
    }

    #[test]
    fn under_a_crate_path_nothing_names_mcp_runtime() {
        use crate::kind::Kind;

        let function: syn::ItemFn = syn::parse_quote! {
            #[doc = "Adds."]
            fn add(a: i64, b: Option<i64>) -> i64 { a + b.unwrap_or(0) }
        };
        let tool = crate::free_fn::expand(Kind::Tool, quote!(crate = "facade::rt"), function);
        let block: syn::ItemImpl = syn::parse_quote! {
            impl Notes {
                #[doc = "Adds."]
                #[tool]
                fn add(&self, a: i64) -> i64 { a }
                #[doc = "One note."]
                #[facade::rt::resource("notes://{id}")]
                async fn note(&self, id: u64) -> String { id.to_string() }
                #[doc = "Reviews."]
                #[prompt]
                fn review(&self, diff: String) -> String { diff }
            }
        };
        let server = crate::server::expand(quote!(crate = "facade::rt"), block);
        for expansion in [tool.to_string(), server.to_string()] {
            assert!(!expansion.contains("mcp_runtime"), "{expansion}");
            assert!(!expansion.contains("compile_error"), "{expansion}");
            assert!(
                expansion.contains("facade :: rt :: __private :: v1"),
                "{expansion}"
            );
        }
    }
}
