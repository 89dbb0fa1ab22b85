use mcp_runtime::prelude::*;

mod billing {
    #[derive(serde::Deserialize, schemars::JsonSchema)]
    pub struct Context {
        pub account: String,
    }
}

/// Charges an account.
#[tool]
fn charge(context: billing::Context) -> String {
    context.account
}

fn main() {}
