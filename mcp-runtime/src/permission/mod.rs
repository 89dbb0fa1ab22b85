//! Permissions: what each capability may do, and who may use it.
//!
//! * Every capability declares a [`Permission`]: a [`RiskLevel`] and the scopes a caller must
//!   hold. `#[tool(risk = "high", scopes("accounts:write"))]` fills it at compile time (also
//!   on `#[resource]` and `#[prompt]`). Without `risk`, a capability is `low`, or `high` when
//!   it is `destructive`. It is published in the lists (under the `_meta` key
//!   [`PERMISSION_META_KEY`](crate::protocol::PERMISSION_META_KEY)) so that clients and
//!   reviewers see what each capability may do.
//! * A [`Policy`] decides per capability and [`Caller`]: allow, confirm (ask the user through
//!   elicitation first) or deny.
//! * Every decision and every call is written to the [`AuditLog`].

mod audit;
mod caller;
mod enforce;
#[cfg(feature = "policy-file")]
mod file;
mod glob;
mod limits;
mod policy;
mod source;

pub(crate) use audit::rfc3339;
pub use audit::{AuditLog, AuditRecord};
pub use caller::Caller;
pub use enforce::INSUFFICIENT_SCOPE;
pub(crate) use enforce::{Enforcer, Kind, Outcome, Refusal, TaskAudit};
pub use limits::{LimitScope, Rate, RateLimit, RATE_LIMITED};
pub(crate) use limits::{Limited, Limiters};
pub use policy::{Decision, DenyReason, Policy};
pub use source::{PolicyError, POLICY_FILE_VAR};

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// How much harm a capability can do if misused, from least to most.
///
/// Levels are ordered, so a policy can say "anything above `Medium`":
///
/// ```
/// use mcp_runtime::RiskLevel;
///
/// assert!(RiskLevel::Low < RiskLevel::Critical);
/// assert_eq!("high".parse::<RiskLevel>().unwrap(), RiskLevel::High);
/// assert_eq!(RiskLevel::default(), RiskLevel::Low);
/// ```
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum RiskLevel {
    /// Reads data the caller may see anyway; no side effects.
    #[default]
    Low,
    /// Changes data in a way that is easy to undo.
    Medium,
    /// Changes data in a way that is hard to undo, or moves value.
    High,
    /// Irreversible or far-reaching.
    Critical,
}

impl RiskLevel {
    /// Every level, lowest first.
    pub const ALL: [RiskLevel; 4] = [
        RiskLevel::Low,
        RiskLevel::Medium,
        RiskLevel::High,
        RiskLevel::Critical,
    ];

    /// The level's name as written in attributes and on the wire.
    pub const fn as_str(self) -> &'static str {
        match self {
            RiskLevel::Low => "low",
            RiskLevel::Medium => "medium",
            RiskLevel::High => "high",
            RiskLevel::Critical => "critical",
        }
    }
}

impl fmt::Display for RiskLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error for a string that names no risk level.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown risk level `{0}`; expected one of: low, medium, high, critical")]
pub struct UnknownRiskLevel(pub String);

impl FromStr for RiskLevel {
    type Err = UnknownRiskLevel;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        RiskLevel::ALL
            .into_iter()
            .find(|level| level.as_str() == s)
            .ok_or_else(|| UnknownRiskLevel(s.to_owned()))
    }
}

/// What a capability needs to run: its risk level and the scopes a caller must hold.
///
/// ```
/// use mcp_runtime::{Permission, RiskLevel};
///
/// let p = Permission::new(RiskLevel::High).with_scopes(["accounts:write"]);
/// assert_eq!(p.risk, RiskLevel::High);
/// assert_eq!(p.scopes, vec!["accounts:write".to_owned()]);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Permission {
    /// The declared risk level.
    pub risk: RiskLevel,
    /// Scopes a caller must hold, such as `accounts:write`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scopes: Vec<String>,
}

impl Permission {
    /// A permission at this risk level with no scopes.
    pub fn new(risk: RiskLevel) -> Self {
        Permission {
            risk,
            scopes: Vec::new(),
        }
    }

    /// Adds required scopes.
    pub fn with_scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.scopes.extend(scopes.into_iter().map(Into::into));
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_are_ordered_from_low_to_critical() {
        let mut sorted = RiskLevel::ALL;
        sorted.sort();
        assert_eq!(sorted, RiskLevel::ALL);
    }

    #[test]
    fn unknown_levels_are_rejected_with_the_valid_set() {
        let err = "severe".parse::<RiskLevel>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown risk level `severe`; expected one of: low, medium, high, critical"
        );
    }

    #[test]
    fn permission_serialises_lowercase_and_omits_empty_scopes() {
        let json = serde_json::to_value(Permission::new(RiskLevel::Critical)).unwrap();
        assert_eq!(json, serde_json::json!({"risk": "critical"}));
    }
}
