//! A file-system server confined to one directory: list, read, search, write and delete,
//! with files also served as resources (`file:///{path}`, text or binary).
//!
//! ```text
//! cargo run -p files -- --root ~/notes                          # stdio
//! cargo run -p files -- --root ~/notes --transport http --bind 127.0.0.1:8080
//! cargo run -p files -- --root notes --print-config claude-desktop   # the root made absolute
//! cargo run -p files -- --help                                  # --root and the runtime's options
//! ```
//!
//! The command line is one clap parser: `--root` and the runtime's options
//! (`mcp_runtime::cli::Options`, flattened). `--root` is needed to serve only; the directory
//! is opened when the server is served (`Server::state_with`), so `--manifest`,
//! `--print-config`, `--help` and `--version` work without it.
//!
//! Every path is relative to `--root`. The root is held open as a directory handle and
//! everything is opened beneath it (see [`root`]): `..` above the root, absolute paths and
//! symbolic links leading outside are refused, and so are FIFOs, devices and sockets. The
//! file-system work runs on tokio's blocking threads, never on the reactor.

mod root;

#[cfg(test)]
mod confinement_tests;

use std::path::{Path, PathBuf};

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use cap_std::fs::Dir;
use clap::{CommandFactory, Parser};
use mcp_runtime::prelude::*;
use schemars::JsonSchema;
use serde::Serialize;

use root::{open_small_file, open_subdirectory, read_limited, PathError, Relative, Root};

/// Files larger than this are not read whole, nor searched.
const MAX_READ_BYTES: u64 = 4 * 1024 * 1024;

/// What an entry of a directory is.
#[derive(Debug, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
enum Kind {
    /// A regular file.
    File,
    /// A directory.
    Directory,
    /// A symbolic link (not followed).
    Symlink,
    /// Anything else (a socket, a device, ...).
    Other,
}

/// One entry of a directory.
#[derive(Debug, Serialize, JsonSchema)]
struct Entry {
    /// The entry's path, relative to the served directory.
    path: String,
    /// What it is.
    kind: Kind,
    /// Its size in bytes (files only).
    #[serde(skip_serializing_if = "Option::is_none")]
    size: Option<u64>,
}

/// A directory's entries.
#[derive(Debug, Serialize, JsonSchema)]
struct Listing {
    /// The directory, relative to the served directory.
    directory: String,
    /// Its entries, by name.
    entries: Vec<Entry>,
}

/// One search hit.
#[derive(Debug, Serialize, JsonSchema)]
struct Hit {
    /// The file, relative to the served directory.
    path: String,
    /// The matching line's number (from 1); absent when the file's name matched.
    #[serde(skip_serializing_if = "Option::is_none")]
    line: Option<usize>,
    /// The matching line; absent when the file's name matched.
    #[serde(skip_serializing_if = "Option::is_none")]
    text: Option<String>,
}

/// What a search found.
#[derive(Debug, Serialize, JsonSchema)]
struct Hits {
    /// The hits, in path order.
    hits: Vec<Hit>,
    /// True when there were more hits than `max_results`.
    truncated: bool,
}

/// The server's capabilities; the served directory is their `State<Root>`.
struct Files;

fn error(e: PathError) -> ToolError {
    ToolError::new(e.to_string())
}

/// Runs blocking file-system work on tokio's blocking threads, so that a slow disk holds up
/// no other request.
async fn blocking<T, F>(work: F) -> Result<T, ToolError>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, PathError> + Send + 'static,
{
    match tokio::task::spawn_blocking(work).await {
        Ok(done) => done.map_err(error),
        Err(failed) => Err(ToolError::new(format!(
            "the file operation did not finish: {failed}"
        ))),
    }
}

fn mime_of(path: &str) -> String {
    mime_guess::from_path(path)
        .first_raw()
        .unwrap_or("application/octet-stream")
        .to_owned()
}

/// Everything but RFC 3986's unreserved characters is escaped: a template variable holds
/// one URI segment, so the path's `/` are sent as `%2F`.
const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// The resource URI of a file, from its path relative to the root.
fn file_uri(relative: &str) -> String {
    format!(
        "file:///{}",
        percent_encoding::utf8_percent_encode(relative, SEGMENT)
    )
}

