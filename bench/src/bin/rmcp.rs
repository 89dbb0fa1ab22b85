//! The benchmark tools served by rmcp, written the way its documentation shows (a stored
//! `ToolRouter`, `Parameters<T>` arguments, `Json<T>` for structured results); with
//! `BENCH_WIDE=1`, 200 more tools added to the router as dynamic routes.

use std::sync::Arc;

use axum::serve::ListenerExt;
use mcp_bench::accounts::{AccountList, Accounts, Query};
use mcp_bench::{mode_from_args, more_tools, wide, Mode, Report, WideArgs};
use rmcp::handler::server::common::schema_for_type;
use rmcp::handler::server::router::tool::{ToolRoute, ToolRouter};
use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::{CallToolResult, ContentBlock, Tool};
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use rmcp::{tool, tool_handler, tool_router, ErrorData, Json, ServerHandler, ServiceExt};
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

#[derive(Deserialize, JsonSchema)]
struct NapArgs {
    /// how long to sleep, in milliseconds
    ms: u64,
}

#[derive(Clone)]
struct Bench {
    tool_router: ToolRouter<Bench>,
}

#[tool_router]
impl Bench {
    fn new() -> Self {
        let mut tool_router = Self::tool_router();
        if more_tools() {
            tool_router.merge(Self::more_tool_router());
        }
        Bench { tool_router }
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

/// The tools of `BENCH_MORE=1` ([`more_tools`]).
#[tool_router(router = more_tool_router)]
impl Bench {
    #[tool(description = "Sleeps without holding a thread, as a call waiting on the network does.")]
    async fn nap(&self, Parameters(NapArgs { ms }): Parameters<NapArgs>) -> String {
        tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
        "napped".to_owned()
    }

    #[tool(description = "Accounts matching a filter, from the SQLite database.")]
    fn query_accounts(
        &self,
        Parameters(query): Parameters<Query>,
    ) -> Result<Json<AccountList>, ErrorData> {
        Accounts::shared()
            .query(&query)
            .map(Json)
            .map_err(|e| ErrorData::invalid_params(e, None))
    }
}

impl Bench {
    /// The server with the 200 more tools of a wide server ([`mcp_bench::wide`]), each a
    /// dynamic route of the router.
    fn wide() -> Self {
        let mut bench = Bench::new();
        for n in 0..mcp_bench::WIDE_EXTRA {
            let (name, description) = wide(n);
            let tool = Tool::new(name, description, schema_for_type::<WideArgs>());
            bench
                .tool_router
                .add_route(ToolRoute::new_dyn(tool, move |context| {
                    Box::pin(async move {
                        let arguments =
                            serde_json::Value::Object(context.arguments.unwrap_or_default());
                        let args: WideArgs = serde_json::from_value(arguments)
                            .map_err(|e| ErrorData::invalid_params(e.to_string(), None))?;
                        let text = format!("{n}: {}", args.key);
                        Ok(CallToolResult::success(vec![ContentBlock::text(text)]).into())
                    })
                }));
        }
        bench
    }
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for Bench {}

#[tokio::main]
async fn main() {
    if std::env::var_os("BENCH_WIDE").is_some() {
        return serve_wide(mode_from_args()).await;
    }
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

/// The wide server: its router built once, and a copy of it for each session or stateless
/// request.
async fn serve_wide(mode: Mode) {
    let bench = Bench::wide();
    match mode {
        Mode::Stdio | Mode::StdioPipes => {
            let service = if mode == Mode::Stdio {
                bench.serve(rmcp::transport::stdio()).await
            } else {
                bench.serve(rmcp::transport::io::stdio_pipes()).await
            };
            let _ = service.expect("the client initializes").waiting().await;
        }
        Mode::Http { port, legacy } => {
            let config = StreamableHttpServerConfig::default()
                .with_legacy_session_mode(legacy)
                .with_json_response(!legacy);
            let service = StreamableHttpService::new(
                move || Ok(bench.clone()),
                Arc::new(LocalSessionManager::default()),
                config,
            );
            let app = axum::Router::new().nest_service("/mcp", service);
            let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
                .await
                .expect("the port is free");
            let listener = listener.tap_io(|tcp| {
                let _ = tcp.set_nodelay(true);
            });
            axum::serve(listener, app).await.expect("serving");
        }
    }
}
