//! Tool calls that go on as tasks: deciding when a call becomes one, storing it, driving its
//! handler to the end, the questions it asks, and `tasks/*` requests of both eras.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{json, Map, Value};
use tokio_util::sync::CancellationToken;

use super::connection::Connection;
use super::dispatch::{parse_params, Negotiated};
use super::input::InputRound;
use super::pipeline::{HandlerFuture, Produce};
use super::Dispatcher;
use crate::permission::{Caller, TaskAudit};
use crate::protocol::{
    encode_notification, encode_request, encode_result, Era, ProtocolVersion, RequestId,
    RequestMeta, RpcError,
};
use crate::sync::lock;
use crate::tasks::{
    modify, new_id, now_ms, timestamp, TaskRecord, TaskSettings, TaskStatus, TaskStore,
    TaskStoreError, TaskSupport, EXTENSION,
};

/// Where a server keeps its tasks, and how it creates them.
pub(crate) struct Tasks {
    pub(crate) store: Arc<dyn TaskStore>,
    pub(crate) settings: TaskSettings,
}

/// How a call that may become a task would be created.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TaskPlan {
    era: Era,
    /// Its time to live, in milliseconds (`None`: unlimited).
    ttl_ms: Option<u64>,
    poll_interval_ms: u64,
}

/// What ties a call that may become a task to its task: whether it should become one now,
/// and, once it has, where the task is kept.
pub(crate) struct TaskLink {
    plan: TaskPlan,
    /// The handler has been called (after the policy's confirmation, if any).
    started: AtomicBool,
    /// The handler asked to become a task ([`Context::start_task`](crate::Context::start_task)).
    requested: AtomicBool,
    running: OnceLock<Running>,
    /// The last progress message reported before the call became a task: its first status
    /// message.
    first_message: Mutex<Option<String>>,
    /// Keys of the questions the task asked: unique over its life.
    keys: Mutex<HashSet<String>>,
    next_key: AtomicUsize,
}

/// A task, once created.
struct Running {
    id: String,
    store: Arc<dyn TaskStore>,
    connection: Arc<Connection>,
}

impl TaskLink {
    pub(crate) fn new(plan: TaskPlan) -> Self {
        TaskLink {
            plan,
            started: AtomicBool::new(false),
            requested: AtomicBool::new(false),
            running: OnceLock::new(),
            first_message: Mutex::default(),
            keys: Mutex::default(),
            next_key: AtomicUsize::new(0),
        }
    }

    pub(crate) fn mark_started(&self) {
        self.started.store(true, Ordering::Release);
    }

    /// Asks to become a task at the handler's next wait; false once it is one.
    pub(crate) fn request(&self) -> bool {
        if self.running.get().is_some() {
            return false;
        }
        self.requested.store(true, Ordering::Release);
        true
    }

    /// True when a handler that has just returned `Pending` should go on as a task: it asked
    /// to, or it started and waits for something other than the client's answers (2026-07-28;
    /// in 2025-11-25 the client asked for a task, so any wait will do).
    pub(crate) fn should_detach(&self, input: Option<&InputRound>) -> bool {
        if self.running.get().is_some() {
            return false;
        }
        if self.requested.load(Ordering::Acquire) {
            return true;
        }
        if !self.started.load(Ordering::Acquire) {
            return false;
        }
        match self.plan.era {
            Era::Legacy => true,
            Era::Modern => !input.is_some_and(InputRound::is_waiting),
        }
    }

    /// In 2025-11-25 a call the client asked to run as a task becomes one as soon as its
    /// handler starts, even one that could answer at once.
    pub(crate) fn detaches_at_start(&self) -> bool {
        self.plan.era == Era::Legacy
            && self.running.get().is_none()
            && self.started.load(Ordering::Acquire)
    }

    /// The task's id, once the call is one.
    pub(crate) fn task_id(&self) -> Option<&str> {
        self.running.get().map(|r| r.id.as_str())
    }

    /// True once the call runs as a task.
    pub(crate) fn is_running(&self) -> bool {
        self.running.get().is_some()
    }

