//! Where a [`Policy`] comes from besides code: TOML text or a file, and the `MCP_POLICY_*`
//! environment variables; and the errors that name the file, line and key at fault.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use super::policy::{glob_of, Settings};
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

/// The file format, for deserialisation; unknown keys are errors.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    risk: RiskSection,
    #[serde(default)]
    capabilities: CapabilitySection,
    #[serde(default)]
    scopes: BTreeMap<toml::Spanned<String>, Vec<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RiskSection {
    allow_up_to: Option<RiskLevel>,
    confirm_up_to: Option<RiskLevel>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct CapabilitySection {
    allow: Option<Vec<toml::Spanned<String>>>,
    deny: Option<Vec<toml::Spanned<String>>>,
    show_denied: Option<bool>,
}

/// The environment variable naming a policy file.
pub const POLICY_FILE_VAR: &str = "MCP_POLICY";

impl Policy {
    /// Reads a policy from TOML text; `source_name` names it in errors.
    pub fn from_toml(text: &str, source_name: &str) -> Result<Policy, PolicyError> {
        let file: File = toml::from_str(text).map_err(|e| {
            let line = e.span().map(|span| line_of(text, span.start));
            let (key, message) = split_toml_message(e.message(), text, e.span());
            PolicyError {
                source_name: source_name.to_owned(),
                line,
                key,
                message,
            }
        })?;
        // Every glob is checked where it is written, however the key is spelled (a section,
        // a dotted key, an inline table), so that an error names its line.
        let check = |key: String, glob: &toml::Spanned<String>| {
            glob_of(glob.get_ref()).map_err(|message| PolicyError {
                source_name: source_name.to_owned(),
                line: Some(line_of(text, glob.span().start)),
                key: Some(key),
                message,
            })
        };
        let globs = |key: &str, list: Option<Vec<toml::Spanned<String>>>| {
            list.map(|list| {
                list.into_iter()
                    .map(|glob| check(key.to_owned(), &glob).map(|_| glob.into_inner()))
                    .collect::<Result<Vec<String>, PolicyError>>()
            })
            .transpose()
        };
        let mut scopes = BTreeMap::new();
        for (glob, needed) in file.scopes {
            check(format!("scopes.\"{}\"", glob.get_ref()), &glob)?;
            scopes.insert(glob.into_inner(), needed);
        }
        let settings = Settings {
            allow_up_to: file.risk.allow_up_to,
            confirm_up_to: file.risk.confirm_up_to,
            allow: globs("capabilities.allow", file.capabilities.allow)?,
            deny: globs("capabilities.deny", file.capabilities.deny)?,
            show_denied: file.capabilities.show_denied,
            scopes,
        };
        Policy::compile(settings).map_err(|(key, message)| PolicyError {
            source_name: source_name.to_owned(),
            line: find_line(text, &key),
            key: Some(key),
            message,
        })
    }

    /// Reads a policy file.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Policy, PolicyError> {
        let path = path.as_ref();
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| PolicyError {
            source_name: name.clone(),
            line: None,
            key: None,
            message: format!("cannot read the policy file: {e}"),
        })?;
        Policy::from_toml(&text, &name)
    }

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

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// The dotted key a TOML error is about, read from the text around its span, and the
/// message without toml's own rendering of the location.
fn split_toml_message(
    message: &str,
    text: &str,
    span: Option<std::ops::Range<usize>>,
) -> (Option<String>, String) {
    let key = span.and_then(|span| key_at(text, span.start));
    (key, message.trim().to_owned())
}

/// The `section.key` whose line holds `offset`, or the section alone for a header line.
fn key_at(text: &str, offset: usize) -> Option<String> {
    let mut section = String::new();
    let mut position = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim();
        let end = position + line.len();
        if let Some(header) = trimmed.strip_prefix('[') {
            section = header
                .split(']')
                .next()
                .unwrap_or_default()
                .trim()
                .to_owned();
            if (position..end).contains(&offset) {
                return Some(section);
            }
        } else if (position..end).contains(&offset) {
            let key = trimmed.split('=').next()?.trim();
            if key.is_empty() || key.starts_with('#') {
                return (!section.is_empty()).then_some(section);
            }
            return Some(if section.is_empty() {
                key.to_owned()
            } else {
                format!("{section}.{key}")
            });
        }
        position = end;
    }
    None
}

/// The line where the dotted `key` is written, for errors found after parsing.
fn find_line(text: &str, key: &str) -> Option<usize> {
    let (section, name) = key.split_once('.')?;
    let name = name.trim_matches('"');
    let mut in_section = false;
    for (index, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        if let Some(header) = trimmed.strip_prefix('[') {
            in_section = header.split(']').next().map(str::trim) == Some(section);
        } else if in_section {
            let written = trimmed.split('=').next().unwrap_or_default().trim();
            if written.trim_matches('"') == name {
                return Some(index + 1);
            }
        }
    }
    None
}
