//! `Options` embedded in a server's own clap parser: the same options, values, checks and
//! help as the runtime's parser.
use std::path::PathBuf;

use clap::{CommandFactory, FromArgMatches, Parser};

use super::options::{parse, Command};
use super::*;

/// A server's command line, as a server with options of its own writes it.
#[derive(Debug, Parser)]
#[command(name = "files", version, about = "Serves one directory.")]
struct Cli {
    /// The directory to serve; nothing outside it is reachable
    #[arg(long)]
    root: Option<PathBuf>,
    #[command(flatten)]
    mcp: Options,
}

fn clap(line: &[&str]) -> Result<Cli, String> {
    let line = std::iter::once("files").chain(line.iter().copied());
    Cli::try_parse_from(line).map_err(|e| e.to_string())
}

fn lexopt(line: &[&str]) -> Result<Options, String> {
    match parse(line.iter().map(OsString::from)) {
        Ok(Command::Run(options)) => Ok(options),
        Ok(other) => panic!("{other:?}"),
        Err(e) => Err(e.to_string()),
    }
}

#[test]
fn both_parsers_read_the_same_options() {
    let mut lines: Vec<&[&str]> = vec![
        &[],
        &["--transport", "stdio"],
        &["--transport=stdio", "--shutdown-grace", "0.5"],
        &["--audit", "a.jsonl", "--manifest"],
        &["--print-config", "claude"],
        &["--print-config=vs-code", "--audit=x"],
        &[
            "--state-key",
            "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
            "--state-key=_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-",
        ],
    ];
    if cfg!(feature = "policy-file") {
        lines.push(&["--policy", "p.toml", "--print-config", "cursor"]);
    }
    if cfg!(feature = "http") {
        lines.push(&["--transport", "http", "--bind", "0.0.0.0:9000"]);
    }
    if cfg!(feature = "redis") {
        lines.push(&["--store", "redis://127.0.0.1:6379/1", "--manifest"]);
    }
    for line in lines {
        let cli = clap(line).unwrap_or_else(|e| panic!("{line:?}: {e}"));
        assert_eq!(Ok(cli.mcp), lexopt(line), "{line:?}");
        assert_eq!(cli.root, None);
    }
    let cli = clap(&["--root", "/srv", "--manifest"]).unwrap();
    assert_eq!(cli.root, Some(PathBuf::from("/srv")));
    assert!(cli.mcp.manifest() && !cli.mcp.serves());
}

#[test]
fn both_parsers_refuse_the_same_options_with_the_same_words() {
    let mut lines: Vec<&[&str]> = vec![
        &["--transport", "carrier-pigeon"],
        &["--shutdown-grace", "soon"],
        &["--shutdown-grace", "-1"],
        &["--print-config", "emacs"],
        &["--manifest", "--print-config", "cursor"],
        &["--bind", "127.0.0.1:1"],
        &["--transport", "http"],
        &["--policy", "p.toml"],
        &["--store", "memcached://host"],
        &["--store", "redis://127.0.0.1:6379"],
        &["--state-key", "c2hvcnQ="],
        &["--state-key", "not base64!"],
    ];
    if cfg!(feature = "redis") {
        lines.retain(|line| line != &["--store", "redis://127.0.0.1:6379"]);
    }
    if cfg!(feature = "http") {
        lines.retain(|line| line != &["--transport", "http"]);
        lines.push(&["--transport", "http", "--bind", "localhost"]);
    }
    if cfg!(feature = "policy-file") {
        lines.retain(|line| line != &["--policy", "p.toml"]);
    }
    for line in lines {
        let from_lexopt = lexopt(line).unwrap_err();
        let from_clap = clap(line).unwrap_err();
        // clap names the option before the runtime's explanation; the explanation is the same.
        let explanation = from_lexopt.trim_start_matches("--policy: ");
        assert!(
            from_clap.contains(explanation),
            "{line:?}: `{from_clap}` lacks `{explanation}`"
        );
    }
}