    /// A key for a question of this task, unique over its life.
    fn key(&self, wanted: Option<String>, kind: &str) -> String {
        let mut keys = lock(&self.keys);
        let mut key = match wanted {
            Some(key) => key,
            None => {
                let n = self.next_key.fetch_add(1, Ordering::Relaxed) + 1;
                format!("{kind}-{n}")
            }
        };
        while keys.contains(&key) {
            let n = self.next_key.fetch_add(1, Ordering::Relaxed) + 1;
            key = format!("{key}-{n}");
        }
        keys.insert(key.clone());
        key
    }

    /// Sets the task's status message (progress reported by the handler); before the call is
    /// a task, the message it will start with.
    pub(crate) async fn set_status_message(&self, message: String) {
        let Some(running) = self.running.get() else {
            *lock(&self.first_message) = Some(message);
            return;
        };
        self.change(running, "status message", |task| {
            if task.status.is_terminal() || task.status_message.as_deref() == Some(&message) {
                return false;
            }
            task.status_message = Some(message.clone());
            true
        })
        .await;
    }

    /// Applies `change` to the running task and tells a 2025-11-25 client; a store that
    /// fails is logged (the task goes on).
    async fn change(
        &self,
        running: &Running,
        what: &str,
        change: impl FnMut(&mut TaskRecord) -> bool,
    ) {
        if let Err(error) = self.apply(running, change).await {
            tracing::warn!(%error, task = %running.id, "task {what} not stored");
        }
    }

    /// Applies `change` to the running task and tells a 2025-11-25 client of the result.
    async fn apply(
        &self,
        running: &Running,
        change: impl FnMut(&mut TaskRecord) -> bool,
    ) -> Result<(), TaskStoreError> {
        if let Some(task) = modify(&*running.store, &running.id, change).await? {
            self.announce(&task).await;
        }
        Ok(())
    }

    /// Asks the client `method` with `params` on behalf of the running task: in 2026-07-28 the
    /// task shows the question in `inputRequests` until `tasks/update` answers it; in
    /// 2025-11-25 it is a request on the connection carrying the task's id.
    pub(crate) async fn ask(
        &self,
        method: &str,
        mut params: Value,
        key: Option<String>,
        cancellation: &CancellationToken,
    ) -> Result<Value, RpcError> {
        let running = self
            .running
            .get()
            .expect("questions of a task are asked once it runs");
        let store = &*running.store;
        let id = running.id.as_str();
        let kind = method.split('/').next().unwrap_or(method);
        let key = self.key(key, kind);
        let store_error = RpcError::from;
        if self.plan.era == Era::Legacy {
            self.set_status(TaskStatus::InputRequired, None).await;
            let connection = &running.connection;
            let (request_id, answer) = connection.expect_answer();
            if let Some(params) = params.as_object_mut() {
                let meta = params.entry("_meta").or_insert_with(|| json!({}));
                meta["io.modelcontextprotocol/related-task"] = json!({ "taskId": id });
            }
            let _ = connection
                .outbound()
                .send(encode_request(&request_id, method, &params))
                .await;
            let outcome = tokio::select! {
                answer = answer => match answer {
                    Ok((answer, _)) => answer,
                    Err(_) => Err(RpcError::internal("the connection closed before the client answered")),
                },
                _ = cancellation.cancelled() => Err(RpcError::internal("the task was cancelled")),
            };
            connection.forget_answer(&request_id);
            self.set_status(TaskStatus::Working, None).await;
            return outcome;
        }
        let request = json!({ "method": method, "params": params });
        self.apply(running, |task| {
            if task.status.is_terminal() {
                return false;
            }
            task.input_requests.insert(key.clone(), request.clone());
            task.status = TaskStatus::InputRequired;
            true
        })
        .await
        .map_err(store_error)?;
        loop {
            let Some(task) = store.get(id).await.map_err(store_error)? else {
                return Err(RpcError::internal("the task no longer exists"));
            };
            if task.cancel_requested || task.status.is_terminal() {
                return Err(RpcError::internal("the task was cancelled"));
            }
            if let Some(answer) = task.input_responses.get(&key).cloned() {
                self.apply(running, |task| {
                    task.input_responses.remove(&key);
                    task.input_requests.remove(&key);
                    if task.input_requests.is_empty() && task.status == TaskStatus::InputRequired {
                        task.status = TaskStatus::Working;
                    }
                    true
                })
                .await
                .map_err(store_error)?;
                return Ok(answer);
            }
            tokio::select! {
                changed = store.changed(id, task.version) => changed.map_err(store_error)?,
                _ = cancellation.cancelled() => return Err(RpcError::internal("the task was cancelled")),
            }
        }
    }

