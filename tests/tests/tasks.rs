//! Tool calls that run as tasks, in both eras, over stdio, HTTP and in memory: polled to
//! completion, cancelled mid-way, confirmed before they start, fetched after reconnecting,
//! and the store's bound.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use mcp_runtime::permission::AuditLog;
use mcp_runtime::tasks::MemoryTaskStore;
use mcp_runtime::testing::TestClient;
use mcp_tests::{task_server, task_server_logging, JobLog};
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};

const EXTENSION: &str = "io.modelcontextprotocol/tasks";
const MODERN: &str = "2026-07-28";
const LEGACY: &str = "2025-11-25";

/// The answer a client gives to every question: yes, confirm, colour blue.
fn consent(_method: &str, _params: &Value) -> Value {
    json!({"action": "accept", "content": {"confirm": true, "colour": "blue"}})
}

// ---------------------------------------------------------------------------------------
// A client over a real transport.

enum Link {
    Stdio(Box<Process>),
    Http {
        url: String,
        session: Option<String>,
    },
}

/// The server's process, and its standard input and output.
struct Process {
    _child: Child,
    stdin: ChildStdin,
    stdout: tokio::io::Lines<BufReader<ChildStdout>>,
}

/// A client of one era over stdio or HTTP that answers the server's questions with
/// [`consent`].
struct Peer {
    link: Link,
    modern: bool,
    next_id: u64,
}

impl Peer {
    async fn stdio(modern: bool) -> Peer {
        let mut child = Command::new(env!("CARGO_BIN_EXE_task-server"))
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("the task server starts");
        let stdin = child.stdin.take().unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut peer = Peer {
            link: Link::Stdio(Box::new(Process {
                _child: child,
                stdin,
                stdout,
            })),
            modern,
            next_id: 1,
        };
        peer.open().await;
        peer
    }

    async fn http(url: &str, modern: bool) -> Peer {
        let mut peer = Peer {
            link: Link::Http {
                url: url.to_owned(),
                session: None,
            },
            modern,
            next_id: 1,
        };
        peer.open().await;
        peer
    }

    /// The legacy handshake, asking for elicitation.
    async fn open(&mut self) {
        if self.modern {
            return;
        }
        let result = self
            .request(
                "initialize",
                json!({
                    "protocolVersion": LEGACY,
                    "capabilities": {"elicitation": {}},
                    "clientInfo": {"name": "task-test", "version": "1"},
                }),
            )
            .await
            .expect("initialize succeeds");
        assert_eq!(
            result["capabilities"]["tasks"]["requests"]["tools"]["call"],
            json!({})
        );
        self.notify("notifications/initialized").await;
    }

