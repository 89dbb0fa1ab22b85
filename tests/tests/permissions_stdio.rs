//! Permissions through a real stdio process started with `--policy` and `--audit`, in both
//! eras; and the command line's `--manifest`, `--print-config` and policy errors.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};

const BANK: &str = env!("CARGO_BIN_EXE_bank-server");

fn temp(name: &str) -> PathBuf {
    let path = std::env::temp_dir().join(format!("mcp-perm-stdio-{}-{name}", std::process::id()));
    let _ = std::fs::remove_file(&path);
    path
}

struct Process {
    _child: Child,
    stdin: ChildStdin,
    stdout: Lines<BufReader<ChildStdout>>,
}

impl Process {
    fn spawn(args: &[&str]) -> Process {
        let mut child = Command::new(BANK)
            .args(args)
            .env_remove("MCP_POLICY")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("the bank server starts");
        let stdin = child.stdin.take().unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap()).lines();
        Process {
            _child: child,
            stdin,
            stdout,
        }
    }

    async fn send(&mut self, message: Value) {
        let mut line = serde_json::to_vec(&message).unwrap();
        line.push(b'\n');
        self.stdin.write_all(&line).await.unwrap();
        self.stdin.flush().await.unwrap();
    }

    async fn receive(&mut self) -> Value {
        let line = tokio::time::timeout(Duration::from_secs(30), self.stdout.next_line())
            .await
            .expect("the server answers in time")
            .unwrap()
            .expect("the server is still running");
        serde_json::from_str(&line).unwrap()
    }

    async fn request(&mut self, id: u64, method: &str, params: Value) -> Value {
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}))
            .await;
        self.receive().await
    }
}

fn modern_meta(capabilities: Value) -> Value {
    json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientInfo": {"name": "t", "version": "1"},
        "io.modelcontextprotocol/clientCapabilities": capabilities,
    })
}

fn audit_records(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn listed_names(answer: &Value) -> Vec<String> {
    answer["result"]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_policy_file_hides_critical_tools_and_high_ones_ask_first_in_both_eras() {
    let policy = temp("policy.toml");
    std::fs::write(&policy, "[risk]\nconfirm_up_to = \"high\"\n").unwrap();
    let audit = temp("audit.jsonl");
    let mut server = Process::spawn(&[
        "--policy",
        policy.to_str().unwrap(),
        "--audit",
        audit.to_str().unwrap(),
    ]);

    // Modern era: stateless requests.
    let meta = modern_meta(json!({"elicitation": {}}));
    let listed = server
        .request(1, "tools/list", json!({"_meta": meta}))
        .await;
    assert_eq!(
        listed_names(&listed),
        ["balance", "rename_account", "transfer"]
    );
    let hidden = server
        .request(
            2,
            "tools/call",
            json!({"_meta": meta, "name": "close_account", "arguments": {"account": "A"}}),
        )
        .await;
    assert_eq!(hidden["error"]["code"], -32602);
    assert_eq!(
        hidden["error"]["message"],
        "Invalid params: Unknown tool: close_account (not found or not authorized)"
    );
    let call = json!({"_meta": meta, "name": "transfer", "arguments": {"from": "A", "to": "B", "amount": 2}});
    let first = server.request(3, "tools/call", call.clone()).await;
    assert_eq!(first["result"]["resultType"], "input_required", "{first}");
    let (key, _) = first["result"]["inputRequests"]
        .as_object()
        .unwrap()
        .iter()
        .next()
        .unwrap();
    let mut declined = call.clone();
    declined["inputResponses"] = json!({ key.clone(): {"action": "decline"} });
    declined["requestState"] = first["result"]["requestState"].clone();
    let refused = server.request(4, "tools/call", declined).await;
    assert_eq!(refused["result"]["isError"], true, "{refused}");
    // Each state is used once: the accepted answer goes with a fresh one.
    let again = server.request(6, "tools/call", call.clone()).await;
    let mut accepted = call;
    accepted["inputResponses"] =
        json!({ key.clone(): {"action": "accept", "content": {"confirm": true}} });
    accepted["requestState"] = again["result"]["requestState"].clone();
    let done = server.request(5, "tools/call", accepted).await;
    assert_eq!(done["result"]["content"][0]["text"], "moved 2 from A to B");

    // Legacy era on the same process: a handshake, then a real elicitation request.
    let init = server
        .request(
            6,
            "initialize",
            json!({"protocolVersion": "2025-11-25", "capabilities": {"elicitation": {}}, "clientInfo": {"name": "t", "version": "1"}}),
        )
        .await;
    assert_eq!(init["result"]["protocolVersion"], "2025-11-25");
    server
        .send(json!({"jsonrpc": "2.0", "method": "notifications/initialized"}))
        .await;
    let listed = server.request(7, "tools/list", json!({})).await;
    assert_eq!(
        listed_names(&listed),
        ["balance", "rename_account", "transfer"]
    );
    let hidden = server
        .request(
            8,
            "tools/call",
            json!({"name": "close_account", "arguments": {"account": "A"}}),
        )
        .await;
    assert_eq!(hidden["error"]["code"], -32602);
    for (id, action) in [(9, "decline"), (10, "accept")] {
        server
            .send(json!({"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": {"name": "transfer", "arguments": {"from": "C", "to": "D", "amount": 1}}}))
            .await;
        let question = server.receive().await;
        assert_eq!(question["method"], "elicitation/create", "{question}");
        assert_eq!(
            question["params"]["message"],
            r#"Allow tool `transfer` (risk: high) to run with arguments {"amount":1,"from":"C","to":"D"}?"#
        );
        let content = (action == "accept").then(|| json!({"confirm": true}));
        let mut answer = json!({"action": action});
        if let Some(content) = content {
            answer["content"] = content;
        }
        server
            .send(json!({"jsonrpc": "2.0", "id": question["id"], "result": answer}))
            .await;
        let result = server.receive().await;
        assert_eq!(result["id"], id);
        match action {
            "accept" => assert_eq!(
                result["result"]["content"][0]["text"],
                "moved 1 from C to D"
            ),
            _ => assert_eq!(result["result"]["isError"], true),
        }
    }

    let records = audit_records(&audit);
    let of = |capability: &str, outcome: &str| {
        records
            .iter()
            .filter(|r| r["capability"] == capability && r["outcome"] == outcome)
            .count()
    };
    assert_eq!(of("close_account", "refused"), 2, "{records:#?}");
    assert_eq!(of("transfer", "declined"), 2);
    assert_eq!(of("transfer", "ok"), 2);
    assert_eq!(
        of("transfer", "input_required"),
        2,
        "one question per state"
    );
    assert!(records.iter().all(|r| r["caller"] == "local"));
}

#[tokio::test]
async fn a_malformed_policy_file_stops_the_server_naming_the_line_and_key() {
    let policy = temp("bad.toml");
    std::fs::write(
        &policy,
        "[risk]\nallow_up_to = \"medium\"\n\n[capabilities]\ndeny = \"close_account\"\n",
    )
    .unwrap();
    let output = Command::new(BANK)
        .args(["--policy", policy.to_str().unwrap()])
        .env_remove("MCP_POLICY")
        .stdin(Stdio::null())
        .output()
        .await
        .unwrap();
    assert!(!output.status.success());
    assert!(output.stdout.is_empty(), "nothing on stdout");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!(
            "{}:5: key `capabilities.deny`: invalid type: string \"close_account\", expected a sequence",
            policy.display()
        )),
        "{stderr}"
    );
}

