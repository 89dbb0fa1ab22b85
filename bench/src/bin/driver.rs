//! The load driver. Starts one server process per workload, drives it, checks every answer,
//! and prints one JSON line of figures; `report` turns a file of such lines into the table of
//! medians. Any wrong answer (wrong id, JSON-RPC error, `isError`, wrong value, not JSON, a
//! failed HTTP exchange) fails the workload: no figures, the first wrong answer on stderr,
//! exit status 1.
//!
//! ```text
//! bench-driver [--check] stdio-pipelined <server> <label> [calls]
//! bench-driver [--check] stdio-latency   <server> <label> [calls]
//! bench-driver http            <server> <label> <modern|legacy> <concurrency> [seconds] [blocking calls]
//! bench-driver --check http    <server> <label> <modern|legacy> <concurrency> [calls per client] [blocking calls]
//! bench-driver report          <results.jsonl>
//! ```
//!
//! `--check` runs a workload for its answers only: the calls asked for, no warm-up, and a line
//! saying how many answers were checked instead of figures.
//!
//! An HTTP `<server>` given as `127.0.0.1:<port>` is not started: something already listens
//! there (nginx in front of replicas, say), and the figures have no peak RSS or startup time.
//!
//! `--work=<work>` (anywhere on the line) chooses what each call asks of the server in the
//! stdio pipelined and HTTP workloads: `add` (the default), `echo-64k` and `echo-1m` (`echo`
//! of a 64 KiB or 1 MiB text drawn from the id), `report` (the 10 KiB structured result),
//! `mixed` (90 % `add`, 9 % `report`, 1 % `nap` of 50 ms, with figures per kind),
//! `tools-list` (`tools/list` of a server started with `BENCH_WIDE=1`, which adds 200 tools)
//! and `query-accounts` (`query_accounts` against SQLite, its filter drawn from the id).

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1;
use hyper_util::rt::TokioIo;
use mcp_bench::accounts::{query_for, Accounts};
use mcp_bench::check::{
    addends, answer_from_http, check_answer, check_initialize, check_tool_line, echo_text,
    expected_sum, mixed_kind, parse_answer, with_answer, Expected, Kind, NAP_MS,
};
use serde_json::{json, Value};

const LEGACY: &str = "2025-11-25";
const MODERN: &str = "2026-07-28";

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let check_only = args.first().map(String::as_str) == Some("--check");
    if check_only {
        args.remove(0);
    }
    let mut work = Work::Add;
    if let Some(at) = args.iter().position(|a| a.starts_with("--work=")) {
        let name = args.remove(at);
        work = Work::from_name(&name["--work=".len()..]).unwrap_or_else(|| usage());
    }
    let arg = |i: usize| args.get(i).map(String::as_str);
    let number = |i: usize, default: u64| match arg(i) {
        None => default,
        Some(v) => v.parse().unwrap_or_else(|_| usage()),
    };
    let outcome = match (arg(0), arg(1), arg(2)) {
        (Some("stdio-pipelined"), Some(server), Some(label)) => {
            stdio_pipelined(server, label, number(3, 100_000) as usize, check_only, work)
        }
        (Some("stdio-latency"), Some(server), Some(label)) => {
            stdio_latency(server, label, number(3, 20_000) as usize, check_only)
        }
        (Some("http"), Some(server), Some(label)) => {
            let legacy = match arg(3) {
                Some("legacy") => true,
                Some("modern") => false,
                _ => usage(),
            };
            let concurrency = number(4, 1) as usize;
            let budget = if check_only {
                Budget::Calls(number(5, 5) as usize)
            } else {
                Budget::Seconds(match arg(5) {
                    None => 3.0,
                    Some(v) => v.parse().unwrap_or_else(|_| usage()),
                })
            };
            let blocking = number(6, 0) as usize;
            http_load(server, label, legacy, concurrency, budget, blocking, work)
        }
        (Some("report"), Some(path), _) if !check_only => {
            report(path);
            return;
        }
        _ => usage(),
    };
    match outcome {
        Ok(figures) => println!("{figures}"),
        Err(error) => {
            eprintln!("bench-driver: {error}");
            std::process::exit(1);
        }
    }
}

fn usage() -> ! {
    eprintln!(
        "usage: bench-driver [--check] stdio-pipelined|stdio-latency <server> <label> [calls]\n       \
         bench-driver http <server> <label> <modern|legacy> <concurrency> [seconds] [blocking calls]\n       \
         bench-driver --check http <server> <label> <modern|legacy> <concurrency> [calls per client] [blocking calls]\n       \
         bench-driver report <results.jsonl>\n\
         --work=add|echo-64k|echo-1m|report|mixed|tools-list|query-accounts with stdio-pipelined and http"
    );
    std::process::exit(2);
}

// ---------------------------------------------------------------------------------------
// What the calls ask

/// The number of tools of a server started with `BENCH_WIDE=1`: its six (`add`, `echo`,
/// `report`, `block`, `nap`, `query_accounts`) and 200 more.
const WIDE_TOOLS: usize = 206;

/// What each call of a workload asks of the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Work {
    /// `add` of two numbers drawn from the id.
    Add,
    /// `echo` of a text of this many bytes drawn from the id.
    Echo(usize),
    /// `report`: the 10 KiB structured result.
    Report,
    /// 90 % `add`, 9 % `report`, 1 % `nap` ([`mixed_kind`]).
    Mixed,
    /// `tools/list` of a server with [`WIDE_TOOLS`] tools.
    ToolsList,
    /// `query_accounts` with a filter drawn from the id ([`query_for`]).
    QueryAccounts,
}

