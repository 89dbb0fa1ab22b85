//! The project templates' code compiles against this workspace, and their own tests pass.

#[allow(dead_code)]
mod stdio_server {
    include!("../../templates/stdio-server/src/main.rs");
}
