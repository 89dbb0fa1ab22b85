//! Long-running tool calls as tasks: the task record, and the store that keeps it.
//!
//! A tool declared with `#[tool(task)]` (task support `optional`) or
//! `#[tool(task = "required")]` may answer a call with a *task handle* while its work goes on;
//! the client polls the task until it ends. What the client sees depends on its era:
//!
//! * **2026-07-28** (the `io.modelcontextprotocol/tasks` extension): a client that lists the
//!   extension in a request's `_meta` client capabilities may get a `CreateTaskResult`
//!   (`resultType: "task"`). The server decides: a task tool whose handler finishes without
//!   waiting answers directly; one that waits (a timer, I/O) becomes a task at that moment,
//!   and one that calls [`Context::start_task`](crate::Context::start_task) becomes a task
//!   there. Questions asked before that point are multi round-trip questions of the request
//!   itself (a confirmation the policy requires is always one); questions asked after it
//!   appear in the task's `inputRequests` and are answered with `tasks/update`. Polled with
//!   `tasks/get`, cancelled with `tasks/cancel`; a `subscriptions/listen` stream that names
//!   the task in `notifications.taskIds` hears of each change of its status
//!   (`notifications/tasks`). A `required` tool called by a client without the extension is
//!   refused with `-32021`.
//! * **2025-11-25**: a client that sends `task: {ttl}` with `tools/call` gets a
//!   `CreateTaskResult` once the confirmation (if any) is given; `tasks/get`, `tasks/result`
//!   (waits for the end) and `tasks/cancel`, with `notifications/tasks/status` on the
//!   connection. Questions asked by the task are requests on the connection carrying the
//!   `io.modelcontextprotocol/related-task` metadata. A `required` tool called without `task`
//!   is refused with `-32601`, as that revision says.
//!
//! Clients that do not ask for tasks get the ordinary result of an `optional` tool.
//!
//! Tasks are bound to the caller that started them: another caller asking for the same id is
//! told it does not exist. Ids are 128 random bits.
//!
//! ```
//! use mcp_runtime::prelude::*;
//! use std::time::Duration;
//!
//! /// Builds the report; takes a while.
//! #[tool(task)]
//! async fn build_report(ctx: Context, pages: u32) -> String {
//!     for page in 1..=pages {
//!         tokio::time::sleep(Duration::from_millis(10)).await;
//!         ctx.progress(page as f64, Some(pages as f64), Some("rendering")).await;
//!     }
//!     format!("{pages} pages")
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let server = Server::new("reports", "1.0.0")
//!     .tools(tools![build_report])
//!     .task_ttl(Duration::from_secs(600));
//! let client = mcp_runtime::testing::TestClient::modern(server).unwrap();
//! let result = client.call_tool_as_task("build_report", serde_json::json!({"pages": 3})).await.unwrap();
//! assert_eq!(result.text(), "3 pages");
//! # }
//! ```
//!
//! # Where tasks are kept
//!
//! In a [`TaskStore`]. The default, [`MemoryTaskStore`], keeps them in the server process: a
//! restart loses every task (clients polling one are told it does not exist), and replicas do
//! not see each other's tasks. A store shared by replicas implements the trait over a
//! database; the runtime only needs atomic replacement ([`TaskStore::replace`]) and a way to
//! wait for a change ([`TaskStore::changed`]).
//!
//! With the `redis` feature, `RedisTaskStore` is that store: replicas started with the same
//! `--store redis://HOST:PORT[/DB]` (or `MCP_STORE`, or [`Server::store_url`]) share their
//! tasks, so a task started through one replica is polled, answered and cancelled through
//! any other (see [running replicas](crate#running-replicas-tasks-in-redis)).
//!
//! [`Server::store_url`]: crate::Server::store_url

mod memory;
#[cfg(feature = "redis")]
mod redis;

use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

pub use memory::MemoryTaskStore;
#[cfg(feature = "redis")]
pub(crate) use redis::DEFAULT_LIMIT as DEFAULT_REDIS_LIMIT;
#[cfg(feature = "redis")]
pub use redis::{RedisTaskStore, RedisTaskStoreBuilder};

/// The identifier of the tasks extension of the 2026-07-28 revision.
pub const EXTENSION: &str = "io.modelcontextprotocol/tasks";

/// The future a [`TaskStore`] method returns.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, TaskStoreError>> + Send + 'a>>;

