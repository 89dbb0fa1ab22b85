//! Skills: folders of instructions and supporting files that teach an agent a task, served
//! under the `io.modelcontextprotocol/skills` extension (SEP-2640).
//!
//! A skill is a directory whose `SKILL.md` begins with YAML frontmatter holding at least a
//! `name` and a `description`; its other files (references, scripts, templates) are its
//! supporting files. A server serves a directory of them with
//! [`Server::skills_dir`](crate::Server::skills_dir), or skills written in code with
//! [`Server::skill`](crate::Server::skill) and [`Skill`]. Either way:
//!
//! - every file of a skill is a resource at `skill://<skill-path>/<file-path>`, listed by
//!   `resources/list` and read by `resources/read` like any other resource, through the same
//!   permission policy (see below);
//! - `skills/list` enumerates the skills (paginated like `resources/list`), each entry with
//!   its frontmatter as JSON and every file's SHA-256 digest and size; `skills/get` returns
//!   the entry of one skill named by the URI of its `SKILL.md` (`-32602` for anything else);
//! - `resources/directory/read` lists the direct children of a directory of the skill
//!   namespace (`skill://pdf-processing`, `skill://pdf-processing/templates`), with
//!   subdirectories as `inode/directory` resources;
//! - the server declares `capabilities.extensions["io.modelcontextprotocol/skills"]` as
//!   `{"directoryRead": true}`, in `server/discover` (2026-07-28) and in the `initialize`
//!   result (2025-11-25 and earlier, where extensions are negotiated the same way).
//!
//! Files are read, checked and digested once, when the server is built: a skill that breaks
//! a rule of the extension fails [`Server::build`](crate::Server::build) with
//! [`Error::InvalidSkill`](crate::Error::InvalidSkill), which names the file and the rule.
//! Changing a file on disk takes a restart to be served (the digests clients verify would
//! otherwise no longer match). The rules:
//!
//! - a skill's name (the `name` of its frontmatter) has 1 to 64 characters from `a-z`, `0-9`
//!   and `-`, with no leading, trailing or doubled `-`, and equals the name of its
//!   directory (the last segment of its skill path);
//! - a skill has at most 512 files, `SKILL.md` included, of at most 16 MiB together;
//! - a file must stay inside its skill directory: a symbolic link whose target is outside it,
//!   or that points at a directory, fails the build;
//! - files and directories whose names begin with `.` are not part of a skill;
//! - a `SKILL.md` in a subdirectory of a skill is one of that skill's supporting files, not
//!   a skill published on its own.
//!
//! Skill files are resources: each has the default permission (low risk, read-only), and the
//! policy decides reading it by its resource name, as for every resource. A skill's
//! `SKILL.md` is named after the skill (`pdf-processing`) and its other files after the skill
//! and their path (`pdf-processing/references/FORMS.md`), so that
//! `deny = ["pdf-processing", "pdf-processing/*"]` takes a skill away entirely: a skill whose
//! `SKILL.md` the policy denies (or that [`Server::disable`](crate::Server::disable) switches
//! off, by its URI) leaves `skills/list`, and `skills/get` answers as for an unknown skill.
//! Unlike other resources, skill files carry no permission entry in their `_meta`: the
//! extension reserves skill `_meta` keys for its own prefix.
//!
//! ```
//! use mcp_runtime::prelude::*;
//! use mcp_runtime::skills::Skill;
//! use serde_json::json;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let server = Server::new("handbook", "1.0.0").skill(
//!     Skill::new("git-workflow", "Follow the team's Git conventions for branches and commits")
//!         .instructions("# Git workflow\n\nRead `references/branching.md` first.\n")
//!         .file("references/branching.md", "Branch from `main`; name branches `topic/...`.\n"),
//! );
//! let client = mcp_runtime::testing::TestClient::modern(server)?;
//! let listed = client.request("skills/list", json!({})).await?;
//! let skill = &listed["skills"][0];
//! assert_eq!(skill["uri"], "skill://git-workflow/SKILL.md");
//! assert_eq!(skill["frontmatter"]["name"], "git-workflow");
//! assert_eq!(skill["resources"].as_array().unwrap().len(), 2);
//!
//! let read = client
//!     .request("resources/read", json!({"uri": "skill://git-workflow/references/branching.md"}))
//!     .await?;
//! assert!(read["contents"][0]["text"].as_str().unwrap().starts_with("Branch from"));
//! # Ok(())
//! # }
//! ```

mod catalog;
mod frontmatter;
mod load;
mod uri;

use std::path::PathBuf;

use serde_json::Value;

pub(crate) use catalog::{Catalog, Child};

/// The identifier of the skills extension, the key of its entry under
/// `capabilities.extensions`.
pub const EXTENSION: &str = "io.modelcontextprotocol/skills";

/// The MIME type of a directory resource (`resources/directory/read`).
pub const DIRECTORY_MIME_TYPE: &str = "inode/directory";

