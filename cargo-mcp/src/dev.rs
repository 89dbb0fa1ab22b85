//! `cargo mcp dev`: runs a server crate, rebuilds it when its sources change and restarts it.
//!
//! [`run`] builds the server, starts it and watches its sources (the package directory except
//! `target/` and hidden directories, and the path dependencies of the same workspace), polling
//! their modification times. When they change and stay unchanged for one poll, the server is
//! rebuilt: a failed build prints the compiler's errors on stderr and keeps the running server;
//! a successful one replaces it, unless the executable is the same as before (a change to a
//! file that is not compiled in).
//!
//! With the stdio transport (the default), `cargo mcp dev` is itself the server a client
//! starts: it passes line-delimited JSON-RPC between its stdin/stdout and the server's, and
//! writes its own messages on stderr only. A restart is hidden from the client as far as the
//! protocol allows; [`Proxy`] holds the rules:
//!
//! - Every request the old server had not answered gets exactly one answer: a JSON-RPC error
//!   with code [`RESTARTED`] saying that the server restarted. An answer the old server still
//!   sends after that is dropped, and so is the client's answer to a request of the old server.
//! - Handshake era (2025-11-25, 2025-06-18 and earlier: the client sent `initialize`): the
//!   client's `initialize` request is replayed to the new server under an id of `cargo mcp
//!   dev`'s own, followed by `notifications/initialized` and by the session's settings the old
//!   server accepted: the last `logging/setLevel`, and a `resources/subscribe` for each
//!   resource still subscribed to. The new server's answers to these are not passed on (the
//!   client has its own), and what the client sends meanwhile waits until the `initialize`
//!   result arrived. The client is then sent `notifications/tools/list_changed`,
//!   `notifications/resources/list_changed` and `notifications/prompts/list_changed`: each of
//!   those its `initialize` result declared with `listChanged: true`, since a server sends only
//!   the notifications it declared. A capability the new build gained (its first prompt, say)
//!   reaches the client when it connects again.
//! - Stateless era (2026-07-28: no `initialize`, every request carries its own `_meta`): there
//!   is no session to restore. A client hears of changes only on an open `subscriptions/listen`
//!   request, so each open one is sent again, unchanged, to the new server (whose
//!   `notifications/subscriptions/acknowledged` is not passed on: the client was acknowledged
//!   already) and stays open; on it the client is sent the `list_changed` notifications its
//!   filter asked for and the old server acknowledged, each with the stream's
//!   `io.modelcontextprotocol/subscriptionId` in `_meta`. Without an open `subscriptions/listen`
//!   nothing is sent: the client's next request simply reaches the new server.
//!
//! With `--transport http` among the server's arguments, nothing passes through `cargo mcp
//! dev`: the server is stopped and started again on the same `--bind` address. A
//! handshake-era client's next request names a session the new server does not know, which is
//! answered with HTTP 404 (JSON-RPC error -32001, "Session not found"), and the client sends
//! `initialize` again; a stateless-era client carries on.
//!
//! When the client closes stdin, or on Ctrl-C or SIGTERM, the server is stopped (its stdin
//! closed and SIGTERM, for a graceful shutdown; killed if it is still running a second later)
//! and `cargo mcp dev` exits with success. The server is stopped the same way at each restart.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs;
use std::io::{self, BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::thread;
use std::time::{Duration, Instant, SystemTime};

use serde_json::{json, Value};

use crate::build::{self, Error, Selection, Target};

/// The JSON-RPC error code of the answer to a request the server did not answer before it
/// restarted or stopped: -32603, internal error.
pub const RESTARTED: i64 = -32603;

/// How often the sources' modification times are read.
pub const POLL: Duration = Duration::from_millis(300);

/// The list-change notifications, with the key naming each in a `subscriptions/listen`
/// filter and in the server's capabilities.
const LISTS: [(&str, &str, &str); 3] = [
    (
        "notifications/tools/list_changed",
        "toolsListChanged",
        "tools",
    ),
    (
        "notifications/resources/list_changed",
        "resourcesListChanged",
        "resources",
    ),
    (
        "notifications/prompts/list_changed",
        "promptsListChanged",
        "prompts",
    ),
];

/// The handshake-era requests whose effect lasts for the session, replayed to a new server
/// once it accepted them.
const SESSION_METHODS: [&str; 3] = [
    "logging/setLevel",
    "resources/subscribe",
    "resources/unsubscribe",
];

/// What `cargo mcp dev` runs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Options {
    /// The server crate and binary.
    pub selection: Selection,
    /// The arguments the server is started with.
    pub server_args: Vec<String>,
}

/// Whether the server arguments choose the HTTP transport (`--transport http` or
/// `--transport=http`).
pub fn is_http(server_args: &[String]) -> bool {
    server_args
        .iter()
        .zip(server_args.iter().skip(1))
        .any(|(name, value)| name == "--transport" && value == "http")
        || server_args.iter().any(|arg| arg == "--transport=http")
}

/// The lines to pass on after one message or event, and the messages for stderr.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Output {
    /// Lines for the client (stdout).
    pub to_client: Vec<String>,
    /// Lines for the server (its stdin).
    pub to_server: Vec<String>,
    /// `cargo mcp dev`'s own messages (stderr).
    pub notes: Vec<String>,
}

/// An open `subscriptions/listen` request.
#[derive(Debug, Clone)]
struct Listen {
    request: Value,
    /// The filter acknowledged by the server, else the one asked for.
    filter: Value,
}

/// The `initialize` replayed to a new server, while its result is awaited.
#[derive(Debug)]
struct Replay {
    key: String,
    held: Vec<String>,
}

