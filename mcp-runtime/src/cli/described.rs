//! The server's own command-line options, described for `--manifest`: what a bundle's
//! `user_config` and a registry entry's arguments are made from (`cargo mcp bundle`,
//! `cargo mcp server-json`).

use serde::Serialize;

/// What kind of value a [`CliOption`] takes: how a client's settings dialog asks for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum OptionKind {
    /// Any text.
    String,
    /// A number.
    Number,
    /// A flag: given or not, no value.
    Boolean,
    /// A file's path.
    File,
    /// A directory's path.
    Directory,
}

/// One of the server's own command-line options (`--db PATH`), described in the manifest
/// that `--manifest` prints, under `"options"`.
///
/// Give them with [`Server::cli_options`](crate::Server::cli_options): by hand, or, with the
/// `clap` feature, read from the server's parser with `CliOption::from_command`.
///
/// ```
/// use mcp_runtime::cli::{CliOption, OptionKind};
///
/// let db = CliOption::new("--db", "The SQLite database; created on first start")
///     .kind(OptionKind::File)
///     .default_value("accounts.db");
/// assert_eq!(db.name, "--db");
/// assert_eq!(
///     serde_json::to_value(&db).unwrap(),
///     serde_json::json!({
///         "name": "--db",
///         "description": "The SQLite database; created on first start",
///         "kind": "file",
///         "default": "accounts.db",
///         "required": false,
///     })
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct CliOption {
    /// The option as typed, dashes included: `--db`.
    pub name: String,
    /// What it is for, in a sentence.
    pub description: String,
    /// What kind of value it takes.
    pub kind: OptionKind,
    /// The value used when the option is not given.
    #[serde(rename = "default", skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    /// Whether the server refuses to start without it.
    pub required: bool,
    /// The environment variable that gives the value when the option does not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub env: Option<String>,
}

impl CliOption {
    /// An optional option taking any text, without a default.
    pub fn new(name: impl Into<String>, description: impl Into<String>) -> Self {
        CliOption {
            name: name.into(),
            description: description.into(),
            kind: OptionKind::String,
            default: None,
            required: false,
            env: None,
        }
    }

    /// The kind of value it takes.
    pub fn kind(mut self, kind: OptionKind) -> Self {
        self.kind = kind;
        self
    }

    /// The value used when the option is not given.
    pub fn default_value(mut self, value: impl Into<String>) -> Self {
        self.default = Some(value.into());
        self
    }

    /// The server refuses to start without it.
    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }

    /// The environment variable that gives the value when the option does not.
    pub fn env(mut self, variable: impl Into<String>) -> Self {
        self.env = Some(variable.into());
        self
    }
}

#[cfg(feature = "clap")]
impl CliOption {
    /// The options of a clap parser, less the runtime's own (`--transport`, `--policy`, ...),
    /// `--help`, `--version`, hidden options and positional arguments.
    ///
    /// The kind comes from the argument: a flag is [`OptionKind::Boolean`], a `PathBuf` a
    /// [`OptionKind::File`] (or [`OptionKind::Directory`] with
    /// `value_hint = ValueHint::DirPath`), an integer or float a [`OptionKind::Number`]. The
    /// description is the first line of its help.
    ///
    /// ```
    /// # #[cfg(feature = "clap")] {
    /// use clap::{CommandFactory, Parser};
    /// use mcp_runtime::cli::{CliOption, OptionKind, Options};
    ///
    /// #[derive(Parser)]
    /// struct Cli {
    ///     /// The SQLite database
    ///     #[arg(long, default_value = "accounts.db")]
    ///     db: std::path::PathBuf,
    ///     /// At most this many rows a query
    ///     #[arg(long)]
    ///     limit: Option<u32>,
    ///     #[command(flatten)]
    ///     mcp: Options,
    /// }
    ///
    /// let options = CliOption::from_command(&Cli::command());
    /// assert_eq!(options.len(), 2);
    /// assert_eq!((options[0].name.as_str(), options[0].kind), ("--db", OptionKind::File));
    /// assert_eq!(options[0].default.as_deref(), Some("accounts.db"));
    /// assert_eq!((options[1].name.as_str(), options[1].kind), ("--limit", OptionKind::Number));
    /// # }
    /// ```
    pub fn from_command(command: &clap::Command) -> Vec<CliOption> {
        command
            .get_arguments()
            .filter(|arg| !arg.get_id().as_str().starts_with("mcp-runtime-"))
            .filter(|arg| !arg.is_positional() && !arg.is_hide_set())
            .filter_map(|arg| {
                let long = arg.get_long()?;
                use clap::ArgAction::{Help, HelpLong, HelpShort, Version};
                if matches!(arg.get_action(), Help | HelpShort | HelpLong | Version) {
                    return None;
                }
                let description = arg
                    .get_help()
                    .map(|help| help.to_string())
                    .unwrap_or_default()
                    .lines()
                    .next()
                    .unwrap_or_default()
                    .to_owned();
                let default = match arg.get_default_values() {
                    [value] if arg.get_action().takes_values() => {
                        Some(value.to_string_lossy().into_owned())
                    }
                    _ => None,
                };
                Some(CliOption {
                    name: format!("--{long}"),
                    description,
                    kind: kind_of(arg),
                    default,
                    required: arg.is_required_set(),
                    env: None,
                })
            })
            .collect()
    }
}

#[cfg(feature = "clap")]
fn kind_of(arg: &clap::Arg) -> OptionKind {
    use clap::ValueHint;

    if !arg.get_action().takes_values() {
        return OptionKind::Boolean;
    }
    match arg.get_value_hint() {
        ValueHint::DirPath => return OptionKind::Directory,
        ValueHint::FilePath | ValueHint::AnyPath | ValueHint::ExecutablePath => {
            return OptionKind::File
        }
        _ => {}
    }
    let id = arg.get_value_parser().type_id();
    let number = |parser: clap::Arg| parser.get_value_parser().type_id() == id;
    let numbers = [
        clap::Arg::new("n").value_parser(clap::value_parser!(i64)),
        clap::Arg::new("n").value_parser(clap::value_parser!(u64)),
        clap::Arg::new("n").value_parser(clap::value_parser!(i32)),
        clap::Arg::new("n").value_parser(clap::value_parser!(u32)),
        clap::Arg::new("n").value_parser(clap::value_parser!(i16)),
        clap::Arg::new("n").value_parser(clap::value_parser!(u16)),
        clap::Arg::new("n").value_parser(clap::value_parser!(i8)),
        clap::Arg::new("n").value_parser(clap::value_parser!(u8)),
        clap::Arg::new("n").value_parser(clap::value_parser!(f64)),
        clap::Arg::new("n").value_parser(clap::value_parser!(f32)),
    ];
    if numbers.into_iter().any(number) {
        OptionKind::Number
    } else {
        OptionKind::String
    }
}
