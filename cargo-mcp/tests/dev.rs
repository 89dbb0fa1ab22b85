//! `cargo mcp dev` end to end, on a small server crate written to a directory of its own: a
//! client speaks to it over stdio while its source is edited, in both eras, and over HTTP.
//!
//! The crate depends on this checkout's mcp-runtime by path and builds into a target directory
//! shared by the tests, so only the first build compiles the dependencies.

#![cfg(unix)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// Long enough for a first build of mcp-runtime and its dependencies on a slow machine.
const FIRST_BUILD: Duration = Duration::from_secs(900);
/// Long enough for an incremental rebuild of the server crate.
const REBUILD: Duration = Duration::from_secs(300);
/// For an answer from a running server.
const ANSWER: Duration = Duration::from_secs(30);

const SERVER: &str = r#"use mcp_runtime::prelude::*;

/// Echoes the text back.
///
/// # Arguments
/// * `text` - the text to echo
#[tool(read_only)]
fn echo(text: String) -> String {
    text
}

/// Waits for `ms` milliseconds, then says so.
///
/// # Arguments
/// * `ms` - how long to wait
#[tool(read_only)]
async fn wait(ms: u64) -> String {
    tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
    "waited".to_owned()
}

#[tokio::main]
async fn main() {
    let server = Server::new("dev-test", "0.1.0").tools(tools![echo, wait]);
    if let Err(error) = server.serve_from_args().await {
        eprintln!("dev-test: {error}");
        std::process::exit(2);
    }
}
"#;

/// Writes the server crate `name` to a fresh directory and returns it; with `http`, the
/// server has the HTTP transport.
fn server_crate(name: &str, http: bool) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("src")).unwrap();
    let runtime = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .join("mcp-runtime");
    let manifest = format!(
        r#"[package]
name = "{name}"
version = "0.1.0"
edition = "2021"
publish = false

[dependencies]
mcp-runtime = {{ path = {runtime:?}, default-features = false, features = {features} }}
tokio = {{ version = "1", features = ["rt-multi-thread", "macros", "time"] }}

[workspace]

[profile.dev]
debug = false
"#,
        runtime = runtime.display().to_string(),
        features = if http { r#"["http"]"# } else { "[]" },
    );
    std::fs::write(dir.join("Cargo.toml"), manifest).unwrap();
    // The workspace's versions, so that nothing new is resolved.
    let lock = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .join("Cargo.lock");
    std::fs::copy(lock, dir.join("Cargo.lock")).unwrap();
    std::fs::write(dir.join("src/main.rs"), SERVER).unwrap();
    dir
}

/// Replaces `from` with `to` in the crate's `src/main.rs`.
fn edit(dir: &Path, from: &str, to: &str) {
    let path = dir.join("src/main.rs");
    let source = std::fs::read_to_string(&path).unwrap();
    assert!(source.contains(from), "{from:?} not in the source");
    std::fs::write(&path, source.replacen(from, to, 1)).unwrap();
}

/// `cargo mcp dev` running on a crate, as a client sees it.
struct Dev {
    process: Child,
    stdin: Option<ChildStdin>,
    messages: Receiver<Value>,
    stderr: Arc<Mutex<String>>,
    /// Every message received, in order.
    received: Vec<Value>,
}

