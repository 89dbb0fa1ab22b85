//! Legacy-era HTTP sessions shared by replicas through Redis: two servers in this process,
//! on loopback ports, sharing one store, spoken to with raw HTTP/1.1. `MCP_TEST_REDIS_URL`
//! names the Redis (the tests fail without it); `redis-server` on the `PATH` serves the
//! outage test.
//!
//! ```text
//! MCP_TEST_REDIS_URL=redis://127.0.0.1:6379 cargo test -p mcp-tests --features redis --test integration redis_sessions
//! ```
//!
//! Each test keys its sessions under a prefix of its own, so that they run side by side.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use mcp_runtime::prelude::*;
use mcp_runtime::server::Notifier;
use mcp_runtime::tasks::RedisTaskStore;
use mcp_runtime::transport::http::{self, HttpConfig};
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::task::JoinHandle;

const LEGACY: &str = "2025-11-25";
const WAIT: Duration = Duration::from_secs(5);

fn redis_url() -> String {
    std::env::var("MCP_TEST_REDIS_URL").expect(
        "MCP_TEST_REDIS_URL names the Redis to test against (tests/scale/run.sh starts one)",
    )
}

fn prefix(test: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("test:sessions:{test}:{nanos}:")
}

/// Asks the user for a name, and greets them.
#[tool]
async fn greet(ctx: Context) -> Result<String, ToolError> {
    let answer = ctx
        .elicit(
            "Your name?",
            json!({"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]}),
        )
        .await?;
    let name = answer
        .content
        .as_ref()
        .and_then(|c| c.get("name"))
        .and_then(Value::as_str)
        .unwrap_or("nobody")
        .to_owned();
    Ok(format!("hello {name}"))
}

/// One replica: the fixture server over HTTP, sharing the store under `prefix`.
struct Replica {
    addr: SocketAddr,
    notifier: Notifier,
    task: JoinHandle<()>,
}

impl Drop for Replica {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn replica_at(url: &str, prefix: &str) -> Replica {
    replica_with(url, prefix, HttpConfig::default()).await
}

async fn replica_with(url: &str, prefix: &str, config: HttpConfig) -> Replica {
    let store = RedisTaskStore::builder(url)
        .prefix(prefix)
        .connect()
        .await
        .unwrap();
    let dispatcher = mcp_tests::fixture_server()
        .tools(tools![greet])
        .task_store(store)
        .build()
        .unwrap();
    let notifier = dispatcher.notifier();
    let app = http::router(dispatcher, &config);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        http::serve_router(listener, app, &config, std::future::pending())
            .await
            .unwrap();
    });
    Replica {
        addr,
        notifier,
        task,
    }
}

async fn replica(prefix: &str) -> Replica {
    replica_at(&redis_url(), prefix).await
}

/// An HTTP response, its body whole.
#[derive(Debug)]
struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {self:?}"))
    }

    /// The `data` of each SSE event of the body.
    fn events(&self) -> Vec<Value> {
        self.body
            .split("\n\n")
            .filter_map(|block| {
                let data: Vec<&str> = block
                    .lines()
                    .filter_map(|l| l.strip_prefix("data:"))
                    .map(str::trim_start)
                    .collect();
                (!data.is_empty()).then(|| serde_json::from_str(&data.join("\n")).unwrap())
            })
            .collect()
    }
}

struct Stream {
    io: BufReader<TcpStream>,
    buffer: String,
}

