//! A server started from its command line over HTTP shuts down gracefully on SIGTERM:
//! requests stop being accepted, streams that only send end at once, calls in progress get
//! the grace period to finish, those still running after it are answered with an error, and
//! the process exits 0.

use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::process::{Child, Command};

/// The fixture server over HTTP on a free port, with `extra` options; returns it and its
/// port once it listens.
async fn start(extra: &[&str]) -> (Child, u16) {
    let port = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        probe.local_addr().unwrap().port()
    };
    let bind = format!("127.0.0.1:{port}");
    let child = Command::new(env!("CARGO_BIN_EXE_fixture-server"))
        .args(["--transport", "http", "--bind", &bind])
        .args(extra)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("the fixture server starts");
    let started = Instant::now();
    loop {
        match TcpStream::connect(("127.0.0.1", port)).await {
            Ok(_) => return (child, port),
            Err(_) if started.elapsed() < Duration::from_secs(30) => {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(e) => panic!("the server never listened: {e}"),
        }
    }
}

/// A modern `tools/call` of the fixture's `sleep` tool, as raw HTTP.
fn sleep_call(port: u16, id: u32, ms: u64) -> String {
    let body = format!(
        r#"{{"jsonrpc":"2.0","id":{id},"method":"tools/call","params":{{"name":"sleep","arguments":{{"ms":{ms}}},"_meta":{{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{{}}}}}}}}"#
    );
    format!(
        "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nMCP-Protocol-Version: 2026-07-28\r\nMcp-Method: tools/call\r\nMcp-Name: sleep\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
}

/// Sends `request` on a new connection and returns the connection.
async fn send(port: u16, request: &str) -> TcpStream {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    stream
}

/// Everything the server writes on `stream` until it closes it.
async fn read_all(mut stream: TcpStream) -> String {
    let mut received = Vec::new();
    tokio::time::timeout(Duration::from_secs(60), stream.read_to_end(&mut received))
        .await
        .expect("the server closes the connection")
        .expect("the connection reads");
    String::from_utf8_lossy(&received).into_owned()
}

fn terminate(child: &Child) {
    let pid = child.id().expect("running").to_string();
    assert!(std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
}

async fn exit_status(child: &mut Child) -> std::process::ExitStatus {
    tokio::time::timeout(Duration::from_secs(60), child.wait())
        .await
        .expect("the server exits after SIGTERM")
        .unwrap()
}

#[tokio::test]
async fn sigterm_ends_an_http_server_with_a_never_ending_call() {
    let (mut child, port) = start(&[]).await;
    let stream = send(port, &sleep_call(port, 1, 600_000)).await;
    // Let the call start before the signal.
    tokio::time::sleep(Duration::from_millis(300)).await;
    terminate(&child);
    // The grace period is ten seconds; the process must be gone well within a minute.
    let status = exit_status(&mut child).await;
    assert_eq!(status.code(), Some(0), "{status}");
    drop(stream);
}

#[tokio::test]
async fn a_call_still_running_after_the_grace_period_is_answered_with_an_error() {
    let (mut child, port) = start(&["--shutdown-grace", "1"]).await;
    let stream = send(port, &sleep_call(port, 7, 600_000)).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    terminate(&child);
    let response = read_all(stream).await;
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains(r#""id":7"#), "{response}");
    assert!(
        response.contains("the server is shutting down"),
        "{response}"
    );
    assert!(response.contains("-32603"), "{response}");
    let status = exit_status(&mut child).await;
    assert_eq!(status.code(), Some(0), "{status}");
}

#[tokio::test]
async fn a_call_that_finishes_within_the_grace_period_gets_its_result() {
    let (mut child, port) = start(&["--shutdown-grace", "30"]).await;
    let stream = send(port, &sleep_call(port, 8, 1_500)).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    terminate(&child);
    let response = read_all(stream).await;
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains(r#""id":8"#), "{response}");
    assert!(response.contains(r#""result""#), "{response}");
    assert!(!response.contains("shutting down"), "{response}");
    let status = exit_status(&mut child).await;
    assert_eq!(status.code(), Some(0), "{status}");
}

#[tokio::test]
async fn streams_that_only_send_end_when_shutdown_starts() {
    // With a grace period far longer than the test's patience, only streams that end at
    // once let the server exit: a session's GET stream and a `subscriptions/listen`.
    let (mut child, port) = start(&["--shutdown-grace", "600"]).await;
    let init = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}"#;
    let request = format!(
        "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{init}",
        init.len()
    );
    let answer = read_all(send(port, &request).await).await;
    let session = answer
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("mcp-session-id")
                .then(|| value.trim().to_owned())
        })
        .unwrap_or_else(|| panic!("no session id in {answer}"));
    let get = format!(
        "GET /mcp HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept: text/event-stream\r\nMcp-Session-Id: {session}\r\nMCP-Protocol-Version: 2025-11-25\r\n\r\n"
    );
    let get = send(port, &get).await;
    let listen = r#"{"jsonrpc":"2.0","id":9,"method":"subscriptions/listen","params":{"notifications":{"toolsListChanged":true},"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}}"#;
    let listen = format!(
        "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nMCP-Protocol-Version: 2026-07-28\r\nMcp-Method: subscriptions/listen\r\nContent-Length: {}\r\n\r\n{listen}",
        listen.len()
    );
    let listen = send(port, &listen).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    terminate(&child);
    let streamed = read_all(get).await;
    assert!(streamed.starts_with("HTTP/1.1 200"), "{streamed}");
    assert!(
        streamed.ends_with("0\r\n\r\n"),
        "the GET stream ends: {streamed}"
    );
    let listened = read_all(listen).await;
    assert!(
        listened.contains("notifications/subscriptions/acknowledged"),
        "{listened}"
    );
    assert!(listened.contains(r#""id":9"#), "{listened}");
    assert!(
        listened.contains("the server is shutting down"),
        "{listened}"
    );
    let status = exit_status(&mut child).await;
    assert_eq!(status.code(), Some(0), "{status}");
}
