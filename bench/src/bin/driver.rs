//! The load driver. Starts one server process per workload, drives it, and prints one JSON
//! line of figures; `report` turns a file of such lines into the table of medians.
//!
//! ```text
//! bench-driver stdio-pipelined <server> <label> [calls]
//! bench-driver stdio-latency   <server> <label> [calls]
//! bench-driver http            <server> <label> <modern|legacy> <concurrency> [seconds] [blocking calls]
//! bench-driver report          <results.jsonl>
//! ```

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1;
use hyper_util::rt::TokioIo;
use serde_json::{json, Value};

const LEGACY: &str = "2025-11-25";
const MODERN: &str = "2026-07-28";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize| args.get(i).map(String::as_str);
    let number = |i: usize, default: u64| arg(i).and_then(|v| v.parse().ok()).unwrap_or(default);
    let figures = match (arg(0), arg(1), arg(2)) {
        (Some("stdio-pipelined"), Some(server), Some(label)) => {
            stdio_pipelined(server, label, number(3, 100_000) as usize)
        }
        (Some("stdio-latency"), Some(server), Some(label)) => {
            stdio_latency(server, label, number(3, 20_000) as usize)
        }
        (Some("http"), Some(server), Some(label)) => {
            let legacy = match arg(3) {
                Some("legacy") => true,
                Some("modern") => false,
                _ => usage(),
            };
            let concurrency = number(4, 1) as usize;
            let seconds = arg(5).and_then(|v| v.parse().ok()).unwrap_or(3.0);
            let blocking = number(6, 0) as usize;
            http_load(server, label, legacy, concurrency, seconds, blocking)
        }
        (Some("report"), Some(path), _) => {
            report(path);
            return;
        }
        _ => usage(),
    };
    println!("{figures}");
}

fn usage() -> ! {
    eprintln!(
        "usage: bench-driver stdio-pipelined|stdio-latency <server> <label> [calls]\n       \
         bench-driver http <server> <label> <modern|legacy> <concurrency> [seconds] [blocking calls]\n       \
         bench-driver report <results.jsonl>"
    );
    std::process::exit(2);
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

fn line(message: &Value) -> Vec<u8> {
    let mut bytes = serde_json::to_vec(message).expect("encodable");
    bytes.push(b'\n');
    bytes
}

fn add_call(id: u64) -> Value {
    tool_call(id, "add", json!({"a": 1, "b": 2}))
}

fn tool_call(id: u64, tool: &str, arguments: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
           "params": {"name": tool, "arguments": arguments}})
}

/// Starts a stdio server and opens the session; the startup time runs from the spawn to
/// the answer to `initialize`.
/// A label ending in `-pipes` asks the server for its pipe-specific stdio.
fn start_stdio(server: &str, label: &str) -> StdioServer {
    let mode = if label.ends_with("-pipes") {
        "stdio-pipes"
    } else {
        "stdio"
    };
    let started = Instant::now();
    let mut child = Command::new(server)
        .arg(mode)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {server}: {e}"));
    let mut input = BufWriter::with_capacity(64 * 1024, child.stdin.take().expect("piped"));
    let mut output = BufReader::with_capacity(64 * 1024, child.stdout.take().expect("piped"));
    let initialize = json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
        "protocolVersion": LEGACY, "capabilities": {},
        "clientInfo": {"name": "bench-driver", "version": "1"}}});
    input.write_all(&line(&initialize)).expect("server stdin");
    input.flush().expect("server stdin");
    let mut answer = String::new();
    output.read_line(&mut answer).expect("server stdout");
    let startup = started.elapsed();
    assert!(answer.contains("\"result\""), "initialize failed: {answer}");
    let initialized = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
    input.write_all(&line(&initialized)).expect("server stdin");
    input.flush().expect("server stdin");
    StdioServer {
        child,
        input,
        output,
        startup,
    }
}

/// `calls` `tools/call`s written as fast as the pipe takes them while another thread reads
/// the answers.
fn stdio_pipelined(server: &str, label: &str, calls: usize) -> Value {
    let StdioServer {
        child,
        mut input,
        mut output,
        startup,
    } = start_stdio(server, label);
    let requests: Vec<u8> = (1..=calls as u64)
        .flat_map(|id| line(&add_call(id)))
        .collect();
    let started = Instant::now();
    let writer = std::thread::spawn(move || {
        input.write_all(&requests).expect("server stdin");
        input.flush().expect("server stdin");
        input
    });
    let mut answer = String::new();
    let mut failures = 0usize;
    for _ in 0..calls {
        answer.clear();
        if output.read_line(&mut answer).expect("server stdout") == 0 {
            panic!("{label}: the server closed its output early");
        }
        if !answer.contains("\"result\"") || answer.contains("\"isError\":true") {
            failures += 1;
        }
    }
    let elapsed = started.elapsed();
    let rss = peak_rss_mib(&child);
    drop(writer.join());
    finish(child);
    json!({"server": label, "workload": "stdio pipelined 100k", "calls": calls,
           "failures": failures, "throughput": calls as f64 / elapsed.as_secs_f64(),
           "seconds": elapsed.as_secs_f64(), "peak_rss_mib": rss,
           "startup_ms": startup.as_secs_f64() * 1e3})
}