    async fn set_status(&self, status: TaskStatus, message: Option<String>) {
        let Some(running) = self.running.get() else {
            return;
        };
        self.change(running, "status", |task| {
            if task.status.is_terminal() || task.status == status {
                return false;
            }
            task.status = status;
            if message.is_some() {
                task.status_message = message.clone();
            }
            true
        })
        .await;
    }

    /// Tells a 2025-11-25 client the task's new status (`notifications/tasks/status`).
    async fn announce(&self, task: &TaskRecord) {
        if self.plan.era != Era::Legacy {
            return;
        }
        if let Some(running) = self.running.get() {
            announce(&running.connection, task).await;
        }
    }
}

async fn announce(connection: &Connection, task: &TaskRecord) {
    let message = encode_notification("notifications/tasks/status", &LegacyTask::of(task));
    let _ = connection.outbound().send(message).await;
}

/// A call about to go on as a task: everything its run needs once the request is answered.
pub(super) struct Detaching<O> {
    pub(super) link: Arc<TaskLink>,
    pub(super) future: HandlerFuture<O>,
    pub(super) cancellation: CancellationToken,
    pub(super) connection: Arc<Connection>,
    pub(super) era: Era,
    pub(super) protocol_version: ProtocolVersion,
    pub(super) tool: String,
    pub(super) owner: Option<String>,
    /// How long the handler may run, and when that time is up.
    pub(super) timeout: Option<(std::time::Duration, Instant)>,
    pub(super) audit: TaskAudit,
}

/// A call that is a task now, stored: answer the request with it, then [`Dispatcher::run_task`].
pub(super) struct Started<O> {
    record: TaskRecord,
    detaching: Detaching<O>,
}

