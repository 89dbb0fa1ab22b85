//! A cargo-generate template read from its directory and rendered as cargo-generate 0.23
//! renders it: every file through Liquid with the standard library of filters and tags, the
//! same built-in variables, `.liquid` suffixes removed, the `ignore` list and
//! `cargo-generate.toml` left out. What cargo-generate offers beyond that (hooks, conditional
//! blocks, `.genignore`, include/exclude lists, regex-checked or boolean placeholders, its own
//! case-conversion filters) is refused with an error, so that the two can never render a
//! template differently without anyone noticing.

use std::collections::BTreeMap;
use std::fmt;
use std::fs;
use std::path::{Component, Path, PathBuf};

/// The file that describes a template, left out of what is generated.
pub const CONFIG_FILE: &str = "cargo-generate.toml";
/// Files cargo-generate leaves out of every project besides the configuration.
const ALWAYS_LEFT_OUT: &[&str] = &[".cargo-ok"];
/// A file suffix that cargo-generate removes (`Cargo.toml.liquid` becomes `Cargo.toml`).
const LIQUID_SUFFIX: &str = ".liquid";

/// What went wrong, in words for the person who ran the tool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error(pub String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

pub type Result<T, E = Error> = std::result::Result<T, E>;

fn error(message: impl Into<String>) -> Error {
    Error(message.into())
}

/// One `[placeholders.<name>]` entry of `cargo-generate.toml`: a string the user chooses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placeholder {
    pub name: String,
    pub prompt: String,
    /// The values allowed, if the template lists them.
    pub choices: Option<Vec<String>>,
    pub default: Option<String>,
}

impl Placeholder {
    /// Checks a value against the placeholder's choices.
    pub fn check(&self, value: &str) -> Result<()> {
        match &self.choices {
            Some(choices) if !choices.iter().any(|c| c == value) => Err(error(format!(
                "`{value}` is not a value of `{}`: expected one of {}",
                self.name,
                choices.join(", ")
            ))),
            _ => Ok(()),
        }
    }
}

/// A template directory and its configuration.
#[derive(Debug, Clone)]
pub struct Template {
    pub dir: PathBuf,
    /// In the order of `cargo-generate.toml`.
    pub placeholders: Vec<Placeholder>,
    /// Paths relative to the template directory that are not generated (`[template] ignore`).
    ignore: Vec<PathBuf>,
}

impl Template {
    /// Reads `cargo-generate.toml` in `dir`.
    pub fn load(dir: &Path) -> Result<Template> {
        let config_path = dir.join(CONFIG_FILE);
        let text = fs::read_to_string(&config_path)
            .map_err(|e| error(format!("cannot read {}: {e}", config_path.display())))?;
        Template::from_config(dir, &text)
            .map_err(|e| error(format!("{}: {e}", config_path.display())))
    }

    /// A template in `dir` described by the text of its `cargo-generate.toml`.
    pub fn from_config(dir: &Path, config: &str) -> Result<Template> {
        let config: toml::Table = config
            .parse()
            .map_err(|e| error(format!("not valid TOML: {e}")))?;
        let mut ignore = Vec::new();
        let mut placeholders = Vec::new();
        for (key, value) in &config {
            match (key.as_str(), value) {
                ("template", toml::Value::Table(template)) => {
                    for (key, value) in template {
                        match key.as_str() {
                            // Informative only: this tool renders as cargo-generate 0.23 does.
                            "cargo_generate_version" | "description" => {}
                            "ignore" => {
                                for path in string_array(value, "[template] ignore")? {
                                    ignore.push(PathBuf::from(path));
                                }
                            }
                            other => return Err(unsupported(&format!("[template] {other}"))),
                        }
                    }
                }
                ("placeholders", toml::Value::Table(entries)) => {
                    for (name, entry) in entries {
                        placeholders.push(placeholder(name, entry)?);
                    }
                }
                (other, _) => return Err(unsupported(&format!("[{other}]"))),
            }
        }
        if dir.join(".genignore").exists() {
            return Err(unsupported(".genignore"));
        }
        Ok(Template {
            dir: dir.to_owned(),
            placeholders,
            ignore,
        })
    }