/// One call at a time: write, wait for the answer, repeat.
fn stdio_latency(server: &str, label: &str, calls: usize) -> Value {
    let StdioServer {
        child,
        mut input,
        mut output,
        startup,
    } = start_stdio(server, label);
    let warmup = calls / 10;
    let mut latencies = Vec::with_capacity(calls);
    let mut answer = String::new();
    let mut failures = 0usize;
    for id in 1..=(warmup + calls) as u64 {
        let request = line(&add_call(id));
        let sent = Instant::now();
        input.write_all(&request).expect("server stdin");
        input.flush().expect("server stdin");
        answer.clear();
        output.read_line(&mut answer).expect("server stdout");
        let latency = sent.elapsed();
        if !answer.contains("\"result\"") {
            failures += 1;
        }
        if id as usize > warmup {
            latencies.push(latency);
        }
    }
    let rss = peak_rss_mib(&child);
    drop(input);
    finish(child);
    latencies.sort_unstable();
    let total: Duration = latencies.iter().sum();
    json!({"server": label, "workload": "stdio sequential", "calls": calls,
           "failures": failures, "throughput": calls as f64 / total.as_secs_f64(),
           "p50_us": percentile(&latencies, 50.0), "p99_us": percentile(&latencies, 99.0),
           "p999_us": percentile(&latencies, 99.9), "peak_rss_mib": rss,
           "startup_ms": startup.as_secs_f64() * 1e3})
}

// ---------------------------------------------------------------------------------------
// HTTP

type Sender = http1::SendRequest<Full<Bytes>>;

struct Reply {
    status: u16,
    session: Option<String>,
    body: Bytes,
}

struct Target {
    port: u16,
    legacy: bool,
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
        let mut request = hyper::Request::post("/mcp")
            .header("host", format!("127.0.0.1:{}", self.port))
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream");
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let body = Full::new(Bytes::from(serde_json::to_vec(message).expect("encodable")));
        sender.ready().await.map_err(|e| e.to_string())?;
        let response = sender
            .send_request(request.body(body).expect("a valid request"))
            .await
            .map_err(|e| e.to_string())?;
        let status = response.status().as_u16();
        let session = response
            .headers()
            .get("mcp-session-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = response
            .into_body()
            .collect()
            .await
            .map_err(|e| e.to_string())?
            .to_bytes();
        Ok(Reply {
            status,
            session,
            body,
        })
    }

