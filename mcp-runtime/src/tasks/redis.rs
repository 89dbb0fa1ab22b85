//! The task store kept in Redis, shared by the replicas of a server (the `redis` feature).

mod notify;

use std::sync::Arc;
use std::time::Duration;

use redis::aio::ConnectionManager;
use tokio_util::sync::CancellationToken;

use notify::{listen, Interest, Waiters};

use super::{now_ms, StoreFuture, TaskRecord, TaskStore, TaskStoreError};
use crate::store::{Shared, DEFAULT_PREFIX, DEFAULT_TIMEOUT};

/// How often a wait for a change reads the task again even without a notification: the
/// notifications travel on a connection of their own, which may have dropped.
const RECHECK: Duration = Duration::from_secs(2);

/// How many tasks the store holds unless told otherwise.
pub(crate) const DEFAULT_LIMIT: usize = 10_000;

/// Stores a task: drops the index entries of expired tasks, makes room by removing the
/// oldest finished task when the store is full, and answers 0 when only running tasks are
/// left. Redis's own clock decides what expired, as it does for the keys.
///
/// KEYS: the task, the index of all tasks, of finished ones, of expiries, the sequence.
/// ARGV: id, record, expiry (ms since the epoch, or ""), limit, "1" when finished, the
/// prefix of task keys.
const INSERT: &str = r"
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local function forget(id)
  redis.call('DEL', ARGV[6] .. id)
  redis.call('ZREM', KEYS[2], id)
  redis.call('ZREM', KEYS[3], id)
  redis.call('ZREM', KEYS[4], id)
end
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[4], '-inf', now)) do
  forget(id)
end
if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[4]) then
  local oldest = redis.call('ZRANGE', KEYS[3], 0, 0)
  if #oldest == 1 then
    forget(oldest[1])
  else
    -- Only running tasks, unless some records went without their index entries (deleted by
    -- hand, or evicted by Redis under `maxmemory`): drop those entries before refusing.
    local freed = false
    for _, id in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do
      if redis.call('EXISTS', ARGV[6] .. id) == 0 then
        forget(id)
        freed = true
      end
    end
    if not freed then
      return 0
    end
  end
end
local order = redis.call('INCR', KEYS[5])
redis.call('SET', KEYS[1], ARGV[2])
if ARGV[3] ~= '' then
  redis.call('PEXPIREAT', KEYS[1], ARGV[3])
  redis.call('ZADD', KEYS[4], ARGV[3], ARGV[1])
end
redis.call('ZADD', KEYS[2], order, ARGV[1])
if ARGV[5] == '1' then
  redis.call('ZADD', KEYS[3], order, ARGV[1])
end
return 1
";

/// Replaces a task if its stored version is the expected one, keeping its expiry, and
/// publishes the new version on the task's key.
///
/// KEYS: the task, the index of all tasks, of finished ones.
/// ARGV: record, expected version, new version, "1" when finished, id.
const REPLACE: &str = r"
local current = redis.call('GET', KEYS[1])
if not current then
  return 0
end
if cjson.decode(current)['version'] ~= tonumber(ARGV[2]) then
  return 0
end
redis.call('SET', KEYS[1], ARGV[1], 'KEEPTTL')
if ARGV[4] == '1' then
  local order = redis.call('ZSCORE', KEYS[2], ARGV[5])
  if order then
    redis.call('ZADD', KEYS[3], order, ARGV[5])
  end
end
redis.call('PUBLISH', KEYS[1], ARGV[3])
return 1
";

