//! MCP bundles (`.mcpb`): a zip holding the server's release binary and a `manifest.json`
//! (manifest version 0.3, `server.type = "binary"`), which desktop clients install with one
//! click.
//!
//! The manifest is made from `Cargo.toml` and the server's own `--manifest`: its tools and
//! prompts, a `user_config` entry per option of its own (`--db PATH` becomes a file the user
//! picks, passed as `--db ${user_config.db}`), the platform the binary was built for, and
//! every capability's risk level under `_meta`. The archive is reproducible: its entries are
//! written in a fixed order, with fixed timestamps and permissions, so the same binary and
//! manifest give the same bytes and the same SHA-256.
//!
//! ```
//! use cargo_mcp::build::PackageInfo;
//! use cargo_mcp::bundle::{self, Platform};
//! use serde_json::json;
//!
//! let manifest = json!({
//!     "server": {"name": "accounts", "version": "1.0.0", "title": "Accounts"},
//!     "tools": [{"name": "get_account", "description": "One account.", "risk": "low"}],
//!     "options": [{"name": "--db", "description": "the SQLite database", "kind": "file",
//!                  "default": "accounts.db", "required": false}],
//! });
//! let info = PackageInfo {
//!     version: "1.0.0".into(),
//!     description: Some("Accounts for agents.".into()),
//!     authors: vec!["Ada <ada@example.com>".into()],
//!     ..PackageInfo::default()
//! };
//! let platform = Platform::from_triple("x86_64-unknown-linux-gnu")?;
//! let json = bundle::manifest("accounts", "accounts", &info, &manifest, platform)?;
//! assert_eq!(json["server"]["mcp_config"]["command"], "${__dirname}/server/accounts");
//! assert_eq!(json["server"]["mcp_config"]["args"], json!(["--db", "${user_config.db}"]));
//! assert_eq!(json["user_config"]["db"]["type"], "file");
//! assert_eq!(json["compatibility"]["platforms"], json!(["linux"]));
//! # Ok::<(), cargo_mcp::build::Error>(())
//! ```

use std::io::{Cursor, Write};
use std::path::Path;

use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

use crate::build::{Error, PackageInfo};
use crate::server_json;

/// The manifest version written.
pub const MANIFEST_VERSION: &str = "0.3";

/// The operating system a bundle's binary runs on, as bundles name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Platform {
    /// macOS.
    Darwin,
    /// Windows.
    Win32,
    /// Linux.
    Linux,
}

impl Platform {
    /// The platform of a target triple (`x86_64-unknown-linux-gnu`, `aarch64-apple-darwin`,
    /// `x86_64-pc-windows-msvc`); other systems have no bundle platform.
    pub fn from_triple(triple: &str) -> Result<Platform, Error> {
        if triple.contains("-linux") {
            Ok(Platform::Linux)
        } else if triple.contains("-apple-darwin") {
            Ok(Platform::Darwin)
        } else if triple.contains("-windows") {
            Ok(Platform::Win32)
        } else {
            Err(Error(format!(
                "bundles run on macOS, Windows and Linux: `{triple}` is none of them; pass --target with one"
            )))
        }
    }

    /// Its name in `compatibility.platforms`.
    pub fn name(self) -> &'static str {
        match self {
            Platform::Darwin => "darwin",
            Platform::Win32 => "win32",
            Platform::Linux => "linux",
        }
    }

    /// The binary's file name in the bundle: `server/NAME`, with `.exe` on Windows.
    pub fn entry_point(self, bin: &str) -> String {
        match self {
            Platform::Win32 => format!("server/{bin}.exe"),
            _ => format!("server/{bin}"),
        }
    }
}

