//! The benchmark tools served by rmcp, written the way its documentation shows (a stored
//! `ToolRouter`, `Parameters<T>` arguments, `Json<T>` for structured results).

use std::sync::Arc;

use axum::serve::ListenerExt;
use mcp_bench::{mode_from_args, Mode, Report};
use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::wrapper::Parameters;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use rmcp::{tool, tool_handler, tool_router, Json, ServerHandler, ServiceExt};
use schemars::JsonSchema;
use serde::Deserialize;

#[derive(Deserialize, JsonSchema)]
struct AddArgs {
    /// the first addend
    a: f64,
    /// the second addend
    b: f64,
}

#[derive(Deserialize, JsonSchema)]
struct EchoArgs {
    /// what to echo
    text: String,
}

#[derive(Deserialize, JsonSchema)]
struct BlockArgs {
    /// how long to block, in milliseconds
    ms: u64,
}

#[derive(Clone)]
struct Bench {
    tool_router: ToolRouter<Bench>,
}

#[tool_router]
impl Bench {
    fn new() -> Self {
        Bench {
            tool_router: Self::tool_router(),
        }
    }

    #[tool(description = "Adds two numbers.")]
    fn add(&self, Parameters(AddArgs { a, b }): Parameters<AddArgs>) -> String {
        (a + b).to_string()
    }

    #[tool(description = "Returns its input.")]
    fn echo(&self, Parameters(EchoArgs { text }): Parameters<EchoArgs>) -> String {
        text
    }

    #[tool(description = "Blocks its thread, as synchronous I/O does.")]
    fn block(&self, Parameters(BlockArgs { ms }): Parameters<BlockArgs>) -> String {
        std::thread::sleep(std::time::Duration::from_millis(ms));
        "unblocked".to_owned()
    }

    #[tool(description = "A structured result of about 10 KiB.")]
    fn report(&self) -> Json<Report> {
        Json(mcp_bench::report())
    }
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for Bench {}

#[tokio::main]
async fn main() {
    match mode_from_args() {
        Mode::Stdio => {
            // What rmcp's documentation and examples use: tokio's stdin and stdout.
            let service = Bench::new()
                .serve(rmcp::transport::stdio())
                .await
                .expect("the client initializes");
            let _ = service.waiting().await;
        }
        Mode::StdioPipes => {
            // rmcp's faster stdio: non-blocking pipes on the reactor when both are FIFOs.
            let service = Bench::new()
                .serve(rmcp::transport::io::stdio_pipes())
                .await
                .expect("the client initializes");
            let _ = service.waiting().await;
        }
        Mode::Http { port, legacy } => {
            let config = StreamableHttpServerConfig::default()
                .with_legacy_session_mode(legacy)
                .with_json_response(!legacy);
            let service = StreamableHttpService::new(
                || Ok(Bench::new()),
                Arc::new(LocalSessionManager::default()),
                config,
            );
            let app = axum::Router::new().nest_service("/mcp", service);
            let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
                .await
                .expect("the port is free");
            // TCP_NODELAY as in the other two servers: without it each SSE answer waits for
            // the client's delayed ACK (about 40 ms).
            let listener = listener.tap_io(|tcp| {
                let _ = tcp.set_nodelay(true);
            });
            axum::serve(listener, app).await.expect("serving");
        }
    }
}
