use mcp_runtime::prelude::*;

struct Greeter;

#[tool]
impl Greeter {
    /// Greets someone.
    fn greet(&self, name: String) -> String {
        format!("hello {name}")
    }
}

fn main() {
    let _ = Greeter.greet(String::new());
}
