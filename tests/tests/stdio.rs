//! The stdio transport, driven through a real process: bad input gets the right error and
//! the server keeps serving, every request gets exactly one answer, and stdout carries
//! nothing but protocol messages.

use std::collections::HashSet;
use std::process::Stdio;
use std::time::Duration;

use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};

struct Server {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: Lines<BufReader<ChildStdout>>,
}

impl Server {
    fn spawn() -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_fixture-server"))
            .env("RUST_LOG", "debug")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("the fixture server starts");
        let stdin = child.stdin.take();
        let stdout = BufReader::new(child.stdout.take().unwrap()).lines();
        Server {
            child,
            stdin,
            stdout,
        }
    }

    async fn send(&mut self, line: &[u8]) {
        let stdin = self.stdin.as_mut().expect("stdin open");
        stdin.write_all(line).await.unwrap();
        stdin.write_all(b"\n").await.unwrap();
        stdin.flush().await.unwrap();
    }

    async fn receive(&mut self) -> Value {
        let line = tokio::time::timeout(Duration::from_secs(30), self.stdout.next_line())
            .await
            .expect("the server answers in time")
            .unwrap()
            .expect("the server is still running");
        serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("stdout carried a non-JSON line ({e}): {line}"))
    }

    async fn exchange(&mut self, line: &[u8]) -> Value {
        self.send(line).await;
        self.receive().await
    }

    async fn initialize(&mut self) {
        let answer = self
            .exchange(br#"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}"#)
            .await;
        assert_eq!(answer["result"]["protocolVersion"], "2025-11-25");
        self.send(br#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#)
            .await;
    }

    async fn assert_still_serving(&mut self) {
        let answer = self
            .exchange(br#"{"jsonrpc":"2.0","id":"alive","method":"tools/call","params":{"name":"echo","arguments":{"text":"alive"}}}"#)
            .await;
        assert_eq!(answer["id"], "alive");
        assert_eq!(answer["result"]["content"][0]["text"], "alive");
    }

    /// Closes stdin and waits for a clean exit; returns whatever was still written.
    async fn finish(mut self) -> Vec<Value> {
        drop(self.stdin.take());
        let mut rest = Vec::new();
        while let Ok(Some(line)) = self.stdout.next_line().await {
            rest.push(serde_json::from_str(&line).unwrap());
        }
        let status = tokio::time::timeout(Duration::from_secs(30), self.child.wait())
            .await
            .expect("the server exits after end of input")
            .unwrap();
        assert!(status.success(), "exit status {status}");
        rest
    }
}

fn call(id: impl Into<Value>, name: &str, arguments: Value) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "jsonrpc": "2.0", "id": id.into(), "method": "tools/call",
        "params": {"name": name, "arguments": arguments},
    }))
    .unwrap()
}

#[tokio::test]
async fn malformed_messages_get_the_right_error_and_the_server_keeps_serving() {
    let mut server = Server::spawn();
    server.initialize().await;

    let cases: [(&[u8], i64, Value); 7] = [
        (
            b"{\"jsonrpc\": \"2.0\", \"id\": 1, \"method\"",
            -32700,
            Value::Null,
        ),
        (b"this is not json", -32700, Value::Null),
        (b"[1, 2, 3]", -32600, Value::Null),
        (b"\"just a string\"", -32600, Value::Null),
        (
            br#"{"jsonrpc":"1.0","id":7,"method":"tools/list"}"#,
            -32600,
            json!(7),
        ),
        (
            br#"{"jsonrpc":"2.0","id":8,"method":"no/such/method"}"#,
            -32601,
            json!(8),
        ),
        (
            br#"{"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"arguments":{}}}"#,
            -32602,
            json!(9),
        ),
    ];
    for (line, code, id) in cases {
        let answer = server.exchange(line).await;
        assert_eq!(answer["jsonrpc"], "2.0");
        assert_eq!(
            answer["error"]["code"],
            code,
            "{}",
            String::from_utf8_lossy(line)
        );
        assert_eq!(answer["id"], id, "{}", String::from_utf8_lossy(line));
        server.assert_still_serving().await;
    }
    server.finish().await;
}

#[tokio::test]
async fn tool_level_problems_are_error_results() {
    let mut server = Server::spawn();
    server.initialize().await;

    let wrong_type = server
        .exchange(&call(1, "add", json!({"a": "one", "b": 2})))
        .await;
    assert_eq!(wrong_type["result"]["isError"], true);
    assert!(wrong_type["result"]["content"][0]["text"]
        .as_str()
        .unwrap()
        .contains("`a`"));

    let missing = server.exchange(&call(2, "add", json!({"a": 1}))).await;
    assert_eq!(missing["result"]["isError"], true);
    assert!(missing["result"]["content"][0]["text"]
        .as_str()
        .unwrap()
        .contains("missing field `b`"));

    let unknown = server.exchange(&call(3, "no_such_tool", json!({}))).await;
    assert_eq!(unknown["error"]["code"], -32602);

    let panicked = server
        .exchange(&call(4, "explode", json!({"message": "kaboom"})))
        .await;
    assert_eq!(panicked["result"]["isError"], true);
    assert!(panicked["result"]["content"][0]["text"]
        .as_str()
        .unwrap()
        .contains("kaboom"));

    server.assert_still_serving().await;
    server.finish().await;
}

