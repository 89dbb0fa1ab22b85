//! The one path every capability runs through, whatever its kind: policy decision → the
//! client's answers (2026-07-28 multi round-trip requests) → confirmation → guarded run
//! (cancellation, panic isolation) → audit → the answer.
//!
//! `tools/call`, `resources/read` and `prompts/get` differ only in how they find the
//! capability, decode what the handler gets and encode what it returns; [`Produce`] says what
//! differs in between (how a refusal or a panic is answered).

use std::future::Future;
use std::ops::Range;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use bytes::Bytes;
use serde_json::value::RawValue;
use tokio_util::sync::CancellationToken;

use super::connection::{Connection, Outbound};
use super::context::Context;
use super::dispatch::{InputParams, Negotiated};
use super::input::{Binding, InputRound, Suspension};
use super::Dispatcher;
use crate::capability::CapabilityCore;
use crate::permission::{Kind, Outcome, Refusal};
use crate::protocol::{CallToolResult, GetPromptResult, RequestId, ResourceContents, RpcError};

/// A handler's future, as the handler traits return it.
pub(super) type HandlerFuture<O> = Pin<Box<dyn Future<Output = O> + Send + 'static>>;

/// What a kind's handler returns, and how the pipeline answers for it when the handler does
/// not run to the end.
pub(super) trait Produce: Sized + Send + 'static {
    /// The answer to a call the policy refuses while letting the caller see the capability.
    fn refused(message: String) -> Self;
    /// The answer to a handler that panicked while doing `what`.
    fn panicked(what: &str, reason: &str) -> Self;
    /// The answer to a call stopped because it ran longer than `limit`.
    fn timed_out(what: &str, limit: Duration) -> Self;
    /// True when the handler failed (for the audit record, and to answer a modern request
    /// that failed after a question the client could not be asked with that error).
    fn is_error(&self) -> bool;
}

/// Tools answer refusals and panics with error results, which the model reads.
impl Produce for CallToolResult {
    fn refused(message: String) -> Self {
        CallToolResult::error(message)
    }

    fn panicked(what: &str, reason: &str) -> Self {
        tracing::error!(%reason, "{what} panicked");
        CallToolResult::error(format!(
            "{what} failed unexpectedly (it panicked: {reason})"
        ))
    }

    fn timed_out(what: &str, limit: Duration) -> Self {
        CallToolResult::error(timed_out(what, limit))
    }

    fn is_error(&self) -> bool {
        self.is_error
    }
}

/// Resources and prompts answer refusals and panics with JSON-RPC errors.
macro_rules! produce_rpc_result {
    ($output:ty) => {
        impl Produce for Result<$output, RpcError> {
            fn refused(message: String) -> Self {
                Err(RpcError::invalid_request(message))
            }

            fn panicked(what: &str, reason: &str) -> Self {
                tracing::error!(%reason, "{what} panicked");
                Err(RpcError::internal(format!("{what} failed unexpectedly")))
            }

            fn timed_out(what: &str, limit: Duration) -> Self {
                Err(RpcError::internal(timed_out(what, limit)))
            }

            fn is_error(&self) -> bool {
                self.is_err()
            }
        }
    };
}

produce_rpc_result!(Vec<ResourceContents>);
produce_rpc_result!(GetPromptResult);

fn timed_out(what: &str, limit: Duration) -> String {
    tracing::warn!(?limit, "{what} ran out of time and was stopped");
    format!("{what} did not finish within {limit:?} and was stopped")
}

/// A request as the transport handed it over: the connection it came on, its bytes, its id,
/// and where the notifications it sends while it runs go.
pub(super) struct Request<'a> {
    pub(super) connection: &'a Arc<Connection>,
    /// The whole message, which the arguments borrow from.
    pub(super) message: &'a Bytes,
    pub(super) id: &'a RequestId,
    pub(super) sink: Outbound,
}

