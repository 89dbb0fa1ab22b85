//! The MCP Registry's `server.json` of a server crate: made from its `Cargo.toml` and the
//! manifest its binary prints with `--manifest`, valid against the registry's schema of
//! 2025-12-11.
//!
//! The entry has a `cargo` package (the crate on crates.io, started over stdio; and, when the
//! server serves HTTP too, the same crate started with `--transport http`), an `mcpb` package
//! and an `oci` package when given, and remotes when given. The server's own options become
//! the packages' arguments, the runtime's environment variables (`MCP_POLICY`, ...) their
//! environment, and every capability's risk level and scopes go into the publisher's `_meta`,
//! for reviewers and downstream registries.
//!
//! ```
//! use cargo_mcp::server_json::{self, Publish};
//! use cargo_mcp::build::PackageInfo;
//! use serde_json::json;
//!
//! let manifest = json!({
//!     "server": {"name": "calculator", "version": "1.0.0", "title": "Calculator"},
//!     "tools": [{"name": "add", "risk": "low", "scopes": []}],
//!     "transports": ["stdio"],
//!     "options": [],
//! });
//! let info = PackageInfo {
//!     version: "1.0.0".into(),
//!     description: Some("Adds numbers.".into()),
//!     ..PackageInfo::default()
//! };
//! let publish = Publish::new("io.github.example/calculator");
//! let entry = server_json::entry("calculator", &info, &manifest, &publish)?;
//! assert_eq!(entry["packages"][0]["registryType"], "cargo");
//! assert_eq!(entry["packages"][0]["identifier"], "calculator");
//! assert_eq!(
//!     entry["_meta"]["io.modelcontextprotocol.registry/publisher-provided"]["mcp-runtime"]["tools"][0]["risk"],
//!     "low"
//! );
//! # Ok::<(), cargo_mcp::build::Error>(())
//! ```

use std::path::Path;

use serde_json::{json, Map, Value};

use crate::build::{Error, PackageInfo};

/// The schema the entries are made for.
pub const SCHEMA: &str =
    "https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json";

/// The key of the publisher's metadata in `_meta`.
pub const PUBLISHER_META: &str = "io.modelcontextprotocol.registry/publisher-provided";

/// The longest description the registry takes.
pub const DESCRIPTION_MAX: usize = 100;

/// What the registry entry says beyond `Cargo.toml`: its name and the other places the server
/// can be had from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Publish {
    /// The registry name, `io.github.OWNER/NAME` (reverse DNS, one slash).
    pub name: String,
    /// The description, instead of `Cargo.toml`'s (the registry takes at most 100 characters).
    pub description: Option<String>,
    /// A downloadable bundle: its HTTPS URL and its SHA-256 (hex).
    pub mcpb: Option<(String, String)>,
    /// An OCI image reference (`ghcr.io/owner/server:1.0.0`).
    pub oci: Option<String>,
    /// URLs where the server is already served (streamable HTTP).
    pub remotes: Vec<String>,
}

impl Publish {
    /// An entry named `name`, with the crate as its only package.
    pub fn new(name: impl Into<String>) -> Self {
        Publish {
            name: name.into(),
            ..Publish::default()
        }
    }
}

/// Checks a registry name: reverse DNS, one slash, the registry's characters and length.
pub fn check_name(name: &str) -> Result<(), Error> {
    let valid_namespace = |part: &str| {
        !part.is_empty()
            && part
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
    };
    let valid_name = |part: &str| {
        !part.is_empty()
            && part
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
    };
    match name.split_once('/') {
        Some((namespace, server))
            if valid_namespace(namespace)
                && valid_name(server)
                && (3..=200).contains(&name.len()) =>
        {
            Ok(())
        }
        _ => Err(Error(format!(
            "`{name}` is not a registry name: give it as io.github.OWNER/NAME (reverse DNS of a namespace you own, one slash, letters, digits, `.`, `-` and `_`)"
        ))),
    }
}

