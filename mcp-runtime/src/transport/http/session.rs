//! Legacy-era sessions: created by `initialize`, named by `Mcp-Session-Id`, ended by
//! `DELETE`, by idling past the timeout, by not completing the handshake in time, or by
//! making room for newer sessions (the least recently used one goes first).
//!
//! Each session owns a [`Connection`] (what the handshake negotiated) and an event log of
//! the messages the server sends outside any request, which a `GET` stream delivers. The
//! log keeps the last events so a client reconnecting with `Last-Event-ID` misses nothing.
//!
//! With a store shared by replicas (the `redis` feature), the sessions live there and each
//! replica's sessions are a cache of them (see `shared`).

use crate::sync::lock;
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use tokio::sync::mpsc;

use crate::server::Connection;

/// One event of a session's stream: its id and the encoded message.
pub(crate) type StreamEvent = (u64, Bytes);

static SERIAL: AtomicU64 = AtomicU64::new(0);

/// Events kept per session for resumption.
const REPLAY_EVENTS: usize = 256;

#[cfg(feature = "redis")]
mod shared;

#[cfg(feature = "redis")]
pub(crate) use crate::store::Unavailable;
#[cfg(feature = "redis")]
pub(crate) use shared::{events, unavailable_response};

#[cfg(not(feature = "redis"))]
pub(crate) use local::{unavailable_response, Unavailable};

/// Without a shared store: the sessions of this process only, and nothing is ever
/// unavailable.
#[cfg(not(feature = "redis"))]
mod local {
    use super::{Session, Sessions};
    use crate::protocol::RequestId;
    use std::sync::Arc;

    /// A shared store that cannot be reached: never, without one.
    #[derive(Debug)]
    pub(crate) enum Unavailable {}

    impl std::fmt::Display for Unavailable {
        fn fmt(&self, _: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            match *self {}
        }
    }

    pub(crate) fn unavailable_response(
        _: Option<&RequestId>,
        error: &Unavailable,
    ) -> axum::response::Response {
        match *error {}
    }

    /// What a request may change in a session: nothing to write anywhere.
    pub(crate) struct Snapshot;

    impl Session {
        pub(crate) fn snapshot(&self) -> Snapshot {
            Snapshot
        }
    }

    impl Sessions {
        pub(crate) async fn find(
            &self,
            id: &str,
            subject: Option<&str>,
        ) -> Result<Option<Arc<Session>>, Unavailable> {
            Ok(self.get(id, subject))
        }

        pub(crate) async fn keep(&self, _: &Session) -> Result<(), Unavailable> {
            Ok(())
        }

        pub(crate) async fn write_through(
            &self,
            _: &Session,
            _: &Snapshot,
        ) -> Result<(), Unavailable> {
            Ok(())
        }

        pub(crate) async fn end(
            &self,
            id: &str,
            subject: Option<&str>,
        ) -> Result<bool, Unavailable> {
            Ok(self.remove(id, subject))
        }

        pub(crate) fn asked_elsewhere(&self, _: &RequestId) -> Option<String> {
            None
        }

        pub(crate) async fn forward_answer(
            &self,
            _: &Session,
            _: &str,
            _: &[u8],
        ) -> Result<(), Unavailable> {
            Ok(())
        }

        pub(crate) async fn broadcast_cancel(
            &self,
            _: &Session,
            _: RequestId,
        ) -> Result<(), Unavailable> {
            Ok(())
        }
    }
}

pub(crate) struct Session {
    /// The session's id (its `Mcp-Session-Id`).
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    id: String,
    pub(crate) connection: Arc<Connection>,
    /// The authenticated subject that opened the session: only it may use the session.
    /// `None` without authentication.
    owner: Option<String>,
    /// Who the session counts against (subject, else peer address), if known.
    caller: Option<String>,
    created: Instant,
    /// Creation order, which breaks ties between sessions last used at the same instant.
    serial: u64,
    /// Whether the client sent `notifications/initialized`.
    initialized: AtomicBool,
    last_seen: Mutex<Instant>,
    log: Mutex<EventLog>,
    /// Set when the shared store says the session changed: the next use reads it again.
    #[cfg(feature = "redis")]
    stale: AtomicBool,
    /// When this replica last refreshed the session's expiry in the shared store.
    #[cfg(feature = "redis")]
    refreshed: Mutex<Instant>,
}

struct EventLog {
    next_id: u64,
    recent: VecDeque<StreamEvent>,
    listener: Option<mpsc::Sender<StreamEvent>>,
}

impl Session {
    fn new(id: &str, owner: Option<String>, caller: Option<String>) -> Arc<Session> {
        let (tx, rx) = mpsc::channel::<Vec<u8>>(256);
        let session = Session::with_connection(id, owner, caller, Connection::new(tx));
        Session::forward(&session, rx);
        session
    }

