//! The fixture server on stdio, for tests that drive a real process.

use mcp_runtime::Serve;

#[tokio::main]
async fn main() {
    if let Err(error) = mcp_tests::fixture_server().serve_from_args().await {
        eprintln!("fixture-server: {error}");
        std::process::exit(2);
    }
}
