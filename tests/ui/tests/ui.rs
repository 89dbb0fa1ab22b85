//! Compile-time checks of `#[tool]`, `#[resource]`, `#[prompt]` and `#[mcp_server]`: every
//! mistake is a compile error on the user's own tokens (`fail/`), and every supported shape
//! compiles and runs (`pass/`).
//!
//! A `fail/` file gathers the mistakes of one concern, one module each: the macros report
//! every mistake they find and rustc goes on to type-check the rest, so each file's `.stderr`
//! holds every case's errors, and the suite builds ten crates instead of a hundred. A mistake
//! that stops rustc early (a coherence error) or needs a crate-level lint setting has a file
//! of its own.

#[test]
fn ui() {
    // trybuild's project does not take the workspace's profiles; without debug info its
    // dependencies and the `pass/` binaries build and link several times faster. The
    // diagnostics the `fail/` cases compare are the same either way.
    std::env::set_var("CARGO_PROFILE_DEV_DEBUG", "false");
    let t = trybuild::TestCases::new();
    t.pass("pass/*.rs");
    t.compile_fail("fail/*.rs");
}