/// One request of a workload.
enum Request {
    /// A `tools/call` of this tool with these arguments.
    Call(&'static str, Value),
    /// A `tools/list`.
    List,
}

impl Work {
    fn from_name(name: &str) -> Option<Work> {
        Some(match name {
            "add" => Work::Add,
            "echo-64k" => Work::Echo(64 * 1024),
            "echo-1m" => Work::Echo(1024 * 1024),
            "report" => Work::Report,
            "mixed" => Work::Mixed,
            "tools-list" => Work::ToolsList,
            "query-accounts" => Work::QueryAccounts,
            _ => return None,
        })
    }

    /// What the workload's name adds for this work (nothing for `add`).
    fn suffix(self) -> String {
        match self {
            Work::Add => String::new(),
            Work::Echo(size) if size >= 1 << 20 => format!(" echo {} MiB", size >> 20),
            Work::Echo(size) => format!(" echo {} KiB", size >> 10),
            Work::Report => " report".to_owned(),
            Work::Mixed => format!(" mixed add/report/nap {NAP_MS} ms"),
            Work::ToolsList => format!(" tools/list of {WIDE_TOOLS}"),
            Work::QueryAccounts => " query_accounts".to_owned(),
        }
    }

    /// The tool of the call with id `id` (for the mixed workload's figures per kind).
    fn kind(self, id: u64) -> Option<Kind> {
        match self {
            Work::Mixed => Some(mixed_kind(id)),
            _ => None,
        }
    }

    fn request(self, id: u64) -> Request {
        match self {
            Work::Add => {
                let (a, b) = addends(id);
                Request::Call("add", json!({"a": a, "b": b}))
            }
            Work::Echo(size) => Request::Call("echo", json!({"text": echo_text(id, size)})),
            Work::Report => Request::Call("report", json!({})),
            Work::Mixed => match mixed_kind(id) {
                Kind::Add => Work::Add.request(id),
                Kind::Report => Work::Report.request(id),
                Kind::Nap => Request::Call("nap", json!({"ms": NAP_MS})),
            },
            Work::ToolsList => Request::List,
            Work::QueryAccounts => {
                let query = query_for(id);
                let mut arguments = json!({
                    "min_balance_cents": query.min_balance_cents,
                    "limit": query.limit,
                });
                if let Some(part) = query.owner_contains {
                    arguments["owner_contains"] = json!(part);
                }
                Request::Call("query_accounts", arguments)
            }
        }
    }

    /// The request with id `id` as a JSON-RPC message.
    fn message(self, id: u64) -> Value {
        match self.request(id) {
            Request::Call(tool, arguments) => tool_call(id, tool, arguments),
            Request::List => json!({"jsonrpc": "2.0", "id": id, "method": "tools/list"}),
        }
    }

    fn expected(self, id: u64) -> Expected {
        match self {
            Work::Add => expected_sum(id),
            Work::Echo(size) => Expected::Echoed(echo_text(id, size)),
            Work::Report => Expected::Report,
            Work::Mixed => match mixed_kind(id) {
                Kind::Add => expected_sum(id),
                Kind::Report => Expected::Report,
                Kind::Nap => Expected::Text("napped"),
            },
            Work::ToolsList => Expected::Tools(WIDE_TOOLS),
            Work::QueryAccounts => {
                let list = Accounts::shared()
                    .query(&query_for(id))
                    .expect("the driver's own query");
                Expected::Structured(serde_json::to_value(list).expect("serializable"))
            }
        }
    }

    /// About how long an answer is, in bytes, at most.
    fn answer_bytes(self) -> usize {
        match self {
            Work::Add => 160,
            Work::Echo(size) => size + 256,
            Work::Report | Work::Mixed => 32 * 1024,
            Work::ToolsList => 160 * 1024,
            Work::QueryAccounts => 8 * 1024,
        }
    }

    /// The environment the server is started with: `BENCH_WIDE=1` for the 200 more tools
    /// (and `nap` and `query_accounts`), `BENCH_MORE=1` for `nap` and `query_accounts`.
    fn env(self) -> Option<(&'static str, &'static str)> {
        match self {
            Work::ToolsList => Some(("BENCH_WIDE", "1")),
            Work::Mixed | Work::QueryAccounts => Some(("BENCH_MORE", "1")),
            Work::Add | Work::Echo(_) | Work::Report => None,
        }
    }
}

// ---------------------------------------------------------------------------------------
// Wrong answers

/// The wrong answers of a workload: how many, and the first one.
#[derive(Default)]
struct Wrong {
    count: usize,
    first: Option<String>,
}

impl Wrong {
    fn record(&mut self, id: u64, problem: String) {
        self.count += 1;
        if self.first.is_none() {
            self.first = Some(format!("call id {id}: {problem}"));
        }
    }

    /// `Ok` when every answer was right, else the message that fails the workload.
    fn verdict(self, label: &str, workload: &str, answers: usize) -> Result<(), String> {
        match self.first {
            None => Ok(()),
            Some(first) => Err(format!(
                "{label} / {workload}: {} wrong answers of {answers}; the first: {first}",
                self.count
            )),
        }
    }
}

// ---------------------------------------------------------------------------------------
// Processes

/// The peak resident set of a process so far, in MiB (the kernel's high-water mark).
fn peak_rss_mib(child: &Child) -> f64 {
    let status =
        std::fs::read_to_string(format!("/proc/{}/status", child.id())).unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| {
            rest.trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<f64>()
                .ok()
        })
        .map_or(f64::NAN, |kib| kib / 1024.0)
}

