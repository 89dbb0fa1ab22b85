//! Sessions kept in the store shared by replicas: the store holds each session's record and
//! event log, and a replica's [`Sessions`] caches the sessions it serves, rebuilding one it
//! does not know from its record.
//!
//! A replica hears, on one subscription of its own, which sessions changed (its cached copy
//! is read again on next use) or ended (dropped), the cancellations sent to any replica, and
//! the answers to the questions it asked that reached another replica. While that
//! subscription is down, and once it is back, every cached session counts as changed.

use std::collections::VecDeque;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use bytes::Bytes;
use futures_util::stream::{self, Stream};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::sync::mpsc;

use super::{Session, Sessions};
use crate::protocol::{encode_error, LogLevel, ProtocolVersion, RequestId, RpcError};
use crate::server::Connection;
use crate::store::sessions::{Bounds, Change, Record, SessionStore};
use crate::store::Unavailable;
use crate::sync::lock;

/// How long one blocking read of a session's event stream waits for new events.
const BLOCK: Duration = Duration::from_secs(5);

/// A session whose unsolicited messages go to its event stream in `store`.
pub(super) fn new_session(
    store: &SessionStore,
    id: &str,
    owner: Option<String>,
    caller: Option<String>,
) -> Arc<Session> {
    let (tx, mut rx) = mpsc::channel::<Vec<u8>>(256);
    let connection = Connection::new(tx);
    connection.keep_shared(store.shared().replica());
    let session = Session::with_connection(id, owner, caller, connection);
    let store = store.clone();
    let id = id.to_owned();
    // Ends when the session's connection (the only sender) is dropped.
    tokio::spawn(async move {
        while let Some(message) = rx.recv().await {
            if let Err(error) = store.append(&id, &message).await {
                tracing::warn!(session = %id, %error, "a message for the session's stream was lost");
            }
        }
    });
    session
}

/// What a session's record holds that requests change.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Snapshot {
    initialized: bool,
    level: Option<LogLevel>,
    subscriptions: Vec<String>,
}

impl Session {
    /// What the session's record holds that requests change, as this replica knows it.
    pub(crate) fn snapshot(&self) -> Snapshot {
        Snapshot {
            initialized: self.is_initialized(),
            level: self.connection.log_level(),
            subscriptions: self.connection.subscriptions().all(),
        }
    }

    /// Takes the record's state as the session's.
    fn apply(&self, record: &Record) {
        self.initialized
            .store(record.initialized, Ordering::Relaxed);
        match record.level.as_deref().and_then(level_of) {
            Some(level) => self.connection.set_log_level(level),
            None => self.connection.clear_log_level(),
        }
        self.connection
            .subscriptions()
            .replace(record.subscriptions.iter().cloned());
    }

    fn record(&self) -> Record {
        let handshake = self.connection.handshake();
        Record {
            owner: self.owner.clone(),
            caller: self.caller.clone(),
            version: handshake.map_or("", |h| h.version.as_str()).to_owned(),
            client_info: handshake
                .and_then(|h| serde_json::to_value(h.client_info.as_deref()).ok())
                .unwrap_or(Value::Null),
            capabilities: handshake
                .map(|h| h.client_capabilities.clone())
                .unwrap_or_default(),
            initialized: self.is_initialized(),
            level: self.connection.log_level().map(level_name),
            subscriptions: self.connection.subscriptions().all(),
        }
    }
}

