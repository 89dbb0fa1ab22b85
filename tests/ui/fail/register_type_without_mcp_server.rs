use mcp_runtime::prelude::*;

struct Greeter;

impl Greeter {
    /// Greets someone.
    #[allow(dead_code)]
    fn greet(&self, name: String) -> String {
        format!("hello {name}")
    }
}

fn main() {
    let _ = Server::new("greeter", "1.0.0").provider(Greeter);
}
