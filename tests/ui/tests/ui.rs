//! Compile-time checks of `#[tool]`, `#[resource]`, `#[prompt]` and `#[mcp_server]`: every
//! mistake is a compile error on the user's own tokens (`fail/`), and every supported shape
//! compiles and runs (`pass/`).

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