    /// Renders every file of the template into `destination`, an existing empty directory,
    /// for the project `name`, with a value for each placeholder. Returns the files written,
    /// relative to `destination`, in order.
    pub fn render(
        &self,
        name: &str,
        values: &BTreeMap<String, String>,
        destination: &Path,
    ) -> Result<Vec<PathBuf>> {
        for placeholder in &self.placeholders {
            let value = values
                .get(&placeholder.name)
                .ok_or_else(|| error(format!("no value for `{}`", placeholder.name)))?;
            placeholder.check(value)?;
        }
        let globals = globals(name, values, destination);
        let parser = liquid::ParserBuilder::with_stdlib()
            .build()
            .map_err(|e| error(format!("the Liquid parser: {e}")))?;
        let render = |text: &str, what: &Path| -> Result<String> {
            parser
                .parse(text)
                .and_then(|template| template.render(&globals))
                .map_err(|e| {
                    error(format!(
                        "cannot render {} with Liquid: {}",
                        what.display(),
                        e.to_string().trim_end()
                    ))
                })
        };

        let mut written = Vec::new();
        for (relative, source) in self.files()? {
            let source = self.dir.join(source);
            let mut target = PathBuf::new();
            for component in relative.components() {
                let rendered = render(&component.as_os_str().to_string_lossy(), &relative)?;
                if rendered.is_empty()
                    || rendered == "."
                    || rendered == ".."
                    || rendered.contains(['/', '\\'])
                {
                    return Err(error(format!(
                        "{} renders to the file name `{rendered}`",
                        relative.display()
                    )));
                }
                target.push(rendered);
            }
            let text = fs::read_to_string(&source).map_err(|e| {
                error(format!(
                    "cannot read {} as UTF-8 text: {e}",
                    source.display()
                ))
            })?;
            let text = render(&text, &relative)?;
            let path = destination.join(&target);
            if let Some(parent) = path.parent() {
                fs::create_dir_all(parent)
                    .map_err(|e| error(format!("cannot create {}: {e}", parent.display())))?;
            }
            fs::write(&path, text)
                .map_err(|e| error(format!("cannot write {}: {e}", path.display())))?;
            if let Ok(metadata) = fs::metadata(&source) {
                // Keeps an executable bit, as cargo-generate's copy does.
                let _ = fs::set_permissions(&path, metadata.permissions());
            }
            written.push(target);
        }
        written.sort();
        Ok(written)
    }

    /// The files to render: their path in the project, `.liquid` suffix removed (a `x.liquid`
    /// wins over a plain `x`), and their path in the template, both relative.
    fn files(&self) -> Result<Vec<(PathBuf, PathBuf)>> {
        let mut files = BTreeMap::new();
        self.collect(&self.dir, &mut files)?;
        Ok(files.into_iter().collect())
    }

    /// Adds the files under `dir` to `files`, keyed by their path in the generated project.
    fn collect(&self, dir: &Path, files: &mut BTreeMap<PathBuf, PathBuf>) -> Result<()> {
        let entries = fs::read_dir(dir)
            .map_err(|e| error(format!("cannot read the directory {}: {e}", dir.display())))?;
        for entry in entries {
            let entry = entry.map_err(|e| error(format!("{}: {e}", dir.display())))?;
            let path = entry.path();
            let relative = path
                .strip_prefix(&self.dir)
                .expect("under the template directory")
                .to_owned();
            let kind = entry
                .file_type()
                .map_err(|e| error(format!("{}: {e}", path.display())))?;
            if kind.is_dir() {
                if !self.left_out(&relative) {
                    self.collect(&path, files)?;
                }
            } else if kind.is_file() {
                let name = relative.to_string_lossy();
                let liquid = name.strip_suffix(LIQUID_SUFFIX).map(PathBuf::from);
                let generated = liquid.clone().unwrap_or_else(|| relative.clone());
                if self.left_out(&generated) {
                    continue;
                }
                if liquid.is_some() {
                    files.insert(generated, relative);
                } else {
                    files.entry(generated).or_insert(relative);
                }
            } else {
                // cargo-generate skips symbolic links too, with a warning.
                eprintln!(
                    "new-server: warning: skipping {}: symbolic links are not supported",
                    path.display()
                );
            }
        }
        Ok(())
    }

