//! Collects every error found while reading one macro input, so the user sees them all at
//! once, each on its own tokens.

use std::cell::RefCell;

use proc_macro2::TokenStream;
use quote::ToTokens;

///
/// Dropping it with errors that were never emitted is a bug in the macro: it panics, so that a
/// path that forgets them fails loudly (in the compile-fail tests) instead of compiling
/// silently.
#[derive(Default)]
pub struct Ctxt {
    errors: RefCell<Vec<syn::Error>>,
}

impl Drop for Ctxt {
    fn drop(&mut self) {
        if !self.errors.get_mut().is_empty() && !std::thread::panicking() {
            panic!(
                "mcp-macros recorded errors but never emitted them; this is a bug in mcp-macros"
            );
        }
    }
}

impl Ctxt {
    /// Records an error spanning `tokens`.
    pub fn error_spanned_by<T: ToTokens, M: std::fmt::Display>(&self, tokens: T, message: M) {
        self.errors
            .borrow_mut()
            .push(syn::Error::new_spanned(tokens.into_token_stream(), message));
    }

    /// Records an error built elsewhere.
    pub fn syn_error(&self, error: syn::Error) {
        self.errors.borrow_mut().push(error);
    }

    /// The messages recorded so far, for unit tests.
    #[cfg(test)]
    pub fn messages(&self) -> Vec<String> {
        self.errors.take().iter().map(ToString::to_string).collect()
    }

    pub fn has_errors(&self) -> bool {
        !self.errors.borrow().is_empty()
    }

    /// All errors as `compile_error!` invocations.
    pub fn into_compile_errors(self) -> TokenStream {
        let mut errors = self.errors.take().into_iter();
        let Some(mut first) = errors.next() else {
            return TokenStream::new();
        };
        for error in errors {
            first.combine(error);
        }
        first.to_compile_error()
    }
}
