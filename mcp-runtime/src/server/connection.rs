//! Per-connection state: what a legacy handshake negotiated, requests in flight, and the
//! channel to the client.

use crate::sync::lock;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use serde_json::{Map, Value};
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;

use crate::permission::Caller;
use crate::protocol::{Implementation, LogLevel, ProtocolVersion, RequestId, RpcError};

/// Messages queued for the client, already encoded.
pub type Outbound = mpsc::Sender<Vec<u8>>;

/// Keeps a request registered as in flight; unregisters it when dropped.
pub(crate) struct InFlight {
    connection: Arc<Connection>,
    id: RequestId,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.connection.lock_in_flight().running.remove(&self.id);
    }
}

/// Requests in flight, and cancellations that arrived before their request started (a
/// request waiting in a transport's queue): it starts cancelled.
#[derive(Debug, Default)]
struct InFlightMap {
    /// Hashed with foldhash: every request goes in and out of it.
    running: HashMap<RequestId, CancellationToken, foldhash::fast::RandomState>,
    cancelled_early: std::collections::VecDeque<RequestId>,
}

/// At most this many early cancellations are remembered (the oldest is forgotten first).
const EARLY_CANCELLATIONS: usize = 1024;

/// What one legacy `initialize` handshake established.
#[derive(Debug, Clone)]
pub(crate) struct Handshake {
    pub(crate) version: ProtocolVersion,
    /// Shared with every request's context, which would otherwise copy it.
    pub(crate) client_info: Option<Arc<Implementation>>,
    pub(crate) client_capabilities: Map<String, Value>,
}

/// The answer to a request this side sent.
pub(crate) type ClientAnswer = Result<Value, RpcError>;

/// An answer, and who sent it (on HTTP each answer arrives in a request of its own).
pub(crate) type Answered = (ClientAnswer, Caller);

/// One client connection: a stdio process, an in-memory test client, later an HTTP session.
///
/// Modern-era requests use none of its negotiated state; legacy-era requests need the
/// handshake it records.
#[derive(Debug)]
pub struct Connection {
    outbound: Outbound,
    handshake: OnceLock<Handshake>,
    subscriptions: super::subscriptions::Subscriptions,
    /// Set by a completed handshake or the first modern request: from then on the order in
    /// which requests are handled no longer matters.
    established: AtomicBool,
    /// The legacy `logging/setLevel` threshold, as `LogLevel as u8 + 1`; 0 = not set.
    log_level: AtomicU8,
    in_flight: Mutex<InFlightMap>,
    /// Requests sent to the client, waiting for its answer.
    awaiting: Mutex<HashMap<RequestId, oneshot::Sender<Answered>>>,
    next_request: AtomicU64,
    /// Set once no answer can come from the client any more (its input ended).
    questions_closed: AtomicBool,
    /// Set once the server cancelled the requests in flight to shut down.
    shutting_down: AtomicBool,
    /// Cancelled when the connection closes either way: streams that only send
    /// (`subscriptions/listen`) end.
    closing: CancellationToken,
    /// Set for an HTTP session kept in a store shared by replicas: the name of this replica,
    /// which the ids of the server's own requests carry so that an answer reaching another
    /// replica finds its way back. Such a connection hears of changes through the store,
    /// not through the server's list of subscribers.
    replica: OnceLock<String>,
    /// The id of the HTTP session the connection is, as its `Mcp-Session-Id` header names it.
    session: OnceLock<Box<str>>,
}

impl Connection {
    /// A connection whose server-to-client messages go to `outbound`.
    pub fn new(outbound: Outbound) -> Self {
        Connection {
            outbound,
            handshake: OnceLock::new(),
            subscriptions: Default::default(),
            established: AtomicBool::new(false),
            log_level: AtomicU8::new(0),
            in_flight: Mutex::default(),
            awaiting: Mutex::new(HashMap::new()),
            next_request: AtomicU64::new(1),
            questions_closed: AtomicBool::new(false),
            shutting_down: AtomicBool::new(false),
            closing: CancellationToken::new(),
            replica: OnceLock::new(),
            session: OnceLock::new(),
        }
    }

    /// Names the connection as the HTTP session `id`.
    #[cfg(feature = "http")]
    pub(crate) fn set_session_id(&self, id: &str) {
        let _ = self.session.set(id.into());
    }

    /// The id of the HTTP session the connection is, if it is one.
    pub(crate) fn session_id(&self) -> Option<&str> {
        self.session.get().map(|id| &**id)
    }

    /// Marks the connection as a session kept in a shared store, served here by `replica`.
    #[cfg(feature = "redis")]
    pub(crate) fn keep_shared(&self, replica: &str) {
        let _ = self.replica.set(replica.to_owned());
    }

    /// True for a session kept in a shared store: changes reach it through the store.
    pub(crate) fn is_shared(&self) -> bool {
        self.replica.get().is_some()
    }

    /// Forgets the handshake's log level (a shared session's record has none any more).
    #[cfg(feature = "redis")]
    pub(crate) fn clear_log_level(&self) {
        self.log_level.store(0, Ordering::Relaxed);
    }

    pub(crate) fn subscriptions(&self) -> &super::subscriptions::Subscriptions {
        &self.subscriptions
    }

    pub(crate) fn outbound(&self) -> &Outbound {
        &self.outbound
    }

    pub(crate) fn handshake(&self) -> Option<&Handshake> {
        self.handshake.get()
    }

