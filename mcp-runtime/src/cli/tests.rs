//! The command line as `parse` reads it, and the configurations it prints.
use std::time::Duration;

use super::options::option_help;
use super::options::{parse, usage};
use super::print_config::{client_config, reproduced_args};
use super::*;

fn args(list: &[&str]) -> Vec<OsString> {
    list.iter().map(OsString::from).collect()
}

fn serve(transport: Transport, bind: Option<&str>) -> Command {
    Command::Run(Options {
        transport,
        bind: bind.map(|b| b.parse().unwrap()),
        ..Options::default()
    })
}

fn run(options: Options) -> Command {
    Command::Run(options)
}

#[test]
fn policy_audit_manifest_and_print_config() {
    let parsed = parse(args(&["--policy", "p.toml", "--audit", "a.jsonl"]));
    if cfg!(feature = "policy-file") {
        assert_eq!(
            parsed.unwrap(),
            run(Options {
                policy: Some("p.toml".into()),
                audit: Some("a.jsonl".into()),
                ..Options::default()
            })
        );
    } else {
        let err = parsed.unwrap_err().to_string();
        assert!(
            err.starts_with("--policy: ") && err.contains("`policy-file` feature"),
            "{err}"
        );
    }
    assert_eq!(
        parse(args(&["--audit", "a.jsonl"])).unwrap(),
        run(Options {
            audit: Some("a.jsonl".into()),
            ..Options::default()
        })
    );
    assert_eq!(
        parse(args(&["--manifest"])).unwrap(),
        run(Options {
            action: Action::Manifest,
            ..Options::default()
        })
    );
    assert_eq!(
        parse(args(&["--print-config", "vscode"])).unwrap(),
        run(Options {
            action: Action::PrintConfig(Client::VsCode),
            ..Options::default()
        })
    );
    let err = parse(args(&["--print-config", "emacs"])).unwrap_err();
    assert_eq!(
        err.to_string(),
        "unknown client `emacs`; expected: claude-desktop, vscode, cursor"
    );
    assert!(parse(args(&["--manifest", "--print-config", "cursor"])).is_err());
}

#[test]
fn the_policy_file_comes_from_the_flag_else_the_variable() {
    assert_eq!(policy_file(None, None).unwrap(), None);
    let flag = PathBuf::from("/nonexistent/flag.toml");
    let var = OsString::from("/nonexistent/var.toml");
    let from_flag = policy_file(Some(&flag), Some(var.clone())).unwrap_err();
    let from_var = policy_file(None, Some(var)).unwrap_err();
    if cfg!(feature = "policy-file") {
        assert!(
            matches!(&from_flag, Error::Policy(e) if e.source_name == "/nonexistent/flag.toml"),
            "{from_flag}"
        );
        assert!(
            matches!(&from_var, Error::Policy(e) if e.source_name == "/nonexistent/var.toml"),
            "{from_var}"
        );
    } else {
        for (err, source) in [
            (from_flag, "--policy /nonexistent/flag.toml: "),
            (from_var, "MCP_POLICY /nonexistent/var.toml: "),
        ] {
            assert!(matches!(err, Error::Usage(_)), "{err}");
            let err = err.to_string();
            assert!(
                err.starts_with(source) && err.contains("`policy-file` feature"),
                "{err}"
            );
        }
    }
}

#[test]
fn client_configs_start_the_server_with_its_options() {
    let options = Options {
        policy: Some("/etc/p.toml".into()),
        ..Options::default()
    };
    let line = args(&[
        "calc",
        "--policy",
        "/etc/p.toml",
        "--print-config",
        "vscode",
    ]);
    let vscode = client_config(Client::VsCode, "calc", "/bin/calc", &options, &line);
    assert_eq!(
        vscode,
        serde_json::json!({"servers": {"calc": {"type": "stdio", "command": "/bin/calc", "args": ["--policy", "/etc/p.toml"]}}})
    );
    let claude = client_config(Client::ClaudeDesktop, "calc", "/bin/calc", &options, &line);
    assert_eq!(claude["mcpServers"]["calc"]["command"], "/bin/calc");
    let http = Options {
        transport: Transport::Http,
        ..Options::default()
    };
    let line = args(&["calc", "--transport", "http", "--print-config", "cursor"]);
    let cursor = client_config(Client::Cursor, "calc", "/bin/calc", &http, &line);
    assert_eq!(
        cursor["mcpServers"]["calc"]["url"],
        "http://127.0.0.1:8080/mcp"
    );
}

