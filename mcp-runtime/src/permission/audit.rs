//! The audit log: one structured record per policy decision and per call.
//!
//! Records go to `tracing` (target `mcp_runtime::audit`: denials and confirmations at
//! `info`, routine allowed calls at `debug`) and, when configured
//! (`--audit FILE` or [`Server::audit`](crate::Server::audit)), to a JSON-lines file, one
//! object per line:
//!
//! ```json
//! {"time":"2026-07-28T10:00:00.123Z","event":"decision","kind":"tool","capability":"close_account","risk":"critical","caller":"local","decision":"deny","reason":"the policy denies it ([capabilities] deny = \"close_*\")"}
//! {"time":"2026-07-28T10:00:01.456Z","event":"call","kind":"tool","capability":"transfer","risk":"high","caller":"alice","decision":"confirm","outcome":"ok","durationMs":12}
//! ```
//!
//! Argument values and tokens are never written, unless the log is built with
//! [`AuditLog::with_arguments`].

use crate::sync::lock;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Serialize;
use serde_json::Value;

use super::RiskLevel;

/// One audit record.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct AuditRecord {
    /// When it happened, RFC 3339 in UTC.
    pub time: String,
    /// `decision` (the policy decided) or `call` (a call ended).
    pub event: &'static str,
    /// `tool`, `resource` or `prompt`.
    pub kind: &'static str,
    /// The capability's name (a resource's URI).
    pub capability: String,
    /// The capability's declared risk.
    pub risk: RiskLevel,
    /// The caller's subject (`local` for the local user).
    pub caller: String,
    /// `allow`, `confirm` or `deny`.
    pub decision: &'static str,
    /// For a denial: the rule that denied it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// For a call: `ok`, `error`, `refused` (denied, nothing ran), `declined` (the user did
    /// not confirm), `unconfirmable` (the client could not ask), `input_required` (a 2026-07-28 call that
    /// asked the client and ends until its retry), `invalid_input` (its `requestState` or
    /// answers were refused, nothing ran), `timed_out`, `cancelled`, `panicked`, `blocked`
    /// (a layer answered in the server's place, nothing ran) or `rate_limited` (over a rate
    /// limit of the policy, nothing ran).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<&'static str>,
    /// For a call: how long it took, in milliseconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<u64>,
    /// The call's arguments, only when the log is configured to keep them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arguments: Option<Value>,
    /// For a confirmed call: the subject who answered the confirmation (`local` for the local
    /// user).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confirmed_by: Option<String>,
    /// For a call that went on as a task: the task's id (the record is written when the task
    /// ends, with its final outcome).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_id: Option<String>,
}

/// Where audit records go: always `tracing`, and a JSON-lines file when one is set.
///
/// ```no_run
/// use mcp_runtime::permission::AuditLog;
///
/// let log = AuditLog::to_file("audit.jsonl")?;
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct AuditLog {
    file: Option<Arc<Mutex<File>>>,
    arguments: bool,
}

impl AuditLog {
    /// Records to `tracing` only.
    pub fn tracing_only() -> Self {
        AuditLog::default()
    }

    /// Records to `tracing` and appends them to the file at `path` (created if missing).
    pub fn to_file(path: impl AsRef<Path>) -> std::io::Result<Self> {
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path.as_ref())?;
        Ok(AuditLog {
            file: Some(Arc::new(Mutex::new(file))),
            arguments: false,
        })
    }

    /// Also records the arguments of each call. They may hold personal data or secrets:
    /// keep this off unless the log is protected accordingly.
    pub fn with_arguments(mut self, keep: bool) -> Self {
        self.arguments = keep;
        self
    }

    /// True when call arguments are recorded.
    pub fn keeps_arguments(&self) -> bool {
        self.arguments
    }

    /// True when a record of a call decided `decision` goes anywhere: to the file, or to
    /// `tracing` at the level such records use. Lets the hot path skip building records
    /// nobody reads.
    pub fn wants(&self, decision: &str) -> bool {
        self.file.is_some()
            || if decision == "allow" {
                tracing::enabled!(target: "mcp_runtime::audit", tracing::Level::DEBUG)
            } else {
                tracing::enabled!(target: "mcp_runtime::audit", tracing::Level::INFO)
            }
    }

    /// Writes one record.
    pub fn record(&self, record: &AuditRecord) {
        macro_rules! emit {
            ($level:ident) => {
                tracing::$level!(
                    target: "mcp_runtime::audit",
                    event = record.event,
                    kind = record.kind,
                    capability = %record.capability,
                    risk = %record.risk,
                    caller = %record.caller,
                    decision = record.decision,
                    reason = record.reason.as_deref(),
                    outcome = record.outcome,
                    duration_ms = record.duration_ms,
                    "audit"
                )
            };
        }
        if record.decision == "allow" {
            emit!(debug);
        } else {
            emit!(info);
        }
        let Some(file) = &self.file else { return };
        let mut line = serde_json::to_vec(record).expect("an audit record always serialises");
        line.push(b'\n');
        let mut file = lock(file);
        if let Err(error) = file.write_all(&line) {
            tracing::error!(%error, "cannot write the audit file");
        }
    }
}

/// `time` as RFC 3339 in UTC with milliseconds, such as `2026-07-28T10:00:00.123Z`.
pub(crate) fn rfc3339(time: SystemTime) -> String {
    let since = time.duration_since(UNIX_EPOCH).unwrap_or(Duration::ZERO);
    let seconds = since.as_secs();
    let (days, rest) = (seconds / 86_400, seconds % 86_400);
    let (year, month, day) = civil_from_days(days as i64);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60,
        since.subsec_millis()
    )
}

/// Howard Hinnant's days-to-civil conversion (proleptic Gregorian calendar).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_rfc3339_utc() {
        assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
        let t = UNIX_EPOCH + Duration::from_millis(1_785_232_800_123);
        assert_eq!(rfc3339(t), "2026-07-28T10:00:00.123Z");
        let leap = UNIX_EPOCH + Duration::from_secs(951_782_400);
        assert_eq!(rfc3339(leap), "2000-02-29T00:00:00.000Z");
    }

    #[test]
    fn records_are_json_lines_without_arguments_by_default() {
        let path = std::env::temp_dir().join(format!("audit-unit-{}.jsonl", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let log = AuditLog::to_file(&path).unwrap();
        assert!(!log.keeps_arguments());
        log.record(&AuditRecord {
            time: rfc3339(UNIX_EPOCH),
            event: "decision",
            kind: "tool",
            capability: "wipe".into(),
            risk: RiskLevel::Critical,
            caller: "local".into(),
            decision: "deny",
            reason: Some("because".into()),
            outcome: None,
            duration_ms: None,
            arguments: None,
            confirmed_by: None,
            task_id: None,
        });
        let text = std::fs::read_to_string(&path).unwrap();
        let record: Value = serde_json::from_str(text.trim()).unwrap();
        assert_eq!(record["capability"], "wipe");
        assert_eq!(record["risk"], "critical");
        assert_eq!(record["decision"], "deny");
        assert!(record.get("arguments").is_none());
        let _ = std::fs::remove_file(&path);
    }
}