    fn left_out(&self, relative: &Path) -> bool {
        relative == Path::new(CONFIG_FILE)
            || ALWAYS_LEFT_OUT.iter().any(|f| relative == Path::new(f))
            || relative
                .components()
                .any(|c| c == Component::Normal(".git".as_ref()))
            || self
                .ignore
                .iter()
                .any(|ignored| relative.starts_with(ignored))
    }
}

/// The variables a template sees: cargo-generate's built-ins that do not depend on the
/// machine, and the placeholders' values.
fn globals(name: &str, values: &BTreeMap<String, String>, destination: &Path) -> liquid::Object {
    let mut globals = liquid::Object::new();
    let mut set = |key: &str, value: liquid::model::Value| {
        globals.insert(key.to_owned().into(), value);
    };
    set(
        "project-name",
        liquid::model::Value::scalar(name.to_owned()),
    );
    set(
        "crate_name",
        liquid::model::Value::scalar(name.replace('-', "_")),
    );
    set("crate_type", liquid::model::Value::scalar("bin"));
    set("is_init", liquid::model::Value::scalar(false));
    set(
        "within_cargo_project",
        liquid::model::Value::scalar(
            destination
                .ancestors()
                .any(|dir| dir.join("Cargo.toml").exists()),
        ),
    );
    for (key, value) in values {
        set(key, liquid::model::Value::scalar(value.clone()));
    }
    globals
}

fn placeholder(name: &str, entry: &toml::Value) -> Result<Placeholder> {
    let toml::Value::Table(entry) = entry else {
        return Err(error(format!("[placeholders] {name} is not a table")));
    };
    let text = |key: &str| -> Result<Option<String>> {
        match entry.get(key) {
            None => Ok(None),
            Some(toml::Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(error(format!(
                "[placeholders.{name}] {key} is not a string"
            ))),
        }
    };
    for key in entry.keys() {
        if !["type", "prompt", "choices", "default"].contains(&key.as_str()) {
            return Err(unsupported(&format!("[placeholders.{name}] {key}")));
        }
    }
    match text("type")?.as_deref() {
        Some("string") => {}
        Some(other) => {
            return Err(unsupported(&format!(
                "[placeholders.{name}] type = \"{other}\""
            )))
        }
        None => return Err(error(format!("[placeholders.{name}] has no type"))),
    }
    let choices = entry
        .get("choices")
        .map(|value| string_array(value, &format!("[placeholders.{name}] choices")))
        .transpose()?;
    let placeholder = Placeholder {
        name: name.to_owned(),
        prompt: text("prompt")?
            .ok_or_else(|| error(format!("[placeholders.{name}] has no prompt")))?,
        choices,
        default: text("default")?,
    };
    if let Some(default) = &placeholder.default {
        placeholder
            .check(default)
            .map_err(|e| error(format!("[placeholders.{name}] default: {e}")))?;
    }
    Ok(placeholder)
}

fn string_array(value: &toml::Value, what: &str) -> Result<Vec<String>> {
    let not_strings = || error(format!("{what} is not an array of strings"));
    let toml::Value::Array(items) = value else {
        return Err(not_strings());
    };
    items
        .iter()
        .map(|item| item.as_str().map(str::to_owned).ok_or_else(not_strings))
        .collect()
}

fn unsupported(what: &str) -> Error {
    error(format!(
        "`{what}` is a cargo-generate feature this tool does not implement; \
         generate the project with cargo-generate instead"
    ))
}
