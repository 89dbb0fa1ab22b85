//! The Redis store against a real Redis: tasks, the keys of multi round-trip requests and
//! the fan-out of changes between replicas: `MCP_TEST_REDIS_URL` names it (the tests fail
//! without it), and `redis-server` on the `PATH` serves the outage test. Run by
//! `tests/scale/run.sh`, which starts both:
//!
//! ```text
//! MCP_TEST_REDIS_URL=redis://127.0.0.1:6379 cargo test -p mcp-tests --features redis --test integration redis_store
//! ```
//!
//! Each test keys its tasks under a prefix of its own, so that they run side by side.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use mcp_runtime::prelude::*;
use mcp_runtime::server::{Connection, Dispatcher};
use mcp_runtime::tasks::{RedisTaskStore, TaskRecord, TaskStatus, TaskStore, TaskStoreError};
use mcp_runtime::testing::TestClient;
use mcp_tests::{task_server_logging, JobLog};
use serde_json::{json, Value};
use tokio::sync::mpsc;

/// The Redis the tests use.
fn redis_url() -> String {
    std::env::var("MCP_TEST_REDIS_URL").expect(
        "MCP_TEST_REDIS_URL names the Redis to test against (tests/scale/run.sh starts one)",
    )
}

/// A key prefix no other test uses.
fn prefix(test: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("test:{test}:{nanos}:")
}

async fn store(test: &str, limit: usize) -> RedisTaskStore {
    RedisTaskStore::builder(redis_url())
        .prefix(prefix(test))
        .limit(limit)
        .connect()
        .await
        .unwrap()
}