fn finish(mut child: Child) {
    let _ = child.kill();
    let _ = child.wait();
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1].as_secs_f64() * 1e6
}

// ---------------------------------------------------------------------------------------
// stdio

struct StdioServer {
    child: Child,
    input: BufWriter<ChildStdin>,
    output: BufReader<ChildStdout>,
    startup: Duration,
}

/// Writes `bytes` to a server's stdin and flushes them.
fn send(input: &mut impl Write, bytes: &[u8]) -> std::io::Result<()> {
    input.write_all(bytes)?;
    input.flush()
}

fn line(message: &Value) -> Vec<u8> {
    let mut bytes = serde_json::to_vec(message).expect("encodable");
    bytes.push(b'\n');
    bytes
}

/// The `add` call with JSON-RPC id `id`, its arguments drawn from the id ([`addends`]).
fn add_call(id: u64) -> Value {
    let (a, b) = addends(id);
    tool_call(id, "add", json!({"a": a, "b": b}))
}

fn tool_call(id: u64, tool: &str, arguments: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
           "params": {"name": tool, "arguments": arguments}})
}

/// Starts a stdio server and opens the session; the startup time runs from the spawn to
/// the answer to `initialize`.
/// A label ending in `-pipes` asks the server for its pipe-specific stdio.
fn start_stdio(server: &str, label: &str, work: Work) -> Result<StdioServer, String> {
    let mode = if label.ends_with("-pipes") {
        "stdio-pipes"
    } else {
        "stdio"
    };
    let started = Instant::now();
    let mut command = Command::new(server);
    command.envs(work.env());
    let mut child = command
        .arg(mode)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("{label}: cannot start {server}: {e}"))?;
    let mut input = BufWriter::with_capacity(64 * 1024, child.stdin.take().expect("piped"));
    let mut output = BufReader::with_capacity(64 * 1024, child.stdout.take().expect("piped"));
    let initialize = json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
        "protocolVersion": LEGACY, "capabilities": {},
        "clientInfo": {"name": "bench-driver", "version": "1"}}});
    let mut answer = Vec::new();
    let read =
        send(&mut input, &line(&initialize)).and_then(|()| output.read_until(b'\n', &mut answer));
    let startup = started.elapsed();
    let checked = match read {
        Err(e) => Err(format!("the server's stdin or stdout failed: {e}")),
        Ok(0) => Err("the server closed its output".to_owned()),
        Ok(_) => parse_answer(&answer)
            .and_then(|parsed| check_initialize(&parsed, 0))
            .map_err(|problem| with_answer(problem, &answer)),
    };
    if let Err(problem) = checked {
        finish(child);
        return Err(format!("{label}: initialize: {problem}"));
    }
    let initialized = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
    if let Err(e) = send(&mut input, &line(&initialized)) {
        finish(child);
        return Err(format!(
            "{label}: notifications/initialized: the server's stdin failed: {e}"
        ));
    }
    Ok(StdioServer {
        child,
        input,
        output,
        startup,
    })
}

/// `calls` `tools/call`s written as fast as the pipe takes them while another thread reads
/// the answers; the answers are checked once the clock has stopped. They may come in any
/// order: each must answer a call that was sent and not answered before.
fn stdio_pipelined(
    server: &str,
    label: &str,
    calls: usize,
    check_only: bool,
    work: Work,
) -> Result<Value, String> {
    let workload = match calls {
        100_000 => "stdio pipelined 100k".to_owned(),
        n => format!("stdio pipelined {n}"),
    } + &work.suffix();
    let StdioServer {
        child,
        mut input,
        mut output,
        startup,
    } = start_stdio(server, label, work)?;
    let requests: Vec<u8> = (1..=calls as u64)
        .flat_map(|id| line(&work.message(id)))
        .collect();
    let started = Instant::now();
    let writer = std::thread::spawn(move || send(&mut input, &requests).map(|()| input));
    // Every answer, one after the other, and where each ends; room for the longest answers
    // (for `add` the limit server's, up to about 140 bytes) so that the buffer does not move
    // while the clock runs.
    let mut answers = Vec::with_capacity(calls * work.answer_bytes());
    let mut ends = Vec::with_capacity(calls);
    for _ in 0..calls {
        match output.read_until(b'\n', &mut answers) {
            Ok(0) | Err(_) => break,
            Ok(_) => ends.push(answers.len()),
        }
    }
    let elapsed = started.elapsed();
    let rss = peak_rss_mib(&child);
    // With every answer read, every call has been written; otherwise the writer may be
    // stuck on a server that stopped reading, until the server is stopped.
    let written = if ends.len() == calls {
        let written = writer.join();
        finish(child);
        written
    } else {
        finish(child);
        writer.join()
    };

    let mut wrong = Wrong::default();
    let mut answered = vec![false; calls + 1];
    let mut correct = 0usize;
    let mut start = 0;
    for &end in &ends {
        let text = &answers[start..end];
        start = end;
        let answer = match parse_answer(text) {
            Ok(answer) => answer,
            Err(problem) => {
                wrong.record(0, with_answer(problem, text));
                continue;
            }
        };
        let id = answer.get("id").and_then(Value::as_u64).unwrap_or(0);
        if id == 0 || id as usize > calls || answered[id as usize] {
            let problem = "an id sent by no call, or answered before".to_owned();
            wrong.record(id, with_answer(problem, text));
            continue;
        }
        answered[id as usize] = true;
        match check_answer(&answer, id, &work.expected(id)) {
            Ok(()) => correct += 1,
            Err(problem) => wrong.record(id, with_answer(problem, text)),
        }
    }
    if let Ok(Err(e)) = written {
        wrong.record(
            0,
            format!("writing the calls to the server's stdin failed: {e}"),
        );
    }
    if ends.len() < calls {
        let missing = (1..=calls).find(|&id| !answered[id]).unwrap_or(0) as u64;
        wrong.record(
            missing,
            format!(
                "the server closed its output after {} answers of {calls}",
                ends.len()
            ),
        );
    }
    wrong.verdict(label, &workload, calls)?;
    if check_only {
        return Ok(json!({"server": label, "workload": workload, "checked": correct}));
    }
    Ok(
        json!({"server": label, "workload": workload, "calls": correct,
           "failures": 0, "throughput": correct as f64 / elapsed.as_secs_f64(),
           "seconds": elapsed.as_secs_f64(), "peak_rss_mib": rss,
           "startup_ms": startup.as_secs_f64() * 1e3}),
    )
}

