//! The comparison of two capability manifests (the JSON a server prints for `--manifest`).

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::fmt;

use serde_json::{Map, Value};

/// The risk level of a capability, from the least to the most dangerous.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Risk {
    /// Reads, no side effects worth asking about.
    Low,
    /// Side effects that are easy to undo.
    Medium,
    /// Side effects that are hard to undo.
    High,
    /// Side effects that cannot be undone, or access to everything.
    Critical,
}

impl Risk {
    /// Parses the level as the manifest spells it (`"low"`, `"medium"`, `"high"`, `"critical"`).
    pub fn parse(text: &str) -> Option<Risk> {
        match text {
            "low" => Some(Risk::Low),
            "medium" => Some(Risk::Medium),
            "high" => Some(Risk::High),
            "critical" => Some(Risk::Critical),
            _ => None,
        }
    }

    /// The level as the manifest spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Risk::Low => "low",
            Risk::Medium => "medium",
            Risk::High => "high",
            Risk::Critical => "critical",
        }
    }
}

impl fmt::Display for Risk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The kind of a capability: the manifest's `tools`, `resources` and `prompts`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// An entry of `tools`, named by `name`.
    Tool,
    /// An entry of `resources`, named by `uri` or `uriTemplate`.
    Resource,
    /// An entry of `prompts`, named by `name`.
    Prompt,
}

impl Kind {
    const ALL: [(Kind, &'static str); 3] = [
        (Kind::Tool, "tools"),
        (Kind::Resource, "resources"),
        (Kind::Prompt, "prompts"),
    ];
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Kind::Tool => "tool",
            Kind::Resource => "resource",
            Kind::Prompt => "prompt",
        })
    }
}

/// One capability of a manifest, reduced to what the review compares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Capability {
    /// Tool, resource or prompt.
    pub kind: Kind,
    /// The name of a tool or prompt, the URI (or URI template) of a resource.
    pub id: String,
    /// Its risk level.
    pub risk: Risk,
    /// The scopes a caller must hold, sorted.
    pub scopes: Vec<String>,
    /// Its annotations (`readOnlyHint`, `destructiveHint`, ...), by key.
    pub hints: BTreeMap<String, Value>,
}

/// A manifest that cannot be compared: not a JSON object, or an entry without its name or risk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidManifest(pub String);

impl fmt::Display for InvalidManifest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for InvalidManifest {}

/// Reads the capabilities of a manifest, sorted by kind then name or URI.
///
/// A missing `tools`, `resources` or `prompts` array counts as empty.
pub fn capabilities(manifest: &Value) -> Result<Vec<Capability>, InvalidManifest> {
    let object = manifest
        .as_object()
        .ok_or_else(|| InvalidManifest("the manifest is not a JSON object".into()))?;
    let mut all = Vec::new();
    for (kind, key) in Kind::ALL {
        let Some(entries) = object.get(key) else {
            continue;
        };
        let entries = entries
            .as_array()
            .ok_or_else(|| InvalidManifest(format!("`{key}` is not an array")))?;
        for (index, entry) in entries.iter().enumerate() {
            all.push(
                capability(kind, entry)
                    .map_err(|message| InvalidManifest(format!("`{key}[{index}]`: {message}")))?,
            );
        }
    }
    all.sort_by(|a, b| (a.kind, &a.id).cmp(&(b.kind, &b.id)));
    Ok(all)
}

