//! Newline-delimited JSON-RPC over standard input and output.
//!
//! * Messages are answered one at a time, in order, until the client has opened the
//!   connection (an `initialize` handshake or a first modern request); from then on requests
//!   are handled concurrently, at most [`StdioConfig::max_in_flight`] at a time:
//!   when that many are running, the reader stops reading, so a client that pipelines
//!   thousands of requests is held back by the pipe instead of growing the server's memory.
//! * Responses are written in batches: the writer takes everything ready, writes it in one
//!   go and flushes only when nothing else is waiting.
//! * A line longer than [`StdioConfig::max_message_bytes`] is skipped and answered with an
//!   error; the server keeps reading.
//! * At end of input the server finishes what is in flight, writes the answers and returns.
//!
//! Standard output carries protocol messages only; logs go to standard error.

use std::sync::Arc;

use bytes::{Bytes, BytesMut};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::sync::{mpsc, Semaphore};

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
pub async fn serve(dispatcher: Dispatcher) -> Result<()> {
    let config = StdioConfig::default();
    #[cfg(unix)]
    if let Some((input, output)) = pipes() {
        // Pipes (how MCP clients start servers) are read and written directly by the
        // runtime's reactor; tokio's stdin/stdout would hand every read and write to a
        // blocking thread, adding a thread hop to each message.
        return serve_on(dispatcher, input, output, config).await;
    }
    serve_on(dispatcher, tokio::io::stdin(), tokio::io::stdout(), config).await
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
    let (tx, rx) = mpsc::channel::<Vec<u8>>(config.outbound_queue.max(1));
    let writer = tokio::spawn(write_loop(rx, output));
    let connection = Arc::new(Connection::new(tx.clone()));
    let limit = Arc::new(Semaphore::new(config.max_in_flight.max(1)));
    let mut lines = LineReader::new(input, config.max_message_bytes);
    let mut read_error = None;

    loop {
        let permit = Arc::clone(&limit)
            .acquire_owned()
            .await
            .expect("the semaphore is never closed");
        let line = match lines.next().await {
            Ok(Line::End) => break,
            Ok(Line::Message(line)) => line,
            Ok(Line::TooLong) => {
                let error = RpcError::invalid_request(format!(
                    "message longer than the {} byte limit",
                    config.max_message_bytes
                ));
                tracing::warn!("{error}");
                if tx.send(encode_error(None, &error)).await.is_err() {
                    break;
                }
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
            if let Some(answer) = dispatcher.handle(&connection, line).await {
                if tx.send(answer).await.is_err() {
                    break;
                }
            }
            continue;
        }
        let dispatcher = dispatcher.clone();
        let connection = Arc::clone(&connection);
        let tx = tx.clone();
        tokio::spawn(async move {
            if let Some(answer) = dispatcher.handle(&connection, line).await {
                let _ = tx.send(answer).await;
            }
            drop(permit);
        });
    }

    // Wait for every request in flight, then let the writer drain and finish.
    let _all = limit
        .acquire_many(u32::try_from(config.max_in_flight.max(1)).unwrap_or(u32::MAX))
        .await;
    drop(connection);
    drop(tx);
    let written = writer
        .await
        .unwrap_or_else(|e| Err(std::io::Error::other(e)));
    if let Some(e) = read_error {
        return Err(Error::Io {
            transport: "stdio",
            source: e,
        });
    }
    written.map_err(|source| Error::Io {
        transport: "stdio",
        source,
    })
}

enum Line {
    Message(Bytes),
    TooLong,
    End,
}

/// Splits input into lines of at most `max` bytes. A longer line is skipped to its end and
/// reported once, so one oversized message does not end the session.
struct LineReader<R> {
    input: BufReader<R>,
    max: usize,
}

impl<R: AsyncRead + Unpin> LineReader<R> {
    fn new(input: R, max: usize) -> Self {
        LineReader {
            input: BufReader::with_capacity(64 * 1024, input),
            max,
        }
    }

    async fn next(&mut self) -> std::io::Result<Line> {
        let mut line = BytesMut::new();
        let mut too_long = false;
        loop {
            let available = self.input.fill_buf().await?;
            if available.is_empty() {
                return Ok(match (too_long, line.is_empty()) {
                    (true, _) => Line::TooLong,
                    (false, true) => Line::End,
                    (false, false) => Line::Message(line.freeze()),
                });
            }
            let (chunk, consumed, complete) = match memchr::memchr(b'\n', available) {
                Some(end) => (&available[..end], end + 1, true),
                None => (available, available.len(), false),
            };
            if !too_long {
                if line.len() + chunk.len() > self.max {
                    too_long = true;
                    line = BytesMut::new();
                } else {
                    line.extend_from_slice(chunk);
                }
            }
            self.input.consume(consumed);
            if complete {
                return Ok(if too_long {
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

async fn write_loop<W: AsyncWrite + Unpin>(
    mut rx: mpsc::Receiver<Vec<u8>>,
    mut output: W,
) -> std::io::Result<()> {
    let mut batch = Vec::with_capacity(64);
    let mut buffer = Vec::with_capacity(64 * 1024);
    while rx.recv_many(&mut batch, 256).await > 0 {
        for message in batch.drain(..) {
            buffer.extend_from_slice(&message);
            buffer.push(b'\n');
        }
        output.write_all(&buffer).await?;
        buffer.clear();
        if rx.is_empty() {
            output.flush().await?;
        }
    }
    output.flush().await
}
