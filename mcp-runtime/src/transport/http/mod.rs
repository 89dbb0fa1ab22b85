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
//!   unknown session. With a store shared by replicas (`--store`, the `redis` feature),
//!   sessions and their streams live in Redis and any replica serves any request of a
//!   session; a request that needs the store while Redis is unreachable gets `503` with
//!   `Retry-After: 1`.
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
//! let dispatcher = Server::new("calculator", "1.0.0").tools(tools![add]).build()?;
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
mod endpoint;
mod guard;
mod headers;
mod in_flight;
mod session;

pub use connections::serve_router;

pub use auth::{
    HttpAuth, InvalidToken, JwtVerifier, StaticTokens, TokenVerifier, VerifyFuture,
    RESOURCE_METADATA_PATH,
};

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::DefaultBodyLimit;
use axum::routing::any;
use axum::Router;
use tokio::sync::{mpsc, Semaphore};

use crate::error::Result;
use crate::server::Dispatcher;
use guard::AllowList;
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
    /// Legacy sessions one caller may hold at once (default 256, a quarter of `max_sessions`): the caller is the
    /// authenticated subject, or without authentication the peer's IP address (known when
    /// the router is served by [`serve`] or [`serve_router`], or by an application that
    /// provides axum's `ConnectInfo<SocketAddr>`; otherwise only `max_sessions` applies).
    /// Beyond it, the caller's own least recently used session ends, so that one caller
    /// cannot crowd out the others. Behind a reverse proxy every client has the proxy's
    /// address: raise this limit, or authenticate.
    ///
    /// With a store shared by replicas (`--store`), this limit and `max_sessions` hold for
    /// the sessions of all replicas together, kept in Redis (see the crate's notes on
    /// running replicas).
    pub max_sessions_per_caller: usize,
    /// How long a legacy session may stay unused before it expires (default 30 minutes).
    pub session_idle_timeout: Duration,
    /// How long a new legacy session may wait for the client's `notifications/initialized`
    /// before it is dropped (default 30 seconds).
    pub session_init_timeout: Duration,
    /// Requests handled at once (default 1024); more get `503`. Notifications and responses
    /// (answers to the server's questions, cancellations) are always accepted.
    pub max_in_flight: usize,
    /// Requests one caller (an authenticated subject, else a peer IP address) may have in
    /// flight at once (default 256), so that no single client takes every place; more get
    /// `503`.
    pub max_in_flight_per_caller: usize,
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
    /// How long, once shutdown starts, requests in progress may take to finish (default 10
    /// seconds); those still running then are cancelled and answered with an error. Applies
    /// when served by [`serve`] or [`serve_router`].
    pub shutdown_grace: Duration,
    /// Bearer-token authentication (default: none, every caller is the local user).
    pub auth: Option<HttpAuth>,
    /// Serves the metrics given to [`Server::metrics`](crate::Server::metrics) at
    /// `GET /metrics`, in the Prometheus text format (default: false). The path is outside
    /// the MCP endpoint and its authentication: bind the listener where only the scraper
    /// reaches it, or serve the metrics on a listener of their own (`--metrics-bind`).
    #[cfg(feature = "metrics")]
    pub metrics: bool,
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
            max_sessions_per_caller: 256,
            session_idle_timeout: Duration::from_secs(30 * 60),
            session_init_timeout: Duration::from_secs(30),
            max_in_flight: 1024,
            max_in_flight_per_caller: 256,
            header_read_timeout: Duration::from_secs(30),
            body_read_timeout: Duration::from_secs(60),
            keep_alive_timeout: Duration::from_secs(20),
            max_connections: 512,
            shutdown_grace: Duration::from_secs(10),
            auth: None,
            #[cfg(feature = "metrics")]
            metrics: false,
        }
    }
}