/// The JSON-RPC state between a client and a server that restarts: see the
/// [module documentation](self) for what a restart does in each era.
///
/// The proxy does no I/O: each method takes a line or an event and returns the lines to pass on.
#[derive(Debug, Default)]
pub struct Proxy {
    /// The client's requests the server has not answered, by id as JSON text.
    pending: HashMap<String, Value>,
    /// The client's `initialize` while it is being answered.
    initializing: Option<(String, Value)>,
    /// The client's answered `initialize`, and the list-change notifications its result
    /// declared.
    handshake: Option<(Value, Vec<&'static str>)>,
    /// The open `subscriptions/listen` requests, by id as JSON text.
    listens: HashMap<String, Listen>,
    /// The server's requests the client has not answered, by id as JSON text.
    server_requests: HashSet<String>,
    /// `subscriptions/listen` requests sent again whose acknowledgment is not passed on.
    unacknowledged: HashSet<String>,
    replay: Option<Replay>,
    /// The client's `logging/setLevel`, `resources/subscribe` and `resources/unsubscribe`
    /// requests being answered, by id as JSON text.
    session_requests: HashMap<String, Value>,
    /// The params of the last `logging/setLevel` the server accepted.
    log_level: Option<Value>,
    /// The params of each `resources/subscribe` the server accepted, by URI.
    subscribed: BTreeMap<String, Value>,
    /// Requests of `cargo mcp dev`'s own whose answers are not passed on, by id as JSON text.
    own: HashSet<String>,
    /// How many requests of its own `cargo mcp dev` sent, for their ids.
    sent: u64,
}

/// A request id as a map key: its JSON text, so that `1` and `"1"` differ.
fn key(id: &Value) -> String {
    id.to_string()
}

/// The answer to request `id` that the server will never answer.
fn unanswered(id: &Value, message: &str) -> String {
    json!({
        "jsonrpc": "2.0",
        "id": id,
        "error": { "code": RESTARTED, "message": message },
    })
    .to_string()
}

fn notification(method: &str, params: Value) -> String {
    json!({ "jsonrpc": "2.0", "method": method, "params": params }).to_string()
}

impl Proxy {
    /// A proxy for a new client.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether the client sent `initialize` and the server answered it with a result: the
    /// handshake era.
    pub fn has_handshake(&self) -> bool {
        self.handshake.is_some()
    }

    /// How many requests of the client the server has not answered.
    pub fn pending(&self) -> usize {
        self.pending.len()
    }

    /// A line from the client, for a running server.
    pub fn from_client(&mut self, line: &str) -> Output {
        let mut output = Output::default();
        let message: Value = serde_json::from_str(line).unwrap_or(Value::Null);
        let method = message.get("method").and_then(Value::as_str);
        let id = message.get("id").filter(|id| !id.is_null());
        match (method, id) {
            (Some(method), Some(id)) => {
                let id_key = key(id);
                self.pending.insert(id_key.clone(), id.clone());
                if method == "initialize" {
                    self.initializing = Some((id_key, message.clone()));
                } else if method == "subscriptions/listen" {
                    let filter = message["params"]["notifications"].clone();
                    let request = message.clone();
                    self.listens.insert(id_key, Listen { request, filter });
                } else if SESSION_METHODS.contains(&method) {
                    self.session_requests.insert(id_key, message.clone());
                }
            }
            (Some("notifications/cancelled"), None) => {
                // A cancelled request is not answered; nor is it answered at a restart.
                let cancelled = key(&message["params"]["requestId"]);
                self.pending.remove(&cancelled);
                self.listens.remove(&cancelled);
            }
            (None, Some(id)) => {
                // The answer to a request of the server: only the server that sent it is told.
                let sent = self.server_requests.remove(&key(id));
                if !sent {
                    output.notes.push(format!(
                        "dropped the client's answer to request {id}, which the server did not send (it restarted)"
                    ));
                    return output;
                }
            }
            _ => {}
        }
        match &mut self.replay {
            Some(replay) => replay.held.push(line.to_owned()),
            None => output.to_server.push(line.to_owned()),
        }
        output
    }

    /// A line from the running server.
    pub fn from_server(&mut self, line: &str) -> Output {
        let mut output = Output::default();
        let message: Value = serde_json::from_str(line).unwrap_or(Value::Null);
        let method = message.get("method").and_then(Value::as_str);
        let id = message.get("id").filter(|id| !id.is_null());
        match (method, id) {
            (None, Some(id)) => {
                let id_key = key(id);
                if self.replay.as_ref().is_some_and(|r| r.key == id_key) {
                    return self.replayed(&message);
                }
                if self.own.remove(&id_key) {
                    if let Some(error) = message.get("error") {
                        output.notes.push(format!(
                            "the restarted server refused a request replayed for the client ({error})"
                        ));
                    }
                    return output;
                }
                self.pending.remove(&id_key);
                self.listens.remove(&id_key);
                if let Some(request) = self.session_requests.remove(&id_key) {
                    if message.get("result").is_some() {
                        self.remember(&request);
                    }
                }
                if let Some((initialize, request)) = self.initializing.take() {
                    if initialize != id_key {
                        self.initializing = Some((initialize, request));
                    } else if let Some(result) = message.get("result") {
                        let lists = LISTS
                            .iter()
                            .filter(|(_, _, capability)| {
                                result["capabilities"][capability]["listChanged"] == true
                            })
                            .map(|(method, _, _)| *method)
                            .collect();
                        self.handshake = Some((request, lists));
                    }
                }
            }
            (Some(_), Some(id)) => {
                self.server_requests.insert(key(id));
            }
            (Some("notifications/subscriptions/acknowledged"), None) => {
                let params = &message["params"];
                let subscription = key(&params["_meta"]["io.modelcontextprotocol/subscriptionId"]);
                if self.unacknowledged.remove(&subscription) {
                    return output;
                }
                if let Some(listen) = self.listens.get_mut(&subscription) {
                    listen.filter = params["notifications"].clone();
                }
            }
            _ => {}
        }
        output.to_client.push(line.to_owned());
        output
    }