/// The entries of `path`, by name.
fn list(root: &Root, path: &Relative) -> Result<Listing, PathError> {
    let shown = path.shown();
    let dir = root.open_dir(path)?;
    let io = |e| PathError::Io(shown.clone(), e);
    let mut entries = Vec::new();
    for entry in dir.entries().map_err(io)? {
        let entry = entry.map_err(io)?;
        let name = entry.file_name().to_string_lossy().into_owned();
        // The entry itself, not what a link points to.
        let meta = entry.metadata().map_err(io)?;
        let kind = if meta.is_symlink() {
            Kind::Symlink
        } else if meta.is_dir() {
            Kind::Directory
        } else if meta.is_file() {
            Kind::File
        } else {
            Kind::Other
        };
        entries.push(Entry {
            path: path.join(&name).shown(),
            size: (kind == Kind::File).then_some(meta.len()),
            kind,
        });
    }
    entries.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(Listing {
        directory: shown,
        entries,
    })
}

/// A search in progress: what is looked for and what was found.
struct Search {
    needle: String,
    max: usize,
    hits: Vec<Hit>,
    truncated: bool,
}

impl Search {
    /// Adds `hit`; false once there are too many.
    fn add(&mut self, hit: Hit) -> bool {
        if self.hits.len() == self.max {
            self.truncated = true;
            return false;
        }
        self.hits.push(hit);
        true
    }

    /// Searches `dir` (at `at`) and its subdirectories, in name order. Entries are opened
    /// beneath their directory's handle without following links, so the walk stays inside
    /// the tree; what cannot be opened is skipped. False once there are too many hits.
    fn walk(&mut self, dir: &Dir, at: &Relative) -> bool {
        let Ok(read) = dir.entries() else {
            return true;
        };
        let mut entries: Vec<_> = read
            .filter_map(Result::ok)
            .filter_map(|e| Some((e.file_name(), e.file_type().ok()?)))
            .collect();
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        for (entry, kind) in entries {
            let lowered = entry.to_string_lossy().to_lowercase();
            let path = at.join(&entry.to_string_lossy());
            if kind.is_dir() {
                if let Some(sub) = open_subdirectory(dir, &entry) {
                    if !self.walk(&sub, &path) {
                        return false;
                    }
                }
                continue;
            }
            if !kind.is_file() {
                continue;
            }
            let shown = path.shown();
            if lowered.contains(&self.needle)
                && !self.add(Hit {
                    path: shown.clone(),
                    line: None,
                    text: None,
                })
            {
                return false;
            }
            let text = open_small_file(dir, &entry, MAX_READ_BYTES)
                .and_then(|file| read_limited(file, &shown, MAX_READ_BYTES).ok())
                .and_then(|bytes| String::from_utf8(bytes).ok());
            for (number, line) in text.iter().flat_map(|t| t.lines().enumerate()) {
                if line.to_lowercase().contains(&self.needle)
                    && !self.add(Hit {
                        path: shown.clone(),
                        line: Some(number + 1),
                        text: Some(line.to_owned()),
                    })
                {
                    return false;
                }
            }
        }
        true
    }
}

#[mcp_server]
impl Files {
    /// Lists a directory of the served tree.
    ///
    /// # Arguments
    /// * `path` - the directory, relative to the served directory (default: the served directory itself)
    #[tool(read_only, idempotent)]
    async fn list_directory(
        &self,
        root: State<Root>,
        path: Option<String>,
    ) -> Result<Json<Listing>, ToolError> {
        let path = Relative::parse(path.as_deref().unwrap_or(".")).map_err(error)?;
        blocking(move || list(&root, &path)).await.map(Json)
    }

    /// The contents of the file at `path` (at most `MAX_READ_BYTES`), read beneath the root,
    /// and the path as shown to the client.
    async fn read_bytes(
        &self,
        root: State<Root>,
        path: &str,
    ) -> Result<(String, Vec<u8>), ToolError> {
        let path = Relative::parse(path).map_err(error)?;
        let shown = path.shown();
        let bytes = blocking(move || {
            let file = root.open_file(&path)?;
            read_limited(file, &path.shown(), MAX_READ_BYTES)
        })
        .await?;
        Ok((shown, bytes))
    }

