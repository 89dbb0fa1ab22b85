//! `cargo new-server <PATH> [--transport stdio|http|both] [--risk low|medium|high|critical]`:
//! creates an MCP server project from this repository's cargo-generate template,
//! `templates/mcp-server`, rendered exactly as cargo-generate renders it, and building against
//! this checkout of mcp-runtime. The options, their values and their defaults are the
//! template's placeholders, read from its `cargo-generate.toml`.

mod template;

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};

use template::{Error, Result, Template};

/// The placeholder that names the mcp-runtime checkout to build against: this tool sets it
/// to the repository it belongs to.
const RUNTIME_PATH: &str = "mcp_runtime_path";

/// Names Cargo refuses for a package or its binary, besides Rust keywords.
const CARGO_RESERVED: &[&str] = &[
    "alloc",
    "core",
    "proc_macro",
    "std",
    "test",
    "build",
    "deps",
    "examples",
    "incremental",
];

/// Rust's keywords, strict and reserved, in every edition.
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate",
    "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl",
    "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref",
    "return", "self", "static", "struct", "super", "trait", "true", "try", "type", "typeof",
    "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// File names Windows reserves.
const WINDOWS_RESERVED: &[&str] = &[
    "con", "prn", "aux", "nul", "com1", "com2", "com3", "com4", "com5", "com6", "com7", "com8",
    "com9", "lpt1", "lpt2", "lpt3", "lpt4", "lpt5", "lpt6", "lpt7", "lpt8", "lpt9",
];

