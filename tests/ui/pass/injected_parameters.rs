use mcp_runtime::capability::ToolHandler;
use mcp_runtime::prelude::*;
use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Default)]
struct Counter {
    hits: AtomicU64,
}

/// Counts calls and logs them.
#[tool]
async fn hit(ctx: Context, counter: State<Counter>, note: Option<String>) -> u64 {
    ctx.log(LogLevel::Info, note.unwrap_or_default()).await;
    counter.hits.fetch_add(1, Ordering::Relaxed) + 1
}

/// Reads the count.
#[tool(read_only)]
fn count(counter: mcp_runtime::State<Counter>, _ctx: mcp_runtime::Context) -> u64 {
    counter.hits.load(Ordering::Relaxed)
}

struct Service;

#[mcp_server]
impl Service {
    /// Counts calls on a service.
    #[tool]
    fn service_hit(&self, counter: State<Counter>, ctx: Context) -> u64 {
        let _ = ctx.is_cancelled();
        counter.hits.fetch_add(1, Ordering::Relaxed) + 1
    }
}

fn main() {
    let _ = Server::new("counter", "1.0.0")
        .state(Counter::default())
        .tools(tools![hit, count])
        .provider(Service);
    // Injected parameters are not arguments.
    let schema = hit {}.descriptor().input_schema().clone();
    assert_eq!(
        schema["properties"],
        serde_json::json!({ "note": { "type": ["string", "null"] } })
    );
}