impl Dispatcher {
    /// Whether a call of a tool with task support `support` may become a task for this
    /// request: the client must accept tasks (2026-07-28: the extension in the request's
    /// client capabilities; 2025-11-25: `task` in the parameters).
    pub(super) fn task_mode(
        &self,
        negotiated: &Negotiated,
        support: TaskSupport,
        task_param: Option<&RawValue>,
        tool: &str,
    ) -> super::pipeline::TaskMode {
        use super::pipeline::TaskMode;
        let Some(tasks) = &self.inner.tasks else {
            return TaskMode::Never;
        };
        let era = negotiated.version.era();
        let requested_ttl = match era {
            Era::Modern => None,
            Era::Legacy => task_param.and_then(|raw| {
                serde_json::from_str::<Value>(raw.get())
                    .ok()
                    .and_then(|v| v.get("ttl").and_then(Value::as_u64))
            }),
        };
        let accepts = match era {
            Era::Modern => accepts_tasks(negotiated),
            // Only 2025-11-25 has tasks; a `task` parameter means the client wants one.
            Era::Legacy => {
                task_param.is_some() && negotiated.version >= ProtocolVersion::V2025_11_25
            }
        };
        match (support, accepts) {
            (TaskSupport::Forbidden, true) if era == Era::Legacy => {
                TaskMode::Refused(RpcError::new(
                    crate::protocol::code::METHOD_NOT_FOUND,
                    format!("tool `{tool}` does not run as a task; call it without `task`"),
                ))
            }
            (TaskSupport::Forbidden, _) | (TaskSupport::Optional, false) => TaskMode::Never,
            (TaskSupport::Required, false) => TaskMode::Refused(match era {
                Era::Modern => missing_extension(format!("tool `{tool}` runs only as a task, and the client did not declare the `{EXTENSION}` extension")),
                Era::Legacy => RpcError::new(
                    crate::protocol::code::METHOD_NOT_FOUND,
                    format!("tool `{tool}` runs only as a task: call it with `task`"),
                ),
            }),
            (_, true) => {
                let limit = tasks
                    .settings
                    .ttl
                    .map(|ttl| u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX));
                let ttl_ms = match (requested_ttl, limit) {
                    (Some(wanted), Some(limit)) => Some(wanted.min(limit)),
                    (Some(wanted), None) => Some(wanted),
                    (None, limit) => limit,
                };
                TaskMode::Offered(TaskPlan {
                    era,
                    ttl_ms,
                    poll_interval_ms: u64::try_from(tasks.settings.poll_interval.as_millis())
                        .unwrap_or(u64::MAX),
                })
            }
        }
    }

    /// Stores the task a call becomes; only then may the client learn its id.
    pub(super) async fn create_task<O>(
        &self,
        detaching: Detaching<O>,
    ) -> Result<Started<O>, RpcError> {
        let tasks = self
            .inner
            .tasks
            .as_ref()
            .expect("only a server with tasks offers them");
        let plan = detaching.link.plan;
        let now = now_ms();
        let record = TaskRecord {
            id: new_id(),
            version: 0,
            owner: detaching.owner.clone(),
            tool: detaching.tool.clone(),
            protocol_version: detaching.protocol_version.as_str().to_owned(),
            status: TaskStatus::Working,
            status_message: lock(&detaching.link.first_message).take(),
            created_at_ms: now,
            last_updated_at_ms: now,
            ttl_ms: plan.ttl_ms,
            poll_interval_ms: Some(plan.poll_interval_ms),
            result: None,
            error: None,
            input_requests: Map::new(),
            input_responses: Map::new(),
            cancel_requested: false,
        };
        if let Err(error) = tasks.store.insert(record.clone()).await {
            tracing::warn!(tool = %detaching.tool, %error, "task refused");
            detaching.cancellation.cancel();
            detaching.audit.finish("refused", None);
            return Err(error.into());
        }
        let running = Running {
            id: record.id.clone(),
            store: Arc::clone(&tasks.store),
            connection: Arc::clone(&detaching.connection),
        };
        if detaching.link.running.set(running).is_err() {
            unreachable!("a call becomes a task once");
        }
        tracing::debug!(task = %record.id, tool = %detaching.tool, "call continues as a task");
        Ok(Started { record, detaching })
    }

    /// Answers the request with the task `started`, and runs it to its end in a tokio task of
    /// its own; `encode` turns the handler's output into the result the client gets.
    pub(super) fn run_task<O: Produce>(
        &self,
        id: &RequestId,
        started: Started<O>,
        encode: impl Fn(&O, Era) -> Value + Send + 'static,
    ) -> Vec<u8> {
        let Started { record, detaching } = started;
        let answer = match detaching.era {
            Era::Modern => encode_result(
                id,
                &ModernTask::of(&record, "task", &self.inner.server_meta, false),
            ),
            Era::Legacy => encode_result(id, &json!({ "task": LegacyTask::of(&record) })),
        };
        let store = Arc::clone(
            &self
                .inner
                .tasks
                .as_ref()
                .expect("only a server with tasks runs them")
                .store,
        );
        #[cfg(feature = "metrics")]
        let metrics = self.inner.metrics.clone();
        #[cfg(feature = "metrics")]
        if let Some(metrics) = &metrics {
            metrics.task_started();
        }
        let run = drive(store, record.id, detaching, encode);
        #[cfg(feature = "metrics")]
        let run = async move {
            let status = run.await;
            if let Some(metrics) = metrics {
                metrics.task_ended(status.as_str());
            }
        };
        tokio::spawn(run);
        answer
    }

    /// `tasks/get`, `tasks/update`, `tasks/cancel` and (2025-11-25) `tasks/result`.
    pub(super) async fn task_request(
        &self,
        connection: &Arc<Connection>,
        id: &RequestId,
        method: &str,
        params: Option<&RawValue>,
    ) -> Result<Vec<u8>, RpcError> {
        let mut parsed: TaskParams<'_> = parse_params(params)?;
        let negotiated = self.negotiate(connection, parsed.meta.take())?;
        let era = negotiated.version.era();
        let Some(tasks) = &self.inner.tasks else {
            return Err(RpcError::method_not_found(method));
        };
        match (era, method) {
            (Era::Modern, "tasks/result") | (Era::Legacy, "tasks/update") => {
                return Err(RpcError::method_not_found(method))
            }
            (Era::Legacy, _) if negotiated.version < ProtocolVersion::V2025_11_25 => {
                return Err(RpcError::method_not_found(method))
            }
            (Era::Modern, _) if !accepts_tasks(&negotiated) => {
                return Err(missing_extension(format!("`{method}` needs the `{EXTENSION}` extension, which the client did not declare")))
            }
            _ => {}
        }
        let task_id = parsed
            .task_id
            .ok_or_else(|| RpcError::invalid_params("missing field `taskId`"))?;
        let store = &*tasks.store;
        let store_error = RpcError::from;
        let principal = principal();
        let not_found = || {
            RpcError::invalid_params(format!(
                "Failed to retrieve task: Task not found ({task_id})"
            ))
        };
        let owned = |task: &TaskRecord| task.owner == principal;
        let meta = &*self.inner.server_meta;
        match method {
            "tasks/get" => {
                let task = store
                    .get(&task_id)
                    .await
                    .map_err(store_error)?
                    .filter(owned)
                    .ok_or_else(not_found)?;
                Ok(match era {
                    Era::Modern => {
                        encode_result(id, &ModernTask::of(&task, "complete", meta, true))
                    }
                    Era::Legacy => encode_result(id, &LegacyTask::of(&task)),
                })
            }
            "tasks/update" => {
                let responses: Map<String, Value> = match parsed.input_responses {
                    Some(raw) => serde_json::from_str(raw.get()).map_err(|_| {
                        RpcError::invalid_params(
                            "`inputResponses` must be an object mapping each input request's key to the client's result",
                        )
                    })?,
                    None => Map::new(),
                };
                store
                    .get(&task_id)
                    .await
                    .map_err(store_error)?
                    .filter(owned)
                    .ok_or_else(not_found)?;
                modify(store, &task_id, |task| {
                    let mut taken = false;
                    for (key, answer) in &responses {
                        // Answers to questions not outstanding are ignored. An answered
                        // question leaves `inputRequests` now, not when its handler wakes: the
                        // next `tasks/get` shows only what still waits.
                        if task.input_requests.remove(key).is_some() {
                            task.input_responses.insert(key.clone(), answer.clone());
                            taken = true;
                        }
                    }
                    if taken
                        && task.input_requests.is_empty()
                        && task.status == TaskStatus::InputRequired
                    {
                        task.status = TaskStatus::Working;
                    }
                    taken
                })
                .await
                .map_err(store_error)?;
                Ok(encode_result(id, &Ack::new(meta)))
            }
            "tasks/cancel" => {
                let task = store
                    .get(&task_id)
                    .await
                    .map_err(store_error)?
                    .filter(owned)
                    .ok_or_else(not_found)?;
                if task.status.is_terminal() {
                    return match era {
                        // Cancelling what has ended is acknowledged, and changes nothing.
                        Era::Modern => Ok(encode_result(id, &Ack::new(meta))),
                        Era::Legacy => Err(RpcError::invalid_params(format!(
                            "task {task_id} is already {} and cannot be cancelled",
                            task.status.as_str()
                        ))),
                    };
                }
                let cancelled = modify(store, &task_id, |task| {
                    if task.status.is_terminal() {
                        return false;
                    }
                    task.cancel_requested = true;
                    task.status = TaskStatus::Cancelled;
                    task.status_message = Some("cancelled by the client".to_owned());
                    task.input_requests.clear();
                    true
                })
                .await
                .map_err(store_error)?;
                let task = match cancelled {
                    Some(task) => task,
                    // It ended in between: show it as it ended.
                    None => store
                        .get(&task_id)
                        .await
                        .map_err(store_error)?
                        .ok_or_else(not_found)?,
                };
                if era == Era::Legacy && task.status == TaskStatus::Cancelled {
                    announce(connection, &task).await;
                }
                Ok(match era {
                    Era::Modern => encode_result(id, &Ack::new(meta)),
                    Era::Legacy => encode_result(id, &LegacyTask::of(&task)),
                })
            }
            "tasks/result" => {
                // 2025-11-25: waits for the end, then answers as the call would have.
                let task = loop {
                    let task = store
                        .get(&task_id)
                        .await
                        .map_err(store_error)?
                        .filter(owned)
                        .ok_or_else(not_found)?;
                    if task.status.is_terminal() {
                        break task;
                    }
                    tokio::select! {
                        changed = store.changed(&task_id, task.version) => changed.map_err(store_error)?,
                        () = connection.closed() => return Err(RpcError::shutting_down()),
                    }
                };
                let related =
                    json!({ "io.modelcontextprotocol/related-task": { "taskId": task.id } });
                match (task.result, task.error) {
                    (Some(mut result), _) => {
                        if let Some(object) = result.as_object_mut() {
                            object.insert("_meta".to_owned(), related);
                        }
                        Ok(encode_result(id, &result))
                    }
                    (None, Some(error)) => Err(serde_json::from_value(error)
                        .unwrap_or_else(|_| RpcError::internal("the task failed"))),
                    (None, None) => Err(RpcError::new(
                        crate::protocol::code::INVALID_REQUEST,
                        format!("task {task_id} was cancelled before it produced a result"),
                    )),
                }
            }
            _ => Err(RpcError::method_not_found(method)),
        }
    }
}

