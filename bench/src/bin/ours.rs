//! The benchmark tools served by mcp-runtime. Built twice: `bench-ours`, and
//! `bench-ours-otel` with the `otel` feature (package `mcp-bench-otel`), which with
//! `BENCH_OBSERVE=1` exports every request's span over OTLP and records the metrics.

use mcp_bench::accounts::{AccountList, Accounts, Query};
use mcp_bench::{mode_from_args, more_tools, wide, Mode, Report, WideArgs};
use mcp_runtime::capability::{FnTool, ToolCall, ToolDescriptor};
use mcp_runtime::prelude::*;
use mcp_runtime::transport::http::{self, HttpConfig};

/// Adds two numbers.
///
/// # Arguments
/// * `a` - the first addend
/// * `b` - the second addend
#[tool(read_only, idempotent, inline)]
fn add(a: f64, b: f64) -> f64 {
    a + b
}

/// Returns its input.
///
/// # Arguments
/// * `text` - what to echo
#[tool(read_only, idempotent, inline)]
fn echo(text: String) -> String {
    text
}

/// A structured result of about 10 KiB.
#[tool(read_only, idempotent, inline)]
fn report() -> Json<Report> {
    Json(mcp_bench::report())
}

/// Blocks its thread for `ms` milliseconds, as synchronous I/O does (not `inline`: it runs
/// on a blocking thread, the default for synchronous tools).
#[tool(read_only)]
fn block(ms: u64) -> String {
    std::thread::sleep(std::time::Duration::from_millis(ms));
    "unblocked".to_owned()
}

/// Sleeps `ms` milliseconds without holding a thread (a `tokio::time::sleep`), as a call
/// waiting on the network does.
///
/// # Arguments
/// * `ms` - how long to sleep, in milliseconds
#[tool(read_only)]
async fn nap(ms: u64) -> String {
    tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
    "napped".to_owned()
}

/// Accounts matching a filter, from the SQLite database, by number (not `inline`: it runs
/// on a blocking thread, as in `examples/accounts`).
///
/// # Arguments
/// * `owner_contains` - only owners whose name contains this text (any case)
/// * `min_balance_cents` - only balances of at least this many cents
/// * `limit` - at most this many accounts, 1 to 500 (default 50)
#[tool(read_only, idempotent)]
fn query_accounts(
    owner_contains: Option<String>,
    min_balance_cents: Option<i64>,
    limit: Option<u32>,
) -> Result<Json<AccountList>, ToolError> {
    let query = Query {
        owner_contains,
        min_balance_cents,
        limit,
    };
    Accounts::shared()
        .query(&query)
        .map(Json)
        .map_err(ToolError::new)
}

/// With `BENCH_WIDE=1`, the 200 more tools of a wide server ([`mcp_bench::wide`]), each
/// registered from a `ToolDescriptor` and a function, and pages of 256 so that `tools/list`
/// answers with every tool at once, as rmcp does.
fn wide_tools(server: Server) -> Server {
    if std::env::var_os("BENCH_WIDE").is_none() {
        return server;
    }
    (0..mcp_bench::WIDE_EXTRA).fold(server.page_size(256), |server, n| {
        let (name, description) = wide(n);
        let descriptor = ToolDescriptor::new(name, description).input::<WideArgs>();
        server.tool(FnTool::new(descriptor, move |call: ToolCall| async move {
            let args: WideArgs = call.arguments.decode().map_err(ToolError::from)?;
            Ok::<_, ToolError>(format!("{n}: {}", args.key))
        }))
    })
}

/// With `BENCH_OBSERVE=1`: the request spans exported over OTLP/HTTP to a collector in this
/// process (which answers every export with an empty success, and drops it), and the
/// metrics recorded and exported the same way. `BENCH_OBSERVE=spans` or `metrics` turns on
/// only one of the two, to tell their costs apart. The guards are kept while the server runs.
#[cfg(feature = "otel")]
async fn observe(server: Server) -> (Server, Vec<mcp_runtime::otel::OtlpGuard>) {
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    let Ok(observe) = std::env::var("BENCH_OBSERVE") else {
        return (server, Vec::new());
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a port for the collector");
    let endpoint = format!("http://{}", listener.local_addr().expect("its address"));
    // It reads each export's body, as a collector does: a connection whose request was not
    // read is closed, and the exporter would connect again for every export.
    let collector = axum::Router::new().fallback(|_export: axum::body::Bytes| async { "" });
    tokio::spawn(async move { axum::serve(listener, collector).await });
    let export = mcp_runtime::otel::OtlpExport::new("bench-ours").endpoint(endpoint);
    let mut guards = Vec::new();
    let mut server = server;
    if observe != "metrics" {
        let (layer, spans) = export.clone().layer().expect("the span export");
        tracing_subscriber::registry().with(layer).init();
        guards.push(spans);
    }
    if observe != "spans" {
        let metrics = mcp_runtime::metrics::Metrics::new();
        guards.push(export.metrics(&metrics).expect("the metrics export"));
        server = server.metrics(metrics);
    }
    (server, guards)
}

#[tokio::main]
async fn main() {
    let server = Server::new("bench-ours", "1.0.0").tools(tools![add, echo, report, block]);
    let server = if more_tools() {
        server.tools(tools![nap, query_accounts])
    } else {
        server
    };
    let server = wide_tools(server);
    #[cfg(feature = "otel")]
    let (server, _guards) = observe(server).await;
    let served = match mode_from_args() {
        // Pipes are detected and used by the one stdio transport.
        Mode::Stdio | Mode::StdioPipes => server.serve_stdio().await,
        // With BENCH_STORE=redis://…, served as a replica sharing that store is: by the
        // runtime's command line, `--store` included.
        Mode::Http { port, .. } if std::env::var_os("BENCH_STORE").is_some() => {
            let store = std::env::var("BENCH_STORE").unwrap_or_default();
            let args =
                format!("bench-ours --transport http --bind 127.0.0.1:{port} --store {store}");
            server
                .serve_with_args(args.split(' ').map(Into::into))
                .await
        }
        // One endpoint serves both eras; the client picks by what it sends.
        Mode::Http { port, .. } => match server.build() {
            Ok(dispatcher) => {
                let config = HttpConfig {
                    bind: ([127, 0, 0, 1], port).into(),
                    ..HttpConfig::default()
                };
                http::serve(dispatcher, config).await
            }
            Err(e) => Err(e),
        },
    };
    if let Err(error) = served {
        eprintln!("bench-ours: {error}");
        std::process::exit(1);
    }
}