    fn era(&self) -> &'static str {
        if self.modern {
            MODERN
        } else {
            LEGACY
        }
    }

    /// Sends a request (with the modern `_meta`, declaring the tasks extension and
    /// elicitation, when `modern`) and returns its result or its error.
    async fn request(&mut self, method: &str, mut params: Value) -> Result<Value, Value> {
        if self.modern {
            params["_meta"] = json!({
                "io.modelcontextprotocol/protocolVersion": MODERN,
                "io.modelcontextprotocol/clientCapabilities": {
                    "elicitation": {},
                    "extensions": {EXTENSION: {}},
                },
            });
        }
        let id = self.next_id;
        self.next_id += 1;
        let message = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
        let mut response = self.exchange(method, &message).await;
        match response.get_mut("error") {
            Some(error) => Err(error.take()),
            None => Ok(response["result"].take()),
        }
    }

    async fn notify(&mut self, method: &str) {
        let message = json!({"jsonrpc": "2.0", "method": method});
        match &mut self.link {
            Link::Stdio(process) => write_line(&mut process.stdin, &message).await,
            Link::Http { url, session } => {
                post(url.clone(), session.clone(), message, self.modern).await;
            }
        }
    }

    /// Sends `message` and waits for its response, answering the server's questions on the
    /// way.
    async fn exchange(&mut self, method: &str, message: &Value) -> Value {
        let modern = self.modern;
        match &mut self.link {
            Link::Stdio(process) => {
                let Process { stdin, stdout, .. } = &mut **process;
                write_line(stdin, message).await;
                loop {
                    let line = tokio::time::timeout(Duration::from_secs(20), stdout.next_line())
                        .await
                        .expect("the server answers within 20 s")
                        .unwrap()
                        .expect("the server is running");
                    let incoming: Value = serde_json::from_str(&line).unwrap();
                    if incoming.get("method").is_some() {
                        if let Some(id) = incoming.get("id") {
                            let answer = json!({
                                "jsonrpc": "2.0",
                                "id": id,
                                "result": consent(incoming["method"].as_str().unwrap(), &incoming["params"]),
                            });
                            write_line(stdin, &answer).await;
                        }
                        continue;
                    }
                    if incoming["id"] == message["id"] {
                        return incoming;
                    }
                }
            }
            Link::Http { url, session } => {
                let (response, new_session) = post_answering(
                    url.clone(),
                    session.clone(),
                    message.clone(),
                    modern,
                    method,
                )
                .await;
                if new_session.is_some() {
                    *session = new_session;
                }
                response
            }
        }
    }

    /// Calls `tool` as a task and returns the task's id (the test fails if the server
    /// answers otherwise). Modern calls that ask for confirmation are retried with the answer.
    async fn start(&mut self, tool: &str, arguments: Value) -> String {
        let mut params = json!({"name": tool, "arguments": arguments});
        if !self.modern {
            params["task"] = json!({"ttl": 60_000});
        }
        loop {
            let result = self.request("tools/call", params.clone()).await.unwrap();
            if result["resultType"] == "input_required" {
                let mut answers = serde_json::Map::new();
                for (key, asked) in result["inputRequests"].as_object().unwrap() {
                    answers.insert(
                        key.clone(),
                        consent(asked["method"].as_str().unwrap(), &asked["params"]),
                    );
                }
                params["inputResponses"] = Value::Object(answers);
                params["requestState"] = result["requestState"].clone();
                continue;
            }
            let task = if self.modern {
                assert_eq!(result["resultType"], "task", "{result}");
                &result
            } else {
                &result["task"]
            };
            assert_eq!(task["status"], "working", "{result}");
            return task["taskId"].as_str().unwrap().to_owned();
        }
    }

    async fn get(&mut self, task: &str) -> Value {
        self.request("tasks/get", json!({"taskId": task}))
            .await
            .unwrap()
    }

    /// Polls the task until it ends; returns its final state.
    async fn wait(&mut self, task: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let state = self.get(task).await;
            if matches!(
                state["status"].as_str(),
                Some("completed" | "failed" | "cancelled")
            ) {
                return state;
            }
            assert!(
                Instant::now() < deadline,
                "task {task} did not end: {state}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The text of a finished task's result: inlined in 2026-07-28, from `tasks/result` in
    /// 2025-11-25.
    async fn result_text(&mut self, task: &str) -> String {
        let result = if self.modern {
            self.get(task).await["result"].clone()
        } else {
            let result = self
                .request("tasks/result", json!({"taskId": task}))
                .await
                .unwrap();
            assert_eq!(
                result["_meta"]["io.modelcontextprotocol/related-task"]["taskId"],
                task
            );
            result
        };
        result["content"][0]["text"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }
}

async fn write_line(stdin: &mut ChildStdin, message: &Value) {
    let mut line = serde_json::to_vec(message).unwrap();
    line.push(b'\n');
    stdin.write_all(&line).await.unwrap();
    stdin.flush().await.unwrap();
}

/// Posts `message`; returns the response (the last JSON-RPC response in an SSE stream,
/// answering the server's requests on it) and the session id the server gave, if any.
async fn post_answering(
    url: String,
    session: Option<String>,
    message: Value,
    modern: bool,
    method: &str,
) -> (Value, Option<String>) {
    let name = message["params"]["taskId"]
        .as_str()
        .or(message["params"]["name"].as_str())
        .map(str::to_owned);
    let method = method.to_owned();
    tokio::task::spawn_blocking(move || {
        let mut request = ureq::post(&url)
            .header("Content-Type", "application/json")
            .header("Accept", "application/json, text/event-stream")
            .header("Mcp-Method", &method)
            .header("MCP-Protocol-Version", if modern { MODERN } else { LEGACY });
        if let Some(name) = &name {
            request = request.header("Mcp-Name", name);
        }
        if let Some(session) = &session {
            request = request.header("Mcp-Session-Id", session);
        }
        let response = request
            .config()
            .http_status_as_error(false)
            .build()
            .send(serde_json::to_vec(&message).unwrap())
            .expect("the server answers");
        let new_session = response
            .headers()
            .get("mcp-session-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let sse = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/event-stream"));
        let mut body = response.into_body();
        if !sse {
            let text = body.read_to_string().unwrap();
            return (serde_json::from_str(&text).unwrap(), new_session);
        }
        let reader = std::io::BufReader::new(body.as_reader());
        for line in std::io::BufRead::lines(reader) {
            let line = line.unwrap();
            let Some(data) = line.strip_prefix("data:") else {
                continue;
            };
            let incoming: Value = serde_json::from_str(data.trim()).unwrap();
            if incoming.get("method").is_some() {
                if let Some(id) = incoming.get("id") {
                    let answer = json!({
                        "jsonrpc": "2.0",
                        "id": id,
                        "result": consent(incoming["method"].as_str().unwrap(), &incoming["params"]),
                    });
                    let mut reply = ureq::post(&url)
                        .header("Content-Type", "application/json")
                        .header("Accept", "application/json, text/event-stream")
                        .header("MCP-Protocol-Version", LEGACY);
                    if let Some(session) = new_session.as_ref().or(session.as_ref()) {
                        reply = reply.header("Mcp-Session-Id", session);
                    }
                    reply.send(serde_json::to_vec(&answer).unwrap()).unwrap();
                }
                continue;
            }
            if incoming["id"] == message["id"] {
                return (incoming, new_session);
            }
        }
        panic!("the stream ended without the response");
    })
    .await
    .unwrap()
}

async fn post(url: String, session: Option<String>, message: Value, modern: bool) {
    tokio::task::spawn_blocking(move || {
        let mut request = ureq::post(&url)
            .header("Content-Type", "application/json")
            .header("Accept", "application/json, text/event-stream")
            .header("MCP-Protocol-Version", if modern { MODERN } else { LEGACY });
        if let Some(session) = &session {
            request = request.header("Mcp-Session-Id", session);
        }
        request.send(serde_json::to_vec(&message).unwrap()).unwrap();
    })
    .await
    .unwrap();
}

/// The task server over HTTP in this process; returns its endpoint's URL.
async fn http_server(server: mcp_runtime::Server) -> String {
    use mcp_runtime::transport::http::{self, HttpConfig};
    let config = HttpConfig::default();
    let app = http::router(server.build().unwrap(), &config);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        http::serve_router(listener, app, &config, std::future::pending())
            .await
            .unwrap();
    });
    format!("http://{addr}/mcp")
}

