//! Finding a server crate with `cargo metadata`, building it, and running it with `--manifest`.

use std::env;
use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

/// Which server to build: the package and binary selectors of `cargo mcp manifest`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    /// `--package NAME`: a package of the workspace, instead of the one in the current directory.
    pub package: Option<String>,
    /// `--bin NAME`: the binary target, required when the package has several.
    pub bin: Option<String>,
    /// `--manifest-path PATH`: the `Cargo.toml` to start from, instead of the current directory.
    pub manifest_path: Option<PathBuf>,
}

/// A failure to produce the manifest, with one line saying what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error(pub String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

/// The binary target chosen: its package, its name and the `Cargo.toml` of its package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The package's name.
    pub package: String,
    /// The binary target's name.
    pub bin: String,
    /// The package's `Cargo.toml`.
    pub manifest_path: PathBuf,
    /// What `Cargo.toml` says of the package: version, description, links.
    pub info: PackageInfo,
}

/// The fields of a package's `Cargo.toml` that a registry entry and a bundle are made from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PackageInfo {
    /// `version`.
    pub version: String,
    /// `description`.
    pub description: Option<String>,
    /// `repository`: the source's URL.
    pub repository: Option<String>,
    /// `homepage`.
    pub homepage: Option<String>,
    /// `license`: an SPDX expression.
    pub license: Option<String>,
    /// `authors`.
    pub authors: Vec<String>,
    /// `keywords`.
    pub keywords: Vec<String>,
    /// The README: `readme`, else `README.md` in the package's directory when it exists.
    pub readme: Option<PathBuf>,
    /// The package's directory.
    pub directory: PathBuf,
    /// The root directory of the package's workspace.
    pub workspace_root: PathBuf,
    /// The workspace's target directory, where builds go.
    pub target_directory: PathBuf,
}

/// The `cargo` to run: `$CARGO` when cargo started us, else `cargo` from `PATH`.
fn cargo() -> Command {
    Command::new(env::var_os("CARGO").unwrap_or_else(|| OsString::from("cargo")))
}

/// Finds the package and binary target to build, with `cargo metadata --no-deps`.
pub fn locate(selection: &Selection) -> Result<Target, Error> {
    let start = match &selection.manifest_path {
        Some(path) => {
            let path = path
                .canonicalize()
                .map_err(|e| Error(format!("cannot read {}: {e}", path.display())))?;
            Some(path)
        }
        None => {
            let cwd = env::current_dir()
                .map_err(|e| Error(format!("cannot read the current directory: {e}")))?;
            cwd.ancestors()
                .map(|dir| dir.join("Cargo.toml"))
                .find(|path| path.is_file())
                .map(|path| path.canonicalize().unwrap_or(path))
        }
    };
    let Some(start) = start else {
        return Err(Error(
            "no Cargo package here: run in a server crate's directory, or pass --manifest-path PATH"
                .into(),
        ));
    };
    let mut command = cargo();
    command
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--manifest-path",
        ])
        .arg(&start)
        .stdin(Stdio::null())
        .stderr(Stdio::inherit());
    let output = command
        .output()
        .map_err(|e| Error(format!("cannot run `cargo metadata`: {e}")))?;
    if !output.status.success() {
        return Err(Error(format!(
            "`cargo metadata` failed on {}: fix the Cargo.toml, or pass --manifest-path PATH",
            start.display()
        )));
    }
    let metadata: Value = serde_json::from_slice(&output.stdout)
        .map_err(|e| Error(format!("`cargo metadata` printed no JSON: {e}")))?;
    choose(&metadata, &start, selection)
}

