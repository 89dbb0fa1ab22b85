use mcp_runtime::prelude::*;
use std::cell::Cell;

#[derive(Default)]
struct Counter {
    hits: Cell<u64>,
}

#[mcp_server]
impl Counter {
    /// Counts a hit.
    #[tool]
    fn hit(&self) -> u64 {
        self.hits.set(self.hits.get() + 1);
        self.hits.get()
    }
}

fn main() {
    let _ = Server::new("counter", "1.0.0").provider(Counter::default());
}