impl Dev {
    /// Starts `cargo mcp dev` in `dir` with `server_args` after `--`, in a process group of its
    /// own (as a terminal runs a command).
    fn start(dir: &Path, server_args: &[&str]) -> Self {
        let mut process = Command::new(env!("CARGO_BIN_EXE_cargo-mcp"))
            .args(["mcp", "dev", "--"])
            .args(server_args)
            .current_dir(dir)
            .process_group(0)
            .env(
                "CARGO_TARGET_DIR",
                Path::new(env!("CARGO_TARGET_TMPDIR")).join("dev-target"),
            )
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = process.stdout.take().unwrap();
        let (sender, messages) = mpsc::channel();
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                let message = serde_json::from_str(&line).unwrap_or_else(|e| {
                    panic!("stdout carried a line that is not JSON ({e}): {line}")
                });
                if sender.send(message).is_err() {
                    break;
                }
            }
        });
        let stderr = Arc::new(Mutex::new(String::new()));
        let pipe = process.stderr.take().unwrap();
        let collected = Arc::clone(&stderr);
        thread::spawn(move || {
            for line in BufReader::new(pipe).lines() {
                let Ok(line) = line else { break };
                eprintln!("{line}");
                let mut collected = collected.lock().unwrap();
                collected.push_str(&line);
                collected.push('\n');
            }
        });
        let stdin = process.stdin.take();
        Self {
            process,
            stdin,
            messages,
            stderr,
            received: Vec::new(),
        }
    }

    fn send(&mut self, message: Value) {
        let stdin = self.stdin.as_mut().unwrap();
        writeln!(stdin, "{message}").unwrap();
        stdin.flush().unwrap();
    }

    /// The next message matching `wanted`, waiting at most `timeout`; every message is kept in
    /// `received`.
    fn until(&mut self, timeout: Duration, what: &str, wanted: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.messages.recv_timeout(left) {
                Ok(message) => {
                    self.received.push(message.clone());
                    if wanted(&message) {
                        return message;
                    }
                }
                Err(_) => panic!(
                    "no {what} within {timeout:?}; received {:?}; stderr:\n{}",
                    self.received,
                    self.stderr.lock().unwrap()
                ),
            }
        }
    }

    /// Sends a request and returns its answer.
    fn request(&mut self, timeout: Duration, id: i64, method: &str, params: Value) -> Value {
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        self.until(timeout, &format!("answer to {method} ({id})"), |m| {
            m["id"] == id && m.get("method").is_none()
        })
    }

    /// Waits until stderr contains `text`.
    fn stderr_until(&self, timeout: Duration, text: &str) {
        let deadline = Instant::now() + timeout;
        while !self.stderr.lock().unwrap().contains(text) {
            assert!(
                Instant::now() < deadline,
                "stderr did not say {text:?} within {timeout:?}:\n{}",
                self.stderr.lock().unwrap()
            );
            thread::sleep(Duration::from_millis(100));
        }
    }

    /// Closes stdin and expects `cargo mcp dev` to exit with success.
    fn close(mut self) {
        drop(self.stdin.take());
        self.wait_for_exit("stdin closed");
    }

    /// Sends signal `name` to `cargo mcp dev` (to its process group with `group`) and expects
    /// it to exit with success.
    fn signal(mut self, name: &str, group: bool) {
        let id = self.process.id();
        let target = if group {
            format!("-{id}")
        } else {
            id.to_string()
        };
        let sent = Command::new("kill")
            .args([format!("-{name}"), "--".to_owned(), target])
            .status()
            .unwrap();
        assert!(sent.success());
        self.wait_for_exit(&format!("SIG{name}"));
    }

    fn wait_for_exit(&mut self, after: &str) {
        let deadline = Instant::now() + ANSWER;
        loop {
            if let Some(status) = self.process.try_wait().unwrap() {
                assert!(status.success(), "{status} after {after}");
                return;
            }
            if Instant::now() > deadline {
                let _ = self.process.kill();
                panic!("cargo mcp dev did not exit after {after}");
            }
            thread::sleep(Duration::from_millis(50));
        }
    }

    /// How many messages answered request `id`.
    fn answers_to(&self, id: i64) -> usize {
        self.received
            .iter()
            .filter(|m| m["id"] == id && m.get("method").is_none())
            .count()
    }
}

impl Drop for Dev {
    fn drop(&mut self) {
        if let Ok(None) = self.process.try_wait() {
            let _ = self.process.kill();
            let _ = self.process.wait();
        }
    }
}

