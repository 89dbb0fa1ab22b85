//! The MCP endpoint: POST (requests, notifications and the client's answers), GET (the
//! legacy era's stream of server messages) and DELETE (ending a session), and the
//! responses they build.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use futures_util::stream::{self, Stream, StreamExt};
use tokio::sync::{mpsc, oneshot};

use super::connections::Drain;
use super::headers::ParamsHead;
use super::in_flight::{CallerCounts, InFlight};
use crate::protocol::{code, encode_error, Incoming, ProtocolVersion, RequestId, RpcError};
use crate::server::{unsupported_version, Connection, Reply, TraceHeaders};

use super::{auth, guard, headers, session, Shared};

pub(super) async fn endpoint(
    State(shared): State<Arc<Shared>>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    drain: Option<Extension<Drain>>,
    method: Method,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let peer = peer.map(|Extension(ConnectInfo(address))| address);
    let drain = drain.map(|Extension(drain)| drain);
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
            Ok(body) => post(&shared, &headers, body, peer, drain).await,
            Err(response) => response,
        },
        Method::GET => get(&shared, &headers, drain).await,
        Method::DELETE => delete(&shared, &headers).await,
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
    /// For a response: the id of the server's request it answers.
    answer_to: Option<RequestId>,
    method: Option<String>,
    modern: bool,
}

async fn post(
    shared: &Shared,
    headers: &HeaderMap,
    body: Bytes,
    peer: Option<SocketAddr>,
    drain: Option<Drain>,
) -> Response {
    if let Err((status, reason)) = guard::require_json_body(headers) {
        return error_response(status, None, RpcError::invalid_request(reason));
    }
    if let Err((status, reason)) =
        guard::require_accept(headers, &["application/json", "text/event-stream"])
    {
        return error_response(status, None, RpcError::invalid_request(reason));
    }
    let head = match read_head(shared, headers, &body) {
        Ok(head) => head,
        Err(refusal) => return refusal.into_response(),
    };
    if head.id.is_some() && drain.as_ref().is_some_and(Drain::is_started) {
        return error_response(
            StatusCode::SERVICE_UNAVAILABLE,
            head.id,
            RpcError::shutting_down(),
        );
    }
    // Requests are stopped when the grace period is over, and streams that only send as
    // soon as shutdown starts.
    let drain = drain.map(|drain| Stop {
        drain,
        at_start: head.method.as_deref() == Some("subscriptions/listen"),
    });
    let permit = match admit(shared, head.id.as_ref(), peer) {
        Ok(permit) => permit,
        Err(refusal) => return refusal.into_response(),
    };
    if !head.modern && head.method.as_deref() == Some("initialize") {
        let _permit = permit;
        return initialize(shared, body, peer).await;
    }
    if head.modern {
        // Stateless: a connection that lives as long as this request.
        let outbound = shared.stateless_outbound.clone();
        let work = Work {
            connection: Arc::new(Connection::new(outbound)),
            body,
            id: head.id,
            modern: head.modern,
            permit,
            drain,
            trace: TraceHeaders::of(headers),
        };
        return dispatch(shared, work).await;
    }
    let session = match legacy_session(shared, headers, &head).await {
        Ok(Some(session)) => session,
        // A notification outside any session has nothing to act on.
        Ok(None) => return StatusCode::ACCEPTED.into_response(),
        Err(response) => return response,
    };
    if let Some(replica) = head
        .answer_to
        .as_ref()
        .and_then(|id| shared.sessions.asked_elsewhere(id))
    {
        // An answer to a question another replica asked: it goes there.
        return match shared
            .sessions
            .forward_answer(&session, &replica, &body)
            .await
        {
            Ok(()) => StatusCode::ACCEPTED.into_response(),
            Err(error) => session::unavailable_response(None, &error),
        };
    }
    let method = head.method.clone().unwrap_or_default();
    let cancelled = (method == "notifications/cancelled")
        .then(|| cancelled_request(&body))
        .flatten();
    let before = session.snapshot();
    if method == "notifications/initialized" {
        session.mark_initialized();
    }
    let id = head.id.clone();
    let work = Work {
        connection: Arc::clone(&session.connection),
        body,
        id: head.id,
        modern: head.modern,
        permit,
        drain,
        trace: TraceHeaders::of(headers),
    };
    let response = dispatch(shared, work).await;
    if matches!(
        method.as_str(),
        "notifications/initialized"
            | "logging/setLevel"
            | "resources/subscribe"
            | "resources/unsubscribe"
    ) {
        // The change is written through, so that every replica serves it.
        if let Err(error) = shared.sessions.write_through(&session, &before).await {
            return session::unavailable_response(id.as_ref(), &error);
        }
    }
    if let Some(request) = cancelled {
        // The request may run on another replica.
        if let Err(error) = shared.sessions.broadcast_cancel(&session, request).await {
            return session::unavailable_response(None, &error);
        }
    }
    response
}

