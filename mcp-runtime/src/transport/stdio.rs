//! Newline-delimited JSON-RPC over standard input and output.
//!
//! * Messages are answered one at a time, in order, until the client has opened the
//!   connection (an `initialize` handshake or a first modern request); from then on requests
//!   are handled concurrently, at most [`StdioConfig::max_in_flight`] at a time:
//!   when that many are running, the reader stops reading, so a client that pipelines
//!   thousands of requests is held back by the pipe instead of growing the server's memory.
//! * A request whose handler finishes on its first poll (most tools) is answered on the
//!   reading task itself; one that has to wait goes on in a task of its own. A handler that
//!   blocks for long before its first `.await` therefore holds up reading: long synchronous
//!   work belongs in `tokio::task::spawn_blocking`.
//! * Responses are written in batches: answers collect while more input is already
//!   buffered and go out in one write before the server would wait for input.
//! * A line longer than [`StdioConfig::max_message_bytes`] is skipped and answered with an
//!   error; the server keeps reading.
//! * At end of input the server finishes what is in flight, writes the answers and returns.
//!
//! Standard output carries protocol messages only; logs go to standard error.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::Poll;

use bytes::{Bytes, BytesMut};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::sync::{mpsc, oneshot, Semaphore};
use tokio_util::sync::CancellationToken;

use crate::error::{Error, Result};
use crate::protocol::{encode_error, RpcError};
use crate::server::{Connection, Dispatcher};

/// Limits of the stdio transport.
#[derive(Debug, Clone, Copy)]
pub struct StdioConfig {
    /// Requests handled at once before reading pauses (default 256).
    pub max_in_flight: usize,
    /// The longest message accepted, in bytes (default 16 MiB).
    pub max_message_bytes: usize,
    /// Encoded messages waiting to be written before handlers wait (default 1024).
    pub outbound_queue: usize,
}

impl Default for StdioConfig {
    fn default() -> Self {
        StdioConfig {
            max_in_flight: 256,
            max_message_bytes: 16 * 1024 * 1024,
            outbound_queue: 1024,
        }
    }
}

/// Serves `dispatcher` on this process's standard input and output.
///
/// The connection is read and written by a thread of its own, running a single-threaded
/// runtime: a message is then read, answered and written without waking any other thread
/// (a multi-threaded runtime wakes an idle worker for every readiness event, which costs
/// more than the answer itself). Requests that have to wait go on in tasks of the calling
/// runtime, so they run in parallel as before. Dropping the returned future stops serving.
pub async fn serve(dispatcher: Dispatcher) -> Result<()> {
    let config = StdioConfig::default();
    let spawner = tokio::runtime::Handle::current();
    let stop = CancellationToken::new();
    let _stop_when_dropped = stop.clone().drop_guard();
    let (done_tx, done_rx) = oneshot::channel();
    let io_error = |source| Error::Io {
        transport: "stdio",
        source,
    };
    std::thread::Builder::new()
        .name("mcp-stdio".to_owned())
        .spawn(move || {
            let served = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(runtime) => runtime.block_on(async {
                    tokio::select! {
                        served = serve_stdio_here(dispatcher, config, spawner) => served,
                        () = stop.cancelled() => Ok(()),
                    }
                }),
                Err(source) => Err(io_error(source)),
            };
            let _ = done_tx.send(served);
        })
        .map_err(io_error)?;
    done_rx
        .await
        .unwrap_or_else(|_| Err(io_error(std::io::Error::other("the stdio thread panicked"))))
}

/// Serves standard input and output from the current runtime.
async fn serve_stdio_here(
    dispatcher: Dispatcher,
    config: StdioConfig,
    spawner: tokio::runtime::Handle,
) -> Result<()> {
    #[cfg(unix)]
    if let Some((input, output)) = pipes() {
        // Pipes (how MCP clients start servers) are read and written directly by the
        // runtime's reactor; tokio's stdin/stdout would hand every read and write to a
        // blocking thread, adding a thread hop to each message.
        return serve_with(dispatcher, input, output, config, Some(spawner)).await;
    }
    serve_with(
        dispatcher,
        tokio::io::stdin(),
        tokio::io::stdout(),
        config,
        Some(spawner),
    )
    .await
}

