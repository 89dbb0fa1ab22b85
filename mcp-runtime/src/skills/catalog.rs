//! The skills a server serves, checked and digested once when it is built: their
//! `skills/list` entries, the resources of their files, and the directory tree of the
//! `skill://` namespace.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write;
use std::sync::Arc;

use base64::Engine;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

use super::{frontmatter, load, uri, Manifest, Skill, SkillSource};
use super::{MAX_FILES_PER_SKILL, MAX_SKILL_BYTES};
use crate::capability::{ResourceDescriptor, ResourceFuture, ResourceHandler, ResourceRead};
use crate::error::{Error, Result};
use crate::protocol::ResourceContents;

/// One file of a skill before it is checked: its path inside the skill (`/`-separated),
/// where it came from (for errors) and its bytes.
#[derive(Debug)]
pub(super) struct DraftFile {
    pub(super) path: String,
    pub(super) origin: String,
    pub(super) contents: Vec<u8>,
}

/// One skill before it is checked.
#[derive(Debug)]
pub(super) struct Draft {
    /// The organisational segments before the skill's name.
    pub(super) prefix: Vec<String>,
    /// The name of the directory it was read from, which must equal its name.
    pub(super) dir_name: Option<String>,
    pub(super) skill_md: DraftFile,
    pub(super) files: Vec<DraftFile>,
}

/// A skill as served.
#[derive(Debug)]
pub(crate) struct Entry {
    /// The URI of its `SKILL.md`.
    pub(crate) uri: String,
    /// Its `skills/list` entry: `uri`, `frontmatter` and `resources`.
    pub(crate) wire: Value,
}

/// A child in a directory of the skill namespace.
#[derive(Debug, Clone)]
pub(crate) enum Child {
    /// A file: the URI of its resource.
    File(String),
    /// A subdirectory: its URI and its name.
    Directory { uri: String, name: String },
}

/// Every skill a server serves.
#[derive(Debug, Default)]
pub(crate) struct Catalog {
    entries: Vec<Entry>,
    by_uri: HashMap<String, usize>,
    /// The children of every directory, by the directory's URI, sorted by URI.
    directories: BTreeMap<String, Vec<Child>>,
    files: Vec<Arc<SkillFile>>,
}

impl Catalog {
    /// Reads and checks every skill `sources` name; `None` when there are none to serve.
    pub(crate) fn load(sources: &[SkillSource]) -> Result<Option<Catalog>> {
        if sources.is_empty() {
            return Ok(None);
        }
        let mut catalog = Catalog::default();
        let mut tree: BTreeMap<String, BTreeMap<String, Child>> = BTreeMap::new();
        for source in sources {
            let drafts = match source {
                SkillSource::Directory(path) => load::read_dir(path)?,
                SkillSource::Code(skill) => vec![draft_of(skill)?],
            };
            for draft in drafts {
                catalog.add(draft, &mut tree)?;
            }
        }
        catalog.directories = tree
            .into_iter()
            .map(|(dir, children)| (dir, children.into_values().collect()))
            .collect();
        Ok(Some(catalog))
    }

    fn add(
        &mut self,
        draft: Draft,
        tree: &mut BTreeMap<String, BTreeMap<String, Child>>,
    ) -> Result<()> {
        let skill = check(draft)?;
        if self.by_uri.contains_key(&skill.uri) {
            return Err(Error::InvalidSkill {
                file: skill.origin,
                reason: format!("two skills are served at {}", skill.uri),
            });
        }
        for file in &skill.files {
            file_into_tree(&file.uri, tree);
        }
        let resources: Vec<Value> = skill
            .files
            .iter()
            .map(|f| json!({ "uri": f.uri, "digest": f.digest, "size": f.contents.len() }))
            .collect();
        let wire = json!({
            "uri": skill.uri,
            "frontmatter": skill.frontmatter,
            "resources": resources,
        });
        self.by_uri.insert(skill.uri.clone(), self.entries.len());
        self.entries.push(Entry {
            uri: skill.uri,
            wire,
        });
        self.files.extend(skill.files.into_iter().map(Arc::new));
        Ok(())
    }