fn capability(kind: Kind, entry: &Value) -> Result<Capability, String> {
    let entry = entry.as_object().ok_or("not an object")?;
    let id_keys: &[&str] = match kind {
        Kind::Resource => &["uri", "uriTemplate"],
        Kind::Tool | Kind::Prompt => &["name"],
    };
    let id = id_keys
        .iter()
        .find_map(|key| entry.get(*key).and_then(Value::as_str))
        .ok_or_else(|| format!("no `{}`", id_keys.join("` or `")))?;
    let risk = match entry.get("risk") {
        Some(Value::String(text)) => {
            Risk::parse(text).ok_or_else(|| format!("unknown risk level `{text}`"))?
        }
        _ => return Err("no `risk`".into()),
    };
    let mut scopes: Vec<String> = match entry.get("scopes") {
        None => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| item.as_str().map(str::to_owned))
            .collect::<Option<_>>()
            .ok_or("`scopes` holds something else than strings")?,
        Some(_) => return Err("`scopes` is not an array".into()),
    };
    scopes.sort();
    scopes.dedup();
    let hints = match entry.get("annotations") {
        None | Some(Value::Null) => BTreeMap::new(),
        Some(Value::Object(map)) => to_btree(map),
        Some(_) => return Err("`annotations` is not an object".into()),
    };
    Ok(Capability {
        kind,
        id: id.to_owned(),
        risk,
        scopes,
        hints,
    })
}

fn to_btree(map: &Map<String, Value>) -> BTreeMap<String, Value> {
    map.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
}

/// One difference between two manifests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// A capability that only the new manifest has.
    Added(Capability),
    /// A capability that only the old manifest has.
    Removed(Capability),
    /// A capability whose risk level changed.
    Risk {
        /// Its kind.
        kind: Kind,
        /// Its name or URI.
        id: String,
        /// The old level.
        from: Risk,
        /// The new level.
        to: Risk,
    },
    /// Scopes a caller must now hold, which it did not have to.
    ScopesAdded {
        /// Its kind.
        kind: Kind,
        /// Its name or URI.
        id: String,
        /// The new scopes, sorted.
        scopes: Vec<String>,
    },
    /// Scopes a caller no longer has to hold.
    ScopesRemoved {
        /// Its kind.
        kind: Kind,
        /// Its name or URI.
        id: String,
        /// The scopes dropped, sorted.
        scopes: Vec<String>,
    },
    /// An annotation that appeared, disappeared or changed value.
    Hint {
        /// Its kind.
        kind: Kind,
        /// Its name or URI.
        id: String,
        /// The annotation's key, such as `destructiveHint`.
        hint: String,
        /// The old value, `None` when it was absent.
        from: Option<Value>,
        /// The new value, `None` when it is absent.
        to: Option<Value>,
    },
}

impl Change {
    /// Whether the change exposes more than before: a risk level rose, a capability arrived at
    /// `high` or `critical` risk, or scopes were added.
    pub fn is_riskier(&self) -> bool {
        match self {
            Change::Added(capability) => capability.risk >= Risk::High,
            Change::Risk { from, to, .. } => to > from,
            Change::ScopesAdded { .. } => true,
            Change::Removed(_) | Change::ScopesRemoved { .. } | Change::Hint { .. } => false,
        }
    }
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Change::Added(c) | Change::Removed(c) => {
                let sign = if matches!(self, Change::Added(_)) {
                    "added"
                } else {
                    "removed"
                };
                write!(f, "{} {}: {sign} (risk {}", c.kind, c.id, c.risk)?;
                if !c.scopes.is_empty() {
                    write!(f, ", scopes {}", c.scopes.join(", "))?;
                }
                f.write_str(")")
            }
            Change::Risk { kind, id, from, to } => {
                write!(f, "{kind} {id}: risk {from} -> {to}")
            }
            Change::ScopesAdded { kind, id, scopes } => {
                write!(f, "{kind} {id}: scopes added: {}", scopes.join(", "))
            }
            Change::ScopesRemoved { kind, id, scopes } => {
                write!(f, "{kind} {id}: scopes removed: {}", scopes.join(", "))
            }
            Change::Hint {
                kind,
                id,
                hint,
                from,
                to,
            } => {
                let show = |value: &Option<Value>| match value {
                    Some(value) => value.to_string(),
                    None => "(absent)".to_owned(),
                };
                write!(f, "{kind} {id}: hint {hint} {} -> {}", show(from), show(to))
            }
        }
    }
}

/// The differences between two manifests, in the order of the capabilities (tools, resources,
/// prompts; each by name or URI).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Review {
    /// Every change found.
    pub changes: Vec<Change>,
}

