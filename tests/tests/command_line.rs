//! The command line every server understands, seen from a shell: errors name what is wrong.

use std::process::Command;

/// `--manifest | head`: a reader that closes before the server has written is no failure,
/// and no panic.
#[test]
fn describing_into_a_closed_pipe_is_not_a_crash() {
    for option in [
        &["--manifest"][..],
        &["--print-config", "vscode"],
        &["--help"],
        &["--version"],
    ] {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let output = Command::new(env!("CARGO_BIN_EXE_fixture-server"))
            .args(option)
            .stdout(writer)
            .stderr(std::process::Stdio::piped())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(0), "{option:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{option:?}: {stderr}");
    }
}

#[test]
fn an_address_in_use_is_named() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = taken.local_addr().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_fixture-server"))
        .args(["--transport", "http", "--bind", &address.to_string()])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!("cannot listen on {address}:")),
        "{stderr}"
    );
    assert!(output.stdout.is_empty());
}

#[test]
fn a_host_name_is_a_bind_address() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_fixture-server"))
        .args([
            "--transport",
            "http",
            "--bind",
            &format!("localhost:{port}"),
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // `localhost` resolves. On 127.0.0.1 the port is taken, so the server stops at once,
    // naming the address it resolved to; on ::1 it serves, and is stopped here.
    let started = std::time::Instant::now();
    while started.elapsed() < std::time::Duration::from_secs(10) {
        if child.try_wait().unwrap().is_some() {
            let output = child.wait_with_output().unwrap();
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert!(!stderr.contains("invalid --bind"), "{stderr}");
            assert!(stderr.contains("cannot listen on"), "{stderr}");
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    child.kill().unwrap();
    child.wait().unwrap();
}

/// Runs the fixture server with `args` in `dir` and parses what `--print-config` printed.
fn printed_config(args: &[&str], dir: &std::path::Path) -> serde_json::Value {
    let output = Command::new(env!("CARGO_BIN_EXE_fixture-server"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    serde_json::from_slice(&output.stdout).unwrap()
}

#[test]
fn print_config_prints_the_command_line_it_was_given() {
    let work = std::env::temp_dir();
    let policy = std::path::absolute(work.join("policy.toml")).unwrap();
    let claude = printed_config(
        &[
            "--transport",
            "stdio",
            "--print-config",
            "claude-desktop",
            "--policy",
            "policy.toml",
        ],
        &work,
    );
    assert_eq!(
        claude["mcpServers"]["fixture"]["args"],
        serde_json::json!([
            "--transport",
            "stdio",
            "--policy",
            policy.display().to_string()
        ])
    );
    assert_eq!(
        claude["mcpServers"]["fixture"]["command"],
        env!("CARGO_BIN_EXE_fixture-server")
    );
    let vscode = printed_config(&["--print-config=vscode", "--audit=audit.jsonl"], &work);
    let audit = std::path::absolute(work.join("audit.jsonl")).unwrap();
    assert_eq!(
        vscode["servers"]["fixture"]["args"],
        serde_json::json!([format!("--audit={}", audit.display())])
    );
    // Over HTTP the client connects to the URL; the command line is not printed.
    let http = printed_config(
        &[
            "--transport",
            "http",
            "--bind",
            "127.0.0.1:9",
            "--print-config",
            "cursor",
        ],
        &work,
    );
    assert_eq!(
        http,
        serde_json::json!({"mcpServers": {"fixture": {"url": "http://127.0.0.1:9/mcp"}}})
    );
}

mod lazy_state {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;

    use mcp_runtime::prelude::*;
    use mcp_tests::{hit, Hits};

    /// A server whose `Hits` are made by `make`, and a flag set when `make` runs.
    fn lazy(
        make: impl FnOnce() -> Result<Hits, String> + Send + 'static,
    ) -> (Server, Arc<AtomicBool>) {
        let ran = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&ran);
        let server = Server::new("lazy", "1")
            .tools(tools![hit])
            .state_with(move || {
                flag.store(true, Ordering::SeqCst);
                make()
            });
        (server, ran)
    }

    fn line(args: &[&str]) -> Vec<std::ffi::OsString> {
        args.iter().map(Into::into).collect()
    }

    #[tokio::test]
    async fn describing_the_server_does_not_make_its_state() {
        for describe in [
            &["lazy", "--manifest"][..],
            &["lazy", "--print-config", "vscode"],
            &["lazy", "--help"],
            &["lazy", "--version"],
        ] {
            let (server, ran) = lazy(|| Err("cannot open hits.db: no such file".into()));
            server.serve_with_args(line(describe)).await.unwrap();
            assert!(!ran.load(Ordering::SeqCst), "{describe:?}");
        }
    }

    #[tokio::test]
    async fn lazily_made_state_serves_the_tools_that_take_it() {
        let (server, ran) = lazy(|| Ok(Hits::default()));
        assert!(!ran.load(Ordering::SeqCst));
        let client = mcp_runtime::testing::TestClient::modern(server).unwrap();
        assert!(ran.load(Ordering::SeqCst));
        let answer = client
            .call_tool("hit", serde_json::json!({}))
            .await
            .unwrap();
        assert_eq!(answer.text(), "1");
        // A value given later replaces the function, which then never runs.
        let (server, ran) = lazy(|| Err("never".into()));
        let client = mcp_runtime::testing::TestClient::modern(server.state(Hits::default()));
        assert!(client.is_ok() && !ran.load(Ordering::SeqCst));
    }

    #[tokio::test]
    async fn state_that_cannot_be_made_stops_the_server_with_its_reason() {
        let reason = "cannot open hits.db: the disk is full";
        let (server, _) = lazy(move || Err(reason.into()));
        let error = server.build().unwrap_err();
        assert!(
            matches!(&error, mcp_runtime::Error::StateInit { type_name, .. } if *type_name == "mcp_tests::Hits"),
            "{error:?}"
        );
        assert_eq!(
            error.to_string(),
            format!("cannot make the server's `mcp_tests::Hits` state: {reason}")
        );
        // Served from the command line, the server stops before reading a request.
        let (server, ran) = lazy(move || Err(reason.into()));
        let error = server.serve_with_args(line(&["lazy"])).await.unwrap_err();
        assert!(ran.load(Ordering::SeqCst));
        assert!(error.to_string().ends_with(reason), "{error}");
    }
}

/// A stdio server serves its metrics on a listener of their own, `--metrics-bind`, while it
/// answers on standard input and output.
#[test]
fn a_stdio_server_serves_metrics_on_metrics_bind() {
    use std::io::{BufRead, BufReader, Read, Write};

    let port = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        probe.local_addr().unwrap().port()
    };
    let address = format!("127.0.0.1:{port}");
    let mut child = Command::new(env!("CARGO_BIN_EXE_fixture-server"))
        .args(["--metrics-bind", &address])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let meta = r#""_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientInfo":{"name":"t","version":"1"},"io.modelcontextprotocol/clientCapabilities":{}}"#;
    writeln!(
        stdin,
        r#"{{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{{"name":"add","arguments":{{"a":2,"b":3}},{meta}}}}}"#
    )
    .unwrap();
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    assert!(line.contains(r#""text":"5""#), "{line}");

    // The listener may still be starting: try for a while.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let text = loop {
        match std::net::TcpStream::connect(&address) {
            Ok(mut stream) => {
                write!(
                    stream,
                    "GET /metrics HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
                )
                .unwrap();
                let mut response = String::new();
                stream.read_to_string(&mut response).unwrap();
                break response;
            }
            Err(_) if std::time::Instant::now() < deadline => {
                std::thread::sleep(std::time::Duration::from_millis(50))
            }
            Err(e) => panic!("no metrics listener on {address}: {e}"),
        }
    };
    drop(stdin);
    let _ = child.wait();
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    assert!(
        text.contains(r#"mcp_capability_calls_total{kind="tool",name="add",outcome="ok"} 1"#),
        "{text}"
    );
}

#[test]
fn metrics_on_the_http_listener_need_the_http_transport() {
    let output = Command::new(env!("CARGO_BIN_EXE_fixture-server"))
        .args(["--metrics"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("give --metrics-bind HOST:PORT"), "{stderr}");
    let output = Command::new(env!("CARGO_BIN_EXE_fixture-server"))
        .args(["--metrics-bind", "nowhere"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("invalid --metrics-bind `nowhere`"),
        "{stderr}"
    );
}

/// `--store` and `MCP_STORE`: a store this build cannot open is a usage error saying which
/// feature opens it; one that cannot be reached stops the server, naming its URL (never its
/// password).
#[test]
fn the_task_store_is_named_by_one_url() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("redis://:secret@127.0.0.1:{port}/0");
    let shown = format!("redis://:***@127.0.0.1:{port}/0");
    let flag = Command::new(env!("CARGO_BIN_EXE_task-server"))
        .args(["--store", &url])
        .env_remove("MCP_STORE")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let variable = Command::new(env!("CARGO_BIN_EXE_task-server"))
        .env("MCP_STORE", &url)
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    for (output, source) in [(flag, "--store"), (variable, "MCP_STORE")] {
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{source}: {stderr}");
        assert!(stderr.contains(&shown), "{source}: {stderr}");
        assert!(!stderr.contains("secret"), "{source}: {stderr}");
        if cfg!(feature = "redis") {
            assert!(
                stderr.contains("cannot connect to the task store"),
                "{stderr}"
            );
        } else {
            assert!(stderr.contains(source), "{stderr}");
            assert!(
                stderr.contains("build mcp-runtime with the `redis` feature"),
                "{stderr}"
            );
        }
        assert!(output.stdout.is_empty());
    }
    let unknown = Command::new(env!("CARGO_BIN_EXE_task-server"))
        .args(["--store", "memcached://127.0.0.1:11211"])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&unknown.stderr);
    assert!(
        stderr.contains("expected redis://HOST:PORT[/DB]"),
        "{stderr}"
    );
}
