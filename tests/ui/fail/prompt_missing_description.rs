use mcp_runtime::prelude::*;

#[prompt]
fn review(diff: String) -> String {
    format!("Review {diff}")
}

fn main() {
    // The value still registers: the missing piece is the only error.
    let _ = Server::new("reviews", "1.0.0").prompts(prompts![review]);
}