impl Stream {
    async fn open(addr: SocketAddr, method: &str, headers: &[(&str, &str)], body: &str) -> Self {
        let mut io = BufReader::new(TcpStream::connect(addr).await.unwrap());
        let mut request =
            format!("{method} /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
        for (name, value) in headers {
            request.push_str(&format!("{name}: {value}\r\n"));
        }
        request.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
        io.get_mut().write_all(request.as_bytes()).await.unwrap();
        Stream {
            io,
            buffer: String::new(),
        }
    }

    async fn line(&mut self) -> String {
        let mut line = String::new();
        tokio::time::timeout(WAIT, self.io.read_line(&mut line))
            .await
            .expect("a line in time")
            .unwrap();
        line.trim_end_matches(['\r', '\n']).to_owned()
    }

    async fn head(&mut self) -> (u16, Vec<(String, String)>) {
        let status = self.line().await;
        let status = status.split(' ').nth(1).unwrap().parse().unwrap();
        let mut headers = Vec::new();
        loop {
            let line = self.line().await;
            if line.is_empty() {
                return (status, headers);
            }
            let (name, value) = line.split_once(':').unwrap();
            headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
        }
    }

    /// The next chunk of a chunked body, `None` at its end.
    async fn chunk(&mut self, wait: Duration) -> Option<String> {
        let mut size = String::new();
        let read = tokio::time::timeout(wait, self.io.read_line(&mut size)).await;
        let size = usize::from_str_radix(read.ok()?.ok().map(|_| size.trim())?, 16).ok()?;
        if size == 0 {
            return None;
        }
        let mut data = vec![0; size + 2];
        self.io.read_exact(&mut data).await.unwrap();
        data.truncate(size);
        Some(String::from_utf8(data).unwrap())
    }

    /// The next SSE event with data: its id (if any) and data; `None` when none comes
    /// within `wait` or the stream ends.
    async fn event(&mut self, wait: Duration) -> Option<(Option<String>, Value)> {
        let deadline = Instant::now() + wait;
        loop {
            while let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let id = block
                    .lines()
                    .find_map(|l| l.strip_prefix("id:"))
                    .map(|id| id.trim().to_owned());
                let data: Vec<&str> = block
                    .lines()
                    .filter_map(|l| l.strip_prefix("data:"))
                    .map(str::trim_start)
                    .collect();
                if !data.is_empty() {
                    return Some((id, serde_json::from_str(&data.join("\n")).unwrap()));
                }
            }
            let left = deadline.checked_duration_since(Instant::now())?;
            let chunk = self.chunk(left).await?;
            self.buffer.push_str(&chunk);
        }
    }

    async fn rest(mut self, headers: &[(String, String)]) -> String {
        let chunked = headers
            .iter()
            .any(|(n, v)| n == "transfer-encoding" && v.contains("chunked"));
        let mut body = String::new();
        if chunked {
            while let Some(chunk) = self.chunk(WAIT).await {
                body.push_str(&chunk);
            }
        } else {
            tokio::time::timeout(WAIT, self.io.read_to_string(&mut body))
                .await
                .expect("the body in time")
                .unwrap();
        }
        body
    }
}

fn post_headers(session: Option<&str>) -> Vec<(&str, &str)> {
    let mut headers = vec![
        ("Content-Type", "application/json"),
        ("Accept", "application/json, text/event-stream"),
        ("MCP-Protocol-Version", LEGACY),
    ];
    if let Some(session) = session {
        headers.push(("Mcp-Session-Id", session));
    }
    headers
}

async fn post(addr: SocketAddr, session: Option<&str>, message: Value) -> Reply {
    let mut stream = Stream::open(addr, "POST", &post_headers(session), &message.to_string()).await;
    let (status, headers) = stream.head().await;
    let body = stream.rest(&headers).await;
    Reply {
        status,
        headers,
        body,
    }
}

async fn request(addr: SocketAddr, session: &str, id: u64, method: &str, params: Value) -> Reply {
    post(
        addr,
        Some(session),
        json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}),
    )
    .await
}

async fn notify(addr: SocketAddr, session: &str, method: &str, params: Value) -> Reply {
    post(
        addr,
        Some(session),
        json!({"jsonrpc": "2.0", "method": method, "params": params}),
    )
    .await
}

/// Opens a session on `addr` (declaring `capabilities`); its id.
async fn initialize(addr: SocketAddr, capabilities: Value) -> Reply {
    post(
        addr,
        None,
        json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
            "protocolVersion": LEGACY,
            "capabilities": capabilities,
            "clientInfo": {"name": "replicas-test", "version": "1"},
        }}),
    )
    .await
}