#[test]
fn stdio_is_the_default() {
    assert_eq!(parse(args(&[])).unwrap(), serve(Transport::Stdio, None));
    assert_eq!(
        parse(args(&["--transport", "stdio"])).unwrap(),
        serve(Transport::Stdio, None)
    );
    assert_eq!(
        parse(args(&["--transport=stdio"])).unwrap(),
        serve(Transport::Stdio, None)
    );
}

#[test]
#[cfg(feature = "http")]
fn http_with_an_address() {
    assert_eq!(
        parse(args(&["--transport", "http", "--bind", "0.0.0.0:9000"])).unwrap(),
        serve(Transport::Http, Some("0.0.0.0:9000"))
    );
    assert_eq!(
        parse(args(&["--transport", "http"])).unwrap(),
        serve(Transport::Http, None)
    );
}

#[test]
fn bad_arguments_say_what_is_wrong() {
    let err = parse(args(&["--transport", "carrier-pigeon"])).unwrap_err();
    assert_eq!(
        err.to_string(),
        "unknown transport `carrier-pigeon`; expected: stdio, http"
    );
    assert_eq!(
        parse(args(&["--shutdown-grace", "0.5"])).unwrap(),
        run(Options {
            shutdown_grace: Some(Duration::from_millis(500)),
            ..Options::default()
        })
    );
    let err = parse(args(&["--shutdown-grace", "soon"])).unwrap_err();
    assert!(err.to_string().contains("--shutdown-grace `soon`"), "{err}");
    assert!(parse(args(&["--shutdown-grace", "-1"])).is_err());
    let err = parse(args(&["--frobnicate"])).unwrap_err();
    assert!(err.to_string().contains("--frobnicate"), "{err}");
    let err = parse(args(&["--bind", "127.0.0.1:1"])).unwrap_err();
    assert_eq!(err.to_string(), "--bind only applies to --transport http");
}

#[test]
fn the_task_store_is_a_url() {
    let parsed = parse(args(&["--store", "redis://127.0.0.1:6379/2"]));
    if cfg!(feature = "redis") {
        assert_eq!(
            parsed.unwrap(),
            run(Options {
                store: Some("redis://127.0.0.1:6379/2".into()),
                ..Options::default()
            })
        );
    } else {
        let err = parsed.unwrap_err().to_string();
        assert!(
            err.starts_with("--store redis://127.0.0.1:6379/2: "),
            "{err}"
        );
        assert!(
            err.contains("build mcp-runtime with the `redis` feature"),
            "{err}"
        );
    }
    let err = parse(args(&["--store", "memcached://host"])).unwrap_err();
    assert!(
        err.to_string().contains("expected redis://HOST:PORT[/DB]"),
        "{err}"
    );
    let err = parse(args(&["--store"])).unwrap_err();
    assert!(err.to_string().contains("--store"), "{err}");
}

/// 32 bytes, base64: `openssl rand -base64 32` prints such keys.
const KEY_A: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
/// 33 bytes, URL-safe base64 without padding.
const KEY_B: &str = "_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-";

#[test]
fn state_keys_are_base64_of_at_least_32_bytes_and_repeat() {
    let Command::Run(options) = parse(args(&["--state-key", KEY_A, "--state-key", KEY_B])).unwrap()
    else {
        panic!("a run");
    };
    let keys: Vec<&[u8]> = options.state_keys().collect();
    assert_eq!(keys.len(), 2);
    assert_eq!(keys[0], (0u8..32).collect::<Vec<_>>());
    assert_eq!(keys[1].len(), 33);
    // Keys are never shown.
    assert!(!format!("{options:?}").contains(KEY_A), "{options:?}");
    let short = parse(args(&["--state-key", "c2hvcnQ="]))
        .unwrap_err()
        .to_string();
    assert!(
        short.starts_with("--state-key: a key must hold at least 32 bytes; this one holds 5"),
        "{short}"
    );
    let garbled = parse(args(&["--state-key", "not base64!"]))
        .unwrap_err()
        .to_string();
    assert!(
        garbled.starts_with("--state-key: a key is base64"),
        "{garbled}"
    );
    assert!(!garbled.contains("not base64!"), "{garbled}");
    let err = parse(args(&["--state-key"])).unwrap_err();
    assert!(err.to_string().contains("--state-key"), "{err}");
    // The variable: comma-separated, blanks ignored, checked alike.
    let keys = options::state_keys("MCP_STATE_KEYS", &format!("{KEY_A}, {KEY_B},")).unwrap();
    assert_eq!(keys.len(), 2);
    let err = options::state_keys("MCP_STATE_KEYS", &format!("{KEY_A},c2hvcnQ="))
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("MCP_STATE_KEYS: a key must hold"), "{err}");
}

