use mcp_runtime::prelude::*;

struct Greeter;

#[mcp_server(foo)]
impl Greeter {
    /// Greets someone.
    #[tool]
    fn greet(&self, name: String) -> String {
        format!("hello {name}")
    }
}

fn main() {}