/// The request a capability runs for, once its era is known.
pub(super) struct Invocation<'a> {
    pub(super) request: Request<'a>,
    pub(super) negotiated: Negotiated,
    pub(super) input: InputParams<'a>,
}

/// The capability a request names.
pub(super) struct Target<'a> {
    pub(super) kind: Kind,
    pub(super) method: &'static str,
    /// What the request names it by: a tool's or prompt's name, a resource's URI.
    pub(super) name: &'a str,
    pub(super) core: &'a CapabilityCore,
    /// False when the policy hides it from everyone.
    pub(super) listed: bool,
    /// The request's arguments, which the audit log may keep and `requestState` is bound to.
    pub(super) arguments: Option<&'a RawValue>,
    /// How long it may run.
    pub(super) timeout: Option<Duration>,
    /// Whether it may become a task (tools only).
    pub(super) task: TaskMode,
}

/// Whether a call may become a task.
pub(super) enum TaskMode {
    /// It runs to its end within the request.
    Never,
    /// It may become a task, for a client of this era that accepts tasks.
    Offered(super::tasks::TaskPlan),
    /// It may only run as a task, and the client does not accept tasks: refused with this
    /// error once the policy has let the caller see the tool.
    Refused(RpcError),
}

/// How a capability's request ended.
pub(super) enum Flow<O> {
    /// The handler's output, or the pipeline's answer in its place (a refusal, a panic).
    Done(O),
    /// Answered already: `None` when the client cancelled, else the encoded
    /// `input_required` result.
    Answered(Option<Vec<u8>>),
    /// It became a task, stored already: the caller answers with the task and lets it run.
    Task(Box<super::tasks::Started<O>>),
}

