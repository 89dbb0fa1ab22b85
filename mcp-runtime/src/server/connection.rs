//! Per-connection state: what a legacy handshake negotiated, requests in flight, and the
//! channel to the client.

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
        self.connection.lock_in_flight().remove(&self.id);
    }
}

/// What one legacy `initialize` handshake established.
#[derive(Debug, Clone)]
pub(crate) struct Handshake {
    pub(crate) version: ProtocolVersion,
    pub(crate) client_info: Option<Implementation>,
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
    in_flight: Mutex<HashMap<RequestId, CancellationToken>>,
    /// Requests sent to the client, waiting for its answer.
    awaiting: Mutex<HashMap<RequestId, oneshot::Sender<Answered>>>,
    next_request: AtomicU64,
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
            in_flight: Mutex::new(HashMap::new()),
            awaiting: Mutex::new(HashMap::new()),
            next_request: AtomicU64::new(1),
        }
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
        self.lock_in_flight().insert(id.clone(), token.clone());
        let guard = InFlight {
            connection: Arc::clone(self),
            id: id.clone(),
        };
        (token, guard)
    }

    pub(crate) fn cancel(&self, id: &RequestId) -> bool {
        match self.lock_in_flight().get(id) {
            Some(token) => {
                token.cancel();
                true
            }
            None => false,
        }
    }

    /// Reserves an id for a request to the client and the channel its answer arrives on.
    pub(crate) fn expect_answer(&self) -> (RequestId, oneshot::Receiver<Answered>) {
        let id = RequestId::String(format!(
            "server-{}",
            self.next_request.fetch_add(1, Ordering::Relaxed)
        ));
        let (tx, rx) = oneshot::channel();
        self.awaiting
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id.clone(), tx);
        (id, rx)
    }

    pub(crate) fn forget_answer(&self, id: &RequestId) {
        self.awaiting
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(id);
    }

    /// Delivers the client's answer, from the caller of the request being served; false when
    /// no request with that id is waiting.
    pub(crate) fn answer(&self, id: &RequestId, answer: ClientAnswer) -> bool {
        let waiting = self
            .awaiting
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(id);
        match waiting {
            Some(tx) => tx.send((answer, Caller::current())).is_ok(),
            None => false,
        }
    }

    fn lock_in_flight(&self) -> std::sync::MutexGuard<'_, HashMap<RequestId, CancellationToken>> {
        // A poisoned map only means a panic happened while holding it; the map is still sound.
        self.in_flight.lock().unwrap_or_else(|e| e.into_inner())
    }
}
