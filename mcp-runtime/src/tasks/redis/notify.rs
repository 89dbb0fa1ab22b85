//! How a [`RedisTaskStore`](super::RedisTaskStore) hears of changes: one pattern
//! subscription per store, waking the waits for the tasks it hears of.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use futures_util::StreamExt;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::sync::lock;

/// How long the listener waits before it connects again after losing Redis.
const RECONNECT_DELAY: Duration = Duration::from_millis(500);

/// The waits for a change, by task id.
#[derive(Default)]
pub(super) struct Waiters {
    by_id: Mutex<HashMap<String, Weak<Notify>>>,
}

impl Waiters {
    /// Wakes the waits for the task `id`.
    fn wake(&self, id: &str) {
        let notify = {
            let mut by_id = lock(&self.by_id);
            let notify = by_id.get(id).map(Weak::upgrade);
            if let Some(None) = notify {
                // Its last wait ended while this wake held it: the entry is left over.
                by_id.remove(id);
            }
            notify.flatten()
        };
        if let Some(notify) = notify {
            notify.notify_waiters();
        }
    }

    /// Wakes every wait, to read its task again.
    fn wake_all(&self) {
        let all: Vec<_> = {
            let mut by_id = lock(&self.by_id);
            by_id.retain(|_, notify| notify.strong_count() > 0);
            by_id.values().filter_map(Weak::upgrade).collect()
        };
        for notify in all {
            notify.notify_waiters();
        }
    }
}

/// One wait's registration; removed from [`Waiters`] with the last wait for its task.
pub(super) struct Interest {
    waiters: Arc<Waiters>,
    id: String,
    pub(super) notify: Arc<Notify>,
}

impl Interest {
    pub(super) fn new(waiters: &Arc<Waiters>, id: &str) -> Self {
        let mut by_id = lock(&waiters.by_id);
        let notify = match by_id.get(id).and_then(Weak::upgrade) {
            Some(notify) => notify,
            None => {
                let notify = Arc::new(Notify::new());
                by_id.insert(id.to_owned(), Arc::downgrade(&notify));
                notify
            }
        };
        Interest {
            waiters: waiters.clone(),
            id: id.to_owned(),
            notify,
        }
    }
}

impl Drop for Interest {
    fn drop(&mut self) {
        let mut by_id = lock(&self.waiters.by_id);
        // Ours is the last strong reference when no other wait holds the entry.
        if Arc::strong_count(&self.notify) == 1 {
            by_id.remove(&self.id);
        }
    }
}

/// Listens for the versions published on `{prefix}task:*` and wakes the waits for those
/// tasks, connecting again whenever the connection drops, until `stop`.
pub(super) async fn listen(
    client: redis::Client,
    channel_prefix: String,
    waiters: Weak<Waiters>,
    stop: CancellationToken,
    timeout: Duration,
) {
    let pattern = format!("{}*", glob_escape(&channel_prefix));
    loop {
        let subscribed = async {
            let mut pubsub = tokio::time::timeout(timeout, client.get_async_pubsub())
                .await
                .ok()?
                .ok()?;
            tokio::time::timeout(timeout, pubsub.psubscribe(&pattern))
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
            // Changes made while it was not listening: every wait reads its task again.
            match waiters.upgrade() {
                Some(waiters) => waiters.wake_all(),
                None => return,
            }
            let mut messages = pubsub.on_message();
            loop {
                let message = tokio::select! {
                    () = stop.cancelled() => return,
                    message = messages.next() => message,
                };
                let Some(message) = message else { break };
                let Some(waiters) = waiters.upgrade() else {
                    return;
                };
                if let Some(id) = message.get_channel_name().strip_prefix(&channel_prefix) {
                    waiters.wake(id);
                }
            }
            tracing::warn!("lost the Redis task notifications; connecting again");
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
