use mcp_runtime::prelude::*;
use std::rc::Rc;

async fn pause() {}

struct Counter;

#[mcp_server]
impl Counter {
    /// Counts slowly.
    #[tool]
    async fn count(&self) -> u64 {
        let counter = Rc::new(1);
        pause().await;
        *counter
    }
}

fn main() {}