#[tokio::test]
async fn a_four_mebibyte_message_is_served() {
    let mut server = Server::spawn();
    server.initialize().await;
    let text = "x".repeat(4 * 1024 * 1024);
    let answer = server
        .exchange(&call("big", "echo", json!({"text": text})))
        .await;
    assert_eq!(answer["id"], "big");
    assert_eq!(
        answer["result"]["content"][0]["text"]
            .as_str()
            .unwrap()
            .len(),
        text.len()
    );
    server.assert_still_serving().await;
    server.finish().await;
}

#[tokio::test]
async fn an_oversized_message_is_refused_and_the_server_keeps_serving() {
    let mut server = Server::spawn();
    server.initialize().await;
    let text = "y".repeat(17 * 1024 * 1024);
    let answer = server
        .exchange(&call("huge", "echo", json!({"text": text})))
        .await;
    assert_eq!(answer["error"]["code"], -32600);
    assert_eq!(answer["id"], Value::Null);
    assert!(answer["error"]["message"]
        .as_str()
        .unwrap()
        .contains("byte limit"));
    server.assert_still_serving().await;
    server.finish().await;
}

#[tokio::test]
async fn one_hundred_thousand_pipelined_calls_are_each_answered_once() {
    const CALLS: i64 = 100_000;
    let mut server = Server::spawn();
    server.initialize().await;
    let mut stdin = server.stdin.take().unwrap();
    let writer = tokio::spawn(async move {
        let mut batch = Vec::with_capacity(1 << 20);
        for id in 0..CALLS {
            batch.extend_from_slice(&call(id, "add", json!({"a": id, "b": 1})));
            batch.push(b'\n');
            if batch.len() > (1 << 20) - 256 {
                stdin.write_all(&batch).await.unwrap();
                batch.clear();
            }
        }
        stdin.write_all(&batch).await.unwrap();
        stdin.flush().await.unwrap();
        stdin
    });
    let mut seen = HashSet::with_capacity(CALLS as usize);
    for _ in 0..CALLS {
        let answer = server.receive().await;
        let id = answer["id"].as_i64().expect("numeric id");
        assert_eq!(answer["result"]["content"][0]["text"], (id + 1).to_string());
        assert!(seen.insert(id), "request {id} answered twice");
    }
    assert_eq!(seen.len() as i64, CALLS);
    let peak = peak_rss_kib(server.child.id().unwrap());
    eprintln!("fixture server peak RSS after {CALLS} pipelined calls: {peak} KiB");
    server.stdin = Some(writer.await.unwrap());
    assert!(
        server.finish().await.is_empty(),
        "nothing is answered twice"
    );
}

fn peak_rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

#[tokio::test]
async fn end_of_input_answers_what_is_in_flight_then_exits() {
    let mut server = Server::spawn();
    server.initialize().await;
    for id in 0..5 {
        server.send(&call(id, "sleep", json!({"ms": 300}))).await;
    }
    let rest = server.finish().await;
    let mut ids: Vec<_> = rest.iter().map(|v| v["id"].as_i64().unwrap()).collect();
    ids.sort();
    assert_eq!(ids, [0, 1, 2, 3, 4]);
    assert!(rest
        .iter()
        .all(|v| v["result"]["content"][0]["text"] == "slept"));
}

#[tokio::test]
async fn requests_run_concurrently() {
    let mut server = Server::spawn();
    server.initialize().await;
    server
        .send(&call("slow", "sleep", json!({"ms": 5000})))
        .await;
    // The quick call is answered while the slow one is still running.
    let first = server
        .exchange(&call("quick", "echo", json!({"text": "q"})))
        .await;
    assert_eq!(first["id"], "quick");
    server
        .send(br#"{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":"slow"}}"#)
        .await;
    server.assert_still_serving().await;
    assert!(
        server.finish().await.is_empty(),
        "the cancelled call is not answered"
    );
}

#[tokio::test]
async fn modern_requests_over_stdio() {
    let mut server = Server::spawn();
    let meta = json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientInfo": {"name": "t", "version": "1"},
        "io.modelcontextprotocol/clientCapabilities": {},
    });
    let discover = serde_json::to_vec(
        &json!({"jsonrpc": "2.0", "id": 1, "method": "server/discover", "params": {"_meta": meta}}),
    )
    .unwrap();
    let answer = server.exchange(&discover).await;
    assert_eq!(answer["result"]["supportedVersions"][0], "2026-07-28");
    let call = serde_json::to_vec(&json!({
        "jsonrpc": "2.0", "id": 2, "method": "tools/call",
        "params": {"_meta": meta, "name": "add", "arguments": {"a": 20, "b": 22}},
    }))
    .unwrap();
    let answer = server.exchange(&call).await;
    assert_eq!(answer["result"]["resultType"], "complete");
    assert_eq!(answer["result"]["content"][0]["text"], "42");
    server.finish().await;
}

