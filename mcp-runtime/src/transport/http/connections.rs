//! Accepting and serving HTTP/1.1 connections with limits: a cap on connections open at
//! once, a deadline for each request's head, and an idle timeout between requests.
//!
//! `axum::serve` sets no timer on its connections, so hyper's header-read timeout never
//! applies and a client that sends half a request holds its connection forever. Here each
//! connection is served by hyper directly, with [`TokioTimer`] set.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, OwnedSemaphorePermit, Semaphore};
use tokio_util::sync::CancellationToken;

use super::HttpConfig;
use crate::error::{Error, Result};

/// How long, once the requests left at the end of the grace period were cancelled, their
/// error answers may take to be written before the connections are dropped.
const ANSWER_AFTER_CANCEL: Duration = Duration::from_secs(2);

/// The stages of a graceful shutdown, as the endpoint sees them (a request extension set by
/// [`serve_router`]; an endpoint served some other way never drains).
#[derive(Debug, Clone, Default)]
pub(super) struct Drain {
    /// Shutdown started: streams that only send (a session's GET stream, a
    /// `subscriptions/listen`) end now, since they would never end by themselves.
    started: CancellationToken,
    /// The grace period is over: requests still running are cancelled, each answered with
    /// an error saying the server is shutting down.
    over: CancellationToken,
}

impl Drain {
    /// True once shutdown started: new requests are refused.
    pub(super) fn is_started(&self) -> bool {
        self.started.is_cancelled()
    }

    /// Completes when shutdown starts.
    pub(super) async fn started(&self) {
        self.started.cancelled().await
    }

    /// Completes when the grace period is over.
    pub(super) async fn over(&self) {
        self.over.cancelled().await
    }

    /// The token cancelled when shutdown starts, for streams to end on.
    pub(super) fn started_token(&self) -> CancellationToken {
        self.started.clone()
    }
}

/// Serves `app` (the MCP [`router`](super::router), alone or merged into an application) on
/// `listener` until `shutdown` completes, with the connection limits of `config`:
///
/// * at most [`HttpConfig::max_connections`] connections at once; further clients wait in
///   the listener's backlog until one closes;
/// * a connection that does not send a request's line and headers within
///   [`HttpConfig::header_read_timeout`] is closed;
/// * a connection on which nothing is read or written for
///   [`HttpConfig::keep_alive_timeout`] is closed (after the response in progress, if any);
/// * handlers learn the peer's address (axum's `ConnectInfo<SocketAddr>`), which bounds the
///   sessions each address may open.
///
/// (The endpoint itself enforces [`HttpConfig::body_read_timeout`], however it is served.)
///
/// When `shutdown` completes, it stops accepting connections and requests, ends the streams
/// that only send (sessions' GET streams, `subscriptions/listen`), and lets requests in
/// progress finish for up to [`HttpConfig::shutdown_grace`]. Requests still running then are
/// cancelled, and each is answered with an error saying the server is shutting down
/// (`-32000`) before it returns.
///
/// ```no_run
/// use mcp_runtime::prelude::*;
/// use mcp_runtime::transport::http::{self, HttpConfig};
///
/// # #[tokio::main] async fn main() -> mcp_runtime::Result<()> {
/// let dispatcher = Server::new("calculator", "1.0.0").build()?;
/// let config = HttpConfig::default();
/// let app = axum::Router::new()
///     .route("/health", axum::routing::get(|| async { "ok" }))
///     .merge(http::router(dispatcher, &config));
/// let listener = tokio::net::TcpListener::bind(config.bind).await.unwrap();
/// http::serve_router(listener, app, &config, async {
///     let _ = tokio::signal::ctrl_c().await;
/// })
/// .await
/// # }
/// ```
pub async fn serve_router<F>(
    listener: TcpListener,
    app: Router,
    config: &HttpConfig,
    shutdown: F,
) -> Result<()>
where
    F: Future<Output = ()>,
{
    let max = config.max_connections.clamp(1, u32::MAX as usize >> 3);
    let slots = Arc::new(Semaphore::new(max));
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(config.header_read_timeout);
    let (stop, stopping) = watch::channel(());
    let serving = Serving {
        http,
        app,
        drain: Drain::default(),
        keep_alive: config.keep_alive_timeout,
        stopping,
    };
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let slot = tokio::select! {
            () = &mut shutdown => break,
            slot = Arc::clone(&slots).acquire_owned() => match slot {
                Ok(slot) => slot,
                Err(_) => break,
            },
        };
        let (stream, peer) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    accept_failed(error).await;
                    continue;
                }
            },
        };
        // Answers and SSE events are small writes: without TCP_NODELAY, Nagle's algorithm
        // holds each one back until the client's delayed ACK, up to 40 ms.
        if let Err(error) = stream.set_nodelay(true) {
            tracing::debug!("cannot set TCP_NODELAY: {error}");
        }
        serving.serve(stream, peer, slot);
    }
    drop(listener);
    serving.drain.started.cancel();
    let _ = stop.send(());
    wait_for_connections(&slots, max, config.shutdown_grace, &serving.drain).await;
    Ok(())
}

