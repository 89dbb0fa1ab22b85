use mcp_runtime::prelude::*;

struct Greeter;

#[mcp_server]
impl Default for Greeter {
    fn default() -> Self {
        Greeter
    }
}

fn main() {}
