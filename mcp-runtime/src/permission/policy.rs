//! [`Policy`]: who may run what, decided per capability and caller.
//!
//! A policy comes from three sources, merged in this order, each later source winning per
//! key: code ([`Server::policy`](crate::Server::policy)), a TOML file (`--policy FILE` or
//! `MCP_POLICY=FILE`; the `policy-file` feature), then environment variables (`MCP_POLICY_ALLOW_UP_TO`,
//! `MCP_POLICY_CONFIRM_UP_TO`, `MCP_POLICY_ALLOW`, `MCP_POLICY_DENY`,
//! `MCP_POLICY_SHOW_DENIED`).
//!
//! ```toml
//! [risk]
//! allow_up_to   = "medium"    # highest risk that runs without asking
//! confirm_up_to = "critical"  # up to this: ask the user first; above: denied
//!
//! [capabilities]
//! allow = ["query_*"]         # run without asking, whatever the risk
//! deny  = ["close_account"]   # hidden and refused; deny wins over allow
//! show_denied = false         # true: keep denied capabilities listed
//!
//! [scopes]                    # extra scopes a caller must hold, per capability
//! "transfer_*" = ["accounts:write"]
//! ```

use std::collections::BTreeMap;
use std::fmt;

use super::glob::Glob;
use super::{Caller, Permission, RiskLevel};

/// Rules deciding, per capability and caller, whether a call runs, asks the user first, or
/// is refused.
///
/// Unset keys keep their defaults: everything up to `medium` runs, `high` and `critical`
/// ask the user first, nothing is denied by risk or by name, and denied capabilities are
/// hidden from lists.
///
/// Capabilities are named by globs, each matching a whole name, case-sensitively: `*` matches
/// any run of characters (empty included), `?` any one character, `[a-z]` one character in
/// the class and `[!a-z]` one not in it, `{query_*,list_*}` any of the comma-separated globs,
/// and `\` makes the next character literal (`\*`).
///
/// ```
/// use mcp_runtime::permission::{Caller, Decision, Policy};
/// use mcp_runtime::{Permission, RiskLevel};
///
/// let policy = Policy::new()
///     .confirm_up_to(RiskLevel::High)
///     .allow(["query_*"])
///     .deny(["close_account"]);
/// let local = Caller::local();
/// let critical = Permission::new(RiskLevel::Critical);
/// assert!(matches!(policy.decide("wipe", &critical, &local), Decision::Deny(_)));
/// assert_eq!(policy.decide("rename", &Permission::new(RiskLevel::High), &local), Decision::Confirm);
/// assert_eq!(policy.decide("query_all", &critical, &local), Decision::Allow);
/// ```
#[derive(Clone, Default)]
pub struct Policy {
    settings: Settings,
    compiled: Compiled,
}

/// The keys as written, each unset until a source sets it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Settings {
    pub(super) allow_up_to: Option<RiskLevel>,
    pub(super) confirm_up_to: Option<RiskLevel>,
    pub(super) allow: Option<Vec<String>>,
    pub(super) deny: Option<Vec<String>>,
    pub(super) show_denied: Option<bool>,
    pub(super) scopes: BTreeMap<String, Vec<String>>,
    pub(super) limits: Vec<super::RateLimit>,
}

/// The globs, compiled once, in the order written.
#[derive(Clone, Default)]
struct Compiled {
    allow: Option<Vec<Glob>>,
    deny: Option<Vec<Glob>>,
    scopes: Vec<(Glob, Vec<String>)>,
}

/// What a policy decided for one call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Run it.
    Allow,
    /// Ask the user first (through elicitation); run only on an explicit accept.
    Confirm,
    /// Refuse it; nothing runs.
    Deny(DenyReason),
}

impl Decision {
    /// The decision's name in audit records: `allow`, `confirm` or `deny`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Decision::Allow => "allow",
            Decision::Confirm => "confirm",
            Decision::Deny(_) => "deny",
        }
    }
}

/// Which rule denied a call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DenyReason {
    /// A `[capabilities] deny` glob matched the name.
    Listed {
        /// The glob that matched.
        pattern: String,
    },
    /// The capability's risk is above `[risk] confirm_up_to`.
    RiskAboveLimit {
        /// The capability's risk.
        risk: RiskLevel,
        /// The highest risk the policy lets run at all.
        limit: RiskLevel,
    },
    /// The caller lacks scopes the capability (or the policy's `[scopes]`) requires.
    MissingScopes {
        /// Every scope the capability needs.
        required: Vec<String>,
        /// Those the caller does not hold.
        missing: Vec<String>,
    },
}

impl DenyReason {
    /// True when the denial depends on the caller (scopes), not on the capability alone.
    pub fn is_per_caller(&self) -> bool {
        matches!(self, DenyReason::MissingScopes { .. })
    }
}

