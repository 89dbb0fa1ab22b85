//! A [`Policy`] from TOML text or a file (the `policy-file` feature), with errors that name
//! the file, line and key at fault.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use super::policy::{glob_of, Settings};
use super::{Policy, PolicyError, Rate, RateLimit, RiskLevel};

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
    #[serde(default)]
    limits: Vec<LimitEntry>,
}

/// One `[[limits]]` table.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LimitEntry {
    rate: toml::Spanned<String>,
    #[serde(default)]
    per: Option<toml::Spanned<String>>,
    risk: Option<RiskLevel>,
    #[serde(default)]
    capabilities: Option<Vec<toml::Spanned<String>>>,
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

impl Policy {
    /// Reads a policy from TOML text; `source_name` names it in errors.
    ///
    /// Needs the `policy-file` feature (on by default).
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
        let mut limits = Vec::with_capacity(file.limits.len());
        for (index, entry) in file.limits.into_iter().enumerate() {
            let at = |span: std::ops::Range<usize>, key: &str, message: String| PolicyError {
                source_name: source_name.to_owned(),
                line: Some(line_of(text, span.start)),
                key: Some(format!("limits[{index}].{key}")),
                message,
            };
            let rate: Rate = entry
                .rate
                .get_ref()
                .parse()
                .map_err(|message| at(entry.rate.span(), "rate", message))?;
            let mut limit = match entry
                .per
                .as_ref()
                .map(|per| (per.get_ref().as_str(), per.span()))
            {
                None | Some(("caller", _)) => RateLimit::per_caller(rate),
                Some(("server", _)) => RateLimit::per_server(rate),
                Some((other, span)) => {
                    return Err(at(
                        span,
                        "per",
                        format!(
                            "`{other}` is not whom a limit counts; write \"caller\" or \"server\""
                        ),
                    ))
                }
            };
            if let Some(risk) = entry.risk {
                limit = limit.at_least(risk);
            }
            let key = format!("limits[{index}].capabilities");
            if let Some(list) = globs(&key, entry.capabilities)? {
                limit = limit.capabilities(list);
            }
            limits.push(limit);
        }
        let settings = Settings {
            allow_up_to: file.risk.allow_up_to,
            confirm_up_to: file.risk.confirm_up_to,
            allow: globs("capabilities.allow", file.capabilities.allow)?,
            deny: globs("capabilities.deny", file.capabilities.deny)?,
            show_denied: file.capabilities.show_denied,
            scopes,
            limits,
        };
        Policy::compile(settings).map_err(|(key, message)| PolicyError {
            source_name: source_name.to_owned(),
            line: find_line(text, &key),
            key: Some(key),
            message,
        })
    }

    /// Reads a policy file (TOML).
    ///
    /// Needs the `policy-file` feature (on by default).
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