fn main() -> ExitCode {
    match run(std::env::args_os().skip(1)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("new-server: error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: impl IntoIterator<Item = OsString>) -> Result<()> {
    let root = repository_root();
    let template = Template::load(&root.join("templates").join("mcp-server"))?;
    match parse(&template, &root, args)? {
        Parsed::Help => print!("{}", help(&template, &root)),
        Parsed::Generate(request) => {
            let created = create(&template, &request)?;
            report(&template, &request, &created);
        }
    }
    Ok(())
}

/// The repository this tool is part of: two levels above its manifest.
fn repository_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("tools/new-server is two levels below the repository root")
        .to_owned()
}

/// What the command line asks for.
#[derive(Debug, PartialEq, Eq)]
enum Parsed {
    Help,
    Generate(Request),
}

/// A project to create.
#[derive(Debug, PartialEq, Eq)]
struct Request {
    /// Its directory, as given.
    path: PathBuf,
    /// Its package name: the directory's last component.
    name: String,
    /// A value for every placeholder of the template.
    values: BTreeMap<String, String>,
}

/// The option that sets a placeholder: `--mcp-runtime-path` for `mcp_runtime_path`.
fn option_name(placeholder: &str) -> String {
    format!("--{}", placeholder.replace('_', "-"))
}

fn usage_error(message: impl std::fmt::Display) -> Error {
    Error(format!(
        "{message}\n\nUsage: cargo new-server <PATH> [OPTIONS]; see `cargo new-server --help`."
    ))
}

fn parse(
    template: &Template,
    root: &Path,
    args: impl IntoIterator<Item = OsString>,
) -> Result<Parsed> {
    let mut path: Option<PathBuf> = None;
    let mut given: BTreeMap<String, String> = BTreeMap::new();
    let mut args = args.into_iter();
    let mut only_paths = false;
    while let Some(arg) = args.next() {
        let text = arg.to_str();
        if only_paths || !text.is_some_and(|t| t.starts_with('-') && t != "-") {
            if path.is_some() {
                return Err(usage_error(format!(
                    "unexpected argument `{}`: give one path",
                    arg.to_string_lossy()
                )));
            }
            path = Some(PathBuf::from(arg));
            continue;
        }
        let text = text.expect("options are UTF-8");
        match text {
            "-h" | "--help" => return Ok(Parsed::Help),
            "--" => {
                only_paths = true;
                continue;
            }
            _ => {}
        }
        let (option, inline) = match text.split_once('=') {
            Some((option, value)) => (option, Some(value.to_owned())),
            None => (text, None),
        };
        let placeholder = template
            .placeholders
            .iter()
            .find(|p| option_name(&p.name) == option || format!("--{}", p.name) == option)
            .ok_or_else(|| usage_error(format!("unknown option `{option}`")))?;
        let value = match inline {
            Some(value) => value,
            None => args
                .next()
                .ok_or_else(|| usage_error(format!("{option} needs a value")))?
                .into_string()
                .map_err(|v| {
                    usage_error(format!(
                        "the value of {option}, `{}`, is not UTF-8",
                        v.to_string_lossy()
                    ))
                })?,
        };
        placeholder
            .check(&value)
            .map_err(|e| usage_error(format!("{option}: {e}")))?;
        if given.insert(placeholder.name.clone(), value).is_some() {
            return Err(usage_error(format!("{option} is given twice")));
        }
    }
    let path = path.ok_or_else(|| {
        usage_error("no path given: where should the project go? (e.g. ../my-server)")
    })?;
    let name = package_name(&path)?;

    let mut values = BTreeMap::new();
    for placeholder in &template.placeholders {
        let value = match given.remove(&placeholder.name) {
            Some(value) => value,
            None if placeholder.name == RUNTIME_PATH => root.display().to_string(),
            None => placeholder.default.clone().ok_or_else(|| {
                usage_error(format!(
                    "{} is required: {}",
                    option_name(&placeholder.name),
                    placeholder.prompt
                ))
            })?,
        };
        values.insert(placeholder.name.clone(), value);
    }
    if let Some(runtime) = values.get_mut(RUNTIME_PATH) {
        if !runtime.is_empty() {
            let absolute = std::path::absolute(&*runtime)
                .map_err(|e| Error(format!("{}: {e}", option_name(RUNTIME_PATH))))?;
            if !absolute.join("mcp-runtime").join("Cargo.toml").is_file() {
                return Err(usage_error(format!(
                    "{} `{runtime}` is not a checkout of the mcp-runtime repository: it has no mcp-runtime/Cargo.toml",
                    option_name(RUNTIME_PATH)
                )));
            }
            *runtime = absolute.display().to_string();
        }
    }
    Ok(Parsed::Generate(Request { path, name, values }))
}

/// The package name for a project in `path`: its last component, which Cargo must accept as
/// a package name and cargo-generate must keep as it is (lowercase words joined by `-` or by
/// `_`, not both).
fn package_name(path: &Path) -> Result<String> {
    let last = path
        .file_name()
        .ok_or_else(|| {
            usage_error(format!(
                "`{}` does not end with the project's name: give the path of the new directory, such as ../my-server",
                path.display()
            ))
        })?
        .to_string_lossy();
    let invalid = |why: &str| {
        Error(format!(
            "`{last}` cannot be the project's name: {why}. The last component of the path names the package."
        ))
    };
    let separator = match (last.contains('-'), last.contains('_')) {
        (true, true) => return Err(invalid("use either `-` or `_` between words, not both")),
        (_, true) => '_',
        _ => '-',
    };
    let lowercase_words = last.split(separator).all(|word| {
        !word.is_empty()
            && word
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    });
    if !lowercase_words {
        return Err(invalid(&format!(
            "use lowercase ASCII letters and digits, words joined by single `{separator}`, such as my-server"
        )));
    }
    if !last.starts_with(|c: char| c.is_ascii_lowercase()) {
        return Err(invalid("it must start with a letter"));
    }
    if KEYWORDS.contains(&&*last) {
        return Err(invalid("it is a Rust keyword"));
    }
    if CARGO_RESERVED.contains(&&*last) {
        return Err(invalid("Cargo reserves it"));
    }
    if WINDOWS_RESERVED.contains(&&*last) {
        return Err(invalid("Windows reserves it as a file name"));
    }
    Ok(last.into_owned())
}

/// What [`create`] did besides writing the files.
#[derive(Debug, PartialEq, Eq)]
struct Created {
    files: Vec<PathBuf>,
    git: String,
}

/// Creates the project: its directory (or fills an empty one), its files, a git repository.
fn create(template: &Template, request: &Request) -> Result<Created> {
    let path = &request.path;
    let existed = match fs::read_dir(path) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                return Err(Error(format!(
                    "`{}` already exists and is not empty: give the path of a new directory",
                    path.display()
                )));
            }
            true
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => false,
        Err(_) if path.exists() => {
            return Err(Error(format!(
                "`{}` already exists and is not a directory",
                path.display()
            )))
        }
        Err(e) => return Err(Error(format!("cannot read `{}`: {e}", path.display()))),
    };
    fs::create_dir_all(path)
        .map_err(|e| Error(format!("cannot create `{}`: {e}", path.display())))?;
    let files = template
        .render(&request.name, &request.values, path)
        .and_then(|files| check_manifest(path).map(|()| files));
    let files = match files {
        Ok(files) => files,
        Err(e) => {
            // Leaves the file system as it was.
            if existed {
                empty(path);
            } else {
                let _ = fs::remove_dir_all(path);
            }
            return Err(e);
        }
    };
    Ok(Created {
        files,
        git: init_git(path),
    })
}