/// The bundle's `manifest.json` for the binary `bin` of the package `package`, from its
/// `Cargo.toml` (`info`) and the manifest the server printed.
pub fn manifest(
    package: &str,
    bin: &str,
    info: &PackageInfo,
    manifest: &Value,
    platform: Platform,
) -> Result<Value, Error> {
    let description = info.description.clone().ok_or_else(|| {
        Error("no description: set `description` in Cargo.toml; bundles need one".into())
    })?;
    let author = info.authors.first().ok_or_else(|| {
        Error("no author: set `authors` in Cargo.toml (\"Name <email>\"), or pass --author NAME; bundles need one".into())
    })?;

    let (user_config, args) = user_config(manifest);
    let entry_point = platform.entry_point(bin);
    let mut out = Map::new();
    out.insert("manifest_version".into(), MANIFEST_VERSION.into());
    out.insert("name".into(), package.into());
    if let Some(title) = manifest["server"]["title"].as_str() {
        out.insert("display_name".into(), title.into());
    }
    out.insert("version".into(), info.version.clone().into());
    out.insert("description".into(), description.into());
    out.insert("author".into(), author_of(author));
    if let Some(url) = &info.repository {
        out.insert("repository".into(), json!({"type": "git", "url": url}));
    }
    if let Some(homepage) = &info.homepage {
        out.insert("homepage".into(), homepage.clone().into());
    }
    if let Some(license) = &info.license {
        out.insert("license".into(), license.clone().into());
    }
    if !info.keywords.is_empty() {
        out.insert("keywords".into(), json!(info.keywords));
    }
    out.insert(
        "server".into(),
        json!({
            "type": "binary",
            "entry_point": entry_point,
            "mcp_config": {
                "command": format!("${{__dirname}}/{entry_point}"),
                "args": args,
                "env": {},
            },
        }),
    );
    let tools: Vec<Value> = manifest["tools"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|tool| {
            let mut entry = json!({"name": tool["name"]});
            if let Some(description) = tool["description"].as_str() {
                entry["description"] = description.into();
            }
            entry
        })
        .collect();
    out.insert("tools".into(), Value::Array(tools));
    out.insert("tools_generated".into(), false.into());
    // A prompt of this server is made by code when it is asked for: its text here is its
    // description, and `prompts_generated` tells the host the server makes the messages.
    let prompts: Vec<Value> = manifest["prompts"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|prompt| {
            let arguments: Vec<Value> = prompt["arguments"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|argument| argument["name"].clone())
                .collect();
            let description = prompt["description"].as_str().unwrap_or_default();
            json!({
                "name": prompt["name"],
                "description": description,
                "arguments": arguments,
                "text": description,
            })
        })
        .collect();
    if !prompts.is_empty() {
        out.insert("prompts".into(), Value::Array(prompts));
        out.insert("prompts_generated".into(), true.into());
    }
    out.insert(
        "compatibility".into(),
        json!({"platforms": [platform.name()]}),
    );
    if !user_config.is_empty() {
        out.insert("user_config".into(), Value::Object(user_config));
    }
    out.insert(
        "_meta".into(),
        json!({"mcp-runtime": server_json::risks(manifest)}),
    );
    Ok(Value::Object(out))
}

/// `Name <email>` as the manifest's author object.
fn author_of(author: &str) -> Value {
    match author.split_once('<') {
        Some((name, rest)) => {
            let email = rest.trim_end().trim_end_matches('>').trim();
            let mut author = json!({"name": name.trim()});
            if email.contains('@') {
                author["email"] = email.into();
            }
            author
        }
        None => json!({"name": author.trim()}),
    }
}

/// A `user_config` entry and its arguments for each of the server's own options that takes a
/// value. A flag cannot be given as a value (`--flag true`), so flags are left out. An option
/// without a default, or whose default is a relative path (relative to a directory the client
/// chooses), is asked for as required: the command line cannot leave an empty value out.
fn user_config(manifest: &Value) -> (Map<String, Value>, Vec<Value>) {
    let mut config = Map::new();
    let mut args = Vec::new();
    for option in manifest["options"].as_array().into_iter().flatten() {
        let (Some(name), Some(kind)) = (option["name"].as_str(), option["kind"].as_str()) else {
            continue;
        };
        if kind == "boolean" {
            continue;
        }
        let key = name.trim_start_matches('-').replace('-', "_");
        let mut title: String = key.replace('_', " ");
        if let Some(first) = title.get_mut(0..1) {
            first.make_ascii_uppercase();
        }
        let description = option["description"].as_str().unwrap_or_default();
        let mut entry = json!({
            "type": kind,
            "title": title,
            "description": if description.is_empty() { name } else { description },
        });
        let path = matches!(kind, "file" | "directory");
        let default = option["default"]
            .as_str()
            .filter(|value| !path || Path::new(value).is_absolute());
        match default {
            Some(value) if kind == "number" => match value.parse::<f64>() {
                Ok(number) => entry["default"] = json!(number),
                Err(_) => entry["required"] = true.into(),
            },
            Some(value) => entry["default"] = value.into(),
            None => entry["required"] = true.into(),
        }
        args.push(Value::String(name.to_owned()));
        args.push(Value::String(format!("${{user_config.{key}}}")));
        config.insert(key, entry);
    }
    (config, args)
}