/// What every connection is served with.
struct Serving {
    http: hyper::server::conn::http1::Builder,
    app: Router,
    drain: Drain,
    keep_alive: Duration,
    /// Changes when the server shuts down.
    stopping: watch::Receiver<()>,
}

impl Serving {
    /// Serves one accepted connection in a task of its own, which holds `slot` until the
    /// connection closes: when it ends, when it stays idle for `keep_alive`, or, after the
    /// response in progress, when the server shuts down.
    fn serve(&self, stream: TcpStream, peer: std::net::SocketAddr, slot: OwnedSemaphorePermit) {
        let app = self.app.clone();
        let drain = self.drain.clone();
        let keep_alive = self.keep_alive;
        let mut stopping = self.stopping.clone();
        let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            request.extensions_mut().insert(drain.clone());
            let mut app = app.clone();
            async move { tower_service::Service::call(&mut app, request).await }
        });
        let activity = Activity::new();
        let io = TokioIo::new(Watched {
            stream,
            activity: Arc::clone(&activity),
        });
        let connection = self.http.serve_connection(io, service);
        tokio::spawn(async move {
            let _slot = slot;
            let mut connection = std::pin::pin!(connection);
            let mut closing = false;
            loop {
                tokio::select! {
                    ended = connection.as_mut() => {
                        if let Err(error) = ended {
                            tracing::debug!(%peer, "connection ended: {error}");
                        }
                        break;
                    }
                    _ = stopping.changed(), if !closing => {
                        closing = true;
                        connection.as_mut().graceful_shutdown();
                    }
                    () = activity.idle(keep_alive), if !closing => {
                        tracing::debug!(%peer, "idle connection closed");
                        closing = true;
                        connection.as_mut().graceful_shutdown();
                    }
                }
            }
        });
    }
}

/// Waits for every connection to close (all `max` slots back), for up to `grace`; then
/// cancels the requests still running, which answer with an error, and waits a little more
/// for those answers to be written.
async fn wait_for_connections(slots: &Semaphore, max: usize, grace: Duration, drain: &Drain) {
    let all = u32::try_from(max).unwrap_or(u32::MAX);
    if tokio::time::timeout(grace, slots.acquire_many(all))
        .await
        .is_ok()
    {
        return;
    }
    tracing::info!("grace period over: cancelling the requests still in progress");
    drain.over.cancel();
    if tokio::time::timeout(ANSWER_AFTER_CANCEL, slots.acquire_many(all))
        .await
        .is_err()
    {
        tracing::warn!("some connections did not close in time; dropping them");
    }
}

/// Binds `config.bind` and serves `app` on it until `shutdown` completes.
pub(super) async fn bind_and_serve<F>(app: Router, config: &HttpConfig, shutdown: F) -> Result<()>
where
    F: Future<Output = ()>,
{
    let bind = |source| Error::Bind {
        address: config.bind,
        source,
    };
    let listener = TcpListener::bind(config.bind).await.map_err(bind)?;
    let address = listener.local_addr().map_err(bind)?;
    tracing::info!("listening on http://{address}{}", config.path);
    serve_router(listener, app, config, shutdown).await
}

/// Waits out an accept error: a client that gave up before being accepted is nothing, but
/// running out of file descriptors is worth a pause before trying again.
async fn accept_failed(error: io::Error) {
    if matches!(
        error.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionReset
    ) {
        return;
    }
    tracing::error!("cannot accept a connection: {error}");
    tokio::time::sleep(Duration::from_secs(1)).await;
}

/// When a connection last read or wrote something.
struct Activity {
    start: Instant,
    /// Milliseconds from `start` to the last read or write.
    last: AtomicU64,
}

impl Activity {
    fn new() -> Arc<Activity> {
        Arc::new(Activity {
            start: Instant::now(),
            last: AtomicU64::new(0),
        })
    }

    fn touch(&self) {
        let now = u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last.store(now, Ordering::Relaxed);
    }

    /// Completes once nothing has been read or written for `timeout`.
    async fn idle(&self, timeout: Duration) {
        loop {
            let last = Duration::from_millis(self.last.load(Ordering::Relaxed));
            let deadline = self.start + last + timeout;
            if Instant::now() >= deadline {
                return;
            }
            tokio::time::sleep_until(deadline.into()).await;
        }
    }
}

/// A TCP stream that records its activity.
struct Watched {
    stream: TcpStream,
    activity: Arc<Activity>,
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.stream).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.activity.touch();
        }
        polled
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.stream).poll_write(cx, buf);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        polled
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.stream).poll_write_vectored(cx, bufs);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}
