use mcp_runtime::prelude::*;

/// Reports the protocol version.
#[tool]
fn version(ctx: &Context) -> String {
    format!("{:?}", ctx.protocol_version())
}

fn main() {}