/// The registry name of a crate whose repository is on GitHub: `io.github.OWNER/PACKAGE`.
pub fn name_from_repository(repository: &str, package: &str) -> Option<String> {
    let rest = repository
        .strip_prefix("https://github.com/")
        .or_else(|| repository.strip_prefix("http://github.com/"))?;
    let owner = rest.split('/').next().filter(|owner| !owner.is_empty())?;
    Some(format!("io.github.{owner}/{package}"))
}

/// The registry name a README declares on its `mcp-name:` line, if it has one.
pub fn readme_name(readme: &str) -> Option<String> {
    readme.lines().find_map(|line| {
        let (_, rest) = line.split_once("mcp-name:")?;
        let name: String = rest
            .trim_start()
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '/'))
            .collect();
        (!name.is_empty()).then_some(name)
    })
}

/// Checks that the README at `path` carries the `mcp-name: NAME` line by which the registry
/// verifies that the crate is the publisher's; the error says which line to add.
pub fn check_readme(path: Option<&Path>, name: &str) -> Result<(), Error> {
    let line = format!("mcp-name: {name}");
    let Some(path) = path else {
        return Err(Error(format!(
            "the package has no README: the registry checks a crate's README for the line `{line}`; add a README.md with it (or set `readme` in Cargo.toml)"
        )));
    };
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error(format!("cannot read the README {}: {e}", path.display())))?;
    match readme_name(&text) {
        Some(found) if found == name => Ok(()),
        Some(found) => Err(Error(format!(
            "{} names the server `{found}` (mcp-name:), not `{name}`: make the line read `{line}`, or pass --name {found}",
            path.display()
        ))),
        None => Err(Error(format!(
            "{} has no `mcp-name:` line: the registry checks a crate's README for it; add the line `{line}` (visible text, e.g. at the end)",
            path.display()
        ))),
    }
}