    /// Reads a text file. A binary file is answered with a link to its resource.
    ///
    /// # Arguments
    /// * `path` - the file, relative to the served directory
    #[tool(read_only, idempotent)]
    async fn read_file(&self, root: State<Root>, path: String) -> Result<Content, ToolError> {
        let (shown, bytes) = self.read_bytes(root, &path).await?;
        match String::from_utf8(bytes) {
            Ok(text) => Ok(Content::text(text)),
            Err(_) => Ok(Content::resource_link(file_uri(&shown), shown)),
        }
    }

    /// Finds files whose name contains the text, and lines of text files that contain it
    /// (any case).
    ///
    /// # Arguments
    /// * `query` - the text to look for
    /// * `path` - the directory to search (default: the whole served directory)
    /// * `max_results` - at most this many hits, 1 to 1000 (default 100)
    #[tool(read_only, idempotent)]
    async fn search_files(
        &self,
        root: State<Root>,
        query: String,
        path: Option<String>,
        max_results: Option<usize>,
    ) -> Result<Json<Hits>, ToolError> {
        if query.is_empty() {
            return Err(ToolError::new("give some text to search for"));
        }
        let max = max_results.unwrap_or(100);
        if !(1..=1000).contains(&max) {
            return Err(ToolError::new(format!(
                "max_results {max} is out of range; use 1 to 1000"
            )));
        }
        let path = Relative::parse(path.as_deref().unwrap_or(".")).map_err(error)?;
        blocking(move || {
            let start = root.open_dir(&path)?;
            let mut search = Search {
                needle: query.to_lowercase(),
                max,
                hits: Vec::new(),
                truncated: false,
            };
            search.walk(&start, &path);
            Ok(Json(Hits {
                hits: search.hits,
                truncated: search.truncated,
            }))
        })
        .await
    }

    /// Writes a text file, creating it and its directories if needed, replacing what it held.
    ///
    /// # Arguments
    /// * `path` - the file, relative to the served directory
    /// * `content` - the new text
    #[tool(risk = "medium", idempotent)]
    async fn write_file(
        &self,
        root: State<Root>,
        path: String,
        content: String,
    ) -> Result<String, ToolError> {
        let path = Relative::parse(&path).map_err(error)?;
        let shown = path.shown();
        let bytes = content.len();
        blocking(move || root.write_file(&path, content.as_bytes())).await?;
        Ok(format!("Wrote {bytes} bytes to {shown}."))
    }

    /// Deletes a file, or an empty directory. A symbolic link is removed, not what it points to.
    ///
    /// # Arguments
    /// * `path` - what to delete, relative to the served directory
    #[tool(risk = "high", destructive)]
    async fn delete_file(&self, root: State<Root>, path: String) -> Result<String, ToolError> {
        let path = Relative::parse(&path).map_err(error)?;
        let shown = path.shown();
        blocking(move || root.remove(&path)).await?;
        Ok(format!("Deleted {shown}."))
    }

    /// A file of the served tree: text when it is UTF-8, binary (base64) otherwise. The
    /// path is one URI segment, its `/` escaped: `file:///notes%2Ftodo.md`.
    #[resource("file:///{path}", name = "file")]
    async fn file(&self, root: State<Root>, path: String) -> Result<ResourceContents, ToolError> {
        let (shown, bytes) = self.read_bytes(root, &path).await?;
        let uri = file_uri(&shown);
        let mime_type = Some(mime_of(&shown));
        Ok(match String::from_utf8(bytes) {
            Ok(text) => ResourceContents::Text {
                uri,
                mime_type,
                text,
            },
            Err(error) => ResourceContents::Blob {
                uri,
                mime_type,
                blob: BASE64.encode(error.as_bytes()),
            },
        })
    }
}

