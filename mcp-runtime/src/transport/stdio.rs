//! Newline-delimited JSON-RPC over standard input and output.
//!
//! * Input is always read, whatever is in flight: the client's answers to the server's own
//!   questions (elicitation, sampling, roots, confirmations), its cancellations and its pings
//!   arrive on the same stream as its requests, and are handled as soon as they are read.
//! * Requests run concurrently, at most [`StdioConfig::max_in_flight`] at a time. Requests
//!   that arrive while that many are running wait in a queue of at most
//!   [`StdioConfig::max_queued_bytes`]; one that does not fit is answered at once with an
//!   error ([`OVERLOADED`]), so memory stays bounded and nothing goes unanswered.
//! * A request whose handler finishes on its first poll (an `async fn` that does not wait, a
//!   synchronous function marked `inline`) is answered on the reading task itself; one that
//!   has to wait goes on in a task of its own. Synchronous functions run on blocking threads
//!   unless marked `inline`; an `async fn` that blocks before its first `.await` holds up
//!   reading, as it would hold up any runtime.
//! * Responses are written in batches: answers collect while more input is already buffered
//!   and go out in one write. Up to [`StdioConfig::max_pending_output`] bytes of answers wait
//!   for a client that writes a burst before reading; past that, reading pauses until the
//!   client reads.
//! * A line longer than [`StdioConfig::max_message_bytes`] is skipped and answered with an
//!   error; the server keeps reading.
//! * At end of input, or when shutdown is asked for ([`serve_until`]; [`serve`] listens for
//!   SIGINT and SIGTERM), the server stops reading, lets the requests in flight and queued
//!   finish for up to [`StdioConfig::shutdown_grace`], then cancels the rest, answering each
//!   with an error, writes every answer and returns. Questions to a client whose input has
//!   ended fail at once, since no answer can come.
//!
//! Standard output carries protocol messages only; logs go to standard error.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use bytes::{Buf, Bytes, BytesMut};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::{mpsc, oneshot, OwnedSemaphorePermit, Semaphore};
use tokio_util::sync::CancellationToken;

use crate::error::{Error, Result};
use crate::protocol::{encode_error, Incoming, RpcError};
use crate::server::{Connection, Dispatcher};

/// The JSON-RPC error code for a request refused because the server already holds as many
/// requests as it allows (running and queued); the client may retry later.
pub const OVERLOADED: i32 = -32000;

/// Limits of the stdio transport.
///
/// ```no_run
/// use std::time::Duration;
/// use mcp_runtime::prelude::*;
/// use mcp_runtime::transport::stdio::{self, StdioConfig};
///
/// # #[tokio::main] async fn main() -> mcp_runtime::Result<()> {
/// let dispatcher = Server::new("calculator", "1.0.0").build()?;
/// let config = StdioConfig {
///     max_in_flight: 32,
///     shutdown_grace: Duration::from_secs(3),
///     ..StdioConfig::default()
/// };
/// stdio::serve_until(dispatcher, config, mcp_runtime::transport::shutdown_signal()).await
/// # }
/// ```
#[derive(Debug, Clone, Copy)]
pub struct StdioConfig {
    /// Requests running at once (default 256); more wait in the queue.
    pub max_in_flight: usize,
    /// The longest message accepted, in bytes (default 16 MiB).
    pub max_message_bytes: usize,
    /// Encoded messages from running requests waiting to be collected (default 1024).
    pub outbound_queue: usize,
    /// Bytes of requests waiting for a place among those running (default 16 MiB); a request
    /// that does not fit is answered with [`OVERLOADED`].
    pub max_queued_bytes: usize,
    /// Bytes of answers waiting for the client to read them before the server stops reading
    /// (default 16 MiB).
    pub max_pending_output: usize,
    /// How long requests may go on after input ends or shutdown is asked for, before they are
    /// cancelled (default 10 s).
    pub shutdown_grace: Duration,
}

impl Default for StdioConfig {
    fn default() -> Self {
        StdioConfig {
            max_in_flight: 256,
            max_message_bytes: 16 * 1024 * 1024,
            outbound_queue: 1024,
            max_queued_bytes: 16 * 1024 * 1024,
            max_pending_output: 16 * 1024 * 1024,
            shutdown_grace: Duration::from_secs(10),
        }
    }
}