impl fmt::Display for DenyReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DenyReason::Listed { pattern } => {
                write!(
                    f,
                    "the policy denies it ([capabilities] deny = \"{pattern}\")"
                )
            }
            DenyReason::RiskAboveLimit { risk, limit } => write!(
                f,
                "its risk `{risk}` is above the policy's limit ([risk] confirm_up_to = \"{limit}\")"
            ),
            DenyReason::MissingScopes { missing, .. } => {
                write!(f, "the caller lacks the scope(s): {}", missing.join(" "))
            }
        }
    }
}

impl Policy {
    /// A policy with every key unset: the defaults apply.
    pub fn new() -> Self {
        Policy::default()
    }

    /// The highest risk that runs without asking (default `medium`).
    pub fn allow_up_to(mut self, level: RiskLevel) -> Self {
        self.settings.allow_up_to = Some(level);
        self.recompile()
    }

    /// The highest risk that may run at all, after the user confirms (default `critical`);
    /// anything above is denied.
    pub fn confirm_up_to(mut self, level: RiskLevel) -> Self {
        self.settings.confirm_up_to = Some(level);
        self.recompile()
    }

    /// Globs on capability names that run without asking, whatever their risk.
    ///
    /// # Panics
    /// When a glob is malformed (code is checked by its author; files and the environment
    /// get a [`PolicyError`](super::PolicyError) instead).
    pub fn allow<I, S>(mut self, globs: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.settings.allow = Some(globs.into_iter().map(Into::into).collect());
        self.recompile_or_panic()
    }

    /// Globs on capability names that are denied: hidden from lists and refused. Deny wins
    /// over allow.
    ///
    /// # Panics
    /// When a glob is malformed.
    pub fn deny<I, S>(mut self, globs: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.settings.deny = Some(globs.into_iter().map(Into::into).collect());
        self.recompile_or_panic()
    }

    /// Keeps denied capabilities listed (with their risk) instead of hiding them.
    pub fn show_denied(mut self, show: bool) -> Self {
        self.settings.show_denied = Some(show);
        self.recompile()
    }

    /// Scopes a caller must hold to use the capabilities whose name matches `glob`, on top
    /// of those the capability declares.
    ///
    /// # Panics
    /// When the glob is malformed.
    pub fn require_scopes<I, S>(mut self, glob: impl Into<String>, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.settings
            .scopes
            .insert(glob.into(), scopes.into_iter().map(Into::into).collect());
        self.recompile_or_panic()
    }

    /// This policy with `later`'s keys laid over it: every key `later` sets wins; `[scopes]`
    /// merge per glob.
    pub fn merge(self, later: Policy) -> Policy {
        let mut settings = self.settings;
        let later = later.settings;
        settings.allow_up_to = later.allow_up_to.or(settings.allow_up_to);
        settings.confirm_up_to = later.confirm_up_to.or(settings.confirm_up_to);
        settings.allow = later.allow.or(settings.allow);
        settings.deny = later.deny.or(settings.deny);
        settings.show_denied = later.show_denied.or(settings.show_denied);
        settings.scopes.extend(later.scopes);
        settings.limits.extend(later.limits);
        Policy::compile(settings).expect("globs already compiled once")
    }

    /// Adds a rate limit (see [`RateLimit`](super::RateLimit)); every limit a call matches
    /// counts it.
    pub fn limit(mut self, limit: super::RateLimit) -> Self {
        self.settings.limits.push(limit);
        self
    }

    /// The rate limits, in the order added.
    pub fn limits(&self) -> &[super::RateLimit] {
        &self.settings.limits
    }

    /// Whether denied capabilities stay listed (default: hidden).
    pub fn shows_denied(&self) -> bool {
        self.settings.show_denied.unwrap_or(false)
    }

    /// The highest risk that runs without asking.
    pub fn allowed_up_to(&self) -> RiskLevel {
        self.settings.allow_up_to.unwrap_or(RiskLevel::Medium)
    }

    /// The highest risk that may run at all.
    pub fn confirmed_up_to(&self) -> RiskLevel {
        self.settings.confirm_up_to.unwrap_or(RiskLevel::Critical)
    }

    /// Every scope a call to `name` needs: the declared ones, then the policy's.
    pub fn required_scopes(&self, name: &str, permission: &Permission) -> Vec<String> {
        let mut scopes = permission.scopes.clone();
        for (glob, extra) in &self.compiled.scopes {
            if glob.is_match(name) {
                for scope in extra {
                    if !scopes.contains(scope) {
                        scopes.push(scope.clone());
                    }
                }
            }
        }
        scopes
    }

