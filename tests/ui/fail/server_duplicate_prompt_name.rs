use mcp_runtime::prelude::*;

struct Reviews;

#[mcp_server]
impl Reviews {
    /// Asks for a review.
    #[prompt]
    fn review(&self, diff: String) -> String {
        diff
    }

    /// Asks for a review, the old way.
    #[prompt(name = "review")]
    fn review_legacy(&self, diff: String) -> String {
        diff
    }
}

fn main() {}