#[tokio::test]
async fn environment_variables_override_the_policy_file() {
    let policy = temp("env.toml");
    std::fs::write(&policy, "[capabilities]\ndeny = [\"balance\"]\n").unwrap();
    let output = Command::new(BANK)
        .args(["--policy", policy.to_str().unwrap(), "--manifest"])
        .env("MCP_POLICY_DENY", "rename_*, transfer")
        .env("MCP_POLICY_CONFIRM_UP_TO", "high")
        .output()
        .await
        .unwrap();
    assert!(output.status.success());
    let manifest: Value = serde_json::from_slice(&output.stdout).unwrap();
    let decisions: Vec<(String, String)> = manifest["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["name"].as_str().unwrap().to_owned(),
                t["decision"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let expected = [
        ("balance", "allow"),
        ("close_account", "deny"),
        ("rename_account", "deny"),
        ("transfer", "deny"),
    ];
    let expected: Vec<(String, String)> = expected
        .iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect();
    assert_eq!(decisions, expected);
}

#[tokio::test]
async fn print_config_writes_a_snippet_for_each_client() {
    for (client, key) in [
        ("claude-desktop", "mcpServers"),
        ("cursor", "mcpServers"),
        ("vscode", "servers"),
    ] {
        let output = Command::new(BANK)
            .args([
                "--print-config",
                client,
                "--policy",
                "/etc/bank/policy.toml",
            ])
            .env_remove("MCP_POLICY")
            .output()
            .await
            .unwrap();
        assert!(output.status.success(), "{client}: {output:?}");
        let config: Value = serde_json::from_slice(&output.stdout).unwrap();
        let entry = &config[key]["bank"];
        assert!(
            entry["command"].as_str().unwrap().ends_with("bank-server"),
            "{client}: {config}"
        );
        assert_eq!(entry["args"], json!(["--policy", "/etc/bank/policy.toml"]));
    }
}

#[tokio::test]
async fn serve_from_args_applies_the_servers_http_auth() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let bind = format!("127.0.0.1:{port}");
    let _server = Command::new(BANK)
        .args(["--transport", "http", "--bind", &bind])
        .env("BANK_DEV_TOKEN", "let-me-in")
        .env_remove("MCP_POLICY")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let post = |token: Option<&str>| {
        let body = br#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}"#;
        let mut request = format!(
            "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nContent-Length: {}\r\n",
            body.len()
        );
        if let Some(token) = token {
            request.push_str(&format!("Authorization: Bearer {token}\r\n"));
        }
        request.push_str("\r\n");
        let mut bytes = request.into_bytes();
        bytes.extend_from_slice(body);
        bytes
    };
    let status = |request: Vec<u8>| {
        let bind = bind.clone();
        async move {
            use tokio::io::AsyncReadExt;
            let mut stream = tokio::net::TcpStream::connect(&bind).await.ok()?;
            stream.write_all(&request).await.ok()?;
            let mut answer = String::new();
            stream.read_to_string(&mut answer).await.ok()?;
            answer.split_whitespace().nth(1).map(str::to_owned)
        }
    };
    let mut first = None;
    for _ in 0..300 {
        first = status(post(None)).await;
        if first.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(first.as_deref(), Some("401"), "no token");
    assert_eq!(status(post(Some("wrong"))).await.as_deref(), Some("401"));
    assert_eq!(
        status(post(Some("let-me-in"))).await.as_deref(),
        Some("200")
    );
}