    /// The answer of the new server to the replayed `initialize`.
    fn replayed(&mut self, answer: &Value) -> Output {
        let mut output = Output::default();
        let Some(replay) = self.replay.take() else {
            return output;
        };
        if let Some(error) = answer.get("error") {
            output.notes.push(format!(
                "the restarted server refused the client's initialize ({error}): connect the client again"
            ));
        } else {
            output
                .to_server
                .push(notification("notifications/initialized", json!({})));
            let mut session: Vec<(&str, Value)> = Vec::new();
            if let Some(params) = &self.log_level {
                session.push(("logging/setLevel", params.clone()));
            }
            for params in self.subscribed.values() {
                session.push(("resources/subscribe", params.clone()));
            }
            for (method, params) in session {
                let id = self.own_id(method);
                self.own.insert(key(&id));
                let request =
                    json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
                output.to_server.push(request.to_string());
            }
            if let Some((_, lists)) = &self.handshake {
                output
                    .to_client
                    .extend(lists.iter().map(|method| notification(method, json!({}))));
            }
        }
        output.to_server.extend(replay.held);
        output
    }

    /// Records a session setting the server accepted, to replay it to the next server.
    fn remember(&mut self, request: &Value) {
        let params = request.get("params").cloned().unwrap_or_else(|| json!({}));
        let uri = params["uri"].as_str().unwrap_or_default().to_owned();
        match request["method"].as_str() {
            Some("logging/setLevel") => self.log_level = Some(params),
            Some("resources/subscribe") => {
                self.subscribed.insert(uri, params);
            }
            Some("resources/unsubscribe") => {
                self.subscribed.remove(&uri);
            }
            _ => {}
        }
    }

    /// A fresh id for a request of `cargo mcp dev`'s own: a string no client would choose, and
    /// none of the client's requests still open has.
    fn own_id(&mut self, method: &str) -> Value {
        loop {
            self.sent += 1;
            let id = json!(format!("cargo-mcp-dev/{method}/{}", self.sent));
            if !self.pending.contains_key(&key(&id)) {
                return id;
            }
        }
    }

    /// Forgets what only the stopped server knew.
    fn forget_server(&mut self) {
        self.server_requests.clear();
        self.unacknowledged.clear();
        self.session_requests.clear();
        self.own.clear();
    }

    /// The server stopped and no other runs: every request it had not answered is answered
    /// with an error saying `why`, and so is each open `subscriptions/listen` (and each
    /// request held for it).
    pub fn stopped(&mut self, why: &str) -> Output {
        let mut output = Output::default();
        // Held requests are pending too: answered below, once.
        self.replay = None;
        self.answer_pending(&mut output, why, &HashSet::new());
        self.listens.clear();
        self.forget_server();
        output
    }

    /// A new server replaced the old one (or the first one started after
    /// [`stopped`](Self::stopped)): answers what the old one left unanswered, and brings the
    /// new one to where the client is (see the [module documentation](self)).
    pub fn restarted(&mut self) -> Output {
        let mut output = Output::default();
        let why =
            "the server restarted (its sources changed) before answering: send the request again";
        // Lines held for a server that was replaced before answering go to this one: no
        // server saw their requests, which are not answered here.
        let held = self.replay.take().map(|r| r.held).unwrap_or_default();
        let mut kept: HashSet<String> = held
            .iter()
            .filter_map(|line| serde_json::from_str::<Value>(line).ok())
            .filter(|message| message.get("method").is_some())
            .filter_map(|message| message.get("id").map(key))
            .collect();
        kept.extend(self.listens.keys().cloned());
        self.answer_pending(&mut output, why, &kept);
        self.forget_server();
        if let Some((request, _)) = &self.handshake {
            let mut replayed = request.clone();
            let id = self.own_id("initialize");
            replayed["id"] = id.clone();
            output.to_server.push(replayed.to_string());
            self.replay = Some(Replay {
                key: key(&id),
                held,
            });
            return output;
        }
        for (id_key, listen) in &self.listens {
            output.to_server.push(listen.request.to_string());
            self.unacknowledged.insert(id_key.clone());
            let id = &listen.request["id"];
            for (method, filter_key, _) in LISTS {
                if listen.filter[filter_key] == true {
                    let params =
                        json!({ "_meta": { "io.modelcontextprotocol/subscriptionId": id } });
                    output.to_client.push(notification(method, params));
                }
            }
        }
        output.to_server.extend(held);
        output
    }

    /// Answers every pending request with an error, except those in `kept` (sent to the new
    /// server).
    fn answer_pending(&mut self, output: &mut Output, why: &str, kept: &HashSet<String>) {
        let mut answered: Vec<(String, Value)> = self
            .pending
            .iter()
            .filter(|(id_key, _)| !kept.contains(*id_key))
            .map(|(id_key, id)| (id_key.clone(), id.clone()))
            .collect();
        answered.sort_by(|a, b| a.0.cmp(&b.0));
        for (id_key, id) in answered {
            self.pending.remove(&id_key);
            output.to_client.push(unanswered(&id, why));
        }
        // An `initialize` answered with an error leaves no handshake to replay.
        self.initializing = None;
    }

