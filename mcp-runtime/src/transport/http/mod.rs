//! Streamable HTTP: one endpoint (default `/mcp`) serving both protocol eras.
//!
//! * **Modern** (`2026-07-28`) requests are stateless: every POST carries its protocol
//!   version, and the `MCP-Protocol-Version`, `Mcp-Method` and `Mcp-Name` headers must match
//!   the body. Any replica can answer any request.
//! * **Legacy** (`2025-11-25`, `2025-06-18`) clients open a session with `initialize`; the
//!   answer carries an `Mcp-Session-Id` that later requests repeat. `GET` opens the session's
//!   stream of server-initiated messages (resumable with `Last-Event-ID`), `DELETE` ends the
//!   session, and idle sessions expire. With bearer-token authentication, a session belongs
//!   to the subject that opened it: another subject's requests on it get `404`, as for an
//!   unknown session.
//!
//! A request is answered with one JSON object, or with an SSE stream when it sends progress
//! or log notifications before its result. Closing that stream cancels the request.
//!
//! Safe by default: binds `127.0.0.1`, refuses foreign `Host` and `Origin` headers (DNS
//! rebinding), limits body size, sessions (per caller and in all), requests in flight and
//! connections, and times out slow or idle clients (see [`HttpConfig`]).
//!
//! ```no_run
//! use mcp_runtime::prelude::*;
//! use mcp_runtime::transport::http::{self, HttpConfig};
//!
//! /// Adds two numbers.
//! #[tool]
//! fn add(a: i64, b: i64) -> i64 { a + b }
//!
//! # #[tokio::main] async fn main() -> mcp_runtime::Result<()> {
//! let dispatcher = Server::new("calculator", "1.0.0").tool(add).build()?;
//! // Mount the MCP endpoint next to the application's own routes:
//! let app = axum::Router::new()
//!     .route("/health", axum::routing::get(|| async { "ok" }))
//!     .merge(http::router(dispatcher, &HttpConfig::default()));
//! // `serve_router` adds connection limits and timeouts that `axum::serve` lacks.
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await.unwrap();
//! http::serve_router(listener, app, &HttpConfig::default(), async {
//!     let _ = tokio::signal::ctrl_c().await;
//! })
//! .await
//! # }
//! ```

mod auth;
mod connections;
mod guard;
mod headers;
mod session;

pub use connections::serve_router;

pub use auth::{
    HttpAuth, InvalidToken, JwtVerifier, StaticTokens, TokenVerifier, VerifyFuture,
    RESOURCE_METADATA_PATH,
};

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, DefaultBodyLimit, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use axum::{Extension, Router};
use futures_util::stream::{self, Stream, StreamExt};
use tokio::sync::{mpsc, oneshot, OwnedSemaphorePermit, Semaphore};

use crate::error::Result;
use crate::protocol::{code, encode_error, Incoming, ProtocolVersion, RequestId, RpcError};
use crate::server::{unsupported_version, Connection, Dispatcher, Reply};
use guard::AllowList;
use headers::ParamsHead;
use session::Sessions;

