//! The Streamable HTTP transport, mounted next to an ordinary route in a bigger axum app and
//! driven with raw HTTP/1.1 over TCP, so that requests can be as malformed as a hostile
//! client makes them. Every hostile request gets the right status (and JSON-RPC error), and
//! the server keeps serving afterwards.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use mcp_runtime::prelude::*;
use mcp_runtime::transport::http::{self, HttpConfig};
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::task::JoinHandle;

const MODERN: &str = "2026-07-28";
const LEGACY: &str = "2025-11-25";
/// The longest any single step of a test may take.
const WAIT: Duration = Duration::from_secs(5);

async fn within<F: Future>(what: &str, future: F) -> F::Output {
    tokio::time::timeout(WAIT, future)
        .await
        .unwrap_or_else(|_| panic!("timed out: {what}"))
}

// ---------------------------------------------------------------------------------------
// Tools that let a test observe cancellation. Each test uses its own slot.

static STARTED: [AtomicUsize; 8] = [const { AtomicUsize::new(0) }; 8];
/// Calls that ended, by completing or by being dropped: the dispatcher stops a cancelled
/// call by dropping its future.
static ENDED: [AtomicUsize; 8] = [const { AtomicUsize::new(0) }; 8];

struct EndGuard(usize);

impl Drop for EndGuard {
    fn drop(&mut self) {
        ENDED[self.0].fetch_add(1, Ordering::SeqCst);
    }
}

/// Waits `ms` milliseconds, recording its start and its end in slot `slot`.
#[tool]
async fn watched_sleep(ctx: Context, slot: usize, ms: u64) -> Result<String, ToolError> {
    STARTED[slot].fetch_add(1, Ordering::SeqCst);
    let _end = EndGuard(slot);
    tokio::select! {
        _ = tokio::time::sleep(Duration::from_millis(ms)) => Ok("slept".to_owned()),
        _ = ctx.cancelled() => Err(ToolError::new("cancelled")),
    }
}

/// Reports progress once, then waits `ms` milliseconds like `watched_sleep`.
#[tool]
async fn watched_stream(ctx: Context, slot: usize, ms: u64) -> Result<String, ToolError> {
    STARTED[slot].fetch_add(1, Ordering::SeqCst);
    let _end = EndGuard(slot);
    ctx.progress(1.0, None, Some("started")).await;
    tokio::select! {
        _ = tokio::time::sleep(Duration::from_millis(ms)) => Ok("slept".to_owned()),
        _ = ctx.cancelled() => Err(ToolError::new("cancelled")),
    }
}

async fn wait_for(what: &str, counter: &AtomicUsize, value: usize) {
    within(what, async {
        while counter.load(Ordering::SeqCst) < value {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
}

// ---------------------------------------------------------------------------------------
// The server under test.

struct TestServer {
    addr: SocketAddr,
    task: JoinHandle<()>,
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn small_config() -> HttpConfig {
    HttpConfig {
        max_body_bytes: 64 * 1024,
        ..HttpConfig::default()
    }
}

async fn start(config: HttpConfig) -> TestServer {
    start_with(mcp_tests::fixture_server(), config).await
}

async fn start_with(server: Server, config: HttpConfig) -> TestServer {
    let dispatcher = server.build().expect("the fixture server builds");
    let app = axum::Router::new()
        .route("/health", axum::routing::get(|| async { "ok" }))
        .merge(http::router(dispatcher, &config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        http::serve_router(listener, app, &config, std::future::pending())
            .await
            .unwrap();
    });
    TestServer { addr, task }
}

impl TestServer {
    async fn connect(&self) -> Conn {
        let stream = within("connect", TcpStream::connect(self.addr))
            .await
            .expect("the server accepts connections");
        Conn {
            io: BufReader::new(stream),
        }
    }

    /// Sends `request` on a fresh connection and reads the whole response.
    async fn send(&self, request: Request) -> Response {
        let mut conn = self.connect().await;
        conn.write(&request.to_bytes()).await;
        conn.response().await
    }

    /// A normal modern call still gets its normal answer, promptly.
    async fn assert_still_serving(&self) {
        let started = Instant::now();
        let answer = self
            .send(modern_call("alive", "echo", json!({"text": "alive"})))
            .await;
        assert_eq!(answer.status, 200, "{answer:?}");
        let body = answer.json();
        assert_eq!(body["id"], "alive");
        assert_eq!(body["result"]["content"][0]["text"], "alive");
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "answered in {:?}",
            started.elapsed()
        );
    }

    /// Opens a legacy session; returns its id.
    async fn initialize(&self) -> String {
        let answer = self.send(initialize_request()).await;
        assert_eq!(answer.status, 200, "{answer:?}");
        assert_eq!(answer.json()["result"]["protocolVersion"], LEGACY);
        let session = answer
            .header("mcp-session-id")
            .expect("initialize answers with a session id")
            .to_owned();
        let opened = self
            .send(legacy_notification("notifications/initialized", json!({})).session(&session))
            .await;
        assert_eq!(opened.status, 202, "{opened:?}");
        session
    }
}

// ---------------------------------------------------------------------------------------
// Raw HTTP/1.1 requests.

#[derive(Clone)]
struct Request {
    method: String,
    path: String,
    headers: Vec<(String, Vec<u8>)>,
    body: Vec<u8>,
}

impl Request {
    fn new(method: &str, path: &str) -> Request {
        Request {
            method: method.to_owned(),
            path: path.to_owned(),
            headers: vec![("Host".to_owned(), b"127.0.0.1".to_vec())],
            body: Vec::new(),
        }
    }

    /// A POST to the MCP endpoint with the headers every POST needs.
    fn post(body: impl Into<Vec<u8>>) -> Request {
        let mut request = Request::new("POST", "/mcp")
            .header("Content-Type", "application/json")
            .header("Accept", "application/json, text/event-stream");
        request.body = body.into();
        request
    }

    /// Sets a header, replacing any of the same name.
    fn header(self, name: &str, value: impl AsRef<[u8]>) -> Request {
        let mut request = self.without(name);
        request
            .headers
            .push((name.to_owned(), value.as_ref().to_vec()));
        request
    }

    fn with_method(mut self, method: &str) -> Request {
        method.clone_into(&mut self.method);
        self
    }

    fn without(mut self, name: &str) -> Request {
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        self
    }

    fn session(self, id: &str) -> Request {
        self.header("Mcp-Session-Id", id)
            .header("MCP-Protocol-Version", LEGACY)
    }

    /// The request line and headers, without `Content-Length` and the blank line.
    fn head_bytes(&self) -> Vec<u8> {
        let mut bytes = format!("{} {} HTTP/1.1\r\n", self.method, self.path).into_bytes();
        for (name, value) in &self.headers {
            bytes.extend_from_slice(name.as_bytes());
            bytes.extend_from_slice(b": ");
            bytes.extend_from_slice(value);
            bytes.extend_from_slice(b"\r\n");
        }
        bytes
    }

    fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = self.head_bytes();
        if !self.body.is_empty() || matches!(self.method.as_str(), "POST" | "PUT" | "PATCH") {
            bytes.extend_from_slice(format!("Content-Length: {}\r\n", self.body.len()).as_bytes());
        }
        bytes.extend_from_slice(b"\r\n");
        bytes.extend_from_slice(&self.body);
        bytes
    }
}

fn modern_meta() -> Value {
    json!({
        "io.modelcontextprotocol/protocolVersion": MODERN,
        "io.modelcontextprotocol/clientInfo": {"name": "http-test", "version": "1"},
        "io.modelcontextprotocol/clientCapabilities": {},
    })
}

/// A modern message with its `_meta` (merged into any given) and matching headers.
fn modern(id: Option<Value>, method: &str, mut params: Value) -> Request {
    let meta = params
        .as_object_mut()
        .unwrap()
        .entry("_meta")
        .or_insert_with(|| json!({}));
    for (key, value) in modern_meta().as_object().unwrap() {
        meta.as_object_mut()
            .unwrap()
            .entry(key.clone())
            .or_insert(value.clone());
    }
    let name = match method {
        "tools/call" | "prompts/get" => params["name"].as_str().map(str::to_owned),
        "resources/read" => params["uri"].as_str().map(str::to_owned),
        _ => None,
    };
    let mut message = json!({"jsonrpc": "2.0", "method": method, "params": params});
    if let Some(id) = id {
        message["id"] = id;
    }
    let mut request = Request::post(serde_json::to_vec(&message).unwrap())
        .header("MCP-Protocol-Version", MODERN)
        .header("Mcp-Method", method);
    if let Some(name) = name {
        request = request.header("Mcp-Name", name);
    }
    request
}

fn modern_call(id: impl Into<Value>, tool: &str, arguments: Value) -> Request {
    modern(
        Some(id.into()),
        "tools/call",
        json!({"name": tool, "arguments": arguments}),
    )
}

fn legacy_request(id: impl Into<Value>, method: &str, params: Value) -> Request {
    Request::post(
        serde_json::to_vec(
            &json!({"jsonrpc": "2.0", "id": id.into(), "method": method, "params": params}),
        )
        .unwrap(),
    )
}

fn legacy_call(id: impl Into<Value>, tool: &str, arguments: Value) -> Request {
    legacy_request(
        id,
        "tools/call",
        json!({"name": tool, "arguments": arguments}),
    )
}

fn legacy_notification(method: &str, params: Value) -> Request {
    Request::post(
        serde_json::to_vec(&json!({"jsonrpc": "2.0", "method": method, "params": params})).unwrap(),
    )
}

fn initialize_request() -> Request {
    legacy_request(
        "init",
        "initialize",
        json!({"protocolVersion": LEGACY, "capabilities": {}, "clientInfo": {"name": "http-test", "version": "1"}}),
    )
}

// ---------------------------------------------------------------------------------------
// Raw HTTP/1.1 responses.

struct Conn {
    io: BufReader<TcpStream>,
}

struct Head {
    status: u16,
    headers: Vec<(String, String)>,
}

impl Head {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn is_chunked(&self) -> bool {
        self.header("transfer-encoding")
            .is_some_and(|v| v.eq_ignore_ascii_case("chunked"))
    }
}

struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl std::fmt::Debug for Response {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Response")
            .field("status", &self.status)
            .field("headers", &self.headers)
            .field("body", &String::from_utf8_lossy(&self.body))
            .finish()
    }
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "the body is not JSON ({e}): {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    /// Asserts a JSON-RPC error answer with this status and code; returns the message.
    fn assert_error(&self, status: u16, code: i64) -> Value {
        assert_eq!(self.status, status, "{self:?}");
        assert_eq!(
            self.header("content-type"),
            Some("application/json"),
            "{self:?}"
        );
        let body = self.json();
        assert_eq!(body["jsonrpc"], "2.0", "{body}");
        assert_eq!(body["error"]["code"], code, "{body}");
        assert!(body["error"]["message"].is_string(), "{body}");
        body
    }
}

impl Conn {
    async fn write(&mut self, bytes: &[u8]) {
        within("write", self.io.get_mut().write_all(bytes))
            .await
            .expect("the request is written");
    }

    /// One CRLF-terminated line, without the CRLF; `None` at end of stream.
    async fn line(&mut self) -> Option<String> {
        let mut line = Vec::new();
        match within("read a line", self.io.read_until(b'\n', &mut line)).await {
            Ok(0) | Err(_) => None,
            Ok(_) => {
                while line.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
                    line.pop();
                }
                Some(String::from_utf8(line).expect("response heads are text"))
            }
        }
    }

    /// The status line and headers; `None` when the server closed the connection first.
    async fn try_head(&mut self) -> Option<Head> {
        let status_line = self.line().await?;
        let mut parts = status_line.splitn(3, ' ');
        assert_eq!(parts.next(), Some("HTTP/1.1"), "{status_line}");
        let status = parts
            .next()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("bad status line: {status_line}"));
        let mut headers = Vec::new();
        loop {
            let line = self.line().await.expect("the head is complete");
            if line.is_empty() {
                break;
            }
            let (name, value) = line.split_once(':').expect("a header line");
            headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
        }
        Some(Head { status, headers })
    }

    async fn head(&mut self) -> Head {
        self.try_head()
            .await
            .expect("the server answers instead of closing the connection")
    }

    /// The next chunk of a chunked body; `None` after the last one.
    async fn chunk(&mut self) -> Option<Vec<u8>> {
        let size_line = self.line().await.expect("a chunk size line");
        let size_hex = size_line.split(';').next().unwrap().trim();
        let size = usize::from_str_radix(size_hex, 16)
            .unwrap_or_else(|_| panic!("bad chunk size line: {size_line}"));
        if size == 0 {
            // Trailers, up to the empty line.
            while let Some(line) = self.line().await {
                if line.is_empty() {
                    break;
                }
            }
            return None;
        }
        let mut data = vec![0; size];
        within("read a chunk", self.io.read_exact(&mut data))
            .await
            .expect("the chunk is complete");
        assert_eq!(self.line().await.as_deref(), Some(""), "CRLF after a chunk");
        Some(data)
    }

    async fn body(&mut self, head: &Head) -> Vec<u8> {
        if head.is_chunked() {
            let mut body = Vec::new();
            while let Some(chunk) = self.chunk().await {
                body.extend_from_slice(&chunk);
            }
            body
        } else if let Some(length) = head.header("content-length") {
            let mut body = vec![0; length.parse().expect("a numeric content-length")];
            within("read the body", self.io.read_exact(&mut body))
                .await
                .expect("the body is complete");
            body
        } else {
            let mut body = Vec::new();
            within("read the body to the end", self.io.read_to_end(&mut body))
                .await
                .expect("the body is complete");
            body
        }
    }

    async fn response(&mut self) -> Response {
        let head = self.head().await;
        let body = self.body(&head).await;
        Response {
            status: head.status,
            headers: head.headers,
            body,
        }
    }

    /// The SSE events of a chunked `text/event-stream` body, as their parsed `data`, until the
    /// stream ends.
    async fn events(&mut self) -> Vec<Value> {
        let mut events = Vec::new();
        let mut reader = SseReader::default();
        while let Some(event) = reader.next(self).await {
            events.push(event);
        }
        events
    }
}