impl Review {
    /// Whether anything exposes more than before (see [`Change::is_riskier`]).
    pub fn is_riskier(&self) -> bool {
        self.changes.iter().any(Change::is_riskier)
    }

    /// The changes that expose more than before.
    pub fn riskier(&self) -> impl Iterator<Item = &Change> {
        self.changes.iter().filter(|change| change.is_riskier())
    }
}

impl fmt::Display for Review {
    /// One line per change, riskier ones marked with `!`, then a summary line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.changes.is_empty() {
            return writeln!(
                f,
                "no changes in capabilities, risk levels, scopes or hints"
            );
        }
        for change in &self.changes {
            let mark = if change.is_riskier() { '!' } else { ' ' };
            writeln!(f, "{mark} {change}")?;
        }
        let riskier = self.riskier().count();
        writeln!(
            f,
            "{} change(s), {riskier} exposing more than before (marked !)",
            self.changes.len()
        )
    }
}

/// Compares two manifests: capabilities added and removed, risk level, scope and hint changes.
///
/// ```
/// use cargo_mcp::diff::{compare, Risk, Change};
/// use serde_json::json;
///
/// let old = json!({"tools": [{"name": "close_account", "risk": "medium", "scopes": []}]});
/// let new = json!({"tools": [{"name": "close_account", "risk": "critical", "scopes": []}]});
/// let review = compare(&old, &new)?;
/// assert!(review.is_riskier());
/// assert_eq!(review.changes[0].to_string(), "tool close_account: risk medium -> critical");
/// # Ok::<(), cargo_mcp::diff::InvalidManifest>(())
/// ```
pub fn compare(old: &Value, new: &Value) -> Result<Review, InvalidManifest> {
    let old = capabilities(old).map_err(|e| InvalidManifest(format!("old manifest: {e}")))?;
    let new = capabilities(new).map_err(|e| InvalidManifest(format!("new manifest: {e}")))?;
    let mut changes = Vec::new();
    let (mut old, mut new) = (old.into_iter().peekable(), new.into_iter().peekable());
    loop {
        let order = match (old.peek(), new.peek()) {
            (None, None) => break,
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (Some(a), Some(b)) => (a.kind, &a.id).cmp(&(b.kind, &b.id)),
        };
        match order {
            Ordering::Less => changes.extend(old.next().map(Change::Removed)),
            Ordering::Greater => changes.extend(new.next().map(Change::Added)),
            Ordering::Equal => {
                let (Some(a), Some(b)) = (old.next(), new.next()) else {
                    unreachable!()
                };
                compare_one(&a, &b, &mut changes);
            }
        }
    }
    Ok(Review { changes })
}

fn compare_one(old: &Capability, new: &Capability, changes: &mut Vec<Change>) {
    let (kind, id) = (new.kind, new.id.clone());
    if old.risk != new.risk {
        changes.push(Change::Risk {
            kind,
            id: id.clone(),
            from: old.risk,
            to: new.risk,
        });
    }
    let added: Vec<String> = new
        .scopes
        .iter()
        .filter(|s| !old.scopes.contains(s))
        .cloned()
        .collect();
    if !added.is_empty() {
        changes.push(Change::ScopesAdded {
            kind,
            id: id.clone(),
            scopes: added,
        });
    }
    let removed: Vec<String> = old
        .scopes
        .iter()
        .filter(|s| !new.scopes.contains(s))
        .cloned()
        .collect();
    if !removed.is_empty() {
        changes.push(Change::ScopesRemoved {
            kind,
            id: id.clone(),
            scopes: removed,
        });
    }
    let keys: std::collections::BTreeSet<&String> =
        old.hints.keys().chain(new.hints.keys()).collect();
    for key in keys {
        let (from, to) = (old.hints.get(key), new.hints.get(key));
        if from != to {
            changes.push(Change::Hint {
                kind,
                id: id.clone(),
                hint: key.clone(),
                from: from.cloned(),
                to: to.cloned(),
            });
        }
    }
}