    fn with_connection(
        id: &str,
        owner: Option<String>,
        caller: Option<String>,
        connection: Connection,
    ) -> Arc<Session> {
        let now = Instant::now();
        connection.set_session_id(id);
        Arc::new(Session {
            id: id.to_owned(),
            connection: Arc::new(connection),
            owner,
            caller,
            created: now,
            serial: SERIAL.fetch_add(1, Ordering::Relaxed),
            initialized: AtomicBool::new(false),
            last_seen: Mutex::new(now),
            log: Mutex::new(EventLog {
                next_id: 1,
                recent: VecDeque::new(),
                listener: None,
            }),
            #[cfg(feature = "redis")]
            stale: AtomicBool::new(false),
            #[cfg(feature = "redis")]
            refreshed: Mutex::new(now),
        })
    }

    /// Unsolicited server messages go to the log and to the open GET stream, if any. The
    /// task ends when the session's connection (the only sender) is dropped.
    fn forward(session: &Arc<Session>, mut rx: mpsc::Receiver<Vec<u8>>) {
        let weak = Arc::downgrade(session);
        tokio::spawn(async move {
            while let Some(message) = rx.recv().await {
                let Some(session) = weak.upgrade() else { break };
                session.publish(Bytes::from(message));
            }
        });
    }

    /// The session's id.
    #[cfg(feature = "redis")]
    pub(crate) fn id(&self) -> &str {
        &self.id
    }

    pub(crate) fn touch(&self) {
        *lock(&self.last_seen) = Instant::now();
    }

    fn idle_for(&self) -> Duration {
        lock(&self.last_seen).elapsed()
    }

    /// Records that the client completed the handshake (`notifications/initialized`).
    pub(crate) fn mark_initialized(&self) {
        self.initialized.store(true, Ordering::Relaxed);
    }

    fn is_initialized(&self) -> bool {
        self.initialized.load(Ordering::Relaxed)
    }

    /// The order in which sessions make room: never-initialized ones first, then the least
    /// recently used.
    fn eviction_rank(&self) -> (bool, Instant, u64) {
        (self.is_initialized(), *lock(&self.last_seen), self.serial)
    }

    fn publish(&self, message: Bytes) {
        let mut log = lock(&self.log);
        let id = log.next_id;
        log.next_id += 1;
        if log.recent.len() == REPLAY_EVENTS {
            log.recent.pop_front();
        }
        log.recent.push_back((id, message.clone()));
        if let Some(listener) = &log.listener {
            if listener.try_send((id, message)).is_err() {
                // A stalled or closed stream: the client resumes from the log with Last-Event-ID.
                log.listener = None;
            }
        }
    }

    /// Opens the session's stream: the events after `last_event_id`, then new ones. A new
    /// stream replaces an open one.
    pub(crate) fn listen(
        &self,
        last_event_id: Option<u64>,
    ) -> (Vec<StreamEvent>, mpsc::Receiver<StreamEvent>) {
        let (tx, rx) = mpsc::channel(256);
        let mut log = lock(&self.log);
        let missed = match last_event_id {
            Some(last) => log
                .recent
                .iter()
                .filter(|(id, _)| *id > last)
                .cloned()
                .collect(),
            None => Vec::new(),
        };
        log.listener = Some(tx);
        (missed, rx)
    }
}

/// How many sessions may live, and for how long.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    /// Sessions alive at once; beyond it a new one evicts the least recently used.
    pub(crate) max: usize,
    /// Sessions one caller may hold; beyond it a new one evicts that caller's least recently
    /// used.
    pub(crate) per_caller: usize,
    /// How long a session may stay unused.
    pub(crate) idle_timeout: Duration,
    /// How long a new session may wait for `notifications/initialized`.
    pub(crate) init_timeout: Duration,
}

/// Every live session, by id.
pub(crate) struct Sessions {
    map: Mutex<HashMap<String, Arc<Session>>>,
    limits: Limits,
    /// The store shared by replicas, if the sessions live there.
    #[cfg(feature = "redis")]
    store: std::sync::OnceLock<crate::store::sessions::SessionStore>,
    /// Stops the subscription to the other replicas' news when the sessions are dropped.
    #[cfg(feature = "redis")]
    listening: std::sync::OnceLock<tokio_util::sync::DropGuard>,
    /// Where the number of open sessions is kept, if anywhere.
    #[cfg(feature = "metrics")]
    metrics: std::sync::OnceLock<crate::metrics::Metrics>,
}