fn level_name(level: LogLevel) -> String {
    serde_json::to_value(level)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn level_of(name: &str) -> Option<LogLevel> {
    serde_json::from_value(Value::String(name.to_owned())).ok()
}

/// The changes that lead from `before` to `after`.
fn changes(before: &Snapshot, after: &Snapshot) -> Vec<Change> {
    let mut changes = Vec::new();
    if after.initialized && !before.initialized {
        changes.push(Change::Initialized);
    }
    if after.level != before.level {
        if let Some(level) = after.level {
            changes.push(Change::Level(level_name(level)));
        }
    }
    for uri in &after.subscriptions {
        if !before.subscriptions.contains(uri) {
            changes.push(Change::Subscribe(uri.clone()));
        }
    }
    for uri in &before.subscriptions {
        if !after.subscriptions.contains(uri) {
            changes.push(Change::Unsubscribe(uri.clone()));
        }
    }
    changes
}

/// A message of the replicas' channels.
#[derive(Serialize, Deserialize)]
struct Routed {
    session: String,
    /// An answer to a question: the client's message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    message: Option<String>,
    /// A cancellation: the request to cancel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    request: Option<RequestId>,
    /// Who answered: the authenticated subject and scopes (none: the local user).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    subject: Option<String>,
    #[serde(default)]
    scopes: Vec<String>,
}

impl Sessions {
    /// Keeps the sessions in `store` from now on.
    pub(crate) fn share(&self, store: SessionStore) {
        let _ = self.store.set(store);
    }

    /// The shared store the sessions live in, if any.
    pub(crate) fn store(&self) -> Option<&SessionStore> {
        self.store.get()
    }

    fn bounds(&self) -> Bounds {
        Bounds {
            max: self.limits.max,
            per_caller: self.limits.per_caller,
            idle_ms: millis(self.limits.idle_timeout),
            init_ms: millis(self.limits.init_timeout),
        }
    }

    /// How often a replica refreshes a session's expiry in the store, at most.
    fn refresh_period(&self) -> Duration {
        (self.limits.idle_timeout / 8).clamp(Duration::from_millis(50), Duration::from_secs(60))
    }

    /// Stores a session that just completed `initialize`; sessions ended to make room are
    /// dropped here, and elsewhere through the store.
    pub(crate) async fn keep(&self, session: &Session) -> Result<(), Unavailable> {
        let Some(store) = self.store.get() else {
            return Ok(());
        };
        let evicted = store
            .create(&session.id, &session.record(), self.bounds())
            .await?;
        for id in evicted {
            tracing::debug!(session = %id, "a least recently used session ended to make room");
            self.forget(&id);
        }
        Ok(())
    }

    /// Drops the cached session `id`.
    fn forget(&self, id: &str) {
        let mut map = lock(&self.map);
        if map.remove(id).is_some() {
            self.count(map.len());
        }
    }

    /// The session `id`, if it exists and belongs to `subject`: from the cache, or read
    /// from the shared store when this replica does not know it or it changed since.
    pub(crate) async fn find(
        &self,
        id: &str,
        subject: Option<&str>,
    ) -> Result<Option<Arc<Session>>, Unavailable> {
        let Some(store) = self.store.get() else {
            return Ok(self.get(id, subject));
        };
        let cached = lock(&self.map).get(id).cloned();
        let session = match cached {
            Some(session) if !session.stale.load(Ordering::Acquire) => session,
            cached => {
                // Cleared first: a change heard while reading marks it again.
                if let Some(session) = &cached {
                    session.stale.store(false, Ordering::Release);
                }
                let record = match store.load(id).await {
                    Ok(record) => record,
                    Err(error) => {
                        if let Some(session) = &cached {
                            session.stale.store(true, Ordering::Release);
                        }
                        return Err(error);
                    }
                };
                let Some(record) = record else {
                    self.forget(id);
                    return Ok(None);
                };
                match cached {
                    Some(session) => {
                        session.apply(&record);
                        session
                    }
                    None => match self.rebuild(store, id, &record) {
                        Some(session) => session,
                        None => return Ok(None),
                    },
                }
            }
        };
        if session.owner.as_deref() != subject {
            return Ok(None);
        }
        session.touch();
        let due = {
            let mut refreshed = lock(&session.refreshed);
            let due = refreshed.elapsed() >= self.refresh_period();
            if due {
                *refreshed = Instant::now();
            }
            due
        };
        if due && !store.change(id, &[], self.bounds().idle_ms).await? {
            self.forget(id);
            return Ok(None);
        }
        Ok(Some(session))
    }

    /// A cached session rebuilt from its record; `None` when the record is unreadable.
    fn rebuild(&self, store: &SessionStore, id: &str, record: &Record) -> Option<Arc<Session>> {
        let version = ProtocolVersion::parse(&record.version)?;
        let session = new_session(store, id, record.owner.clone(), record.caller.clone());
        session
            .connection
            .complete_handshake(crate::server::Handshake {
                version,
                client_info: serde_json::from_value::<crate::protocol::Implementation>(
                    record.client_info.clone(),
                )
                .ok()
                .map(Arc::new),
                client_capabilities: record.capabilities.clone(),
            });
        session.apply(record);
        let mut map = lock(&self.map);
        // The cache holds at most as many sessions as may live.
        while map.len() >= self.limits.max.max(1) {
            let Some(idlest) = super::evictee(map.iter()) else {
                break;
            };
            map.remove(&idlest);
        }
        let session = Arc::clone(map.entry(id.to_owned()).or_insert(session));
        self.count(map.len());
        Some(session)
    }

    /// Writes what a request changed in `session` (since `before`) to the shared store.
    pub(crate) async fn write_through(
        &self,
        session: &Session,
        before: &Snapshot,
    ) -> Result<(), Unavailable> {
        let Some(store) = self.store.get() else {
            return Ok(());
        };
        let changes = changes(before, &session.snapshot());
        if changes.is_empty() {
            return Ok(());
        }
        *lock(&session.refreshed) = Instant::now();
        if !store
            .change(&session.id, &changes, self.bounds().idle_ms)
            .await?
        {
            self.forget(&session.id);
        }
        Ok(())
    }

    /// Ends the session `id` if it belongs to `subject`, on every replica.
    pub(crate) async fn end(&self, id: &str, subject: Option<&str>) -> Result<bool, Unavailable> {
        let Some(store) = self.store.get() else {
            return Ok(self.remove(id, subject));
        };
        let removed = store.remove(id, subject).await?;
        if removed {
            self.forget(id);
        }
        Ok(removed)
    }

    /// The replica that asked the question `id` answers, when it is another one.
    pub(crate) fn asked_elsewhere(&self, id: &RequestId) -> Option<String> {
        let store = self.store.get()?;
        let RequestId::String(id) = id else {
            return None;
        };
        let (replica, _) = id.strip_prefix("server-")?.split_once('-')?;
        (replica != store.shared().replica()).then(|| replica.to_owned())
    }

    /// Sends the client's answer `message` to the replica that asked.
    pub(crate) async fn forward_answer(
        &self,
        session: &Session,
        replica: &str,
        message: &[u8],
    ) -> Result<(), Unavailable> {
        let Some(store) = self.store.get() else {
            return Ok(());
        };
        let caller = crate::permission::Caller::current();
        let routed = Routed {
            session: session.id.clone(),
            message: Some(String::from_utf8_lossy(message).into_owned()),
            request: None,
            subject: caller.scopes().map(|_| caller.subject().to_owned()),
            scopes: caller
                .scopes()
                .map(|s| s.iter().cloned().collect())
                .unwrap_or_default(),
        };
        publish(store, &store.answers_channel(replica), &routed).await
    }

    /// Tells every replica to cancel the request `request` of `session`, if it runs there.
    pub(crate) async fn broadcast_cancel(
        &self,
        session: &Session,
        request: RequestId,
    ) -> Result<(), Unavailable> {
        let Some(store) = self.store.get() else {
            return Ok(());
        };
        let routed = Routed {
            session: session.id.clone(),
            message: None,
            request: Some(request),
            subject: None,
            scopes: Vec::new(),
        };
        publish(store, &store.cancel_channel(), &routed).await
    }

    fn mark_all_stale(&self) {
        for session in lock(&self.map).values() {
            session.stale.store(true, Ordering::Release);
        }
    }

    /// Listens to the replicas' channels as long as the sessions live, subscribing again
    /// whenever the subscription drops; answers are handed to `dispatcher`.
    pub(crate) fn spawn_listener(self: &Arc<Self>, dispatcher: crate::server::Dispatcher) {
        let Some(store) = self.store.get() else {
            return;
        };
        let replica = store.shared().replica().to_owned();
        let changed = store.changed_channel();
        let channels = vec![
            changed.clone(),
            store.cancel_channel(),
            store.answers_channel(&replica),
        ];
        let listener = Listener {
            sessions: Arc::downgrade(self),
            dispatcher,
            replica,
            changed,
        };
        let stop = tokio_util::sync::CancellationToken::new();
        if self.listening.set(stop.clone().drop_guard()).is_err() {
            return; // Already listening.
        }
        tokio::spawn(crate::store::subscribe(
            store.shared().client().clone(),
            crate::store::Channel::Named(channels),
            store.shared().timeout(),
            stop,
            listener,
            "session notifications",
        ));
    }

    fn heard_change(&self, replica: &str, payload: &[u8]) {
        let Ok(text) = std::str::from_utf8(payload) else {
            return;
        };
        if let Some(id) = text.strip_prefix("gone:") {
            self.forget(id);
        } else if let Some((by, id)) = text
            .strip_prefix("changed:")
            .and_then(|rest| rest.split_once(':'))
        {
            if by != replica {
                if let Some(session) = lock(&self.map).get(id) {
                    session.stale.store(true, Ordering::Release);
                }
            }
        }
    }

    fn heard_routed(&self, dispatcher: &crate::server::Dispatcher, routed: Routed) {
        let Some(session) = lock(&self.map).get(&routed.session).cloned() else {
            return;
        };
        if let Some(request) = &routed.request {
            if session.connection.cancel_running(request) {
                tracing::debug!(id = %request, "request cancelled through another replica");
            }
            return;
        }
        let Some(message) = routed.message else {
            return;
        };
        let caller = match routed.subject {
            Some(subject) => crate::permission::Caller::new(subject, routed.scopes),
            None => crate::permission::Caller::local(),
        };
        let dispatcher = dispatcher.clone();
        tokio::spawn(caller.scope(async move {
            let sink = session.connection.outbound().clone();
            dispatcher
                .reply(&session.connection, Bytes::from(message), sink)
                .await;
        }));
    }
}

async fn publish(store: &SessionStore, channel: &str, routed: &Routed) -> Result<(), Unavailable> {
    let payload = serde_json::to_vec(routed).unwrap_or_default();
    store
        .shared()
        .run(async |c| {
            redis::cmd("PUBLISH")
                .arg(channel)
                .arg(&payload)
                .query_async::<i64>(c)
                .await
        })
        .await
        .map(|_| ())
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

/// `503 Service Unavailable` with `Retry-After: 1`, for a request that needs the shared
/// store while it cannot be reached; the JSON-RPC error names the store.
pub(crate) fn unavailable_response(id: Option<&RequestId>, error: &Unavailable) -> Response {
    let error = RpcError::internal(format!("the session store is unavailable: {error}"));
    let mut response = super::super::endpoint::json_response(
        StatusCode::SERVICE_UNAVAILABLE,
        encode_error(id, &error),
    );
    response.headers_mut().insert(
        axum::http::header::RETRY_AFTER,
        HeaderValue::from_static("1"),
    );
    response
}

/// The events of session `id`'s stream after `last` (or from now on without one), and then
/// new ones as they are appended, read on a connection of the stream's own. Ends when the
/// session ends or the store cannot be read.
pub(crate) async fn events(
    store: &SessionStore,
    id: &str,
    last: Option<String>,
) -> Result<impl Stream<Item = (String, Bytes)> + Send + 'static, Unavailable> {
    let shared = store.shared().clone();
    let key = store.events_key(id);
    let (missed, cursor) = match last {
        Some(last) => {
            let missed = store.events_after(id, Some(&last)).await?;
            let cursor = missed.last().map_or(last, |(id, _)| id.clone());
            (missed, cursor)
        }
        None => {
            let newest: redis::Value = shared
                .run(async |c| {
                    redis::cmd("XREVRANGE")
                        .arg(&key)
                        .arg("+")
                        .arg("-")
                        .arg("COUNT")
                        .arg(1)
                        .query_async(c)
                        .await
                })
                .await?;
            let cursor = crate::store::sessions::entries(&newest)
                .pop()
                .map_or_else(|| "0-0".to_owned(), |(id, _)| id);
            (Vec::new(), cursor)
        }
    };
    let config = redis::AsyncConnectionConfig::new()
        .set_connection_timeout(Some(shared.timeout()))
        .set_response_timeout(Some(BLOCK + shared.timeout()));
    let connection = tokio::time::timeout(
        shared.timeout(),
        shared
            .client()
            .get_multiplexed_async_connection_with_config(&config),
    )
    .await
    .map_err(|_| shared.unavailable(&"no answer in time"))?
    .map_err(|e| shared.unavailable(&e))?;
    struct Reading {
        store: SessionStore,
        id: String,
        key: String,
        cursor: String,
        pending: VecDeque<(String, Vec<u8>)>,
        connection: redis::aio::MultiplexedConnection,
    }
    let state = Reading {
        store: store.clone(),
        id: id.to_owned(),
        key,
        cursor,
        pending: missed.into(),
        connection,
    };
    Ok(stream::unfold(state, |mut state| async move {
        loop {
            if let Some((id, message)) = state.pending.pop_front() {
                return Some(((id, Bytes::from(message)), state));
            }
            let reply: redis::RedisResult<redis::Value> = redis::cmd("XREAD")
                .arg("BLOCK")
                .arg(u64::try_from(BLOCK.as_millis()).unwrap_or(5000))
                .arg("STREAMS")
                .arg(&state.key)
                .arg(&state.cursor)
                .query_async(&mut state.connection)
                .await;
            match reply {
                Ok(reply) => {
                    let read = crate::store::sessions::read_entries(&reply);
                    if let Some((last, _)) = read.last() {
                        state.cursor = last.clone();
                    }
                    if read.is_empty() && !state.store.exists(&state.id).await.unwrap_or(false) {
                        // The session ended (or the store is unreachable): the client
                        // reconnects with Last-Event-ID if it still can.
                        return None;
                    }
                    state.pending.extend(read);
                }
                Err(error) => {
                    tracing::debug!(session = %state.id, %error, "a session's stream lost the store");
                    return None;
                }
            }
        }
    }))
}

/// What a replica hears of the sessions from the others: changes and ends of sessions,
/// cancellations, and the client's answers to its own questions.
struct Listener {
    sessions: std::sync::Weak<Sessions>,
    dispatcher: crate::server::Dispatcher,
    replica: String,
    /// The channel of changes and ends; the others carry routed messages.
    changed: String,
}

impl crate::store::Subscriber for Listener {
    async fn subscribed(&mut self) -> bool {
        // Changes made while not listening: every cached session is read again.
        match self.sessions.upgrade() {
            Some(sessions) => {
                sessions.mark_all_stale();
                true
            }
            None => false,
        }
    }

    async fn heard(&mut self, message: redis::Msg) -> bool {
        let Some(sessions) = self.sessions.upgrade() else {
            return false;
        };
        let payload = message.get_payload_bytes();
        if message.get_channel_name() == self.changed {
            sessions.heard_change(&self.replica, payload);
        } else if let Ok(routed) = serde_json::from_slice::<Routed>(payload) {
            sessions.heard_routed(&self.dispatcher, routed);
        }
        true
    }

    fn lost(&mut self) {
        if let Some(sessions) = self.sessions.upgrade() {
            sessions.mark_all_stale();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_are_what_differs() {
        let before = Snapshot {
            initialized: false,
            level: None,
            subscriptions: vec!["a".into(), "b".into()],
        };
        let after = Snapshot {
            initialized: true,
            level: Some(LogLevel::Warning),
            subscriptions: vec!["b".into(), "c".into()],
        };
        assert_eq!(
            changes(&before, &after),
            [
                Change::Initialized,
                Change::Level("warning".into()),
                Change::Subscribe("c".into()),
                Change::Unsubscribe("a".into()),
            ]
        );
        assert!(changes(&after, &after).is_empty());
    }

    #[test]
    fn levels_round_trip() {
        assert_eq!(
            level_of(&level_name(LogLevel::Critical)),
            Some(LogLevel::Critical)
        );
    }
}