impl Dispatcher {
    /// The tasks a `subscriptions/listen` stream asks to hear of (`notifications.taskIds`),
    /// as they are now: those of the caller that exist. Asking without declaring the tasks
    /// extension is refused with `-32021`.
    pub(super) async fn listened_tasks(
        &self,
        negotiated: &Negotiated,
        ids: Option<Vec<String>>,
    ) -> Result<Vec<TaskRecord>, RpcError> {
        let Some(ids) = ids.filter(|ids| !ids.is_empty()) else {
            return Ok(Vec::new());
        };
        let Some(tasks) = &self.inner.tasks else {
            return Ok(Vec::new());
        };
        if !accepts_tasks(negotiated) {
            return Err(missing_extension(format!("task notifications need the `{EXTENSION}` extension, which the client did not declare")));
        }
        let principal = principal();
        let mut found = Vec::new();
        for id in ids {
            match tasks.store.get(&id).await {
                Ok(Some(task)) if task.owner == principal => found.push(task),
                Ok(_) => {}
                Err(error) => return Err(error.into()),
            }
        }
        Ok(found)
    }

    /// Sends `notifications/tasks` on a `subscriptions/listen` stream for each change of
    /// status of `tasks` (each carrying the task as `tasks/get` shows it), until all have
    /// ended.
    pub(super) async fn tell_tasks(&self, tasks: Vec<TaskRecord>, sink: &super::Outbound) {
        let Some(settings) = &self.inner.tasks else {
            return;
        };
        let store = &*settings.store;
        let meta = &*self.inner.server_meta;
        let watch = |mut task: TaskRecord| async move {
            let mut told = None;
            loop {
                if told != Some(task.status) {
                    let mut params =
                        serde_json::to_value(ModernTask::of(&task, "complete", meta, true))
                            .unwrap_or_default();
                    if let Some(params) = params.as_object_mut() {
                        params.remove("resultType");
                    }
                    if sink
                        .send(encode_notification("notifications/tasks", &params))
                        .await
                        .is_err()
                    {
                        return;
                    }
                    told = Some(task.status);
                }
                if task.status.is_terminal() || store.changed(&task.id, task.version).await.is_err()
                {
                    return;
                }
                match store.get(&task.id).await {
                    Ok(Some(next)) => task = next,
                    _ => return,
                }
            }
        };
        let mut watching: Vec<_> = tasks
            .into_iter()
            .map(|task| Box::pin(watch(task)))
            .collect();
        // Every watch runs until its task ends.
        std::future::poll_fn(|cx| {
            watching.retain_mut(|watch| watch.as_mut().poll(cx).is_pending());
            if watching.is_empty() {
                std::task::Poll::Ready(())
            } else {
                std::task::Poll::Pending
            }
        })
        .await;
    }
}

