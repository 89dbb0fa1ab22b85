//! The in-process task store.

use std::collections::HashMap;
use std::sync::Mutex;

use tokio::sync::watch;

use super::{now_ms, StoreFuture, TaskRecord, TaskStore, TaskStoreError};
use crate::sync::lock;

/// Keeps tasks in the server's memory, at most a given number at once.
///
/// When it is full, a new task makes room by dropping the finished task created first; when
/// every task it holds is still running, the new one is refused with
/// [`TaskStoreError::Full`] (the client gets an error saying so, and nothing else changes).
/// Tasks past their time to live read as absent and are dropped.
///
/// Everything is lost when the process ends.
///
/// ```
/// use mcp_runtime::tasks::MemoryTaskStore;
///
/// let store = MemoryTaskStore::new(10_000);
/// assert_eq!(store.limit(), 10_000);
/// ```
#[derive(Debug)]
pub struct MemoryTaskStore {
    limit: usize,
    tasks: Mutex<HashMap<String, Entry>>,
    /// Numbers the tasks in the order they were stored.
    inserted: std::sync::atomic::AtomicU64,
}

#[derive(Debug)]
struct Entry {
    task: TaskRecord,
    /// When it was stored, relative to the others.
    order: u64,
    /// Publishes the record's version to whoever waits for a change.
    version: watch::Sender<u64>,
}

impl MemoryTaskStore {
    /// A store holding at most `limit` tasks (at least one).
    pub fn new(limit: usize) -> Self {
        MemoryTaskStore {
            limit: limit.max(1),
            tasks: Mutex::default(),
            inserted: std::sync::atomic::AtomicU64::new(0),
        }
    }

    /// How many tasks it may hold.
    pub fn limit(&self) -> usize {
        self.limit
    }

    /// How many tasks it holds now, expired ones included until they are dropped.
    pub fn len(&self) -> usize {
        lock(&self.tasks).len()
    }

    /// True when it holds no task.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Default for MemoryTaskStore {
    /// A store holding at most 1000 tasks.
    fn default() -> Self {
        MemoryTaskStore::new(1000)
    }
}

impl TaskStore for MemoryTaskStore {
    fn insert(&self, task: TaskRecord) -> StoreFuture<'_, ()> {
        let outcome = (|| {
            let mut tasks = lock(&self.tasks);
            let now = now_ms();
            tasks.retain(|_, entry| !entry.task.is_expired(now));
            if tasks.len() >= self.limit {
                let oldest_finished = tasks
                    .values()
                    .filter(|entry| entry.task.status.is_terminal())
                    .min_by_key(|entry| entry.order)
                    .map(|entry| entry.task.id.clone());
                match oldest_finished {
                    Some(id) => {
                        tasks.remove(&id);
                    }
                    None => return Err(TaskStoreError::Full { limit: self.limit }),
                }
            }
            let (version, _) = watch::channel(task.version);
            let order = self
                .inserted
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            tasks.insert(
                task.id.clone(),
                Entry {
                    task,
                    order,
                    version,
                },
            );
            Ok(())
        })();
        Box::pin(std::future::ready(outcome))
    }

    fn get<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Option<TaskRecord>> {
        let mut tasks = lock(&self.tasks);
        let found = match tasks.get(id) {
            Some(entry) if entry.task.is_expired(now_ms()) => {
                tasks.remove(id);
                None
            }
            Some(entry) => Some(entry.task.clone()),
            None => None,
        };
        Box::pin(std::future::ready(Ok(found)))
    }

    fn replace(&self, task: TaskRecord, expected_version: u64) -> StoreFuture<'_, bool> {
        let mut tasks = lock(&self.tasks);
        let replaced = match tasks.get_mut(&task.id) {
            Some(entry) if entry.task.version == expected_version => {
                let version = task.version;
                entry.task = task;
                entry.version.send_replace(version);
                true
            }
            _ => false,
        };
        Box::pin(std::future::ready(Ok(replaced)))
    }

    fn changed<'a>(&'a self, id: &'a str, after_version: u64) -> StoreFuture<'a, ()> {
        let receiver = lock(&self.tasks)
            .get(id)
            .map(|entry| entry.version.subscribe());
        Box::pin(async move {
            if let Some(mut receiver) = receiver {
                // Ends when the version passes `after_version`, or the task is dropped (the
                // sender with it).
                let _ = receiver.wait_for(|&version| version > after_version).await;
            }
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tasks::TaskStatus;

    fn task(id: &str, created: u64, status: TaskStatus) -> TaskRecord {
        TaskRecord {
            id: id.to_owned(),
            version: 0,
            owner: None,
            tool: "t".to_owned(),
            protocol_version: "2026-07-28".to_owned(),
            status,
            status_message: None,
            created_at_ms: created,
            last_updated_at_ms: created,
            ttl_ms: None,
            poll_interval_ms: None,
            result: None,
            error: None,
            input_requests: Default::default(),
            input_responses: Default::default(),
            cancel_requested: false,
        }
    }

    fn get(store: &MemoryTaskStore, id: &str) -> Option<TaskRecord> {
        futures_executor(store.get(id)).unwrap()
    }

    fn futures_executor<T>(future: StoreFuture<'_, T>) -> Result<T, TaskStoreError> {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(future)
    }

    #[test]
    fn a_full_store_drops_the_oldest_finished_task() {
        let store = MemoryTaskStore::new(3);
        futures_executor(store.insert(task("a", 1, TaskStatus::Completed))).unwrap();
        futures_executor(store.insert(task("b", 1, TaskStatus::Completed))).unwrap();
        futures_executor(store.insert(task("c", 3, TaskStatus::Working))).unwrap();
        futures_executor(store.insert(task("d", 4, TaskStatus::Working))).unwrap();
        assert!(
            get(&store, "a").is_none(),
            "the oldest finished task goes first"
        );
        assert!(get(&store, "b").is_some());
        futures_executor(store.insert(task("e", 5, TaskStatus::Working))).unwrap();
        assert!(get(&store, "b").is_none());
        // Only running tasks left: refused, and nothing dropped.
        let refused = futures_executor(store.insert(task("f", 6, TaskStatus::Working)));
        assert!(matches!(refused, Err(TaskStoreError::Full { limit: 3 })));
        for id in ["c", "d", "e"] {
            assert!(get(&store, id).is_some(), "{id}");
        }
    }

    #[test]
    fn expired_tasks_read_as_absent() {
        let store = MemoryTaskStore::new(3);
        let mut old = task("old", 1, TaskStatus::Working);
        old.ttl_ms = Some(1);
        futures_executor(store.insert(old)).unwrap();
        assert!(get(&store, "old").is_none());
        assert!(store.is_empty());
    }

    #[test]
    fn replace_compares_versions() {
        let store = MemoryTaskStore::new(3);
        futures_executor(store.insert(task("a", 1, TaskStatus::Working))).unwrap();
        let mut next = task("a", 1, TaskStatus::Completed);
        next.version = 1;
        assert!(!futures_executor(store.replace(next.clone(), 5)).unwrap());
        assert!(futures_executor(store.replace(next, 0)).unwrap());
        assert_eq!(get(&store, "a").unwrap().status, TaskStatus::Completed);
    }
}
