//! What the examples' command-line tests share: a stdio exchange with a server process, as a
//! client would have it.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use serde_json::{json, Value};

/// Starts `command` with `args` in `dir`, as a client would, sends it `requests` after the
/// handshake, closes its input, and returns its answers by id.
pub fn exchange(command: &str, args: &[String], dir: &Path, requests: &[Value]) -> Vec<Value> {
    let mut child = Command::new(command)
        .args(args)
        .current_dir(dir)
        .env_remove("MCP_POLICY")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the configured command starts");
    let mut lines = vec![
        json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
            "protocolVersion": "2025-11-25", "capabilities": {},
            "clientInfo": {"name": "test", "version": "1"}}}),
        json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
    ];
    lines.extend(requests.iter().cloned());
    let mut stdin = child.stdin.take().unwrap();
    for line in lines {
        writeln!(stdin, "{line}").unwrap();
    }
    drop(stdin);
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let answers: Vec<Value> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    (1..=requests.len())
        .map(|id| {
            let answer = answers.iter().find(|a| a["id"] == id);
            answer.unwrap_or_else(|| panic!("no answer {id}: {answers:?}\n{stderr}"))["result"]
                .clone()
        })
        .collect()
}

pub fn call(id: usize, tool: &str, arguments: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
        "params": {"name": tool, "arguments": arguments}})
}