/// How the HTTP transport listens and what it accepts.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// The address to listen on (default `127.0.0.1:8080`).
    pub bind: SocketAddr,
    /// The MCP endpoint's path (default `/mcp`).
    pub path: String,
    /// Host names accepted in `Host`, besides `localhost`, `127.0.0.1` and `[::1]`.
    pub allowed_hosts: Vec<String>,
    /// Origins (`scheme://host[:port]`) accepted in `Origin`, besides loopback ones.
    pub allowed_origins: Vec<String>,
    /// The largest request body accepted (default 4 MiB); larger ones get `413`.
    pub max_body_bytes: usize,
    /// Legacy sessions alive at once (default 1024). At the limit, `initialize` is not
    /// refused: the least recently used session ends to make room, one that never completed
    /// its handshake first.
    pub max_sessions: usize,
    /// Legacy sessions one caller may hold at once (default 32): the caller is the
    /// authenticated subject, or without authentication the peer's IP address (known when
    /// the router is served by [`serve`] or [`serve_router`], or by an application that
    /// provides axum's `ConnectInfo<SocketAddr>`; otherwise only `max_sessions` applies).
    /// Beyond it, the caller's own least recently used session ends, so that one caller
    /// cannot crowd out the others. Behind a reverse proxy every client has the proxy's
    /// address: raise this limit, or authenticate.
    pub max_sessions_per_caller: usize,
    /// How long a legacy session may stay unused before it expires (default 30 minutes).
    pub session_idle_timeout: Duration,
    /// How long a new legacy session may wait for the client's `notifications/initialized`
    /// before it is dropped (default 30 seconds).
    pub session_init_timeout: Duration,
    /// Requests handled at once (default 1024); more get `503`. Notifications and responses
    /// (answers to the server's questions, cancellations) are always accepted.
    pub max_in_flight: usize,
    /// How long a client may take to send a request's line and headers (default 30
    /// seconds); a connection that does not is closed. The clock starts when the server
    /// begins waiting for a request, so it also bounds how long a kept-alive connection may
    /// wait for its next one. Applies when served by [`serve`] or [`serve_router`].
    pub header_read_timeout: Duration,
    /// How long a client may take to send a request's whole body, once its headers arrived
    /// (default 60 seconds); a body not complete in time gets `408` and the connection is
    /// closed.
    pub body_read_timeout: Duration,
    /// How long a connection may stay silent, nothing read or written, before it is closed
    /// (default 20 seconds; a response in progress is finished first, and event streams send
    /// a keep-alive comment every 15 seconds). A kept-alive connection waiting for its next
    /// request is closed after the shorter of this and `header_read_timeout`. Applies when
    /// served by [`serve`] or [`serve_router`].
    pub keep_alive_timeout: Duration,
    /// Connections open at once (default 512). Beyond it, new connections are not accepted
    /// but wait in the listener's backlog until another closes (they are not refused).
    /// Applies when served by [`serve`] or [`serve_router`].
    pub max_connections: usize,
    /// Bearer-token authentication (default: none, every caller is the local user).
    pub auth: Option<HttpAuth>,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            path: "/mcp".to_owned(),
            allowed_hosts: Vec::new(),
            allowed_origins: Vec::new(),
            max_body_bytes: 4 * 1024 * 1024,
            max_sessions: 1024,
            max_sessions_per_caller: 32,
            session_idle_timeout: Duration::from_secs(30 * 60),
            session_init_timeout: Duration::from_secs(30),
            max_in_flight: 1024,
            header_read_timeout: Duration::from_secs(30),
            body_read_timeout: Duration::from_secs(60),
            keep_alive_timeout: Duration::from_secs(20),
            max_connections: 512,
            auth: None,
        }
    }
}

struct Shared {
    dispatcher: Dispatcher,
    sessions: Arc<Sessions>,
    allow: AllowList,
    in_flight: Arc<Semaphore>,
    max_body_bytes: usize,
    body_read_timeout: Duration,
    /// Whether requests carry an authenticated caller, to whom sessions are bound.
    authenticated: bool,
}

impl Shared {
    /// The subject sessions are bound to: the authenticated caller's, or `None` without
    /// authentication.
    fn subject(&self) -> Option<String> {
        self.authenticated
            .then(|| crate::permission::Caller::current().subject().to_owned())
    }

    /// Who a new session counts against: the authenticated subject, else the peer's IP
    /// address when known.
    fn caller_key(&self, peer: Option<SocketAddr>) -> Option<String> {
        match self.subject() {
            Some(subject) => Some(format!("subject {subject}")),
            None => peer.map(|peer| format!("address {}", peer.ip())),
        }
    }
}

/// The MCP endpoint as an axum [`Router`], to serve alone or merge into an application.
///
/// Must be called within a tokio runtime (it starts the task that expires idle sessions).
pub fn router(dispatcher: Dispatcher, config: &HttpConfig) -> Router {
    let sessions = Sessions::new(session::Limits {
        max: config.max_sessions,
        per_caller: config.max_sessions_per_caller,
        idle_timeout: config.session_idle_timeout,
        init_timeout: config.session_init_timeout,
    });
    sessions.spawn_reaper();
    let shared = Arc::new(Shared {
        dispatcher,
        sessions,
        allow: AllowList {
            hosts: config.allowed_hosts.clone(),
            origins: config.allowed_origins.clone(),
        },
        in_flight: Arc::new(Semaphore::new(config.max_in_flight.max(1))),
        max_body_bytes: config.max_body_bytes,
        body_read_timeout: config.body_read_timeout,
        authenticated: config.auth.is_some(),
    });
    let mut router = Router::new().route(&config.path, any(endpoint));
    if let Some(auth) = &config.auth {
        router = router.route_layer(axum::middleware::from_fn_with_state(
            auth.clone(),
            auth::authenticate,
        ));
    }
    let router = router
        // The endpoint reads bodies itself, with its own limit.
        .layer(DefaultBodyLimit::disable())
        .with_state(shared);
    match &config.auth {
        Some(auth) => router.merge(
            Router::new()
                .route(RESOURCE_METADATA_PATH, axum::routing::get(auth::metadata))
                .route(
                    &format!("{RESOURCE_METADATA_PATH}{}", config.path),
                    axum::routing::get(auth::metadata),
                )
                .with_state(auth.clone()),
        ),
        None => router,
    }
}

