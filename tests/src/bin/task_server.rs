//! The task server on stdio or HTTP, for tests that drive a real process.

use mcp_runtime::Serve;

#[tokio::main]
async fn main() {
    if let Err(error) = mcp_tests::task_server().serve_from_args().await {
        eprintln!("task-server: {error}");
        std::process::exit(2);
    }
}
