//! Layers around the request path (`Server::layer`): their order, a layer answering in the
//! server's place, a layer rewriting arguments, and a timeout stopping a slow tool.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use mcp_runtime::middleware::{McpRequest, McpResponse, McpService};
use mcp_runtime::permission::AuditLog;
use mcp_runtime::prelude::*;
use mcp_runtime::testing::TestClient;
use serde_json::{json, Value};
use tower::ServiceExt;

/// A layer that notes `name` in `log` on the way in and on the way out.
struct Noting {
    name: &'static str,
    log: Arc<Mutex<Vec<String>>>,
}

impl tower::Layer<McpService> for Noting {
    type Service = McpService;

    fn layer(&self, inner: McpService) -> McpService {
        let (name, log) = (self.name, Arc::clone(&self.log));
        McpService::new(tower::service_fn(move |request: McpRequest| {
            let (log, inner) = (Arc::clone(&log), inner.clone());
            async move {
                log.lock()
                    .unwrap()
                    .push(format!("{name} in: {}", request.method()));
                let response = inner.oneshot(request).await;
                log.lock().unwrap().push(format!("{name} out"));
                response
            }
        }))
    }
}

fn noting(name: &'static str, log: Arc<Mutex<Vec<String>>>) -> Noting {
    Noting { name, log }
}

async fn clients(server: impl Fn() -> Server) -> Vec<TestClient> {
    vec![
        TestClient::modern(server()).unwrap(),
        TestClient::legacy(server()).await.unwrap(),
    ]
}

#[tokio::test]
async fn layers_run_outermost_first_in_both_eras() {
    let log: Arc<Mutex<Vec<String>>> = Arc::default();
    let server = || {
        mcp_tests::fixture_server()
            .layer(noting("outer", Arc::clone(&log)))
            .layer(noting("inner", Arc::clone(&log)))
    };
    for client in clients(server).await {
        log.lock().unwrap().clear();
        let result = client
            .call_tool("echo", json!({"text": "hi"}))
            .await
            .unwrap();
        assert_eq!(result.text(), "hi");
        assert_eq!(
            *log.lock().unwrap(),
            [
                "outer in: tools/call",
                "inner in: tools/call",
                "inner out",
                "outer out"
            ]
        );
    }
}

static DELETED: AtomicU64 = AtomicU64::new(0);

/// Deletes a record (counts the deletions).
#[tool(destructive, risk = "medium")]
fn purge(id: u64) -> String {
    DELETED.fetch_add(1, Ordering::SeqCst);
    format!("purged {id}")
}

#[tokio::test]
async fn a_layer_refusing_a_call_answers_in_its_place_and_the_audit_records_it() {
    let dir = std::env::temp_dir().join(format!("mcp-layer-audit-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("audit.jsonl");
    let _ = std::fs::remove_file(&path);
    // No destructive tool outside office hours (here: never).
    let guard = tower::layer::layer_fn(|inner: McpService| {
        tower::service_fn(move |request: McpRequest| {
            let inner = inner.clone();
            async move {
                if request
                    .capability()
                    .and_then(|c| c.hints())
                    .is_some_and(|h| h.destructive)
                {
                    return Ok(McpResponse::tool_error(
                        &request,
                        "destructive tools are closed outside office hours",
                    ));
                }
                inner.oneshot(request).await
            }
        })
    });
    let server = Server::new("records", "1.0.0")
        .tools(tools![purge])
        .audit(AuditLog::to_file(&path).unwrap())
        .layer(guard);
    let client = TestClient::modern(server).unwrap();
    let result = client.call_tool("purge", json!({"id": 7})).await.unwrap();
    assert!(result.is_error);
    assert_eq!(
        result.text(),
        "destructive tools are closed outside office hours"
    );
    assert_eq!(DELETED.load(Ordering::SeqCst), 0, "the tool never ran");
    let records: Vec<Value> = std::fs::read_to_string(&path)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .filter(|record: &Value| record["event"] == "call")
        .collect();
    assert_eq!(records.len(), 1, "{records:?}");
    assert_eq!(records[0]["outcome"], "blocked");
    assert_eq!(records[0]["capability"], "purge");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_layer_rewrites_arguments_in_both_eras() {
    let shout = || {
        tower::layer::layer_fn(|inner: McpService| {
            tower::service_fn(move |mut request: McpRequest| {
                let inner = inner.clone();
                async move {
                    if request.capability().is_some_and(|c| c.name() == "echo") {
                        let text = request.arguments()["text"]
                            .as_str()
                            .unwrap_or_default()
                            .to_uppercase();
                        request.set_arguments(json!({ "text": text }));
                    }
                    inner.oneshot(request).await
                }
            })
        })
    };
    for client in clients(|| mcp_tests::fixture_server().layer(shout())).await {
        let result = client
            .call_tool("echo", json!({"text": "quiet please"}))
            .await
            .unwrap();
        assert_eq!(result.text(), "QUIET PLEASE");
        // Other tools are left alone.
        let sum = client
            .call_tool("add", json!({"a": 2, "b": 3}))
            .await
            .unwrap();
        assert_eq!(sum.text(), "5");
    }
}

static FINISHED: AtomicU64 = AtomicU64::new(0);

/// Works for `ms` milliseconds, then counts itself finished.
#[tool]
async fn slow(ms: u64) -> String {
    tokio::time::sleep(Duration::from_millis(ms)).await;
    FINISHED.fetch_add(1, Ordering::SeqCst);
    "finished".into()
}

#[tokio::test]
async fn a_timeout_layer_stops_a_slow_tool_and_the_server_goes_on() {
    let server =
        || {
            Server::new("slow", "1.0.0").tools(tools![slow]).layer(
                tower::timeout::TimeoutLayer::new(Duration::from_millis(100)),
            )
        };
    for client in clients(server).await {
        let error = client
            .call_tool("slow", json!({"ms": 400}))
            .await
            .unwrap_err();
        assert_eq!(error.code, -32603);
        assert!(error.message.contains("timed out"), "{}", error.message);
        let quick = client.call_tool("slow", json!({"ms": 1})).await.unwrap();
        assert_eq!(quick.text(), "finished");
    }
    // The slow calls were dropped, not left running: only the two quick ones finished.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(FINISHED.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn layers_see_the_capability_its_risk_and_the_caller() {
    let seen: Arc<Mutex<Vec<Value>>> = Arc::default();
    let record = {
        let seen = Arc::clone(&seen);
        tower::layer::layer_fn(move |inner: McpService| {
            let seen = Arc::clone(&seen);
            tower::service_fn(move |request: McpRequest| {
                let (seen, inner) = (Arc::clone(&seen), inner.clone());
                async move {
                    seen.lock().unwrap().push(json!({
                        "method": request.method(),
                        "capability": request.capability().map(|c| c.name().to_owned()),
                        "risk": request.capability().map(|c| c.permission().risk.to_string()),
                        "caller": request.caller().subject(),
                    }));
                    inner.oneshot(request).await
                }
            })
        })
    };
    let client = TestClient::modern(
        Server::new("records", "1.0.0")
            .tools(tools![purge])
            .layer(record),
    )
    .unwrap();
    client.list_tools().await.unwrap();
    let _ = client.call_tool("purge", json!({"id": 1})).await;
    let seen = seen.lock().unwrap().clone();
    assert_eq!(
        seen,
        [
            json!({"method": "tools/list", "capability": null, "risk": null, "caller": "local"}),
            json!({"method": "tools/call", "capability": "purge", "risk": "medium", "caller": "local"}),
        ]
    );
}
