use mcp_runtime::prelude::*;

struct Counter;

impl Counter {
    /// Reads the count.
    #[tool]
    fn count(&self) -> u64 {
        0
    }
}

fn main() {}
