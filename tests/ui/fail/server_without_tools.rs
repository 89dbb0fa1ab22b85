use mcp_runtime::prelude::*;

struct Greeter;

#[mcp_server]
impl Greeter {
    /// Greets someone.
    fn greet(&self, name: String) -> String {
        format!("hello {name}")
    }
}

fn main() {}