    /// The decision that does not depend on the caller: deny lists and risk. Lists are
    /// filtered with it.
    pub fn decide_static(&self, name: &str, permission: &Permission) -> Decision {
        if let Some(pattern) = self.matching(&self.compiled.deny, &self.settings.deny, name) {
            return Decision::Deny(DenyReason::Listed { pattern });
        }
        if self
            .matching(&self.compiled.allow, &self.settings.allow, name)
            .is_some()
        {
            return Decision::Allow;
        }
        let risk = permission.risk;
        if risk <= self.allowed_up_to() {
            Decision::Allow
        } else if risk <= self.confirmed_up_to() {
            Decision::Confirm
        } else {
            Decision::Deny(DenyReason::RiskAboveLimit {
                risk,
                limit: self.confirmed_up_to(),
            })
        }
    }

    /// Decides a call to the capability `name` by `caller`: deny lists first, then the
    /// caller's scopes, then allow lists, then the risk levels.
    pub fn decide(&self, name: &str, permission: &Permission, caller: &Caller) -> Decision {
        let decision = self.decide_static(name, permission);
        if let Decision::Deny(_) = decision {
            return decision;
        }
        if let Some(held) = caller.scopes() {
            let required = self.required_scopes(name, permission);
            let missing: Vec<String> = required
                .iter()
                .filter(|s| !held.contains(s.as_str()))
                .cloned()
                .collect();
            if !missing.is_empty() {
                return Decision::Deny(DenyReason::MissingScopes { required, missing });
            }
        }
        decision
    }

    /// The first glob (as written) in the list that matches `name`.
    fn matching(
        &self,
        compiled: &Option<Vec<Glob>>,
        written: &Option<Vec<String>>,
        name: &str,
    ) -> Option<String> {
        let index = compiled.as_ref()?.iter().position(|g| g.is_match(name))?;
        written.as_ref().map(|g| g[index].clone())
    }

    fn recompile(self) -> Self {
        Policy::compile(self.settings).expect("globs already compiled once")
    }

    fn recompile_or_panic(self) -> Self {
        match Policy::compile(self.settings) {
            Ok(policy) => policy,
            Err((key, message)) => panic!("invalid policy glob in `{key}`: {message}"),
        }
    }

    /// Compiles the globs; on failure, the key at fault and why.
    pub(super) fn compile(settings: Settings) -> Result<Policy, (String, String)> {
        let list = |key: &str, globs: &Option<Vec<String>>| {
            globs
                .as_ref()
                .map(|globs| {
                    globs
                        .iter()
                        .map(|glob| glob_of(glob).map_err(|m| (key.to_owned(), m)))
                        .collect::<Result<Vec<Glob>, (String, String)>>()
                })
                .transpose()
        };
        let allow = list("capabilities.allow", &settings.allow)?;
        let deny = list("capabilities.deny", &settings.deny)?;
        for (index, limit) in settings.limits.iter().enumerate() {
            for glob in &limit.capabilities {
                glob_of(glob).map_err(|m| (format!("limits[{index}].capabilities"), m))?;
            }
        }
        let mut scopes = Vec::with_capacity(settings.scopes.len());
        for (glob, needed) in &settings.scopes {
            let matcher = glob_of(glob).map_err(|m| (format!("scopes.\"{glob}\""), m))?;
            scopes.push((matcher, needed.clone()));
        }
        Ok(Policy {
            settings,
            compiled: Compiled {
                allow,
                deny,
                scopes,
            },
        })
    }
}

pub(super) fn glob_of(pattern: &str) -> Result<Glob, String> {
    Glob::new(pattern).map_err(|e| format!("invalid glob `{pattern}`: {e}"))
}

impl fmt::Debug for Policy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Policy")
            .field("allow_up_to", &self.allowed_up_to())
            .field("confirm_up_to", &self.confirmed_up_to())
            .field("allow", &self.settings.allow)
            .field("deny", &self.settings.deny)
            .field("show_denied", &self.shows_denied())
            .field("scopes", &self.settings.scopes)
            .finish()
    }
}

