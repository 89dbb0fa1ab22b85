use mcp_runtime::prelude::*;

struct Counter;

#[mcp_server]
impl Counter {
    /// Consumes the counter.
    #[tool]
    fn finish(self) -> String {
        String::new()
    }
}

fn main() {}
