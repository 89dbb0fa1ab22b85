//! How a [`RedisTaskStore`](super::RedisTaskStore) hears of changes: one pattern
//! subscription per store, waking the waits for the tasks it hears of.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};

use tokio::sync::Notify;

use crate::store::Subscriber;
use crate::sync::lock;

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

/// Wakes the waits for the tasks whose versions are published on `{prefix}task:*`.
pub(super) struct TaskNotifications {
    /// The prefix of the tasks' channels.
    pub(super) channel_prefix: String,
    pub(super) waiters: Weak<Waiters>,
}

impl Subscriber for TaskNotifications {
    async fn subscribed(&mut self) -> bool {
        // Changes made while it was not listening: every wait reads its task again.
        match self.waiters.upgrade() {
            Some(waiters) => {
                waiters.wake_all();
                true
            }
            None => false,
        }
    }

    async fn heard(&mut self, message: redis::Msg) -> bool {
        let Some(waiters) = self.waiters.upgrade() else {
            return false;
        };
        if let Some(id) = message
            .get_channel_name()
            .strip_prefix(&self.channel_prefix)
        {
            waiters.wake(id);
        }
        true
    }
}