/// One call at a time: write, wait for the answer, repeat; each answer is checked after its
/// round trip has been timed.
fn stdio_latency(
    server: &str,
    label: &str,
    calls: usize,
    check_only: bool,
) -> Result<Value, String> {
    let workload = "stdio sequential";
    let StdioServer {
        child,
        mut input,
        mut output,
        startup,
    } = start_stdio(server, label, Work::Add)?;
    let warmup = if check_only { 0 } else { calls / 10 };
    let mut latencies = Vec::with_capacity(calls);
    let mut answer = Vec::new();
    let mut wrong = Wrong::default();
    for id in 1..=(warmup + calls) as u64 {
        let request = line(&add_call(id));
        let sent = Instant::now();
        answer.clear();
        let read = send(&mut input, &request).and_then(|()| output.read_until(b'\n', &mut answer));
        let latency = sent.elapsed();
        match read {
            Ok(0) => {
                wrong.record(id, "the server closed its output".to_owned());
                break;
            }
            Err(e) => {
                wrong.record(id, format!("the server's stdin or stdout failed: {e}"));
                break;
            }
            Ok(_) => {}
        }
        match check_tool_line(&answer, id, &expected_sum(id)) {
            Ok(()) if id as usize > warmup => latencies.push(latency),
            Ok(()) => {}
            Err(problem) => wrong.record(id, problem),
        }
    }
    let rss = peak_rss_mib(&child);
    drop(input);
    finish(child);
    wrong.verdict(label, workload, warmup + calls)?;
    if check_only {
        return Ok(json!({"server": label, "workload": workload, "checked": calls}));
    }
    latencies.sort_unstable();
    let total: Duration = latencies.iter().sum();
    Ok(
        json!({"server": label, "workload": workload, "calls": latencies.len(),
           "failures": 0, "throughput": latencies.len() as f64 / total.as_secs_f64(),
           "p50_us": percentile(&latencies, 50.0), "p99_us": percentile(&latencies, 99.0),
           "p999_us": percentile(&latencies, 99.9), "peak_rss_mib": rss,
           "startup_ms": startup.as_secs_f64() * 1e3}),
    )
}

// ---------------------------------------------------------------------------------------
// HTTP

type Sender = http1::SendRequest<Full<Bytes>>;
type HttpRequest = hyper::Request<Full<Bytes>>;

struct Reply {
    status: u16,
    /// The body is an SSE stream (`text/event-stream`) rather than JSON.
    sse: bool,
    session: Option<String>,
    body: Bytes,
}

impl Reply {
    /// Checks the reply as the answer to the request sent with id `id`.
    fn check_tool(&self, id: u64, expected: &Expected) -> Result<(), String> {
        answer_from_http(self.status, self.sse, &self.body)
            .and_then(|answer| check_answer(&answer, id, expected))
            .map_err(|problem| with_answer(problem, &self.body))
    }
}

struct Target {
    port: u16,
    legacy: bool,
}

/// How long an HTTP workload runs.
#[derive(Clone, Copy)]
enum Budget {
    /// This long after a warm-up of a quarter of it (at least 0.2 s), for figures.
    Seconds(f64),
    /// This many calls per client, no warm-up: answers only.
    Calls(usize),
}

impl Target {
    async fn connect(&self) -> std::io::Result<Sender> {
        let stream = tokio::net::TcpStream::connect(("127.0.0.1", self.port)).await?;
        stream.set_nodelay(true)?;
        let (sender, connection) = http1::handshake(TokioIo::new(stream))
            .await
            .map_err(std::io::Error::other)?;
        tokio::spawn(connection);
        Ok(sender)
    }

    async fn post(
        &self,
        sender: &mut Sender,
        message: &Value,
        headers: &[(&str, &str)],
    ) -> Result<Reply, String> {
        self.exchange(sender, self.build(message, headers)).await
    }

    /// The `POST` of `message` with `headers`, encoded.
    fn build(&self, message: &Value, headers: &[(&str, &str)]) -> HttpRequest {
        let mut request = hyper::Request::post("/mcp")
            .header("host", format!("127.0.0.1:{}", self.port))
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream");
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let body = Full::new(Bytes::from(serde_json::to_vec(message).expect("encodable")));
        request.body(body).expect("a valid request")
    }

