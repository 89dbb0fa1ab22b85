//! `cargo mcp inspect` end to end: the calculator example listed and called over stdio and
//! over HTTP in both eras, a hand-written HTTP server answering with event streams (and one
//! that only knows the handshake), and the errors a user meets.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread;

use cargo_mcp::build::{self, Selection};
use serde_json::{json, Value};

const CALCULATOR: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../examples/calculator/Cargo.toml"
);

const ERAS: [&str; 2] = ["2026-07-28", "2025-11-25"];

/// The calculator example's executable, built once for every test of this file.
fn calculator() -> &'static Path {
    static EXECUTABLE: OnceLock<PathBuf> = OnceLock::new();
    EXECUTABLE.get_or_init(|| {
        let selection = Selection {
            manifest_path: Some(CALCULATOR.into()),
            ..Selection::default()
        };
        let target = build::locate(&selection).unwrap();
        build::build(&target).unwrap()
    })
}

fn cargo_mcp(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cargo-mcp"))
        .args(args)
        .output()
        .unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

#[track_caller]
fn assert_exit(output: &Output, code: i32) {
    assert_eq!(
        output.status.code(),
        Some(code),
        "stdout:\n{}\nstderr:\n{}",
        stdout(output),
        stderr(output)
    );
}

/// The listing shows `add` at risk `low`, and calling it with a=2 b=3 prints 5.
#[track_caller]
fn assert_lists_and_adds(server: &[&str], era: &str) {
    let list = cargo_mcp(&[&["inspect", "--era", era], server].concat());
    assert_exit(&list, 0);
    let listing = stdout(&list);
    assert!(
        listing.starts_with(&format!("calculator 0.1.0 (protocol {era}")),
        "{listing}"
    );
    let add = listing
        .lines()
        .find(|line| line.trim_start().starts_with("add "))
        .unwrap_or_else(|| panic!("no add in {listing}"));
    let columns: Vec<&str> = add.split_whitespace().collect();
    assert_eq!(columns[..2], ["add", "low"], "{add}");
    assert!(add.ends_with("Adds two numbers."), "{add}");
    assert!(listing.contains("a: number (required) - the first addend"));

    let call = cargo_mcp(
        &[
            &["inspect", "--era", era],
            server,
            &["--call", "add", "a=2", "b=3"],
        ]
        .concat(),
    );
    assert_exit(&call, 0);
    assert_eq!(stdout(&call), "5\n");
}

#[test]
fn lists_and_calls_the_calculator_over_stdio_in_both_eras() {
    let command = calculator().to_str().unwrap();
    for era in ERAS {
        assert_lists_and_adds(&["--command", command], era);
    }
}

/// A calculator serving HTTP on a port of its own, stopped when dropped.
struct HttpCalculator {
    child: Child,
    url: String,
}

impl HttpCalculator {
    fn start() -> HttpCalculator {
        let mut child = Command::new(calculator())
            .args(["--transport", "http", "--bind", "127.0.0.1:0"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let url = lines
            .by_ref()
            .map_while(Result::ok)
            .find_map(|line| {
                let (_, url) = line.split_once("listening on ")?;
                Some(url.trim().to_owned())
            })
            .expect("the calculator says where it listens");
        // Keep draining its log, so that it never blocks on a full pipe.
        thread::spawn(move || lines.for_each(drop));
        HttpCalculator { child, url }
    }
}

impl Drop for HttpCalculator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn lists_and_calls_the_calculator_over_http_in_both_eras() {
    let server = HttpCalculator::start();
    for era in ERAS {
        assert_lists_and_adds(&["--http", &server.url], era);
    }
    // A wrong path is named as such, whichever era is tried.
    let wrong = server.url.replace("/mcp", "/nope");
    for era in ["auto", "2026-07-28", "2025-11-25"] {
        let output = cargo_mcp(&["inspect", "--http", &wrong, "--era", era]);
        assert_exit(&output, 2);
        assert_eq!(
            stderr(&output),
            format!("error: {wrong} answered HTTP 404 Not Found: check the URL (the endpoint's path, often /mcp)\n")
        );
    }
}

#[test]
fn builds_the_crate_and_speaks_the_newest_era_by_default() {
    let output = cargo_mcp(&[
        "inspect",
        "--manifest-path",
        CALCULATOR,
        "--call",
        "statistics",
        "numbers=[1,2,6]",
    ]);
    assert_exit(&output, 0);
    let text = stdout(&output);
    assert!(
        text.contains("structured content:\n{\n  \"count\": 3,"),
        "{text}"
    );
    assert!(text.contains("\"mean\": 3.0"), "{text}");

    let output = cargo_mcp(&["inspect", "--manifest-path", CALCULATOR, "--json"]);
    assert_exit(&output, 0);
    let listing: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(listing["protocolVersion"], "2026-07-28");
    assert_eq!(listing["serverInfo"]["name"], "calculator");
    assert_eq!(listing["tools"][0]["name"], "add");
    assert_eq!(
        listing["tools"][0]["_meta"]["mcp-runtime/permission"]["risk"],
        "low"
    );
}

#[test]
fn a_tool_error_exits_with_1_after_printing_it() {
    let command = calculator().to_str().unwrap();
    for era in ERAS {
        let output = cargo_mcp(&[
            "inspect",
            "--command",
            command,
            "--era",
            era,
            "--call",
            "divide",
            "dividend=1",
            "divisor=0",
        ]);
        assert_exit(&output, 1);
        assert_eq!(stdout(&output), "cannot divide by zero\n");
        assert!(stderr(&output).contains("isError"), "{}", stderr(&output));
    }
}

#[test]
fn an_unknown_tool_exits_with_2_and_names_the_tools() {
    let command = calculator().to_str().unwrap();
    let output = cargo_mcp(&["inspect", "--command", command, "--call", "nope"]);
    assert_exit(&output, 2);
    assert_eq!(
        stderr(&output),
        "error: the server has no tool `nope`: it has add, subtract, multiply, divide, statistics, power\n"
    );
}

#[test]
fn an_unreachable_url_exits_with_2_on_one_line() {
    // A port that was free a moment ago, and nobody listens on.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}/mcp");
    let output = cargo_mcp(&["inspect", "--http", &url]);
    assert_exit(&output, 2);
    let message = stderr(&output);
    assert_eq!(message.lines().count(), 1, "{message}");
    assert!(
        message.starts_with(&format!("error: cannot reach {url}")),
        "{message}"
    );
    assert!(message.contains("check the URL"), "{message}");
}

#[test]
fn usage_errors_exit_with_2_before_starting_anything() {
    for (args, expected) in [
        (&["--call", "add", "a2"][..], "`a2` is not KEY=VALUE"),
        (&["--call", "add", "=2"][..], "`=2` is not KEY=VALUE"),
        (&["--call", "add", "a=1", "a=2"][..], "`a` is given twice"),
        (
            &["--call", "add", "--args", "[1]"][..],
            "--args takes a JSON object",
        ),
        (&["a=1"][..], "go with --call TOOL or --prompt NAME"),
        (&["--call", "add", "--read", "x://y"][..], "give one"),
        (&["--era", "2024-01-01"][..], "unknown --era `2024-01-01`"),
        (&["--timeout", "soon"][..], "--timeout takes a number"),
        (
            &["--release"][..],
            "--command starts an executable already built",
        ),
        (
            &["--http", "http://127.0.0.1:1/mcp"][..],
            "--http and --command name two servers",
        ),
        (
            &["--header", "Authorization"][..],
            "--header takes NAME: VALUE",
        ),
    ] {
        // The server's path does not exist: these are reported before it is started.
        let output = cargo_mcp(&[&["inspect", "--command", "/nonexistent/server"], args].concat());
        assert_exit(&output, 2);
        let message = stderr(&output);
        assert_eq!(message.lines().count(), 1, "{args:?}: {message}");
        assert!(message.starts_with("error: "), "{args:?}: {message}");
        assert!(message.contains(expected), "{args:?}: {message}");
    }
    let output = cargo_mcp(&["inspect", "--command", "/nonexistent/server"]);
    assert_exit(&output, 2);
    assert!(stderr(&output).starts_with("error: cannot start /nonexistent/server"));
}

#[test]
fn a_server_that_exits_or_does_not_answer_is_an_error_not_a_hang() {
    let output = cargo_mcp(&["inspect", "--command", "false"]);
    assert_exit(&output, 2);
    let message = stderr(&output);
    // Depending on how soon it exits, before or after reading the request.
    assert!(
        message.starts_with("error: the server false ")
            && message.ends_with("(it exited with status 1)\n"),
        "{message}"
    );

    let started = std::time::Instant::now();
    let output = cargo_mcp(&[
        "inspect",
        "--command",
        "sleep",
        "--timeout",
        "0.5",
        "--",
        "30",
    ]);
    assert_exit(&output, 2);
    let message = stderr(&output);
    assert!(
        message.contains("did not answer `server/discover` within 0.5 s"),
        "{message}"
    );
    // Closing its input does not stop `sleep`: it is killed after a short grace.
    assert!(started.elapsed().as_secs() < 15, "{:?}", started.elapsed());
}

#[test]
fn help_documents_the_actions_and_exit_codes() {
    let output = cargo_mcp(&["mcp", "inspect", "--help"]);
    assert_exit(&output, 0);
    let help = stdout(&output);
    for flag in [
        "--call",
        "--args",
        "--read",
        "--prompt",
        "--http",
        "--command",
        "--era",
        "--json",
        "--manifest-path",
        "Exit status:",
    ] {
        assert!(help.contains(flag), "{flag} in {help}");
    }
    assert_eq!(stdout(&cargo_mcp(&["help", "inspect"])), help);
    assert!(stdout(&cargo_mcp(&["--help"])).contains("inspect"));
}

// ---------------------------------------------------------------------------------------
// A hand-written HTTP server, for what the calculator does not do: answer plain requests
// with event streams, know only the handshake era, mirror an argument into a header.

/// One request as the server saw it: its headers (names in lower case) and its body.
#[derive(Debug, Clone)]
struct Seen {
    headers: Vec<(String, String)>,
    body: Value,
}

impl Seen {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// An answer: the status, extra headers, the content type and the body.
type Answer = (u16, Vec<(&'static str, String)>, &'static str, String);

/// Serves `answer` on a port of its own; returns the URL and every request seen.
fn fake_server(
    answer: impl Fn(&Seen) -> Answer + Send + 'static,
) -> (String, Arc<Mutex<Vec<Seen>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/mcp", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { break };
            let Some(request) = read_request(&stream) else {
                continue;
            };
            let (status, headers, content_type, body) = answer(&request);
            log.lock().unwrap().push(request);
            let mut response = format!(
                "HTTP/1.1 {status} Whatever\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n",
                body.len()
            );
            for (name, value) in headers {
                response.push_str(&format!("{name}: {value}\r\n"));
            }
            response.push_str("\r\n");
            response.push_str(&body);
            let mut stream = stream;
            let _ = stream.write_all(response.as_bytes());
        }
    });
    (url, seen)
}

fn read_request(stream: &TcpStream) -> Option<Seen> {
    let mut reader = BufReader::new(stream);
    let mut headers = Vec::new();
    let mut request_line = String::new();
    reader.read_line(&mut request_line).ok()?;
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).ok()?;
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        let (name, value) = line.split_once(':')?;
        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
    }
    let length: usize = headers
        .iter()
        .find(|(name, _)| name == "content-length")
        .and_then(|(_, value)| value.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    let body = serde_json::from_slice(&body).unwrap_or(Value::Null);
    Some(Seen { headers, body })
}

/// An event stream: a log notification, then the result for the request seen.
fn events(seen: &Seen, result: Value) -> Answer {
    let log = json!({"jsonrpc": "2.0", "method": "notifications/message",
        "params": {"level": "info", "data": "working on it"}});
    let response = json!({"jsonrpc": "2.0", "id": seen.body["id"], "result": result});
    // The response is split over two `data:` lines, as a server may do.
    let text = serde_json::to_string_pretty(&response).unwrap();
    let (first, rest) = text.split_once('\n').unwrap();
    let body = format!(
        ": a comment\nevent: message\ndata: {log}\n\nid: 7\ndata: {first}\ndata: {}\n\n",
        rest.replace('\n', " ")
    );
    (200, Vec::new(), "text/event-stream", body)
}

fn weather_tools() -> Value {
    json!({"tools": [{
        "name": "forecast",
        "description": "The weather ahead.\nSecond line.",
        "inputSchema": {"type": "object", "properties": {
            "region": {"type": "string", "x-mcp-header": "Region"},
            "days": {"type": "integer"},
        }, "required": ["region"]},
    }]})
}

#[test]
fn event_stream_answers_and_modern_headers() {
    let (url, seen) = fake_server(|seen| {
        let method = seen.body["method"].as_str().unwrap_or_default();
        if seen.header("mcp-method") != Some(method)
            || seen.header("mcp-protocol-version") != Some("2026-07-28")
            || seen.body["params"]["_meta"]["io.modelcontextprotocol/protocolVersion"]
                != "2026-07-28"
        {
            return (400, Vec::new(), "application/json",
                json!({"jsonrpc": "2.0", "id": seen.body["id"], "error": {"code": -32020, "message": "Header mismatch"}}).to_string());
        }
        match method {
            "server/discover" => events(
                seen,
                json!({"resultType": "complete",
                "capabilities": {"tools": {}},
                "_meta": {"io.modelcontextprotocol/serverInfo": {"name": "weather", "version": "2.0"}}}),
            ),
            "tools/list" => events(seen, weather_tools()),
            "tools/call" => {
                let region = seen.body["params"]["arguments"]["region"]
                    .as_str()
                    .unwrap_or_default();
                let text = format!("sunny in {region}");
                events(
                    seen,
                    json!({"resultType": "complete", "content": [{"type": "text", "text": text}]}),
                )
            }
            _ => (404, Vec::new(), "text/plain", "no".into()),
        }
    });
    let list = cargo_mcp(&["inspect", "--http", &url]);
    assert_exit(&list, 0);
    let listing = stdout(&list);
    assert!(
        listing.starts_with("weather 2.0 (protocol 2026-07-28, no handshake)\n"),
        "{listing}"
    );
    // No permission metadata: the risk is `-`.
    assert!(
        listing.contains("\n  forecast  -         The weather ahead.\n"),
        "{listing}"
    );
    assert!(listing.contains("region: string (required)\n"), "{listing}");
    assert!(
        stderr(&list).contains("server log (info): working on it"),
        "{}",
        stderr(&list)
    );

    let call = cargo_mcp(&[
        "inspect",
        "--http",
        &url,
        "--call",
        "forecast",
        "region=Zürich",
        "days=2",
    ]);
    assert_exit(&call, 0);
    assert_eq!(stdout(&call), "sunny in Zürich\n");
    let seen = seen.lock().unwrap();
    let call = seen
        .iter()
        .find(|s| s.body["method"] == "tools/call")
        .unwrap();
    assert_eq!(call.header("mcp-name"), Some("forecast"));
    assert_eq!(
        call.header("mcp-param-region"),
        Some("=?base64?WsO8cmljaA==?=")
    );
    assert_eq!(
        call.body["params"]["arguments"],
        json!({"region": "Zürich", "days": 2})
    );
}

#[test]
fn auto_falls_back_to_the_handshake_and_keeps_the_session() {
    let (url, seen) = fake_server(|seen| {
        let method = seen.body["method"].as_str().unwrap_or_default();
        let reply = |result: Value| {
            json!({"jsonrpc": "2.0", "id": seen.body["id"], "result": result}).to_string()
        };
        let in_session = seen.header("mcp-session-id") == Some("s-1")
            && seen.header("mcp-protocol-version") == Some("2025-06-18");
        match method {
            "initialize" => (200, vec![("Mcp-Session-Id", "s-1".into())], "application/json",
                reply(json!({"protocolVersion": "2025-06-18", "capabilities": {"tools": {}},
                    "serverInfo": {"name": "old", "version": "1"}}))),
            "notifications/initialized" if in_session => (202, Vec::new(), "application/json", String::new()),
            "tools/list" if in_session => (200, Vec::new(), "application/json",
                reply(json!({"tools": [{"name": "echo", "inputSchema": {"type": "object"},
                    "_meta": {"mcp-runtime/permission": {"risk": "medium"}}}]}))),
            _ => (400, Vec::new(), "application/json",
                json!({"jsonrpc": "2.0", "id": seen.body["id"], "error": {"code": -32600, "message": "Bad Request: no session"}}).to_string()),
        }
    });
    let list = cargo_mcp(&["inspect", "--http", &url]);
    assert_exit(&list, 0);
    let listing = stdout(&list);
    assert!(
        listing.starts_with("old 1 (protocol 2025-06-18, after initialize)\n"),
        "{listing}"
    );
    assert!(listing.contains("\n  echo  medium\n"), "{listing}");
    let methods: Vec<String> = seen
        .lock()
        .unwrap()
        .iter()
        .map(|s| s.body["method"].as_str().unwrap_or("").to_owned())
        .collect();
    assert_eq!(
        methods,
        [
            "server/discover",
            "initialize",
            "notifications/initialized",
            "tools/list",
            ""
        ]
    );

    // Asked for 2026-07-28 only, the same server is refused with a way forward.
    let output = cargo_mcp(&["inspect", "--http", &url, "--era", "2026-07-28"]);
    assert_exit(&output, 2);
    assert!(
        stderr(&output).contains("try --era 2025-11-25"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn reads_a_resource_and_gets_a_prompt() {
    let (url, seen) = fake_server(|seen| {
        let method = seen.body["method"].as_str().unwrap_or_default();
        let params = &seen.body["params"];
        let result = match method {
            "server/discover" => json!({"resultType": "complete",
                "capabilities": {"resources": {}, "prompts": {}},
                "_meta": {"io.modelcontextprotocol/serverInfo": {"name": "notes", "version": "1"}}}),
            "resources/read" => json!({"resultType": "complete", "contents": [
                {"uri": params["uri"], "mimeType": "text/plain", "text": "buy milk"}]}),
            "prompts/get" => json!({"resultType": "complete", "description": "A summary",
                "messages": [{"role": "user", "content": {"type": "text",
                    "text": format!("Summarize {}", params["arguments"]["topic"])}}]}),
            _ => return (404, Vec::new(), "text/plain", "no".into()),
        };
        let body = json!({"jsonrpc": "2.0", "id": seen.body["id"], "result": result});
        (200, Vec::new(), "application/json", body.to_string())
    });
    let read = cargo_mcp(&["inspect", "--http", &url, "--read", "notes://today"]);
    assert_exit(&read, 0);
    assert_eq!(stdout(&read), "buy milk\n");

    // Prompt arguments are strings, even when they look like JSON.
    let prompt = cargo_mcp(&["inspect", "--http", &url, "--prompt", "summary", "topic=42"]);
    assert_exit(&prompt, 0);
    assert_eq!(stdout(&prompt), "A summary\n[user]\nSummarize \"42\"\n");

    let seen = seen.lock().unwrap();
    let read = seen
        .iter()
        .find(|s| s.body["method"] == "resources/read")
        .unwrap();
    assert_eq!(read.header("mcp-name"), Some("notes://today"));
    let prompt = seen
        .iter()
        .find(|s| s.body["method"] == "prompts/get")
        .unwrap();
    assert_eq!(prompt.header("mcp-name"), Some("summary"));
    assert_eq!(prompt.body["params"]["arguments"], json!({"topic": "42"}));
}