/// Every combination of transport and era.
async fn peers() -> Vec<Peer> {
    let url = http_server(task_server()).await;
    let mut peers = Vec::new();
    for modern in [true, false] {
        peers.push(Peer::stdio(modern).await);
        peers.push(Peer::http(&url, modern).await);
    }
    peers
}

fn transport(peer: &Peer) -> &'static str {
    match peer.link {
        Link::Stdio(_) => "stdio",
        Link::Http { .. } => "http",
    }
}

// ---------------------------------------------------------------------------------------
// The task's life, over each transport in each era.

#[tokio::test]
async fn a_two_second_task_is_polled_to_completion() {
    let mut jobs = Vec::new();
    for mut peer in peers().await {
        let started = Instant::now();
        let task = peer.start("long_job", json!({"ms": 2000})).await;
        jobs.push(tokio::spawn(async move {
            let what = format!("{} {}", transport(&peer), peer.era());
            let working = peer.get(&task).await;
            assert_eq!(working["status"], "working", "{what}: {working}");
            assert_eq!(working["statusMessage"], "started", "{what}: {working}");
            let done = peer.wait(&task).await;
            assert_eq!(done["status"], "completed", "{what}: {done}");
            assert!(started.elapsed() >= Duration::from_secs(2), "{what}");
            assert_eq!(peer.result_text(&task).await, "worked 2000 ms", "{what}");
        }));
    }
    // The four run side by side: one wait of two seconds, not four.
    for job in jobs {
        job.await.unwrap();
    }
}