/// Standard input and output as non-blocking pipes, when both are pipes.
#[cfg(unix)]
fn pipes() -> Option<(
    tokio::net::unix::pipe::Receiver,
    tokio::net::unix::pipe::Sender,
)> {
    use std::os::fd::AsFd;
    use std::os::unix::fs::FileTypeExt;
    let input = std::fs::File::from(std::io::stdin().as_fd().try_clone_to_owned().ok()?);
    let output = std::fs::File::from(std::io::stdout().as_fd().try_clone_to_owned().ok()?);
    // Both or neither: converting one end makes it non-blocking, which tokio's own stdio
    // (used for the other case) does not expect.
    let is_pipe = |file: &std::fs::File| file.metadata().is_ok_and(|m| m.file_type().is_fifo());
    if !is_pipe(&input) || !is_pipe(&output) {
        return None;
    }
    let input = tokio::net::unix::pipe::Receiver::from_file(input).ok()?;
    let output = tokio::net::unix::pipe::Sender::from_file(output).ok()?;
    Some((input, output))
}

/// Serves `dispatcher` on any byte streams with stdio framing (a socket, a pipe, a test
/// buffer).
///
/// One task reads, dispatches and writes. A request whose handler finishes when first polled
/// (most tools) is answered right there, with no task spawned and no hand-off to another
/// task; a request that has to wait continues in a task of its own. Answers are collected
/// while more input is already buffered and written in one go before the loop would wait.
pub async fn serve_on<R, W>(
    dispatcher: Dispatcher,
    input: R,
    output: W,
    config: StdioConfig,
) -> Result<()>
where
    R: AsyncRead + Unpin + Send + 'static,
    W: AsyncWrite + Unpin + Send + 'static,
{
    serve_with(dispatcher, input, output, config, None).await
}

/// `serve_on`, spawning requests that have to wait on `spawner` (default: the current
/// runtime).
async fn serve_with<R, W>(
    dispatcher: Dispatcher,
    input: R,
    mut output: W,
    config: StdioConfig,
    spawner: Option<tokio::runtime::Handle>,
) -> Result<()>
where
    R: AsyncRead + Unpin + Send + 'static,
    W: AsyncWrite + Unpin + Send + 'static,
{
    let io_error = |source| Error::Io {
        transport: "stdio",
        source,
    };
    let (tx, mut rx) = mpsc::channel::<Vec<u8>>(config.outbound_queue.max(1));
    let connection = Arc::new(Connection::new(tx.clone()));
    let max_in_flight = config.max_in_flight.max(1);
    let limit = Arc::new(Semaphore::new(max_in_flight));
    let mut lines = LineReader::new(input, config.max_message_bytes);
    let mut pending = Pending::default();
    let mut permit = None;
    let mut read_error = None;

    loop {
        // Before waiting for anything, write what is ready unless another message is
        // already buffered (then its answer joins the same write).
        if !pending.is_empty() && (!lines.has_line() || pending.is_full()) {
            pending.write_to(&mut output).await.map_err(io_error)?;
        }
        let line = tokio::select! {
            biased;
            Some(message) = rx.recv() => {
                pending.push(&message);
                continue;
            }
            acquired = Arc::clone(&limit).acquire_owned(), if permit.is_none() => {
                permit = Some(acquired.expect("the semaphore is never closed"));
                continue;
            }
            line = lines.next(), if permit.is_some() => line,
        };
        let line = match line {
            Ok(Line::End) => break,
            Ok(Line::Message(line)) => line,
            Ok(Line::TooLong) => {
                let error = RpcError::invalid_request(format!(
                    "message longer than the {} byte limit",
                    config.max_message_bytes
                ));
                tracing::warn!("{error}");
                pending.push(&encode_error(None, &error));
                continue;
            }
            Err(e) => {
                read_error = Some(e);
                break;
            }
        };
        let line = trim_line(line);
        if line.is_empty() {
            continue;
        }
        if !connection.is_established() {
            // Until the handshake (or a first modern request) is done, answer in order.
            let answer = dispatcher.handle(&connection, line).await;
            pending.drain(&mut rx);
            if let Some(answer) = answer {
                pending.push(&answer);
            }
            continue;
        }
        let request_permit = permit.take().expect("a line is read only with a permit");
        let mut handling: Pin<Box<dyn Future<Output = Option<Vec<u8>>> + Send>> = {
            let dispatcher = dispatcher.clone();
            let connection = Arc::clone(&connection);
            Box::pin(async move { dispatcher.handle(&connection, line).await })
        };
        let first_poll = std::future::poll_fn(|cx| Poll::Ready(handling.as_mut().poll(cx))).await;
        match first_poll {
            Poll::Ready(answer) => {
                // Notifications the request sent go out before its answer.
                pending.drain(&mut rx);
                if let Some(answer) = answer {
                    pending.push(&answer);
                }
                drop(request_permit);
            }
            Poll::Pending => {
                let tx = tx.clone();
                let task = async move {
                    if let Some(answer) = handling.await {
                        let _ = tx.send(answer).await;
                    }
                    drop(request_permit);
                };
                match &spawner {
                    Some(runtime) => drop(runtime.spawn(task)),
                    None => drop(tokio::spawn(task)),
                }
            }
        }
    }

    // Finish every request in flight, writing answers as they come, then the rest.
    drop(permit);
    let all = u32::try_from(max_in_flight).unwrap_or(u32::MAX);
    let finished = limit.acquire_many(all);
    tokio::pin!(finished);
    loop {
        if !pending.is_empty() {
            pending.write_to(&mut output).await.map_err(io_error)?;
        }
        tokio::select! {
            biased;
            Some(message) = rx.recv() => pending.push(&message),
            _ = &mut finished => break,
        }
    }
    pending.drain(&mut rx);
    pending.write_to(&mut output).await.map_err(io_error)?;
    output.flush().await.map_err(io_error)?;
    match read_error {
        Some(source) => Err(io_error(source)),
        None => Ok(()),
    }
}