/// `-32021` for a request that needs the tasks extension, which the client did not declare.
fn missing_extension(message: String) -> RpcError {
    RpcError::new(
        crate::protocol::code::MISSING_REQUIRED_CLIENT_CAPABILITY,
        message,
    )
    .with_data(json!({
        "requiredCapabilities": { "extensions": { EXTENSION: {} } }
    }))
}

/// True when a 2026-07-28 request lists the tasks extension in its client capabilities.
fn accepts_tasks(negotiated: &Negotiated) -> bool {
    negotiated
        .client_capabilities()
        .and_then(|capabilities| capabilities.get("extensions"))
        .and_then(Value::as_object)
        .is_some_and(|extensions| extensions.contains_key(EXTENSION))
}

/// The caller tasks are bound to: the authenticated subject, `None` without authentication.
fn principal() -> Option<String> {
    let caller = Caller::current();
    caller.scopes().map(|_| caller.subject().to_owned())
}

/// How long a cancelled task's handler may take to wind down after it learns of the
/// cancellation (through [`Context::cancelled`](crate::Context::cancelled)).
const CANCEL_GRACE: std::time::Duration = std::time::Duration::from_secs(1);

/// How a task's run ended.
enum End<O> {
    Done(O),
    Panicked(String),
    TimedOut,
    Cancelled,
}