/// Splits a chunked SSE body into events.
#[derive(Default)]
struct SseReader {
    buffer: String,
}

impl SseReader {
    /// The next event's `data`, parsed as JSON; `None` when the stream ends.
    async fn next(&mut self, conn: &mut Conn) -> Option<Value> {
        loop {
            while let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let data: Vec<&str> = block
                    .lines()
                    .filter_map(|l| l.strip_prefix("data:"))
                    .map(|d| d.strip_prefix(' ').unwrap_or(d))
                    .collect();
                if !data.is_empty() {
                    let data = data.join("\n");
                    return Some(serde_json::from_str(&data).unwrap_or_else(|e| {
                        panic!("an SSE event's data is not JSON ({e}): {data}")
                    }));
                }
            }
            let chunk = conn.chunk().await?;
            self.buffer
                .push_str(std::str::from_utf8(&chunk).expect("SSE is text"));
        }
    }
}

// ---------------------------------------------------------------------------------------
// The app around the endpoint.

#[tokio::test]
async fn the_endpoint_lives_next_to_the_applications_own_routes() {
    let server = start(small_config()).await;
    let health = server.send(Request::new("GET", "/health")).await;
    assert_eq!(health.status, 200);
    assert_eq!(health.body, b"ok");
    server.assert_still_serving().await;
    let again = server.send(Request::new("GET", "/health")).await;
    assert_eq!(again.status, 200);
    let missing = server.send(Request::new("GET", "/nowhere")).await;
    assert_eq!(missing.status, 404);
    server.assert_still_serving().await;
}

// ---------------------------------------------------------------------------------------
// Methods and content negotiation.