/// The `server.json` of the crate `package`, from its `Cargo.toml` (`info`) and the manifest
/// its binary printed.
pub fn entry(
    package: &str,
    info: &PackageInfo,
    manifest: &Value,
    publish: &Publish,
) -> Result<Value, Error> {
    check_name(&publish.name)?;
    let description = match (&publish.description, &info.description) {
        (Some(text), _) | (None, Some(text)) => text.trim().to_owned(),
        (None, None) => {
            return Err(Error(
                "no description: set `description` in Cargo.toml, or pass --description TEXT"
                    .into(),
            ))
        }
    };
    let length = description.chars().count();
    if !(1..=DESCRIPTION_MAX).contains(&length) {
        return Err(Error(format!(
            "the description has {length} characters and the registry takes 1 to {DESCRIPTION_MAX}: pass a shorter one with --description TEXT"
        )));
    }
    if info.version.is_empty() {
        return Err(Error("the package has no version in Cargo.toml".into()));
    }

    let mut entry = Map::new();
    entry.insert("$schema".into(), SCHEMA.into());
    entry.insert("name".into(), publish.name.clone().into());
    if let Some(title) = manifest["server"]["title"].as_str() {
        entry.insert("title".into(), title.into());
    }
    entry.insert("description".into(), description.into());
    entry.insert("version".into(), info.version.clone().into());
    if let Some(url) = &info.repository {
        entry.insert("repository".into(), repository(url, info));
    }
    if let Some(homepage) = &info.homepage {
        entry.insert("websiteUrl".into(), homepage.clone().into());
    }

    let arguments = package_arguments(manifest);
    let environment = environment_variables(manifest);
    let transports: Vec<&str> = manifest["transports"]
        .as_array()
        .map(|list| list.iter().filter_map(Value::as_str).collect())
        .unwrap_or_else(|| vec!["stdio"]);
    let mut packages = Vec::new();
    let cargo = |transport: Value, extra: Vec<Value>| {
        let mut arguments = arguments.clone();
        arguments.extend(extra);
        let mut package = json!({
            "registryType": "cargo",
            "registryBaseUrl": "https://crates.io",
            "identifier": package,
            "version": info.version,
            "transport": transport,
        });
        if !arguments.is_empty() {
            package["packageArguments"] = Value::Array(arguments);
        }
        if !environment.is_empty() {
            package["environmentVariables"] = Value::Array(environment.clone());
        }
        package
    };
    packages.push(cargo(json!({"type": "stdio"}), Vec::new()));
    if transports.contains(&"streamable-http") {
        packages.push(cargo(
            json!({"type": "streamable-http", "url": "http://127.0.0.1:8080/mcp"}),
            vec![json!({
                "type": "named",
                "name": "--transport",
                "value": "http",
                "description": "Serve over streamable HTTP, at http://127.0.0.1:8080/mcp",
            })],
        ));
    }
    if let Some((url, sha256)) = &publish.mcpb {
        let mut bundle = json!({
            "registryType": "mcpb",
            "identifier": url,
            "version": info.version,
            "fileSha256": sha256,
            "transport": {"type": "stdio"},
        });
        if !environment.is_empty() {
            bundle["environmentVariables"] = Value::Array(environment.clone());
        }
        packages.push(bundle);
    }
    if let Some(image) = &publish.oci {
        let mut oci = json!({
            "registryType": "oci",
            "identifier": image,
            "transport": {"type": "stdio"},
        });
        if !arguments.is_empty() {
            oci["packageArguments"] = Value::Array(arguments.clone());
        }
        if !environment.is_empty() {
            oci["environmentVariables"] = Value::Array(environment.clone());
        }
        packages.push(oci);
    }
    entry.insert("packages".into(), Value::Array(packages));
    if !publish.remotes.is_empty() {
        let remotes = publish
            .remotes
            .iter()
            .map(|url| json!({"type": "streamable-http", "url": url}))
            .collect();
        entry.insert("remotes".into(), Value::Array(remotes));
    }
    entry.insert(
        "_meta".into(),
        json!({ PUBLISHER_META: {
            "tool": "cargo-mcp",
            "version": env!("CARGO_PKG_VERSION"),
            "mcp-runtime": risks(manifest),
        }}),
    );
    Ok(Value::Object(entry))
}

/// The repository object: its URL, the forge it is on, and the package's folder in it when the
/// package is not at the workspace's root (the repository being the workspace).
fn repository(url: &str, info: &PackageInfo) -> Value {
    let source = ["github", "gitlab", "bitbucket", "codeberg"]
        .into_iter()
        .find(|forge| url.contains(&format!("{forge}.")))
        .unwrap_or("git");
    let mut repository = json!({"url": url.trim_end_matches(".git"), "source": source});
    let package_dir = info
        .directory
        .strip_prefix(&info.workspace_root)
        .ok()
        .and_then(Path::to_str)
        .filter(|dir| !dir.is_empty());
    if let Some(dir) = package_dir {
        repository["subfolder"] = dir.replace('\\', "/").into();
    }
    repository
}

/// The server's own options as named arguments.
fn package_arguments(manifest: &Value) -> Vec<Value> {
    manifest["options"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|option| {
            let format = match option["kind"].as_str() {
                Some("file" | "directory") => "filepath",
                Some("number") => "number",
                Some("boolean") => "boolean",
                _ => "string",
            };
            let mut argument = json!({
                "type": "named",
                "name": option["name"],
                "description": option["description"],
                "format": format,
                "isRequired": option["required"].as_bool().unwrap_or(false),
            });
            if let Some(default) = option["default"].as_str() {
                argument["default"] = default.into();
            }
            argument
        })
        .collect()
}