/// The request a `notifications/cancelled` names.
fn cancelled_request(body: &[u8]) -> Option<RequestId> {
    #[derive(serde::Deserialize)]
    struct Message {
        params: Params,
    }
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Params {
        request_id: RequestId,
    }
    serde_json::from_slice::<Message>(body)
        .ok()
        .map(|m| m.params.request_id)
}

/// A message refused before it reaches the dispatcher: the HTTP status, and the JSON-RPC
/// error answering the request `id`.
struct Refusal(StatusCode, Option<RequestId>, RpcError);

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let Refusal(status, id, error) = self;
        error_response(status, id, error)
    }
}

/// Decodes the message enough to route it, and checks the metadata headers it carries
/// against its body: all of them for a modern request, those present for a legacy one.
fn read_head(shared: &Shared, headers: &HeaderMap, body: &[u8]) -> Result<Head, Refusal> {
    let incoming =
        Incoming::decode(body).map_err(|e| Refusal(StatusCode::BAD_REQUEST, e.id, e.error))?;
    let (id, method, params) = match &incoming {
        Incoming::Request { id, method, params } => {
            (Some(id.clone()), Some(method.as_ref()), *params)
        }
        Incoming::Notification { method, params } => (None, Some(method.as_ref()), *params),
        Incoming::Response { .. } => (None, None, None),
    };
    let answer_to = match &incoming {
        Incoming::Response { id, .. } => Some(id.clone()),
        _ => None,
    };
    let params_head = ParamsHead::read(params);
    let modern = headers::is_modern(headers, &params_head);
    if let Some(method) = method {
        let mirrored = match (method, params_head.name()) {
            ("tools/call", Some(tool)) => shared.dispatcher.header_params(tool),
            _ => &[],
        };
        let checked = if modern {
            // A modern request: its metadata must be complete and its headers must match
            // its body.
            headers::validate_modern(headers, method, &params_head).and_then(|()| {
                match (method, params_head.name()) {
                    ("tools/call", Some(_)) => {
                        headers::validate_params(headers, &params_head, mirrored, true)
                    }
                    _ => Ok(()),
                }
            })
        } else {
            // A legacy request need not carry the metadata headers, but those it carries
            // must tell the truth, session or not.
            headers::validate_present(headers, method, &params_head, mirrored)
        };
        if let Err(error) = checked {
            return Err(Refusal(StatusCode::BAD_REQUEST, id, error));
        }
    }
    Ok(Head {
        modern,
        id,
        answer_to,
        method: method.map(str::to_owned),
    })
}

/// A place among the requests in flight for a request (`id` set), or `503` when the server
/// or this caller has none left. Only requests count against the cap: responses (answers
/// to the server's own questions) and notifications (such as cancellations) are what let
/// requests in flight finish, so they are always let through.
fn admit(
    shared: &Shared,
    id: Option<&RequestId>,
    peer: Option<SocketAddr>,
) -> Result<Option<InFlight>, Refusal> {
    let Some(id) = id else { return Ok(None) };
    let busy = |why: &str| {
        Refusal(
            StatusCode::SERVICE_UNAVAILABLE,
            Some(id.clone()),
            RpcError::internal(format!("{why}; retry later")),
        )
    };
    let caller = match shared.caller_key(peer) {
        Some(key) => match CallerCounts::enter(&shared.per_caller, key) {
            Some(place) => Some(place),
            None => return Err(busy("too many requests in flight from this caller")),
        },
        None => None,
    };
    match Arc::clone(&shared.in_flight).try_acquire_owned() {
        Ok(permit) => Ok(Some(InFlight::new(permit, caller))),
        Err(_) => Err(busy("too many requests in flight")),
    }
}