/// Serves `dispatcher` over HTTP on `config.bind` until the process gets SIGINT or SIGTERM
/// (then shuts down gracefully; a second signal exits at once), with the connection limits
/// [`serve_router`] describes.
pub async fn serve(dispatcher: Dispatcher, config: HttpConfig) -> Result<()> {
    let app = router(dispatcher, &config);
    connections::bind_and_serve(app, &config, crate::transport::shutdown_signal()).await
}

async fn endpoint(
    State(shared): State<Arc<Shared>>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    method: Method,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let peer = peer.map(|Extension(ConnectInfo(address))| address);
    if let Err((status, reason)) = shared.allow.check(&headers) {
        tracing::warn!(%status, %reason, "request refused");
        return error_response(status, None, RpcError::invalid_request(reason));
    }
    match method {
        Method::POST => match read_body(
            &headers,
            body,
            shared.max_body_bytes,
            shared.body_read_timeout,
        )
        .await
        {
            Ok(body) => post(&shared, &headers, body, peer).await,
            Err(response) => response,
        },
        Method::GET => get(&shared, &headers),
        Method::DELETE => delete(&shared, &headers),
        _ => {
            let mut response =
                status_response(StatusCode::METHOD_NOT_ALLOWED, "use POST, GET or DELETE");
            response
                .headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static("GET, POST, DELETE"));
            response
        }
    }
}

/// Reads the body, refusing one declared or found to be larger than `limit` without reading
/// past it, and one that does not arrive within `timeout`.
async fn read_body(
    headers: &HeaderMap,
    body: Body,
    limit: usize,
    timeout: Duration,
) -> std::result::Result<Bytes, Response> {
    let too_large = || {
        error_response(
            StatusCode::PAYLOAD_TOO_LARGE,
            None,
            RpcError::invalid_request(format!("the body is larger than the {limit} byte limit")),
        )
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit as u64) {
        return Err(too_large());
    }
    let Ok(read) = tokio::time::timeout(timeout, axum::body::to_bytes(body, limit)).await else {
        tracing::debug!("a request body did not arrive in time");
        return Err(error_response(
            StatusCode::REQUEST_TIMEOUT,
            None,
            RpcError::invalid_request(format!(
                "the body did not arrive within {} seconds",
                timeout.as_secs_f64()
            )),
        ));
    };
    read.map_err(|error| {
        let limited = std::error::Error::source(&error)
            .is_some_and(|cause| cause.to_string().contains("length limit"))
            || error.to_string().contains("length limit");
        if limited {
            too_large()
        } else {
            error_response(
                StatusCode::BAD_REQUEST,
                None,
                RpcError::invalid_request(format!("the body could not be read: {error}")),
            )
        }
    })
}

/// What the transport needs to know of a message before handing it to the dispatcher.
struct Head {
    id: Option<RequestId>,
    method: Option<String>,
    modern: bool,
}