impl Sessions {
    pub(crate) fn new(limits: Limits) -> Arc<Sessions> {
        Arc::new(Sessions {
            map: Mutex::new(HashMap::new()),
            limits,
            #[cfg(feature = "redis")]
            store: std::sync::OnceLock::new(),
            #[cfg(feature = "redis")]
            listening: std::sync::OnceLock::new(),
            #[cfg(feature = "metrics")]
            metrics: std::sync::OnceLock::new(),
        })
    }

    /// Keeps the number of open sessions in `metrics` from now on.
    #[cfg(feature = "metrics")]
    pub(crate) fn count_in(&self, metrics: crate::metrics::Metrics) {
        metrics.sessions(lock(&self.map).len());
        let _ = self.metrics.set(metrics);
    }

    /// Tells the metrics how many sessions are open.
    fn count(&self, _open: usize) {
        #[cfg(feature = "metrics")]
        if let Some(metrics) = self.metrics.get() {
            metrics.sessions(_open);
        }
    }

    /// A new session with a fresh random id, for `owner` (the authenticated subject, if
    /// any), counted against `caller`. When `caller` holds its share of sessions, its least
    /// recently used one ends; when all places are taken, the least recently used session
    /// ends (never-initialized ones first). A newcomer is never refused.
    pub(crate) fn create(
        &self,
        owner: Option<String>,
        caller: Option<String>,
    ) -> (String, Arc<Session>) {
        let mut map = lock(&self.map);
        if let Some(caller) = &caller {
            let mine = map
                .iter()
                .filter(|(_, s)| s.caller.as_ref() == Some(caller));
            if mine.clone().count() >= self.limits.per_caller.max(1) {
                if let Some(id) = evictee(mine) {
                    tracing::debug!(session = %id, %caller, "the caller's least recently used session ended to make room");
                    map.remove(&id);
                }
            }
        }
        while map.len() >= self.limits.max.max(1) {
            let Some(id) = evictee(map.iter()) else { break };
            tracing::debug!(session = %id, "the least recently used session ended to make room");
            map.remove(&id);
        }
        let id = new_session_id();
        let session = self.new_session(&id, owner, caller);
        map.insert(id.clone(), Arc::clone(&session));
        self.count(map.len());
        (id, session)
    }

    /// A new session object (not yet in the map).
    fn new_session(&self, id: &str, owner: Option<String>, caller: Option<String>) -> Arc<Session> {
        #[cfg(feature = "redis")]
        if let Some(store) = self.store.get() {
            return shared::new_session(store, id, owner, caller);
        }
        Session::new(id, owner, caller)
    }

    /// The session `id`, if it exists and belongs to `subject`; a session of another
    /// subject is not found, like an unknown one.
    pub(crate) fn get(&self, id: &str, subject: Option<&str>) -> Option<Arc<Session>> {
        let session = lock(&self.map).get(id).cloned()?;
        if session.owner.as_deref() != subject {
            return None;
        }
        session.touch();
        Some(session)
    }

    /// Ends the session `id` if it belongs to `subject`; `false` when there is no such
    /// session of that subject.
    pub(crate) fn remove(&self, id: &str, subject: Option<&str>) -> bool {
        let mut map = lock(&self.map);
        if map.get(id).is_none_or(|s| s.owner.as_deref() != subject) {
            return false;
        }
        let removed = map.remove(id).is_some();
        self.count(map.len());
        removed
    }

    /// Drops sessions idle for longer than the idle timeout, and those that did not complete
    /// the handshake within the initialization timeout; their memory is freed once the last
    /// request holding them ends.
    pub(crate) fn reap(&self) -> usize {
        let limits = self.limits;
        let mut map = lock(&self.map);
        let before = map.len();
        // A cache of the shared store's sessions drops what it did not use for a while; the
        // store expires the sessions themselves.
        #[cfg(feature = "redis")]
        let cache = self.store.get().is_some();
        #[cfg(not(feature = "redis"))]
        let cache = false;
        map.retain(|_, session| {
            session.idle_for() < limits.idle_timeout
                && (cache
                    || session.is_initialized()
                    || session.created.elapsed() < limits.init_timeout)
        });
        self.count(map.len());
        before - map.len()
    }

    /// Reaps idle sessions periodically, as long as the store is alive.
    pub(crate) fn spawn_reaper(self: &Arc<Self>) {
        let weak = Arc::downgrade(self);
        let period = (self.limits.idle_timeout.min(self.limits.init_timeout) / 4)
            .clamp(Duration::from_millis(50), Duration::from_secs(60));
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(period);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                let Some(sessions) = weak.upgrade() else {
                    break;
                };
                let reaped = sessions.reap();
                if reaped > 0 {
                    tracing::debug!(reaped, "idle or never-initialized sessions expired");
                }
            }
        });
    }
}