/// The legacy session a message belongs to (`None`: a notification outside any session),
/// or the error response when there is no such session (`503` when the shared store that
/// keeps sessions cannot be reached).
async fn legacy_session(
    shared: &Shared,
    headers: &HeaderMap,
    head: &Head,
) -> Result<Option<Arc<session::Session>>, Response> {
    let Some(value) = headers.get(headers::SESSION_ID) else {
        if head.id.is_none() {
            return Ok(None);
        }
        return Err(Refusal(
            StatusCode::BAD_REQUEST,
            head.id.clone(),
            RpcError::invalid_request(
                "missing the Mcp-Session-Id header: send initialize first (2025-11-25 and earlier), or include per-request `_meta` and headers (2026-07-28)",
            ),
        )
        .into_response());
    };
    let session = match shared.session(value).await {
        Ok(Some(session)) => session,
        Ok(None) => {
            return Err(Refusal(
                StatusCode::NOT_FOUND,
                head.id.clone(),
                RpcError::new(
                    -32001,
                    "Session not found: it expired or was deleted; send initialize again",
                ),
            )
            .into_response())
        }
        Err(error) => return Err(session::unavailable_response(head.id.as_ref(), &error)),
    };
    if let Some(version) = headers
        .get(headers::PROTOCOL_VERSION)
        .and_then(|v| v.to_str().ok())
    {
        if ProtocolVersion::parse(version).is_none() {
            return Err(Refusal(
                StatusCode::BAD_REQUEST,
                head.id.clone(),
                unsupported_version(version),
            )
            .into_response());
        }
    }
    Ok(Some(session))
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
            if let Err(error) = shared.sessions.keep(&session).await {
                shared.sessions.remove(&session_id, subject.as_deref());
                return session::unavailable_response(None, &error);
            }
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
    permit: Option<InFlight>,
    /// When the server's shutdown stops the work, if it is served with one.
    drain: Option<Stop>,
    /// The caller's trace context, from the HTTP headers.
    trace: Option<TraceHeaders>,
}

/// When shutdown stops a request: once the grace period is over, or for a stream that only
/// sends (`subscriptions/listen`), as soon as shutdown starts.
struct Stop {
    drain: Drain,
    at_start: bool,
}

impl Stop {
    async fn stopped(&self) {
        if self.at_start {
            self.drain.started().await
        } else {
            self.drain.over().await
        }
    }
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
        drain,
        trace,
    } = work;
    let Some(id) = id else {
        // Notifications and responses: accepted, never answered.
        let sink = connection.outbound().clone();
        shared.dispatcher.reply(&connection, body, sink).await;
        return StatusCode::ACCEPTED.into_response();
    };
    let (sink, mut notifications) = mpsc::channel::<Vec<u8>>(64);
    let mut work = request_work(shared, connection, body, sink, permit, drain, trace);
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

/// The work of answering one request, run as the current caller, holding its place among
/// the requests in flight, and stopped with an answer when shutdown says so; in the caller's
/// trace `trace`, from the HTTP headers.
fn request_work(
    shared: &Shared,
    connection: Arc<Connection>,
    body: Bytes,
    sink: mpsc::Sender<Vec<u8>>,
    permit: Option<InFlight>,
    drain: Option<Stop>,
    trace: Option<TraceHeaders>,
) -> Pin<Box<dyn Future<Output = Option<Reply>> + Send>> {
    let dispatcher = shared.dispatcher.clone();
    let caller = crate::permission::Caller::current();
    Box::pin(caller.scope(async move {
        // The permit lives as long as the work, so abandoned work still counts until it
        // ends.
        let _permit = permit;
        // One place for the reply's state, whether or not a drain can stop it.
        let mut reply = std::pin::pin!(dispatcher.reply_in_trace(&connection, body, sink, trace));
        let Some(stop) = drain else {
            return reply.await;
        };
        tokio::select! {
            // Polled first: a reply ready at once never registers with the drain.
            biased;
            reply = &mut reply => reply,
            () = stop.stopped() => {
                // Cancelled with an answer saying why, which the work still delivers.
                connection.shut_down();
                reply.await
            }
        }
    }))
}