/// The bundle's bytes: `manifest.json` and the binary at its entry point, deflated, in that
/// order, dated 1980-01-01 and with fixed permissions (0644, and 0755 for the binary), so that
/// the same input gives the same bytes.
pub fn archive(manifest: &Value, entry_point: &str, binary: &[u8]) -> Result<Vec<u8>, Error> {
    let mut text = serde_json::to_string_pretty(manifest).expect("a manifest serialises");
    text.push('\n');
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .last_modified_time(DateTime::default());
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    let failed = |e: &dyn std::fmt::Display| Error(format!("cannot write the bundle: {e}"));
    zip.start_file("manifest.json", options.unix_permissions(0o644))
        .map_err(|e| failed(&e))?;
    zip.write_all(text.as_bytes()).map_err(|e| failed(&e))?;
    zip.start_file(entry_point, options.unix_permissions(0o755))
        .map_err(|e| failed(&e))?;
    zip.write_all(binary).map_err(|e| failed(&e))?;
    let bytes = zip.finish().map_err(|e| failed(&e))?.into_inner();
    Ok(bytes)
}

/// The SHA-256 of `bytes`, in lowercase hex, as `server.json`'s `fileSha256` takes it.
pub fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accounts() -> Value {
        json!({
            "server": {"name": "accounts", "title": "Accounts"},
            "tools": [{"name": "close_account", "risk": "critical", "scopes": ["accounts:admin"]}],
            "prompts": [{"name": "summarize_account", "description": "Drafts a summary.",
                         "arguments": [{"name": "id", "required": true}], "risk": "low", "scopes": []}],
            "options": [
                {"name": "--db", "description": "the database", "kind": "file", "default": "accounts.db", "required": false},
                {"name": "--verbose", "description": "say more", "kind": "boolean", "required": false},
                {"name": "--max-rows", "description": "at most", "kind": "number", "default": "50", "required": false},
            ],
        })
    }

    fn info() -> PackageInfo {
        PackageInfo {
            version: "0.1.0".into(),
            description: Some("Accounts.".into()),
            authors: vec!["Ada Lovelace <ada@example.com>".into()],
            ..PackageInfo::default()
        }
    }

    #[test]
    fn options_become_user_config_and_arguments() {
        let json = manifest(
            "accounts",
            "accounts",
            &info(),
            &accounts(),
            Platform::Linux,
        )
        .unwrap();
        assert_eq!(
            json["server"]["mcp_config"]["args"],
            json!([
                "--db",
                "${user_config.db}",
                "--max-rows",
                "${user_config.max_rows}"
            ])
        );
        // A relative default means nothing where the client starts the server.
        assert_eq!(json["user_config"]["db"]["required"], true);
        assert!(json["user_config"]["db"].get("default").is_none());
        assert_eq!(json["user_config"]["max_rows"]["default"], 50.0);
        assert_eq!(json["user_config"]["max_rows"]["title"], "Max rows");
        assert!(json["user_config"].get("verbose").is_none());
        assert_eq!(
            json["author"],
            json!({"name": "Ada Lovelace", "email": "ada@example.com"})
        );
        assert_eq!(json["prompts"][0]["arguments"], json!(["id"]));
        assert_eq!(json["_meta"]["mcp-runtime"]["tools"][0]["risk"], "critical");
    }

    #[test]
    fn windows_binaries_end_in_exe() {
        let json = manifest(
            "accounts",
            "accounts",
            &info(),
            &accounts(),
            Platform::Win32,
        )
        .unwrap();
        assert_eq!(json["server"]["entry_point"], "server/accounts.exe");
        assert_eq!(json["compatibility"]["platforms"], json!(["win32"]));
    }

    #[test]
    fn a_bundle_needs_an_author() {
        let info = PackageInfo {
            authors: Vec::new(),
            ..info()
        };
        let error = manifest("a", "a", &info, &accounts(), Platform::Linux)
            .unwrap_err()
            .0;
        assert!(error.contains("--author"), "{error}");
    }

    #[test]
    fn the_same_input_gives_the_same_bytes() {
        let json = manifest(
            "accounts",
            "accounts",
            &info(),
            &accounts(),
            Platform::Linux,
        )
        .unwrap();
        let one = archive(&json, "server/accounts", b"\x7fELF binary").unwrap();
        let two = archive(&json, "server/accounts", b"\x7fELF binary").unwrap();
        assert_eq!(one, two);
        assert_eq!(sha256(&one), sha256(&two));
        let three = archive(&json, "server/accounts", b"\x7fELF other").unwrap();
        assert_ne!(sha256(&one), sha256(&three));
        assert_eq!(
            sha256(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn unknown_systems_have_no_platform() {
        assert_eq!(
            Platform::from_triple("aarch64-apple-darwin").unwrap(),
            Platform::Darwin
        );
        let error = Platform::from_triple("wasm32-unknown-unknown")
            .unwrap_err()
            .0;
        assert!(error.contains("--target"), "{error}");
    }
}