    /// Sends a built request and reads the whole reply. A server that ends the connection
    /// after an answer (`Connection: close`, as nginx does after `keepalive_requests`) gets
    /// the next request on a new connection, as any HTTP client would.
    async fn exchange(&self, sender: &mut Sender, request: HttpRequest) -> Result<Reply, String> {
        if sender.is_closed() || sender.ready().await.is_err() {
            // Closed before this request was written: it was not sent.
            *sender = self.connect().await.map_err(|e| e.to_string())?;
            sender.ready().await.map_err(|e| e.to_string())?;
        }
        let response = sender
            .send_request(request)
            .await
            .map_err(|e| e.to_string())?;
        let status = response.status().as_u16();
        let sse = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/event-stream"));
        let session = response
            .headers()
            .get("mcp-session-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let closing = response
            .headers()
            .get("connection")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.eq_ignore_ascii_case("close"));
        let body = response
            .into_body()
            .collect()
            .await
            .map_err(|e| e.to_string())?
            .to_bytes();
        if closing {
            *sender = self.connect().await.map_err(|e| e.to_string())?;
        }
        Ok(Reply {
            status,
            sse,
            session,
            body,
        })
    }

    /// Opens a legacy session on `sender` (initialize, then initialized), checking both
    /// answers.
    async fn open_session(&self, sender: &mut Sender) -> Result<String, String> {
        let initialize = json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
            "protocolVersion": LEGACY, "capabilities": {},
            "clientInfo": {"name": "bench-driver", "version": "1"}}});
        let reply = self.post(sender, &initialize, &[]).await?;
        answer_from_http(reply.status, reply.sse, &reply.body)
            .and_then(|answer| check_initialize(&answer, 0))
            .map_err(|problem| format!("initialize: {}", with_answer(problem, &reply.body)))?;
        let session = reply
            .session
            .ok_or_else(|| "initialize gave no Mcp-Session-Id".to_owned())?;
        let initialized = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
        let reply = self
            .post(
                sender,
                &initialized,
                &[
                    ("mcp-session-id", &session),
                    ("mcp-protocol-version", LEGACY),
                ],
            )
            .await?;
        if !(200..300).contains(&reply.status) {
            return Err(format!(
                "notifications/initialized: HTTP status {}",
                reply.status
            ));
        }
        Ok(session)
    }

    /// One `tools/call` of `add` with the arguments of `id` ([`addends`]).
    async fn call(
        &self,
        sender: &mut Sender,
        session: Option<&str>,
        id: u64,
    ) -> Result<Reply, String> {
        let (a, b) = addends(id);
        self.call_tool(sender, session, id, "add", json!({"a": a, "b": b}))
            .await
    }

    /// The request of `work` with id `id`.
    async fn call_work(
        &self,
        sender: &mut Sender,
        session: Option<&str>,
        id: u64,
        work: Work,
    ) -> Result<Reply, String> {
        match work.request(id) {
            Request::Call(tool, arguments) => {
                self.call_tool(sender, session, id, tool, arguments).await
            }
            Request::List => self.exchange(sender, self.list_request(session, id)).await,
        }
    }

    /// The request of `work` with id `id`, built ahead of its call.
    fn work_request(&self, session: Option<&str>, id: u64, work: Work) -> HttpRequest {
        match work.request(id) {
            Request::Call(tool, arguments) => self.tool_request(session, id, tool, arguments),
            Request::List => self.list_request(session, id),
        }
    }

    /// One `tools/list`.
    fn list_request(&self, session: Option<&str>, id: u64) -> HttpRequest {
        let mut message = json!({"jsonrpc": "2.0", "id": id, "method": "tools/list", "params": {}});
        if self.legacy {
            let session = session.unwrap_or_default();
            let headers = [
                ("mcp-session-id", session),
                ("mcp-protocol-version", LEGACY),
            ];
            self.build(&message, &headers)
        } else {
            message["params"]["_meta"] = modern_meta();
            let headers = [
                ("mcp-protocol-version", MODERN),
                ("mcp-method", "tools/list"),
            ];
            self.build(&message, &headers)
        }
    }

    async fn call_tool(
        &self,
        sender: &mut Sender,
        session: Option<&str>,
        id: u64,
        tool: &str,
        arguments: Value,
    ) -> Result<Reply, String> {
        let request = self.tool_request(session, id, tool, arguments);
        self.exchange(sender, request).await
    }

    /// One `tools/call`, built.
    fn tool_request(
        &self,
        session: Option<&str>,
        id: u64,
        tool: &str,
        arguments: Value,
    ) -> HttpRequest {
        if self.legacy {
            let session = session.unwrap_or_default();
            self.build(
                &tool_call(id, tool, arguments),
                &[
                    ("mcp-session-id", session),
                    ("mcp-protocol-version", LEGACY),
                ],
            )
        } else {
            let mut message = tool_call(id, tool, arguments);
            message["params"]["_meta"] = modern_meta();
            self.build(
                &message,
                &[
                    ("mcp-protocol-version", MODERN),
                    ("mcp-method", "tools/call"),
                    ("mcp-name", tool),
                ],
            )
        }
    }
}