async fn post(
    shared: &Shared,
    headers: &HeaderMap,
    body: Bytes,
    peer: Option<SocketAddr>,
) -> Response {
    if let Err((status, reason)) = guard::require_json_body(headers) {
        return error_response(status, None, RpcError::invalid_request(reason));
    }
    if let Err((status, reason)) =
        guard::require_accept(headers, &["application/json", "text/event-stream"])
    {
        return error_response(status, None, RpcError::invalid_request(reason));
    }
    let head = match Incoming::decode(&body) {
        Err(e) => return error_response(StatusCode::BAD_REQUEST, e.id, e.error),
        Ok(incoming) => {
            let (id, method, params) = match &incoming {
                Incoming::Request { id, method, params } => {
                    (Some(id.clone()), Some(method.as_ref()), *params)
                }
                Incoming::Notification { method, params } => (None, Some(method.as_ref()), *params),
                Incoming::Response { .. } => (None, None, None),
            };
            let params_head = ParamsHead::read(params);
            let modern = headers::is_modern(headers, &params_head);
            if modern {
                if let Some(method) = method {
                    // A modern request: its metadata must be complete and its headers must
                    // match its body.
                    let checked = headers::validate_modern(headers, method, &params_head).and_then(
                        |()| match (method, params_head.name()) {
                            ("tools/call", Some(tool)) => headers::validate_params(
                                headers,
                                &params_head,
                                shared.dispatcher.header_params(tool),
                                true,
                            ),
                            _ => Ok(()),
                        },
                    );
                    if let Err(error) = checked {
                        return error_response(StatusCode::BAD_REQUEST, id, error);
                    }
                }
            } else if let Some(method) = method {
                // A legacy request need not carry the metadata headers, but those it
                // carries must tell the truth, session or not.
                let mirrored = match (method, params_head.name()) {
                    ("tools/call", Some(tool)) => shared.dispatcher.header_params(tool),
                    _ => &[],
                };
                if let Err(error) =
                    headers::validate_present(headers, method, &params_head, mirrored)
                {
                    return error_response(StatusCode::BAD_REQUEST, id, error);
                }
            }
            Head {
                modern,
                id,
                method: method.map(str::to_owned),
            }
        }
    };

    // Only requests count against the cap: responses (answers to the server's own
    // questions) and notifications (such as cancellations) are what let requests in flight
    // finish, so they are always let through.
    let permit = match head.id {
        None => None,
        Some(_) => match Arc::clone(&shared.in_flight).try_acquire_owned() {
            Ok(permit) => Some(permit),
            Err(_) => {
                return error_response(
                    StatusCode::SERVICE_UNAVAILABLE,
                    head.id,
                    RpcError::internal("too many requests in flight; retry later"),
                )
            }
        },
    };

    if head.modern {
        // Stateless: a connection that lives as long as this request.
        let (outbound, _) = mpsc::channel(1);
        let connection = Arc::new(Connection::new(outbound));
        return dispatch(
            shared,
            Work {
                connection,
                body,
                id: head.id,
                modern: true,
                permit,
            },
        )
        .await;
    }
    if head.method.as_deref() == Some("initialize") {
        return initialize(shared, body, peer).await;
    }
    if let Some(value) = headers.get(headers::SESSION_ID) {
        let subject = shared.subject();
        let Some(session) = value
            .to_str()
            .ok()
            .and_then(|id| shared.sessions.get(id, subject.as_deref()))
        else {
            return error_response(
                StatusCode::NOT_FOUND,
                head.id,
                RpcError::new(
                    -32001,
                    "Session not found: it expired or was deleted; send initialize again",
                ),
            );
        };
        if let Some(version) = headers
            .get(headers::PROTOCOL_VERSION)
            .and_then(|v| v.to_str().ok())
        {
            if ProtocolVersion::parse(version).is_none() {
                return error_response(
                    StatusCode::BAD_REQUEST,
                    head.id,
                    unsupported_version(version),
                );
            }
        }
        if head.method.as_deref() == Some("notifications/initialized") {
            session.mark_initialized();
        }
        let connection = Arc::clone(&session.connection);
        return dispatch(
            shared,
            Work {
                connection,
                body,
                id: head.id,
                modern: false,
                permit,
            },
        )
        .await;
    }
    if head.id.is_none() {
        // A notification outside any session has nothing to act on.
        return StatusCode::ACCEPTED.into_response();
    }
    error_response(
        StatusCode::BAD_REQUEST,
        head.id,
        RpcError::invalid_request(
            "missing the Mcp-Session-Id header: send initialize first (2025-11-25 and earlier), or include per-request `_meta` and headers (2026-07-28)",
        ),
    )
}