    /// A line from the client while no server runs: a request is answered with an error saying
    /// `why`; anything else is dropped.
    pub fn refuse(&mut self, line: &str, why: &str) -> Output {
        let mut output = Output::default();
        let message: Value = serde_json::from_str(line).unwrap_or(Value::Null);
        if let (Some(_), Some(id)) = (
            message.get("method"),
            message.get("id").filter(|id| !id.is_null()),
        ) {
            output.to_client.push(unanswered(id, why));
        }
        output
    }
}

/// Prints one of `cargo mcp dev`'s own messages on stderr.
fn note(message: &str) {
    eprintln!("cargo mcp dev: {message}");
}

/// What the threads tell the main loop.
enum Event {
    /// A line from the client.
    Client(String),
    /// The client closed stdin.
    ClientClosed,
    /// A line from the server of this generation.
    Server(u64, String),
    /// The server of this generation closed its stdout.
    ServerClosed(u64),
    /// A build finished.
    Built(Result<Built, Error>),
}

/// A successful build.
struct Built {
    executable: PathBuf,
    /// Whether the executable is new: false when cargo found nothing to rebuild (a change to a
    /// file that is not compiled in).
    changed: bool,
}

/// A running server.
struct Server {
    process: Child,
    stdin: Option<ChildStdin>,
}

impl Server {
    /// Starts `executable`; with `stdio`, its stdout is read line by line into `events`.
    fn start(
        executable: &Path,
        args: &[String],
        stdio: bool,
        generation: u64,
        events: &Sender<Event>,
    ) -> Result<Self, Error> {
        let mut command = Command::new(executable);
        command.args(args).stderr(Stdio::inherit());
        if stdio {
            command.stdin(Stdio::piped()).stdout(Stdio::piped());
        } else {
            command.stdin(Stdio::null()).stdout(Stdio::inherit());
        }
        let mut process = command
            .spawn()
            .map_err(|e| Error(format!("cannot start {}: {e}", executable.display())))?;
        if let Some(stdout) = process.stdout.take() {
            let events = events.clone();
            thread::spawn(move || {
                let mut reader = BufReader::new(stdout);
                let mut line = Vec::new();
                loop {
                    line.clear();
                    match reader.read_until(b'\n', &mut line) {
                        Ok(0) | Err(_) => break,
                        Ok(_) => {
                            let text = String::from_utf8_lossy(&line);
                            let text = text.trim_end_matches(['\n', '\r']);
                            if events
                                .send(Event::Server(generation, text.to_owned()))
                                .is_err()
                            {
                                return;
                            }
                        }
                    }
                }
                let _ = events.send(Event::ServerClosed(generation));
            });
        }
        let stdin = process.stdin.take();
        Ok(Self { process, stdin })
    }

    fn send(&mut self, line: &str) {
        if let Some(stdin) = &mut self.stdin {
            let written = stdin
                .write_all(line.as_bytes())
                .and_then(|()| stdin.write_all(b"\n"))
                .and_then(|()| stdin.flush());
            if written.is_err() {
                // It exited; its stdout closing says so.
                self.stdin = None;
            }
        }
    }

    /// Stops it as [`shut_down`](Self::shut_down) does.
    fn stop(mut self) -> Option<ExitStatus> {
        self.shut_down()
    }

    /// Closes its stdin and asks it to shut down (SIGTERM), gives it a second to exit, then
    /// kills it.
    fn shut_down(&mut self) -> Option<ExitStatus> {
        drop(self.stdin.take());
        if let Ok(None) = self.process.try_wait() {
            // Not reaped yet: the id is still this process's.
            signals::terminate(self.process.id());
        }
        let deadline = Instant::now() + Duration::from_secs(1);
        while Instant::now() < deadline {
            match self.process.try_wait() {
                Ok(Some(status)) => return Some(status),
                Ok(None) => thread::sleep(Duration::from_millis(20)),
                Err(_) => break,
            }
        }
        let _ = self.process.kill();
        self.process.wait().ok()
    }
}

/// On every way out of `cargo mcp dev`, errors included, the server stops with it.
impl Drop for Server {
    fn drop(&mut self) {
        self.shut_down();
    }
}

/// Ctrl-C and `kill`: instead of ending `cargo mcp dev` at once, they are noticed by its main
/// loop, which stops the server and exits with success.
#[cfg(unix)]
mod signals {
    use std::sync::atomic::{AtomicBool, Ordering};

    static CAUGHT: AtomicBool = AtomicBool::new(false);

    extern "C" fn on_signal(_: libc::c_int) {
        CAUGHT.store(true, Ordering::SeqCst);
    }

    /// From now on, SIGINT and SIGTERM set the flag [`caught`] reads.
    pub(super) fn catch() {
        let handler = on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t;
        for signal in [libc::SIGINT, libc::SIGTERM] {
            // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
            unsafe { libc::signal(signal, handler) };
        }
    }

    /// Whether SIGINT or SIGTERM arrived.
    pub(super) fn caught() -> bool {
        CAUGHT.load(Ordering::SeqCst)
    }

    /// Asks process `id` to shut down gracefully: SIGTERM, which servers built with
    /// mcp-runtime answer by finishing what they do and exiting.
    pub(super) fn terminate(id: u32) {
        let Ok(id) = libc::pid_t::try_from(id) else {
            return;
        };
        // SAFETY: kill(2) touches no memory of ours; the caller checked the child was not
        // reaped, so the id is still its.
        unsafe { libc::kill(id, libc::SIGTERM) };
    }
}

/// Elsewhere, Ctrl-C ends `cargo mcp dev` and the server together, and a server is stopped by
/// closing its stdin, then killed.
#[cfg(not(unix))]
mod signals {
    pub(super) fn catch() {}

    pub(super) fn caught() -> bool {
        false
    }