async fn open_session(addr: SocketAddr, capabilities: Value) -> String {
    let answer = initialize(addr, capabilities).await;
    assert_eq!(answer.status, 200, "{answer:?}");
    answer.header("mcp-session-id").unwrap().to_owned()
}

/// Opens the session's GET stream on `addr`, resuming after `last` if given.
async fn listen(addr: SocketAddr, session: &str, last: Option<&str>) -> Stream {
    let mut headers = vec![
        ("Accept", "text/event-stream"),
        ("Mcp-Session-Id", session),
        ("MCP-Protocol-Version", LEGACY),
    ];
    if let Some(last) = last {
        headers.push(("Last-Event-ID", last));
    }
    let mut stream = Stream::open(addr, "GET", &headers, "").await;
    let (status, _) = stream.head().await;
    assert_eq!(status, 200);
    stream
}

fn echo(text: &str) -> Value {
    json!({"name": "echo", "arguments": {"text": text}})
}

#[tokio::test]
async fn a_session_opened_on_one_replica_is_served_by_another() {
    let prefix = prefix("served");
    let a = replica(&prefix).await;
    let b = replica(&prefix).await;
    let session = open_session(a.addr, json!({})).await;
    // The record: what the handshake negotiated.
    let key = format!("{prefix}session:{session}");
    assert_eq!(redis_cli(&["HGET", &key, "version"]), LEGACY);
    // Until the handshake completes, it expires after the initialization timeout (30 s).
    let ttl: i64 = redis_cli(&["PTTL", &key]).parse().unwrap();
    assert!(0 < ttl && ttl <= 30_000, "PTTL {ttl}");

    let opened = notify(b.addr, &session, "notifications/initialized", json!({})).await;
    assert_eq!(opened.status, 202, "{opened:?}");
    // Then after the idle timeout (30 minutes).
    let ttl: i64 = redis_cli(&["PTTL", &key]).parse().unwrap();
    assert!(30_000 < ttl && ttl <= 1_800_000, "PTTL {ttl}");
    assert_eq!(redis_cli(&["HGET", &key, "initialized"]), "1");
    let called = request(b.addr, &session, 1, "tools/call", echo("on b")).await;
    assert_eq!(called.status, 200, "{called:?}");
    assert_eq!(called.json()["result"]["content"][0]["text"], "on b");

    // Logs at info reach the client on B until A raises the level.
    let worked = request(
        b.addr,
        &session,
        2,
        "tools/call",
        json!({"name": "work", "arguments": {"steps": 1}}),
    )
    .await;
    let logged = |reply: &Reply| {
        reply
            .events()
            .iter()
            .any(|e| e["method"] == "notifications/message")
    };
    assert!(logged(&worked), "{worked:?}");
    let set = request(
        a.addr,
        &session,
        3,
        "logging/setLevel",
        json!({"level": "warning"}),
    )
    .await;
    assert_eq!(set.status, 200, "{set:?}");
    let worked = request(
        b.addr,
        &session,
        4,
        "tools/call",
        json!({"name": "work", "arguments": {"steps": 1}}),
    )
    .await;
    assert!(!logged(&worked), "B honours the level set on A: {worked:?}");

    // A subscription made on A: a change announced by B reaches the session once.
    let uri = "test://static/readme";
    let subscribed = request(
        a.addr,
        &session,
        5,
        "resources/subscribe",
        json!({"uri": uri}),
    )
    .await;
    assert_eq!(subscribed.status, 200, "{subscribed:?}");
    assert_eq!(b.notifier.resource_updated(uri).await, 1);
    assert_eq!(b.notifier.resource_updated("test://static/logo").await, 0);
    let mut stream = listen(a.addr, &session, Some("0-0")).await;
    let (_, event) = stream.event(WAIT).await.expect("the update");
    assert_eq!(event["method"], "notifications/resources/updated");
    assert_eq!(event["params"]["uri"], uri);
    assert!(
        stream.event(Duration::from_millis(300)).await.is_none(),
        "told once"
    );
    let unsubscribed = request(
        b.addr,
        &session,
        6,
        "resources/unsubscribe",
        json!({"uri": uri}),
    )
    .await;
    assert_eq!(unsubscribed.status, 200);
    assert_eq!(a.notifier.resource_updated(uri).await, 0);

    // DELETE on B ends the session on A too.
    let mut delete = Stream::open(b.addr, "DELETE", &[("Mcp-Session-Id", &session)], "").await;
    assert_eq!(delete.head().await.0, 200);
    let after = request(a.addr, &session, 7, "tools/call", echo("gone")).await;
    assert_eq!(after.status, 404, "{after:?}");
    let again = request(b.addr, &session, 8, "tools/call", echo("gone")).await;
    assert_eq!(again.status, 404, "{again:?}");
}

