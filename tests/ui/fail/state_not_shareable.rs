use mcp_runtime::prelude::*;
use std::cell::Cell;

/// Counts calls.
#[tool]
fn hit(counter: State<Cell<u64>>) -> u64 {
    counter.set(counter.get() + 1);
    counter.get()
}

fn main() {}