/// Encoded messages waiting to be written, each followed by a newline.
#[derive(Default)]
struct Pending {
    buffer: Vec<u8>,
}

impl Pending {
    /// Past this many bytes, answers are written even while more input is buffered.
    const FULL: usize = 64 * 1024;

    fn is_empty(&self) -> bool {
        self.buffer.is_empty()
    }

    fn is_full(&self) -> bool {
        self.buffer.len() >= Self::FULL
    }

    fn push(&mut self, message: &[u8]) {
        self.buffer.extend_from_slice(message);
        self.buffer.push(b'\n');
    }

    /// Takes every message already queued by handlers.
    fn drain(&mut self, rx: &mut mpsc::Receiver<Vec<u8>>) {
        while let Ok(message) = rx.try_recv() {
            self.push(&message);
        }
    }

    async fn write_to<W: AsyncWrite + Unpin>(&mut self, output: &mut W) -> std::io::Result<()> {
        output.write_all(&self.buffer).await?;
        output.flush().await?;
        self.buffer.clear();
        // A burst of large answers must not keep its buffer for the rest of the session.
        if self.buffer.capacity() > 4 * Self::FULL {
            self.buffer = Vec::new();
        }
        Ok(())
    }
}

enum Line {
    Message(Bytes),
    TooLong,
    End,
}

/// Splits input into lines of at most `max` bytes. A longer line is skipped to its end and
/// reported once, so one oversized message does not end the session.
///
/// `next` is cancel safe: a partly read line stays in the reader.
struct LineReader<R> {
    input: BufReader<R>,
    max: usize,
    line: BytesMut,
    too_long: bool,
}

impl<R: AsyncRead + Unpin> LineReader<R> {
    fn new(input: R, max: usize) -> Self {
        LineReader {
            input: BufReader::with_capacity(64 * 1024, input),
            max,
            line: BytesMut::new(),
            too_long: false,
        }
    }

    /// True when a whole line is already buffered, so `next` will not wait.
    fn has_line(&self) -> bool {
        memchr::memchr(b'\n', self.input.buffer()).is_some()
    }

    async fn next(&mut self) -> std::io::Result<Line> {
        loop {
            let available = self.input.fill_buf().await?;
            if available.is_empty() {
                let line = std::mem::take(&mut self.line);
                return Ok(
                    match (std::mem::take(&mut self.too_long), line.is_empty()) {
                        (true, _) => Line::TooLong,
                        (false, true) => Line::End,
                        (false, false) => Line::Message(line.freeze()),
                    },
                );
            }
            let (chunk, consumed, complete) = match memchr::memchr(b'\n', available) {
                Some(end) => (&available[..end], end + 1, true),
                None => (available, available.len(), false),
            };
            if complete && self.line.is_empty() && !self.too_long {
                // The usual case: the whole line is in the buffer.
                let line = Bytes::copy_from_slice(chunk);
                self.input.consume(consumed);
                return Ok(if line.len() > self.max {
                    Line::TooLong
                } else {
                    Line::Message(line)
                });
            }
            if !self.too_long {
                if self.line.len() + chunk.len() > self.max {
                    self.too_long = true;
                    self.line = BytesMut::new();
                } else {
                    self.line.extend_from_slice(chunk);
                }
            }
            self.input.consume(consumed);
            if complete {
                let line = std::mem::take(&mut self.line);
                return Ok(if std::mem::take(&mut self.too_long) {
                    Line::TooLong
                } else {
                    Line::Message(line.freeze())
                });
            }
        }
    }
}

fn trim_line(mut line: Bytes) -> Bytes {
    while let Some(&last) = line.last() {
        if last == b'\r' || last == b' ' || last == b'\t' {
            line.truncate(line.len() - 1);
        } else {
            break;
        }
    }
    line
}