    /// Opens a legacy session on `sender` (initialize, then initialized).
    async fn open_session(&self, sender: &mut Sender) -> Result<String, String> {
        let initialize = json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
            "protocolVersion": LEGACY, "capabilities": {},
            "clientInfo": {"name": "bench-driver", "version": "1"}}});
        let reply = self.post(sender, &initialize, &[]).await?;
        let session = reply
            .session
            .ok_or_else(|| format!("initialize gave no session ({})", reply.status))?;
        let initialized = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
        self.post(
            sender,
            &initialized,
            &[
                ("mcp-session-id", &session),
                ("mcp-protocol-version", LEGACY),
            ],
        )
        .await?;
        Ok(session)
    }

    /// One `tools/call` of `add`; true when it was answered with a result.
    async fn call(&self, sender: &mut Sender, session: Option<&str>, id: u64) -> bool {
        self.call_tool(sender, session, id, "add", json!({"a": 1, "b": 2}))
            .await
    }

    async fn call_tool(
        &self,
        sender: &mut Sender,
        session: Option<&str>,
        id: u64,
        tool: &str,
        arguments: Value,
    ) -> bool {
        let reply = if self.legacy {
            let session = session.unwrap_or_default();
            self.post(
                sender,
                &tool_call(id, tool, arguments),
                &[
                    ("mcp-session-id", session),
                    ("mcp-protocol-version", LEGACY),
                ],
            )
            .await
        } else {
            let mut message = tool_call(id, tool, arguments);
            message["params"]["_meta"] = json!({
                "io.modelcontextprotocol/protocolVersion": MODERN,
                "io.modelcontextprotocol/clientInfo": {"name": "bench-driver", "version": "1"},
                "io.modelcontextprotocol/clientCapabilities": {},
            });
            self.post(
                sender,
                &message,
                &[
                    ("mcp-protocol-version", MODERN),
                    ("mcp-method", "tools/call"),
                    ("mcp-name", tool),
                ],
            )
            .await
        };
        match reply {
            Ok(reply) => {
                reply.status == 200
                    && memchr_result(&reply.body)
                    && !contains(&reply.body, b"\"isError\":true")
            }
            Err(_) => false,
        }
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn memchr_result(body: &[u8]) -> bool {
    contains(body, b"\"result\"")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// `concurrency` clients, each on its own keep-alive connection (and, in legacy mode, its
/// own session), calling `add` back to back for `seconds` after a warm-up.
fn http_load(
    server: &str,
    label: &str,
    legacy: bool,
    concurrency: usize,
    seconds: f64,
    blocking: usize,
) -> Value {
    let port = free_port();
    let mode = if legacy { "legacy" } else { "modern" };
    let started = Instant::now();
    let child = Command::new(server)
        .args(["http", &port.to_string(), mode])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {server}: {e}"));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    let target = Arc::new(Target { port, legacy });
    let (startup, results) = runtime.block_on(async {
        // Startup: from the spawn to the first answered request.
        let mut probe = loop {
            match target.connect().await {
                Ok(sender) => break sender,
                Err(_) if started.elapsed() < Duration::from_secs(10) => {
                    tokio::time::sleep(Duration::from_micros(200)).await;
                }
                Err(e) => panic!("{label}: the server never listened: {e}"),
            }
        };
        let session = if legacy {
            Some(target.open_session(&mut probe).await.expect("a session"))
        } else {
            assert!(
                target.call(&mut probe, None, 0).await,
                "{label}: first call failed"
            );
            None
        };
        let startup = started.elapsed();
        drop((probe, session));

        let warm_until = Instant::now() + Duration::from_secs_f64((seconds / 4.0).max(0.2));
        let stop_at = warm_until + Duration::from_secs_f64(seconds);
        // In the background, `blocking` clients each keep one call of a tool that blocks its
        // thread for a second running, back to back, until the load ends.
        let blockers: Vec<_> = (0..blocking)
            .map(|blocker| {
                let target = Arc::clone(&target);
                tokio::spawn(async move {
                    let Ok(mut sender) = target.connect().await else {
                        return;
                    };
                    let mut id = (u64::from(u32::MAX) + blocker as u64) << 16;
                    while Instant::now() < stop_at {
                        id += 1;
                        let arguments = json!({"ms": 1000});
                        if !target
                            .call_tool(&mut sender, None, id, "block", arguments)
                            .await
                        {
                            tokio::time::sleep(Duration::from_millis(100)).await;
                            if let Ok(fresh) = target.connect().await {
                                sender = fresh;
                            }
                        }
                    }
                })
            })
            .collect();
        let workers: Vec<_> = (0..concurrency)
            .map(|worker| {
                let target = Arc::clone(&target);
                tokio::spawn(async move {
                    let mut sender = target.connect().await.expect("connect");
                    let session = if target.legacy {
                        Some(target.open_session(&mut sender).await.expect("a session"))
                    } else {
                        None
                    };
                    let mut latencies = Vec::new();
                    let mut failures = 0usize;
                    let mut id = (worker as u64) << 32;
                    loop {
                        id += 1;
                        let sent = Instant::now();
                        if sent >= stop_at {
                            break;
                        }
                        let ok = target.call(&mut sender, session.as_deref(), id).await;
                        if sent >= warm_until {
                            latencies.push(sent.elapsed());
                            failures += usize::from(!ok);
                        }
                        if !ok {
                            // A broken connection is replaced rather than retried forever.
                            if let Ok(fresh) = target.connect().await {
                                sender = fresh;
                            }
                        }
                    }
                    (latencies, failures)
                })
            })
            .collect();
        let mut results = Vec::new();
        for worker in workers {
            results.push(worker.await.expect("a worker"));
        }
        for blocker in blockers {
            blocker.abort();
        }
        (startup, results)
    });
    let rss = peak_rss_mib(&child);
    finish(child);
    drop(runtime);
    let failures: usize = results.iter().map(|(_, f)| f).sum();
    let mut latencies: Vec<Duration> = results.into_iter().flat_map(|(l, _)| l).collect();
    latencies.sort_unstable();
    let workload = match blocking {
        0 => format!("http {mode} c={concurrency}"),
        n => format!("http {mode} c={concurrency}, {n} calls blocking 1 s"),
    };
    json!({"server": label, "workload": workload,
           "calls": latencies.len(), "failures": failures,
           "throughput": latencies.len() as f64 / seconds,
           "p50_us": percentile(&latencies, 50.0), "p99_us": percentile(&latencies, 99.0),
           "p999_us": percentile(&latencies, 99.9), "peak_rss_mib": rss,
           "startup_ms": startup.as_secs_f64() * 1e3})
}

// ---------------------------------------------------------------------------------------
// The table

const METRICS: [(&str, &str); 6] = [
    ("throughput", "calls/s (higher is better)"),
    ("p50_us", "p50 µs"),
    ("p99_us", "p99 µs"),
    ("p999_us", "p99.9 µs"),
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

fn report(path: &str) {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    // workload -> metric -> server -> values, workloads in first-seen order.
    let mut order: Vec<String> = Vec::new();
    let mut figures: BTreeMap<(String, &str, String), Vec<f64>> = BTreeMap::new();
    let mut failures: BTreeMap<(String, String), u64> = BTreeMap::new();
    let mut rounds: BTreeMap<(String, String), usize> = BTreeMap::new();
    for record in text
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
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
