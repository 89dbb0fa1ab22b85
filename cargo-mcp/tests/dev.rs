//! `cargo mcp dev` end to end, on a small server crate written to a directory of its own: a
//! client speaks to it over stdio while its source is edited, in both eras.
//!
//! The crate depends on this checkout's mcp-runtime by path and builds into a target directory
//! shared by the tests, so only the first build compiles the dependencies.

use std::io::{BufRead, BufReader, Write};
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

/// Writes the server crate `name` to a fresh directory and returns it.
fn server_crate(name: &str) -> PathBuf {
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
mcp-runtime = {{ path = {runtime:?}, default-features = false }}
tokio = {{ version = "1", features = ["rt-multi-thread", "macros", "time"] }}

[workspace]

[profile.dev]
debug = false
"#,
        runtime = runtime.display().to_string(),
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
    fn start(dir: &Path) -> Self {
        let mut process = Command::new(env!("CARGO_BIN_EXE_cargo-mcp"))
            .args(["mcp", "dev"])
            .current_dir(dir)
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
        let deadline = Instant::now() + ANSWER;
        loop {
            if let Some(status) = self.process.try_wait().unwrap() {
                assert!(status.success(), "{status}");
                return;
            }
            if Instant::now() > deadline {
                let _ = self.process.kill();
                panic!("cargo mcp dev did not exit after stdin closed");
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
    let dir = server_crate("dev-handshake");
    let mut dev = Dev::start(&dir);
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
    let list_changes = dev
        .received
        .iter()
        .filter(|m| is_method(m, "notifications/tools/list_changed"))
        .count();
    assert_eq!(list_changes, 1, "{:?}", dev.received);
    assert_eq!(dev.answers_to(3), 1, "{:?}", dev.received);
    dev.close();
}

#[test]
fn a_stateless_era_listen_hears_of_the_restart() {
    let dir = server_crate("dev-stateless");
    let mut dev = Dev::start(&dir);
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
    dev.close();
}