    pub(super) fn terminate(_: u32) {}
}

/// Builds, runs and watches the server crate until the client closes stdin (stdio) or
/// `cargo mcp dev` is interrupted; see the [module documentation](self).
pub fn run(options: &Options) -> Result<(), Error> {
    let target = build::locate(&options.selection)?;
    signals::catch();
    let stdio = !is_http(&options.server_args);
    let (events, received) = mpsc::channel();
    let roots = watched(&target);
    let watched_list = roots
        .iter()
        .map(|root| root.display().to_string())
        .collect::<Vec<_>>()
        .join(", ");
    note(&format!(
        "building `{}` and watching {watched_list}",
        target.bin
    ));
    {
        let events = events.clone();
        thread::spawn(move || watch(&target, &roots, &events));
    }
    if stdio {
        let events = events.clone();
        thread::spawn(move || read_client(&events));
    }
    serve(options, stdio, &events, &received)
}

/// The client's stdin, line by line, into `events`.
fn read_client(events: &Sender<Event>) {
    let mut stdin = io::stdin().lock();
    let mut line = Vec::new();
    loop {
        line.clear();
        match stdin.read_until(b'\n', &mut line) {
            Ok(0) | Err(_) => break,
            Ok(_) => {
                let text = String::from_utf8_lossy(&line);
                let text = text.trim_end_matches(['\n', '\r']);
                if text.trim().is_empty() {
                    continue;
                }
                if events.send(Event::Client(text.to_owned())).is_err() {
                    return;
                }
            }
        }
    }
    let _ = events.send(Event::ClientClosed);
}

/// The main loop: passes lines on, and restarts the server after each successful build.
fn serve(
    options: &Options,
    stdio: bool,
    events: &Sender<Event>,
    received: &Receiver<Event>,
) -> Result<(), Error> {
    let mut proxy = Proxy::new();
    let mut server: Option<Server> = None;
    let mut generation = 0;
    // The client's lines before the first build finished.
    let mut early: Option<Vec<String>> = Some(Vec::new());
    let mut down =
        "the server has not built yet: fix the errors cargo mcp dev printed on stderr, and save";
    let stdout = io::stdout();
    let apply = |output: Output, server: &mut Option<Server>| -> Result<(), Error> {
        for message in &output.notes {
            note(message);
        }
        if let Some(server) = server {
            for line in &output.to_server {
                server.send(line);
            }
        }
        if !output.to_client.is_empty() {
            let mut out = stdout.lock();
            output
                .to_client
                .iter()
                .try_for_each(|line| writeln!(out, "{line}"))
                .and_then(|()| out.flush())
                .map_err(|e| Error(format!("cannot write to stdout: {e}")))?;
        }
        Ok(())
    };
    loop {
        if signals::caught() {
            note("stopping the server");
            break;
        }
        let event = match received.recv_timeout(POLL) {
            Ok(event) => event,
            Err(RecvTimeoutError::Timeout) => {
                // Without stdio, the server's exit is noticed here.
                if let Some(running) = &mut server {
                    if !stdio {
                        if let Ok(Some(status)) = running.process.try_wait() {
                            note(&format!(
                                "the server exited ({status}): save a change to rebuild and restart it"
                            ));
                            server = None;
                        }
                    }
                }
                continue;
            }
            Err(RecvTimeoutError::Disconnected) => break,
        };
        match event {
            Event::Client(line) => {
                let output = match (&mut early, &server) {
                    (Some(early), _) => {
                        early.push(line);
                        continue;
                    }
                    (None, Some(_)) => proxy.from_client(&line),
                    (None, None) => proxy.refuse(&line, down),
                };
                apply(output, &mut server)?;
            }
            Event::ClientClosed => break,
            Event::Server(of, line) if of == generation => {
                let output = proxy.from_server(&line);
                apply(output, &mut server)?;
            }
            Event::ServerClosed(of) if of == generation => {
                if let Some(stopped) = server.take() {
                    let status = stopped
                        .stop()
                        .map_or_else(|| "status unknown".to_owned(), |s| s.to_string());
                    note(&format!(
                        "the server exited ({status}): save a change to rebuild and restart it"
                    ));
                }
                down = "the server exited: fix it and save to restart it";
                let output = proxy.stopped("the server exited before answering");
                apply(output, &mut server)?;
            }
            Event::Server(..) | Event::ServerClosed(_) => {}
            Event::Built(Ok(Built { changed: false, .. })) if server.is_some() => {
                note("the executable did not change: the server keeps running");
            }
            Event::Built(Ok(Built { executable, .. })) => {
                let restarting = server.is_some();
                if let Some(old) = server.take() {
                    old.stop();
                }
                generation += 1;
                match Server::start(&executable, &options.server_args, stdio, generation, events) {
                    Ok(started) => {
                        note(if restarting {
                            "rebuilt: the server restarted"
                        } else {
                            "built: the server is running"
                        });
                        server = Some(started);
                        let output = proxy.restarted();
                        apply(output, &mut server)?;
                        for line in early.take().unwrap_or_default() {
                            let output = proxy.from_client(&line);
                            apply(output, &mut server)?;
                        }
                    }
                    Err(error) => {
                        note(&error.to_string());
                        down = "the server could not be started: see cargo mcp dev's messages on stderr";
                        let mut output = proxy.stopped(down);
                        for line in early.take().unwrap_or_default() {
                            let refused = proxy.refuse(&line, down);
                            output.to_client.extend(refused.to_client);
                        }
                        apply(output, &mut server)?;
                    }
                }
            }
            Event::Built(Err(error)) => {
                if server.is_some() {
                    note(&format!(
                        "{error}; the server keeps running the previous build"
                    ));
                } else {
                    note(&format!("{error}; waiting for a change"));
                    let mut output = Output::default();
                    for line in early.take().unwrap_or_default() {
                        output.to_client.extend(proxy.refuse(&line, down).to_client);
                    }
                    apply(output, &mut server)?;
                }
            }
        }
    }
    if let Some(running) = server.take() {
        running.stop();
    }
    Ok(())
}

/// Builds the target, then again after each change of the sources under `roots`.
fn watch(target: &Target, roots: &[PathBuf], events: &Sender<Event>) {
    let mut seen = snapshot(roots);
    // The executable and its modification time after the last successful build.
    let mut last: Option<(PathBuf, Option<SystemTime>)> = None;
    let mut build = || {
        let built = build::build_profile(target, false).map(|executable| {
            let modified = fs::metadata(&executable).and_then(|m| m.modified()).ok();
            let now = Some((executable.clone(), modified));
            let changed = modified.is_none() || last != now;
            last = now;
            Built {
                executable,
                changed,
            }
        });
        events.send(Event::Built(built)).is_ok()
    };
    if !build() {
        return;
    }
    loop {
        thread::sleep(POLL);
        let mut now = snapshot(roots);
        if now == seen {
            continue;
        }
        // Wait until the sources stay unchanged for one poll: an editor saving several files,
        // or writing one in steps, causes one build.
        loop {
            thread::sleep(POLL);
            let again = snapshot(roots);
            if again == now {
                break;
            }
            now = again;
        }
        seen = now;
        note("sources changed: rebuilding");
        if !build() {
            return;
        }
    }
}

/// The modification time and length of every watched file.
pub type Snapshot = Vec<(PathBuf, Option<SystemTime>, u64)>;

/// Every file under `roots`, except in `target` and hidden directories, and `Cargo.lock`
/// (which builds rewrite), with its modification time and length, in path order.
pub fn snapshot(roots: &[PathBuf]) -> Snapshot {
    let mut files = Vec::new();
    let mut stack: Vec<PathBuf> = roots.to_vec();
    while let Some(dir) = stack.pop() {
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name.starts_with('.') || name == "Cargo.lock" {
                continue;
            }
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_dir() {
                if name != "target" {
                    stack.push(entry.path());
                }
            } else if let Ok(metadata) = entry.metadata() {
                files.push((entry.path(), metadata.modified().ok(), metadata.len()));
            }
        }
    }
    files.sort();
    files.dedup();
    files
}