fn description(list: &Value, tool: &str) -> String {
    list["result"]["tools"]
        .as_array()
        .unwrap_or_else(|| panic!("no tools in {list}"))
        .iter()
        .find(|t| t["name"] == tool)
        .unwrap_or_else(|| panic!("no tool {tool} in {list}"))["description"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

fn is_method(message: &Value, method: &str) -> bool {
    message["method"] == method
}

#[test]
fn a_handshake_era_client_follows_the_server_through_restarts() {
    let dir = server_crate("dev-handshake", false);
    let mut dev = Dev::start(&dir, &[]);
    let initialize = dev.request(
        FIRST_BUILD,
        1,
        "initialize",
        json!({"protocolVersion": "2025-11-25", "capabilities": {},
            "clientInfo": {"name": "dev-test-client", "version": "1.0.0"}}),
    );
    assert_eq!(
        initialize["result"]["capabilities"]["tools"]["listChanged"], true,
        "{initialize}"
    );
    dev.send(json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
    let list = dev.request(ANSWER, 2, "tools/list", json!({}));
    assert_eq!(description(&list, "echo"), "Echoes the text back.");

    // A request in flight while the server restarts; the ping's answer says it arrived.
    dev.send(json!({"jsonrpc": "2.0", "id": 3, "method": "tools/call",
        "params": {"name": "wait", "arguments": {"ms": 600000}}}));
    dev.request(ANSWER, 4, "ping", json!({}));

    edit(
        &dir,
        "Echoes the text back.",
        "Repeats the text it is given.",
    );
    dev.until(REBUILD, "notifications/tools/list_changed", |m| {
        is_method(m, "notifications/tools/list_changed")
    });
    assert_eq!(dev.answers_to(3), 1, "{:?}", dev.received);
    let answer = dev.received.iter().find(|m| m["id"] == 3).unwrap().clone();
    assert_eq!(answer["error"]["code"], -32603, "{answer}");
    assert!(
        answer["error"]["message"]
            .as_str()
            .unwrap()
            .contains("restarted"),
        "{answer}"
    );
    // The replayed initialize's answer is not passed on.
    assert!(
        dev.received
            .iter()
            .all(|m| m["id"] == 1 || m["result"]["serverInfo"].is_null()),
        "{:?}",
        dev.received
    );

    // The new server answers, without a new handshake from the client.
    let list = dev.request(ANSWER, 5, "tools/list", json!({}));
    assert_eq!(description(&list, "echo"), "Repeats the text it is given.");

    // A change that does not compile keeps the running server.
    edit(
        &dir,
        "fn echo(text: String) -> String {",
        "fn echo(text: String) -> String { {",
    );
    dev.stderr_until(REBUILD, "keeps running the previous build");
    let echoed = dev.request(
        ANSWER,
        6,
        "tools/call",
        json!({"name": "echo", "arguments": {"text": "still here"}}),
    );
    assert_eq!(
        echoed["result"]["content"][0]["text"], "still here",
        "{echoed}"
    );
    assert!(
        dev.stderr.lock().unwrap().contains("unclosed delimiter"),
        "the compiler's errors are on stderr"
    );
    let list_changes = |dev: &Dev| {
        dev.received
            .iter()
            .filter(|m| is_method(m, "notifications/tools/list_changed"))
            .count()
    };
    assert_eq!(list_changes(&dev), 1, "{:?}", dev.received);

    // Fixed: the server restarts again.
    edit(
        &dir,
        "fn echo(text: String) -> String { {",
        "fn echo(text: String) -> String {",
    );
    dev.until(REBUILD, "a second notifications/tools/list_changed", |m| {
        is_method(m, "notifications/tools/list_changed")
    });
    // A change to a file that is not compiled in builds nothing new: no restart.
    std::fs::write(dir.join("NOTES.md"), "notes\n").unwrap();
    dev.stderr_until(REBUILD, "the executable did not change");
    let echoed = dev.request(
        ANSWER,
        7,
        "tools/call",
        json!({"name": "echo", "arguments": {"text": "same server"}}),
    );
    assert_eq!(
        echoed["result"]["content"][0]["text"], "same server",
        "{echoed}"
    );
    assert_eq!(list_changes(&dev), 2, "{:?}", dev.received);
    assert_eq!(dev.answers_to(3), 1, "{:?}", dev.received);
    dev.close();
}

#[test]
fn a_stateless_era_listen_hears_of_the_restart() {
    let dir = server_crate("dev-stateless", false);
    let mut dev = Dev::start(&dir, &[]);
    let meta = json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientInfo": {"name": "dev-test-client", "version": "1.0.0"},
        "io.modelcontextprotocol/clientCapabilities": {},
    });
    let list = dev.request(FIRST_BUILD, 1, "tools/list", json!({"_meta": meta}));
    assert_eq!(
        description(&list, "wait"),
        "Waits for `ms` milliseconds, then says so."
    );
    dev.send(
        json!({"jsonrpc": "2.0", "id": "listen-1", "method": "subscriptions/listen",
        "params": {"_meta": meta, "notifications": {"toolsListChanged": true}}}),
    );
    dev.until(ANSWER, "acknowledgment", |m| {
        is_method(m, "notifications/subscriptions/acknowledged")
    });

    edit(&dir, "then says so.", "then answers.");
    let changed = dev.until(REBUILD, "notifications/tools/list_changed", |m| {
        is_method(m, "notifications/tools/list_changed")
    });
    assert_eq!(
        changed["params"]["_meta"]["io.modelcontextprotocol/subscriptionId"], "listen-1",
        "{changed}"
    );
    let list = dev.request(ANSWER, 2, "tools/list", json!({"_meta": meta}));
    assert_eq!(
        description(&list, "wait"),
        "Waits for `ms` milliseconds, then answers."
    );
    // The listen stays open: neither answered nor acknowledged again.
    let on_listen = dev
        .received
        .iter()
        .filter(|m| {
            m["id"] == "listen-1" || is_method(m, "notifications/subscriptions/acknowledged")
        })
        .count();
    assert_eq!(on_listen, 1, "{:?}", dev.received);
    // Ctrl-C in a terminal: the signal reaches the whole process group.
    dev.signal("INT", true);
}

/// An HTTP response: its status, its headers (names in lower case) and its body.
struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, value)| value.as_str())
    }
}