    /// The skills, in the order they were given.
    pub(crate) fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The skill whose `SKILL.md` is at `uri`.
    pub(crate) fn entry(&self, uri: &str) -> Option<&Entry> {
        self.by_uri.get(uri).map(|&i| &self.entries[i])
    }

    /// The children of the directory at `uri`, if it is one.
    pub(crate) fn directory(&self, uri: &str) -> Option<&[Child]> {
        self.directories.get(uri).map(Vec::as_slice)
    }

    /// True when some file lies below the directory at `uri` (for deciding whether a
    /// subdirectory shows): `visible` tells whether a file shows.
    pub(crate) fn directory_shows(&self, uri: &str, visible: &dyn Fn(&str) -> bool) -> bool {
        let within = format!("{uri}/");
        self.files
            .iter()
            .any(|f| f.uri.starts_with(&within) && visible(&f.uri))
    }

    /// A resource handler for every file of every skill.
    pub(crate) fn resources(&self) -> Vec<Box<dyn ResourceHandler>> {
        self.files
            .iter()
            .map(|file| Box::new(FileResource(Arc::clone(file))) as Box<dyn ResourceHandler>)
            .collect()
    }
}

/// Adds the directories above the file at `file_uri` to `tree`, each with its child.
fn file_into_tree(file_uri: &str, tree: &mut BTreeMap<String, BTreeMap<String, Child>>) {
    let path = file_uri.strip_prefix("skill://").unwrap_or(file_uri);
    let segments: Vec<&str> = path.split('/').collect();
    for depth in 1..segments.len() {
        let dir = format!("skill://{}", segments[..depth].join("/"));
        let child_uri = format!("{dir}/{}", segments[depth]);
        let child = if depth + 1 == segments.len() {
            Child::File(child_uri.clone())
        } else {
            Child::Directory {
                uri: child_uri.clone(),
                name: percent_decoded(segments[depth]),
            }
        };
        tree.entry(dir)
            .or_default()
            .entry(child_uri)
            .or_insert(child);
    }
}