/// The command line: the served directory, and the runtime's options.
#[derive(Debug, clap::Parser)]
#[command(version, about)]
struct Cli {
    /// the directory to serve (required to serve); nothing outside it is reachable
    #[arg(long, value_name = "DIR", value_hint = clap::ValueHint::DirPath)]
    root: Option<PathBuf>,
    #[command(flatten)]
    mcp: mcp_runtime::cli::Options,
}

/// The server for the directory `shown` (as the instructions name it); the directory itself
/// is the `State<Root>` of the capabilities.
fn server(shown: &Path) -> Server {
    let instructions = format!(
        "Files under one directory ({}). Paths are relative to it; paths leading outside are refused. \
         write_file asks nothing, delete_file asks the user first.",
        shown.display()
    );
    Server::new("files", env!("CARGO_PKG_VERSION"))
        // `--manifest` describes `--root` too: `cargo mcp bundle` asks for it on install.
        .cli_options(mcp_runtime::cli::CliOption::from_command(
            &<Cli as clap::CommandFactory>::command(),
        ))
        .title("Files")
        .instructions(instructions)
        .provider(Files)
}

#[tokio::main]
async fn main() {
    let cli = Cli::parse();
    // Describing the server (`--manifest`, `--print-config`) needs no directory: nothing is
    // opened then, the root being opened only to serve.
    if cli.mcp.serves() && cli.root.is_none() {
        let missing = clap::error::ErrorKind::MissingRequiredArgument;
        Cli::command()
            .error(missing, "give the directory to serve with --root DIR")
            .exit();
    }
    let dir = cli.root.unwrap_or_else(|| PathBuf::from("."));
    let shown = dir.canonicalize().unwrap_or_else(|_| dir.clone());
    let served = server(&shown).state_with(move || {
        Root::new(&dir).map_err(|e| format!("cannot serve {}: {e}", dir.display()))
    });
    if let Err(error) = served.serve_with(cli.mcp).await {
        eprintln!("files: {error}");
        std::process::exit(2);
    }
}

/// The server for the directory `dir`, opened at once (the binary opens it only to serve).
#[cfg(test)]
fn serving(dir: &Path) -> Server {
    server(&dir.canonicalize().unwrap()).state(Root::new(dir).unwrap())
}

#[cfg(test)]
mod tests {
    use super::*;
    use mcp_runtime::permission::Policy;
    use mcp_runtime::testing::TestClient;
    use serde_json::json;

    struct Fixture {
        served: tempfile::TempDir,
        _outside: tempfile::TempDir,
        client: TestClient,
    }

    fn fixture(policy: Policy) -> Fixture {
        let served = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        std::fs::create_dir(served.path().join("notes")).unwrap();
        std::fs::write(served.path().join("notes/todo.md"), "# To do\n- buy Milk\n").unwrap();
        std::fs::write(
            served.path().join("logo.png"),
            [0x89, b'P', b'N', b'G', 0xff, 0],
        )
        .unwrap();
        std::fs::write(outside.path().join("secret.txt"), "secret").unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(outside.path(), served.path().join("escape")).unwrap();
        let client = TestClient::modern(serving(served.path()).policy(policy)).unwrap();
        Fixture {
            served,
            _outside: outside,
            client,
        }
    }

    fn trusting() -> Fixture {
        fixture(Policy::new().allow_up_to(RiskLevel::Critical))
    }

