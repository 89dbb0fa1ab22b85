//! The permission-test server on stdio (or HTTP), configured by its command line.

#[tokio::main]
async fn main() {
    if let Err(error) = mcp_tests::bank::bank_server().serve_from_args().await {
        eprintln!("bank-server: {error}");
        std::process::exit(2);
    }
}
