//! Resource subscriptions of handshake-era clients (`resources/subscribe`,
//! `resources/unsubscribe`) and the [`Notifier`] that tells them a resource changed.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, Weak};

use serde_json::json;

use super::connection::Connection;
use crate::protocol::encode_notification;

/// The connections that subscribed to at least one resource.
#[derive(Default)]
pub(crate) struct Subscribers {
    connections: Mutex<Vec<Weak<Connection>>>,
}

impl Subscribers {
    pub(crate) fn add(&self, connection: &Arc<Connection>) {
        let mut connections = lock(&self.connections);
        connections.retain(|c| c.strong_count() > 0);
        if !connections
            .iter()
            .any(|c| std::ptr::eq(c.as_ptr(), Arc::as_ptr(connection)))
        {
            connections.push(Arc::downgrade(connection));
        }
    }

    fn live(&self) -> Vec<Arc<Connection>> {
        lock(&self.connections)
            .iter()
            .filter_map(Weak::upgrade)
            .collect()
    }
}

/// The URIs one connection subscribed to.
#[derive(Debug, Default)]
pub(crate) struct Subscriptions(Mutex<HashSet<String>>);

impl Subscriptions {
    pub(crate) fn insert(&self, uri: &str) {
        lock(&self.0).insert(uri.to_owned());
    }

    pub(crate) fn remove(&self, uri: &str) -> bool {
        lock(&self.0).remove(uri)
    }

    pub(crate) fn contains(&self, uri: &str) -> bool {
        lock(&self.0).contains(uri)
    }
}

/// Tells subscribed clients that a resource changed (`notifications/resources/updated`).
///
/// Get one from [`Dispatcher::notifier`](crate::Dispatcher::notifier) or
/// [`Context::notifier`](crate::Context::notifier); clones are cheap.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> mcp_runtime::Result<()> {
/// let dispatcher = mcp_runtime::Server::new("watcher", "1.0.0").build()?;
/// let notifier = dispatcher.notifier();
/// // Later, from any task:
/// assert_eq!(notifier.resource_updated("file:///notes.txt").await, 0); // nobody subscribed yet
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Notifier {
    pub(crate) subscribers: Arc<Subscribers>,
}

impl Notifier {
    /// Notifies every client subscribed to `uri`; returns how many were told.
    pub async fn resource_updated(&self, uri: &str) -> usize {
        let message =
            encode_notification("notifications/resources/updated", &json!({ "uri": uri }));
        let mut told = 0;
        for connection in self.subscribers.live() {
            if connection.subscriptions().contains(uri)
                && connection.outbound().send(message.clone()).await.is_ok()
            {
                told += 1;
            }
        }
        told
    }
}

impl std::fmt::Debug for Notifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Notifier").finish_non_exhaustive()
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}