    #[tokio::test]
    async fn lists_reads_and_searches() {
        let f = trusting();
        let listed = f
            .client
            .call_tool("list_directory", json!({}))
            .await
            .unwrap();
        let listing = listed.structured_content.unwrap();
        let names: Vec<_> = listing["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["path"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(names, ["escape", "logo.png", "notes"]);
        let read = f
            .client
            .call_tool("read_file", json!({"path": "notes/todo.md"}))
            .await
            .unwrap();
        assert_eq!(read.text(), "# To do\n- buy Milk\n");
        let found = f
            .client
            .call_tool("search_files", json!({"query": "milk"}))
            .await
            .unwrap();
        let hits = found.structured_content.unwrap();
        assert_eq!(hits["hits"][0]["path"], "notes/todo.md");
        assert_eq!(hits["hits"][0]["line"], 2);
        assert_eq!(hits["truncated"], false);
    }

    #[tokio::test]
    async fn binary_files_are_blob_resources() {
        let f = trusting();
        let read = f
            .client
            .request("resources/read", json!({"uri": "file:///logo.png"}))
            .await
            .unwrap();
        assert_eq!(read["contents"][0]["mimeType"], "image/png");
        assert_eq!(read["contents"][0]["blob"], "iVBOR/8A");
        let text = f
            .client
            .request("resources/read", json!({"uri": "file:///notes%2Ftodo.md"}))
            .await
            .unwrap();
        assert_eq!(text["contents"][0]["text"], "# To do\n- buy Milk\n");
        let link = f
            .client
            .request(
                "tools/call",
                json!({"name": "read_file", "arguments": {"path": "logo.png"}}),
            )
            .await
            .unwrap();
        assert_eq!(link["content"][0]["type"], "resource_link");
        assert_eq!(link["content"][0]["uri"], "file:///logo.png");
    }

    #[tokio::test]
    async fn escapes_are_refused_and_change_nothing() {
        let f = trusting();
        for (tool, args) in [
            ("read_file", json!({"path": "../secret.txt"})),
            ("read_file", json!({"path": "escape/secret.txt"})),
            (
                "write_file",
                json!({"path": "escape/new.txt", "content": "x"}),
            ),
            (
                "write_file",
                json!({"path": "notes/../../x.txt", "content": "x"}),
            ),
            ("delete_file", json!({"path": "escape/secret.txt"})),
            ("list_directory", json!({"path": "escape"})),
            ("read_file", json!({"path": "/etc/hostname"})),
        ] {
            let result = f.client.call_tool(tool, args.clone()).await.unwrap();
            assert!(result.is_error, "{tool} {args}");
            assert!(
                result.text().contains("outside the served directory")
                    || result.text().contains("is absolute"),
                "{tool} {args}: {}",
                result.text()
            );
        }
        for uri in [
            "file:///..%2Fsecret.txt",
            "file:///%2E%2E%2Fsecret.txt",
            "file:///escape%2Fsecret.txt",
            "file:///%2Fetc%2Fhostname",
        ] {
            let refused = f
                .client
                .request("resources/read", json!({"uri": uri}))
                .await
                .unwrap_err();
            assert!(
                refused.message.contains("outside the served directory")
                    || refused.message.contains("is absolute"),
                "{uri}: {refused:?}"
            );
        }
        let secret = f._outside.path().join("secret.txt");
        assert_eq!(std::fs::read_to_string(secret).unwrap(), "secret");
        assert!(!f._outside.path().join("new.txt").exists());
    }

    #[tokio::test]
    async fn writes_and_deletes_inside() {
        let f = trusting();
        let wrote = f
            .client
            .call_tool(
                "write_file",
                json!({"path": "drafts/new.txt", "content": "hello"}),
            )
            .await
            .unwrap();
        assert_eq!(wrote.text(), "Wrote 5 bytes to drafts/new.txt.");
        assert_eq!(
            std::fs::read_to_string(f.served.path().join("drafts/new.txt")).unwrap(),
            "hello"
        );
        let deleted = f
            .client
            .call_tool("delete_file", json!({"path": "drafts/new.txt"}))
            .await
            .unwrap();
        assert_eq!(deleted.text(), "Deleted drafts/new.txt.");
        assert!(!f.served.path().join("drafts/new.txt").exists());
        let root = f
            .client
            .call_tool("delete_file", json!({"path": "."}))
            .await
            .unwrap();
        assert!(root.is_error);
    }

    #[tokio::test]
    async fn deleting_asks_first_under_the_default_policy() {
        // The in-memory client declared no elicitation capability, so it cannot be asked:
        // the call is refused before it runs.
        let f = fixture(Policy::new());
        let refused = f
            .client
            .call_tool("delete_file", json!({"path": "notes/todo.md"}))
            .await
            .unwrap_err();
        assert_eq!(refused.code, -32021, "{refused:?}");
        assert!(f.served.path().join("notes/todo.md").exists());
    }
}