impl Dispatcher {
    /// Runs the capability `target` for `invocation`. `unknown` is the error for a capability
    /// the caller may not know exists; `invoke` starts the handler with the request's context.
    pub(super) async fn run_capability<O: Produce>(
        &self,
        invocation: Invocation<'_>,
        target: Target<'_>,
        unknown: impl FnOnce() -> RpcError,
        invoke: impl FnOnce(Context) -> HandlerFuture<O> + Send + 'static,
    ) -> Result<Flow<O>, RpcError> {
        let Invocation {
            request,
            negotiated,
            input,
        } = invocation;
        let Request {
            connection,
            message,
            id,
            sink,
        } = request;
        let gate =
            self.inner
                .permissions
                .gate(target.kind, target.core.name(), target.core.permission());
        let audited = gate.arguments(message, target.arguments.map(|raw| offset_in(message, raw)));
        #[cfg(feature = "metrics")]
        let started = self
            .inner
            .metrics
            .as_ref()
            .map(|metrics| (metrics, std::time::Instant::now()));
        #[cfg(feature = "metrics")]
        let record = |outcome: &'static str| {
            if let Some((metrics, started)) = started {
                metrics.call(target.kind, target.core.name(), outcome, started);
            }
        };
        let refusal = gate.refusal(target.listed);
        #[cfg(feature = "metrics")]
        if let Some(metrics) = &self.inner.metrics {
            let decision = match (&refusal, gate.needs_confirmation()) {
                (Some(_), _) => "deny",
                (None, true) => "confirm",
                (None, false) => "allow",
            };
            metrics.decision(decision, target.core.permission().risk);
            if refusal.is_some() {
                record("refused");
            }
        }
        match refusal {
            None => {}
            Some(Refusal::Hidden) => return Err(unknown()),
            Some(Refusal::Error(error)) => return Err(error),
            Some(Refusal::Result(message)) => return Ok(Flow::Done(O::refused(message))),
        }
        if let Some(limited) = gate.rate_limited() {
            #[cfg(feature = "metrics")]
            record("rate_limited");
            // Per caller: an error HTTP answers with 429. For everyone: a tool's error result
            // the model reads, or the error.
            return match (limited.per, target.kind) {
                (crate::permission::LimitScope::Server, Kind::Tool) => {
                    Ok(Flow::Done(O::refused(limited.message())))
                }
                _ => Err(limited.error()),
            };
        }
        let plan = match target.task {
            TaskMode::Never => None,
            TaskMode::Offered(plan) => Some(plan),
            TaskMode::Refused(error) => return Err(error),
        };
        let binding = Binding {
            method: target.method,
            name: target.name,
            arguments: target.arguments,
            principal: gate.principal(),
        };
        let input = match self.input_round(&negotiated, &binding, &input).await {
            Ok(input) => input,
            Err(error) => {
                // A forged, replayed or misapplied `requestState`: nothing ran.
                gate.finish(Outcome::InvalidInput, audited);
                return Err(error);
            }
        };
        let link = plan.map(|plan| Arc::new(super::tasks::TaskLink::new(plan)));
        let era = negotiated.version.era();
        let protocol_version = negotiated.version;
        let (context, cancellation, in_flight) = self.start(
            connection,
            id,
            negotiated,
            sink,
            input.clone(),
            link.clone(),
        );
        // A task's time limit counts from here; only a call that may become one needs it.
        let started_at = link.as_ref().map(|_| std::time::Instant::now());
        let marks = link.clone();
        let invoke = move |context| {
            if let Some(link) = &marks {
                link.mark_started();
            }
            invoke(context)
        };
        let outcome = if gate.needs_confirmation() {
            run_guarded(
                &cancellation,
                input.as_deref(),
                link.as_deref(),
                target.timeout,
                || {
                    let asking = context.clone();
                    let arguments = target.arguments.map(RawValue::get);
                    gate.confirm_then(asking, arguments, O::refused, move || invoke(context))
                },
            )
            .await
        } else {
            run_guarded(
                &cancellation,
                input.as_deref(),
                link.as_deref(),
                target.timeout,
                || invoke(context),
            )
            .await
        };
        drop(in_flight);
        let outcome = match (outcome, link) {
            // 2025-11-25: the client asked for a task, and gets one even for a handler that
            // finished at once.
            (Run::Done(output), Some(link)) if link.detaches_at_start() => {
                let ready: HandlerFuture<O> = Box::pin(std::future::ready(output));
                (Run::Detached(ready), Some(link))
            }
            other => other,
        };
        let outcome = match outcome {
            (Run::Detached(future), Some(link)) => {
                let audit = gate.detach(audited);
                let started_at = started_at.expect("a call with a task link took its start time");
                let timeout = target.timeout.map(|limit| (limit, started_at + limit));
                let started = self
                    .create_task(super::tasks::Detaching {
                        link,
                        future,
                        cancellation,
                        connection: Arc::clone(connection),
                        era,
                        protocol_version,
                        tool: target.name.to_owned(),
                        owner: gate.principal().map(str::to_owned),
                        timeout,
                        audit,
                    })
                    .await;
                #[cfg(feature = "metrics")]
                record(if started.is_ok() { "task" } else { "refused" });
                return started.map(|started| Flow::Task(Box::new(started)));
            }
            (outcome, _) => outcome,
        };
        gate.finish(outcome.audited(), audited);
        if matches!(&outcome, Run::Done(output) if output.is_error()) {
            super::span::tool_failed();
        }
        #[cfg(feature = "metrics")]
        record(match &outcome {
            Run::Done(output) if output.is_error() => "error",
            Run::Done(_) => "ok",
            Run::Cancelled => "cancelled",
            Run::Suspended(_) => "input_required",
            Run::Panicked(_) => "panicked",
            Run::TimedOut => "timed_out",
            Run::Detached(_) => "task",
        });
        match outcome {
            Run::Done(output) => match input.and_then(|round| round.take_missing_capability()) {
                // It failed after asking what the client cannot answer: say so.
                Some(error) if output.is_error() => Err(error),
                _ => Ok(Flow::Done(output)),
            },
            Run::Cancelled if connection.is_shutting_down() => Err(RpcError::shutting_down()),
            Run::Cancelled => {
                tracing::debug!(%id, method = target.method, name = target.name, "request cancelled by the client");
                Ok(Flow::Answered(None))
            }
            Run::Suspended(suspension) => self
                .suspend(id, &binding, suspension)
                .await
                .map(Flow::Answered),
            Run::Panicked(reason) => Ok(Flow::Done(O::panicked(&what(&target), &reason))),
            Run::TimedOut => {
                // Whatever the handler started learns it is no longer wanted.
                cancellation.cancel();
                let limit = target.timeout.unwrap_or_default();
                Ok(Flow::Done(O::timed_out(&what(&target), limit)))
            }
            Run::Detached(_) => unreachable!("only a run with a task link detaches"),
        }
    }
}

