//! Moving JSON-RPC messages to a server and back: a child process speaking line-delimited
//! JSON on its standard input and output, or a streamable HTTP endpoint answering with JSON or
//! with an event stream. Transports move messages; [`Client`](super::Client) gives them
//! meaning, and passes the HTTP headers each message needs.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::Error;

/// HTTP headers to send with one message, as `(name, value)` pairs.
pub type Headers = [(String, String)];

/// A connection to a server that carries JSON-RPC messages.
pub trait Transport {
    /// Sends a request (a message with an `id`) and returns the response carrying that id.
    /// Notifications the server sends meanwhile are reported on standard error when they are
    /// log messages, and requests it sends are declined, so that it never waits for an answer.
    fn request(&mut self, message: &Value, headers: &Headers) -> Result<Value, Error>;

    /// Sends a notification: nothing comes back.
    fn notify(&mut self, message: &Value, headers: &Headers) -> Result<(), Error>;

    /// Ends the connection: closes the server's input and waits for it to exit, or ends the
    /// HTTP session. Errors are ignored: there is nothing left to do about them.
    fn close(&mut self, headers: &Headers);
}

/// How many bytes of a server's standard error are kept to show when it fails.
const STDERR_TAIL: usize = 8 * 1024;

/// How long a server may take to exit once its input is closed, before it is killed.
const EXIT_GRACE: Duration = Duration::from_secs(3);

/// Where a child server's standard error goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerLog {
    /// Kept in memory, and shown before the error when the server fails.
    Captured,
    /// Appended to this file.
    File(PathBuf),
}

/// A server started as a child process: requests are written to its standard input, one JSON
/// message a line, and answers read from its standard output.
pub struct StdioTransport {
    name: String,
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<std::io::Result<String>>,
    stderr: Option<Arc<Mutex<VecDeque<u8>>>>,
    log: ServerLog,
    timeout: Duration,
}

impl StdioTransport {
    /// Starts `command` with `args`; `timeout` bounds the wait for each answer.
    pub fn spawn(
        command: &Path,
        args: &[String],
        log: ServerLog,
        timeout: Duration,
    ) -> Result<StdioTransport, Error> {
        let name = command.display().to_string();
        let stderr = match &log {
            ServerLog::Captured => Stdio::piped(),
            ServerLog::File(path) => File::options()
                .create(true)
                .append(true)
                .open(path)
                .map(Stdio::from)
                .map_err(|e| {
                    Error::Usage(format!(
                        "cannot open {} for the server's log: {e}",
                        path.display()
                    ))
                })?,
        };
        let mut child = Command::new(command)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .map_err(|e| {
                Error::Connection(format!("cannot start {name}: {e}: check the path given"))
            })?;
        let stdin = child.stdin.take();
        let (sender, lines) = mpsc::channel();
        if let Some(stdout) = child.stdout.take() {
            thread::spawn(move || {
                for line in BufReader::new(stdout).lines() {
                    let end = line.is_err();
                    if sender.send(line).is_err() || end {
                        break;
                    }
                }
            });
        }
        let stderr = child.stderr.take().map(|stream| {
            let tail = Arc::new(Mutex::new(VecDeque::new()));
            let kept = Arc::clone(&tail);
            thread::spawn(move || keep_tail(stream, &kept));
            tail
        });
        Ok(StdioTransport {
            name,
            child,
            stdin,
            lines,
            stderr,
            log,
            timeout,
        })
    }

    fn write(&mut self, message: &Value) -> Result<(), Error> {
        let mut line = message.to_string();
        line.push('\n');
        let written = match &mut self.stdin {
            Some(stdin) => stdin
                .write_all(line.as_bytes())
                .and_then(|()| stdin.flush()),
            None => Err(std::io::ErrorKind::BrokenPipe.into()),
        };
        written.map_err(|_| self.failed("stopped reading its input"))
    }

    /// The error for a server that went away, after showing what it wrote on standard error.
    fn failed(&mut self, what: &str) -> Error {
        // Give the process a moment to finish exiting, so its status can be told.
        let deadline = Instant::now() + Duration::from_millis(500);
        let mut status = None;
        while Instant::now() < deadline {
            if let Ok(Some(exit)) = self.child.try_wait() {
                status = Some(exit);
                break;
            }
            thread::sleep(Duration::from_millis(20));
        }
        let status = status.map(describe_exit).unwrap_or_default();
        let see = self.show_stderr();
        Error::Connection(format!("the server {} {what}{status}{see}", self.name))
    }