#[tokio::test]
async fn a_task_cancelled_mid_way_stops_and_says_so() {
    for mut peer in peers().await {
        let what = format!("{} {}", transport(&peer), peer.era());
        let task = peer.start("long_job", json!({"ms": 60_000})).await;
        let answer = peer
            .request("tasks/cancel", json!({"taskId": task}))
            .await
            .unwrap();
        if peer.modern {
            assert_eq!(answer["resultType"], "complete", "{what}: {answer}");
            assert!(answer.get("status").is_none(), "{what}: {answer}");
        } else {
            assert_eq!(answer["status"], "cancelled", "{what}: {answer}");
        }
        let state = peer.wait(&task).await;
        assert_eq!(state["status"], "cancelled", "{what}: {state}");
        assert!(state.get("result").is_none(), "{what}: {state}");
        // Cancelling again: acknowledged (2026-07-28), refused as already ended (2025-11-25).
        let again = peer.request("tasks/cancel", json!({"taskId": task})).await;
        if peer.modern {
            assert_eq!(again.unwrap()["resultType"], "complete", "{what}");
        } else {
            assert_eq!(again.unwrap_err()["code"], -32602, "{what}");
        }
        // The server goes on.
        let echo = peer
            .request(
                "tools/call",
                json!({"name": "echo", "arguments": {"text": "on"}}),
            )
            .await
            .unwrap();
        assert_eq!(echo["content"][0]["text"], "on", "{what}");
    }
}

#[tokio::test]
async fn the_policy_confirms_before_the_task_starts() {
    for mut peer in peers().await {
        let what = format!("{} {}", transport(&peer), peer.era());
        // `wipe_archive` is high risk: the default policy asks first (answered with yes).
        let task = peer.start("wipe_archive", json!({"ms": 300})).await;
        let state = peer.wait(&task).await;
        assert_eq!(state["status"], "completed", "{what}: {state}");
        assert_eq!(peer.result_text(&task).await, "archive wiped", "{what}");
    }
}

#[tokio::test]
async fn a_task_result_is_fetched_after_the_client_reconnected() {
    let url = http_server(task_server()).await;
    for modern in [true, false] {
        let task = {
            let mut first = Peer::http(&url, modern).await;
            first.start("long_job", json!({"ms": 300})).await
        };
        // A new connection (and, in 2025-11-25, a new session) finds the task.
        let mut second = Peer::http(&url, modern).await;
        let state = second.wait(&task).await;
        assert_eq!(state["status"], "completed", "{state}");
        assert_eq!(second.result_text(&task).await, "worked 300 ms");
    }
}

// ---------------------------------------------------------------------------------------
// In memory: what the handler saw, the questions, the store's bound, the errors.

