//! The Redis task store against a real Redis: `MCP_TEST_REDIS_URL` names it (the tests fail
//! without it), and `redis-server` on the `PATH` serves the outage test. Run by
//! `tests/scale/run.sh`, which starts both:
//!
//! ```text
//! MCP_TEST_REDIS_URL=redis://127.0.0.1:6379 cargo test -p mcp-tests --features redis --test integration redis_store
//! ```
//!
//! Each test keys its tasks under a prefix of its own, so that they run side by side.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use mcp_runtime::prelude::*;
use mcp_runtime::tasks::{RedisTaskStore, TaskRecord, TaskStatus, TaskStore, TaskStoreError};
use mcp_runtime::testing::TestClient;
use mcp_tests::{task_server_logging, JobLog};
use serde_json::{json, Value};

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