/// The id of the session to end first among `sessions`.
fn evictee<'a>(sessions: impl Iterator<Item = (&'a String, &'a Arc<Session>)>) -> Option<String> {
    sessions
        .min_by_key(|(_, session)| session.eviction_rank())
        .map(|(id, _)| id.clone())
}

/// 256 bits from the operating system's random source, as hex.
fn new_session_id() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the operating system provides random bytes");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(max: usize, idle_timeout: Duration) -> Limits {
        Limits {
            max,
            per_caller: max,
            idle_timeout,
            init_timeout: Duration::from_secs(60),
        }
    }

    #[tokio::test]
    async fn ids_are_unique_and_unguessable_in_length() {
        let sessions = Sessions::new(limits(10, Duration::from_secs(60)));
        let (a, _) = sessions.create(None, None);
        let (b, _) = sessions.create(None, None);
        assert_ne!(a, b);
        assert_eq!(a.len(), 64);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
    }

    #[tokio::test]
    async fn at_the_limit_the_least_recently_used_session_makes_room() {
        let sessions = Sessions::new(limits(2, Duration::from_secs(60)));
        let (first, one) = sessions.create(None, None);
        let (second, two) = sessions.create(None, None);
        one.mark_initialized();
        two.mark_initialized();
        std::thread::sleep(Duration::from_millis(5));
        assert!(sessions.get(&first, None).is_some());
        let (third, _) = sessions.create(None, None);
        assert!(sessions.get(&second, None).is_none(), "the idlest ended");
        assert!(sessions.get(&first, None).is_some());
        // A never-initialized session goes before any initialized one.
        sessions.create(None, None);
        assert!(sessions.get(&third, None).is_none());
        assert!(sessions.get(&first, None).is_some());
    }

    #[tokio::test]
    async fn a_caller_beyond_its_share_ends_its_own_sessions() {
        let sessions = Sessions::new(Limits {
            per_caller: 2,
            ..limits(10, Duration::from_secs(60))
        });
        let (other, _) = sessions.create(None, Some("b".to_owned()));
        let ids: Vec<String> = (0..5)
            .map(|_| sessions.create(None, Some("a".to_owned())).0)
            .collect();
        let alive: Vec<bool> = ids
            .iter()
            .map(|id| sessions.get(id, None).is_some())
            .collect();
        assert_eq!(alive, [false, false, false, true, true]);
        assert!(sessions.get(&other, None).is_some());
    }

    #[tokio::test]
    async fn sessions_that_never_initialize_are_reaped() {
        let sessions = Sessions::new(Limits {
            init_timeout: Duration::from_millis(20),
            ..limits(10, Duration::from_secs(60))
        });
        let (pending, _) = sessions.create(None, None);
        let (done, session) = sessions.create(None, None);
        session.mark_initialized();
        std::thread::sleep(Duration::from_millis(40));
        assert_eq!(sessions.reap(), 1);
        assert!(sessions.get(&pending, None).is_none());
        assert!(sessions.get(&done, None).is_some());
    }

    #[tokio::test]
    async fn idle_sessions_are_reaped() {
        let sessions = Sessions::new(limits(10, Duration::from_millis(20)));
        let (id, session) = sessions.create(None, None);
        let weak = Arc::downgrade(&session);
        drop(session);
        tokio::time::sleep(Duration::from_millis(40)).await;
        assert_eq!(sessions.reap(), 1);
        assert!(sessions.get(&id, None).is_none());
        assert!(weak.upgrade().is_none(), "the session's memory is freed");
    }

    #[tokio::test]
    async fn a_session_belongs_to_its_subject() {
        let sessions = Sessions::new(limits(10, Duration::from_secs(60)));
        let (id, _) = sessions.create(Some("alice".to_owned()), None);
        assert!(sessions.get(&id, Some("mallory")).is_none());
        assert!(sessions.get(&id, None).is_none());
        assert!(!sessions.remove(&id, Some("mallory")));
        assert!(sessions.get(&id, Some("alice")).is_some());
        assert!(sessions.remove(&id, Some("alice")));
    }

    #[tokio::test]
    async fn a_reconnecting_stream_gets_what_it_missed() {
        let sessions = Sessions::new(limits(10, Duration::from_secs(60)));
        let (_, session) = sessions.create(None, None);
        for n in 0..3 {
            session.publish(Bytes::from(format!("event {n}")));
        }
        let (missed, _rx) = session.listen(Some(1));
        let ids: Vec<_> = missed.iter().map(|(id, _)| *id).collect();
        assert_eq!(ids, [2, 3]);
    }
}