/// Keeps tasks in Redis, so that every replica of a server sees every task: a task started
/// through one replica can be polled, answered and cancelled through another.
///
/// * Each task is a JSON record under `{prefix}task:{id}` (prefix `mcp:` by default), which
///   Redis expires at the end of the task's time to live (`PEXPIREAT`; replacements keep
///   it).
/// * [`TaskStore::replace`] is one Lua script: it compares the stored version, writes the
///   record, and publishes the new version on the channel `{prefix}task:{id}`.
/// * [`TaskStore::changed`] subscribes before it reads: it registers its interest with the
///   store's one pub/sub connection (subscribed to `{prefix}task:*`), then reads the task, so
///   that a change made between the read and the wait still wakes it. It also reads again
///   every 2 seconds, and whenever that connection is made again, so that a notification
///   lost while Redis was unreachable delays a wake-up, never loses it.
/// * At most [`limit`](RedisTaskStoreBuilder::limit) tasks (default 10 000), indexed by
///   sorted sets: when the store is full, a new task removes the oldest finished one; when
///   every stored task is still running, it is refused with [`TaskStoreError::Full`]. The
///   insert script does this atomically, whichever replica runs it. Index entries whose
///   record is gone (expired, deleted by hand, evicted under `maxmemory`) do not count.
/// * When Redis cannot be reached, every method answers [`TaskStoreError::Unavailable`]
///   (naming the URL) within the [`timeout`](RedisTaskStoreBuilder::timeout) (default 2
///   seconds); the connection is made again by itself once Redis is back.
///
/// One Redis server (or a primary with replicas), not a Redis Cluster: the scripts touch
/// the index keys next to the task's.
///
/// ```no_run
/// # async fn example() -> Result<(), mcp_runtime::tasks::TaskStoreError> {
/// use mcp_runtime::tasks::RedisTaskStore;
/// use mcp_runtime::Server;
///
/// let store = RedisTaskStore::builder("redis://127.0.0.1:6379/0")
///     .prefix("reports:")
///     .limit(50_000)
///     .connect()
///     .await?;
/// let server = Server::new("reports", "1.0.0").task_store(store);
/// # Ok(())
/// # }
/// ```
///
/// A server served from its command line needs no code for this: `--store redis://…` or
/// `MCP_STORE` (see [`Server::store_url`](crate::Server::store_url)).
#[derive(Clone)]
pub struct RedisTaskStore {
    inner: Arc<Inner>,
}

struct Inner {
    shared: Shared,
    limit: usize,
    insert: redis::Script,
    replace: redis::Script,
    /// Who waits for a change of which task.
    waiters: Arc<Waiters>,
    /// Stops the notification listener when the last clone of the store is dropped.
    stop: CancellationToken,
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

impl std::fmt::Debug for RedisTaskStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisTaskStore")
            .field("store", &self.inner.shared)
            .field("limit", &self.inner.limit)
            .finish_non_exhaustive()
    }
}

/// The settings of a [`RedisTaskStore`], before it connects.
#[derive(Debug, Clone)]
pub struct RedisTaskStoreBuilder {
    url: String,
    prefix: String,
    limit: usize,
    timeout: Duration,
}

impl RedisTaskStoreBuilder {
    /// Prefixes every key and channel the store uses (default `mcp:`), so that servers
    /// sharing one Redis keep apart.
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// How many tasks it may hold (default 10 000; at least one).
    pub fn limit(mut self, limit: usize) -> Self {
        self.limit = limit.max(1);
        self
    }

    /// How long connecting, or one request, may take before the store answers
    /// [`TaskStoreError::Unavailable`] (default 2 seconds).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Connects to Redis. Fails with [`TaskStoreError::Unavailable`], naming the URL, when
    /// the URL is not a Redis URL or Redis cannot be reached.
    pub async fn connect(self) -> Result<RedisTaskStore, TaskStoreError> {
        let shared = Shared::connect(&self.url, self.prefix, self.timeout)
            .await
            .map_err(|e| TaskStoreError::Unavailable(e.0))?;
        Ok(RedisTaskStore::on(shared, self.limit))
    }
}

impl RedisTaskStore {
    /// The store of tasks kept in `shared`, at most `limit` of them.
    pub(crate) fn on(shared: Shared, limit: usize) -> RedisTaskStore {
        let waiters = Arc::new(Waiters::default());
        let stop = CancellationToken::new();
        tokio::spawn(listen(
            shared.client().clone(),
            shared.key("task:"),
            Arc::downgrade(&waiters),
            stop.clone(),
            shared.timeout(),
        ));
        RedisTaskStore {
            inner: Arc::new(Inner {
                shared,
                limit: limit.max(1),
                insert: redis::Script::new(INSERT),
                replace: redis::Script::new(REPLACE),
                waiters,
                stop,
            }),
        }
    }

    /// Connects to the Redis at `url` (`redis://HOST:PORT[/DB]`, with
    /// `redis://:PASSWORD@HOST:PORT` or `redis://USER:PASSWORD@…` when it asks for one),
    /// with the default settings: prefix `mcp:`, at most 10 000 tasks, 2 seconds per request.
    pub async fn connect(url: impl Into<String>) -> Result<Self, TaskStoreError> {
        Self::builder(url).connect().await
    }

    /// Settings for a store at `url`, to change before [`RedisTaskStoreBuilder::connect`].
    pub fn builder(url: impl Into<String>) -> RedisTaskStoreBuilder {
        RedisTaskStoreBuilder {
            url: url.into(),
            prefix: DEFAULT_PREFIX.to_owned(),
            limit: DEFAULT_LIMIT,
            timeout: DEFAULT_TIMEOUT,
        }
    }

