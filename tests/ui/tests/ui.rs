//! Compile-time checks of `#[tool]`, `#[resource]`, `#[prompt]` and `#[mcp_server]`: every
//! mistake is a compile error on the user's own tokens (`fail/`), and every supported shape
//! compiles and runs (`pass/`).

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("pass/*.rs");
    t.compile_fail("fail/*.rs");
}
