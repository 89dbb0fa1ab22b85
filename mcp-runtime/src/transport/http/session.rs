//! Legacy-era sessions: created by `initialize`, named by `Mcp-Session-Id`, ended by
//! `DELETE` or by idling past the timeout.
//!
//! Each session owns a [`Connection`] (what the handshake negotiated) and an event log of
//! the messages the server sends outside any request, which a `GET` stream delivers. The
//! log keeps the last events so a client reconnecting with `Last-Event-ID` misses nothing.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use tokio::sync::mpsc;

use crate::server::Connection;

/// One event of a session's stream: its id and the encoded message.
pub(crate) type StreamEvent = (u64, Bytes);

/// Events kept per session for resumption.
const REPLAY_EVENTS: usize = 256;

pub(crate) struct Session {
    pub(crate) connection: Arc<Connection>,
    /// The authenticated subject that opened the session: only it may use the session.
    /// `None` without authentication.
    owner: Option<String>,
    last_seen: Mutex<Instant>,
    log: Mutex<EventLog>,
}

struct EventLog {
    next_id: u64,
    recent: VecDeque<StreamEvent>,
    listener: Option<mpsc::Sender<StreamEvent>>,
}

impl Session {
    fn new(owner: Option<String>) -> Arc<Session> {
        let (tx, mut rx) = mpsc::channel::<Vec<u8>>(256);
        let session = Arc::new(Session {
            connection: Arc::new(Connection::new(tx)),
            owner,
            last_seen: Mutex::new(Instant::now()),
            log: Mutex::new(EventLog {
                next_id: 1,
                recent: VecDeque::new(),
                listener: None,
            }),
        });
        // Unsolicited server messages go to the log and to the open GET stream, if any. The
        // task ends when the session's connection (the only sender) is dropped.
        let weak = Arc::downgrade(&session);
        tokio::spawn(async move {
            while let Some(message) = rx.recv().await {
                let Some(session) = weak.upgrade() else { break };
                session.publish(Bytes::from(message));
            }
        });
        session
    }

    pub(crate) fn touch(&self) {
        *lock(&self.last_seen) = Instant::now();
    }

    fn idle_for(&self) -> Duration {
        lock(&self.last_seen).elapsed()
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

/// Every live session, by id.
pub(crate) struct Sessions {
    map: Mutex<HashMap<String, Arc<Session>>>,
    max: usize,
    idle_timeout: Duration,
}

impl Sessions {
    pub(crate) fn new(max: usize, idle_timeout: Duration) -> Arc<Sessions> {
        Arc::new(Sessions {
            map: Mutex::new(HashMap::new()),
            max,
            idle_timeout,
        })
    }

    /// A new session with a fresh random id, for `owner` (the authenticated subject, if
    /// any), or `None` when the limit is reached.
    pub(crate) fn create(&self, owner: Option<String>) -> Option<(String, Arc<Session>)> {
        let mut map = lock(&self.map);
        if map.len() >= self.max {
            return None;
        }
        let id = new_session_id();
        let session = Session::new(owner);
        map.insert(id.clone(), Arc::clone(&session));
        Some((id, session))
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
        map.remove(id).is_some()
    }

    /// Drops sessions idle for longer than the timeout; their memory is freed once the last
    /// request holding them ends.
    pub(crate) fn reap(&self) -> usize {
        let mut map = lock(&self.map);
        let before = map.len();
        map.retain(|_, session| session.idle_for() < self.idle_timeout);
        before - map.len()
    }

    /// Reaps idle sessions periodically, as long as the store is alive.
    pub(crate) fn spawn_reaper(self: &Arc<Self>) {
        let weak = Arc::downgrade(self);
        let period =
            (self.idle_timeout / 4).clamp(Duration::from_millis(50), Duration::from_secs(60));
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
                    tracing::debug!(reaped, "idle sessions expired");
                }
            }
        });
    }
}

/// 256 bits from the operating system's random source, as hex.
fn new_session_id() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the operating system provides random bytes");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn ids_are_unique_and_unguessable_in_length() {
        let sessions = Sessions::new(10, Duration::from_secs(60));
        let (a, _) = sessions.create(None).unwrap();
        let (b, _) = sessions.create(None).unwrap();
        assert_ne!(a, b);
        assert_eq!(a.len(), 64);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
    }

    #[tokio::test]
    async fn the_limit_is_enforced_and_removal_frees_a_place() {
        let sessions = Sessions::new(2, Duration::from_secs(60));
        let (first, _) = sessions.create(None).unwrap();
        sessions.create(None).unwrap();
        assert!(sessions.create(None).is_none());
        assert!(sessions.remove(&first, None));
        assert!(sessions.create(None).is_some());
    }

    #[tokio::test]
    async fn idle_sessions_are_reaped() {
        let sessions = Sessions::new(10, Duration::from_millis(20));
        let (id, session) = sessions.create(None).unwrap();
        let weak = Arc::downgrade(&session);
        drop(session);
        tokio::time::sleep(Duration::from_millis(40)).await;
        assert_eq!(sessions.reap(), 1);
        assert!(sessions.get(&id, None).is_none());
        assert!(weak.upgrade().is_none(), "the session's memory is freed");
    }

    #[tokio::test]
    async fn a_session_belongs_to_its_subject() {
        let sessions = Sessions::new(10, Duration::from_secs(60));
        let (id, _) = sessions.create(Some("alice".to_owned())).unwrap();
        assert!(sessions.get(&id, Some("mallory")).is_none());
        assert!(sessions.get(&id, None).is_none());
        assert!(!sessions.remove(&id, Some("mallory")));
        assert!(sessions.get(&id, Some("alice")).is_some());
        assert!(sessions.remove(&id, Some("alice")));
    }

    #[tokio::test]
    async fn a_reconnecting_stream_gets_what_it_missed() {
        let sessions = Sessions::new(10, Duration::from_secs(60));
        let (_, session) = sessions.create(None).unwrap();
        for n in 0..3 {
            session.publish(Bytes::from(format!("event {n}")));
        }
        let (missed, _rx) = session.listen(Some(1));
        let ids: Vec<_> = missed.iter().map(|(id, _)| *id).collect();
        assert_eq!(ids, [2, 3]);
    }
}