#[test]
fn a_store_url_must_be_connected_before_the_server_is_built() {
    let err = Server::new("s", "1")
        .store_url("redis://:secret@127.0.0.1:1")
        .build()
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("the task store redis://:***@127.0.0.1:1 is not connected"),
        "{err}"
    );
}

#[test]
#[cfg(feature = "http")]
fn bad_addresses_say_what_is_wrong() {
    let err = parse(args(&["--transport", "http", "--bind", "localhost"])).unwrap_err();
    assert!(
        err.to_string().starts_with("invalid --bind `localhost`"),
        "{err}"
    );
    let err = parse(args(&[
        "--transport",
        "http",
        "--bind",
        "nowhere.invalid:80",
    ]))
    .unwrap_err();
    assert!(err.to_string().contains("cannot resolve it"), "{err}");
}

#[test]
#[cfg(not(feature = "http"))]
fn http_is_refused_without_the_feature() {
    let err = parse(args(&["--transport", "http"])).unwrap_err();
    assert!(err.to_string().contains("`http` feature"), "{err}");
}

#[test]
fn help_offers_http_only_when_built_with_it() {
    let text = usage("server");
    assert_eq!(text.contains("--bind"), cfg!(feature = "http"), "{text}");
    assert_eq!(
        text.contains("<stdio|http>"),
        cfg!(feature = "http"),
        "{text}"
    );
}

#[test]
#[cfg(feature = "http")]
fn bind_takes_host_names() {
    let Command::Run(options) =
        parse(args(&["--transport", "http", "--bind", "localhost:8080"])).unwrap()
    else {
        panic!("not a serve command")
    };
    let address = options.bind.unwrap();
    assert!(address.ip().is_loopback(), "{address}");
    assert_eq!(address.port(), 8080);
}

#[cfg(not(feature = "env-filter"))]
#[test]
fn rust_log_takes_levels_and_targets_without_the_env_filter_feature() {
    use tracing::Level;
    let filter = |value| log_filter(value).unwrap();

    let unset = filter(None);
    assert!(unset.would_enable("anything", &Level::INFO));
    assert!(!unset.would_enable("anything", &Level::DEBUG));

    let debug = filter(Some("debug"));
    assert!(debug.would_enable("mcp_runtime::server", &Level::DEBUG));
    assert!(debug.would_enable("other", &Level::DEBUG));
    assert!(!debug.would_enable("other", &Level::TRACE));

    let ours = filter(Some("mcp_runtime=debug"));
    assert!(ours.would_enable("mcp_runtime", &Level::DEBUG));
    assert!(ours.would_enable("mcp_runtime::audit", &Level::DEBUG));
    assert!(!ours.would_enable("hyper", &Level::ERROR));

    let mixed = filter(Some(" warn , mcp_runtime::audit=TRACE,"));
    assert!(mixed.would_enable("mcp_runtime::audit", &Level::TRACE));
    assert!(mixed.would_enable("mcp_runtime::server", &Level::WARN));
    assert!(!mixed.would_enable("mcp_runtime::server", &Level::INFO));

    let bare_target = filter(Some("mcp_runtime"));
    assert!(bare_target.would_enable("mcp_runtime", &Level::TRACE));
    assert!(!bare_target.would_enable("other", &Level::ERROR));

    let off = filter(Some(""));
    assert!(!off.would_enable("anything", &Level::ERROR));

    let err = log_filter(Some("info,mcp_runtime[request]=debug")).unwrap_err();
    assert!(err.contains("`mcp_runtime[request]=debug`"), "{err}");
    assert!(err.contains("the `env-filter` feature"), "{err}");
    let err = log_filter(Some("mcp_runtime=loud")).unwrap_err();
    assert!(err.starts_with("`mcp_runtime=loud`: "), "{err}");
}

