use mcp_runtime::prelude::*;

struct Counter {
    hits: u64,
}

#[mcp_server]
impl Counter {
    /// Counts a hit.
    #[tool]
    fn hit(&mut self) -> u64 {
        self.hits += 1;
        self.hits
    }
}

fn main() {}