async fn initialize(shared: &Shared, body: Bytes, peer: Option<SocketAddr>) -> Response {
    let subject = shared.subject();
    let (session_id, session) = shared
        .sessions
        .create(subject.clone(), shared.caller_key(peer));
    let sink = session.connection.outbound().clone();
    let reply = shared
        .dispatcher
        .reply(&session.connection, body, sink)
        .await;
    match reply {
        Some(Reply {
            message,
            error_code: None,
        }) => {
            tracing::debug!(session = %session_id, "session opened");
            let mut response = json_response(StatusCode::OK, message);
            if let Ok(value) = HeaderValue::from_str(&session_id) {
                response.headers_mut().insert(headers::SESSION_ID, value);
            }
            response
        }
        other => {
            shared.sessions.remove(&session_id, subject.as_deref());
            match other {
                Some(reply) => json_response(StatusCode::OK, reply.message),
                None => StatusCode::ACCEPTED.into_response(),
            }
        }
    }
}

/// One message for the dispatcher, with what decides how it is answered.
struct Work {
    connection: Arc<Connection>,
    body: Bytes,
    id: Option<RequestId>,
    modern: bool,
    /// A place among the requests in flight, held while the work runs (requests only).
    permit: Option<OwnedSemaphorePermit>,
}

/// Hands one message to the dispatcher and answers with JSON, or with an SSE stream once the
/// request sends a notification before its result.
async fn dispatch(shared: &Shared, work: Work) -> Response {
    let Work {
        connection,
        body,
        id,
        modern,
        permit,
    } = work;
    let Some(id) = id else {
        // Notifications and responses: accepted, never answered.
        let sink = connection.outbound().clone();
        shared.dispatcher.reply(&connection, body, sink).await;
        return StatusCode::ACCEPTED.into_response();
    };
    let (sink, mut notifications) = mpsc::channel::<Vec<u8>>(64);
    let dispatcher = shared.dispatcher.clone();
    let caller = crate::permission::Caller::current();
    let mut work: Pin<Box<dyn Future<Output = Option<Reply>> + Send>> =
        Box::pin(caller.scope(async move {
            // The permit lives as long as the work, so abandoned work still counts until it
            // ends.
            let _permit = permit;
            dispatcher.reply(&connection, body, sink).await
        }));
    // Most handlers finish on their first poll: answer those right here, with no task to
    // spawn and wake.
    let first_poll = std::future::poll_fn(|cx| Poll::Ready(work.as_mut().poll(cx))).await;
    if let Poll::Ready(reply) = first_poll {
        let mut early = Vec::new();
        while let Ok(message) = notifications.try_recv() {
            early.push(message);
        }
        if early.is_empty() {
            return answer_response(modern, Some(reply));
        }
        // Notifications sent before the result: the same SSE stream a longer request gets.
        early.extend(reply.map(|r| r.message));
        let events = stream::iter(early).map(|message| {
            Ok::<_, std::convert::Infallible>(
                Event::default().data(String::from_utf8_lossy(&message)),
            )
        });
        return sse_response(events);
    }
    let (done, answer) = oneshot::channel::<Option<Reply>>();
    let task = tokio::spawn(async move {
        let _ = done.send(work.await);
    });
    let mut cancel = AbortOnDrop {
        task: Some(task.abort_handle()),
        id,
    };
    let mut answer = answer;
    tokio::select! {
        biased;
        Some(first) = notifications.recv() => {
            let events = stream::once(async move { first })
                .chain(ReceiverStream(notifications))
                .map(Some)
                .chain(stream::once(async move { answer.await.ok().flatten().map(|r| r.message) }))
                .filter_map(|message| async move { message })
                .map(move |message| {
                    let _keep = &cancel;
                    Ok::<_, std::convert::Infallible>(Event::default().data(String::from_utf8_lossy(&message)))
                });
            sse_response(events)
        }
        reply = &mut answer => {
            cancel.task = None;
            answer_response(modern, reply.ok())
        }
    }
}

/// The HTTP response carrying a request's answer (`None`: the work ended without one).
fn answer_response(modern: bool, reply: Option<Option<Reply>>) -> Response {
    match reply {
        Some(Some(reply)) => {
            if let Some(forbidden) = auth::insufficient_scope(&reply) {
                return forbidden;
            }
            let status = if modern {
                status_for(reply.error_code)
            } else {
                StatusCode::OK
            };
            json_response(status, reply.message)
        }
        Some(None) => StatusCode::ACCEPTED.into_response(),
        None => error_response(
            StatusCode::INTERNAL_SERVER_ERROR,
            None,
            RpcError::internal("the request failed"),
        ),
    }
}

