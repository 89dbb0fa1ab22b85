//! Applying a [`Policy`] to requests: which capabilities are listed, and the [`Gate`] every
//! call passes (decision, confirmation, audit records).

use crate::sync::lock;
use std::future::Future;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Instant, SystemTime};

use serde_json::{json, Value};

use super::audit::rfc3339;
use super::{AuditLog, AuditRecord, Caller, Decision, DenyReason, Permission, Policy};
use crate::protocol::{code, ElicitAction, RpcError};
use crate::server::Context;

/// The JSON-RPC error for a caller whose token lacks a scope; HTTP answers it with `403`
/// and `WWW-Authenticate: Bearer error="insufficient_scope"`. Its `data.requiredScopes` lists
/// every scope the capability needs.
pub const INSUFFICIENT_SCOPE: i32 = -32040;

/// What kind of capability a decision is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Tool,
    Resource,
    Prompt,
}

impl Kind {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Kind::Tool => "tool",
            Kind::Resource => "resource",
            Kind::Prompt => "prompt",
        }
    }
}

/// A server's policy and audit log, shared by every request.
#[derive(Debug, Clone, Default)]
pub(crate) struct Enforcer {
    policy: Policy,
    audit: AuditLog,
    limiters: Arc<super::Limiters>,
}

impl Enforcer {
    pub(crate) fn new(policy: Policy, audit: AuditLog) -> Self {
        let limiters = Arc::new(super::Limiters::new(policy.limits()));
        Enforcer {
            policy,
            audit,
            limiters,
        }
    }

    pub(crate) fn policy(&self) -> &Policy {
        &self.policy
    }

    /// Whether a capability appears in lists: everything but what the policy denies for
    /// everyone, unless denied capabilities are shown. Scope checks depend on the caller and
    /// never hide (a caller lacking a scope can step up), so lists stay the same for all.
    pub(crate) fn listed(&self, name: &str, permission: &Permission) -> bool {
        self.policy.shows_denied()
            || !matches!(
                self.policy.decide_static(name, permission),
                Decision::Deny(_)
            )
    }

    /// Decides a call by the current caller and records the decision.
    pub(crate) fn gate<'a>(
        &'a self,
        kind: Kind,
        name: &'a str,
        permission: &'a Permission,
    ) -> Gate<'a> {
        let caller = Caller::current();
        let decision = self.policy.decide(name, permission, &caller);
        // The clock is read only for a call whose records are written.
        let started = self.audit.wants(decision.as_str()).then(Instant::now);
        let gate = Gate {
            audit: &self.audit,
            limiters: &self.limiters,
            kind,
            name,
            permission,
            caller,
            decision,
            started,
            confirmation: OnceLock::new(),
        };
        gate.write("decision", None, None, None);
        gate
    }
}

/// One call's passage through the policy: its decision, the confirmation, and the audit
/// records. Borrows what it can: an allowed call allocates nothing for it.
#[derive(Debug)]
pub(crate) struct Gate<'a> {
    audit: &'a AuditLog,
    limiters: &'a super::Limiters,
    kind: Kind,
    name: &'a str,
    permission: &'a Permission,
    caller: Caller,
    decision: Decision,
    /// When the call began, if its records are written.
    started: Option<Instant>,
    /// While confirming: how the confirmation ended.
    confirmation: OnceLock<Arc<Mutex<Confirmation>>>,
}

/// How a confirmation ended, for the audit record.
#[derive(Debug, Default)]
struct Confirmation {
    /// The audit label of a refusal (`declined`, `unconfirmable`).
    refused: Option<&'static str>,
    /// Who said yes.
    confirmed_by: Option<String>,
}

/// What a confirmation needs, owned, so that it can run inside the call's future.
struct Asking {
    kind: Kind,
    name: String,
    risk: super::RiskLevel,
    /// The arguments as the client sent them, shown to the user.
    arguments: Option<String>,
    ended: Arc<Mutex<Confirmation>>,
}

/// Arguments longer than this are shown cut, with their length.
const SHOWN_ARGUMENTS: usize = 1000;