struct Shared {
    dispatcher: Dispatcher,
    sessions: Arc<Sessions>,
    allow: AllowList,
    in_flight: Arc<Semaphore>,
    /// Requests in flight per caller.
    per_caller: Arc<in_flight::CallerCounts>,
    max_body_bytes: usize,
    body_read_timeout: Duration,
    /// Whether requests carry an authenticated caller, to whom sessions are bound.
    authenticated: bool,
    /// The outbound side of every stateless (2026-07-28) request's connection: closed, since
    /// such a request answers and notifies through its own response only.
    stateless_outbound: mpsc::Sender<Vec<u8>>,
}

impl Shared {
    /// The subject sessions are bound to: the authenticated caller's, or `None` without
    /// authentication.
    fn subject(&self) -> Option<String> {
        self.authenticated
            .then(|| crate::permission::Caller::current().subject().to_owned())
    }

    /// The session an `Mcp-Session-Id` header names, if it exists and belongs to the
    /// current caller (another subject's session is as unknown as a missing one).
    /// With a shared store, a session this replica does not know (or that changed
    /// elsewhere) is read from the store, which fails when the store cannot be reached.
    async fn session(
        &self,
        header: &axum::http::HeaderValue,
    ) -> std::result::Result<Option<Arc<session::Session>>, session::Unavailable> {
        let subject = self.subject();
        match header.to_str() {
            Ok(id) => self.sessions.find(id, subject.as_deref()).await,
            Err(_) => Ok(None),
        }
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
    let limits = session::Limits {
        max: config.max_sessions,
        per_caller: config.max_sessions_per_caller,
        idle_timeout: config.session_idle_timeout,
        init_timeout: config.session_init_timeout,
    };
    let sessions = Sessions::new(limits);
    #[cfg(feature = "metrics")]
    let metrics = dispatcher.metrics().cloned();
    #[cfg(feature = "metrics")]
    if let Some(metrics) = &metrics {
        sessions.count_in(metrics.clone());
    }
    #[cfg(feature = "redis")]
    if let Some(store) = dispatcher.shared() {
        sessions.share(crate::store::sessions::SessionStore::new(store.clone()));
        sessions.spawn_listener(dispatcher.clone());
    }
    sessions.spawn_reaper();
    let shared = Arc::new(Shared {
        dispatcher,
        sessions,
        allow: AllowList {
            hosts: config.allowed_hosts.clone(),
            origins: config.allowed_origins.clone(),
        },
        in_flight: Arc::new(Semaphore::new(config.max_in_flight.max(1))),
        per_caller: Arc::new(in_flight::CallerCounts::new(
            config.max_in_flight_per_caller,
        )),
        max_body_bytes: config.max_body_bytes,
        body_read_timeout: config.body_read_timeout,
        authenticated: config.auth.is_some(),
        stateless_outbound: mpsc::channel(1).0,
    });
    let mut router = Router::new().route(&config.path, any(endpoint::endpoint));
    #[cfg(feature = "metrics")]
    let metrics = metrics.filter(|_| config.metrics);
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
    #[cfg(feature = "metrics")]
    let router = match metrics {
        Some(metrics) => router.merge(metrics_router(metrics)),
        None => router,
    };
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

/// `GET /metrics`: the server's metrics in the Prometheus text format.
#[cfg(feature = "metrics")]
pub fn metrics_router(metrics: crate::metrics::Metrics) -> Router {
    Router::new().route(
        "/metrics",
        axum::routing::get(move || {
            let text = metrics.encode();
            async move {
                (
                    [(
                        axum::http::header::CONTENT_TYPE,
                        crate::metrics::Metrics::CONTENT_TYPE,
                    )],
                    text,
                )
            }
        }),
    )
}

/// Serves `dispatcher` over HTTP on `config.bind` until the process gets SIGINT or SIGTERM,
/// then shuts down gracefully as [`serve_router`] describes (a second signal exits at once),
/// with the connection limits it describes.
pub async fn serve(dispatcher: Dispatcher, config: HttpConfig) -> Result<()> {
    let app = router(dispatcher, &config);
    connections::bind_and_serve(app, &config, crate::transport::shutdown_signal()).await
}