#[tokio::test]
async fn the_stream_resumes_on_another_replica_after_the_first_is_gone() {
    let prefix = prefix("resume");
    let a = replica(&prefix).await;
    let b = replica(&prefix).await;
    let session = open_session(a.addr, json!({})).await;
    notify(a.addr, &session, "notifications/initialized", json!({})).await;
    let mut stream = listen(a.addr, &session, None).await;
    b.notifier.disable_tool("add").await.unwrap();
    let (first, event) = stream.event(WAIT).await.expect("the first change");
    assert_eq!(event["method"], "notifications/tools/list_changed");
    let first = first.expect("events carry ids");
    drop(stream);
    drop(a);

    // Changes while no stream is open are kept, and delivered by B from where A left off.
    b.notifier.disable_tool("echo").await.unwrap();
    b.notifier.enable_tool("add").await.unwrap();
    let mut resumed = listen(b.addr, &session, Some(&first)).await;
    let mut ids = Vec::new();
    for _ in 0..2 {
        let (id, event) = resumed.event(WAIT).await.expect("a missed change");
        assert_eq!(event["method"], "notifications/tools/list_changed");
        ids.push(id.unwrap());
    }
    assert_ne!(ids[0], ids[1]);
    assert!(ids.iter().all(|id| *id != first));
    // The log expires with the session.
    let ttl: i64 = redis_cli(&["PTTL", &format!("{prefix}session:{session}:events")])
        .parse()
        .unwrap();
    assert!(0 < ttl && ttl <= 1_800_000, "PTTL {ttl}");
    assert!(
        resumed.event(Duration::from_millis(300)).await.is_none(),
        "nothing twice"
    );
    // New events arrive on the open stream.
    b.notifier.enable_tool("echo").await.unwrap();
    let (_, event) = resumed.event(WAIT).await.expect("a new change");
    assert_eq!(event["method"], "notifications/tools/list_changed");
}

#[tokio::test]
async fn an_answer_reaching_another_replica_finds_the_question() {
    let prefix = prefix("answers");
    let a = replica(&prefix).await;
    let b = replica(&prefix).await;
    let session = open_session(a.addr, json!({"roots": {}})).await;
    notify(a.addr, &session, "notifications/initialized", json!({})).await;
    let call = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "list_roots", "arguments": {}}});
    let mut asking = Stream::open(
        a.addr,
        "POST",
        &post_headers(Some(&session)),
        &call.to_string(),
    )
    .await;
    let (status, _) = asking.head().await;
    assert_eq!(status, 200);
    let (_, question) = asking.event(WAIT).await.expect("the server's question");
    assert_eq!(question["method"], "roots/list");
    let id = question["id"].clone();
    assert!(id.as_str().unwrap().starts_with("server-"), "{id}");

    let answered = post(
        b.addr,
        Some(&session),
        json!({"jsonrpc": "2.0", "id": id, "result": {"roots": [{"uri": "file:///elsewhere", "name": "elsewhere"}]}}),
    )
    .await;
    assert_eq!(answered.status, 202, "{answered:?}");
    let (_, result) = asking.event(WAIT).await.expect("the call's result");
    assert_eq!(result["id"], 1);
    assert!(result.to_string().contains("file:///elsewhere"), "{result}");
}