/// How a refused call is answered.
pub(crate) enum Refusal {
    /// Like an unknown capability, so that its existence does not leak.
    Hidden,
    /// A protocol error (a caller lacking scopes).
    Error(RpcError),
    /// An error result naming the rule.
    Result(String),
}

/// How a gated call ended, for the audit record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    Ok,
    Error,
    Cancelled,
    Panicked,
    /// Denied by the policy: nothing ran.
    Refused,
    /// It asked the client (2026-07-28) and ends until the client retries with the answer.
    InputRequired,
    /// It ran longer than its timeout and was stopped.
    TimedOut,
    /// The client's answers or `requestState` were refused (forged, replayed, expired,
    /// issued for another request): nothing ran.
    InvalidInput,
    /// A layer (`Server::layer`) answered in the server's place: nothing ran.
    Blocked,
    /// Over a rate limit of the policy: nothing ran.
    RateLimited,
}

impl Gate<'_> {
    /// How to refuse the call, if it is refused (the refusal is recorded): as unknown when
    /// the capability is not `listed`, with a JSON-RPC error for a caller lacking scopes
    /// (HTTP turns it into `403`), otherwise with an error result naming the rule.
    pub(crate) fn refusal(&self, listed: bool) -> Option<Refusal> {
        if !matches!(self.decision, Decision::Deny(_)) {
            return None;
        }
        self.finish(Outcome::Refused, None);
        if !listed {
            return Some(Refusal::Hidden);
        }
        Some(match self.scope_error() {
            Some(error) => Refusal::Error(error),
            None => Refusal::Result(self.denied_message().unwrap_or_default()),
        })
    }

    /// The caller's arguments, for the audit record, when the log keeps them.
    pub(crate) fn arguments<'a>(
        &self,
        message: &'a [u8],
        range: Option<std::ops::Range<usize>>,
    ) -> Option<&'a [u8]> {
        self.audit
            .keeps_arguments()
            .then(|| range.and_then(|r| message.get(r)))
            .flatten()
    }

    fn scope_error(&self) -> Option<RpcError> {
        let Decision::Deny(reason @ DenyReason::MissingScopes { .. }) = &self.decision else {
            return None;
        };
        Some(
            RpcError::new(
                INSUFFICIENT_SCOPE,
                format!(
                    "Insufficient scope for {} `{}`: {reason}",
                    self.kind.as_str(),
                    self.name
                ),
            )
            .with_data(json!({ "requiredScopes": required_scopes(reason) })),
        )
    }

    /// The error message for a denied capability that the caller can see.
    fn denied_message(&self) -> Option<String> {
        match &self.decision {
            Decision::Deny(reason) => Some(format!(
                "{} `{}` is not allowed: {reason}",
                self.kind.as_str(),
                self.name
            )),
            _ => None,
        }
    }

    /// The authenticated caller, to bind a `requestState` to; `None` for the local user.
    pub(crate) fn principal(&self) -> Option<&str> {
        self.caller.scopes().map(|_| self.caller.subject())
    }

    /// Counts the call against the policy's rate limits; the limit it exceeds, if any (the
    /// call is then recorded as `rate_limited`, and does not run).
    pub(crate) fn rate_limited(&self) -> Option<super::Limited> {
        if self.limiters.is_empty() {
            return None;
        }
        let limited = self
            .limiters
            .check(self.name, self.permission, &self.caller)?;
        self.finish(Outcome::RateLimited, None);
        Some(limited)
    }

    /// True when the call must be confirmed by the user before it runs.
    pub(crate) fn needs_confirmation(&self) -> bool {
        self.decision == Decision::Confirm
    }

    /// Confirms, then runs the call `run` makes; only an explicit yes runs it (see
    /// [`Asking::confirm`]). A refusal is answered with `refuse(message)`. The question shows
    /// the capability, its risk and `arguments`.
    pub(crate) fn confirm_then<T, F>(
        &self,
        context: Context,
        arguments: Option<&str>,
        refuse: fn(String) -> T,
        run: impl FnOnce() -> F + Send + 'static,
    ) -> std::pin::Pin<Box<dyn Future<Output = T> + Send>>
    where
        T: Send + 'static,
        F: Future<Output = T> + Send,
    {
        let ended = Arc::clone(self.confirmation.get_or_init(Arc::default));
        let asking = Asking {
            kind: self.kind,
            name: self.name.to_owned(),
            risk: self.permission.risk,
            arguments: arguments.map(shown),
            ended,
        };
        Box::pin(async move {
            match asking.confirm(&context).await {
                Ok(()) => run().await,
                Err(message) => refuse(message),
            }
        })
    }

    /// Records how the call ended.
    pub(crate) fn finish(&self, outcome: Outcome, arguments: Option<&[u8]>) {
        let (refused, confirmed_by) = match self.confirmation.get() {
            Some(ended) => {
                let ended = lock(ended);
                (ended.refused, ended.confirmed_by.clone())
            }
            None => (None, None),
        };
        let label = refused.unwrap_or(match outcome {
            Outcome::Ok => "ok",
            Outcome::Error => "error",
            Outcome::Cancelled => "cancelled",
            Outcome::Panicked => "panicked",
            Outcome::Refused => "refused",
            Outcome::InputRequired => "input_required",
            Outcome::InvalidInput => "invalid_input",
            Outcome::TimedOut => "timed_out",
            Outcome::Blocked => "blocked",
            Outcome::RateLimited => "rate_limited",
        });
        let arguments = arguments
            .filter(|_| self.audit.keeps_arguments())
            .and_then(|raw| serde_json::from_slice(raw).ok());
        self.write("call", Some(label), arguments, confirmed_by);
    }

    /// The audit of a call that goes on as a task: its call record is written when the task
    /// ends, with the task's id and final outcome.
    pub(crate) fn detach(&self, arguments: Option<&[u8]>) -> TaskAudit {
        let confirmed_by = self
            .confirmation
            .get()
            .and_then(|ended| lock(ended).confirmed_by.clone());
        TaskAudit {
            audit: self.audit.clone(),
            wanted: self.audit.wants(self.decision.as_str()),
            kind: self.kind,
            name: self.name.to_owned(),
            risk: self.permission.risk,
            caller: self.caller.subject().to_owned(),
            decision: self.decision.as_str(),
            started: self.started,
            arguments: arguments
                .filter(|_| self.audit.keeps_arguments())
                .and_then(|raw| serde_json::from_slice(raw).ok()),
            confirmed_by,
        }
    }

    fn write(
        &self,
        event: &'static str,
        outcome: Option<&'static str>,
        arguments: Option<Value>,
        confirmed_by: Option<String>,
    ) {
        if !self.audit.wants(self.decision.as_str()) {
            return;
        }
        let call = event == "call";
        self.audit.record(&AuditRecord {
            time: rfc3339(SystemTime::now()),
            event,
            kind: self.kind.as_str(),
            capability: self.name.to_owned(),
            risk: self.permission.risk,
            caller: self.caller.subject().to_owned(),
            decision: self.decision.as_str(),
            reason: match &self.decision {
                Decision::Deny(reason) => Some(reason.to_string()),
                _ => None,
            },
            outcome,
            duration_ms: self
                .started
                .filter(|_| call)
                .map(|started| u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX)),
            arguments,
            confirmed_by,
            task_id: None,
        });
    }
}