#[tokio::test]
async fn requests_pipelined_behind_initialize_see_the_handshake() {
    // The client writes everything at once, without waiting for the `initialize` answer.
    for _ in 0..40 {
        let mut server = Server::spawn();
        let mut burst = br#"{"jsonrpc":"2.0","id":"init","method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}"#.to_vec();
        burst
            .extend_from_slice(b"\n{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
        for id in 0..300 {
            burst.push(b'\n');
            burst.extend_from_slice(&call(id, "add", json!({"a": id, "b": 0})));
        }
        server.send(&burst).await;
        let init = server.receive().await;
        assert_eq!(init["id"], "init", "initialize is answered first");
        for _ in 0..300 {
            let answer = server.receive().await;
            assert!(answer.get("result").is_some(), "{answer}");
        }
        server.finish().await;
    }
}

fn signal(child: &Child, name: &str) {
    let pid = child.id().expect("the server is running").to_string();
    let sent = std::process::Command::new("kill")
        .args([&format!("-{name}"), &pid])
        .status()
        .unwrap();
    assert!(sent.success());
}

#[tokio::test]
async fn sigterm_lets_calls_in_flight_finish_then_exits_zero() {
    let mut server = Server::spawn();
    server.initialize().await;
    server
        .send(&call("slow", "sleep", json!({"ms": 500})))
        .await;
    server.assert_still_serving().await;
    signal(&server.child, "TERM");
    let answer = server.receive().await;
    assert_eq!(answer["id"], "slow");
    assert_eq!(answer["result"]["content"][0]["text"], "slept");
    let status = tokio::time::timeout(Duration::from_secs(30), server.child.wait())
        .await
        .expect("the server exits once the call finished")
        .unwrap();
    assert_eq!(status.code(), Some(0), "{status}");
}

#[tokio::test]
async fn a_second_signal_exits_at_once() {
    let mut server = Server::spawn();
    server.initialize().await;
    server
        .send(&call("endless", "sleep", json!({"ms": 600_000})))
        .await;
    server.assert_still_serving().await;
    signal(&server.child, "TERM");
    // Give the first signal time to arrive before the second.
    tokio::time::sleep(Duration::from_millis(200)).await;
    signal(&server.child, "INT");
    // Well before the ten-second grace period would end.
    let status = tokio::time::timeout(Duration::from_secs(5), server.child.wait())
        .await
        .expect("the second signal ends the process at once")
        .unwrap();
    assert_eq!(status.code(), Some(130), "{status}");
}

/// Started by a person in a terminal, the server says what it waits for and how a client
/// connects; started by a client (standard input a pipe), it says nothing of the sort.
#[tokio::test]
async fn a_server_started_in_a_terminal_says_how_to_connect() {
    use tokio::io::AsyncReadExt;
    let fixture = env!("CARGO_BIN_EXE_fixture-server");
    // `script` gives the server a terminal for its standard input.
    let mut child = Command::new("script")
        .args(["-qec", fixture, "/dev/null"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("`script` (util-linux) runs");
    let mut output = child.stdout.take().unwrap();
    let mut seen = Vec::new();
    let greeted = tokio::time::timeout(Duration::from_secs(30), async {
        let mut buffer = [0u8; 4096];
        loop {
            let n = output.read(&mut buffer).await.unwrap();
            if n == 0 {
                return false;
            }
            seen.extend_from_slice(&buffer[..n]);
            if String::from_utf8_lossy(&seen).contains("Press Ctrl-C to stop.") {
                return true;
            }
        }
    })
    .await
    .unwrap_or(false);
    let text = String::from_utf8_lossy(&seen).into_owned();
    assert!(greeted, "no greeting in a terminal: {text}");
    assert!(text.contains("waiting for a client"), "{text}");
    assert!(text.contains("--print-config claude-desktop"), "{text}");
    child.kill().await.ok();

    // From a pipe: the same server writes no such text.
    let piped = Command::new(fixture)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&piped.stderr);
    assert!(!stderr.contains("waiting for a client"), "{stderr}");
    assert!(piped.stdout.is_empty());
}