/// Whether a tool may run as a task, as declared with `#[tool(task)]`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TaskSupport {
    /// Never a task (the default).
    #[default]
    Forbidden,
    /// A task for clients that support tasks, an ordinary call for the others.
    Optional,
    /// Only as a task: clients that do not support tasks are refused.
    Required,
}

impl TaskSupport {
    /// The name used on the wire and in `#[tool(task = "...")]`.
    pub fn as_str(self) -> &'static str {
        match self {
            TaskSupport::Forbidden => "forbidden",
            TaskSupport::Optional => "optional",
            TaskSupport::Required => "required",
        }
    }
}

/// Where a task is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    /// Running.
    Working,
    /// Waiting for the client's answers to its questions.
    InputRequired,
    /// Finished with a result (a tool's error result included).
    Completed,
    /// Finished with a JSON-RPC error.
    Failed,
    /// Stopped at the client's request.
    Cancelled,
}

impl TaskStatus {
    /// True for the statuses a task never leaves.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            TaskStatus::Completed | TaskStatus::Failed | TaskStatus::Cancelled
        )
    }

    /// The name used on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            TaskStatus::Working => "working",
            TaskStatus::InputRequired => "input_required",
            TaskStatus::Completed => "completed",
            TaskStatus::Failed => "failed",
            TaskStatus::Cancelled => "cancelled",
        }
    }
}

/// Everything the runtime keeps about one task. Serialisable, so that a store can keep it as
/// JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskRecord {
    /// The task's id: 32 hex digits from the operating system's random source.
    pub id: String,
    /// Incremented by every change; [`TaskStore::replace`] compares it.
    pub version: u64,
    /// Who started it (the bearer token's subject, `None` for an unauthenticated caller):
    /// only the same caller may see it.
    pub owner: Option<String>,
    /// The tool it runs.
    pub tool: String,
    /// The protocol revision of the call that started it.
    pub protocol_version: String,
    /// Where it is.
    pub status: TaskStatus,
    /// A message about where it is (progress, the reason it failed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_message: Option<String>,
    /// Milliseconds since the Unix epoch.
    pub created_at_ms: u64,
    /// Milliseconds since the Unix epoch.
    pub last_updated_at_ms: u64,
    /// How long after its creation it is kept; `None` for as long as the store keeps it.
    pub ttl_ms: Option<u64>,
    /// How often the client is asked to poll, in milliseconds.
    pub poll_interval_ms: Option<u64>,
    /// For a completed task: the result, as the client receives it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<Value>,
    /// For a failed task: the JSON-RPC error (`code`, `message`, `data`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<Value>,
    /// Questions waiting for the client's answers, by key.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub input_requests: Map<String, Value>,
    /// Answers the client gave with `tasks/update` that the task has not read yet, by key.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub input_responses: Map<String, Value>,
    /// Set when the client asked to cancel: the task's work is stopped.
    #[serde(default)]
    pub cancel_requested: bool,
}

impl TaskRecord {
    /// When it expires, in milliseconds since the Unix epoch.
    pub fn expires_at_ms(&self) -> Option<u64> {
        self.ttl_ms
            .map(|ttl| self.created_at_ms.saturating_add(ttl))
    }

    /// True once its time to live has passed at `now_ms`.
    pub fn is_expired(&self, now_ms: u64) -> bool {
        self.expires_at_ms().is_some_and(|at| at <= now_ms)
    }
}

/// What went wrong in a [`TaskStore`].
#[derive(Debug, Clone, thiserror::Error)]
pub enum TaskStoreError {
    /// The store holds as many tasks as it may, and none of them has finished (finished ones
    /// are dropped, oldest first, to make room).
    #[error(
        "the server is running as many tasks as it may ({limit}); try again once one finishes"
    )]
    Full {
        /// How many tasks the store may hold.
        limit: usize,
    },
    /// The store cannot be reached or failed.
    #[error("the task store failed: {0}")]
    Unavailable(String),
}

/// Keeps task records: in memory ([`MemoryTaskStore`]), or in a database shared by replicas.
///
/// The runtime writes a task's record before it tells the client the task's id, changes it
/// with [`TaskStore::replace`] (compare-and-swap on [`TaskRecord::version`]), and waits for
/// the client's cancellations and answers with [`TaskStore::changed`].
/// Expired tasks (past their `ttl_ms`) must read as absent.
pub trait TaskStore: Send + Sync + 'static {
    /// Stores a new task. Fails with [`TaskStoreError::Full`] when the store may hold no more.
    fn insert(&self, task: TaskRecord) -> StoreFuture<'_, ()>;

    /// The task `id`, if it exists and has not expired.
    fn get<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Option<TaskRecord>>;

    /// Replaces the task `task.id` with `task`, only if its stored version is still
    /// `expected_version`; false when it changed in between (or is gone).
    fn replace(&self, task: TaskRecord, expected_version: u64) -> StoreFuture<'_, bool>;

    /// Completes once the task `id` has a version above `after_version`, or is gone.
    fn changed<'a>(&'a self, id: &'a str, after_version: u64) -> StoreFuture<'a, ()>;
}

