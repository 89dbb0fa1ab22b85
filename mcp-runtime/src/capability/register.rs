//! `tools![...]`, `resources![...]` and `prompts![...]`: the capabilities of annotated
//! functions, by name, for [`Server::tools`](crate::Server::tools) and its siblings.
//!
//! `#[tool] fn add(..)` keeps `add` as the function (callable, testable, and free for a
//! parameter or a local to share its name) and adds a field-less braced struct `add {}`,
//! which lives in the type namespace only. These macros name that struct: `tools![add]` is
//! `[Box::new(add {})]`, each capability boxed behind its handler trait.

/// The tools of functions marked `#[tool]`, named as paths (`add`, `math::divide`), for
/// [`Server::tools`](crate::Server::tools). In the prelude.
///
/// ```
/// use mcp_runtime::prelude::*;
///
/// /// Adds two numbers.
/// #[tool]
/// fn add(a: i64, b: i64) -> i64 {
///     a + b
/// }
///
/// mod math {
///     use mcp_runtime::prelude::*;
///
///     /// Doubles a number.
///     #[tool]
///     pub fn double(n: i64) -> i64 {
///         n * 2
///     }
/// }
///
/// let server = Server::new("calculator", "1.0.0").tools(tools![add, math::double]);
/// assert_eq!(add(2, 3), 5); // still the function
/// # let _ = server;
/// ```
///
/// A function without `#[tool]` has no companion struct to name, and rustc says so:
/// ``expected struct, variant or union type, found function `add` ``.
#[macro_export]
macro_rules! tools {
    ($($($segment:ident)::+),* $(,)?) => {
        [$($crate::__private::v1::boxed_tool($($segment)::+ {})),*]
    };
}

/// The resources of functions marked `#[resource]`, named as paths, for
/// [`Server::resources`](crate::Server::resources). In the prelude.
///
/// ```
/// use mcp_runtime::prelude::*;
///
/// /// The project's read-me.
/// #[resource("docs://readme")]
/// fn readme() -> String {
///     "# Read me".into()
/// }
///
/// let server = Server::new("docs", "1.0.0").resources(resources![readme]);
/// assert_eq!(readme(), "# Read me");
/// # let _ = server;
/// ```
#[macro_export]
macro_rules! resources {
    ($($($segment:ident)::+),* $(,)?) => {
        [$($crate::__private::v1::boxed_resource($($segment)::+ {})),*]
    };
}

/// The prompts of functions marked `#[prompt]`, named as paths, for
/// [`Server::prompts`](crate::Server::prompts). In the prelude.
///
/// ```
/// use mcp_runtime::prelude::*;
///
/// /// Asks for a review of some code.
/// #[prompt]
/// fn review(code: String) -> String {
///     format!("Please review:\n{code}")
/// }
///
/// let server = Server::new("reviewer", "1.0.0").prompts(prompts![review]);
/// # let _ = server;
/// ```
#[macro_export]
macro_rules! prompts {
    ($($($segment:ident)::+),* $(,)?) => {
        [$($crate::__private::v1::boxed_prompt($($segment)::+ {})),*]
    };
}