    /// Prints the server's captured standard error, and says where to find it.
    fn show_stderr(&mut self) -> String {
        match (&self.log, &self.stderr) {
            (ServerLog::File(path), _) => format!(": see its log in {}", path.display()),
            (ServerLog::Captured, Some(tail)) => {
                // Let the reading thread catch up with the last lines.
                thread::sleep(Duration::from_millis(100));
                let text = match tail.lock() {
                    Ok(tail) => String::from_utf8_lossy(&tail.iter().copied().collect::<Vec<_>>())
                        .into_owned(),
                    Err(_) => String::new(),
                };
                if text.trim().is_empty() {
                    String::new()
                } else {
                    eprintln!("the server's standard error:");
                    for line in text.lines() {
                        eprintln!("  {line}");
                    }
                    ": see its standard error above".to_owned()
                }
            }
            (ServerLog::Captured, None) => String::new(),
        }
    }
}

/// Keeps the last [`STDERR_TAIL`] bytes of `stream`.
fn keep_tail(mut stream: impl Read, tail: &Mutex<VecDeque<u8>>) {
    let mut buffer = [0; 4096];
    loop {
        match stream.read(&mut buffer) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                let Ok(mut tail) = tail.lock() else { break };
                tail.extend(&buffer[..n]);
                let excess = tail.len().saturating_sub(STDERR_TAIL);
                tail.drain(..excess);
            }
        }
    }
}

fn describe_exit(status: ExitStatus) -> String {
    match status.code() {
        Some(code) => format!(" (it exited with status {code})"),
        None => format!(" ({status})"),
    }
}

impl Transport for StdioTransport {
    fn request(&mut self, message: &Value, _headers: &Headers) -> Result<Value, Error> {
        self.write(message)?;
        let id = &message["id"];
        let deadline = Instant::now() + self.timeout;
        loop {
            let remaining = deadline.saturating_duration_since(Instant::now());
            let line = match self.lines.recv_timeout(remaining) {
                Ok(Ok(line)) => line,
                Ok(Err(e)) => {
                    return Err(self.failed(&format!("wrote output that cannot be read ({e})")))
                }
                Err(RecvTimeoutError::Disconnected) => {
                    return Err(self.failed("closed its output before answering"))
                }
                Err(RecvTimeoutError::Timeout) => {
                    let see = self.show_stderr();
                    return Err(Error::Connection(format!(
                        "the server {} did not answer `{}` within {} s{see}: is it an MCP server speaking stdio? (raise the limit with --timeout)",
                        self.name,
                        message["method"].as_str().unwrap_or_default(),
                        self.timeout.as_secs_f64()
                    )));
                }
            };
            if line.trim().is_empty() {
                continue;
            }
            let Ok(incoming) = serde_json::from_str::<Value>(&line) else {
                eprintln!("ignored a line the server wrote that is not JSON: {line}");
                continue;
            };
            if let Some(answer) = observe(&incoming, id) {
                return Ok(answer);
            }
            if let Some(decline) = decline(&incoming) {
                self.write(&decline)?;
            }
        }
    }

    fn notify(&mut self, message: &Value, _headers: &Headers) -> Result<(), Error> {
        self.write(message)
    }