/// POSTs `body` to the server's `/mcp`; `None` when nothing listens.
fn post(port: u16, headers: &[(&str, &str)], body: &Value) -> Option<Response> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(ANSWER)).unwrap();
    let body = body.to_string();
    let mut request = format!(
        "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(&body);
    stream.write_all(request.as_bytes()).ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    let (head, body) = response.split_once("\r\n\r\n")?;
    let mut lines = head.lines();
    let status = lines.next()?.split(' ').nth(1)?.parse().ok()?;
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
        .collect();
    Some(Response {
        status,
        headers,
        body: body.to_owned(),
    })
}

/// Retries `post` until a server answers, for at most `timeout`.
fn post_until(timeout: Duration, port: u16, headers: &[(&str, &str)], body: &Value) -> Response {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(response) = post(port, headers, body) {
            return response;
        }
        assert!(Instant::now() < deadline, "nothing listened on port {port}");
        thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn an_http_server_restarts_on_the_same_address() {
    let dir = server_crate("dev-http", true);
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let bind = format!("127.0.0.1:{port}");
    let dev = Dev::start(&dir, &["--transport", "http", "--bind", &bind]);
    dev.stderr_until(FIRST_BUILD, "built: the server is running");
    let initialize = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": "2025-11-25", "capabilities": {},
            "clientInfo": {"name": "dev-test-client", "version": "1.0.0"}}});
    let response = post_until(ANSWER, port, &[], &initialize);
    assert_eq!(response.status, 200, "{}", response.body);
    let session = response
        .header("mcp-session-id")
        .expect("a session id")
        .to_owned();

    let meta = json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientInfo": {"name": "dev-test-client", "version": "1.0.0"},
        "io.modelcontextprotocol/clientCapabilities": {},
    });
    let list =
        json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list", "params": {"_meta": meta}});
    let stateless = [
        ("MCP-Protocol-Version", "2026-07-28"),
        ("Mcp-Method", "tools/list"),
    ];
    let response = post_until(ANSWER, port, &stateless, &list);
    assert!(
        response.body.contains("Echoes the text back."),
        "{}",
        response.body
    );

    edit(
        &dir,
        "Echoes the text back.",
        "Repeats the text it is given.",
    );
    dev.stderr_until(REBUILD, "rebuilt: the server restarted");
    // The handshake-era session is gone: 404, and the client initializes again.
    let ping = json!({"jsonrpc": "2.0", "id": 3, "method": "ping"});
    let response = post_until(
        ANSWER,
        port,
        &[
            ("Mcp-Session-Id", &session),
            ("MCP-Protocol-Version", "2025-11-25"),
        ],
        &ping,
    );
    assert_eq!(response.status, 404, "{}", response.body);
    assert!(response.body.contains("-32001"), "{}", response.body);
    // A stateless-era client carries on.
    let response = post_until(ANSWER, port, &stateless, &list);
    assert!(
        response.body.contains("Repeats the text it is given."),
        "{}",
        response.body
    );

    // SIGTERM to `cargo mcp dev` alone, as a process manager sends it: the server stops too.
    dev.signal("TERM", false);
    assert!(
        post(port, &stateless, &list).is_none(),
        "the server still listens after cargo mcp dev stopped"
    );
}

fn cargo_mcp(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_cargo-mcp"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

#[test]
fn help_tells_what_a_restart_does_in_each_era() {
    let output = cargo_mcp(&["mcp", "dev", "--help"]);
    assert!(output.status.success(), "{output:?}");
    let help = String::from_utf8(output.stdout).unwrap();
    for text in [
        "-32603",
        "initialize",
        "subscriptions/listen",
        "--transport http",
        "404",
        "--package",
        "--bin",
        "--manifest-path",
    ] {
        assert!(help.contains(text), "{text} in {help}");
    }
    assert_eq!(
        String::from_utf8(cargo_mcp(&["help", "dev"]).stdout).unwrap(),
        help
    );
    assert!(String::from_utf8(cargo_mcp(&["--help"]).stdout)
        .unwrap()
        .contains("  dev "));
}

#[test]
fn usage_errors_exit_with_2_in_one_line() {
    let output = cargo_mcp(&["mcp", "dev", "--watch-everything"]);
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("try `cargo mcp dev --help`"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");

    let missing = Path::new(env!("CARGO_TARGET_TMPDIR")).join("no-such-crate/Cargo.toml");
    let output = cargo_mcp(&["mcp", "dev", "--manifest-path", missing.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.starts_with("error: cannot read "), "{stderr}");
}