/// The most files one skill may have, `SKILL.md` included.
pub const MAX_FILES_PER_SKILL: usize = 512;

/// The most bytes the files of one skill may hold together (16 MiB).
pub const MAX_SKILL_BYTES: u64 = 16 * 1024 * 1024;

/// A skill written in code: its `SKILL.md` and its supporting files, served by
/// [`Server::skill`](crate::Server::skill).
///
/// [`Skill::new`] writes the frontmatter from a name and a description;
/// [`Skill::from_markdown`] takes a whole `SKILL.md` as written, frontmatter included. Both
/// are checked when the server is built, under the same rules as skills read from disk (see
/// the [module documentation](self)).
///
/// ```
/// use mcp_runtime::skills::Skill;
///
/// let refunds = Skill::new("refunds", "Process customer refund requests per company policy")
///     .prefix("acme/billing") // served at skill://acme/billing/refunds/SKILL.md
///     .frontmatter("license", "Apache-2.0")
///     .instructions("# Refunds\n\nUse `examples/email.md` as the reply template.\n")
///     .file("examples/email.md", "Dear customer, ...\n");
///
/// let written = Skill::from_markdown(
///     "---\nname: pdf-processing\ndescription: Extract, fill, and assemble PDF documents\n---\n\n# PDF\n",
/// );
/// # let _ = (refunds, written);
/// ```
#[derive(Clone)]
pub struct Skill {
    prefix: Option<String>,
    manifest: Manifest,
    files: Vec<(String, Vec<u8>)>,
}

/// Where a skill's `SKILL.md` comes from.
#[derive(Debug, Clone)]
enum Manifest {
    /// Frontmatter fields in order (`name` and `description` first) and the Markdown body.
    Fields {
        fields: Vec<(String, Value)>,
        body: String,
    },
    /// A whole `SKILL.md`, as written.
    Written(String),
}

impl Skill {
    /// A skill called `name` (its frontmatter `name`, and the last segment of its URI),
    /// described by `description` (what it does and when to use it, for the model).
    pub fn new(name: impl Into<String>, description: impl Into<String>) -> Self {
        let fields = vec![
            ("name".to_owned(), Value::String(name.into())),
            ("description".to_owned(), Value::String(description.into())),
        ];
        Skill {
            prefix: None,
            manifest: Manifest::Fields {
                fields,
                body: String::new(),
            },
            files: Vec::new(),
        }
    }

    /// A skill from the whole text of its `SKILL.md`: YAML frontmatter between `---` lines
    /// with at least `name` and `description`, then the Markdown instructions.
    pub fn from_markdown(skill_md: impl Into<String>) -> Self {
        Skill {
            prefix: None,
            manifest: Manifest::Written(skill_md.into()),
            files: Vec::new(),
        }
    }

    /// The Markdown instructions of `SKILL.md`, after the frontmatter (for a skill made with
    /// [`Skill::new`]; a skill from [`Skill::from_markdown`] keeps its own text).
    pub fn instructions(mut self, body: impl Into<String>) -> Self {
        if let Manifest::Fields { body: old, .. } = &mut self.manifest {
            *old = body.into();
        }
        self
    }

    /// Adds a frontmatter field besides `name` and `description` (`license`, `metadata`,
    /// `compatibility`, ...), for a skill made with [`Skill::new`]; a skill from
    /// [`Skill::from_markdown`] keeps its own frontmatter.
    pub fn frontmatter(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        if let Manifest::Fields { fields, .. } = &mut self.manifest {
            let (key, value) = (key.into(), value.into());
            match fields.iter_mut().find(|(k, _)| *k == key) {
                Some((_, old)) => *old = value,
                None => fields.push((key, value)),
            }
        }
        self
    }

    /// Serves the skill under an organisational prefix: `acme/billing` puts the skill
    /// `refunds` at `skill://acme/billing/refunds/SKILL.md`. Segments use letters, digits,
    /// `-`, `.`, `_` and `~`.
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = Some(prefix.into());
        self
    }

    /// Adds a supporting file at `path`, relative to the skill's root and `/`-separated
    /// (`references/FORMS.md`), with its contents (text or bytes).
    pub fn file(mut self, path: impl Into<String>, contents: impl Into<Vec<u8>>) -> Self {
        self.files.push((path.into(), contents.into()));
        self
    }
}

impl std::fmt::Debug for Skill {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Paths and sizes: the contents may be large or binary.
        let files: Vec<(&str, usize)> = self
            .files
            .iter()
            .map(|(path, contents)| (path.as_str(), contents.len()))
            .collect();
        f.debug_struct("Skill")
            .field("prefix", &self.prefix)
            .field("manifest", &self.manifest)
            .field("files", &files)
            .finish()
    }
}

/// What a server was given to serve as skills, in order.
#[derive(Debug, Clone)]
pub(crate) enum SkillSource {
    /// Every skill under a directory.
    Directory(PathBuf),
    /// One skill written in code.
    Code(Skill),
}