/// Runs a task's handler to its end, stopping it when the client cancels the task or its
/// time runs out, then stores how it ended.
async fn drive<O: Produce>(
    store: Arc<dyn TaskStore>,
    id: String,
    detaching: Detaching<O>,
    encode: impl Fn(&O, Era) -> Value + Send + 'static,
) -> TaskStatus {
    let Detaching {
        link,
        future,
        cancellation,
        era,
        tool,
        timeout,
        audit,
        ..
    } = detaching;
    let cancelled = async {
        loop {
            match store.get(&id).await {
                Ok(Some(task)) if !task.cancel_requested && !task.status.is_terminal() => {
                    if store.changed(&id, task.version).await.is_err() {
                        // The store failed: keep running, and look again shortly.
                        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                    }
                }
                // Cancelled, ended elsewhere, or gone (expired, evicted).
                Ok(_) => return,
                Err(_) => tokio::time::sleep(std::time::Duration::from_secs(1)).await,
            }
        }
    };
    let mut running = Box::pin(super::pipeline::catch_unwind(future));
    let end = tokio::select! {
        biased;
        () = cancelled => End::Cancelled,
        result = &mut running => match result {
            Ok(output) => End::Done(output),
            Err(panic) => End::Panicked(super::pipeline::panic_message(&*panic)),
        },
        () = async {
            match timeout {
                Some((_, at)) => tokio::time::sleep_until(at.into()).await,
                None => std::future::pending().await,
            }
        } => End::TimedOut,
    };
    // Whatever the handler started learns it is no longer wanted.
    cancellation.cancel();
    if matches!(end, End::Cancelled) {
        // A handler watching `Context::cancelled` may wind down; its answer is not kept.
        let _ = tokio::time::timeout(CANCEL_GRACE, running).await;
    } else {
        drop(running);
    }
    let what = format!("tool `{tool}`");
    let (status, result, error, message, outcome) = match end {
        End::Done(output) => {
            let failed = output.is_error();
            // 2025-11-25 calls a tool's error result a failed task; 2026-07-28 a completed one.
            let status = if failed && era == Era::Legacy {
                TaskStatus::Failed
            } else {
                TaskStatus::Completed
            };
            let outcome = if failed { "error" } else { "ok" };
            (status, Some(encode(&output, era)), None, None, outcome)
        }
        End::TimedOut => {
            let limit = timeout.map(|(limit, _)| limit).unwrap_or_default();
            let output = O::timed_out(&what, limit);
            let status = match era {
                Era::Legacy => TaskStatus::Failed,
                Era::Modern => TaskStatus::Completed,
            };
            (status, Some(encode(&output, era)), None, None, "timed_out")
        }
        End::Panicked(reason) => {
            tracing::error!(%reason, task = %id, "{what} panicked");
            let error = RpcError::internal(format!("{what} failed unexpectedly"));
            let message = error.message.clone();
            (
                TaskStatus::Failed,
                None,
                Some(serde_json::to_value(&error).unwrap_or_default()),
                Some(message),
                "panicked",
            )
        }
        End::Cancelled => (TaskStatus::Cancelled, None, None, None, "cancelled"),
    };
    let stored = modify(&*store, &id, |task| {
        if task.status.is_terminal() {
            // Cancelled meanwhile: it stays cancelled.
            return false;
        }
        task.status = status;
        task.result = result.clone();
        task.error = error.clone();
        if message.is_some() {
            task.status_message = message.clone();
        }
        task.input_requests.clear();
        task.input_responses.clear();
        true
    })
    .await;
    let (final_outcome, final_status) = match &stored {
        Ok(Some(task)) => {
            link.announce(task).await;
            (outcome, status)
        }
        Ok(None) => ("cancelled", TaskStatus::Cancelled),
        Err(error) => {
            tracing::error!(%error, task = %id, "the end of a task could not be stored");
            (outcome, status)
        }
    };
    audit.finish(final_outcome, Some(&id));
    final_status
}