/// The audit of a call that went on as a task, written when the task ends.
#[derive(Debug)]
pub(crate) struct TaskAudit {
    audit: AuditLog,
    wanted: bool,
    kind: Kind,
    name: String,
    risk: crate::permission::RiskLevel,
    caller: String,
    decision: &'static str,
    /// When the call began, if its records are written.
    started: Option<Instant>,
    arguments: Option<Value>,
    confirmed_by: Option<String>,
}

impl TaskAudit {
    /// Writes the call record: how the task ended (`ok`, `error`, `cancelled`, ...), and its
    /// id (none when the task could not be created).
    pub(crate) fn finish(self, outcome: &'static str, task_id: Option<&str>) {
        if !self.wanted {
            return;
        }
        self.audit.record(&AuditRecord {
            time: rfc3339(SystemTime::now()),
            event: "call",
            kind: self.kind.as_str(),
            capability: self.name,
            risk: self.risk,
            caller: self.caller,
            decision: self.decision,
            reason: None,
            outcome: Some(outcome),
            duration_ms: self
                .started
                .map(|started| u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX)),
            arguments: self.arguments,
            confirmed_by: self.confirmed_by,
            task_id: task_id.map(str::to_owned),
        });
    }
}

impl Asking {
    /// Asks the user to confirm through `context`; `Err` is the message to refuse the call
    /// with.
    ///
    /// Only an `accept` whose content is an object with `confirm` set to the boolean `true`
    /// counts as a yes. Anything else — a decline, a cancel, an accept with no content, with
    /// `confirm` false, missing, or not a boolean (`"true"`, `1`) — refuses the call.
    async fn confirm(&self, context: &Context) -> Result<(), String> {
        let arguments = match &self.arguments {
            Some(arguments) => format!(" with arguments {arguments}"),
            None => String::new(),
        };
        let message = format!(
            "Allow {} `{}` (risk: {}) to run{arguments}?",
            self.kind.as_str(),
            self.name,
            self.risk
        );
        let schema = json!({
            "type": "object",
            "properties": {
                "confirm": {
                    "type": "boolean",
                    "title": "Run it",
                    "description": format!("Run `{}`", self.name),
                    "default": false,
                }
            },
            "required": ["confirm"],
        });
        let refuse = |label: &'static str, message: String| {
            lock(&self.ended).refused = Some(label);
            Err(message)
        };
        let answer = context.elicit(&message, schema).asked_only().await;
        match answer {
            Ok(answer) if answer.action == ElicitAction::Accept => {
                let confirm = answer.content.as_ref().and_then(|c| c.get("confirm"));
                match confirm {
                    Some(Value::Bool(true)) => {
                        let by = context.answered_by().subject().to_owned();
                        lock(&self.ended).confirmed_by =
                            Some(by);
                        Ok(())
                    }
                    Some(Value::Bool(false)) => refuse(
                        "declined",
                        format!("The user did not confirm `{}`; it was not run.", self.name),
                    ),
                    _ => refuse(
                        "declined",
                        format!(
                            "The answer to the confirmation of `{}` was not a yes (an accept whose `confirm` is `true`); it was not run.",
                            self.name
                        ),
                    ),
                }
            }
            Ok(answer) => refuse(
                "declined",
                format!(
                    "The user {} the confirmation of `{}`; it was not run.",
                    match answer.action {
                        ElicitAction::Decline => "declined",
                        _ => "cancelled",
                    },
                    self.name
                ),
            ),
            Err(error) if error.code == code::MISSING_REQUIRED_CLIENT_CAPABILITY => refuse(
                "unconfirmable",
                format!(
                    "`{}` needs the user's confirmation (risk: {}), but this client cannot ask the user: it did not declare the `elicitation` capability. The call was refused; nothing ran.",
                    self.name, self.risk
                ),
            ),
            Err(error) => refuse(
                "unconfirmable",
                format!(
                    "`{}` needs the user's confirmation (risk: {}), but the client could not be asked ({}). The call was refused; nothing ran.",
                    self.name, self.risk, error.message
                ),
            ),
        }
    }
}

/// The arguments as shown to the user: whole up to [`SHOWN_ARGUMENTS`] bytes, else cut there
/// (on a character boundary) with the full length said.
fn shown(arguments: &str) -> String {
    if arguments.len() <= SHOWN_ARGUMENTS {
        return arguments.to_owned();
    }
    let mut end = SHOWN_ARGUMENTS;
    while !arguments.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… ({} bytes in all)", &arguments[..end], arguments.len())
}

fn required_scopes(reason: &DenyReason) -> &[String] {
    match reason {
        DenyReason::MissingScopes { required, .. } => required,
        _ => &[],
    }
}