/// Chooses the package and binary target among `cargo metadata`'s output, `start` being the
/// `Cargo.toml` found from the current directory or given by `--manifest-path`.
pub fn choose(metadata: &Value, start: &Path, selection: &Selection) -> Result<Target, Error> {
    let packages = metadata["packages"].as_array().cloned().unwrap_or_default();
    let package = match &selection.package {
        Some(name) => packages
            .iter()
            .find(|package| package["name"] == name.as_str())
            .ok_or_else(|| {
                Error(format!(
                    "no package `{name}` in the workspace of {}: check --package",
                    start.display()
                ))
            })?,
        None => packages
            .iter()
            .find(|package| package["manifest_path"].as_str().map(Path::new) == Some(start))
            .ok_or_else(|| {
                Error(format!(
                    "no Cargo package in {} (a workspace root?): pass --package NAME, or run in a server crate's directory",
                    start.parent().unwrap_or(start).display()
                ))
            })?,
    };
    let name = package["name"].as_str().unwrap_or_default().to_owned();
    let bins: Vec<&str> = package["targets"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|target| {
            target["kind"]
                .as_array()
                .is_some_and(|kinds| kinds.iter().any(|kind| kind == "bin"))
        })
        .filter_map(|target| target["name"].as_str())
        .collect();
    let bin = match (&selection.bin, bins.as_slice()) {
        (Some(bin), _) if bins.contains(&bin.as_str()) => bin.clone(),
        (Some(bin), _) => {
            return Err(Error(format!(
                "package `{name}` has no binary `{bin}`: pass --bin with one of: {}",
                bins.join(", ")
            )))
        }
        (None, []) => {
            return Err(Error(format!(
                "package `{name}` has no binary: an MCP server crate has a `src/main.rs` or a [[bin]] target"
            )))
        }
        (None, [bin]) => (*bin).to_owned(),
        (None, _) => {
            return Err(Error(format!(
                "package `{name}` has several binaries: pass --bin with one of: {}",
                bins.join(", ")
            )))
        }
    };
    let manifest_path = PathBuf::from(package["manifest_path"].as_str().unwrap_or_default());
    let text = |key: &str| package[key].as_str().map(str::to_owned);
    let list = |key: &str| -> Vec<String> {
        package[key]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|value| value.as_str().map(str::to_owned))
            .collect()
    };
    let directory = manifest_path.parent().unwrap_or(Path::new("."));
    let readme = match text("readme") {
        Some(readme) => Some(directory.join(readme)),
        None => Some(directory.join("README.md")).filter(|path| path.is_file()),
    };
    let info = PackageInfo {
        version: text("version").unwrap_or_default(),
        description: text("description"),
        repository: text("repository"),
        homepage: text("homepage"),
        license: text("license"),
        authors: list("authors"),
        keywords: list("keywords"),
        readme,
        directory: directory.to_owned(),
        workspace_root: PathBuf::from(metadata["workspace_root"].as_str().unwrap_or_default()),
        target_directory: PathBuf::from(metadata["target_directory"].as_str().unwrap_or_default()),
    };
    Ok(Target {
        package: name,
        bin,
        manifest_path,
        info,
    })
}

/// Builds the target (`cargo build --quiet`, its output on stderr) and returns the executable.
pub fn build(target: &Target) -> Result<PathBuf, Error> {
    build_profile(target, false)
}

/// Builds the target as [`build`] does, in the release profile when `release` is true.
pub fn build_profile(target: &Target, release: bool) -> Result<PathBuf, Error> {
    build_for(target, release, None)
}

/// Builds the target as [`build_profile`] does, for the platform `triple` (`--target`) when
/// one is given.
pub fn build_for(target: &Target, release: bool, triple: Option<&str>) -> Result<PathBuf, Error> {
    let output = cargo()
        .args([
            "build",
            "--quiet",
            "--message-format",
            "json-render-diagnostics",
        ])
        .args(release.then_some("--release"))
        .args(
            triple
                .map(|triple| ["--target", triple])
                .into_iter()
                .flatten(),
        )
        .arg("--manifest-path")
        .arg(&target.manifest_path)
        .args(["--package", &target.package, "--bin", &target.bin])
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| Error(format!("cannot run `cargo build`: {e}")))?;
    if !output.status.success() {
        return Err(Error(format!(
            "`cargo build` of binary `{}` failed: fix the errors above",
            target.bin
        )));
    }
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|message| {
            message["reason"] == "compiler-artifact"
                && message["target"]["name"] == target.bin.as_str()
                && message["target"]["kind"]
                    .as_array()
                    .is_some_and(|kinds| kinds.iter().any(|kind| kind == "bin"))
        })
        .find_map(|message| message["executable"].as_str().map(PathBuf::from))
        .ok_or_else(|| {
            Error(format!(
                "`cargo build` named no executable for binary `{}`",
                target.bin
            ))
        })
}

/// The platform this machine builds for by default (`host:` of `rustc -vV`).
pub fn host_triple() -> Result<String, Error> {
    let rustc = env::var_os("RUSTC").unwrap_or_else(|| OsString::from("rustc"));
    let output = Command::new(rustc)
        .arg("-vV")
        .stdin(Stdio::null())
        .output()
        .map_err(|e| Error(format!("cannot run `rustc -vV`: {e}")))?;
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .find_map(|line| line.strip_prefix("host: "))
        .map(|host| host.trim().to_owned())
        .ok_or_else(|| Error("`rustc -vV` named no host platform".into()))
}

/// Runs the executable with `--manifest` (stdin closed) and returns what it printed, checked to
/// be a JSON object.
pub fn run(executable: &Path) -> Result<(Vec<u8>, Value), Error> {
    let name = executable.display();
    let output = Command::new(executable)
        .arg("--manifest")
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .map_err(|e| Error(format!("cannot run {name}: {e}")))?;
    if !output.status.success() {
        return Err(Error(format!(
            "{name} does not understand --manifest ({}): is it a server built with mcp-runtime?",
            output.status
        )));
    }
    match serde_json::from_slice::<Value>(&output.stdout) {
        Ok(value @ Value::Object(_)) => Ok((output.stdout, value)),
        _ => Err(Error(format!(
            "{name} does not understand --manifest (it printed no JSON object): is it a server built with mcp-runtime?"
        ))),
    }
}