#[tokio::test]
async fn other_http_methods_are_not_allowed() {
    let server = start(small_config()).await;
    for method in ["PUT", "PATCH", "OPTIONS"] {
        let answer = server
            .send(
                Request::post(br#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#.to_vec())
                    .with_method(method),
            )
            .await;
        answer.assert_error(405, -32600);
        assert_eq!(
            answer.header("allow"),
            Some("GET, POST, DELETE"),
            "{method}"
        );
        server.assert_still_serving().await;
    }
}

#[tokio::test]
async fn a_body_not_declared_as_json_is_unsupported_media_type() {
    let server = start(small_config()).await;
    let call = modern_call(1, "echo", json!({"text": "x"}));
    for content_type in [
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        Some("application/jsonx"),
        Some(""),
        None,
    ] {
        let request = match content_type {
            Some(value) => call.clone().header("Content-Type", value),
            None => call.clone().without("Content-Type"),
        };
        server.send(request).await.assert_error(415, -32600);
        server.assert_still_serving().await;
    }
    // Parameters and case do not matter.
    let answer = server
        .send(call.header("Content-Type", "Application/JSON; charset=utf-8"))
        .await;
    assert_eq!(answer.status, 200, "{answer:?}");
}

#[tokio::test]
async fn a_post_must_accept_json_and_event_streams() {
    let server = start(small_config()).await;
    let call = modern_call(1, "echo", json!({"text": "x"}));
    for accept in [
        None,
        Some("application/json"),
        Some("text/event-stream"),
        Some("text/html"),
        Some(""),
    ] {
        let request = match accept {
            Some(value) => call.clone().header("Accept", value),
            None => call.clone().without("Accept"),
        };
        server.send(request).await.assert_error(406, -32600);
        server.assert_still_serving().await;
    }
    for accept in [
        "*/*",
        "application/*, text/*",
        "text/event-stream;q=0.5, application/json",
    ] {
        let answer = server.send(call.clone().header("Accept", accept)).await;
        assert_eq!(answer.status, 200, "{accept}: {answer:?}");
    }
}

// ---------------------------------------------------------------------------------------
// Bodies.

#[tokio::test]
async fn malformed_json_is_a_parse_error() {
    let server = start(small_config()).await;
    for body in [
        &b"{\"jsonrpc\": \"2.0\", \"id\": 1, \"method\""[..],
        b"this is not json",
        b"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}}",
        b"\xff\xfe\x00garbage",
    ] {
        let answer = server.send(Request::post(body.to_vec())).await;
        let error = answer.assert_error(400, -32700);
        assert_eq!(error["id"], Value::Null, "{error}");
        server.assert_still_serving().await;
    }
}

#[tokio::test]
async fn an_empty_body_is_refused() {
    let server = start(small_config()).await;
    let answer = server.send(Request::post(Vec::new())).await;
    assert_eq!(answer.status, 400, "{answer:?}");
    let code = answer.json()["error"]["code"].as_i64().unwrap();
    assert!(code == -32700 || code == -32600, "{answer:?}");
    server.assert_still_serving().await;
}

#[tokio::test]
async fn a_batch_or_other_non_object_is_an_invalid_request() {
    let server = start(small_config()).await;
    for body in [
        r#"[{"jsonrpc":"2.0","id":1,"method":"tools/list"}]"#,
        "[1, 2, 3]",
        "[]",
        "\"just a string\"",
        "42",
    ] {
        let answer = server.send(Request::post(body)).await;
        answer.assert_error(400, -32600);
        server.assert_still_serving().await;
    }
}

#[tokio::test]
async fn an_oversized_body_is_payload_too_large() {
    let server = start(HttpConfig {
        max_body_bytes: 1024,
        ..HttpConfig::default()
    })
    .await;
    let text = "x".repeat(2048);
    let big = modern_call(1, "echo", json!({ "text": text }));
    let answer = server.send(big.clone()).await;
    assert_eq!(answer.status, 413, "{answer:?}");
    server.assert_still_serving().await;

    // The same without a Content-Length: the limit holds while reading.
    let mut conn = server.connect().await;
    let mut bytes = big.head_bytes();
    bytes.extend_from_slice(b"Transfer-Encoding: chunked\r\n\r\n");
    for piece in big.body.chunks(256) {
        bytes.extend_from_slice(format!("{:x}\r\n", piece.len()).as_bytes());
        bytes.extend_from_slice(piece);
        bytes.extend_from_slice(b"\r\n");
    }
    bytes.extend_from_slice(b"0\r\n\r\n");
    conn.write(&bytes).await;
    let answer = conn.response().await;
    assert_eq!(answer.status, 413, "{answer:?}");
    server.assert_still_serving().await;

    // A Content-Length far beyond the limit, with more than the limit sent.
    let mut conn = server.connect().await;
    let mut head = modern_call(1, "echo", json!({"text": "x"})).head_bytes();
    head.extend_from_slice(b"Content-Length: 1000000000\r\n\r\n");
    head.extend_from_slice(&big.body);
    conn.write(&head).await;
    let answer = conn.response().await;
    assert_eq!(answer.status, 413, "{answer:?}");
    server.assert_still_serving().await;
}

#[tokio::test]
async fn an_oversized_content_length_is_refused_before_the_body_is_sent() {
    let server = start(HttpConfig {
        max_body_bytes: 1024,
        ..HttpConfig::default()
    })
    .await;
    // A client that waits for the go-ahead before sending its (huge) body.
    let mut conn = server.connect().await;
    let mut head = modern_call(1, "echo", json!({"text": "x"})).head_bytes();
    head.extend_from_slice(b"Expect: 100-continue\r\nContent-Length: 1000000000\r\n\r\n");
    conn.write(&head).await;
    let first = conn.head().await;
    assert_eq!(
        first.status, 413,
        "the first answer to an announced oversized body"
    );
    server.assert_still_serving().await;
}

#[tokio::test]
async fn a_body_within_the_limit_is_served() {
    let server = start(HttpConfig {
        max_body_bytes: 4096,
        ..HttpConfig::default()
    })
    .await;
    let text = "y".repeat(3000);
    let answer = server
        .send(modern_call(1, "echo", json!({ "text": text })))
        .await;
    assert_eq!(answer.status, 200, "{answer:?}");
    assert_eq!(answer.json()["result"]["content"][0]["text"], text);
}

// ---------------------------------------------------------------------------------------
// DNS rebinding.

#[tokio::test]
async fn foreign_hosts_are_forbidden() {
    let server = start(small_config()).await;
    let call = modern_call(1, "echo", json!({"text": "x"}));
    for host in [
        &b"evil.example"[..],
        b"evil.example:8080",
        b"127.0.0.1.evil.example",
        b"localhost.evil.example",
        b"\xffbad",
    ] {
        server
            .send(call.clone().header("Host", host))
            .await
            .assert_error(403, -32600);
        server.assert_still_serving().await;
    }
    // Every method is checked, not only POST.
    for method in ["GET", "DELETE", "PUT"] {
        let answer = server
            .send(
                Request::new(method, "/mcp")
                    .header("Host", "evil.example")
                    .header("Mcp-Session-Id", "0".repeat(64)),
            )
            .await;
        answer.assert_error(403, -32600);
    }
    for host in ["localhost", "localhost:3000", "127.0.0.1:9", "[::1]:8080"] {
        let answer = server.send(call.clone().header("Host", host)).await;
        assert_eq!(answer.status, 200, "{host}: {answer:?}");
    }
}

#[tokio::test]
async fn ambiguous_host_and_origin_headers_are_refused() {
    let server = start(small_config()).await;
    let call = modern_call(1, "echo", json!({"text": "x"}));

    let mut two_hosts = call.clone();
    two_hosts
        .headers
        .push(("Host".to_owned(), b"evil.example".to_vec()));
    let answer = server.send(two_hosts).await;
    assert_eq!(answer.status, 400, "two Host lines: {answer:?}");
    server.assert_still_serving().await;

    // Without Host (HTTP/1.0, in-process calls) there is nothing to rebind: browsers always
    // send one.
    let no_host = server.send(call.clone().without("Host")).await;
    assert_eq!(no_host.status, 200, "no Host: {no_host:?}");
    server.assert_still_serving().await;

    let mut two_origins = call.header("Origin", "http://localhost");
    two_origins
        .headers
        .push(("Origin".to_owned(), b"http://evil.example".to_vec()));
    server.send(two_origins).await.assert_error(403, -32600);
    server.assert_still_serving().await;
}

#[tokio::test]
async fn configured_hosts_are_allowed() {
    let server = start(HttpConfig {
        allowed_hosts: vec!["mcp.example.com".to_owned()],
        allowed_origins: vec!["https://app.example.com".to_owned()],
        ..small_config()
    })
    .await;
    let call = modern_call(1, "echo", json!({"text": "x"}));
    let answer = server
        .send(
            call.clone()
                .header("Host", "mcp.example.com:443")
                .header("Origin", "https://app.example.com"),
        )
        .await;
    assert_eq!(answer.status, 200, "{answer:?}");
    server
        .send(call.header("Origin", "https://evil.example.com"))
        .await
        .assert_error(403, -32600);
}

#[tokio::test]
async fn foreign_origins_are_forbidden_and_loopback_ones_allowed() {
    let server = start(small_config()).await;
    let call = modern_call(1, "echo", json!({"text": "x"}));
    for origin in [
        "http://evil.example",
        "https://evil.example:443",
        "null",
        "http://localhost.evil.example",
        "file://localhost/x",
        "",
    ] {
        server
            .send(call.clone().header("Origin", origin))
            .await
            .assert_error(403, -32600);
        server.assert_still_serving().await;
    }
    for origin in [
        "http://localhost:5173",
        "http://127.0.0.1",
        "https://[::1]:8443",
    ] {
        let answer = server.send(call.clone().header("Origin", origin)).await;
        assert_eq!(answer.status, 200, "{origin}: {answer:?}");
        assert_eq!(answer.json()["result"]["content"][0]["text"], "x");
    }
}

// ---------------------------------------------------------------------------------------
// The modern era: stateless requests whose headers mirror their body.

#[tokio::test]
async fn a_modern_tool_call_is_answered_with_json() {
    let server = start(small_config()).await;
    let answer = server
        .send(modern_call(7, "add", json!({"a": 20, "b": 22})))
        .await;
    assert_eq!(answer.status, 200, "{answer:?}");
    assert_eq!(answer.header("content-type"), Some("application/json"));
    assert!(
        answer.header("mcp-session-id").is_none(),
        "modern requests open no session"
    );
    let body = answer.json();
    assert_eq!(body["id"], 7);
    assert_eq!(body["result"]["resultType"], "complete");
    assert_eq!(body["result"]["content"][0]["text"], "42");

    // Mcp-Name in its Base64 form.
    let encoded =
        modern_call("b64", "add", json!({"a": 1, "b": 2})).header("Mcp-Name", "=?base64?YWRk?=");
    let answer = server.send(encoded).await;
    assert_eq!(answer.status, 200, "{answer:?}");
    assert_eq!(answer.json()["result"]["content"][0]["text"], "3");

    // Other methods need no Mcp-Name.
    let list = server
        .send(modern(Some(json!("list")), "tools/list", json!({})))
        .await;
    assert_eq!(list.status, 200, "{list:?}");
    assert!(list.json()["result"]["tools"].as_array().unwrap().len() > 5);
}

#[tokio::test]
async fn tool_failures_are_results_over_http_too() {
    let server = start(small_config()).await;
    let answer = server
        .send(modern_call(1, "explode", json!({"message": "kaboom"})))
        .await;
    assert_eq!(answer.status, 200, "{answer:?}");
    assert_eq!(answer.json()["result"]["isError"], true);
    server.assert_still_serving().await;
    let unknown = server.send(modern_call(2, "no_such_tool", json!({}))).await;
    // -32602 is not one of the codes the transport maps to an HTTP status.
    unknown.assert_error(200, -32602);
    server.assert_still_serving().await;
}

#[tokio::test]
async fn missing_or_mismatched_modern_headers_are_header_mismatch() {
    let server = start(small_config()).await;
    let call = modern_call(3, "echo", json!({"text": "x"}));
    let body_version = |version: &str| {
        let mut body: Value = serde_json::from_slice(&call.body).unwrap();
        body["params"]["_meta"]["io.modelcontextprotocol/protocolVersion"] = json!(version);
        let mut request = call.clone();
        request.body = serde_json::to_vec(&body).unwrap();
        request
    };
    let cases: Vec<(&str, Request)> = vec![
        (
            "no MCP-Protocol-Version",
            call.clone().without("MCP-Protocol-Version"),
        ),
        ("no Mcp-Method", call.clone().without("Mcp-Method")),
        ("no Mcp-Name", call.clone().without("Mcp-Name")),
        (
            "Mcp-Method differs",
            call.clone().header("Mcp-Method", "tools/list"),
        ),
        (
            "Mcp-Method differs in case",
            call.clone().header("Mcp-Method", "TOOLS/CALL"),
        ),
        ("Mcp-Name differs", call.clone().header("Mcp-Name", "add")),
        (
            "Mcp-Name is not Base64",
            call.clone().header("Mcp-Name", "=?base64?***?="),
        ),
        (
            "Mcp-Name is not ASCII",
            call.clone().header("Mcp-Name", b"ech\xff"),
        ),
        (
            "the body's version differs from the header's",
            body_version("2025-11-25"),
        ),
    ];
    for (case, request) in cases {
        let answer = server.send(request).await;
        let error = answer.assert_error(400, -32020);
        assert_eq!(error["id"], 3, "{case}: {error}");
        server.assert_still_serving().await;
    }
}

#[tokio::test]
async fn an_unknown_modern_version_is_unsupported() {
    let server = start(small_config()).await;
    let mut request = modern(
        Some(json!(4)),
        "tools/list",
        json!({"_meta": {"io.modelcontextprotocol/protocolVersion": "1900-01-01"}}),
    )
    .header("MCP-Protocol-Version", "1900-01-01");
    let answer = server.send(request.clone()).await;
    let error = answer.assert_error(400, -32022);
    assert_eq!(error["id"], 4);
    let supported = error["error"]["data"]["supported"].as_array().unwrap();
    assert!(supported.contains(&json!(MODERN)), "{error}");
    assert_eq!(error["error"]["data"]["requested"], "1900-01-01");
    server.assert_still_serving().await;

    // A legacy version in a modern request is unsupported too.
    request = modern(
        Some(json!(4)),
        "tools/list",
        json!({"_meta": {"io.modelcontextprotocol/protocolVersion": LEGACY}}),
    )
    .header("MCP-Protocol-Version", LEGACY);
    let answer = server.send(request).await;
    answer.assert_error(400, -32022);
    server.assert_still_serving().await;
}

#[tokio::test]
async fn an_unknown_modern_method_is_not_found() {
    let server = start(small_config()).await;
    let answer = server
        .send(modern(Some(json!(5)), "no/such/method", json!({})))
        .await;
    let error = answer.assert_error(404, -32601);
    assert_eq!(error["id"], 5);
    // `ping` is legacy-only.
    server
        .send(modern(Some(json!(6)), "ping", json!({})))
        .await
        .assert_error(404, -32601);
    server.assert_still_serving().await;
}

#[tokio::test]
async fn a_modern_notification_is_accepted_without_a_body() {
    let server = start(small_config()).await;
    let answer = server
        .send(modern(
            None,
            "notifications/cancelled",
            json!({"requestId": "nothing", "reason": "test"}),
        ))
        .await;
    assert_eq!(answer.status, 202, "{answer:?}");
    assert!(answer.body.is_empty(), "{answer:?}");
    server.assert_still_serving().await;
}

#[tokio::test]
async fn progress_and_logs_arrive_as_an_event_stream_before_the_result() {
    let server = start(small_config()).await;
    let request = modern(
        Some(json!("w")),
        "tools/call",
        json!({
            "name": "work",
            "arguments": {"steps": 3},
            "_meta": {"progressToken": "p1", "io.modelcontextprotocol/logLevel": "info"},
        }),
    );
    let mut conn = server.connect().await;
    conn.write(&request.to_bytes()).await;
    let head = conn.head().await;
    assert_eq!(head.status, 200);
    assert_eq!(
        head.header("content-type")
            .map(|v| v.split(';').next().unwrap().trim()),
        Some("text/event-stream")
    );
    let events = within("the whole event stream", conn.events()).await;
    assert_eq!(events.len(), 7, "{events:#?}");
    let (notifications, result) = events.split_at(6);
    let progress: Vec<_> = notifications
        .iter()
        .filter(|n| n["method"] == "notifications/progress")
        .collect();
    let logs: Vec<_> = notifications
        .iter()
        .filter(|n| n["method"] == "notifications/message")
        .collect();
    assert_eq!(progress.len(), 3, "{events:#?}");
    assert_eq!(logs.len(), 3, "{events:#?}");
    for (step, note) in progress.iter().enumerate() {
        assert_eq!(note["params"]["progressToken"], "p1");
        assert_eq!(note["params"]["progress"], (step + 1) as f64);
        assert_eq!(note["params"]["total"], 3.0);
    }
    assert_eq!(
        logs[0]["params"],
        json!({"level": "info", "data": "step 1"})
    );
    assert_eq!(result[0]["id"], "w");
    assert_eq!(result[0]["result"]["content"][0]["text"], "3 steps");
    server.assert_still_serving().await;

    // Without opting in, the same call is plain JSON.
    let quiet = server
        .send(modern_call("q", "work", json!({"steps": 3})))
        .await;
    assert_eq!(quiet.status, 200);
    assert_eq!(quiet.header("content-type"), Some("application/json"));
    assert_eq!(quiet.json()["result"]["content"][0]["text"], "3 steps");
}

// ---------------------------------------------------------------------------------------
// The legacy era: sessions.

#[tokio::test]
async fn legacy_sessions_from_initialize_to_delete() {
    let server = start(small_config()).await;
    let answer = server.send(initialize_request()).await;
    assert_eq!(answer.status, 200, "{answer:?}");
    assert_eq!(answer.header("content-type"), Some("application/json"));
    assert_eq!(answer.json()["id"], "init");
    let session = answer
        .header("mcp-session-id")
        .expect("an Mcp-Session-Id header")
        .to_owned();
    assert_eq!(session.len(), 64, "{session}");
    assert!(session.bytes().all(|b| b.is_ascii_hexdigit()), "{session}");
    let opened = server
        .send(legacy_notification("notifications/initialized", json!({})).session(&session))
        .await;
    assert_eq!(opened.status, 202, "{opened:?}");
    assert!(opened.body.is_empty());

    // Without the session header.
    let call = legacy_call(1, "add", json!({"a": 2, "b": 3}));
    let error = server.send(call.clone()).await.assert_error(400, -32600);
    assert_eq!(error["id"], 1);
    server.assert_still_serving().await;

    // With an unknown session.
    for unknown in [
        "0".repeat(64),
        session.to_uppercase(),
        format!("{session}0"),
        "../../etc/passwd".to_owned(),
    ] {
        if unknown == session {
            continue;
        }
        let error = server
            .send(call.clone().session(&unknown))
            .await
            .assert_error(404, -32001);
        assert_eq!(error["id"], 1);
        server.assert_still_serving().await;
    }
    let not_text = server
        .send(call.clone().header("Mcp-Session-Id", b"\xff\xfe"))
        .await;
    not_text.assert_error(404, -32001);

    // With the right one.
    let answer = server.send(call.clone().session(&session)).await;
    assert_eq!(answer.status, 200, "{answer:?}");
    let body = answer.json();
    assert_eq!(body["id"], 1);
    assert_eq!(body["result"]["content"][0]["text"], "5");
    assert!(
        body["result"].get("resultType").is_none(),
        "a legacy answer: {body}"
    );

    // A second session is independent.
    let other = server.initialize().await;
    assert_ne!(other, session);

    // DELETE ends it; the id is then unknown.
    let deleted = server
        .send(Request::new("DELETE", "/mcp").header("Mcp-Session-Id", &session))
        .await;
    assert_eq!(deleted.status, 200, "{deleted:?}");
    server
        .send(call.clone().session(&session))
        .await
        .assert_error(404, -32001);
    server
        .send(Request::new("DELETE", "/mcp").header("Mcp-Session-Id", &session))
        .await
        .assert_error(404, -32001);
    server
        .send(
            Request::new("GET", "/mcp")
                .header("Accept", "text/event-stream")
                .header("Mcp-Session-Id", &session),
        )
        .await
        .assert_error(404, -32001);
    server
        .send(Request::new("DELETE", "/mcp"))
        .await
        .assert_error(400, -32600);
    server.assert_still_serving().await;

    // The other session is untouched.
    let answer = server.send(call.session(&other)).await;
    assert_eq!(answer.status, 200, "{answer:?}");
}

#[tokio::test]
async fn a_legacy_version_header_must_be_known() {
    let server = start(small_config()).await;
    let session = server.initialize().await;
    let answer = server
        .send(
            legacy_request(1, "tools/list", json!({}))
                .session(&session)
                .header("MCP-Protocol-Version", "1900-01-01"),
        )
        .await;
    let error = answer.assert_error(400, -32022);
    assert_eq!(error["id"], 1);
    let answer = server
        .send(legacy_request(2, "tools/list", json!({})).session(&session))
        .await;
    assert_eq!(answer.status, 200, "{answer:?}");
}

#[tokio::test]
async fn a_legacy_call_streams_its_logs() {
    let server = start(small_config()).await;
    let session = server.initialize().await;
    let mut conn = server.connect().await;
    conn.write(
        &legacy_call("w", "work", json!({"steps": 2}))
            .session(&session)
            .to_bytes(),
    )
    .await;
    let head = conn.head().await;
    assert_eq!(head.status, 200);
    assert!(head
        .header("content-type")
        .is_some_and(|v| v.starts_with("text/event-stream")));
    let events = within("the legacy event stream", conn.events()).await;
    assert_eq!(events.len(), 3, "{events:#?}");
    assert_eq!(events[0]["method"], "notifications/message");
    assert_eq!(events[2]["id"], "w");
    assert_eq!(events[2]["result"]["content"][0]["text"], "2 steps");
}

#[tokio::test]
async fn get_opens_a_sessions_stream() {
    let server = start(small_config()).await;
    let no_session = server
        .send(Request::new("GET", "/mcp").header("Accept", "text/event-stream"))
        .await;
    no_session.assert_error(405, -32600);
    assert_eq!(no_session.header("allow"), Some("POST"));
    server.assert_still_serving().await;

    let session = server.initialize().await;
    let wrong_accept = server
        .send(
            Request::new("GET", "/mcp")
                .header("Accept", "application/json")
                .header("Mcp-Session-Id", &session),
        )
        .await;
    wrong_accept.assert_error(406, -32600);

    let mut conn = server.connect().await;
    conn.write(
        &Request::new("GET", "/mcp")
            .header("Accept", "text/event-stream")
            .header("Mcp-Session-Id", &session)
            .to_bytes(),
    )
    .await;
    let head = conn.head().await;
    assert_eq!(head.status, 200);
    assert_eq!(
        head.header("content-type")
            .map(|v| v.split(';').next().unwrap().trim()),
        Some("text/event-stream")
    );
    assert!(head.is_chunked());
    // The stream stays open; the session keeps working next to it and after it closes.
    let answer = server
        .send(legacy_call(1, "echo", json!({"text": "beside"})).session(&session))
        .await;
    assert_eq!(answer.status, 200, "{answer:?}");
    drop(conn);
    let answer = server
        .send(legacy_call(2, "echo", json!({"text": "after"})).session(&session))
        .await;
    assert_eq!(answer.status, 200, "{answer:?}");
    server.assert_still_serving().await;
}

#[tokio::test]
async fn ending_a_session_ends_its_stream() {
    let server = start(small_config()).await;
    let session = server.initialize().await;
    let mut conn = server.connect().await;
    conn.write(
        &Request::new("GET", "/mcp")
            .header("Accept", "text/event-stream")
            .header("Mcp-Session-Id", &session)
            .to_bytes(),
    )
    .await;
    let head = conn.head().await;
    assert_eq!(head.status, 200);
    let deleted = server
        .send(Request::new("DELETE", "/mcp").header("Mcp-Session-Id", &session))
        .await;
    assert_eq!(deleted.status, 200, "{deleted:?}");
    let events = within("the stream ends", conn.events()).await;
    assert!(events.is_empty(), "{events:?}");
    server.assert_still_serving().await;
}

#[tokio::test]
async fn idle_sessions_expire() {
    let server = start(HttpConfig {
        session_idle_timeout: Duration::from_millis(300),
        ..small_config()
    })
    .await;
    let idle = server.initialize().await;
    let busy = server.initialize().await;
    // A session in use stays alive past the timeout.
    for n in 0..6 {
        tokio::time::sleep(Duration::from_millis(120)).await;
        let answer = server
            .send(legacy_call(n, "echo", json!({"text": "busy"})).session(&busy))
            .await;
        assert_eq!(answer.status, 200, "request {n}: {answer:?}");
    }
    // The idle one has expired.
    server
        .send(legacy_call(1, "echo", json!({"text": "x"})).session(&idle))
        .await
        .assert_error(404, -32001);
    tokio::time::sleep(Duration::from_millis(700)).await;
    server
        .send(legacy_call(2, "echo", json!({"text": "x"})).session(&busy))
        .await
        .assert_error(404, -32001);
    server.assert_still_serving().await;
}

#[tokio::test]
async fn at_the_session_limit_the_least_recently_used_session_makes_room() {
    let server = start(HttpConfig {
        max_sessions: 2,
        ..small_config()
    })
    .await;
    let first = server.initialize().await;
    let second = server.initialize().await;
    // `first` is used after `second`: `second` is the idlest.
    let ping = |id: &str| legacy_request("ping", "ping", json!({})).session(id);
    assert_eq!(server.send(ping(&first)).await.status, 200);
    // A newcomer is not refused; the idlest session ends instead.
    let third = server.initialize().await;
    server.send(ping(&second)).await.assert_error(404, -32001);
    for alive in [&first, &third] {
        let answer = server.send(ping(alive)).await;
        assert_eq!(answer.status, 200, "{answer:?}");
    }
    server.assert_still_serving().await;
}

#[tokio::test]
async fn a_session_that_never_initializes_is_reaped() {
    let server = start(HttpConfig {
        session_init_timeout: Duration::from_millis(200),
        ..small_config()
    })
    .await;
    let opened = server.send(initialize_request()).await;
    assert_eq!(opened.status, 200, "{opened:?}");
    let pending = opened.header("mcp-session-id").unwrap().to_owned();
    let ready = server.initialize().await;
    let ping = |id: &str| legacy_request("ping", "ping", json!({})).session(id);
    within("the pending session is reaped", async {
        while server.send(ping(&pending)).await.status != 404 {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await;
    // The session that completed its handshake lives on past the timeout.
    tokio::time::sleep(Duration::from_millis(400)).await;
    let answer = server.send(ping(&ready)).await;
    assert_eq!(answer.status, 200, "{answer:?}");
}

#[tokio::test]
async fn a_failed_initialize_opens_no_session() {
    let server = start(HttpConfig {
        max_sessions: 1,
        ..small_config()
    })
    .await;
    for n in 0..3 {
        let answer = server
            .send(legacy_request(
                n,
                "initialize",
                json!({"protocolVersion": 7}),
            ))
            .await;
        assert_eq!(answer.status, 200, "{answer:?}");
        assert_eq!(answer.json()["error"]["code"], -32602, "{answer:?}");
        assert!(answer.header("mcp-session-id").is_none(), "{answer:?}");
    }
    // The place is still free.
    server.initialize().await;
}

// ---------------------------------------------------------------------------------------
// Clients that go away, and clients that do not speak HTTP.

#[tokio::test]
async fn a_client_that_disconnects_mid_request_does_not_hold_the_server() {
    let server = start_with(
        mcp_tests::fixture_server().tools(tools![watched_sleep]),
        small_config(),
    )
    .await;
    // The fixture's `sleep`, abandoned.
    let mut conn = server.connect().await;
    conn.write(&modern_call("slow", "sleep", json!({"ms": 60000})).to_bytes())
        .await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    drop(conn);
    server.assert_still_serving().await;

    // The same with a tool that reports its cancellation.
    let mut conn = server.connect().await;
    conn.write(&modern_call("slow", "watched_sleep", json!({"slot": 0, "ms": 60000})).to_bytes())
        .await;
    wait_for("the call starts", &STARTED[0], 1).await;
    drop(conn);
    wait_for("the abandoned call is cancelled", &ENDED[0], 1).await;
    server.assert_still_serving().await;
}

#[tokio::test]
async fn a_legacy_client_that_disconnects_mid_request_cancels_the_call() {
    let server = start_with(
        mcp_tests::fixture_server().tools(tools![watched_sleep]),
        small_config(),
    )
    .await;
    let session = server.initialize().await;
    let mut conn = server.connect().await;
    conn.write(
        &legacy_call("slow", "watched_sleep", json!({"slot": 3, "ms": 60000}))
            .session(&session)
            .to_bytes(),
    )
    .await;
    wait_for("the call starts", &STARTED[3], 1).await;
    drop(conn);
    wait_for("the abandoned call is cancelled", &ENDED[3], 1).await;
    // The session is unharmed.
    let answer = server
        .send(legacy_call(1, "echo", json!({"text": "x"})).session(&session))
        .await;
    assert_eq!(answer.status, 200, "{answer:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_request_abandoned_as_soon_as_it_is_sent_is_cancelled() {
    let server = start_with(
        mcp_tests::fixture_server().tools(tools![watched_sleep]),
        small_config(),
    )
    .await;
    // Sent and closed at once, many times: some requests are dropped before their call
    // starts (fine), the others must all be cancelled.
    for _ in 0..100 {
        let mut conn = server.connect().await;
        conn.write(
            &modern_call("gone", "watched_sleep", json!({"slot": 4, "ms": 60000})).to_bytes(),
        )
        .await;
        drop(conn);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = STARTED[4].load(Ordering::SeqCst);
    let settled = tokio::time::timeout(WAIT, async {
        while ENDED[4].load(Ordering::SeqCst) < started {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
    assert!(
        settled.is_ok(),
        "{started} abandoned calls started, only {} were cancelled; the others run on",
        ENDED[4].load(Ordering::SeqCst)
    );
    server.assert_still_serving().await;
}

#[tokio::test]
async fn closing_an_event_stream_cancels_the_call() {
    let server = start_with(
        mcp_tests::fixture_server().tools(tools![watched_stream]),
        small_config(),
    )
    .await;
    let request = modern(
        Some(json!("s")),
        "tools/call",
        json!({
            "name": "watched_stream",
            "arguments": {"slot": 1, "ms": 60000},
            "_meta": {"progressToken": 1},
        }),
    );
    let mut conn = server.connect().await;
    conn.write(&request.to_bytes()).await;
    let head = conn.head().await;
    assert_eq!(head.status, 200);
    let first = SseReader::default().next(&mut conn).await.unwrap();
    assert_eq!(first["method"], "notifications/progress");
    drop(conn);
    wait_for("the abandoned call is cancelled", &ENDED[1], 1).await;
    server.assert_still_serving().await;
}

#[tokio::test]
async fn requests_in_flight_are_limited_and_freed_by_disconnects() {
    let server = start_with(
        mcp_tests::fixture_server().tools(tools![watched_sleep]),
        HttpConfig {
            max_in_flight: 1,
            ..small_config()
        },
    )
    .await;
    let mut conn = server.connect().await;
    conn.write(&modern_call("slow", "watched_sleep", json!({"slot": 2, "ms": 60000})).to_bytes())
        .await;
    wait_for("the call starts", &STARTED[2], 1).await;
    let refused = server
        .send(modern_call("second", "echo", json!({"text": "x"})))
        .await;
    let error = refused.assert_error(503, -32603);
    assert_eq!(error["id"], "second");
    drop(conn);
    within("the place is freed", async {
        loop {
            let answer = server
                .send(modern_call("third", "echo", json!({"text": "x"})))
                .await;
            if answer.status == 200 {
                break;
            }
            assert_eq!(answer.status, 503, "{answer:?}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    server.assert_still_serving().await;
}

#[tokio::test]
async fn one_caller_cannot_take_every_place_in_flight() {
    let server = start_with(
        mcp_tests::fixture_server().tools(tools![watched_sleep]),
        HttpConfig {
            max_in_flight: 8,
            max_in_flight_per_caller: 1,
            ..small_config()
        },
    )
    .await;
    let mut conn = server.connect().await;
    conn.write(&modern_call("slow", "watched_sleep", json!({"slot": 6, "ms": 60000})).to_bytes())
        .await;
    wait_for("the call starts", &STARTED[6], 1).await;
    // The same address is at its share; another address is served.
    let refused = server
        .send(modern_call("second", "echo", json!({"text": "x"})))
        .await;
    let error = refused.assert_error(503, -32603);
    assert!(error["error"]["message"]
        .as_str()
        .unwrap()
        .contains("from this caller"));
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.2:0".parse().unwrap()).unwrap();
    let stream = within("connect", socket.connect(server.addr))
        .await
        .unwrap();
    let mut other = Conn {
        io: BufReader::new(stream),
    };
    other
        .write(&modern_call("other", "echo", json!({"text": "y"})).to_bytes())
        .await;
    assert_eq!(other.response().await.status, 200);
    drop(conn);
}

/// Writes `bytes`, then reads whatever comes back until the server closes the connection.
async fn send_garbage(server: &TestServer, bytes: &[u8]) -> Option<u16> {
    let mut conn = server.connect().await;
    // The server may close before everything is written; that is fine.
    let _ = tokio::time::timeout(WAIT, conn.io.get_mut().write_all(bytes)).await;
    let _ = conn.io.get_mut().shutdown().await;
    let status = conn.try_head().await.map(|h| h.status);
    let mut rest = Vec::new();
    let _ = tokio::time::timeout(WAIT, conn.io.read_to_end(&mut rest))
        .await
        .expect("the server closes a garbage connection");
    status
}

#[tokio::test]
async fn garbage_that_is_not_http_leaves_the_server_serving() {
    let server = start(small_config()).await;
    let huge_header = {
        let mut bytes = b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ".to_vec();
        bytes.extend(std::iter::repeat_n(b'a', 1 << 20));
        bytes.extend_from_slice(b"\r\n\r\n");
        bytes
    };
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("binary", (0..=255u8).cycle().take(4096).collect()),
        (
            "a TLS client hello",
            b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03garbage".to_vec(),
        ),
        ("text", b"hello there\r\n\r\n".to_vec()),
        ("a bad version", b"GET /mcp HTTP/9.9\r\n\r\n".to_vec()),
        (
            "a bad header",
            b"POST /mcp HTTP/1.1\r\nHost 127.0.0.1\r\n\r\n".to_vec(),
        ),
        (
            "a bad content length",
            b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: -1\r\n\r\n".to_vec(),
        ),
        (
            "two content lengths",
            b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}".to_vec(),
        ),
        (
            "a bad chunk",
            b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nAccept: */*\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n".to_vec(),
        ),
        (
            "a truncated body",
            b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nAccept: */*\r\nContent-Length: 100\r\n\r\n{\"jsonrpc\"".to_vec(),
        ),
        ("a huge header", huge_header),
        ("nothing", Vec::new()),
    ];
    for (case, bytes) in cases {
        let status = send_garbage(&server, &bytes).await;
        if let Some(status) = status {
            assert!(
                (400..500).contains(&status),
                "{case}: answered with {status}"
            );
        }
        server.assert_still_serving().await;
    }
}

#[tokio::test]
async fn idle_connections_do_not_block_others() {
    let server = start(small_config()).await;
    let mut idle = Vec::new();
    for n in 0..50 {
        let mut conn = server.connect().await;
        // Half a request, never finished.
        if n % 2 == 0 {
            conn.write(b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n")
                .await;
        }
        idle.push(conn);
    }
    server.assert_still_serving().await;
    drop(idle);
    server.assert_still_serving().await;
}

// ---------------------------------------------------------------------------------------
// Metadata headers in the legacy era.

/// A tool whose `region` argument clients mirror into the `Mcp-Param-Region` header.
fn regional() -> mcp_runtime::capability::FnTool {
    use mcp_runtime::capability::{FnTool, ToolCall, ToolDescriptor};
    let schema = json!({
        "type": "object",
        "properties": {"region": {"type": "string", "x-mcp-header": "Region"}},
        "required": ["region"],
    });
    let Value::Object(schema) = schema else {
        unreachable!("the literal above is an object")
    };
    FnTool::new(
        ToolDescriptor::new("regional", "Echoes its region").with_input_schema(schema),
        |call: ToolCall| async move {
            let arguments: Value = call.arguments.decode()?;
            Ok::<_, ToolError>(format!("region: {}", arguments["region"]))
        },
    )
}

#[tokio::test]
async fn lying_metadata_headers_are_refused_on_legacy_requests_too() {
    let server = start_with(mcp_tests::fixture_server().tool(regional()), small_config()).await;
    let session = server.initialize().await;
    let call = legacy_call(7, "regional", json!({"region": "eu"})).session(&session);
    // Without the headers, or with truthful ones, the call runs.
    for request in [
        call.clone(),
        call.clone()
            .header("Mcp-Method", "tools/call")
            .header("Mcp-Name", "regional")
            .header("Mcp-Param-Region", "eu"),
    ] {
        let answer = server.send(request).await;
        assert_eq!(answer.status, 200, "{answer:?}");
        assert_eq!(
            answer.json()["result"]["content"][0]["text"],
            "region: \"eu\""
        );
    }
    let cases: Vec<(&str, Request)> = vec![
        (
            "Mcp-Method differs",
            call.clone().header("Mcp-Method", "tools/list"),
        ),
        ("Mcp-Name differs", call.clone().header("Mcp-Name", "echo")),
        (
            "Mcp-Name is not Base64",
            call.clone().header("Mcp-Name", "=?base64?***?="),
        ),
        (
            "Mcp-Param-Region differs",
            call.clone().header("Mcp-Param-Region", "us"),
        ),
        (
            "Mcp-Param-Region without its argument",
            legacy_call(7, "regional", json!({}))
                .session(&session)
                .header("Mcp-Param-Region", "us"),
        ),
    ];
    for (case, request) in cases {
        let answer = server.send(request).await;
        let error = answer.assert_error(400, -32020);
        assert_eq!(error["id"], 7, "{case}: {error}");
    }
    // Outside a session too.
    server
        .send(initialize_request().header("Mcp-Method", "tools/call"))
        .await
        .assert_error(400, -32020);
    // The session is unharmed.
    let answer = server.send(call).await;
    assert_eq!(answer.status, 200, "{answer:?}");
}

// ---------------------------------------------------------------------------------------
// The in-flight cap counts requests only.

#[tokio::test]
async fn answers_and_cancellations_get_through_a_full_in_flight_cap() {
    let server = start_with(
        mcp_tests::fixture_server().tools(tools![watched_sleep]),
        HttpConfig {
            max_in_flight: 2,
            ..small_config()
        },
    )
    .await;
    let opened = server
        .send(legacy_request(
            "init",
            "initialize",
            json!({"protocolVersion": LEGACY, "capabilities": {"roots": {}}, "clientInfo": {"name": "http-test", "version": "1"}}),
        ))
        .await;
    assert_eq!(opened.status, 200, "{opened:?}");
    let session = opened.header("mcp-session-id").unwrap().to_owned();
    let initialized = server
        .send(legacy_notification("notifications/initialized", json!({})).session(&session))
        .await;
    assert_eq!(initialized.status, 202);

    // One call waits for the client's answer to `roots/list`...
    let mut asking = server.connect().await;
    asking
        .write(
            &legacy_call("roots", "list_roots", json!({}))
                .session(&session)
                .to_bytes(),
        )
        .await;
    let head = asking.head().await;
    assert_eq!(head.status, 200);
    let mut events = SseReader::default();
    let question = within("the question", events.next(&mut asking))
        .await
        .expect("the question arrives");
    assert_eq!(question["method"], "roots/list", "{question}");
    // ...and another sleeps: the cap is full.
    let sleeper = |id: &str| {
        legacy_call(id, "watched_sleep", json!({"slot": 5, "ms": 60000})).session(&session)
    };
    let mut sleeping = server.connect().await;
    sleeping.write(&sleeper("sleep-1").to_bytes()).await;
    wait_for("the first sleep starts", &STARTED[5], 1).await;
    let refused = server
        .send(legacy_call("more", "echo", json!({"text": "x"})).session(&session))
        .await;
    refused.assert_error(503, -32603);

    // A cancellation is accepted and takes effect.
    let cancelled = server
        .send(
            legacy_notification("notifications/cancelled", json!({"requestId": "sleep-1"}))
                .session(&session),
        )
        .await;
    assert_eq!(cancelled.status, 202, "{cancelled:?}");
    wait_for("the first sleep is cancelled", &ENDED[5], 1).await;

    // Full again: the answer to the question is accepted and completes the call.
    let mut sleeping_again = server.connect().await;
    sleeping_again.write(&sleeper("sleep-2").to_bytes()).await;
    wait_for("the second sleep starts", &STARTED[5], 2).await;
    server
        .send(legacy_call("more", "echo", json!({"text": "x"})).session(&session))
        .await
        .assert_error(503, -32603);
    let roots = json!({"roots": [{"uri": "file:///work", "name": "work"}]});
    let answered = server
        .send(
            Request::post(
                serde_json::to_vec(
                    &json!({"jsonrpc": "2.0", "id": question["id"], "result": roots}),
                )
                .unwrap(),
            )
            .session(&session),
        )
        .await;
    assert_eq!(answered.status, 202, "{answered:?}");
    let result = within("the call's result", events.next(&mut asking))
        .await
        .expect("the result arrives");
    assert_eq!(result["id"], "roots", "{result}");
    let text = result["result"]["content"][0]["text"]
        .as_str()
        .unwrap_or_default();
    assert!(text.contains("file:///work"), "{result}");
    drop((sleeping, sleeping_again));
}

// ---------------------------------------------------------------------------------------
// Slow clients and connection limits.

/// Reads until the server closes the connection; what it sent before closing.
async fn until_closed(conn: &mut Conn, what: &str) -> Vec<u8> {
    let mut rest = Vec::new();
    let _ = within(what, conn.io.read_to_end(&mut rest)).await;
    rest
}

#[tokio::test]
async fn half_a_header_is_closed_after_the_header_timeout() {
    let server = start(HttpConfig {
        header_read_timeout: Duration::from_millis(300),
        keep_alive_timeout: Duration::from_secs(60),
        ..small_config()
    })
    .await;
    let mut slow = server.connect().await;
    slow.write(b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: appl")
        .await;
    until_closed(&mut slow, "the half-sent head is closed").await;
    // A connection that sends nothing at all is closed too.
    let mut silent = server.connect().await;
    until_closed(&mut silent, "the silent connection is closed").await;
    server.assert_still_serving().await;
}

#[tokio::test]
async fn a_stalled_body_gets_408_and_the_connection_closes() {
    let server = start(HttpConfig {
        body_read_timeout: Duration::from_millis(300),
        ..small_config()
    })
    .await;
    let call = modern_call("stalled", "echo", json!({"text": "x"}));
    let mut head = call.head_bytes();
    head.extend_from_slice(format!("Content-Length: {}\r\n\r\n", call.body.len()).as_bytes());
    head.extend_from_slice(&call.body[..call.body.len() / 2]);
    let mut conn = server.connect().await;
    conn.write(&head).await;
    let answer = conn.response().await;
    answer.assert_error(408, -32600);
    until_closed(&mut conn, "the connection closes after the 408").await;
    server.assert_still_serving().await;
}

#[tokio::test]
async fn an_idle_kept_alive_connection_is_closed() {
    let server = start(HttpConfig {
        keep_alive_timeout: Duration::from_millis(300),
        header_read_timeout: Duration::from_secs(60),
        ..small_config()
    })
    .await;
    let mut conn = server.connect().await;
    conn.write(&modern_call(1, "echo", json!({"text": "x"})).to_bytes())
        .await;
    let answer = conn.response().await;
    assert_eq!(answer.status, 200, "{answer:?}");
    // The connection is kept alive for a while, then closed for idling.
    conn.write(&modern_call(2, "echo", json!({"text": "y"})).to_bytes())
        .await;
    assert_eq!(conn.response().await.status, 200);
    let rest = until_closed(&mut conn, "the idle connection is closed").await;
    assert!(rest.is_empty(), "{}", String::from_utf8_lossy(&rest));
    // A slow request on a quiet connection is answered before the connection closes.
    let slow = server
        .send(modern_call(3, "sleep", json!({"ms": 600})))
        .await;
    assert_eq!(slow.status, 200, "{slow:?}");
}

#[tokio::test]
async fn connections_beyond_the_cap_wait_for_a_place() {
    let server = start(HttpConfig {
        max_connections: 2,
        ..small_config()
    })
    .await;
    // Two connections take both places (an answered request shows each was accepted).
    let mut held = Vec::new();
    for n in 0..2 {
        let mut conn = server.connect().await;
        conn.write(&modern_call(n, "echo", json!({"text": "held"})).to_bytes())
            .await;
        assert_eq!(conn.response().await.status, 200);
        held.push(conn);
    }
    // A third is not served while they stay open...
    let mut waiting = server.connect().await;
    waiting
        .write(&modern_call("third", "echo", json!({"text": "x"})).to_bytes())
        .await;
    let early = tokio::time::timeout(Duration::from_millis(500), waiting.io.fill_buf()).await;
    assert!(early.is_err(), "served beyond the cap: {early:?}");
    // ...and is served once one of them closes.
    drop(held.pop());
    let answer = waiting.response().await;
    assert_eq!(answer.status, 200, "{answer:?}");
    assert_eq!(answer.json()["id"], "third");
}

#[tokio::test]
async fn one_address_opening_many_sessions_does_not_crowd_out_another() {
    let server = start(HttpConfig {
        max_sessions: 4,
        max_sessions_per_caller: 2,
        ..small_config()
    })
    .await;
    // Another peer address: the whole of 127.0.0.0/8 is loopback.
    let from_other_address = |request: Request| async move {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.bind("127.0.0.2:0".parse().unwrap()).unwrap();
        let stream = within("connect", socket.connect(server.addr))
            .await
            .unwrap();
        let mut conn = Conn {
            io: BufReader::new(stream),
        };
        conn.write(&request.to_bytes()).await;
        conn.response().await
    };
    let opened = from_other_address(initialize_request()).await;
    assert_eq!(opened.status, 200, "{opened:?}");
    let theirs = opened.header("mcp-session-id").unwrap().to_owned();
    let initialized = from_other_address(
        legacy_notification("notifications/initialized", json!({})).session(&theirs),
    )
    .await;
    assert_eq!(initialized.status, 202);
    // 127.0.0.1 opens far more than its share; only its own sessions make room.
    let mut mine = Vec::new();
    for _ in 0..10 {
        mine.push(server.initialize().await);
    }
    let ping = |id: &str| legacy_request("ping", "ping", json!({})).session(id);
    let answer = from_other_address(ping(&theirs)).await;
    assert_eq!(answer.status, 200, "{answer:?}");
    let mut alive = Vec::new();
    for id in &mine {
        alive.push(server.send(ping(id)).await.status == 200);
    }
    assert_eq!(alive.iter().filter(|a| **a).count(), 2, "{alive:?}");
    assert!(alive[8] && alive[9], "{alive:?}");
}

/// A note, by id; only note 1 exists.
#[resource("notes://{id}")]
fn stored_note(id: u32) -> Result<String, RequestError> {
    match id {
        1 => Ok("Buy milk".to_owned()),
        0 => Err(RequestError::invalid_params("note ids start at 1")),
        _ => Err(RequestError::not_found()),
    }
}

#[tokio::test]
async fn a_resource_not_found_by_its_handler_gets_the_eras_error_over_http() {
    let server = start_with(
        Server::new("notes", "1.0.0").resources(resources![stored_note]),
        small_config(),
    )
    .await;
    // Modern: -32602 with the URI, as for a URI nothing matches.
    let modern_read = |id: &str, uri: &str| {
        modern(Some(json!(id)), "resources/read", json!({"uri": uri})).header("Mcp-Name", uri)
    };
    let missing = server.send(modern_read("m", "notes://2")).await.json();
    assert_eq!(missing["error"]["code"], -32602, "{missing}");
    assert_eq!(missing["error"]["message"], "Resource not found: notes://2");
    assert_eq!(missing["error"]["data"]["uri"], "notes://2");
    let found = server.send(modern_read("f", "notes://1")).await.json();
    assert_eq!(
        found["result"]["contents"][0]["text"], "Buy milk",
        "{found}"
    );
    let invalid = server.send(modern_read("i", "notes://0")).await.json();
    assert_eq!(invalid["error"]["code"], -32602, "{invalid}");
    assert!(invalid["error"]["message"]
        .as_str()
        .unwrap()
        .contains("note ids start at 1"));
    // Legacy: -32002 with the URI.
    let session = server.initialize().await;
    let answer = server
        .send(legacy_request("l", "resources/read", json!({"uri": "notes://2"})).session(&session))
        .await
        .json();
    assert_eq!(answer["error"]["code"], -32002, "{answer}");
    assert_eq!(answer["error"]["data"]["uri"], "notes://2");
}

#[tokio::test]
async fn metrics_count_what_was_called_and_are_served_at_metrics() {
    let metrics = mcp_runtime::metrics::Metrics::new();
    let config = HttpConfig {
        metrics: true,
        ..small_config()
    };
    let server = start_with(mcp_tests::fixture_server().metrics(metrics.clone()), config).await;
    for (id, (a, b)) in [(1, 2), (3, 4), (5, 6)].into_iter().enumerate() {
        let answer = server
            .send(modern_call(id, "add", json!({"a": a, "b": b})))
            .await;
        assert_eq!(
            answer.json()["result"]["content"][0]["text"],
            (a + b).to_string()
        );
    }
    let failed = server
        .send(modern_call(9, "explode", json!({"message": "kaboom"})))
        .await;
    assert_eq!(failed.json()["result"]["isError"], true);
    server
        .send(modern(Some(json!("list")), "tools/list", json!({})))
        .await;
    // A handshake-era session, counted while open.
    let session = server.initialize().await;

    let answer = server.send(Request::new("GET", "/metrics")).await;
    assert_eq!(answer.status, 200, "{answer:?}");
    assert_eq!(
        answer.header("content-type"),
        Some(mcp_runtime::metrics::Metrics::CONTENT_TYPE)
    );
    let text = String::from_utf8(answer.body.clone()).unwrap();
    for line in [
        r#"mcp_requests_total{method="tools/call",outcome="ok"} 4"#,
        r#"mcp_requests_total{method="tools/list",outcome="ok"} 1"#,
        r#"mcp_requests_total{method="initialize",outcome="ok"} 1"#,
        r#"mcp_capability_calls_total{kind="tool",name="add",outcome="ok"} 3"#,
        r#"mcp_capability_calls_total{kind="tool",name="explode",outcome="panicked"} 1"#,
        r#"mcp_capability_call_duration_seconds_count{kind="tool",name="add"} 3"#,
        r#"mcp_policy_decisions_total{decision="allow",risk="low"} 4"#,
        "mcp_requests_in_flight 0",
        "mcp_sessions 1",
    ] {
        assert!(text.contains(line), "no `{line}` in:\n{text}");
    }
    assert!(
        text.contains(r#"mcp_request_duration_seconds_bucket{le="0.0001",method="tools/call"}"#)
            || text.contains(
                r#"mcp_request_duration_seconds_bucket{method="tools/call",le="0.0001"}"#
            ),
        "{text}"
    );
    // Ending the session is counted too.
    server
        .send(Request::new("DELETE", "/mcp").session(&session))
        .await;
    assert!(metrics.encode().contains("mcp_sessions 0"));
}

#[tokio::test]
async fn without_the_option_there_is_no_metrics_route() {
    let metrics = mcp_runtime::metrics::Metrics::new();
    let server = start_with(
        mcp_tests::fixture_server().metrics(metrics.clone()),
        small_config(),
    )
    .await;
    let answer = server.send(Request::new("GET", "/metrics")).await;
    assert_eq!(answer.status, 404, "{answer:?}");
}