impl From<TaskStoreError> for crate::protocol::RpcError {
    fn from(error: TaskStoreError) -> Self {
        match error {
            TaskStoreError::Unavailable(_) => Self::store_unavailable(error),
            TaskStoreError::Full { .. } => Self::internal(error),
        }
    }
}

/// Checks that this build can open the store `url` names, without connecting.
pub(crate) fn check_url(url: &str) -> Result<(), String> {
    let url = &shown_url(url);
    let scheme = url.split_once("://").map(|(scheme, _)| scheme);
    match scheme {
        Some("redis" | "rediss" | "redis+unix") if cfg!(feature = "redis") => Ok(()),
        Some("redis" | "rediss" | "redis+unix") => Err(format!(
            "{url}: this build has no Redis task store; build mcp-runtime with the `redis` feature"
        )),
        _ => Err(format!(
            "{url}: not a task store URL; expected redis://HOST:PORT[/DB]"
        )),
    }
}

/// `url` without the password it may hold, for messages and logs.
pub(crate) fn shown_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    match rest.split_once('@') {
        Some((user, host)) => {
            let user = user.split_once(':').map_or(user, |(user, _)| user);
            format!("{scheme}://{user}:***@{host}")
        }
        None => url.to_owned(),
    }
}

/// How the runtime creates tasks: their time to live and the polling interval it suggests.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TaskSettings {
    pub(crate) ttl: Option<Duration>,
    pub(crate) poll_interval: Duration,
}

impl Default for TaskSettings {
    fn default() -> Self {
        TaskSettings {
            ttl: Some(Duration::from_secs(3600)),
            poll_interval: Duration::from_millis(500),
        }
    }
}

/// Milliseconds since the Unix epoch, now.
pub(crate) fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// An RFC 3339 timestamp (UTC, milliseconds) for `ms` since the Unix epoch.
pub(crate) fn timestamp(ms: u64) -> String {
    crate::permission::rfc3339(UNIX_EPOCH + Duration::from_millis(ms))
}

/// A new task id: 128 random bits, as 32 hex digits.
pub(crate) fn new_id() -> String {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("the operating system's random source is available");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Applies `change` to the task `id` until the store accepts it (another writer may change
/// the record in between); returns the record as stored, or `None` when the task is gone or
/// `change` declined (returned false).
pub(crate) async fn modify(
    store: &dyn TaskStore,
    id: &str,
    mut change: impl FnMut(&mut TaskRecord) -> bool,
) -> Result<Option<TaskRecord>, TaskStoreError> {
    loop {
        let Some(mut task) = store.get(id).await? else {
            return Ok(None);
        };
        let expected = task.version;
        if !change(&mut task) {
            return Ok(None);
        }
        task.version = expected + 1;
        task.last_updated_at_ms = now_ms().max(task.last_updated_at_ms);
        if store.replace(task.clone(), expected).await? {
            return Ok(Some(task));
        }
    }
}

#[cfg(test)]
mod url_tests {
    use super::*;

    #[test]
    fn passwords_are_not_shown() {
        assert_eq!(
            shown_url("redis://127.0.0.1:6379/2"),
            "redis://127.0.0.1:6379/2"
        );
        assert_eq!(
            shown_url("redis://:secret@host:6379"),
            "redis://:***@host:6379"
        );
        assert_eq!(shown_url("redis://me:secret@host"), "redis://me:***@host");
    }

    #[test]
    fn store_urls_are_checked() {
        assert_eq!(
            check_url("redis://127.0.0.1:6379").is_ok(),
            cfg!(feature = "redis")
        );
        let error = check_url("postgres://db").unwrap_err();
        assert!(error.contains("expected redis://HOST:PORT[/DB]"), "{error}");
        if !cfg!(feature = "redis") {
            let error = check_url("redis://:secret@host").unwrap_err();
            assert!(error.contains("the `redis` feature"), "{error}");
            assert!(!error.contains("secret"), "{error}");
        }
    }
}
