//! Transports move bytes between a client and the [`Dispatcher`](crate::Dispatcher); they
//! never interpret MCP.

pub mod stdio;
