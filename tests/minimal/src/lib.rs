//! A server whose only dependencies are `mcp-runtime`, `serde` and `tokio`: the JSON Schema
//! of its parameter type is derived through `mcp_runtime::schemars`, its JSON written with
//! `mcp_runtime::serde_json`.

use mcp_runtime::prelude::*;
use mcp_runtime::schemars::JsonSchema;
use serde::Deserialize;

/// Where to ship an order.
#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(crate = "mcp_runtime::schemars")]
pub struct Address {
    /// The street and number.
    pub street: String,
    /// The city.
    pub city: String,
}

/// Ships an order to `address`.
#[tool(risk = "medium")]
pub fn ship(address: Address, express: Option<bool>) -> String {
    let speed = if express.unwrap_or(false) {
        "express"
    } else {
        "standard"
    };
    format!("{speed} to {}, {}", address.street, address.city)
}

/// The server.
pub fn server() -> Server {
    Server::new("minimal", "1.0.0").tools(tools![ship])
}
