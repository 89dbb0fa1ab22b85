//! Transports move bytes between a client and the [`Dispatcher`](crate::Dispatcher); they
//! never interpret MCP.

#[cfg(feature = "http")]
pub mod http;
pub mod stdio;
