//! [`Options`] as `clap::Args` (the `clap` feature), built with clap's builder: the same
//! options, help texts and checks as the runtime's own parser.

use std::any::Any;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::builder::{PathBufValueParser, TypedValueParser};
use clap::error::ErrorKind;
use clap::{Arg, ArgAction, ArgMatches, Command};

use super::options::{self, option_help, Client, Options, Transport, AFTER_HELP};
use crate::error::Error;

/// The ids of the runtime's arguments in a `clap::Command`: prefixed, so that a server's own
/// `transport` or `policy` field cannot collide with them.
const TRANSPORT: &str = "mcp-runtime-transport";
const BIND: &str = "mcp-runtime-bind";
const POLICY: &str = "mcp-runtime-policy";
const AUDIT: &str = "mcp-runtime-audit";
const SHUTDOWN_GRACE: &str = "mcp-runtime-shutdown-grace";
const MANIFEST: &str = "mcp-runtime-manifest";
const PRINT_CONFIG: &str = "mcp-runtime-print-config";
const METRICS: &str = "mcp-runtime-metrics";
const METRICS_BIND: &str = "mcp-runtime-metrics-bind";
const STORE: &str = "mcp-runtime-store";
const STATE_KEY: &str = "mcp-runtime-state-key";
const OTLP_ENDPOINT: &str = "mcp-runtime-otlp-endpoint";

/// The message of a runtime error, for clap to show.
fn message(error: Error) -> String {
    error.to_string()
}

/// The argument `--name`, with the help text and value name `--help` shows for it; one
/// that `--help` does not list is hidden.
fn arg(id: &'static str, name: &'static str) -> Arg {
    let Some(help) = option_help().into_iter().find(|o| o.name == name) else {
        return Arg::new(id).long(name).action(ArgAction::Set).hide(true);
    };
    let arg = Arg::new(id).long(name).help(help.help);
    match help.value {
        Some(value) => arg.value_name(value).action(ArgAction::Set),
        None => arg.action(ArgAction::SetTrue),
    }
}

fn args() -> [Arg; 12] {
    let policy = PathBufValueParser::new()
        .try_map(|path| options::policy_path(path.as_os_str()).map_err(message));
    [
        arg(TRANSPORT, "transport")
            .value_parser(|value: &str| options::transport(value).map_err(message)),
        // A build without the http transport still reads `--bind`, to refuse it as the
        // runtime's own parser does, but does not list it.
        arg(BIND, "bind").value_parser(|value: &str| options::bind_address(value).map_err(message)),
        arg(POLICY, "policy").value_parser(policy),
        arg(AUDIT, "audit").value_parser(PathBufValueParser::new()),
        arg(STORE, "store").value_parser(|value: &str| options::store_url(value).map_err(message)),
        arg(STATE_KEY, "state-key")
            .action(ArgAction::Append)
            .value_parser(|value: &str| options::state_key("--state-key", value).map_err(message)),
        // `-1` is a value to refuse with the runtime's words, not an unknown option.
        arg(SHUTDOWN_GRACE, "shutdown-grace")
            .allow_negative_numbers(true)
            .value_parser(|value: &str| options::grace(value).map_err(message)),
        arg(MANIFEST, "manifest"),
        arg(PRINT_CONFIG, "print-config")
            .value_parser(|value: &str| options::client(value).map_err(message)),
        // A build without metrics still reads them, to refuse them as the runtime's own parser
        // does, but does not list them.
        arg(METRICS, "metrics").action(ArgAction::SetTrue),
        arg(METRICS_BIND, "metrics-bind").value_parser(|value: &str| {
            options::metrics_available("--metrics-bind")
                .and_then(|_| options::metrics_address(value))
                .map_err(message)
        }),
        // A build without the `otel` feature still reads it, to refuse it, but does not list it.
        arg(OTLP_ENDPOINT, "otlp-endpoint")
            .value_parser(|value: &str| options::otlp_endpoint(value).map_err(message)),
    ]
}

/// The value given to the argument `id`, if any.
fn value<T: Any + Clone + Send + Sync + 'static>(
    matches: &ArgMatches,
    id: &str,
) -> Result<Option<T>, clap::Error> {
    matches
        .try_get_one::<T>(id)
        .map(Option::<&T>::cloned)
        .map_err(|e| clap::Error::raw(ErrorKind::InvalidValue, e.to_string()))
}

impl clap::Args for Options {
    fn augment_args(cmd: Command) -> Command {
        let cmd = cmd.args(args());
        match cmd.get_after_help() {
            Some(_) => cmd,
            None => cmd.after_help(AFTER_HELP),
        }
    }

    fn augment_args_for_update(cmd: Command) -> Command {
        Self::augment_args(cmd)
    }
}

impl clap::FromArgMatches for Options {
    fn from_arg_matches(matches: &ArgMatches) -> Result<Self, clap::Error> {
        let mut options = Options::default();
        options.update_from_arg_matches(matches)?;
        Ok(options)
    }

    fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
        if let Some(transport) = value::<Transport>(matches, TRANSPORT)? {
            self.transport = transport;
        }
        if let Some(bind) = value::<SocketAddr>(matches, BIND)? {
            self.bind = Some(bind);
        }
        if let Some(policy) = value::<PathBuf>(matches, POLICY)? {
            self.policy = Some(policy);
        }
        if let Some(audit) = value::<PathBuf>(matches, AUDIT)? {
            self.audit = Some(audit);
        }
        if let Some(store) = value::<String>(matches, STORE)? {
            self.store = Some(store);
        }
        if let Some(keys) = matches
            .try_get_many::<options::StateKey>(STATE_KEY)
            .map_err(|e| clap::Error::raw(ErrorKind::InvalidValue, e.to_string()))?
        {
            self.state_keys = keys.cloned().collect();
        }
        if let Some(grace) = value::<Duration>(matches, SHUTDOWN_GRACE)? {
            self.shutdown_grace = Some(grace);
        }
        if value::<bool>(matches, METRICS)?.unwrap_or(false) {
            self.metrics = options::metrics_available("--metrics")
                .map_err(|e| clap::Error::raw(ErrorKind::InvalidValue, e.to_string()))?;
        }
        if let Some(address) = value::<SocketAddr>(matches, METRICS_BIND)? {
            self.metrics_bind = Some(address);
        }
        if let Some(url) = value::<String>(matches, OTLP_ENDPOINT)? {
            self.otlp_endpoint = Some(url);
        }
        let manifest = value::<bool>(matches, MANIFEST)?.unwrap_or(false) || self.manifest();
        let print_config = value::<Client>(matches, PRINT_CONFIG)?.or(self.print_config());
        self.action = options::action(self, manifest, print_config)
            .map_err(|e| clap::Error::raw(ErrorKind::ArgumentConflict, e.to_string()))?;
        Ok(())
    }
}