#[test]
fn help_and_version() {
    assert_eq!(parse(args(&["--help"])).unwrap(), Command::Help);
    assert_eq!(parse(args(&["-V"])).unwrap(), Command::Version);
}

/// `path` (relative to the current directory) made absolute, as `--print-config` prints it.
fn absolute(path: &str) -> String {
    std::path::absolute(path).unwrap().display().to_string()
}

#[test]
fn the_printed_command_line_is_the_one_given_without_print_config() {
    // Tests run in the crate's directory, where `src` and `Cargo.toml` exist.
    let line = args(&[
        "server",
        "--transport",
        "stdio",
        "--print-config",
        "claude-desktop",
        "--root",
        "src",
        "--manifest-file=Cargo.toml",
        "--name",
        "not-here",
        "--policy",
        "p.toml",
        "--audit=logs/a.jsonl",
        "--shutdown-grace",
        "1.5",
        "--print-config=vscode",
        "-v",
        "/already/absolute",
    ]);
    assert_eq!(
        reproduced_args(&line),
        [
            "--transport".to_owned(),
            "stdio".to_owned(),
            "--root".to_owned(),
            absolute("src"),
            format!("--manifest-file={}", absolute("Cargo.toml")),
            "--name".to_owned(),
            "not-here".to_owned(),
            "--policy".to_owned(),
            absolute("p.toml"),
            format!("--audit={}", absolute("logs/a.jsonl")),
            "--shutdown-grace".to_owned(),
            "1.5".to_owned(),
            "-v".to_owned(),
            "/already/absolute".to_owned(),
        ]
    );
    assert!(reproduced_args(&args(&["server"])).is_empty());
    assert!(reproduced_args(&args(&["server", "--print-config"])).is_empty());
}

#[test]
fn the_values_of_the_runtimes_options_are_never_taken_for_paths() {
    // `src` exists here, but is a transport's name, an address or a number of seconds
    // nowhere: the runtime's own values pass as they are.
    let line = args(&[
        "server",
        "--transport",
        "src",
        "--bind=src",
        "--shutdown-grace",
        "src",
    ]);
    assert_eq!(
        reproduced_args(&line),
        [
            "--transport",
            "src",
            "--bind=src",
            "--shutdown-grace",
            "src"
        ]
    );
}

#[test]
fn both_parsers_show_the_same_help() {
    let words = |text: &str| text.split_whitespace().collect::<Vec<_>>().join(" ");
    let usage = words(&usage("server"));
    for option in option_help() {
        let flag = match option.value {
            Some(value) if option.name == "transport" && !value.contains('|') => {
                format!("--transport {value}")
            }
            Some(value) => format!("--{} <{value}>", option.name),
            None => format!("--{}", option.name),
        };
        let line = format!("{flag} {}", words(option.help));
        assert!(usage.contains(&line), "{line} is not in:\n{usage}");
    }
    assert!(usage.ends_with(&words(options::AFTER_HELP)), "{usage}");
}

#[test]
fn otlp_endpoint_is_an_http_or_https_url_in_a_build_that_exports() {
    let parsed = parse(args(&["--otlp-endpoint", "http://127.0.0.1:4318"]));
    if cfg!(feature = "otel") {
        assert_eq!(
            parsed.unwrap(),
            run(Options {
                otlp_endpoint: Some("http://127.0.0.1:4318".into()),
                ..Options::default()
            })
        );
        let https = parse(args(&["--otlp-endpoint", "https://collector:4318"]));
        assert_eq!(
            https.unwrap(),
            run(Options {
                otlp_endpoint: Some("https://collector:4318".into()),
                ..Options::default()
            })
        );
        for bad in [
            "grpc://collector:4317",
            "collector:4318",
            "http://",
            "https://",
        ] {
            let err = parse(args(&["--otlp-endpoint", bad]))
                .unwrap_err()
                .to_string();
            assert!(err.starts_with("invalid --otlp-endpoint"), "{bad}: {err}");
        }
    } else {
        let err = parsed.unwrap_err().to_string();
        assert!(err.contains("`otel` feature"), "{err}");
    }
    let help = usage("server");
    assert_eq!(
        help.contains("--otlp-endpoint"),
        cfg!(feature = "otel"),
        "{help}"
    );
}