/// The HTTP response carrying a request's answer (`None`: the work ended without one).
fn answer_response(modern: bool, reply: Option<Option<Reply>>) -> Response {
    match reply {
        Some(Some(reply)) => {
            if let Some(forbidden) = auth::insufficient_scope(&reply) {
                return forbidden;
            }
            if let Some(refused) = retry_later(&reply) {
                return refused;
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

/// Refusals HTTP signals with a status and `Retry-After` (in seconds), in both eras; the
/// body is the JSON-RPC error:
/// * a call over a rate limit per caller: `429 Too Many Requests`;
/// * a request that needed the shared store while it could not be reached: `503 Service
///   Unavailable` (the error names the store).
fn retry_later(reply: &Reply) -> Option<Response> {
    let wanted = |data: &serde_json::Value| match reply.error_code? {
        crate::permission::RATE_LIMITED if data["per"] == "caller" => {
            Some(StatusCode::TOO_MANY_REQUESTS)
        }
        code::INTERNAL_ERROR if data["unavailable"] == "store" => {
            Some(StatusCode::SERVICE_UNAVAILABLE)
        }
        _ => None,
    };
    if !matches!(
        reply.error_code,
        Some(crate::permission::RATE_LIMITED | code::INTERNAL_ERROR)
    ) {
        return None;
    }
    let answer: serde_json::Value = serde_json::from_slice(&reply.message).ok()?;
    let data = &answer["error"]["data"];
    let status = wanted(data)?;
    let seconds = data["retryAfterSeconds"].as_u64()?;
    let mut response = json_response(status, reply.message.clone());
    response
        .headers_mut()
        .insert(axum::http::header::RETRY_AFTER, HeaderValue::from(seconds));
    Some(response)
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

async fn get(shared: &Shared, headers: &HeaderMap, drain: Option<Drain>) -> Response {
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
    let session = match shared.session(value).await {
        Ok(Some(session)) => session,
        Ok(None) => {
            return error_response(
                StatusCode::NOT_FOUND,
                None,
                RpcError::new(-32001, "Session not found"),
            )
        }
        Err(error) => return session::unavailable_response(None, &error),
    };
    let last = headers
        .get(headers::LAST_EVENT_ID)
        .and_then(|v| v.to_str().ok());
    // The stream would never end by itself: shutdown ends it.
    let ended = drain.map(|drain| drain.started_token());
    let ended = async move {
        match ended {
            Some(ended) => ended.cancelled_owned().await,
            None => std::future::pending().await,
        }
    };
    #[cfg(feature = "redis")]
    if let Some(store) = shared.sessions.store() {
        // Event ids are the store's stream entry ids, valid on every replica.
        // Ids are `{ms}-{n}`; anything else names no event of the log.
        let last = last.filter(|id| {
            let (ms, n) = id.split_once('-').unwrap_or((id, "0"));
            [ms, n]
                .iter()
                .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()))
        });
        let events = match session::events(store, session.id(), last.map(str::to_owned)).await {
            Ok(events) => events,
            Err(error) => return session::unavailable_response(None, &error),
        };
        let events = events.take_until(ended).map(|(id, message)| {
            Ok::<_, std::convert::Infallible>(
                Event::default()
                    .id(id)
                    .data(String::from_utf8_lossy(&message)),
            )
        });
        return sse_response(events);
    }
    let last = last.and_then(|v| v.parse::<u64>().ok());
    let (missed, live) = session.listen(last);
    let live = ReceiverStream(live).take_until(ended);
    let events = stream::iter(missed).chain(live).map(|(id, message)| {
        Ok::<_, std::convert::Infallible>(
            Event::default()
                .id(id.to_string())
                .data(String::from_utf8_lossy(&message)),
        )
    });
    sse_response(events).into_response()
}

async fn delete(shared: &Shared, headers: &HeaderMap) -> Response {
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
    let ended = match value.to_str() {
        Ok(id) => match shared.sessions.end(id, subject.as_deref()).await {
            Ok(true) => Some(id),
            Ok(false) => None,
            Err(error) => return session::unavailable_response(None, &error),
        },
        Err(_) => None,
    };
    match ended {
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

pub(super) fn json_response(status: StatusCode, message: Vec<u8>) -> Response {
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