    /// Records the handshake; false when one already happened.
    pub(crate) fn complete_handshake(&self, handshake: Handshake) -> bool {
        let first = self.handshake.set(handshake).is_ok();
        self.mark_established();
        first
    }

    pub(crate) fn mark_established(&self) {
        self.established.store(true, Ordering::Release);
    }

    /// True once the client has opened the connection, with a handshake or a modern request.
    /// Until then a transport handles messages one at a time, in order, so that requests
    /// pipelined behind `initialize` see its outcome.
    pub fn is_established(&self) -> bool {
        self.established.load(Ordering::Acquire)
    }

    pub(crate) fn set_log_level(&self, level: LogLevel) {
        self.log_level.store(level as u8 + 1, Ordering::Relaxed);
    }

    pub(crate) fn log_level(&self) -> Option<LogLevel> {
        const LEVELS: [LogLevel; 8] = [
            LogLevel::Debug,
            LogLevel::Info,
            LogLevel::Notice,
            LogLevel::Warning,
            LogLevel::Error,
            LogLevel::Critical,
            LogLevel::Alert,
            LogLevel::Emergency,
        ];
        match self.log_level.load(Ordering::Relaxed) {
            0 => None,
            n => LEVELS.get(usize::from(n) - 1).copied(),
        }
    }

    /// Registers a request so that `notifications/cancelled` can stop it, until the returned
    /// guard is dropped (however the request ends: answered, cancelled or abandoned).
    pub(crate) fn begin(self: &Arc<Self>, id: &RequestId) -> (CancellationToken, InFlight) {
        let token = CancellationToken::new();
        let mut in_flight = self.lock_in_flight();
        if let Some(at) = in_flight
            .cancelled_early
            .iter()
            .position(|early| early == id)
        {
            in_flight.cancelled_early.remove(at);
            token.cancel();
        }
        in_flight.running.insert(id.clone(), token.clone());
        drop(in_flight);
        let guard = InFlight {
            connection: Arc::clone(self),
            id: id.clone(),
        };
        (token, guard)
    }

    /// Cancels the request `id`; one not started yet starts cancelled. False when it is not
    /// running.
    pub(crate) fn cancel(&self, id: &RequestId) -> bool {
        let mut in_flight = self.lock_in_flight();
        match in_flight.running.get(id) {
            Some(token) => {
                token.cancel();
                true
            }
            None => {
                if in_flight.cancelled_early.len() == EARLY_CANCELLATIONS {
                    in_flight.cancelled_early.pop_front();
                }
                in_flight.cancelled_early.push_back(id.clone());
                false
            }
        }
    }

    /// Cancels the request `id` if it is running here; false otherwise (nothing is
    /// remembered for a request not started).
    #[cfg(feature = "redis")]
    pub(crate) fn cancel_running(&self, id: &RequestId) -> bool {
        match self.lock_in_flight().running.get(id) {
            Some(token) => {
                token.cancel();
                true
            }
            None => false,
        }
    }

    /// Reserves an id for a request to the client and the channel its answer arrives on.
    pub(crate) fn expect_answer(&self) -> (RequestId, oneshot::Receiver<Answered>) {
        let n = self.next_request.fetch_add(1, Ordering::Relaxed);
        let id = RequestId::String(match self.replica.get() {
            Some(replica) => format!("server-{replica}-{n}"),
            None => format!("server-{n}"),
        });
        let (tx, rx) = oneshot::channel();
        let mut awaiting = lock(&self.awaiting);
        // Once the client can no longer answer, the question fails at once (`tx` dropped).
        if !self.questions_closed.load(Ordering::Acquire) {
            awaiting.insert(id.clone(), tx);
        }
        (id, rx)
    }

    /// No answer can come any more (the client's input ended): questions waiting for one
    /// fail, new ones fail at once, and streams that only send end.
    pub(crate) fn close_questions(&self) {
        self.questions_closed.store(true, Ordering::Release);
        lock(&self.awaiting).clear();
        self.closing.cancel();
    }

    /// Cancels every request in flight because the server shuts down; each is answered with
    /// an error saying so (rather than left unanswered, as a request the client cancelled).
    pub(crate) fn shut_down(&self) {
        self.shutting_down.store(true, Ordering::Release);
        self.closing.cancel();
        for token in self.lock_in_flight().running.values() {
            token.cancel();
        }
    }

    /// True once [`Connection::shut_down`] cancelled the requests in flight.
    pub(crate) fn is_shutting_down(&self) -> bool {
        self.shutting_down.load(Ordering::Acquire)
    }

    /// Completes when the connection closes: input ended, or the server shuts down.
    pub(crate) async fn closed(&self) {
        self.closing.cancelled().await
    }

    pub(crate) fn forget_answer(&self, id: &RequestId) {
        lock(&self.awaiting).remove(id);
    }

    /// Delivers the client's answer, from the caller of the request being served; false when
    /// no request with that id is waiting.
    pub(crate) fn answer(&self, id: &RequestId, answer: ClientAnswer) -> bool {
        let waiting = lock(&self.awaiting).remove(id);
        match waiting {
            Some(tx) => tx.send((answer, Caller::current())).is_ok(),
            None => false,
        }
    }

    fn lock_in_flight(&self) -> std::sync::MutexGuard<'_, InFlightMap> {
        // A poisoned map only means a panic happened while holding it; the map is still sound.
        lock(&self.in_flight)
    }
}