#[tokio::test]
async fn a_cancellation_reaching_another_replica_stops_the_call() {
    let prefix = prefix("cancel");
    let a = replica(&prefix).await;
    let b = replica(&prefix).await;
    let session = open_session(a.addr, json!({})).await;
    notify(a.addr, &session, "notifications/initialized", json!({})).await;
    let started = Instant::now();
    let call = tokio::spawn({
        let session = session.clone();
        let addr = a.addr;
        async move {
            request(
                addr,
                &session,
                9,
                "tools/call",
                json!({"name": "sleep", "arguments": {"ms": 30_000}}),
            )
            .await
        }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let cancelled = notify(
        b.addr,
        &session,
        "notifications/cancelled",
        json!({"requestId": 9}),
    )
    .await;
    assert_eq!(cancelled.status, 202, "{cancelled:?}");
    let answer = tokio::time::timeout(WAIT, call)
        .await
        .expect("the call stops")
        .unwrap();
    assert!(started.elapsed() < WAIT);
    assert!(!answer.body.contains("slept"), "{answer:?}");
}

#[tokio::test]
async fn the_session_limits_hold_across_replicas() {
    let prefix = prefix("limits");
    let config = HttpConfig {
        max_sessions: 2,
        ..HttpConfig::default()
    };
    let a = replica_with(&redis_url(), &prefix, config.clone()).await;
    let b = replica_with(&redis_url(), &prefix, config).await;
    let first = open_session(a.addr, json!({})).await;
    notify(a.addr, &first, "notifications/initialized", json!({})).await;
    tokio::time::sleep(Duration::from_millis(5)).await;
    let second = open_session(b.addr, json!({})).await;
    notify(b.addr, &second, "notifications/initialized", json!({})).await;
    // A third session, opened on B, ends the least recently used one, opened on A.
    let third = open_session(b.addr, json!({})).await;
    notify(b.addr, &third, "notifications/initialized", json!({})).await;
    for replica in [&a, &b] {
        assert_eq!(
            request(replica.addr, &first, 2, "tools/call", echo("1"))
                .await
                .status,
            404
        );
        assert_eq!(
            request(replica.addr, &second, 3, "tools/call", echo("2"))
                .await
                .status,
            200
        );
        assert_eq!(
            request(replica.addr, &third, 4, "tools/call", echo("3"))
                .await
                .status,
            200
        );
    }
    assert_eq!(redis_cli(&["ZCARD", &format!("{prefix}sessions")]), "2");
}

#[tokio::test]
async fn an_elicitation_answered_through_another_replica_completes_the_call() {
    let prefix = prefix("elicit");
    let a = replica(&prefix).await;
    let b = replica(&prefix).await;
    let session = open_session(a.addr, json!({"elicitation": {}})).await;
    notify(b.addr, &session, "notifications/initialized", json!({})).await;
    let call = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "greet", "arguments": {}}});
    let mut asking = Stream::open(
        b.addr,
        "POST",
        &post_headers(Some(&session)),
        &call.to_string(),
    )
    .await;
    assert_eq!(asking.head().await.0, 200);
    let (_, question) = asking.event(WAIT).await.expect("the elicitation");
    assert_eq!(question["method"], "elicitation/create", "{question}");
    let answered = post(
        a.addr,
        Some(&session),
        json!({"jsonrpc": "2.0", "id": question["id"], "result": {"action": "accept", "content": {"name": "Ada"}}}),
    )
    .await;
    assert_eq!(answered.status, 202, "{answered:?}");
    let (_, result) = asking.event(WAIT).await.expect("the call's result");
    assert_eq!(
        result["result"]["content"][0]["text"], "hello Ada",
        "{result}"
    );
}

