//! The Redis store the replicas of a server share (the `redis` feature): one connection,
//! one key prefix and one timeout for every part of the runtime that keeps state there
//! (tasks, sessions and their event logs, the multi round-trip keys, and the fan-out of
//! changes).

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use tokio_util::sync::CancellationToken;

pub(crate) mod sessions;

/// How long one request to Redis may take (connecting included) before it counts as
/// unreachable.
pub(crate) const DEFAULT_TIMEOUT: Duration = Duration::from_secs(2);

/// The prefix of every key and channel, unless configured otherwise.
pub(crate) const DEFAULT_PREFIX: &str = "mcp:";

/// Redis could not be reached or failed; the message names the store (its password hidden).
#[derive(Debug, Clone, thiserror::Error)]
#[error("{0}")]
pub(crate) struct Unavailable(pub(crate) String);

/// A connected store; clones share the connection.
#[derive(Clone)]
pub(crate) struct Shared {
    inner: Arc<Inner>,
}

struct Inner {
    client: redis::Client,
    connection: ConnectionManager,
    /// The URL without its password, for messages.
    shown_url: String,
    prefix: String,
    timeout: Duration,
    /// This process's name among the replicas: 64 random bits, as hex.
    replica: String,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared")
            .field("url", &self.inner.shown_url)
            .field("prefix", &self.inner.prefix)
            .field("replica", &self.inner.replica)
            .finish_non_exhaustive()
    }
}

impl Shared {
    /// Connects to the Redis at `url`. Fails, naming the URL, when it is not a Redis URL or
    /// Redis does not answer within `timeout`.
    pub(crate) async fn connect(
        url: &str,
        prefix: impl Into<String>,
        timeout: Duration,
    ) -> Result<Shared, Unavailable> {
        let shown_url = crate::tasks::shown_url(url);
        let unavailable =
            |error: &dyn std::fmt::Display| Unavailable(format!("Redis at {shown_url}: {error}"));
        let client = redis::Client::open(url).map_err(|e| unavailable(&e))?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(timeout))
            .set_response_timeout(Some(timeout))
            .set_number_of_retries(1)
            .set_max_delay(Duration::from_secs(1));
        let connection = tokio::time::timeout(
            timeout,
            ConnectionManager::new_with_config(client.clone(), config),
        )
        .await
        .map_err(|_| unavailable(&"no answer in time"))?
        .map_err(|e| unavailable(&e))?;
        let mut replica = [0u8; 8];
        getrandom::fill(&mut replica).expect("the operating system provides random bytes");
        Ok(Shared {
            inner: Arc::new(Inner {
                client,
                connection,
                shown_url,
                prefix: prefix.into(),
                timeout,
                replica: replica.iter().map(|b| format!("{b:02x}")).collect(),
            }),
        })
    }

    /// The client, for connections of their own (pub/sub, blocking reads).
    pub(crate) fn client(&self) -> &redis::Client {
        &self.inner.client
    }

    /// The prefix of every key and channel.
    pub(crate) fn prefix(&self) -> &str {
        &self.inner.prefix
    }

    /// `name` under the store's prefix.
    pub(crate) fn key(&self, name: &str) -> String {
        format!("{}{name}", self.inner.prefix)
    }

    /// How long one request may take.
    pub(crate) fn timeout(&self) -> Duration {
        self.inner.timeout
    }

    /// This process's name among the replicas sharing the store.
    pub(crate) fn replica(&self) -> &str {
        &self.inner.replica
    }

    /// Runs `request` on the shared connection, within the timeout.
    pub(crate) async fn run<T>(
        &self,
        request: impl AsyncFnOnce(&mut ConnectionManager) -> redis::RedisResult<T>,
    ) -> Result<T, Unavailable> {
        let mut connection = self.inner.connection.clone();
        match tokio::time::timeout(self.inner.timeout, request(&mut connection)).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(error)) => Err(self.unavailable(&error)),
            Err(_) => Err(self.unavailable(&"no answer in time")),
        }
    }

    /// The error for `error`, naming the store.
    pub(crate) fn unavailable(&self, error: &dyn std::fmt::Display) -> Unavailable {
        Unavailable(format!("Redis at {}: {error}", self.inner.shown_url))
    }
}

/// How long a subscription waits before it connects again after losing Redis.
const RECONNECT_DELAY: Duration = Duration::from_millis(500);

/// What a subscription of its own (see [`subscribe`]) does with what it hears.
pub(crate) trait Subscriber: Send + 'static {
    /// Runs each time the subscription is made, the first time and after every reconnection:
    /// what was published while it was not subscribed is lost, so it catches up here. False
    /// stops the subscription.
    fn subscribed(&mut self) -> impl Future<Output = bool> + Send;

    /// Runs for each message, in the order Redis published them. False stops the
    /// subscription.
    fn heard(&mut self, message: redis::Msg) -> impl Future<Output = bool> + Send;

    /// Runs when the subscription drops, before it connects again: what is published from
    /// now until [`Subscriber::subscribed`] runs again is lost.
    fn lost(&mut self) {}
}

/// What a subscription listens to.
pub(crate) enum Channel {
    /// These channels, by name.
    Named(Vec<String>),
    /// Every channel whose name starts with this prefix (matched literally).
    Prefixed(String),
}

/// Listens to `channel` on a connection of its own, connecting again whenever it drops,
/// until `stop` or until `subscriber` says to stop. `what` names the subscription in logs.
pub(crate) async fn subscribe(
    client: redis::Client,
    channel: Channel,
    timeout: Duration,
    stop: CancellationToken,
    mut subscriber: impl Subscriber,
    what: &'static str,
) {
    loop {
        let subscribed = async {
            let mut pubsub = tokio::time::timeout(timeout, client.get_async_pubsub())
                .await
                .ok()?
                .ok()?;
            let subscribing = async {
                match &channel {
                    Channel::Named(names) => pubsub.subscribe(names).await,
                    Channel::Prefixed(prefix) => {
                        pubsub.psubscribe(format!("{}*", glob_escape(prefix))).await
                    }
                }
            };
            tokio::time::timeout(timeout, subscribing)
                .await
                .ok()?
                .ok()?;
            Some(pubsub)
        };
        let pubsub = tokio::select! {
            () = stop.cancelled() => return,
            pubsub = subscribed => pubsub,
        };
        if let Some(mut pubsub) = pubsub {
            let caught_up = tokio::select! {
                () = stop.cancelled() => return,
                going_on = subscriber.subscribed() => going_on,
            };
            if !caught_up {
                return;
            }
            let mut messages = pubsub.on_message();
            loop {
                let message = tokio::select! {
                    () = stop.cancelled() => return,
                    message = messages.next() => message,
                };
                let Some(message) = message else { break };
                if !subscriber.heard(message).await {
                    return;
                }
            }
            subscriber.lost();
            tracing::warn!("lost the Redis {what}; connecting again");
        }
        tokio::select! {
            () = stop.cancelled() => return,
            () = tokio::time::sleep(RECONNECT_DELAY) => {}
        }
    }
}

/// `text` with the characters Redis channel patterns give a meaning escaped.
fn glob_escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_the_prefix_literally() {
        assert_eq!(glob_escape("mcp:task:"), "mcp:task:");
        assert_eq!(glob_escape("a*b?[c]"), "a\\*b\\?\\[c\\]");
    }
}