    /// The connection, prefix and timeout it shares with the rest of the runtime.
    pub(crate) fn shared(&self) -> &Shared {
        &self.inner.shared
    }

    /// The prefix of its keys and channels.
    pub fn prefix(&self) -> &str {
        self.inner.shared.prefix()
    }

    /// How many tasks it may hold.
    pub fn limit(&self) -> usize {
        self.inner.limit
    }

    fn key(&self, id: &str) -> String {
        self.inner.shared.key(&format!("task:{id}"))
    }

    fn index(&self, name: &str) -> String {
        self.inner.shared.key(&format!("tasks{name}"))
    }

    /// Runs `request` on the shared connection, within the timeout.
    async fn run<T>(
        &self,
        request: impl AsyncFnOnce(&mut ConnectionManager) -> redis::RedisResult<T>,
    ) -> Result<T, TaskStoreError> {
        self.inner
            .shared
            .run(request)
            .await
            .map_err(|e| TaskStoreError::Unavailable(e.0))
    }

    fn unavailable(&self, error: &dyn std::fmt::Display) -> TaskStoreError {
        TaskStoreError::Unavailable(self.inner.shared.unavailable(error).0)
    }

    async fn read(&self, id: &str) -> Result<Option<TaskRecord>, TaskStoreError> {
        let key = self.key(id);
        let json: Option<String> = self
            .run(async |c| redis::cmd("GET").arg(&key).query_async(c).await)
            .await?;
        let Some(json) = json else {
            return Ok(None);
        };
        let task: TaskRecord = serde_json::from_str(&json)
            .map_err(|e| self.unavailable(&format!("the record under {key} is not a task: {e}")))?;
        Ok((!task.is_expired(now_ms())).then_some(task))
    }

    async fn store(&self, task: TaskRecord) -> Result<(), TaskStoreError> {
        let json = serde_json::to_string(&task).map_err(|e| self.unavailable(&e))?;
        let expires = task
            .expires_at_ms()
            .map(|at| at.to_string())
            .unwrap_or_default();
        let finished = if task.status.is_terminal() { "1" } else { "0" };
        let keys = [
            self.key(&task.id),
            self.index(""),
            self.index(":finished"),
            self.index(":expiry"),
            self.index(":order"),
        ];
        let task_prefix = self.inner.shared.key("task:");
        let limit = self.inner.limit;
        let stored: i64 = self
            .run(async |c| {
                self.inner
                    .insert
                    .key(&keys[..])
                    .arg(&task.id)
                    .arg(&json)
                    .arg(&expires)
                    .arg(limit)
                    .arg(finished)
                    .arg(&task_prefix)
                    .invoke_async(c)
                    .await
            })
            .await?;
        match stored {
            1 => Ok(()),
            _ => Err(TaskStoreError::Full { limit }),
        }
    }

    async fn swap(&self, task: TaskRecord, expected_version: u64) -> Result<bool, TaskStoreError> {
        let json = serde_json::to_string(&task).map_err(|e| self.unavailable(&e))?;
        let finished = if task.status.is_terminal() { "1" } else { "0" };
        let keys = [self.key(&task.id), self.index(""), self.index(":finished")];
        let replaced: i64 = self
            .run(async |c| {
                self.inner
                    .replace
                    .key(&keys[..])
                    .arg(&json)
                    .arg(expected_version)
                    .arg(task.version)
                    .arg(finished)
                    .arg(&task.id)
                    .invoke_async(c)
                    .await
            })
            .await?;
        Ok(replaced == 1)
    }

    async fn wait(&self, id: &str, after_version: u64) -> Result<(), TaskStoreError> {
        let interest = Interest::new(&self.inner.waiters, id);
        loop {
            // Registered before the read: a change published after it wakes the wait below.
            let notified = interest.notify.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            match self.read(id).await? {
                Some(task) if task.version <= after_version => {}
                _ => return Ok(()),
            }
            let _ = tokio::time::timeout(RECHECK, notified).await;
        }
    }
}

impl TaskStore for RedisTaskStore {
    fn insert(&self, task: TaskRecord) -> StoreFuture<'_, ()> {
        Box::pin(self.store(task))
    }

    fn get<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Option<TaskRecord>> {
        Box::pin(self.read(id))
    }

    fn replace(&self, task: TaskRecord, expected_version: u64) -> StoreFuture<'_, bool> {
        Box::pin(self.swap(task, expected_version))
    }

    fn changed<'a>(&'a self, id: &'a str, after_version: u64) -> StoreFuture<'a, ()> {
        Box::pin(self.wait(id, after_version))
    }
}
