//! The permission-test server on stdio (or HTTP), configured by its command line. With
//! `BANK_DEV_TOKEN` set, HTTP callers must present that token (it holds `accounts:write`).

use mcp_runtime::transport::http::{HttpAuth, StaticTokens};
use mcp_runtime::Serve;

#[tokio::main]
async fn main() {
    let mut server = mcp_tests::bank::bank_server();
    if let Ok(token) = std::env::var("BANK_DEV_TOKEN") {
        let tokens = StaticTokens::new().token(token, "developer", ["accounts:write"]);
        server = server.http_auth(HttpAuth::new(tokens, "http://127.0.0.1/mcp"));
    }
    if let Err(error) = server.serve_from_args().await {
        eprintln!("bank-server: {error}");
        std::process::exit(2);
    }
}