/// The directories to watch: the target's package, and the packages of its workspace it
/// depends on by path (found with `cargo metadata`; without it, the package alone).
pub fn watched(target: &Target) -> Vec<PathBuf> {
    let package_dir = target
        .manifest_path
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let mut roots = vec![package_dir];
    let output = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
        .args(["metadata", "--format-version", "1", "--manifest-path"])
        .arg(&target.manifest_path)
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output();
    if let Some(output) = output.ok().filter(|output| output.status.success()) {
        if let Ok(metadata) = serde_json::from_slice::<Value>(&output.stdout) {
            roots.extend(path_dependencies(&metadata, &target.manifest_path));
        }
    }
    // A directory inside another watched one is watched already.
    roots.sort();
    roots.dedup();
    let all = roots.clone();
    roots.retain(|root| {
        !all.iter()
            .any(|other| other != root && root.starts_with(other))
    });
    roots
}

/// The directories of the packages of the workspace that the package of `manifest_path`
/// depends on, directly or not, by path (development dependencies aside).
pub fn path_dependencies(metadata: &Value, manifest_path: &Path) -> Vec<PathBuf> {
    let workspace = Path::new(metadata["workspace_root"].as_str().unwrap_or_default());
    let packages = metadata["packages"].as_array().cloned().unwrap_or_default();
    let local: HashMap<&str, PathBuf> = packages
        .iter()
        .filter(|package| package["source"].is_null())
        .filter_map(|package| {
            let manifest = Path::new(package["manifest_path"].as_str()?);
            let dir = manifest.parent()?;
            dir.starts_with(workspace).then(|| {
                (
                    package["id"].as_str().unwrap_or_default(),
                    dir.to_path_buf(),
                )
            })
        })
        .collect();
    let Some(start) = packages
        .iter()
        .find(|package| package["manifest_path"].as_str().map(Path::new) == Some(manifest_path))
        .and_then(|package| package["id"].as_str())
    else {
        return Vec::new();
    };
    let nodes: HashMap<&str, &Value> = metadata["resolve"]["nodes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|node| Some((node["id"].as_str()?, node)))
        .collect();
    let mut seen = HashSet::from([start]);
    let mut stack = vec![start];
    let mut dirs = Vec::new();
    while let Some(id) = stack.pop() {
        let Some(node) = nodes.get(id) else { continue };
        for dep in node["deps"].as_array().into_iter().flatten() {
            let development = dep["dep_kinds"].as_array().is_some_and(|kinds| {
                !kinds.is_empty() && kinds.iter().all(|kind| kind["kind"] == "dev")
            });
            let Some(dep_id) = dep["pkg"].as_str() else {
                continue;
            };
            if development || !local.contains_key(dep_id) || !seen.insert(dep_id) {
                continue;
            }
            dirs.push(local[dep_id].clone());
            stack.push(dep_id);
        }
    }
    dirs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(values: &[Value]) -> Vec<String> {
        values.iter().map(Value::to_string).collect()
    }

    fn parsed(lines: &[String]) -> Vec<Value> {
        lines
            .iter()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect()
    }

    #[test]
    fn http_is_recognised_in_both_spellings() {
        let args = |args: &[&str]| args.iter().map(|a| a.to_string()).collect::<Vec<_>>();
        assert!(is_http(&args(&[
            "--transport",
            "http",
            "--bind",
            "127.0.0.1:1"
        ])));
        assert!(is_http(&args(&["--transport=http"])));
        assert!(!is_http(&args(&["--transport", "stdio"])));
        assert!(!is_http(&args(&[])));
    }

    #[test]
    fn a_handshake_is_replayed_and_pending_requests_answered_once() {
        let mut proxy = Proxy::new();
        let initialize = json!({"jsonrpc": "2.0", "id": 0, "method": "initialize",
            "params": {"protocolVersion": "2025-11-25", "capabilities": {},
                "clientInfo": {"name": "c", "version": "1"}}});
        let out = proxy.from_client(&initialize.to_string());
        assert_eq!(out.to_server, lines(std::slice::from_ref(&initialize)));
        let result = json!({"jsonrpc": "2.0", "id": 0, "result": {"protocolVersion": "2025-11-25",
            "capabilities": {"tools": {"listChanged": true}, "prompts": {}},
            "serverInfo": {"name": "s", "version": "1"}}});
        assert_eq!(proxy.from_server(&result.to_string()).to_client.len(), 1);
        assert!(proxy.has_handshake());
        let call = json!({"jsonrpc": "2.0", "id": "a", "method": "tools/call", "params": {}});
        proxy.from_client(&call.to_string());
        assert_eq!(proxy.pending(), 1);

        let out = proxy.restarted();
        let answers = parsed(&out.to_client);
        assert_eq!(answers.len(), 1);
        assert_eq!(answers[0]["id"], "a");
        assert_eq!(answers[0]["error"]["code"], RESTARTED);
        let replayed = parsed(&out.to_server);
        assert_eq!(replayed.len(), 1);
        assert_eq!(replayed[0]["method"], "initialize");
        assert_eq!(replayed[0]["params"], initialize["params"]);
        let replay_id = replayed[0]["id"].clone();
        assert_ne!(replay_id, json!(0));
        assert!(replay_id.as_str().unwrap().starts_with("cargo-mcp-dev/"));

        // Held until the new server answered the replayed initialize.
        let list = json!({"jsonrpc": "2.0", "id": 7, "method": "tools/list"});
        assert!(proxy.from_client(&list.to_string()).to_server.is_empty());
        // The old server's late answer never reaches the client: lines of the old server are
        // not given to the proxy, and the new server's answer to the replay is swallowed.
        let mut answer = result.clone();
        answer["id"] = replay_id;
        let out = proxy.from_server(&answer.to_string());
        assert_eq!(
            parsed(&out.to_client),
            vec![
                json!({"jsonrpc": "2.0", "method": "notifications/tools/list_changed", "params": {}})
            ]
        );
        let sent = parsed(&out.to_server);
        assert_eq!(sent[0]["method"], "notifications/initialized");
        assert_eq!(sent[1], list);
    }

    /// A proxy whose client completed the handshake, declaring tools and resources.
    fn initialized() -> Proxy {
        let mut proxy = Proxy::new();
        let initialize = json!({"jsonrpc": "2.0", "id": 0, "method": "initialize",
            "params": {"protocolVersion": "2025-06-18", "capabilities": {},
                "clientInfo": {"name": "c", "version": "1"}}});
        proxy.from_client(&initialize.to_string());
        let result = json!({"jsonrpc": "2.0", "id": 0, "result": {"protocolVersion": "2025-06-18",
            "capabilities": {"tools": {"listChanged": true},
                "resources": {"subscribe": true, "listChanged": true}},
            "serverInfo": {"name": "s", "version": "1"}}});
        proxy.from_server(&result.to_string());
        proxy
    }

    /// Restarts, and answers the replayed `initialize` as the new server.
    fn restart(proxy: &mut Proxy) -> (Output, Output) {
        let restarted = proxy.restarted();
        let replayed: Value = serde_json::from_str(&restarted.to_server[0]).unwrap();
        let answer = json!({"jsonrpc": "2.0", "id": replayed["id"], "result": {
            "protocolVersion": "2025-06-18", "capabilities": {},
            "serverInfo": {"name": "s", "version": "2"}}});
        let answered = proxy.from_server(&answer.to_string());
        (restarted, answered)
    }

    #[test]
    fn requests_held_during_a_replay_are_answered_once_when_it_restarts_again() {
        let mut proxy = initialized();
        proxy.restarted();
        let call = json!({"jsonrpc": "2.0", "id": 5, "method": "tools/call", "params": {}});
        assert!(proxy.from_client(&call.to_string()).to_server.is_empty());
        // Replaced again before the replay was answered: the held call goes to the newest one.
        let (restarted, answered) = restart(&mut proxy);
        assert!(restarted.to_client.is_empty(), "{restarted:?}");
        assert_eq!(parsed(&answered.to_server)[1], call);
        assert_eq!(answered.to_client.len(), 2, "tools and resources");
        // The call reached that server: the next restart answers it.
        let answered = parsed(&proxy.restarted().to_client);
        assert_eq!(answered.len(), 1, "{answered:?}");
        assert_eq!(answered[0]["id"], 5);
        // Stopped with a held request: one error answer.
        let list = json!({"jsonrpc": "2.0", "id": 6, "method": "tools/list"});
        assert!(proxy.from_client(&list.to_string()).to_server.is_empty());
        let stopped = parsed(&proxy.stopped("gone").to_client);
        assert_eq!(stopped.len(), 1, "{stopped:?}");
        assert_eq!(stopped[0]["id"], 6);
        assert_eq!(proxy.pending(), 0);
    }

    #[test]
    fn the_replayed_initialize_never_takes_the_id_of_an_open_request() {
        let mut proxy = initialized();
        let first: Value = serde_json::from_str(&proxy.restarted().to_server[0]).unwrap();
        assert_eq!(first["id"], "cargo-mcp-dev/initialize/1");
        let call = json!({"jsonrpc": "2.0", "id": "cargo-mcp-dev/initialize/2",
            "method": "tools/call", "params": {}});
        proxy.from_client(&call.to_string());
        let second: Value = serde_json::from_str(&proxy.restarted().to_server[0]).unwrap();
        assert_eq!(second["method"], "initialize");
        assert_ne!(second["id"], call["id"]);
    }

    #[test]
    fn log_level_and_subscriptions_are_replayed_and_their_answers_dropped() {
        let mut proxy = initialized();
        let requests = [
            json!({"jsonrpc": "2.0", "id": 1, "method": "logging/setLevel", "params": {"level": "debug"}}),
            json!({"jsonrpc": "2.0", "id": 2, "method": "resources/subscribe", "params": {"uri": "file:///a"}}),
            json!({"jsonrpc": "2.0", "id": 3, "method": "resources/subscribe", "params": {"uri": "file:///b"}}),
            json!({"jsonrpc": "2.0", "id": 4, "method": "resources/unsubscribe", "params": {"uri": "file:///a"}}),
        ];
        for request in &requests {
            proxy.from_client(&request.to_string());
            let answer = json!({"jsonrpc": "2.0", "id": request["id"], "result": {}});
            proxy.from_server(&answer.to_string());
        }
        let (_, answered) = restart(&mut proxy);
        let sent = parsed(&answered.to_server);
        assert_eq!(sent.len(), 3, "{sent:?}");
        assert_eq!(sent[1]["method"], "logging/setLevel");
        assert_eq!(sent[1]["params"], requests[0]["params"]);
        assert_eq!(sent[2]["method"], "resources/subscribe");
        assert_eq!(sent[2]["params"]["uri"], "file:///b");
        for request in &sent[1..] {
            let answer = json!({"jsonrpc": "2.0", "id": request["id"], "result": {}});
            assert!(proxy.from_server(&answer.to_string()).to_client.is_empty());
        }
    }

    #[test]
    fn an_open_listen_is_sent_again_and_told_of_the_change() {
        let mut proxy = Proxy::new();
        let listen = json!({"jsonrpc": "2.0", "id": "listen-1", "method": "subscriptions/listen",
            "params": {"_meta": {"io.modelcontextprotocol/protocolVersion": "2026-07-28"},
                "notifications": {"toolsListChanged": true, "promptsListChanged": true}}});
        proxy.from_client(&listen.to_string());
        // The server honours tools only.
        let ack = json!({"jsonrpc": "2.0", "method": "notifications/subscriptions/acknowledged",
            "params": {"_meta": {"io.modelcontextprotocol/subscriptionId": "listen-1"},
                "notifications": {"toolsListChanged": true}}});
        assert_eq!(proxy.from_server(&ack.to_string()).to_client.len(), 1);
        let call = json!({"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {}});
        proxy.from_client(&call.to_string());

        let out = proxy.restarted();
        assert_eq!(parsed(&out.to_server), vec![listen]);
        let told = parsed(&out.to_client);
        assert_eq!(told.len(), 2, "{told:?}");
        assert_eq!(told[0]["id"], 3);
        assert_eq!(
            told[1],
            json!({"jsonrpc": "2.0", "method": "notifications/tools/list_changed",
                "params": {"_meta": {"io.modelcontextprotocol/subscriptionId": "listen-1"}}})
        );
        // The new server's acknowledgment is not passed on; the listen is still pending.
        assert!(proxy.from_server(&ack.to_string()).to_client.is_empty());
        assert_eq!(proxy.pending(), 1);
    }

    #[test]
    fn cancelled_requests_and_stale_answers_are_not_passed_on() {
        let mut proxy = Proxy::new();
        proxy.from_client(&json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call"}).to_string());
        proxy.from_client(
            &json!({"jsonrpc": "2.0", "method": "notifications/cancelled",
                "params": {"requestId": 1}})
            .to_string(),
        );
        proxy.from_server(&json!({"jsonrpc": "2.0", "id": 9, "method": "roots/list"}).to_string());
        assert!(proxy.restarted().to_client.is_empty());
        let out = proxy.from_client(&json!({"jsonrpc": "2.0", "id": 9, "result": {}}).to_string());
        assert!(out.to_server.is_empty());
        assert_eq!(out.notes.len(), 1);
    }

    #[test]
    fn without_a_server_requests_are_refused_and_notifications_dropped() {
        let mut proxy = Proxy::new();
        let out = proxy.refuse(r#"{"jsonrpc":"2.0","id":5,"method":"ping"}"#, "down");
        assert_eq!(parsed(&out.to_client)[0]["error"]["message"], "down");
        let out = proxy.refuse(
            r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
            "down",
        );
        assert!(out.to_client.is_empty());
    }

    #[test]
    fn path_dependencies_follow_the_resolve_graph() {
        let metadata = json!({
            "workspace_root": "/w",
            "packages": [
                {"id": "app", "manifest_path": "/w/app/Cargo.toml", "source": null},
                {"id": "lib", "manifest_path": "/w/lib/Cargo.toml", "source": null},
                {"id": "testing", "manifest_path": "/w/testing/Cargo.toml", "source": null},
                {"id": "other", "manifest_path": "/w/other/Cargo.toml", "source": null},
                {"id": "serde", "manifest_path": "/r/serde/Cargo.toml", "source": "registry"},
            ],
            "resolve": {"nodes": [
                {"id": "app", "deps": [
                    {"pkg": "lib", "dep_kinds": [{"kind": null}]},
                    {"pkg": "testing", "dep_kinds": [{"kind": "dev"}]},
                    {"pkg": "serde", "dep_kinds": [{"kind": null}]},
                ]},
                {"id": "lib", "deps": []},
            ]},
        });
        assert_eq!(
            path_dependencies(&metadata, Path::new("/w/app/Cargo.toml")),
            vec![PathBuf::from("/w/lib")]
        );
    }
}