/// The `_meta` every modern request carries.
fn modern_meta() -> Value {
    json!({
        "io.modelcontextprotocol/protocolVersion": MODERN,
        "io.modelcontextprotocol/clientInfo": {"name": "bench-driver", "version": "1"},
        "io.modelcontextprotocol/clientCapabilities": {},
    })
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// One call of an HTTP client: its id, whether it falls in the measured window, its
/// round trip, and the reply (checked after the load ends) or why there was none.
struct Sent {
    id: u64,
    measured: bool,
    latency: Duration,
    reply: Result<Reply, String>,
}

/// `concurrency` clients, each on its own keep-alive connection (and, in legacy mode, its
/// own session), making the calls of `work` (`add` unless asked otherwise) back to back for
/// the budget; the replies are checked once the load has ended.
fn http_load(
    server: &str,
    label: &str,
    legacy: bool,
    concurrency: usize,
    budget: Budget,
    blocking: usize,
    work: Work,
) -> Result<Value, String> {
    // A server already listening, or one to start.
    let listening = server
        .strip_prefix("127.0.0.1:")
        .and_then(|port| port.parse::<u16>().ok());
    let port = listening.unwrap_or_else(free_port);
    let mode = if legacy { "legacy" } else { "modern" };
    let workload = match blocking {
        0 => format!("http {mode} c={concurrency}"),
        n => format!("http {mode} c={concurrency}, {n} calls blocking 1 s"),
    } + &work.suffix();
    let started = Instant::now();
    let child = match listening {
        Some(_) => None,
        None => Some(
            Command::new(server)
                .envs(work.env())
                .args(["http", &port.to_string(), mode])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .map_err(|e| format!("{label}: cannot start {server}: {e}"))?,
        ),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    let target = Arc::new(Target { port, legacy });
    // Wrong answers found while the load runs (sessions, the blocking calls).
    let wrong = Arc::new(Mutex::new(Wrong::default()));
    let blocking_calls = Arc::new(AtomicUsize::new(0));
    let outcome = runtime.block_on(async {
        // Startup: from the spawn to the first answered request.
        let mut probe = loop {
            match target.connect().await {
                Ok(sender) => break sender,
                Err(_) if started.elapsed() < Duration::from_secs(10) => {
                    tokio::time::sleep(Duration::from_micros(200)).await;
                }
                Err(e) => return Err(format!("{label}: the server never listened: {e}")),
            }
        };
        if legacy {
            target
                .open_session(&mut probe)
                .await
                .map_err(|problem| format!("{label} / {workload}: {problem}"))?;
        } else {
            target
                .call(&mut probe, None, 0)
                .await
                .and_then(|reply| reply.check_tool(0, &expected_sum(0)))
                .map_err(|problem| format!("{label} / {workload}: call id 0: {problem}"))?;
        }
        let startup = started.elapsed();
        drop(probe);

        let (warm_until, stop_at) = match budget {
            Budget::Seconds(seconds) => {
                let warm_until = Instant::now() + Duration::from_secs_f64((seconds / 4.0).max(0.2));
                (
                    warm_until,
                    Some(warm_until + Duration::from_secs_f64(seconds)),
                )
            }
            Budget::Calls(_) => (Instant::now(), None),
        };
        let more = move |made: usize| match (budget, stop_at) {
            (_, Some(stop_at)) => Instant::now() < stop_at,
            (Budget::Calls(calls), None) => made < calls,
            (Budget::Seconds(_), None) => unreachable!("a timed load has an end"),
        };
        // In the background, `blocking` clients each keep one call of a tool that blocks its
        // thread for a second running, back to back, until the load ends (one call each when
        // only the answers count).
        let blockers: Vec<_> = (0..blocking)
            .map(|blocker| {
                let target = Arc::clone(&target);
                let wrong = Arc::clone(&wrong);
                let blocking_calls = Arc::clone(&blocking_calls);
                tokio::spawn(async move {
                    let mut sender = match target.connect().await {
                        Ok(sender) => sender,
                        Err(e) => {
                            let problem = format!("cannot connect: {e}");
                            wrong.lock().expect("not poisoned").record(0, problem);
                            return;
                        }
                    };
                    let mut id = (u64::from(u32::MAX) + blocker as u64) << 16;
                    let mut made = 0;
                    while made == 0 || (stop_at.is_some() && more(made)) {
                        id += 1;
                        made += 1;
                        let arguments = json!({"ms": 1000});
                        let checked = target
                            .call_tool(&mut sender, None, id, "block", arguments)
                            .await
                            .and_then(|reply| reply.check_tool(id, &Expected::Text("unblocked")));
                        blocking_calls.fetch_add(1, Ordering::Relaxed);
                        if let Err(problem) = checked {
                            wrong.lock().expect("not poisoned").record(id, problem);
                            return;
                        }
                    }
                })
            })
            .collect();
        let workers: Vec<_> = (0..concurrency)
            .map(|worker| {
                let target = Arc::clone(&target);
                let wrong = Arc::clone(&wrong);
                tokio::spawn(async move {
                    let mut sent = Vec::new();
                    let mut sender = match target.connect().await {
                        Ok(sender) => sender,
                        Err(e) => {
                            let problem = format!("cannot connect: {e}");
                            wrong.lock().expect("not poisoned").record(0, problem);
                            return sent;
                        }
                    };
                    let session = if target.legacy {
                        match target.open_session(&mut sender).await {
                            Ok(session) => Some(session),
                            Err(problem) => {
                                wrong.lock().expect("not poisoned").record(0, problem);
                                return sent;
                            }
                        }
                    } else {
                        None
                    };
                    let mut id = (worker as u64) << 32;
                    while more(sent.len()) {
                        id += 1;
                        // A large argument is drawn and encoded before the clock starts.
                        let built = matches!(work, Work::Echo(_))
                            .then(|| target.work_request(session.as_deref(), id, work));
                        let start = Instant::now();
                        let reply = match built {
                            Some(request) => target.exchange(&mut sender, request).await,
                            None => {
                                target
                                    .call_work(&mut sender, session.as_deref(), id, work)
                                    .await
                            }
                        };
                        let broken = reply.is_err();
                        sent.push(Sent {
                            id,
                            measured: start >= warm_until,
                            latency: start.elapsed(),
                            reply,
                        });
                        if broken {
                            // A broken connection is replaced rather than retried forever.
                            if let Ok(fresh) = target.connect().await {
                                sender = fresh;
                            }
                        }
                    }
                    sent
                })
            })
            .collect();
        let mut sent = Vec::new();
        for worker in workers {
            sent.extend(worker.await.expect("a worker"));
        }
        for blocker in blockers {
            if stop_at.is_some() {
                // A call still blocking when the load ends is not waited for.
                blocker.abort();
            }
            let _ = blocker.await;
        }
        Ok((startup, sent))
    });
    let rss = child.as_ref().map_or(f64::NAN, peak_rss_mib);
    if let Some(child) = child {
        finish(child);
    }
    drop(runtime);
    let (startup, sent) = outcome?;
    // Nothing was started: no startup to report (null in the figures, like the RSS).
    let startup_ms = match listening {
        Some(_) => f64::NAN,
        None => startup.as_secs_f64() * 1e3,
    };

    let mut wrong = std::mem::take(&mut *wrong.lock().expect("not poisoned"));
    let mut latencies = Vec::with_capacity(sent.len());
    // The mixed workload's latencies of each kind.
    let mut by_kind: BTreeMap<Kind, Vec<Duration>> = BTreeMap::new();
    let mut checked = 0usize;
    for call in &sent {
        match call
            .reply
            .as_ref()
            .map_err(|e| format!("no reply: {e}"))
            .and_then(|reply| reply.check_tool(call.id, &work.expected(call.id)))
        {
            Ok(()) if call.measured => {
                latencies.push(call.latency);
                if let Some(kind) = work.kind(call.id) {
                    by_kind.entry(kind).or_default().push(call.latency);
                }
            }
            Ok(()) => {}
            Err(problem) => wrong.record(call.id, problem),
        }
        checked += 1;
    }
    let blocking_calls = blocking_calls.load(Ordering::Relaxed);
    wrong.verdict(label, &workload, checked + blocking_calls)?;
    let Budget::Seconds(seconds) = budget else {
        let mut line = json!({"server": label, "workload": workload, "checked": checked});
        if blocking > 0 {
            line["blocking_calls_checked"] = json!(blocking_calls);
        }
        if work == Work::Mixed {
            let mut kinds = BTreeMap::new();
            for call in &sent {
                *kinds.entry(mixed_kind(call.id).name()).or_insert(0usize) += 1;
            }
            line["checked_by_kind"] = json!(kinds);
        }
        return Ok(line);
    };
    latencies.sort_unstable();
    let mut line = json!({"server": label, "workload": workload,
           "calls": latencies.len(), "failures": 0,
           "throughput": latencies.len() as f64 / seconds,
           "p50_us": percentile(&latencies, 50.0), "p99_us": percentile(&latencies, 99.0),
           "p999_us": percentile(&latencies, 99.9), "peak_rss_mib": rss,
           "startup_ms": startup_ms});
    for (kind, mut latencies) in by_kind {
        latencies.sort_unstable();
        let name = kind.name();
        line[format!("{name}_calls")] = json!(latencies.len());
        line[format!("{name}_p50_us")] = json!(percentile(&latencies, 50.0));
        line[format!("{name}_p99_us")] = json!(percentile(&latencies, 99.0));
    }
    Ok(line)
}

// ---------------------------------------------------------------------------------------
// The table

/// The figures of the table, in its order; a workload shows those its lines have (the
/// figures per kind only the mixed workload's).
const METRICS: [(&str, &str); 12] = [
    ("throughput", "calls/s (higher is better)"),
    ("p50_us", "p50 µs"),
    ("p99_us", "p99 µs"),
    ("p999_us", "p99.9 µs"),
    ("add_p50_us", "add p50 µs"),
    ("add_p99_us", "add p99 µs"),
    ("report_p50_us", "report p50 µs"),
    ("report_p99_us", "report p99 µs"),
    ("nap_p50_us", "nap p50 µs"),
    ("nap_p99_us", "nap p99 µs"),
    ("peak_rss_mib", "peak RSS MiB"),
    ("startup_ms", "start to first answer ms"),
];
const SERVERS: [&str; 4] = ["ours", "rmcp", "rmcp-pipes", "limit"];

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => values[n / 2],
        n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

fn format_figure(value: f64) -> String {
    if value.is_nan() {
        "–".to_owned()
    } else if value >= 1000.0 {
        format!("{value:.0}")
    } else if value >= 10.0 {
        format!("{value:.1}")
    } else {
        format!("{value:.2}")
    }
}

/// Figures in the order the runs made them: the record's position in the results, and the
/// figure.
type Sequence = Vec<(usize, f64)>;

/// The median of the ratios of each of the variant's figures to ours' figure nearest it in the
/// order of the runs (the earlier of two as near). Rounds on a noisy machine fall in different
/// speed bands, and the ratio of two medians can then compare one band with another; each
/// pair here ran a few seconds apart.
fn median_of_ratios(ours: &[(usize, f64)], variant: &[(usize, f64)]) -> f64 {
    let mut ratios: Vec<f64> = variant
        .iter()
        .filter_map(|(at, figure)| {
            let nearest = ours
                .iter()
                .min_by_key(|(ours_at, _)| ours_at.abs_diff(*at))?;
            (nearest.1 != 0.0).then(|| figure / nearest.1)
        })
        .collect();
    median(&mut ratios)
}

/// The second table: ours built or run another way (a label `ours-…`: `ours-otel`,
/// `ours-observed`, …) against ours as in the first table, workload by workload, as the ratio
/// of the medians and as the median of its figures' ratios to the nearest run of ours.
fn variants(order: &[String], figures: &BTreeMap<(String, &str, String), Sequence>) {
    let mut labels: Vec<String> = figures
        .keys()
        .map(|(_, _, server)| server.clone())
        .filter(|server| server.starts_with("ours-"))
        .collect();
    labels.sort();
    labels.dedup();
    if labels.is_empty() {
        return;
    }
    println!();
    println!(
        "| workload | figure | ours | variant | the variant | variant ÷ ours | median of the ratios to the nearest run of ours |"
    );
    println!("|---|---|---:|---|---:|---:|---:|");
    for workload in order {
        for label in &labels {
            for (metric, name) in METRICS {
                let in_rounds = |server: &str| {
                    figures
                        .get(&(workload.clone(), metric, server.to_owned()))
                        .cloned()
                        .unwrap_or_default()
                };
                let (ours, variant) = (in_rounds("ours"), in_rounds(label));
                let paired = median_of_ratios(&ours, &variant);
                let median_of = |figures: Sequence| {
                    median(&mut figures.into_iter().map(|(_, f)| f).collect::<Vec<_>>())
                };
                let (ours, variant) = (median_of(ours), median_of(variant));
                if ours.is_nan() || variant.is_nan() {
                    continue;
                }
                let percent = |ratio: f64| {
                    if ratio.is_finite() {
                        format!("{:.1} %", ratio * 100.0)
                    } else {
                        "–".to_owned()
                    }
                };
                println!(
                    "| {workload} | {name} | {} | {label} | {} | {} | {} |",
                    format_figure(ours),
                    format_figure(variant),
                    percent(variant / ours),
                    percent(paired),
                );
            }
        }
    }
}

fn report(path: &str) {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    // workload -> metric -> server -> values, workloads in first-seen order.
    let mut order: Vec<String> = Vec::new();
    let mut figures: BTreeMap<(String, &str, String), Vec<f64>> = BTreeMap::new();
    let mut failures: BTreeMap<(String, String), u64> = BTreeMap::new();
    let mut rounds: BTreeMap<(String, String), usize> = BTreeMap::new();
    // The same figures with their positions, for the variants' pairs.
    let mut sequence: BTreeMap<(String, &str, String), Sequence> = BTreeMap::new();
    for (at, record) in text
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .enumerate()
    {
        let workload = record["workload"].as_str().unwrap_or_default().to_owned();
        let server = record["server"].as_str().unwrap_or_default().to_owned();
        if !order.contains(&workload) {
            order.push(workload.clone());
        }
        *failures
            .entry((workload.clone(), server.clone()))
            .or_default() += record["failures"].as_u64().unwrap_or(0);
        *rounds
            .entry((workload.clone(), server.clone()))
            .or_default() += 1;
        for (metric, _) in METRICS {
            if let Some(value) = record[metric].as_f64() {
                figures
                    .entry((workload.clone(), metric, server.clone()))
                    .or_default()
                    .push(value);
                sequence
                    .entry((workload.clone(), metric, server.clone()))
                    .or_default()
                    .push((at, value));
            }
        }
    }
    println!(
        "| workload | figure | ours | rmcp | rmcp pipes | limit | ours ÷ rmcp | ours ÷ rmcp pipes | ours ÷ limit |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|---:|---:|");
    for workload in &order {
        for (metric, name) in METRICS {
            let mut medians = [f64::NAN; 4];
            for (i, server) in SERVERS.iter().enumerate() {
                if let Some(values) =
                    figures.get_mut(&(workload.clone(), metric, (*server).to_owned()))
                {
                    medians[i] = median(values);
                }
            }
            if medians.iter().all(|v| v.is_nan()) {
                continue;
            }
            let ratio = |other: f64| {
                if other.is_nan() || medians[0].is_nan() || other == 0.0 {
                    "–".to_owned()
                } else {
                    format!("{:.2}×", medians[0] / other)
                }
            };
            println!(
                "| {workload} | {name} | {} | {} | {} | {} | {} | {} | {} |",
                format_figure(medians[0]),
                format_figure(medians[1]),
                format_figure(medians[2]),
                format_figure(medians[3]),
                ratio(medians[1]),
                ratio(medians[2]),
                ratio(medians[3]),
            );
        }
    }
    variants(&order, &sequence);
    let rounds_seen: Vec<usize> = rounds.values().copied().collect();
    println!();
    println!(
        "Medians of {}–{} rounds per cell.",
        rounds_seen.iter().min().unwrap_or(&0),
        rounds_seen.iter().max().unwrap_or(&0)
    );
    let failed: Vec<String> = failures
        .iter()
        .filter(|(_, n)| **n > 0)
        .map(|((w, s), n)| format!("{s} / {w}: {n} failed calls"))
        .collect();
    if failed.is_empty() {
        println!("Every call was answered with a result.");
    } else {
        println!("Failures: {}", failed.join("; "));
    }
}
