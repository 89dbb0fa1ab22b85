//! Adding a server to a client's configuration file: where each client keeps it, the entry that
//! starts the server or reaches its URL, and a safe update of the file (every other entry and
//! key kept, a backup of the previous contents, an atomic replacement).
//!
//! The file is read and written with `serde_json`, which orders the keys of every object
//! alphabetically: an update keeps every key and value, not their order or the file's layout.

use std::env;
use std::fmt;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde_json::{json, Map, Value};

pub use crate::build::Error;

/// A client that starts MCP servers from a JSON configuration file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Client {
    /// Claude Desktop: `claude_desktop_config.json`, key `mcpServers`.
    ClaudeDesktop,
    /// Claude Code, project scope: `.mcp.json` in the project's directory, key `mcpServers`.
    ClaudeCode,
    /// Cursor: `~/.cursor/mcp.json`, key `mcpServers`.
    Cursor,
    /// VS Code, workspace scope: `.vscode/mcp.json` in the workspace's directory, key `servers`.
    VsCode,
}

impl Client {
    /// Every client, with its name on the command line.
    pub const ALL: [(Client, &'static str); 4] = [
        (Client::ClaudeDesktop, "claude-desktop"),
        (Client::ClaudeCode, "claude-code"),
        (Client::Cursor, "cursor"),
        (Client::VsCode, "vscode"),
    ];

    /// Parses the client's name on the command line (`claude-desktop`, `claude-code`, `cursor`,
    /// `vscode`).
    pub fn parse(name: &str) -> Option<Client> {
        Client::ALL
            .iter()
            .find(|(_, known)| *known == name)
            .map(|(client, _)| *client)
    }

    /// The client's name on the command line.
    pub fn name(self) -> &'static str {
        Client::ALL
            .iter()
            .find(|(client, _)| *client == self)
            .map(|(_, name)| *name)
            .unwrap_or_default()
    }

    /// The key of the configuration file's object that holds the servers, by name.
    pub fn key(self) -> &'static str {
        match self {
            Client::VsCode => "servers",
            _ => "mcpServers",
        }
    }

    /// The client's configuration file: a user's file for Claude Desktop and Cursor, a file of
    /// the project in `cwd` for Claude Code and VS Code.
    pub fn default_path(self, cwd: &Path) -> Result<PathBuf, Error> {
        Ok(match self {
            Client::ClaudeDesktop => claude_desktop_dir()?.join("claude_desktop_config.json"),
            Client::Cursor => home()?.join(".cursor").join("mcp.json"),
            Client::ClaudeCode => cwd.join(".mcp.json"),
            Client::VsCode => cwd.join(".vscode").join("mcp.json"),
        })
    }
}

impl fmt::Display for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The directory of Claude Desktop's configuration: `~/Library/Application Support/Claude` on
/// macOS, `%APPDATA%\Claude` on Windows, `$XDG_CONFIG_HOME/Claude` (by default
/// `~/.config/Claude`) elsewhere.
fn claude_desktop_dir() -> Result<PathBuf, Error> {
    if cfg!(target_os = "macos") {
        Ok(home()?.join("Library/Application Support/Claude"))
    } else if cfg!(windows) {
        env::var_os("APPDATA")
            .filter(|dir| !dir.is_empty())
            .map(|dir| PathBuf::from(dir).join("Claude"))
            .ok_or_else(|| Error("%APPDATA% is not set: pass --config FILE".into()))
    } else {
        match env::var_os("XDG_CONFIG_HOME").filter(|dir| !dir.is_empty()) {
            Some(dir) => Ok(PathBuf::from(dir).join("Claude")),
            None => Ok(home()?.join(".config").join("Claude")),
        }
    }
}

/// The user's home directory: `$HOME`, or `%USERPROFILE%` on Windows.
fn home() -> Result<PathBuf, Error> {
    let var = if cfg!(windows) { "USERPROFILE" } else { "HOME" };
    env::var_os(var)
        .filter(|dir| !dir.is_empty())
        .map(PathBuf::from)
        .ok_or_else(|| Error(format!("${var} is not set: pass --config FILE")))
}

/// How the client reaches the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Server {
    /// The client starts `command` with `args` and speaks MCP on its stdin and stdout.
    Stdio {
        /// The executable, as an absolute path: clients start servers in a directory of their
        /// own.
        command: String,
        /// The server's arguments.
        args: Vec<String>,
    },
    /// The client connects to a server already listening at `url` (Streamable HTTP).
    Http {
        /// The server's endpoint, such as `http://127.0.0.1:8080/mcp`.
        url: String,
    },
}

/// The client's entry for `server`, as `--print-config` prints it (Claude Code's is the one of
/// `claude mcp add --scope project`).
///
/// ```
/// use cargo_mcp::install::{entry, Client, Server};
/// use serde_json::json;
///
/// let url = Server::Http { url: "http://127.0.0.1:8080/mcp".into() };
/// assert_eq!(
///     entry(Client::ClaudeDesktop, &url),
///     json!({"command": "npx", "args": ["-y", "mcp-remote", "http://127.0.0.1:8080/mcp"]})
/// );
/// assert_eq!(entry(Client::Cursor, &url), json!({"url": "http://127.0.0.1:8080/mcp"}));
/// ```
pub fn entry(client: Client, server: &Server) -> Value {
    match (client, server) {
        (Client::ClaudeDesktop | Client::Cursor, Server::Stdio { command, args }) => {
            json!({ "command": command, "args": args })
        }
        (Client::VsCode, Server::Stdio { command, args }) => {
            json!({ "type": "stdio", "command": command, "args": args })
        }
        (Client::ClaudeCode, Server::Stdio { command, args }) => {
            json!({ "type": "stdio", "command": command, "args": args, "env": {} })
        }
        // Claude Desktop starts local processes only; `mcp-remote` bridges to a URL.
        (Client::ClaudeDesktop, Server::Http { url }) => {
            json!({ "command": "npx", "args": ["-y", "mcp-remote", url] })
        }
        (Client::Cursor, Server::Http { url }) => json!({ "url": url }),
        (Client::VsCode | Client::ClaudeCode, Server::Http { url }) => {
            json!({ "type": "http", "url": url })
        }
    }
}