/// A URI segment made readable again, for a directory's name.
fn percent_decoded(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A skill written in code, as a draft.
fn draft_of(skill: &Skill) -> Result<Draft> {
    let prefix: Vec<String> = match &skill.prefix {
        Some(prefix) => prefix.split('/').map(str::to_owned).collect(),
        None => Vec::new(),
    };
    let (name, text) = match &skill.manifest {
        Manifest::Fields { fields, body } => {
            let name = fields
                .iter()
                .find(|(key, _)| key == "name")
                .and_then(|(_, value)| value.as_str())
                .unwrap_or_default()
                .to_owned();
            let text = frontmatter::render(fields, body).map_err(|reason| Error::InvalidSkill {
                file: code_origin(&prefix, &name, "SKILL.md"),
                reason,
            })?;
            (name, text)
        }
        Manifest::Written(text) => {
            let name = frontmatter::parse(text)
                .ok()
                .and_then(|f| f.get("name").and_then(Value::as_str).map(str::to_owned))
                .unwrap_or_else(|| "?".into());
            (name, text.clone())
        }
    };
    let skill_md = DraftFile {
        path: "SKILL.md".into(),
        origin: code_origin(&prefix, &name, "SKILL.md"),
        contents: text.into_bytes(),
    };
    let mut seen = HashSet::new();
    let mut files = Vec::with_capacity(skill.files.len());
    for (path, contents) in &skill.files {
        let origin = code_origin(&prefix, &name, path);
        uri::check_relative_path(path).map_err(|reason| Error::InvalidSkill {
            file: origin.clone(),
            reason,
        })?;
        let reason = if path == "SKILL.md" {
            Some("SKILL.md is the skill's own file: give it with `Skill::new` or `Skill::from_markdown`")
        } else if !seen.insert(path.as_str()) {
            Some("the skill has two files at this path")
        } else {
            None
        };
        if let Some(reason) = reason {
            return Err(Error::InvalidSkill {
                file: origin,
                reason: reason.into(),
            });
        }
        files.push(DraftFile {
            path: path.clone(),
            origin,
            contents: contents.clone(),
        });
    }
    Ok(Draft {
        prefix,
        dir_name: None,
        skill_md,
        files,
    })
}

/// How errors name a file of a skill written in code.
fn code_origin(prefix: &[String], name: &str, path: &str) -> String {
    let mut origin = String::from("skill://");
    for segment in prefix {
        let _ = write!(origin, "{segment}/");
    }
    let _ = write!(origin, "{name}/{path} (a skill written in code)");
    origin
}

/// A checked skill.
struct Checked {
    uri: String,
    origin: String,
    frontmatter: Map<String, Value>,
    /// `SKILL.md` first, then the others by path.
    files: Vec<SkillFile>,
}

/// Checks a draft against the rules of the extension and digests its files.
fn check(draft: Draft) -> Result<Checked> {
    let Draft {
        prefix,
        dir_name,
        skill_md,
        mut files,
    } = draft;
    let fail = |file: &str, reason: String| Error::InvalidSkill {
        file: file.to_owned(),
        reason,
    };
    let text = std::str::from_utf8(&skill_md.contents)
        .map_err(|_| fail(&skill_md.origin, "SKILL.md must be UTF-8 text".into()))?;
    let fields = frontmatter::parse(text).map_err(|reason| fail(&skill_md.origin, reason))?;
    let name = fields["name"].as_str().unwrap_or_default().to_owned();
    let description = fields["description"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    if !uri::is_valid_name(&name) {
        return Err(fail(
            &skill_md.origin,
            format!(
                "the skill name `{name}` breaks the naming rules: {}",
                uri::NAME_RULE
            ),
        ));
    }
    if let Some(dir) = &dir_name {
        if *dir != name {
            return Err(fail(
                &skill_md.origin,
                format!("the frontmatter names the skill `{name}`, but its directory is `{dir}`; the two must be equal"),
            ));
        }
    }
    if let Some(segment) = prefix.iter().find(|s| !uri::is_valid_prefix_segment(s)) {
        return Err(fail(
            &skill_md.origin,
            format!("the skill path segment `{segment}` must be made of letters, digits, `-`, `.`, `_` and `~`"),
        ));
    }
    if let Some(Value::Object(metadata)) = fields.get("metadata") {
        if let Some(key) = metadata
            .keys()
            .find(|k| k.starts_with("io.modelcontextprotocol/"))
        {
            return Err(fail(
                &skill_md.origin,
                format!("the frontmatter `metadata` key `{key}` uses the prefix `io.modelcontextprotocol/`, which is reserved for MCP extensions"),
            ));
        }
    }
    if files.len() + 1 > MAX_FILES_PER_SKILL {
        return Err(fail(
            &skill_md.origin,
            format!(
                "the skill has {} files; a skill has at most {MAX_FILES_PER_SKILL}, SKILL.md included",
                files.len() + 1
            ),
        ));
    }
    let total: u64 = std::iter::once(&skill_md)
        .chain(&files)
        .map(|f| f.contents.len() as u64)
        .sum();
    if total > MAX_SKILL_BYTES {
        return Err(fail(
            &skill_md.origin,
            format!(
                "the skill's files hold {total} bytes; at most {MAX_SKILL_BYTES} (16 MiB) together"
            ),
        ));
    }
    let skill_path = match prefix.is_empty() {
        true => name.clone(),
        false => format!("{}/{name}", prefix.join("/")),
    };
    files.sort_by(|a, b| a.path.cmp(&b.path));
    let manifest = SkillFile::new(
        uri::file_uri(&skill_path, "SKILL.md"),
        name.clone(),
        description,
        skill_md.contents,
        Some("text/markdown"),
    );
    let origin = skill_md.origin;
    let mut checked = vec![manifest];
    for file in files {
        let described = format!("`{}`, a file of the skill `{name}`", file.path);
        checked.push(SkillFile::new(
            uri::file_uri(&skill_path, &file.path),
            format!("{name}/{}", file.path),
            described,
            file.contents,
            mime_type(&file.path),
        ));
    }
    Ok(Checked {
        uri: checked[0].uri.clone(),
        origin,
        frontmatter: fields,
        files: checked,
    })
}

/// One file of a skill, as served.
#[derive(Debug)]
pub(crate) struct SkillFile {
    uri: String,
    name: String,
    description: String,
    mime_type: String,
    /// `sha256:` and the lowercase hex of the SHA-256 of the contents.
    digest: String,
    contents: Vec<u8>,
}

impl SkillFile {
    fn new(
        uri: String,
        name: String,
        description: String,
        contents: Vec<u8>,
        mime_type: Option<&str>,
    ) -> Self {
        let text = std::str::from_utf8(&contents).is_ok();
        let mime_type = match mime_type {
            Some(known) => known,
            None if text => "text/plain",
            None => "application/octet-stream",
        };
        let mut digest = String::from("sha256:");
        for byte in Sha256::digest(&contents) {
            let _ = write!(digest, "{byte:02x}");
        }
        SkillFile {
            uri,
            name,
            description,
            mime_type: mime_type.to_owned(),
            digest,
            contents,
        }
    }

    /// The file as `resources/read` returns it: text when it is UTF-8, else base64.
    fn read(&self) -> ResourceContents {
        match std::str::from_utf8(&self.contents) {
            Ok(text) => ResourceContents::Text {
                uri: self.uri.clone(),
                mime_type: Some(self.mime_type.clone()),
                text: text.to_owned(),
            },
            Err(_) => ResourceContents::Blob {
                uri: self.uri.clone(),
                mime_type: Some(self.mime_type.clone()),
                blob: base64::engine::general_purpose::STANDARD.encode(&self.contents),
            },
        }
    }
}

/// The MIME type of a file by its extension, when it is a common one.
fn mime_type(path: &str) -> Option<&'static str> {
    let extension = path.rsplit_once('.')?.1.to_ascii_lowercase();
    Some(match extension.as_str() {
        "md" | "markdown" => "text/markdown",
        "txt" => "text/plain",
        "html" | "htm" => "text/html",
        "css" => "text/css",
        "csv" => "text/csv",
        "xml" => "application/xml",
        "js" | "mjs" => "text/javascript",
        "ts" => "text/x-typescript",
        "py" => "text/x-python",
        "rs" => "text/x-rust",
        "sh" => "application/x-sh",
        "json" => "application/json",
        "yaml" | "yml" => "application/yaml",
        "toml" => "application/toml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "svg" => "image/svg+xml",
        "webp" => "image/webp",
        "pdf" => "application/pdf",
        "zip" => "application/zip",
        _ => return None,
    })
}

/// A skill file served as a resource.
struct FileResource(Arc<SkillFile>);

impl ResourceHandler for FileResource {
    fn descriptor(&self) -> ResourceDescriptor {
        let file = &self.0;
        ResourceDescriptor::new(
            file.uri.clone(),
            file.name.clone(),
            file.description.clone(),
        )
        .mime_type(file.mime_type.clone())
        .without_permission_meta()
    }

    fn read(&self, _read: ResourceRead) -> ResourceFuture {
        let contents = self.0.read();
        Box::pin(async move { Ok(vec![contents]) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalog(skills: Vec<Skill>) -> Result<Catalog> {
        let sources: Vec<SkillSource> = skills.into_iter().map(SkillSource::Code).collect();
        Catalog::load(&sources).map(Option::unwrap)
    }

    #[test]
    fn entries_list_every_file_with_digest_and_size() {
        let catalog = catalog(vec![
            Skill::new("pdf", "PDFs").file("references/FORMS.md", "forms")
        ])
        .unwrap();
        let wire = &catalog.entry("skill://pdf/SKILL.md").unwrap().wire;
        assert_eq!(
            wire["frontmatter"],
            json!({"name": "pdf", "description": "PDFs"})
        );
        let resources = wire["resources"].as_array().unwrap();
        assert_eq!(resources[0]["uri"], "skill://pdf/SKILL.md");
        assert_eq!(resources[1]["uri"], "skill://pdf/references/FORMS.md");
        assert_eq!(resources[1]["size"], 5);
        assert_eq!(
            resources[1]["digest"],
            format!("sha256:{}", hex_sha256(b"forms"))
        );
    }

    fn hex_sha256(bytes: &[u8]) -> String {
        Sha256::digest(bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    #[test]
    fn directories_hold_their_direct_children() {
        let catalog = catalog(vec![Skill::new("pdf", "PDFs")
            .prefix("acme")
            .file("templates/invoice.md", "i")
            .file("templates/regional/eu.md", "e")])
        .unwrap();
        let names = |uri: &str| -> Vec<String> {
            catalog
                .directory(uri)
                .unwrap()
                .iter()
                .map(|c| match c {
                    Child::File(uri) => uri.clone(),
                    Child::Directory { uri, .. } => format!("{uri}/"),
                })
                .collect()
        };
        assert_eq!(names("skill://acme"), ["skill://acme/pdf/"]);
        assert_eq!(
            names("skill://acme/pdf"),
            ["skill://acme/pdf/SKILL.md", "skill://acme/pdf/templates/"]
        );
        assert_eq!(
            names("skill://acme/pdf/templates"),
            [
                "skill://acme/pdf/templates/invoice.md",
                "skill://acme/pdf/templates/regional/"
            ]
        );
        assert!(catalog.directory("skill://acme/pdf/SKILL.md").is_none());
    }

    #[test]
    fn broken_rules_name_the_file_and_the_rule() {
        for (skill, file, says) in [
            (Skill::new("Bad_Name", "x"), "SKILL.md", "naming rules"),
            (Skill::new("a", "x").file("../up", "x"), "../up", "relative"),
            (
                Skill::new("a", "x").file("SKILL.md", "x"),
                "SKILL.md",
                "own file",
            ),
            (
                Skill::new("a", "x").prefix("has space"),
                "SKILL.md",
                "path segment",
            ),
            (
                Skill::new("a", "x")
                    .frontmatter("metadata", json!({"io.modelcontextprotocol/x": 1})),
                "SKILL.md",
                "reserved",
            ),
            (
                Skill::from_markdown("no frontmatter"),
                "SKILL.md",
                "must begin",
            ),
        ] {
            let error = catalog(vec![skill]).unwrap_err().to_string();
            assert!(error.contains(file) && error.contains(says), "{error}");
        }
    }

    #[test]
    fn limits_are_enforced() {
        let mut many = Skill::new("many", "x");
        for i in 0..MAX_FILES_PER_SKILL {
            many = many.file(format!("f{i}"), "x");
        }
        assert!(catalog(vec![many])
            .unwrap_err()
            .to_string()
            .contains("at most 512"));
        let big = Skill::new("big", "x").file("blob", vec![0u8; MAX_SKILL_BYTES as usize + 1]);
        assert!(catalog(vec![big])
            .unwrap_err()
            .to_string()
            .contains("16 MiB"));
        let twice = vec![Skill::new("a", "x"), Skill::new("a", "y")];
        assert!(catalog(twice)
            .unwrap_err()
            .to_string()
            .contains("two skills"));
    }
}