/// Serves `dispatcher` on this process's standard input and output until input ends or the
/// process gets SIGINT or SIGTERM (then shuts down gracefully; a second signal exits at once).
///
/// The connection is read and written by a thread of its own, running a single-threaded
/// runtime: a message is then read, answered and written without waking any other thread
/// (a multi-threaded runtime wakes an idle worker for every readiness event, which costs
/// more than the answer itself). Requests that have to wait go on in tasks of the calling
/// runtime, so they run in parallel as before. Dropping the returned future stops serving.
pub async fn serve(dispatcher: Dispatcher) -> Result<()> {
    serve_until(
        dispatcher,
        StdioConfig::default(),
        crate::transport::shutdown_signal(),
    )
    .await
}

/// Like [`serve`], with limits of your own, shutting down gracefully when `shutdown`
/// completes.
pub async fn serve_until(
    dispatcher: Dispatcher,
    config: StdioConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<()> {
    let spawner = tokio::runtime::Handle::current();
    let stop = CancellationToken::new();
    let _stop_when_dropped = stop.clone().drop_guard();
    let (done_tx, done_rx) = oneshot::channel();
    std::thread::Builder::new()
        .name("mcp-stdio".to_owned())
        .spawn(move || {
            let served = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(runtime) => runtime.block_on(async {
                    tokio::select! {
                        served = serve_stdio_here(dispatcher, config, spawner, shutdown) => served,
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

fn io_error(source: std::io::Error) -> Error {
    Error::Io {
        transport: "stdio",
        source,
    }
}

/// Serves standard input and output from the current runtime.
async fn serve_stdio_here(
    dispatcher: Dispatcher,
    config: StdioConfig,
    spawner: tokio::runtime::Handle,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<()> {
    #[cfg(unix)]
    if let Some((input, output)) = pipes() {
        // Pipes (how MCP clients start servers) are read and written directly by the
        // runtime's reactor; tokio's stdin/stdout would hand every read and write to a
        // blocking thread, adding a thread hop to each message.
        return serve_with(dispatcher, input, output, config, Some(spawner), shutdown).await;
    }
    serve_with(
        dispatcher,
        tokio::io::stdin(),
        tokio::io::stdout(),
        config,
        Some(spawner),
        shutdown,
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
/// buffer), until input ends.
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
    serve_with(
        dispatcher,
        input,
        output,
        config,
        None,
        std::future::pending(),
    )
    .await
}

/// Like [`serve_on`], shutting down gracefully when `shutdown` completes: requests are no
/// longer accepted (answered with an error), those running and queued get
/// [`StdioConfig::shutdown_grace`] to finish, the rest are cancelled with an error answer.
///
/// ```
/// use std::time::Duration;
/// use mcp_runtime::prelude::*;
/// use mcp_runtime::transport::stdio::{serve_on_until, StdioConfig};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> mcp_runtime::Result<()> {
/// let dispatcher = Server::new("demo", "1.0.0").build()?;
/// let (client, server) = tokio::io::duplex(64 * 1024);
/// let (input, output) = tokio::io::split(server);
/// let config = StdioConfig { shutdown_grace: Duration::from_secs(2), ..StdioConfig::default() };
/// let stop = tokio::time::sleep(Duration::from_millis(10));
/// serve_on_until(dispatcher, input, output, config, stop).await?;
/// # drop(client);
/// # Ok(())
/// # }
/// ```
pub async fn serve_on_until<R, W>(
    dispatcher: Dispatcher,
    input: R,
    output: W,
    config: StdioConfig,
    shutdown: impl Future<Output = ()>,
) -> Result<()>
where
    R: AsyncRead + Unpin + Send + 'static,
    W: AsyncWrite + Unpin + Send + 'static,
{
    serve_with(dispatcher, input, output, config, None, shutdown).await
}

/// A request handler after its first poll.
type Handling = Pin<Box<dyn Future<Output = Option<Vec<u8>>> + Send>>;

/// The serving loop's state, apart from the streams.
struct Serving {
    dispatcher: Dispatcher,
    connection: Arc<Connection>,
    tx: mpsc::Sender<Vec<u8>>,
    rx: mpsc::Receiver<Vec<u8>>,
    /// One permit per request allowed to run.
    limit: Arc<Semaphore>,
    /// Requests waiting for a permit, in arrival order, and their size.
    queue: VecDeque<Bytes>,
    queued_bytes: usize,
    spawner: Option<tokio::runtime::Handle>,
    config: StdioConfig,
}

impl Serving {
    /// Handles one message: answered in place when it finishes on its first poll, else
    /// continued in a task of its own holding `permit` (requests) or none (anything else).
    fn start(&mut self, pending: &mut Pending, line: Bytes, permit: Option<OwnedSemaphorePermit>) {
        let mut handling: Handling = {
            let dispatcher = self.dispatcher.clone();
            let connection = Arc::clone(&self.connection);
            Box::pin(async move { dispatcher.handle(&connection, line).await })
        };
        // Polled once here; if it has to wait, the task it moves to polls it again and
        // registers its own wake-ups.
        let mut first = std::task::Context::from_waker(std::task::Waker::noop());
        match handling.as_mut().poll(&mut first) {
            Poll::Ready(answer) => {
                // Notifications the request sent go out before its answer.
                pending.drain(&mut self.rx);
                if let Some(answer) = answer {
                    pending.push(&answer);
                }
            }
            Poll::Pending => {
                let tx = self.tx.clone();
                let task = async move {
                    if let Some(answer) = handling.await {
                        let _ = tx.send(answer).await;
                    }
                    drop(permit);
                };
                match &self.spawner {
                    Some(runtime) => drop(runtime.spawn(task)),
                    None => drop(tokio::spawn(task)),
                }
            }
        }
    }

    /// A message just read: run it now if a place is free (or it is not a request that
    /// takes one), queue it behind earlier requests otherwise. While `closing`, requests are
    /// refused; answers and cancellations are still handled.
    fn received(&mut self, pending: &mut Pending, line: Bytes, closing: bool) {
        if self.queue.is_empty() && !closing {
            if let Ok(permit) = Arc::clone(&self.limit).try_acquire_owned() {
                return self.start(pending, line, Some(permit));
            }
        }
        // Only requests wait. Answers to the server's questions, cancellations and pings are
        // handled at once, so that requests waiting on them can finish.
        let waiting = match Incoming::decode(&line) {
            Ok(Incoming::Request { id, method, .. }) if method != "ping" => Some(id),
            _ => None,
        };
        let Some(id) = waiting else {
            return self.start(pending, line, None);
        };
        let refusal = if closing {
            RpcError::shutting_down()
        } else if self.queued_bytes + line.len() > self.config.max_queued_bytes {
            overloaded(&self.config)
        } else {
            self.queued_bytes += line.len();
            self.queue.push_back(line);
            return;
        };
        pending.push(&encode_error(Some(&id), &refusal));
    }

    /// Starts the oldest queued request with `permit`.
    fn dequeue(&mut self, pending: &mut Pending, permit: OwnedSemaphorePermit) {
        if let Some(line) = self.queue.pop_front() {
            self.queued_bytes -= line.len();
            self.start(pending, line, Some(permit));
        }
    }

    /// True when nothing runs and nothing waits.
    fn idle(&self) -> bool {
        self.queue.is_empty() && self.limit.available_permits() == self.config.max_in_flight
    }
}

/// The error for a request refused because the server is full.
fn overloaded(config: &StdioConfig) -> RpcError {
    let error = RpcError::new(
        OVERLOADED,
        format!(
            "the server is busy: {} requests are running and {} bytes of requests are waiting; send this one again later",
            config.max_in_flight, config.max_queued_bytes
        ),
    );
    tracing::warn!("{}", error.message);
    error
}

/// `serve_on`, spawning requests that have to wait on `spawner` (default: the current
/// runtime), shutting down when `shutdown` completes.
///
/// The transport's hot loop, kept in one piece: a single biased `select!` whose branch order
/// is the priority order (write, collect answers, start queued requests, shutdown, read), so
/// that every message costs one pass and the priorities can be read in one place.
async fn serve_with<R, W>(
    dispatcher: Dispatcher,
    input: R,
    mut output: W,
    mut config: StdioConfig,
    spawner: Option<tokio::runtime::Handle>,
    shutdown: impl Future<Output = ()>,
) -> Result<()>
where
    R: AsyncRead + Unpin + Send + 'static,
    W: AsyncWrite + Unpin + Send + 'static,
{
    config.max_in_flight = config.max_in_flight.max(1);
    let (tx, rx) = mpsc::channel::<Vec<u8>>(config.outbound_queue.max(1));
    let connection = Arc::new(Connection::new(tx.clone()));
    let mut serving = Serving {
        dispatcher,
        connection: Arc::clone(&connection),
        tx,
        rx,
        limit: Arc::new(Semaphore::new(config.max_in_flight)),
        queue: VecDeque::new(),
        queued_bytes: 0,
        spawner,
        config,
    };
    let mut pending = Pending::default();
    let limit = Arc::clone(&serving.limit);
    let mut lines = LineReader::new(input, config.max_message_bytes);
    let mut read_error = None;
    let mut shutdown = std::pin::pin!(shutdown);
    let mut input_done = false;
    // Set once input ends or shutdown is asked for: from then on requests are refused, and
    // those still running have until the grace period ends.
    let mut grace: Option<Pin<Box<tokio::time::Sleep>>> = None;
    let mut cancelled = false;
    let all_permits = u32::try_from(config.max_in_flight).unwrap_or(u32::MAX);

    loop {
        let closing = grace.is_some();
        if closing && serving.idle() {
            break;
        }
        let backlog = pending.len();
        // Write unless another message is already buffered (its answer joins the write).
        let write_now = backlog > 0 && (input_done || !lines.has_line() || pending.is_full());
        let room = backlog < config.max_pending_output;
        tokio::select! {
            biased;
            written = output.write(pending.unwritten()), if write_now => {
                pending.advance(written.map_err(io_error)?);
                if pending.len() == 0 {
                    output.flush().await.map_err(io_error)?;
                }
            }
            Some(message) = serving.rx.recv(), if room => pending.push(&message),
            permit = Arc::clone(&limit).acquire_owned(), if !serving.queue.is_empty() => {
                serving.dequeue(&mut pending, permit.expect("the semaphore is never closed"));
            }
            // Every permit back while closing: the last request finished.
            _ = limit.acquire_many(all_permits), if closing && serving.queue.is_empty() => {}
            () = &mut shutdown, if !closing => {
                tracing::info!("shutting down: requests are no longer accepted");
                grace = Some(Box::pin(tokio::time::sleep(config.shutdown_grace)));
            }
            () = async { grace.as_mut().expect("checked").await }, if closing && !cancelled => {
                cancelled = true;
                tracing::warn!("requests still running after the shutdown grace period are cancelled");
                connection.shut_down();
                for line in std::mem::take(&mut serving.queue) {
                    pending.push(&shutting_down(&line));
                }
                serving.queued_bytes = 0;
            }
            line = lines.next(), if room && !input_done => match line {
                Ok(Line::Message(line)) => {
                    let line = trim_line(line);
                    if !line.is_empty() {
                        serving.received(&mut pending, line, closing);
                    }
                    // Whole lines already buffered are handled here, a batch at a time,
                    // without another pass through the select for each.
                    for _ in 1..BATCH {
                        if pending.is_full() || pending.len() >= config.max_pending_output {
                            break;
                        }
                        let Some(line) = lines.buffered() else { break };
                        let line = trim_line(line);
                        if !line.is_empty() {
                            serving.received(&mut pending, line, closing);
                        }
                    }
                }
                Ok(Line::TooLong) => {
                    let error = RpcError::invalid_request(format!(
                        "message longer than the {} byte limit",
                        config.max_message_bytes
                    ));
                    tracing::warn!("{error}");
                    pending.push(&encode_error(None, &error));
                }
                end => {
                    if let Err(e) = end {
                        read_error = Some(e);
                    }
                    // Nothing more will be read, so no question to the client can be answered.
                    input_done = true;
                    connection.close_questions();
                    if grace.is_none() {
                        grace = Some(Box::pin(tokio::time::sleep(config.shutdown_grace)));
                    }
                }
            },
        }
    }
    pending.drain(&mut serving.rx);
    output
        .write_all(pending.unwritten())
        .await
        .map_err(io_error)?;
    output.flush().await.map_err(io_error)?;
    match read_error {
        Some(source) => Err(io_error(source)),
        None => Ok(()),
    }
}

/// At most this many messages read in one pass of the serving loop, when they are buffered
/// already.
const BATCH: usize = 64;

/// The answer to a queued request that never ran because the server shut down.
fn shutting_down(line: &[u8]) -> Vec<u8> {
    let id = match Incoming::decode(line) {
        Ok(Incoming::Request { id, .. }) => Some(id),
        _ => None,
    };
    encode_error(id.as_ref(), &RpcError::shutting_down())
}

/// Encoded messages waiting to be written, each followed by a newline.
#[derive(Default)]
struct Pending {
    buffer: Vec<u8>,
    /// How much of `buffer` is written already.
    written: usize,
}

impl Pending {
    /// Past this many bytes, answers are written even while more input is buffered.
    const FULL: usize = 64 * 1024;

    /// Bytes not written yet.
    fn len(&self) -> usize {
        self.buffer.len() - self.written
    }

    fn is_full(&self) -> bool {
        self.len() >= Self::FULL
    }

    fn unwritten(&self) -> &[u8] {
        &self.buffer[self.written..]
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

    /// Marks `n` more bytes written.
    fn advance(&mut self, n: usize) {
        self.written += n;
        if self.written == self.buffer.len() {
            self.buffer.clear();
            self.written = 0;
            // A burst of large answers must not keep its buffer for the rest of the session.
            if self.buffer.capacity() > 4 * Self::FULL {
                self.buffer = Vec::new();
            }
        } else if self.written >= Self::FULL && self.written >= self.buffer.len() / 2 {
            // Under a steady stream of answers the buffer may never empty: what was written
            // is dropped from its front, so that it holds what waits and not all that went.
            self.buffer.drain(..self.written);
            self.written = 0;
        }
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
/// Lines are split off the read buffer without a copy: each shares the buffer it was read
/// into, which is released once its last line is.
///
/// `next` is cancel safe: what was read stays in the reader.
struct LineReader<R> {
    input: R,
    buffer: BytesMut,
    /// How much of `buffer` is known to hold no newline.
    searched: usize,
    max: usize,
    /// A line longer than `max` is being skipped.
    skipping: bool,
}

impl<R: AsyncRead + Unpin> LineReader<R> {
    /// How much is read at a time, at least.
    const READ: usize = 64 * 1024;

    fn new(input: R, max: usize) -> Self {
        LineReader {
            input,
            buffer: BytesMut::with_capacity(Self::READ),
            searched: 0,
            max,
            skipping: false,
        }
    }

    /// Where the first line in the buffer ends, if it is there whole.
    fn newline(&mut self) -> Option<usize> {
        match memchr::memchr(b'\n', &self.buffer[self.searched..]) {
            Some(at) => Some(self.searched + at),
            None => {
                self.searched = self.buffer.len();
                None
            }
        }
    }

    /// True when a whole line is already buffered, so `next` will not wait.
    fn has_line(&mut self) -> bool {
        self.newline().is_some()
    }

    /// The first `end` bytes as a line, and the newline after them dropped.
    fn split_line(&mut self, end: usize) -> Bytes {
        let mut line = self.buffer.split_to(end + 1);
        line.truncate(end);
        self.searched = 0;
        line.freeze()
    }

    /// The next line, when it is whole in the buffer and within the limit (the usual case);
    /// `None` when [`next`](Self::next) has to read or handle anything else.
    fn buffered(&mut self) -> Option<Bytes> {
        if self.skipping {
            return None;
        }
        let end = self.newline()?;
        (end <= self.max).then(|| self.split_line(end))
    }

    async fn next(&mut self) -> std::io::Result<Line> {
        loop {
            match self.newline() {
                Some(end) if self.skipping || end > self.max => {
                    self.buffer.advance(end + 1);
                    self.searched = 0;
                    self.skipping = false;
                    return Ok(Line::TooLong);
                }
                Some(end) => return Ok(Line::Message(self.split_line(end))),
                None if self.skipping || self.buffer.len() > self.max => {
                    // Too long already: what was read of it is dropped as it comes.
                    self.skipping = true;
                    self.buffer.clear();
                    self.searched = 0;
                }
                None => {}
            }
            if self.buffer.capacity() - self.buffer.len() < Self::READ / 4 {
                self.buffer.reserve(Self::READ);
            }
            if self.input.read_buf(&mut self.buffer).await? == 0 {
                self.searched = 0;
                return Ok(if std::mem::take(&mut self.skipping) {
                    Line::TooLong
                } else if self.buffer.is_empty() {
                    Line::End
                } else {
                    Line::Message(self.buffer.split().freeze())
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::VecDeque;

    /// Input that arrives in the given pieces, one per read.
    struct Pieces(VecDeque<Vec<u8>>);

    impl AsyncRead for Pieces {
        fn poll_read(
            mut self: Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
            buf: &mut tokio::io::ReadBuf<'_>,
        ) -> Poll<std::io::Result<()>> {
            if let Some(mut piece) = self.0.pop_front() {
                let n = piece.len().min(buf.remaining());
                buf.put_slice(&piece[..n]);
                if n < piece.len() {
                    self.0.push_front(piece.split_off(n));
                }
            }
            Poll::Ready(Ok(()))
        }
    }

    async fn lines(pieces: &[&[u8]], max: usize) -> Vec<String> {
        let pieces = Pieces(pieces.iter().map(|p| p.to_vec()).collect());
        let mut reader = LineReader::new(pieces, max);
        let mut seen = Vec::new();
        loop {
            let line = match reader.buffered() {
                Some(line) => Line::Message(line),
                None => reader.next().await.unwrap(),
            };
            seen.push(match line {
                Line::Message(line) => String::from_utf8(line.to_vec()).unwrap(),
                Line::TooLong => "<too long>".to_owned(),
                Line::End => return seen,
            });
        }
    }

    #[test]
    fn answers_never_all_written_do_not_keep_what_was_written() {
        let mut pending = Pending::default();
        let answer = vec![b'x'; 1024];
        for _ in 0..10_000 {
            pending.push(&answer);
            // The client reads all but the last 100 bytes: the buffer never empties.
            pending.advance(pending.len() - 100);
        }
        assert_eq!(pending.len(), 100);
        assert!(
            pending.buffer.capacity() <= 4 * Pending::FULL,
            "{} bytes kept for 100 waiting",
            pending.buffer.capacity()
        );
        assert!(pending.unwritten().iter().all(|&b| b == b'x' || b == b'\n'));
    }

    #[tokio::test]
    async fn lines_split_across_reads_are_joined() {
        assert_eq!(
            lines(&[b"ab", b"c\nde", b"f\ng", b"h\n\n", b"last"], 10).await,
            ["abc", "def", "gh", "", "last"]
        );
    }

    #[tokio::test]
    async fn a_line_over_the_limit_is_reported_once_and_the_next_one_read() {
        assert_eq!(
            lines(&[b"0123", b"45678", b"9\nok\n0123456789"], 5).await,
            ["<too long>", "ok", "<too long>"]
        );
        assert_eq!(lines(&[b"0123456789\nok\n"], 5).await, ["<too long>", "ok"]);
    }

    #[tokio::test]
    async fn lines_share_the_buffer_they_were_read_into() {
        let mut reader = LineReader::new(Pieces([b"one\ntwo\n".to_vec()].into()), 64);
        let Line::Message(one) = reader.next().await.unwrap() else {
            panic!("expected a line")
        };
        let two = reader.buffered().expect("the second line is buffered");
        assert_eq!((&one[..], &two[..]), (&b"one"[..], &b"two"[..]));
        assert_eq!(two.as_ptr(), one.as_ptr().wrapping_add(4));
    }
}