/// Modern-era errors that HTTP also signals with a status.
fn status_for(error_code: Option<i32>) -> StatusCode {
    match error_code {
        Some(code::METHOD_NOT_FOUND) => StatusCode::NOT_FOUND,
        Some(
            code::PARSE_ERROR
            | code::INVALID_REQUEST
            | code::HEADER_MISMATCH
            | code::MISSING_REQUIRED_CLIENT_CAPABILITY
            | code::UNSUPPORTED_PROTOCOL_VERSION,
        ) => StatusCode::BAD_REQUEST,
        _ => StatusCode::OK,
    }
}

/// Stops the request's work if the client goes away before its answer is delivered. (After
/// the answer, aborting the finished task does nothing.)
struct AbortOnDrop {
    task: Option<tokio::task::AbortHandle>,
    id: RequestId,
}

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        if let Some(task) = &self.task {
            if !task.is_finished() {
                tracing::debug!(id = %self.id, "client went away; request cancelled");
                task.abort();
            }
        }
    }
}

struct ReceiverStream<T>(mpsc::Receiver<T>);

impl<T> Stream for ReceiverStream<T> {
    type Item = T;

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<T>> {
        self.0.poll_recv(cx)
    }
}

fn get(shared: &Shared, headers: &HeaderMap) -> Response {
    let Some(value) = headers.get(headers::SESSION_ID) else {
        let mut response = status_response(
            StatusCode::METHOD_NOT_ALLOWED,
            "GET needs an Mcp-Session-Id (2025-11-25 and earlier); 2026-07-28 has no GET stream",
        );
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("POST"));
        return response;
    };
    if let Err((status, reason)) = guard::require_accept(headers, &["text/event-stream"]) {
        return error_response(status, None, RpcError::invalid_request(reason));
    }
    let subject = shared.subject();
    let Some(session) = value
        .to_str()
        .ok()
        .and_then(|id| shared.sessions.get(id, subject.as_deref()))
    else {
        return error_response(
            StatusCode::NOT_FOUND,
            None,
            RpcError::new(-32001, "Session not found"),
        );
    };
    let last = headers
        .get(headers::LAST_EVENT_ID)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let (missed, live) = session.listen(last);
    let events = stream::iter(missed)
        .chain(ReceiverStream(live))
        .map(|(id, message)| {
            Ok::<_, std::convert::Infallible>(
                Event::default()
                    .id(id.to_string())
                    .data(String::from_utf8_lossy(&message)),
            )
        });
    sse_response(events).into_response()
}

fn delete(shared: &Shared, headers: &HeaderMap) -> Response {
    let Some(value) = headers.get(headers::SESSION_ID) else {
        return error_response(
            StatusCode::BAD_REQUEST,
            None,
            RpcError::invalid_request(
                "DELETE needs the Mcp-Session-Id header of the session to end",
            ),
        );
    };
    let subject = shared.subject();
    match value
        .to_str()
        .ok()
        .filter(|id| shared.sessions.remove(id, subject.as_deref()))
    {
        Some(id) => {
            tracing::debug!(session = %id, "session ended by the client");
            StatusCode::OK.into_response()
        }
        None => error_response(
            StatusCode::NOT_FOUND,
            None,
            RpcError::new(-32001, "Session not found"),
        ),
    }
}

fn sse_response<S>(events: S) -> Response
where
    S: Stream<Item = std::result::Result<Event, std::convert::Infallible>> + Send + 'static,
{
    let mut response = Sse::new(events)
        .keep_alive(KeepAlive::default())
        .into_response();
    response
        .headers_mut()
        .insert("x-accel-buffering", HeaderValue::from_static("no"));
    response
}

fn json_response(status: StatusCode, message: Vec<u8>) -> Response {
    let mut response = Response::new(Body::from(message));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

fn error_response(status: StatusCode, id: Option<RequestId>, error: RpcError) -> Response {
    json_response(status, encode_error(id.as_ref(), &error))
}

fn status_response(status: StatusCode, reason: &str) -> Response {
    error_response(status, None, RpcError::invalid_request(reason))
}