/// What installing changes in a configuration file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plan {
    /// The file holds this very entry already: nothing to write.
    AlreadyInstalled,
    /// The file's new contents (pretty-printed JSON, ending with a newline).
    Write(String),
}

/// Plans putting `entry` under `client.key()` as `name` into the configuration file whose
/// current contents are `existing` (`None` when there is no file yet; an empty file counts as
/// `{}`). `path` names the file in errors. Every other key and entry is kept.
///
/// Errors: contents that are not JSON (with the line and column), a top level or servers'
/// object that is not a JSON object.
pub fn plan(
    path: &Path,
    existing: Option<&[u8]>,
    client: Client,
    name: &str,
    entry: Value,
) -> Result<Plan, Error> {
    let file = path.display();
    let mut config = match existing {
        Some(bytes) if !bytes.iter().all(u8::is_ascii_whitespace) => {
            serde_json::from_slice::<Value>(bytes).map_err(|e| {
                Error(format!(
                    "{file} is not valid JSON ({e}): fix it or pass --config FILE; it was left untouched"
                ))
            })?
        }
        _ => Value::Object(Map::new()),
    };
    let Value::Object(top) = &mut config else {
        return Err(Error(format!(
            "{file} is not a JSON object at the top level: fix it or pass --config FILE; it was left untouched"
        )));
    };
    let key = client.key();
    let servers = top.entry(key).or_insert_with(|| Value::Object(Map::new()));
    let Value::Object(servers) = servers else {
        return Err(Error(format!(
            "`{key}` in {file} is not a JSON object: fix it or pass --config FILE; it was left untouched"
        )));
    };
    if existing.is_some() && servers.get(name) == Some(&entry) {
        return Ok(Plan::AlreadyInstalled);
    }
    servers.insert(name.to_owned(), entry);
    let mut text = serde_json::to_string_pretty(&config)
        .map_err(|e| Error(format!("cannot write JSON: {e}")))?;
    text.push('\n');
    Ok(Plan::Write(text))
}

/// Checks that the configuration file whose contents are `existing` can take an entry, as
/// [`plan`] does: before a build, so that a file to fix is named without waiting for it.
pub fn check(path: &Path, existing: Option<&[u8]>, client: Client) -> Result<(), Error> {
    plan(path, existing, client, "", Value::Null).map(drop)
}

/// What [`write()`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Written {
    /// The file was created, with its directory when missing.
    Created,
    /// The file was replaced; its previous contents are in the backup.
    Updated {
        /// `FILE.bak`.
        backup: PathBuf,
    },
}

/// Writes `contents` to `path`: creates its directory when missing, copies the previous
/// contents (`existing`) to `FILE.bak` first, and replaces the file atomically (a temporary file
/// in the same directory, renamed over it) with the previous file's permissions.
pub fn write(path: &Path, existing: Option<&[u8]>, contents: &str) -> Result<Written, Error> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_owned(),
        _ => PathBuf::from("."),
    };
    let cannot_write = |e: io::Error| Error(format!("cannot write to {}: {e}", dir.display()));
    fs::create_dir_all(&dir).map_err(cannot_write)?;
    let backup = existing
        .map(|previous| {
            let mut backup = path.as_os_str().to_owned();
            backup.push(".bak");
            let backup = PathBuf::from(backup);
            fs::write(&backup, previous).map(|()| backup)
        })
        .transpose()
        .map_err(cannot_write)?;
    let file_name = path.file_name().unwrap_or_default().to_string_lossy();
    let temporary = dir.join(format!(".{file_name}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temporary)?;
        file.write_all(contents.as_bytes())?;
        if let Ok(metadata) = fs::metadata(path) {
            file.set_permissions(metadata.permissions())?;
        }
        file.sync_all()?;
        fs::rename(&temporary, path)
    })();
    if let Err(e) = result {
        let _ = fs::remove_file(&temporary);
        return Err(cannot_write(e));
    }
    Ok(match backup {
        Some(backup) => Written::Updated { backup },
        None => Written::Created,
    })
}

/// Reads the configuration file, `None` when there is none. A symbolic link is followed: the
/// file it points to is the one to update.
pub fn read(path: &Path) -> Result<(PathBuf, Option<Vec<u8>>), Error> {
    let path = match fs::symlink_metadata(path) {
        Ok(metadata) if metadata.file_type().is_symlink() => {
            fs::canonicalize(path).unwrap_or_else(|_| path.to_owned())
        }
        _ => path.to_owned(),
    };
    match fs::read(&path) {
        Ok(bytes) => Ok((path, Some(bytes))),
        // A file in a directory that is not one yet: `write` says which directory.
        Err(e)
            if matches!(
                e.kind(),
                io::ErrorKind::NotFound | io::ErrorKind::NotADirectory
            ) =>
        {
            Ok((path, None))
        }
        Err(e) => Err(Error(format!("cannot read {}: {e}", path.display()))),
    }
}