/// `redis-cli` against the tests' Redis; its answer.
fn redis_cli(args: &[&str]) -> String {
    let output = std::process::Command::new("redis-cli")
        .args(["-u", &redis_url()])
        .args(args)
        .output()
        .expect("redis-cli is on the PATH (tests/scale/run.sh installs it)");
    assert!(output.status.success(), "redis-cli {args:?}");
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

fn task(id: &str, status: TaskStatus) -> TaskRecord {
    let now = now_ms();
    serde_json::from_value(json!({
        "id": id,
        "version": 0,
        "owner": null,
        "tool": "long_job",
        "protocolVersion": "2026-07-28",
        "status": status,
        "createdAtMs": now,
        "lastUpdatedAtMs": now,
        "ttlMs": 600_000,
        "pollIntervalMs": 500,
    }))
    .unwrap()
}

fn next(mut task: TaskRecord, status: TaskStatus) -> TaskRecord {
    task.version += 1;
    task.status = status;
    task
}

#[tokio::test]
async fn records_are_stored_read_and_replaced_by_version() {
    let store = store("replace", 100).await;
    assert_eq!(store.prefix().split(':').next(), Some("test"));
    assert!(store.get("missing").await.unwrap().is_none());
    let first = task("a", TaskStatus::Working);
    store.insert(first.clone()).await.unwrap();
    assert_eq!(store.get("a").await.unwrap(), Some(first.clone()));

    // Two writers read version 0; one wins, the other is told it lost.
    let left = next(first.clone(), TaskStatus::Completed);
    let mut right = next(first.clone(), TaskStatus::Failed);
    right.status_message = Some("the other writer".into());
    let other = store.clone();
    let (l, r) = tokio::join!(
        store.replace(left.clone(), 0),
        other.replace(right.clone(), 0)
    );
    let (l, r) = (l.unwrap(), r.unwrap());
    assert!(l ^ r, "exactly one writer wins: {l} {r}");
    let stored = store.get("a").await.unwrap().unwrap();
    assert_eq!(stored, if l { left } else { right });
    // A stale version, or a missing task, is refused.
    assert!(!store
        .replace(next(first, TaskStatus::Working), 0)
        .await
        .unwrap());
    assert!(!store
        .replace(task("gone", TaskStatus::Working), 0)
        .await
        .unwrap());
}

#[tokio::test]
async fn tasks_expire_at_their_time_to_live_across_replacements() {
    let store = store("expiry", 1).await;
    let mut short = task("short", TaskStatus::Working);
    short.ttl_ms = Some(1000);
    store.insert(short.clone()).await.unwrap();
    assert!(store
        .replace(next(short, TaskStatus::Completed), 0)
        .await
        .unwrap());
    assert!(store.get("short").await.unwrap().is_some());
    // Redis itself expires the record, the replacement having kept the expiry.
    let key = format!("{}task:short", store.prefix());
    let left: i64 = redis_cli(&["PTTL", &key]).parse().unwrap();
    assert!(0 < left && left <= 1000, "PTTL {left}");
    tokio::time::sleep(Duration::from_millis(1300)).await;
    assert!(store.get("short").await.unwrap().is_none(), "expired");
    // Its room is free again, even for a running task with a store of one.
    store
        .insert(task("after", TaskStatus::Working))
        .await
        .unwrap();
    assert!(store.get("after").await.unwrap().is_some());
}

#[tokio::test]
async fn a_full_store_drops_the_oldest_finished_task_and_refuses_when_all_run() {
    let store = store("bound", 3).await;
    store
        .insert(task("a", TaskStatus::Completed))
        .await
        .unwrap();
    store.insert(task("b", TaskStatus::Working)).await.unwrap();
    store.insert(task("c", TaskStatus::Working)).await.unwrap();
    // b finishes after a was stored: a is still the oldest finished one.
    let b = store.get("b").await.unwrap().unwrap();
    assert!(store
        .replace(next(b, TaskStatus::Cancelled), 0)
        .await
        .unwrap());
    store.insert(task("d", TaskStatus::Working)).await.unwrap();
    assert!(
        store.get("a").await.unwrap().is_none(),
        "the oldest finished task goes first"
    );
    assert!(store.get("b").await.unwrap().is_some());
    store.insert(task("e", TaskStatus::Working)).await.unwrap();
    assert!(store.get("b").await.unwrap().is_none());
    // Only running tasks left: refused, nothing dropped.
    let refused = store.insert(task("f", TaskStatus::Working)).await;
    assert!(
        matches!(refused, Err(TaskStoreError::Full { limit: 3 })),
        "{refused:?}"
    );
    for id in ["c", "d", "e"] {
        assert!(store.get(id).await.unwrap().is_some(), "{id}");
    }
    assert!(store.get("f").await.unwrap().is_none());
    // A record gone without its index entry (deleted by hand) does not count.
    redis_cli(&["DEL", &format!("{}task:c", store.prefix())]);
    store.insert(task("f", TaskStatus::Working)).await.unwrap();
    assert!(store.get("f").await.unwrap().is_some());
}

#[tokio::test]
async fn changed_wakes_on_a_replace_made_by_another_replica() {
    let here = store("changed", 100).await;
    let there = RedisTaskStore::builder(redis_url())
        .prefix(here.prefix())
        .connect()
        .await
        .unwrap();
    let first = task("t", TaskStatus::Working);
    here.insert(first.clone()).await.unwrap();

    tokio::time::timeout(Duration::from_millis(200), here.changed("t", 0))
        .await
        .expect_err("version 0 is not above 0: it waits");
    let waiting = {
        let here = here.clone();
        tokio::spawn(async move {
            let started = Instant::now();
            here.changed("t", 0).await.unwrap();
            started.elapsed()
        })
    };
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(!waiting.is_finished(), "nothing changed yet");
    assert!(there
        .replace(next(first, TaskStatus::Completed), 0)
        .await
        .unwrap());
    let waited = tokio::time::timeout(Duration::from_millis(1500), waiting)
        .await
        .expect("woken well before the periodic re-read")
        .unwrap();
    assert!(waited < Duration::from_millis(1500), "{waited:?}");
    // A task that is gone ends the wait too.
    tokio::time::timeout(Duration::from_secs(1), here.changed("never-stored", 0))
        .await
        .unwrap()
        .unwrap();
}

fn task_id(created: &Value) -> Value {
    created["taskId"].clone()
}

#[tokio::test]
async fn a_task_started_on_one_replica_is_polled_and_cancelled_on_another() {
    let shared = prefix("replicas");
    let connect = || async {
        RedisTaskStore::builder(redis_url())
            .prefix(shared.clone())
            .connect()
            .await
            .unwrap()
    };
    let log_a = JobLog::default();
    let a =
        TestClient::modern(task_server_logging(log_a.clone()).task_store(connect().await)).unwrap();
    let b = TestClient::modern(task_server_logging(JobLog::default()).task_store(connect().await))
        .unwrap();

    let created = a
        .start_tool_task("long_job", json!({"ms": 60_000}))
        .await
        .unwrap();
    let id = task_id(&created);
    let polled = b
        .task_request("tasks/get", json!({"taskId": id}))
        .await
        .unwrap();
    assert_eq!(polled["status"], "working", "{polled}");

    b.task_request("tasks/cancel", json!({"taskId": id}))
        .await
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    while log_a.stopped.load(Ordering::SeqCst) == 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(
        log_a.stopped.load(Ordering::SeqCst),
        1,
        "replica A's handler was stopped"
    );
    assert_eq!(log_a.finished.load(Ordering::SeqCst), 0);
    let mut status = Value::Null;
    for _ in 0..100 {
        status = b
            .task_request("tasks/get", json!({"taskId": id}))
            .await
            .unwrap()["status"]
            .clone();
        if status == "cancelled" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(status, "cancelled");
    let on_a = a
        .task_request("tasks/get", json!({"taskId": id}))
        .await
        .unwrap();
    assert_eq!(on_a["status"], "cancelled");
}

/// A `redis-server` of the test's own, without persistence, on `port`.
fn start_redis(port: u16) -> std::process::Child {
    std::process::Command::new("redis-server")
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
        .args(["--save", "", "--appendonly", "no"])
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("redis-server is on the PATH (tests/scale/run.sh installs it)")
}

async fn wait_for_port(port: u16) {
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("redis-server did not start on port {port}");
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test]
async fn a_redis_that_is_down_is_an_error_naming_it_and_recovery_follows() {
    // Down at start: an error naming the URL, promptly.
    let port = free_port();
    let url = format!("redis://127.0.0.1:{port}");
    let started = Instant::now();
    let error = RedisTaskStore::connect(url.clone()).await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(4));
    assert!(error.to_string().contains(&url), "{error}");
    let served = Server::new("s", "1")
        .serve_with_args(["s", "--store", &url].map(Into::into))
        .await
        .unwrap_err();
    assert!(served.to_string().contains(&url), "{served}");

    // Up, then stopped while a server uses it.
    let mut redis = start_redis(port);
    wait_for_port(port).await;
    let store = RedisTaskStore::connect(url.clone()).await.unwrap();
    let client =
        TestClient::modern(task_server_logging(JobLog::default()).task_store(store.clone()))
            .unwrap();
    let created = client
        .start_tool_task("long_job", json!({"ms": 60_000}))
        .await
        .unwrap();
    let id = task_id(&created);
    redis.kill().unwrap();
    redis.wait().unwrap();
    let started = Instant::now();
    let error = client
        .task_request("tasks/get", json!({"taskId": id}))
        .await
        .unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(error.code, -32603, "{error:?}");
    assert!(
        error.message.contains(&format!("Redis at {url}")),
        "{error:?}"
    );
    let started = Instant::now();
    let unavailable = store.insert(task("x", TaskStatus::Working)).await;
    assert!(
        matches!(unavailable, Err(TaskStoreError::Unavailable(_))),
        "{unavailable:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(5));
    let started = Instant::now();
    assert!(store.changed(id.as_str().unwrap(), 0).await.is_err());
    assert!(started.elapsed() < Duration::from_secs(5));

    // Back (empty: no persistence): the same store works again.
    let mut redis = start_redis(port);
    wait_for_port(port).await;
    let mut recovered = None;
    for _ in 0..50 {
        if let Ok(created) = client.start_tool_task("long_job", json!({"ms": 10})).await {
            recovered = Some(created);
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let created = recovered.expect("tasks start again once Redis is back");
    assert!(created["taskId"].is_string(), "{created}");
    let gone = client
        .task_request("tasks/get", json!({"taskId": id}))
        .await
        .unwrap_err();
    assert_ne!(
        gone.code, -32603,
        "the old task is gone, not the store: {gone:?}"
    );
    let _ = redis.kill();
    let _ = redis.wait();
}

/// Greets the user by the name they type, asking in a second round.
#[tool]
async fn greet(ctx: Context) -> Result<String, ToolError> {
    let schema = json!({"type": "object", "properties": {"name": {"type": "string"}}});
    let answer = ctx.elicit("Your name?", schema).key("name").await?;
    let content = answer.content.unwrap_or_default();
    Ok(format!(
        "Hello, {}!",
        content["name"].as_str().unwrap_or("?")
    ))
}

/// A tool to switch off and on.
#[tool(read_only)]
fn beta() -> &'static str {
    "beta"
}

/// The notes.
#[resource("notes://today", mime_type = "text/plain")]
fn notes() -> &'static str {
    "buy milk"
}

/// A replica of one server: its tasks, and everything else it shares, under `prefix`.
async fn replica(prefix: &str) -> Server {
    replica_at(&redis_url(), prefix).await
}

/// A replica sharing the Redis at `url`.
async fn replica_at(url: &str, prefix: &str) -> Server {
    let store = RedisTaskStore::builder(url)
        .prefix(prefix)
        .connect()
        .await
        .unwrap();
    task_server_logging(JobLog::default())
        .tools(tools![greet, beta])
        .resources(resources![notes])
        .task_store(store)
}

fn asking_client(server: Server) -> TestClient {
    TestClient::modern(server)
        .unwrap()
        .with_client_capabilities(json!({"elicitation": {}}))
}

#[tokio::test]
async fn a_multi_round_trip_request_continues_on_another_replica_and_only_once() {
    let shared = prefix("rounds");
    let a = asking_client(replica(&shared).await);
    let b = asking_client(replica(&shared).await);
    let first = a
        .request("tools/call", json!({"name": "greet", "arguments": {}}))
        .await
        .unwrap();
    assert_eq!(first["resultType"], "input_required", "{first}");
    let retry = json!({
        "name": "greet",
        "arguments": {},
        "inputResponses": {"name": {"action": "accept", "content": {"name": "Ada"}}},
        "requestState": first["requestState"],
    });
    // Sealed on A, with the key the replicas agreed on through the store; opened on B.
    let done = b.request("tools/call", retry.clone()).await.unwrap();
    assert_eq!(done["content"][0]["text"], "Hello, Ada!", "{done}");
    // Used once on B: refused on A as on B.
    for replica in [&a, &b] {
        let replayed = replica
            .request("tools/call", retry.clone())
            .await
            .unwrap_err();
        assert_eq!(replayed.code, -32602, "{replayed:?}");
        assert!(replayed.message.contains("already used"), "{replayed:?}");
    }
    // The agreed key is in the store, drawn once.
    let key = redis_cli(&["GET", &format!("{shared}request-state:key")]);
    assert_eq!(key.len(), 43, "{key}");
}

#[tokio::test]
async fn a_state_sealed_with_a_key_the_replica_does_not_hold_is_refused() {
    let shared = prefix("foreign-key");
    let a = asking_client(replica(&shared).await.request_state_key([1u8; 32]));
    let b = asking_client(replica(&shared).await.request_state_key([2u8; 32]));
    let first = a
        .request("tools/call", json!({"name": "greet", "arguments": {}}))
        .await
        .unwrap();
    let retry = json!({
        "name": "greet",
        "arguments": {},
        "inputResponses": {"name": {"action": "accept", "content": {"name": "Ada"}}},
        "requestState": first["requestState"],
    });
    let refused = b.request("tools/call", retry.clone()).await.unwrap_err();
    assert_eq!(refused.code, -32602, "{refused:?}");
    assert!(
        refused.message.contains("not issued by this server"),
        "{refused:?}"
    );
    // Rotated: B holds A's key behind its own, and opens the state.
    let b = asking_client(
        replica(&shared)
            .await
            .request_state_keys([[2u8; 32], [1u8; 32]]),
    );
    let done = b.request("tools/call", retry).await.unwrap();
    assert_eq!(done["content"][0]["text"], "Hello, Ada!", "{done}");
}

fn connect() -> (Arc<Connection>, mpsc::Receiver<Vec<u8>>) {
    let (tx, rx) = mpsc::channel(64);
    (Arc::new(Connection::new(tx)), rx)
}

fn modern(method: &str, id: i64, mut params: Value) -> Bytes {
    params["_meta"] = json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {},
    });
    let message = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
    Bytes::from(serde_json::to_vec(&message).unwrap())
}