/// The environment variables every server built with mcp-runtime reads, and those of its own
/// options.
fn environment_variables(manifest: &Value) -> Vec<Value> {
    let mut variables = vec![
        json!({
            "name": "MCP_POLICY",
            "description": "A permission policy file (TOML): what runs, what asks first, what is refused",
            "format": "filepath",
            "isRequired": false,
        }),
        json!({
            "name": "MCP_POLICY_ALLOW_UP_TO",
            "description": "The highest risk level that runs without asking",
            "isRequired": false,
            "choices": ["low", "medium", "high", "critical"],
        }),
        json!({
            "name": "MCP_POLICY_CONFIRM_UP_TO",
            "description": "The highest risk level that runs after the user confirms; above it, calls are refused",
            "isRequired": false,
            "choices": ["low", "medium", "high", "critical"],
        }),
        json!({
            "name": "RUST_LOG",
            "description": "What the server logs on standard error (default: info)",
            "isRequired": false,
        }),
    ];
    for option in manifest["options"].as_array().into_iter().flatten() {
        if let Some(name) = option["env"].as_str() {
            variables.push(json!({
                "name": name,
                "description": option["description"],
                "isRequired": false,
            }));
        }
    }
    variables
}

/// Every capability's risk level and scopes, and the policy the server ships with.
pub fn risks(manifest: &Value) -> Value {
    let list = |kind: &str, key: &str| -> Vec<Value> {
        manifest[kind]
            .as_array()
            .into_iter()
            .flatten()
            .map(|capability| {
                let mut entry = json!({
                    key: capability[key],
                    "risk": capability["risk"],
                    "scopes": capability["scopes"],
                });
                if kind == "tools" {
                    if let Some(hints) = capability.get("annotations") {
                        entry["annotations"] = hints.clone();
                    }
                }
                entry
            })
            .collect()
    };
    json!({
        "policy": manifest["policy"],
        "tools": list("tools", "name"),
        "resources": manifest["resources"].as_array().map(|resources| {
            resources.iter().map(|resource| {
                let uri = resource.get("uri").or_else(|| resource.get("uriTemplate"));
                json!({"uri": uri, "risk": resource["risk"], "scopes": resource["scopes"]})
            }).collect::<Vec<_>>()
        }).unwrap_or_default(),
        "prompts": list("prompts", "name"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_registry_pattern() {
        assert!(check_name("io.github.example/accounts").is_ok());
        assert!(check_name("com.example.mcp/my_server-2").is_ok());
        for bad in [
            "accounts",
            "io.github.example/",
            "/x",
            "a/b/c",
            "io github/x",
            "a/",
        ] {
            let error = check_name(bad).unwrap_err().0;
            assert!(error.contains("io.github.OWNER/NAME"), "{bad}: {error}");
        }
    }

    #[test]
    fn a_github_repository_gives_the_name() {
        assert_eq!(
            name_from_repository("https://github.com/acme/tools", "accounts").as_deref(),
            Some("io.github.acme/accounts")
        );
        assert_eq!(
            name_from_repository("https://gitlab.com/acme/tools", "x"),
            None
        );
    }

    #[test]
    fn the_readme_line_is_found_in_text_and_in_comments() {
        assert_eq!(
            readme_name("# Accounts\n\nmcp-name: io.github.acme/accounts\n").as_deref(),
            Some("io.github.acme/accounts")
        );
        assert_eq!(
            readme_name("<!-- mcp-name: io.github.acme/x -->").as_deref(),
            Some("io.github.acme/x")
        );
        assert_eq!(readme_name("# Accounts\n"), None);
    }

    #[test]
    fn a_long_description_is_refused_with_the_flag_to_use() {
        let info = PackageInfo {
            version: "1.0.0".into(),
            description: Some("x".repeat(101)),
            ..PackageInfo::default()
        };
        let error = entry("x", &info, &json!({}), &Publish::new("io.github.a/x"))
            .unwrap_err()
            .0;
        assert!(
            error.contains("101 characters") && error.contains("--description"),
            "{error}"
        );
    }
}