    fn close(&mut self, _headers: &Headers) {
        // End of input asks the server to finish and exit.
        drop(self.stdin.take());
        let deadline = Instant::now() + EXIT_GRACE;
        while Instant::now() < deadline {
            match self.child.try_wait() {
                Ok(Some(_)) | Err(_) => return,
                Ok(None) => thread::sleep(Duration::from_millis(20)),
            }
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for StdioTransport {
    fn drop(&mut self) {
        if self.stdin.is_some() {
            self.close(&[]);
        } else if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// A server reached at a streamable HTTP endpoint. The session id a server gives (handshake
/// era) is kept and sent with every later message.
pub struct HttpTransport {
    url: String,
    agent: ureq::Agent,
    headers: Vec<(String, String)>,
    session: Option<String>,
    timeout: Duration,
}

impl HttpTransport {
    /// A transport to `url`, sending `headers` (such as `Authorization`) with every message;
    /// `timeout` bounds each exchange.
    pub fn new(url: &str, headers: Vec<(String, String)>, timeout: Duration) -> HttpTransport {
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(timeout))
            .http_status_as_error(false)
            .build()
            .into();
        HttpTransport {
            url: url.to_owned(),
            agent,
            headers,
            session: None,
            timeout,
        }
    }

    fn post(
        &mut self,
        message: &Value,
        headers: &Headers,
    ) -> Result<ureq::http::Response<ureq::Body>, Error> {
        let mut request = self
            .agent
            .post(&self.url)
            .header("Content-Type", "application/json")
            .header("Accept", "application/json, text/event-stream");
        for (name, value) in self.headers.iter().chain(headers) {
            request = request.header(name, value);
        }
        if let Some(session) = &self.session {
            request = request.header("Mcp-Session-Id", session);
        }
        let response = request
            .send(message.to_string())
            .map_err(|e| self.unreachable(&e))?;
        if let Some(session) = response
            .headers()
            .get("mcp-session-id")
            .and_then(|value| value.to_str().ok())
        {
            self.session = Some(session.to_owned());
        }
        Ok(response)
    }

    fn unreachable(&self, error: &ureq::Error) -> Error {
        match error {
            ureq::Error::Timeout(_) => Error::Connection(format!(
                "{} did not answer within {} s: raise the limit with --timeout",
                self.url,
                self.timeout.as_secs_f64()
            )),
            other => Error::Connection(format!(
                "cannot reach {}: {other}: check the URL, and that the server is running",
                self.url
            )),
        }
    }

    /// The error for an answer that is not a JSON-RPC response: the JSON-RPC error in its
    /// body when there is one, else its status.
    fn refused(&self, status: ureq::http::StatusCode, body: &str) -> Error {
        if let Ok(message) = serde_json::from_str::<Value>(body) {
            if let Some(error) = Error::from_rpc(&message) {
                return error;
            }
        }
        let hint = match status.as_u16() {
            404 => ": check the URL (the endpoint's path, often /mcp)",
            401 | 403 => ": pass credentials with --header 'Authorization: Bearer TOKEN'",
            _ => "",
        };
        Error::Http {
            status: status.as_u16(),
            message: format!("{} answered HTTP {status}{hint}", self.url),
        }
    }

    /// Reads an event stream until the event carrying the response to `id`, answering the
    /// server's requests on the way.
    fn read_events(
        &mut self,
        body: ureq::Body,
        id: &Value,
        headers: &Headers,
    ) -> Result<Value, Error> {
        let mut data = String::new();
        let mut declines = Vec::new();
        let reader = BufReader::new(body.into_reader());
        for line in reader.lines() {
            let line = line.map_err(|e| {
                Error::Connection(format!("the event stream from {} broke: {e}", self.url))
            })?;
            let line = line.strip_suffix('\r').unwrap_or(&line);
            if let Some(field) = line.strip_prefix("data:") {
                if !data.is_empty() {
                    data.push('\n');
                }
                data.push_str(field.strip_prefix(' ').unwrap_or(field));
                continue;
            }
            if !line.is_empty() {
                // `event:`, `id:`, `retry:` and comments carry nothing we need.
                continue;
            }
            let event = std::mem::take(&mut data);
            let Ok(message) = serde_json::from_str::<Value>(&event) else {
                continue;
            };
            if let Some(answer) = observe(&message, id) {
                return Ok(answer);
            }
            if let Some(decline) = decline(&message) {
                declines.push(decline);
            }
            // Answers to the server's questions go in their own requests, once the stream
            // has been read this far.
            for decline in declines.drain(..) {
                self.notify(&decline, headers)?;
            }
        }
        if let Ok(message) = serde_json::from_str::<Value>(&data) {
            if let Some(answer) = observe(&message, id) {
                return Ok(answer);
            }
        }
        Err(Error::Connection(format!(
            "the event stream from {} ended without the answer to request {id}",
            self.url
        )))
    }
}

impl Transport for HttpTransport {
    fn request(&mut self, message: &Value, headers: &Headers) -> Result<Value, Error> {
        let response = self.post(message, headers)?;
        let status = response.status();
        let event_stream = response
            .headers()
            .get("content-type")
            .and_then(|value| value.to_str().ok())
            .is_some_and(|kind| kind.trim_start().starts_with("text/event-stream"));
        let body = response.into_body();
        if status.is_success() && event_stream {
            return self.read_events(body, &message["id"], headers);
        }
        let text = body.into_with_config().lossy_utf8(true).read_to_string();
        let text = text.map_err(|e| {
            Error::Connection(format!("cannot read the answer of {}: {e}", self.url))
        })?;
        if !status.is_success() {
            return Err(self.refused(status, &text));
        }
        match serde_json::from_str::<Value>(&text) {
            Ok(answer) if answer.get("id") == message.get("id") => Ok(answer),
            _ => Err(Error::Connection(format!(
                "{} answered HTTP {status} without a JSON-RPC response: is it an MCP endpoint?",
                self.url
            ))),
        }
    }

    fn notify(&mut self, message: &Value, headers: &Headers) -> Result<(), Error> {
        let response = self.post(message, headers)?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let text = response
            .into_body()
            .into_with_config()
            .lossy_utf8(true)
            .read_to_string()
            .unwrap_or_default();
        Err(self.refused(status, &text))
    }

    fn close(&mut self, headers: &Headers) {
        let Some(session) = self.session.take() else {
            return;
        };
        let mut request = self
            .agent
            .delete(&self.url)
            .header("Mcp-Session-Id", &session);
        for (name, value) in self.headers.iter().chain(headers) {
            request = request.header(name, value);
        }
        // A server that keeps sessions until they expire may refuse: that is fine.
        let _ = request.call();
    }
}

/// The response to `id` when `message` is one; otherwise reports a log message on standard
/// error and returns `None`.
fn observe(message: &Value, id: &Value) -> Option<Value> {
    let is_response = message.get("method").is_none()
        && (message.get("result").is_some() || message.get("error").is_some());
    if is_response && message.get("id") == Some(id) {
        return Some(message.clone());
    }
    if message["method"] == "notifications/message" {
        let params = &message["params"];
        let data = match &params["data"] {
            Value::String(text) => text.clone(),
            other => other.to_string(),
        };
        let level = params["level"].as_str().unwrap_or("info");
        eprintln!("server log ({level}): {data}");
    }
    None
}

/// The error answer to a request the server sent (elicitation, sampling, roots): this client
/// answers no questions. `None` for anything else.
fn decline(message: &Value) -> Option<Value> {
    let method = message.get("method")?.as_str()?;
    let id = message.get("id")?;
    Some(json!({
        "jsonrpc": "2.0",
        "id": id,
        "error": {
            "code": -32601,
            "message": format!("cargo mcp inspect does not answer `{method}`"),
        },
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_response_to_the_request_is_taken() {
        let id = json!(3);
        let answer = json!({"jsonrpc": "2.0", "id": 3, "result": {}});
        assert_eq!(observe(&answer, &id), Some(answer.clone()));
        let error = json!({"jsonrpc": "2.0", "id": 3, "error": {"code": -1, "message": "no"}});
        assert_eq!(observe(&error, &id), Some(error.clone()));
        for other in [
            json!({"jsonrpc": "2.0", "id": 2, "result": {}}),
            json!({"jsonrpc": "2.0", "id": 3, "method": "roots/list"}),
            json!({"jsonrpc": "2.0", "method": "notifications/progress", "params": {}}),
        ] {
            assert_eq!(observe(&other, &id), None, "{other}");
        }
    }

    #[test]
    fn the_servers_questions_are_declined_and_nothing_else_is_answered() {
        let question = json!({"jsonrpc": "2.0", "id": "q", "method": "elicitation/create"});
        let answer = decline(&question).unwrap();
        assert_eq!(answer["id"], "q");
        assert_eq!(answer["error"]["code"], -32601);
        let notification = json!({"jsonrpc": "2.0", "method": "notifications/message"});
        assert_eq!(decline(&notification), None);
        let response = json!({"jsonrpc": "2.0", "id": 1, "result": {}});
        assert_eq!(decline(&response), None);
    }
}