#[tokio::test]
async fn a_cancelled_task_stops_its_handler_in_both_eras() {
    for modern in [true, false] {
        let log = JobLog::default();
        let server = task_server_logging(log.clone());
        let client = if modern {
            TestClient::modern(server).unwrap()
        } else {
            TestClient::legacy(server).await.unwrap()
        };
        let created = client
            .start_tool_task("long_job", json!({"ms": 60_000}))
            .await
            .unwrap();
        let task = if modern {
            created["taskId"].clone()
        } else {
            created["task"]["taskId"].clone()
        };
        client
            .task_request("tasks/cancel", json!({"taskId": task}))
            .await
            .unwrap();
        for _ in 0..100 {
            if log.stopped.load(Ordering::SeqCst) == 1 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert_eq!(log.started.load(Ordering::SeqCst), 1);
        assert_eq!(log.stopped.load(Ordering::SeqCst), 1, "the handler saw it");
        assert_eq!(log.finished.load(Ordering::SeqCst), 0);
        let state = client
            .task_request("tasks/get", json!({"taskId": task}))
            .await
            .unwrap();
        assert_eq!(state["status"], "cancelled");
    }
}

#[tokio::test]
async fn a_task_asks_its_question_through_the_task_in_both_eras() {
    let modern = TestClient::modern(task_server())
        .unwrap()
        .answering(consent);
    let legacy = TestClient::legacy_answering(task_server(), consent)
        .await
        .unwrap();
    for client in [modern, legacy] {
        let result = client
            .call_tool_as_task("pick_colour", json!({}))
            .await
            .unwrap();
        assert_eq!(result.text(), "picked blue");
    }
    // 2026-07-28: the question waits in `inputRequests` until `tasks/update` answers it.
    let client = TestClient::modern(task_server())
        .unwrap()
        .with_client_capabilities(json!({"elicitation": {}}));
    let created = client
        .start_tool_task("pick_colour", json!({}))
        .await
        .unwrap();
    let task = created["taskId"].as_str().unwrap().to_owned();
    let mut state = Value::Null;
    for _ in 0..100 {
        state = client
            .task_request("tasks/get", json!({"taskId": task}))
            .await
            .unwrap();
        if state["status"] == "input_required" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(
        state["inputRequests"]["colour"]["method"], "elicitation/create",
        "{state}"
    );
    // An answer to a question not asked changes nothing.
    client
        .task_request(
            "tasks/update",
            json!({"taskId": task, "inputResponses": {"other": {"action": "accept"}}}),
        )
        .await
        .unwrap();
    let still = client
        .task_request("tasks/get", json!({"taskId": task}))
        .await
        .unwrap();
    assert_eq!(still["status"], "input_required");
    let ack = client
        .task_request(
            "tasks/update",
            json!({"taskId": task, "inputResponses": {"colour": {"action": "accept", "content": {"colour": "red"}}}}),
        )
        .await
        .unwrap();
    assert_eq!(ack["resultType"], "complete");
    let mut done = Value::Null;
    for _ in 0..100 {
        done = client
            .task_request("tasks/get", json!({"taskId": task}))
            .await
            .unwrap();
        if done["status"] == "completed" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(done["result"]["content"][0]["text"], "picked red", "{done}");
}

#[tokio::test]
async fn an_answered_question_leaves_the_task_at_once() {
    // Two questions wait together; `tasks/update` answers one. The next `tasks/get`, made
    // before the handler runs again, shows only the other.
    let client = TestClient::modern(task_server())
        .unwrap()
        .with_client_capabilities(json!({"elicitation": {}}));
    let created = client.start_tool_task("pick_two", json!({})).await.unwrap();
    let task = created["taskId"].as_str().unwrap().to_owned();
    let get = || client.task_request("tasks/get", json!({"taskId": task}));
    let mut state = Value::Null;
    for _ in 0..100 {
        state = get().await.unwrap();
        if state["inputRequests"]
            .as_object()
            .map(|pending| pending.len())
            == Some(2)
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(state["status"], "input_required", "{state}");
    let answer = |value: &str| json!({"action": "accept", "content": {"value": value}});
    let ack = client
        .task_request(
            "tasks/update",
            json!({"taskId": task, "inputResponses": {"first": answer("a")}}),
        )
        .await
        .unwrap();
    assert_eq!(ack["resultType"], "complete");
    let partly = get().await.unwrap();
    assert_eq!(partly["status"], "input_required", "{partly}");
    let pending: Vec<&String> = partly["inputRequests"]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    assert_eq!(pending, ["second"], "{partly}");
    // The same key answered again is not outstanding any more: ignored.
    client
        .task_request(
            "tasks/update",
            json!({"taskId": task, "inputResponses": {"first": answer("z"), "second": answer("b")}}),
        )
        .await
        .unwrap();
    let answered = get().await.unwrap();
    assert!(
        answered["inputRequests"]
            .as_object()
            .is_none_or(|pending| pending.is_empty()),
        "{answered}"
    );
    assert_ne!(answered["status"], "input_required", "{answered}");
    let mut done = Value::Null;
    for _ in 0..100 {
        done = get().await.unwrap();
        if done["status"] == "completed" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(
        done["result"]["content"][0]["text"], "first=a, second=b",
        "{done}"
    );
}

#[tokio::test]
async fn a_full_store_evicts_finished_tasks_then_refuses_new_ones() {
    let client = TestClient::modern(task_server().task_store(MemoryTaskStore::new(2))).unwrap();
    let start = |ms: u64| client.start_tool_task("long_job", json!({"ms": ms}));
    let get = |task: Value| client.task_request("tasks/get", json!({"taskId": task}));
    // Two finished tasks fill the store; a third evicts the oldest.
    let first = start(1).await.unwrap()["taskId"].clone();
    let second = start(1).await.unwrap()["taskId"].clone();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let third = start(60_000).await.unwrap()["taskId"].clone();
    let gone = get(first).await.unwrap_err();
    assert_eq!(gone.code, -32602, "{gone:?}");
    assert_eq!(get(second.clone()).await.unwrap()["status"], "completed");
    // Then only running tasks: the next is refused, clearly, and nothing else changes.
    let fourth = start(60_000).await.unwrap()["taskId"].clone();
    assert!(
        get(second).await.is_err(),
        "the last finished task made room"
    );
    let refused = start(60_000).await.unwrap_err();
    assert_eq!(refused.code, -32603);
    assert!(
        refused.message.contains("as many tasks as it may (2)"),
        "{}",
        refused.message
    );
    for task in [third, fourth] {
        assert_eq!(get(task).await.unwrap()["status"], "working");
    }
    let echo = client
        .call_tool("echo", json!({"text": "still here"}))
        .await
        .unwrap();
    assert_eq!(echo.text(), "still here");
}

#[tokio::test]
async fn tasks_are_only_for_clients_that_ask_for_them() {
    // 2026-07-28 without the extension: optional tools answer directly, required ones refuse.
    let plain = TestClient::modern(task_server()).unwrap();
    let direct = plain.call_tool("long_job", json!({"ms": 1})).await.unwrap();
    assert_eq!(direct.text(), "worked 1 ms");
    let refused = plain.call_tool("batch_only", json!({})).await.unwrap_err();
    assert_eq!(refused.code, -32021);
    assert_eq!(
        refused.data.unwrap()["requiredCapabilities"]["extensions"][EXTENSION],
        json!({})
    );
    let get = plain
        .request("tasks/get", json!({"taskId": "x"}))
        .await
        .unwrap_err();
    assert_eq!(get.code, -32021);
    // 2025-11-25 without `task`: the same, with the revision's -32601.
    let legacy = TestClient::legacy(task_server()).await.unwrap();
    let direct = legacy
        .call_tool("long_job", json!({"ms": 1}))
        .await
        .unwrap();
    assert_eq!(direct.text(), "worked 1 ms");
    let refused = legacy.call_tool("batch_only", json!({})).await.unwrap_err();
    assert_eq!(refused.code, -32601);
    // A tool that never runs as a task, asked to: refused in 2025-11-25.
    let refused = legacy
        .start_tool_task("echo", json!({"text": "x"}))
        .await
        .unwrap_err();
    assert_eq!(refused.code, -32601);
    // Listed with its task support for 2025-11-25 clients.
    let tools = legacy.list_tools().await.unwrap();
    let support = |name: &str| {
        tools
            .iter()
            .find(|tool| tool.name == name)
            .and_then(|tool| tool.execution.clone())
    };
    assert_eq!(
        support("batch_only"),
        Some(json!({"taskSupport": "required"}))
    );
    assert_eq!(
        support("long_job"),
        Some(json!({"taskSupport": "optional"}))
    );
    assert_eq!(support("echo"), None);
    // Unknown ids.
    let client = TestClient::modern(task_server()).unwrap();
    let unknown = client
        .task_request("tasks/get", json!({"taskId": "no-such-task"}))
        .await
        .unwrap_err();
    assert_eq!(unknown.code, -32602);
}

#[tokio::test]
async fn the_audit_log_records_the_task_and_how_it_ended() {
    let dir = std::env::temp_dir().join(format!("mcp-task-audit-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("audit.jsonl");
    let _ = std::fs::remove_file(&path);
    let server = task_server().audit(AuditLog::to_file(&path).unwrap());
    let client = TestClient::modern(server).unwrap().answering(consent);
    let created = client
        .start_tool_task("wipe_archive", json!({"ms": 10}))
        .await
        .unwrap();
    let task = created["taskId"].as_str().unwrap().to_owned();
    let result = client
        .call_tool_as_task("wipe_archive", json!({"ms": 10}))
        .await
        .unwrap();
    assert_eq!(result.text(), "archive wiped");
    let records = Arc::new(std::sync::Mutex::new(Vec::new()));
    for _ in 0..100 {
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        let calls: Vec<Value> = text
            .lines()
            .map(|line| serde_json::from_str::<Value>(line).unwrap())
            .filter(|record| record["event"] == "call" && record["taskId"] == task.as_str())
            .collect();
        if !calls.is_empty() {
            *records.lock().unwrap() = calls;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let records = records.lock().unwrap().clone();
    assert_eq!(records.len(), 1, "{records:?}");
    assert_eq!(records[0]["outcome"], "ok");
    assert_eq!(records[0]["confirmedBy"], "local");
    assert_eq!(records[0]["capability"], "wipe_archive");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_listen_stream_hears_of_each_change_of_a_task() {
    let client = Arc::new(TestClient::modern(task_server()).unwrap());
    let created = client
        .start_tool_task("long_job", json!({"ms": 300}))
        .await
        .unwrap();
    let task = created["taskId"].as_str().unwrap().to_owned();
    let listening = {
        let client = Arc::clone(&client);
        let task = task.clone();
        tokio::spawn(async move {
            client
                .task_request(
                    "subscriptions/listen",
                    json!({"notifications": {"taskIds": [task, "not-a-task"]}}),
                )
                .await
        })
    };
    let mut heard = Vec::new();
    for _ in 0..200 {
        heard.extend(client.take_notifications());
        if heard
            .iter()
            .any(|n| n["method"] == "notifications/tasks" && n["params"]["status"] == "completed")
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let acknowledged = heard
        .iter()
        .find(|n| n["method"] == "notifications/subscriptions/acknowledged")
        .expect("the stream is acknowledged");
    // Only the caller's existing tasks are honoured.
    assert_eq!(
        acknowledged["params"]["notifications"]["taskIds"],
        json!([task])
    );
    let statuses: Vec<&str> = heard
        .iter()
        .filter(|n| n["method"] == "notifications/tasks")
        .map(|n| n["params"]["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["working", "completed"]);
    let completed = heard
        .iter()
        .find(|n| n["params"]["status"] == "completed")
        .unwrap();
    assert_eq!(completed["params"]["taskId"], task.as_str());
    assert_eq!(
        completed["params"]["result"]["content"][0]["text"],
        "worked 300 ms"
    );
    listening.abort();
    // Asking for task notifications without declaring the extension is refused.
    let refused = client
        .request(
            "subscriptions/listen",
            json!({"notifications": {"taskIds": [task]}}),
        )
        .await
        .unwrap_err();
    assert_eq!(refused.code, -32021);
}

#[tokio::test]
async fn tasks_are_counted_in_the_metrics() {
    let metrics = mcp_runtime::metrics::Metrics::new();
    let client = TestClient::modern(task_server().metrics(metrics.clone())).unwrap();
    let result = client
        .call_tool_as_task("long_job", json!({"ms": 20}))
        .await
        .unwrap();
    assert_eq!(result.text(), "worked 20 ms");
    let created = client
        .start_tool_task("long_job", json!({"ms": 60_000}))
        .await
        .unwrap();
    let text = metrics.encode();
    assert!(text.contains("mcp_tasks_running 1"), "{text}");
    client
        .task_request("tasks/cancel", json!({"taskId": created["taskId"]}))
        .await
        .unwrap();
    let mut text = String::new();
    for _ in 0..300 {
        text = metrics.encode();
        if text.contains("mcp_tasks_total{status=\"cancelled\"} 1") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(
        text.contains("mcp_tasks_total{status=\"completed\"} 1"),
        "{text}"
    );
    assert!(
        text.contains("mcp_tasks_total{status=\"cancelled\"} 1"),
        "{text}"
    );
    assert!(text.contains("mcp_tasks_running 0"), "{text}");
}

/// A task store that cannot be reached, as a Redis that is down.
struct Unreachable;

impl mcp_runtime::tasks::TaskStore for Unreachable {
    fn insert(&self, _: mcp_runtime::tasks::TaskRecord) -> mcp_runtime::tasks::StoreFuture<'_, ()> {
        Box::pin(async { Err(down()) })
    }

    fn get<'a>(
        &'a self,
        _: &'a str,
    ) -> mcp_runtime::tasks::StoreFuture<'a, Option<mcp_runtime::tasks::TaskRecord>> {
        Box::pin(async { Err(down()) })
    }

    fn replace(
        &self,
        _: mcp_runtime::tasks::TaskRecord,
        _: u64,
    ) -> mcp_runtime::tasks::StoreFuture<'_, bool> {
        Box::pin(async { Err(down()) })
    }

    fn changed<'a>(&'a self, _: &'a str, _: u64) -> mcp_runtime::tasks::StoreFuture<'a, ()> {
        Box::pin(async { Err(down()) })
    }
}

fn down() -> mcp_runtime::tasks::TaskStoreError {
    mcp_runtime::tasks::TaskStoreError::Unavailable("Redis at redis://store:6379: refused".into())
}

#[tokio::test]
async fn a_store_that_cannot_be_reached_is_a_503_with_retry_after_over_http() {
    let url = http_server(task_server().task_store(Unreachable)).await;
    let (status, retry_after, body) = tokio::task::spawn_blocking(move || {
        let call = json!({"jsonrpc": "2.0", "id": 1, "method": "tasks/get", "params": {
            "taskId": "t1",
            "_meta": {"io.modelcontextprotocol/protocolVersion": "2026-07-28",
                      "io.modelcontextprotocol/clientCapabilities": {
                          "extensions": {"io.modelcontextprotocol/tasks": {}}}},
        }});
        let response = ureq::post(&url)
            .header("Content-Type", "application/json")
            .header("Accept", "application/json, text/event-stream")
            .header("MCP-Protocol-Version", "2026-07-28")
            .header("Mcp-Method", "tasks/get")
            .header("Mcp-Name", "t1")
            .config()
            .http_status_as_error(false)
            .build()
            .send(call.to_string())
            .unwrap();
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body: Value =
            serde_json::from_str(&response.into_body().read_to_string().unwrap()).unwrap();
        (status, retry_after, body)
    })
    .await
    .unwrap();
    assert_eq!(status, 503, "{body}");
    assert_eq!(retry_after.as_deref(), Some("1"));
    assert_eq!(body["id"], 1);
    assert_eq!(body["error"]["code"], -32603);
    assert_eq!(body["error"]["data"]["unavailable"], "store");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains("Redis at redis://store:6379"), "{message}");
}

#[tokio::test]
async fn a_store_that_cannot_be_reached_is_a_json_rpc_error_naming_it() {
    let client = TestClient::modern(task_server().task_store(Unreachable)).unwrap();
    let error = client
        .call_tool_as_task("long_job", json!({"ms": 10}))
        .await
        .unwrap_err();
    assert_eq!(error.code, -32603, "{error:?}");
    assert_eq!(error.data.as_ref().unwrap()["unavailable"], "store");
    assert!(
        error.message.contains("Redis at redis://store:6379"),
        "{error:?}"
    );
}
