//! Compile-time checks of `#[tool]` and `#[mcp_server]`: every mistake is a compile error on
//! the user's own tokens (`ui/fail`), and every supported shape compiles (`ui/pass`).

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("ui/pass/*.rs");
    t.compile_fail("ui/fail/*.rs");
}