impl Dispatcher {
    /// The policy decision for a request that names a capability without running it
    /// (`completion/complete`, `resources/subscribe`): refused exactly when running it would
    /// be, so that what a caller cannot see or use does not answer through a side door.
    pub(super) fn check_access(
        &self,
        kind: Kind,
        core: &CapabilityCore,
        listed: bool,
        unknown: impl FnOnce() -> RpcError,
    ) -> Result<(), RpcError> {
        let gate = self
            .inner
            .permissions
            .gate(kind, core.name(), core.permission());
        match gate.refusal(listed) {
            None => Ok(()),
            Some(Refusal::Hidden) => Err(unknown()),
            Some(Refusal::Error(error)) => Err(error),
            Some(Refusal::Result(message)) => Err(RpcError::invalid_request(message)),
        }
    }
}

/// What the target does, for messages: "tool `x`", "reading URI", "prompt `x`".
fn what(target: &Target<'_>) -> String {
    match target.kind {
        Kind::Tool => format!("tool `{}`", target.name),
        Kind::Resource => format!("reading {}", target.name),
        Kind::Prompt => format!("prompt `{}`", target.name),
    }
}

/// The byte range of `part` inside `whole`; `part` must borrow from `whole`.
pub(super) fn offset_in(whole: &[u8], part: &RawValue) -> Range<usize> {
    let part = part.get();
    let start = part.as_ptr() as usize - whole.as_ptr() as usize;
    debug_assert!(start + part.len() <= whole.len());
    start..start + part.len()
}

/// How a handler's run ended.
pub(super) enum Run<T> {
    /// It returned.
    Done(T),
    /// It panicked, with this message.
    Panicked(String),
    /// The client cancelled the request.
    Cancelled,
    /// It asked the client something (2026-07-28): the request ends here.
    Suspended(Suspension),
    /// It ran longer than it may.
    TimedOut,
    /// It is to go on as a task: here is its future, polled once or more.
    Detached(HandlerFuture<T>),
}

impl<O: Produce> Run<O> {
    /// How the run ended, as the audit record says it.
    fn audited(&self) -> Outcome {
        match self {
            Run::Done(output) if output.is_error() => Outcome::Error,
            Run::Done(_) => Outcome::Ok,
            Run::Cancelled => Outcome::Cancelled,
            Run::Panicked(_) => Outcome::Panicked,
            Run::Suspended(_) => Outcome::InputRequired,
            Run::TimedOut => Outcome::TimedOut,
            Run::Detached(_) => Outcome::Ok,
        }
    }
}

