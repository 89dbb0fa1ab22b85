//! The integration tests, one module per concern, built as one binary. Run one concern with
//! `cargo test -p mcp-tests --test integration http::`.

mod apps;
mod capability_access;
mod catalog;
mod changes;
mod command_line;
mod fuzz;
mod http;
mod icons;
mod middleware;
mod otel;
mod permissions;
mod permissions_http;
mod permissions_stdio;
mod questions;
mod rate_limits;
#[cfg(feature = "redis")]
mod redis_sessions;
#[cfg(feature = "redis")]
mod redis_store;
mod server;
mod shutdown;
mod skills;
mod stdio;
mod stdio_liveness;
mod tasks;
mod timeouts;
mod tracing_spans;
mod wire_schema;