impl PartialEq for Policy {
    fn eq(&self, other: &Self) -> bool {
        self.settings == other.settings
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn perm(risk: RiskLevel) -> Permission {
        Permission::new(risk)
    }

    #[test]
    fn the_default_runs_low_and_medium_and_asks_for_high_and_critical() {
        let policy = Policy::new();
        let local = Caller::local();
        assert_eq!(
            policy.decide("a", &perm(RiskLevel::Low), &local),
            Decision::Allow
        );
        assert_eq!(
            policy.decide("a", &perm(RiskLevel::Medium), &local),
            Decision::Allow
        );
        assert_eq!(
            policy.decide("a", &perm(RiskLevel::High), &local),
            Decision::Confirm
        );
        assert_eq!(
            policy.decide("a", &perm(RiskLevel::Critical), &local),
            Decision::Confirm
        );
        assert!(!policy.shows_denied());
    }

    #[cfg(feature = "policy-file")]
    #[test]
    fn the_file_format_reads_every_key() {
        let policy = Policy::from_toml(
            r#"
[risk]
allow_up_to = "low"
confirm_up_to = "high"

[capabilities]
allow = ["query_*"]
deny = ["close_account"]
show_denied = true

[scopes]
"transfer_*" = ["accounts:write"]
"#,
            "policy.toml",
        )
        .unwrap();
        let local = Caller::local();
        assert_eq!(
            policy.decide("x", &perm(RiskLevel::Medium), &local),
            Decision::Confirm
        );
        assert_eq!(
            policy.decide("x", &perm(RiskLevel::Critical), &local),
            Decision::Deny(DenyReason::RiskAboveLimit {
                risk: RiskLevel::Critical,
                limit: RiskLevel::High
            })
        );
        assert_eq!(
            policy.decide("query_all", &perm(RiskLevel::Critical), &local),
            Decision::Allow
        );
        assert_eq!(
            policy.decide("close_account", &perm(RiskLevel::Low), &local),
            Decision::Deny(DenyReason::Listed {
                pattern: "close_account".into()
            })
        );
        assert!(policy.shows_denied());
        assert_eq!(
            policy.required_scopes("transfer_funds", &perm(RiskLevel::Low)),
            ["accounts:write"]
        );
        let reader = Caller::new("bob", ["accounts:read"]);
        assert_eq!(
            policy.decide("transfer_funds", &perm(RiskLevel::Low), &reader),
            Decision::Deny(DenyReason::MissingScopes {
                required: vec!["accounts:write".into()],
                missing: vec!["accounts:write".into()],
            })
        );
    }

    #[test]
    fn deny_wins_over_allow() {
        let policy = Policy::new().allow(["*"]).deny(["drop_*"]);
        let decision = policy.decide("drop_table", &perm(RiskLevel::Low), &Caller::local());
        assert!(matches!(
            decision,
            Decision::Deny(DenyReason::Listed { .. })
        ));
    }

    #[cfg(feature = "policy-file")]
    #[test]
    fn a_malformed_file_names_the_line_and_key() {
        let text = "[risk]\nallow_up_to = \"medium\"\nconfirm_up_to = \"severe\"\n";
        let err = Policy::from_toml(text, "p.toml").unwrap_err();
        assert_eq!(err.line, Some(3));
        assert_eq!(err.key.as_deref(), Some("risk.confirm_up_to"));
        assert!(
            err.to_string()
                .starts_with("p.toml:3: key `risk.confirm_up_to`: "),
            "{err}"
        );
        assert!(err.to_string().contains("severe"), "{err}");

        let err = Policy::from_toml("[capabilities]\nallow = [\"a\"]\nhide = true\n", "p.toml")
            .unwrap_err();
        assert_eq!(err.line, Some(3));
        assert!(err.to_string().contains("hide"), "{err}");

        let err = Policy::from_toml("[capabilities]\ndeny = [\"a[\"]\n", "p.toml").unwrap_err();
        assert_eq!(err.line, Some(2));
        assert_eq!(err.key.as_deref(), Some("capabilities.deny"));

        let err = Policy::from_toml("[risk\n", "p.toml").unwrap_err();
        assert_eq!(err.line, Some(1));
    }

    #[cfg(feature = "policy-file")]
    #[test]
    fn later_sources_win_per_key() {
        let code = Policy::new().allow_up_to(RiskLevel::Low).deny(["a"]);
        let file = Policy::from_toml("[risk]\nallow_up_to = \"high\"\n", "f").unwrap();
        let env = Policy::from_vars(|name| (name == "MCP_POLICY_DENY").then(|| "b, c".to_owned()))
            .unwrap();
        let merged = code.merge(file).merge(env);
        assert_eq!(merged.allowed_up_to(), RiskLevel::High);
        let local = Caller::local();
        assert_eq!(
            merged.decide("a", &perm(RiskLevel::Low), &local),
            Decision::Allow
        );
        assert!(matches!(
            merged.decide("c", &perm(RiskLevel::Low), &local),
            Decision::Deny(_)
        ));
    }

    #[test]
    fn bad_environment_values_name_the_variable() {
        let err = Policy::from_vars(|name| {
            (name == "MCP_POLICY_ALLOW_UP_TO").then(|| "extreme".to_owned())
        })
        .unwrap_err();
        assert!(
            err.to_string()
                .starts_with("environment variable MCP_POLICY_ALLOW_UP_TO: unknown risk level"),
            "{err}"
        );
    }
}