#[tokio::test]
async fn a_callers_share_holds_across_replicas() {
    let prefix = prefix("per-caller");
    let config = HttpConfig {
        max_sessions_per_caller: 1,
        ..HttpConfig::default()
    };
    let a = replica_with(&redis_url(), &prefix, config.clone()).await;
    let b = replica_with(&redis_url(), &prefix, config).await;
    let first = open_session(a.addr, json!({})).await;
    notify(a.addr, &first, "notifications/initialized", json!({})).await;
    // The same caller (this address) opens another on B: its older one ends.
    let second = open_session(b.addr, json!({})).await;
    assert_eq!(
        request(b.addr, &second, 1, "tools/call", echo("2"))
            .await
            .status,
        200
    );
    for replica in [&a, &b] {
        assert_eq!(
            request(replica.addr, &first, 2, "tools/call", echo("1"))
                .await
                .status,
            404
        );
    }
}

fn redis_cli_at(url: &str, args: &[&str]) -> String {
    let output = std::process::Command::new("redis-cli")
        .args(["-u", url])
        .args(args)
        .output()
        .expect("redis-cli is on the PATH");
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

fn redis_cli(args: &[&str]) -> String {
    redis_cli_at(&redis_url(), args)
}

fn start_redis(port: u16) -> std::process::Child {
    std::process::Command::new("redis-server")
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
        .args(["--save", "", "--appendonly", "no"])
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("redis-server is on the PATH")
}

async fn wait_for_port(port: u16) {
    for _ in 0..100 {
        if TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
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
async fn a_redis_that_is_down_answers_503_and_recovery_follows() {
    let port = free_port();
    let url = format!("redis://127.0.0.1:{port}");
    let mut redis = start_redis(port);
    wait_for_port(port).await;
    let a = replica_at(&url, "outage:").await;
    let b = replica_at(&url, "outage:").await;
    let session = open_session(a.addr, json!({})).await;
    notify(a.addr, &session, "notifications/initialized", json!({})).await;
    assert_eq!(
        request(b.addr, &session, 1, "tools/call", echo("up"))
            .await
            .status,
        200
    );

    redis.kill().unwrap();
    redis.wait().unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    for (addr, message) in [
        (
            a.addr,
            json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": echo("down")}),
        ),
        (
            b.addr,
            json!({"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": echo("down")}),
        ),
    ] {
        let started = Instant::now();
        let refused = post(addr, Some(&session), message).await;
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "{:?}",
            started.elapsed()
        );
        assert_eq!(refused.status, 503, "{refused:?}");
        assert_eq!(refused.header("retry-after"), Some("1"));
        let error = refused.json();
        assert!(
            error["error"]["message"]
                .as_str()
                .unwrap()
                .contains(&format!("Redis at {url}")),
            "{error}"
        );
    }
    let started = Instant::now();
    let refused = initialize(b.addr, json!({})).await;
    assert!(started.elapsed() < Duration::from_secs(3));
    assert_eq!(refused.status, 503, "{refused:?}");

    // Back (empty: no persistence): new sessions open and are served everywhere; the old
    // one is gone.
    let mut redis = start_redis(port);
    wait_for_port(port).await;
    let mut reopened = None;
    for _ in 0..50 {
        let answer = initialize(a.addr, json!({})).await;
        if answer.status == 200 {
            reopened = answer.header("mcp-session-id").map(str::to_owned);
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let fresh = reopened.expect("sessions open again once Redis is back");
    notify(a.addr, &fresh, "notifications/initialized", json!({})).await;
    let mut served = None;
    for _ in 0..50 {
        let answer = request(b.addr, &fresh, 4, "tools/call", echo("back")).await;
        if answer.status == 200 {
            served = Some(answer);
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let served = served.expect("B serves again once Redis is back");
    assert_eq!(served.json()["result"]["content"][0]["text"], "back");
    assert_eq!(
        request(a.addr, &session, 5, "tools/call", echo("old"))
            .await
            .status,
        404
    );
    let _ = redis.kill();
    let _ = redis.wait();
}
