use mcp_runtime::prelude::*;
use std::rc::Rc;

async fn pause() {}

/// Counts slowly.
#[tool]
async fn count() -> u64 {
    let counter = Rc::new(1);
    pause().await;
    *counter
}

fn main() {}