#[test]
fn help_lists_the_servers_options_with_the_runtimes() {
    let help = Cli::command().render_help().to_string();
    let options = help.split_once("Options:").expect("an options section").1;
    for flag in [
        "--root <ROOT>",
        "The directory to serve",
        "--policy <FILE>",
        "--audit <FILE>",
        "--shutdown-grace <SECONDS>",
        "--manifest",
        "--print-config <CLIENT>",
        "-h, --help",
        "-V, --version",
    ] {
        assert!(
            options.contains(flag),
            "{flag} is not among the options:\n{help}"
        );
    }
    assert_eq!(help.matches("Options:").count(), 1, "{help}");
    let http = cfg!(feature = "http");
    assert_eq!(options.contains("--transport <stdio|http>"), http, "{help}");
    assert_eq!(options.contains("--transport <stdio>"), !http, "{help}");
    assert_eq!(options.contains("--bind <HOST:PORT>"), http, "{help}");
    let metrics = cfg!(all(feature = "metrics", feature = "http"));
    assert_eq!(
        options.contains("--metrics-bind <HOST:PORT>"),
        metrics,
        "{help}"
    );
    assert_eq!(options.contains("--metrics "), metrics, "{help}");
    assert!(help.contains("MCP_POLICY_ALLOW_UP_TO"), "{help}");
    assert!(help.contains("set RUST_LOG"), "{help}");
}

#[test]
fn a_servers_own_after_help_is_kept() {
    let command = <Options as clap::Args>::augment_args(
        clap::Command::new("server").after_help("See the manual."),
    );
    let help = command.clone().render_help().to_string();
    assert!(help.contains("See the manual."), "{help}");
    assert!(!help.contains("MCP_POLICY_ALLOW_UP_TO"), "{help}");
}

#[test]
fn options_update_from_later_matches() {
    let command = <Options as clap::Args>::augment_args_for_update(clap::Command::new("server"));
    let first = command
        .clone()
        .try_get_matches_from(["server", "--audit", "a.jsonl"])
        .unwrap();
    let mut options = Options::from_arg_matches(&first).unwrap();
    let second = command
        .try_get_matches_from(["server", "--manifest"])
        .unwrap();
    options.update_from_arg_matches(&second).unwrap();
    assert_eq!(options.audit(), Some(std::path::Path::new("a.jsonl")));
    assert!(options.manifest());
}

#[test]
fn metrics_options_are_checked_as_the_runtimes_parser_checks_them() {
    for line in [
        &["--metrics"][..],
        &["--metrics-bind", "nowhere"],
        &["--metrics-bind", "127.0.0.1:0", "--metrics"],
    ] {
        let from_lexopt = lexopt(line).unwrap_err();
        let from_clap = clap(line).unwrap_err();
        let explanation = from_lexopt.rsplit(": ").next().unwrap();
        assert!(
            from_clap.contains(explanation),
            "{line:?}: `{from_clap}` lacks `{explanation}`"
        );
    }
    if cfg!(all(feature = "metrics", feature = "http")) {
        let options = Cli::try_parse_from(["server", "--metrics-bind", "127.0.0.1:9464"]).unwrap();
        assert_eq!(
            options.mcp.metrics_bind(),
            Some("127.0.0.1:9464".parse().unwrap())
        );
        let options = Cli::try_parse_from(["server", "--transport", "http", "--metrics"]).unwrap();
        assert!(options.mcp.metrics());
    }
}

#[test]
fn otlp_endpoint_is_read_and_checked_as_the_runtimes_parser_reads_it() {
    for line in [
        &["--otlp-endpoint", "grpc://collector:4317"][..],
        &["--otlp-endpoint", "collector"],
    ] {
        let from_lexopt = lexopt(line).unwrap_err();
        let from_clap = clap(line).unwrap_err();
        assert!(
            from_clap.contains(&from_lexopt),
            "{line:?}: `{from_clap}` lacks `{from_lexopt}`"
        );
    }
    let line = &["--otlp-endpoint", "http://127.0.0.1:4318"][..];
    if cfg!(feature = "otel") {
        let cli = clap(line).unwrap();
        assert_eq!(cli.mcp.otlp_endpoint(), Some("http://127.0.0.1:4318"));
        assert_eq!(cli.mcp, lexopt(line).unwrap());
        let help = Cli::command().render_help().to_string();
        assert!(help.contains("--otlp-endpoint <URL>"), "{help}");
    } else {
        assert!(clap(line).unwrap_err().contains("`otel` feature"));
    }
}