/// Checks that the generated Cargo.toml is TOML: a value given for a placeholder could break
/// a string it is written into.
fn check_manifest(project: &Path) -> Result<()> {
    let manifest = project.join("Cargo.toml");
    let Ok(text) = fs::read_to_string(&manifest) else {
        return Ok(());
    };
    text.parse::<toml::Table>().map(|_| ()).map_err(|e| {
        Error(format!(
            "the generated Cargo.toml is not valid TOML (does a value given contain a quote?): {e}"
        ))
    })
}

/// Removes everything in `dir`.
fn empty(dir: &Path) {
    if let Ok(entries) = fs::read_dir(dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            let _ = if path.is_dir() {
                fs::remove_dir_all(&path)
            } else {
                fs::remove_file(&path)
            };
        }
    }
}

/// Runs `git init` in the new project, as cargo-generate does, unless it is already inside
/// a git work tree. Says what happened; a missing or failing git is not an error.
fn init_git(project: &Path) -> String {
    let inside = Command::new("git")
        .args(["rev-parse", "--is-inside-work-tree"])
        .current_dir(project)
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output();
    match inside {
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            "git is not installed: no git repository initialised".to_owned()
        }
        Err(e) => format!("could not run git ({e}): no git repository initialised"),
        Ok(out) if out.status.success() && out.stdout.starts_with(b"true") => {
            "inside an existing git work tree: no git repository initialised".to_owned()
        }
        Ok(_) => {
            let init = Command::new("git")
                .args(["init", "--quiet"])
                .current_dir(project)
                .stdin(Stdio::null())
                .output();
            match init {
                Ok(out) if out.status.success() => "initialised a git repository".to_owned(),
                Ok(out) => format!(
                    "`git init` failed: {}",
                    String::from_utf8_lossy(&out.stderr).trim()
                ),
                Err(e) => format!("could not run `git init`: {e}"),
            }
        }
    }
}

fn report(template: &Template, request: &Request, created: &Created) {
    let settings = template
        .placeholders
        .iter()
        .filter(|p| p.name != RUNTIME_PATH)
        .map(|p| format!("{} {}", p.name, request.values[&p.name]))
        .collect::<Vec<_>>()
        .join(", ");
    let runtime = match request.values.get(RUNTIME_PATH).map(String::as_str) {
        Some("") => "mcp-runtime from crates.io".to_owned(),
        Some(path) => format!("mcp-runtime from {path}"),
        None => "mcp-runtime".to_owned(),
    };
    eprintln!(
        "Created `{}` in {} ({settings}; {runtime}): {} files; {}.\n\nNext:\n    cd {}\n    cargo test\n    cargo run\n\nIts README.md tells how to connect Claude Desktop, VS Code or Cursor to it.",
        request.name,
        request.path.display(),
        created.files.len(),
        created.git,
        request.path.display(),
    );
}

/// `--help`: the options are the template's placeholders.
fn help(template: &Template, root: &Path) -> String {
    let mut text = format!(
        "Creates an MCP server project from the template {}, rendered as\n\
         cargo-generate renders it, building against the mcp-runtime checkout at {}.\n\n\
         Usage: cargo new-server <PATH> [OPTIONS]\n\n\
         Arguments:\n  <PATH>\n          the new project's directory, new or empty; its last component is the\n          package name (e.g. ../my-server)\n\nOptions:\n",
        template.dir.display(),
        root.display()
    );
    for placeholder in &template.placeholders {
        let value = match &placeholder.choices {
            Some(choices) => choices.join("|"),
            None if placeholder.name == RUNTIME_PATH => "DIR".to_owned(),
            None => "VALUE".to_owned(),
        };
        let default = if placeholder.name == RUNTIME_PATH {
            root.display().to_string()
        } else {
            placeholder
                .default
                .clone()
                .unwrap_or_else(|| "none, required".to_owned())
        };
        text.push_str(&format!(
            "  {} <{value}>\n          {} [default: {default}]\n",
            option_name(&placeholder.name),
            placeholder.prompt
        ));
    }
    text.push_str("  -h, --help\n          print this help\n");
    text
}

#[cfg(test)]
mod tests;