/// Runs a handler's future until it ends, the request is cancelled, `timeout` passes, or
/// (modern era) the handler waits for the client's input; a panic, while making the future
/// or while running it, becomes [`Run::Panicked`]. With a task `link`, a handler that has to
/// wait for anything but the client's input (or asks to become a task) ends the run as
/// [`Run::Detached`].
pub(super) async fn run_guarded<T>(
    cancellation: &CancellationToken,
    input: Option<&InputRound>,
    link: Option<&super::tasks::TaskLink>,
    timeout: Option<Duration>,
    make: impl FnOnce() -> HandlerFuture<T>,
) -> Run<T> {
    let mut future = match std::panic::catch_unwind(AssertUnwindSafe(make)) {
        Ok(future) => future,
        Err(panic) => return Run::Panicked(panic_message(&*panic)),
    };
    let suspended = async {
        match input {
            Some(round) => round.suspended().await,
            None => std::future::pending().await,
        }
    };
    let detach = link.map(|link| (link, input));
    // The first poll comes before anything else is armed, so that a handler done at once
    // (most are) never registers for the cancellation or the client's input.
    if cancellation.is_cancelled() {
        return Run::Cancelled;
    }
    let first = std::future::poll_fn(|cx| Poll::Ready(poll_step(&mut future, detach, cx))).await;
    if let Poll::Ready(step) = first {
        return step.ended().unwrap_or(Run::Detached(future));
    }
    let ended = tokio::select! {
        biased;
        _ = cancellation.cancelled() => Some(Run::Cancelled),
        step = poll_handler(&mut future, detach) => step.ended(),
        // Polled after the handler: every question asked in that poll is in the round.
        suspension = suspended => Some(Run::Suspended(suspension)),
        // Polled last, so that a handler done at once never arms a timer.
        () = async {
            match timeout {
                Some(limit) => tokio::time::sleep(limit).await,
                None => std::future::pending().await,
            }
        } => Some(Run::TimedOut),
    };
    ended.unwrap_or(Run::Detached(future))
}

/// How one stretch of a handler's run ended.
enum Step<T> {
    Done(std::thread::Result<T>),
    /// It waits for something other than the client's input, or asked to become a task.
    Detach,
}

impl<T> Step<T> {
    /// How the run ended, or `None` when it goes on as a task.
    fn ended(self) -> Option<Run<T>> {
        match self {
            Step::Done(Ok(value)) => Some(Run::Done(value)),
            Step::Done(Err(panic)) => Some(Run::Panicked(panic_message(&*panic))),
            Step::Detach => None,
        }
    }
}

/// Polls the handler (catching panics) until it ends or, with `detach`, until it should go on
/// as a task.
async fn poll_handler<T>(
    future: &mut HandlerFuture<T>,
    detach: Option<(&super::tasks::TaskLink, Option<&InputRound>)>,
) -> Step<T> {
    std::future::poll_fn(|cx| poll_step(future, detach, cx)).await
}

/// One poll of the handler: its end (or panic), the moment it should go on as a task, or
/// `Pending`.
fn poll_step<T>(
    future: &mut HandlerFuture<T>,
    detach: Option<(&super::tasks::TaskLink, Option<&InputRound>)>,
    cx: &mut std::task::Context<'_>,
) -> Poll<Step<T>> {
    if detach.is_some_and(|(link, _)| link.detaches_at_start()) {
        return Poll::Ready(Step::Detach);
    }
    match std::panic::catch_unwind(AssertUnwindSafe(|| future.as_mut().poll(cx))) {
        Ok(Poll::Ready(value)) => Poll::Ready(Step::Done(Ok(value))),
        Err(panic) => Poll::Ready(Step::Done(Err(panic))),
        Ok(Poll::Pending) => match detach {
            Some((link, input)) if link.should_detach(input) => Poll::Ready(Step::Detach),
            _ => Poll::Pending,
        },
    }
}

/// Runs `future`, a panic while polling it ending it with the panic's payload.
pub(super) async fn catch_unwind<T>(mut future: HandlerFuture<T>) -> std::thread::Result<T> {
    std::future::poll_fn(move |cx| {
        match std::panic::catch_unwind(AssertUnwindSafe(|| future.as_mut().poll(cx))) {
            Ok(Poll::Ready(value)) => Poll::Ready(Ok(value)),
            Ok(Poll::Pending) => Poll::Pending,
            Err(panic) => Poll::Ready(Err(panic)),
        }
    })
    .await
}

pub(super) fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else {
        "no message".to_owned()
    }
}
