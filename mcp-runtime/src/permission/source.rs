//! Where a [`Policy`] comes from besides code: the `MCP_POLICY_*` environment variables (a TOML
//! file is read in `file.rs`); and the error that names the source, line and key at fault.

use std::collections::BTreeMap;

use super::policy::Settings;
use super::{Policy, RiskLevel};

/// A policy that could not be read: the file, line and key at fault, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{message}", location(.source_name, *.line, .key))]
pub struct PolicyError {
    /// The file or variable the policy came from.
    pub source_name: String,
    /// The 1-based line of the problem, when it is in a file.
    pub line: Option<usize>,
    /// The key at fault, such as `risk.allow_up_to`.
    pub key: Option<String>,
    /// What is wrong and how to fix it.
    pub message: String,
}

fn location(source: &str, line: Option<usize>, key: &Option<String>) -> String {
    let mut at = source.to_owned();
    if let Some(line) = line {
        at.push_str(&format!(":{line}"));
    }
    if let Some(key) = key {
        at.push_str(&format!(": key `{key}`"));
    }
    at + ": "
}

/// The environment variable naming a policy file (read by [`Serve::serve_from_args`]
/// with the `policy-file` feature; without it, setting it is an error).
///
/// [`Serve::serve_from_args`]: crate::Serve::serve_from_args
pub const POLICY_FILE_VAR: &str = "MCP_POLICY";

impl Policy {
    /// Reads the `MCP_POLICY_*` variables from the process environment.
    pub fn from_env() -> Result<Policy, PolicyError> {
        Policy::from_vars(|name| std::env::var(name).ok())
    }

    /// Reads the `MCP_POLICY_*` variables through `get` (for tests and embedding).
    pub fn from_vars(get: impl Fn(&str) -> Option<String>) -> Result<Policy, PolicyError> {
        let error = |var: &str, message: String| PolicyError {
            source_name: format!("environment variable {var}"),
            line: None,
            key: None,
            message,
        };
        let level = |var: &str| -> Result<Option<RiskLevel>, PolicyError> {
            get(var)
                .map(|v| v.trim().parse().map_err(|e| error(var, format!("{e}"))))
                .transpose()
        };
        let globs = |var: &str| -> Option<Vec<String>> {
            get(var).map(|v| {
                v.split(',')
                    .map(str::trim)
                    .filter(|g| !g.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
        };
        let show_denied = match get("MCP_POLICY_SHOW_DENIED").as_deref().map(str::trim) {
            None => None,
            Some("1" | "true" | "yes") => Some(true),
            Some("0" | "false" | "no") => Some(false),
            Some(other) => {
                return Err(error(
                    "MCP_POLICY_SHOW_DENIED",
                    format!("`{other}` is not a boolean; write true or false"),
                ))
            }
        };
        let settings = Settings {
            allow_up_to: level("MCP_POLICY_ALLOW_UP_TO")?,
            confirm_up_to: level("MCP_POLICY_CONFIRM_UP_TO")?,
            allow: globs("MCP_POLICY_ALLOW"),
            deny: globs("MCP_POLICY_DENY"),
            show_denied,
            scopes: BTreeMap::new(),
            limits: Vec::new(),
        };
        Policy::compile(settings).map_err(|(key, message)| {
            let var = if key.ends_with("allow") {
                "MCP_POLICY_ALLOW"
            } else {
                "MCP_POLICY_DENY"
            };
            error(var, message)
        })
    }
}