async fn heard(rx: &mut mpsc::Receiver<Vec<u8>>) -> Value {
    let message = tokio::time::timeout(Duration::from_secs(5), rx.recv())
        .await
        .expect("a message arrives")
        .expect("the stream is open");
    serde_json::from_slice(&message).unwrap()
}

async fn tool_names(dispatcher: &Dispatcher) -> Vec<String> {
    let (connection, _rx) = connect();
    let answer = dispatcher
        .handle(&connection, modern("tools/list", 1, json!({})))
        .await
        .unwrap();
    let answer: Value = serde_json::from_slice(&answer).unwrap();
    answer["result"]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|tool| tool["name"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn changes_made_on_one_replica_reach_the_others() {
    let shared = prefix("fanout");
    let a = replica(&shared).await.build().unwrap();
    let b = replica(&shared).await.build().unwrap();
    assert!(tool_names(&b).await.contains(&"beta".to_owned()));

    // A listen stream on B.
    let (connection, mut rx) = connect();
    let listening = {
        let b = b.clone();
        let connection = Arc::clone(&connection);
        tokio::spawn(async move {
            let params = json!({"notifications": {
                "toolsListChanged": true,
                "resourceSubscriptions": ["notes://today"],
            }});
            b.handle(&connection, modern("subscriptions/listen", 7, params))
                .await
        })
    };
    let ack = heard(&mut rx).await;
    assert_eq!(
        ack["method"], "notifications/subscriptions/acknowledged",
        "{ack}"
    );

    // Switched off through A: B's stream hears of it, and B no longer lists it.
    assert!(a.notifier().disable_tool("beta").await.unwrap());
    let message = heard(&mut rx).await;
    assert_eq!(
        message["method"], "notifications/tools/list_changed",
        "{message}"
    );
    assert_eq!(
        message["params"]["_meta"]["io.modelcontextprotocol/subscriptionId"],
        7
    );
    assert!(!tool_names(&a).await.contains(&"beta".to_owned()));
    assert!(!tool_names(&b).await.contains(&"beta".to_owned()));
    // Already off everywhere: switching it off again on B changes nothing.
    assert!(!b.notifier().disable_tool("beta").await.unwrap());

    // A resource updated through A reaches B's stream.
    assert_eq!(a.notifier().resource_updated("notes://today").await, 0);
    let message = heard(&mut rx).await;
    assert_eq!(
        message["method"], "notifications/resources/updated",
        "{message}"
    );
    assert_eq!(message["params"]["uri"], "notes://today");

    // A replica started later sees the tool off from its first request.
    let c = replica(&shared).await.build().unwrap();
    assert!(!tool_names(&c).await.contains(&"beta".to_owned()));
    let (c_connection, _c_rx) = connect();
    let call = c
        .handle(
            &c_connection,
            modern("tools/call", 2, json!({"name": "beta", "arguments": {}})),
        )
        .await
        .unwrap();
    let call: Value = serde_json::from_slice(&call).unwrap();
    assert!(
        call["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("Unknown tool: beta"),
        "{call}"
    );

    // Switched on again through C: A and B list it again, and B's stream hears of it.
    assert!(c.notifier().enable_tool("beta").await.unwrap());
    let message = heard(&mut rx).await;
    assert_eq!(
        message["method"], "notifications/tools/list_changed",
        "{message}"
    );
    let deadline = Instant::now() + Duration::from_secs(5);
    while !tool_names(&a).await.contains(&"beta".to_owned()) && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(tool_names(&a).await.contains(&"beta".to_owned()));
    assert!(tool_names(&b).await.contains(&"beta".to_owned()));
    listening.abort();
}

#[tokio::test]
async fn a_replica_whose_subscription_dropped_catches_up_and_tells_its_listeners() {
    // A Redis of the test's own: its subscriptions are cut off below.
    let port = free_port();
    let url = format!("redis://127.0.0.1:{port}");
    let mut redis = start_redis(port);
    wait_for_port(port).await;
    let a = replica_at(&url, "catch-up:").await.build().unwrap();
    let b = replica_at(&url, "catch-up:").await.build().unwrap();
    // B has read the switches (its first request waits for that).
    assert!(tool_names(&b).await.contains(&"beta".to_owned()));
    let (connection, mut rx) = connect();
    let listening = {
        let b = b.clone();
        let connection = Arc::clone(&connection);
        tokio::spawn(async move {
            let params = json!({"notifications": {"toolsListChanged": true}});
            b.handle(&connection, modern("subscriptions/listen", 9, params))
                .await
        })
    };
    heard(&mut rx).await;
    // The subscriptions are cut off while the switch is made, so that B misses the
    // publication; B reads the switches again once subscribed again.
    let killed = std::process::Command::new("redis-cli")
        .args(["-u", &url, "CLIENT", "KILL", "TYPE", "pubsub"])
        .output()
        .unwrap();
    assert!(killed.status.success());
    assert!(a.notifier().disable_tool("beta").await.unwrap());
    let message = heard(&mut rx).await;
    assert_eq!(
        message["method"], "notifications/tools/list_changed",
        "{message}"
    );
    assert!(!tool_names(&b).await.contains(&"beta".to_owned()));
    listening.abort();
    let _ = redis.kill();
    let _ = redis.wait();
}

#[tokio::test]
async fn without_redis_states_are_refused_and_switches_fail_naming_the_store() {
    let port = free_port();
    let url = format!("redis://127.0.0.1:{port}");
    let mut redis = start_redis(port);
    wait_for_port(port).await;
    let client = asking_client(replica_at(&url, "down:").await);
    let other = replica_at(&url, "down:").await.build().unwrap();
    let first = client
        .request("tools/call", json!({"name": "greet", "arguments": {}}))
        .await
        .unwrap();
    assert_eq!(first["resultType"], "input_required", "{first}");
    assert!(tool_names(&other).await.contains(&"beta".to_owned()));
    redis.kill().unwrap();
    redis.wait().unwrap();

    // Whether the state was used already cannot be checked: refused, naming the store.
    let retry = json!({
        "name": "greet",
        "arguments": {},
        "inputResponses": {"name": {"action": "accept", "content": {"name": "Ada"}}},
        "requestState": first["requestState"],
    });
    let refused = client.request("tools/call", retry).await.unwrap_err();
    assert_eq!(refused.code, -32603, "{refused:?}");
    assert!(
        refused.message.contains(&format!("Redis at {url}")),
        "{refused:?}"
    );
    // A switch the other replicas would not hear of is made nowhere.
    let error = other.notifier().disable_tool("beta").await.unwrap_err();
    assert!(matches!(error, mcp_runtime::Error::Store(_)), "{error:?}");
    assert!(
        error.to_string().contains(&format!("Redis at {url}")),
        "{error}"
    );
    assert!(tool_names(&other).await.contains(&"beta".to_owned()));
}