/// The parameters of `tasks/*` requests.
#[derive(Deserialize)]
struct TaskParams<'a> {
    #[serde(rename = "_meta", default)]
    meta: Option<RequestMeta>,
    #[serde(rename = "taskId", default)]
    task_id: Option<String>,
    #[serde(rename = "inputResponses", default, borrow)]
    input_responses: Option<&'a RawValue>,
}

/// A task as 2026-07-28 shows it: flat, with its result, error or questions when it has them.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ModernTask<'a> {
    result_type: &'static str,
    task_id: &'a str,
    status: TaskStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    status_message: Option<&'a str>,
    created_at: String,
    last_updated_at: String,
    ttl_ms: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    poll_interval_ms: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    result: Option<&'a Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    input_requests: Option<&'a Map<String, Value>>,
    #[serde(rename = "_meta")]
    meta: &'a RawValue,
}

impl<'a> ModernTask<'a> {
    fn of(
        task: &'a TaskRecord,
        result_type: &'static str,
        meta: &'a RawValue,
        detailed: bool,
    ) -> Self {
        ModernTask {
            result_type,
            task_id: &task.id,
            status: task.status,
            status_message: task.status_message.as_deref(),
            created_at: timestamp(task.created_at_ms),
            last_updated_at: timestamp(task.last_updated_at_ms),
            ttl_ms: task.ttl_ms,
            poll_interval_ms: task.poll_interval_ms,
            result: detailed.then_some(task.result.as_ref()).flatten(),
            error: detailed.then_some(task.error.as_ref()).flatten(),
            input_requests: (detailed
                && task.status == TaskStatus::InputRequired
                && !task.input_requests.is_empty())
            .then_some(&task.input_requests),
            meta,
        }
    }
}

/// A task as 2025-11-25 shows it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LegacyTask<'a> {
    task_id: &'a str,
    status: TaskStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    status_message: Option<&'a str>,
    created_at: String,
    last_updated_at: String,
    ttl: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    poll_interval: Option<u64>,
}

impl<'a> LegacyTask<'a> {
    fn of(task: &'a TaskRecord) -> Self {
        LegacyTask {
            task_id: &task.id,
            status: task.status,
            status_message: task.status_message.as_deref(),
            created_at: timestamp(task.created_at_ms),
            last_updated_at: timestamp(task.last_updated_at_ms),
            ttl: task.ttl_ms,
            poll_interval: task.poll_interval_ms,
        }
    }
}

/// The empty acknowledgement of `tasks/update` and (2026-07-28) `tasks/cancel`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Ack<'a> {
    result_type: &'static str,
    #[serde(rename = "_meta")]
    meta: &'a RawValue,
}

impl<'a> Ack<'a> {
    fn new(meta: &'a RawValue) -> Self {
        Ack {
            result_type: "complete",
            meta,
        }
    }
}
