//! `cargo mcp install` end to end, on configuration files in temporary directories: the shape of
//! each client's entry, updates that keep the rest of the file with a backup, installing twice,
//! refused files, `--dry-run`, linked files, and a stdio install that builds the calculator
//! example.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::{json, Value};

const URL: &str = "http://127.0.0.1:8080/mcp";
const CLIENTS: [&str; 4] = ["claude-desktop", "claude-code", "cursor", "vscode"];

/// An empty directory of its own for the test `name`.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("install")
        .join(name);
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs `cargo-mcp` in `dir`.
fn cargo_mcp(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cargo-mcp"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

/// `cargo mcp install CLIENT --http URL --name calculator --config FILE`, plus `extra`.
fn install_http(dir: &Path, client: &str, config: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "install",
        client,
        "--http",
        URL,
        "--name",
        "calculator",
        "--config",
        config.to_str().unwrap(),
    ];
    args.extend(extra);
    cargo_mcp(dir, &args)
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

fn succeeded(output: &Output) {
    assert_eq!(output.status.code(), Some(0), "{output:?}");
}

/// A single-line error exiting with 2, returned.
fn failed(output: &Output) -> String {
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let stderr = stderr(output);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("error: "), "{stderr}");
    stderr
}

fn read_json(path: &Path) -> Value {
    serde_json::from_slice(&fs::read(path).unwrap()).unwrap()
}

fn backup(path: &Path) -> PathBuf {
    PathBuf::from(format!("{}.bak", path.display()))
}

/// The `.bak` files of `dir`.
fn backups(dir: &Path) -> Vec<PathBuf> {
    fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "bak"))
        .collect()
}

/// The file each client's configuration is expected to be after installing `URL` into nothing.
fn expected(client: &str) -> Value {
    match client {
        "claude-desktop" => json!({"mcpServers": {"calculator": {
            "command": "npx", "args": ["-y", "mcp-remote", URL]
        }}}),
        "claude-code" => json!({"mcpServers": {"calculator": {"type": "http", "url": URL}}}),
        "cursor" => json!({"mcpServers": {"calculator": {"url": URL}}}),
        "vscode" => json!({"servers": {"calculator": {"type": "http", "url": URL}}}),
        _ => unreachable!(),
    }
}

fn key(client: &str) -> &'static str {
    if client == "vscode" {
        "servers"
    } else {
        "mcpServers"
    }
}

#[test]
fn the_first_install_creates_the_file_and_its_directory_in_each_clients_shape() {
    for client in CLIENTS {
        let dir = scratch(&format!("create-{client}"));
        let config = dir.join("nested").join("mcp.json");
        let output = install_http(&dir, client, &config, &[]);
        succeeded(&output);
        assert!(
            stdout(&output).contains("installed calculator"),
            "{output:?}"
        );
        assert_eq!(read_json(&config), expected(client), "{client}");
        assert!(backups(&dir.join("nested")).is_empty(), "{client}");
    }
}

#[test]
fn installing_the_same_twice_leaves_the_file_unchanged_and_says_already_installed() {
    for client in CLIENTS {
        // Into a new file: no backup at all.
        let dir = scratch(&format!("twice-new-{client}"));
        let config = dir.join("mcp.json");
        succeeded(&install_http(&dir, client, &config, &[]));
        let first = fs::read(&config).unwrap();
        let again = install_http(&dir, client, &config, &[]);
        succeeded(&again);
        assert!(
            stdout(&again).contains("calculator is already installed in"),
            "{again:?}"
        );
        assert_eq!(fs::read(&config).unwrap(), first, "{client}");
        assert!(backups(&dir).is_empty(), "{client}");

        // Into an existing file: one backup, of the original, made by the first install only.
        let dir = scratch(&format!("twice-existing-{client}"));
        let config = dir.join("mcp.json");
        fs::write(&config, "{}").unwrap();
        succeeded(&install_http(&dir, client, &config, &[]));
        let first = fs::read(&config).unwrap();
        let again = install_http(&dir, client, &config, &[]);
        assert!(stdout(&again).contains("already installed"), "{again:?}");
        assert_eq!(fs::read(&config).unwrap(), first, "{client}");
        assert_eq!(backups(&dir), [backup(&config)], "{client}");
        assert_eq!(fs::read_to_string(backup(&config)).unwrap(), "{}");
    }
}

#[test]
fn an_install_keeps_the_other_servers_and_keys_and_backs_the_file_up() {
    for client in CLIENTS {
        let dir = scratch(&format!("keep-{client}"));
        let config = dir.join("mcp.json");
        let original = format!(
            r#"{{
  "{}": {{
    "other": {{"command": "/usr/bin/other", "args": ["--flag"], "env": {{"A": "1"}}}},
    "calculator": {{"command": "/old/calculator"}}
  }},
  "theme": {{"dark": true}},
  "list": [3, 1, 2]
}}"#,
            key(client)
        );
        fs::write(&config, &original).unwrap();
        let output = install_http(&dir, client, &config, &[]);
        succeeded(&output);
        assert!(stdout(&output).contains(".bak"), "{output:?}");

        let mut want: Value = serde_json::from_str(&original).unwrap();
        want[key(client)]["calculator"] = expected(client)[key(client)]["calculator"].clone();
        assert_eq!(read_json(&config), want, "{client}");
        assert_eq!(fs::read_to_string(backup(&config)).unwrap(), original);
        // Written atomically: no temporary file left beside it.
        let mut names: Vec<_> = fs::read_dir(&dir)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        assert_eq!(names, ["mcp.json", "mcp.json.bak"], "{client}");
    }
}

#[test]
fn a_file_that_is_not_json_is_refused_with_its_line_and_column_and_left_untouched() {
    for client in CLIENTS {
        let dir = scratch(&format!("invalid-{client}"));
        let config = dir.join("mcp.json");
        let original = "{\n  \"mcpServers\": {},\n  oops\n}\n";
        fs::write(&config, original).unwrap();
        let error = failed(&install_http(&dir, client, &config, &[]));
        assert!(error.contains(config.to_str().unwrap()), "{error}");
        assert!(error.contains("not valid JSON"), "{error}");
        assert!(error.contains("line 3 column 3"), "{error}");
        assert_eq!(fs::read_to_string(&config).unwrap(), original);
        assert!(backups(&dir).is_empty(), "{client}");

        // Checked before the server crate is even looked for.
        let missing = dir.join("no-such-crate").join("Cargo.toml");
        let error = failed(&cargo_mcp(
            &dir,
            &[
                "install",
                client,
                "--manifest-path",
                missing.to_str().unwrap(),
                "--config",
                config.to_str().unwrap(),
            ],
        ));
        assert!(error.contains("line 3 column 3"), "{error}");
    }
}

#[test]
fn dry_run_prints_the_resulting_file_and_writes_nothing() {
    for client in CLIENTS {
        let dir = scratch(&format!("dry-run-{client}"));
        let missing = dir.join("new").join("mcp.json");
        let output = install_http(&dir, client, &missing, &["--dry-run"]);
        succeeded(&output);
        let printed: Value = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(printed, expected(client), "{client}");
        assert!(!dir.join("new").exists(), "{client}");

        let existing = dir.join("mcp.json");
        let original = format!(r#"{{"{}": {{"other": {{"url": "x"}}}}}}"#, key(client));
        fs::write(&existing, &original).unwrap();
        let output = install_http(&dir, client, &existing, &["--dry-run"]);
        succeeded(&output);
        let printed: Value = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(printed[key(client)]["other"], json!({"url": "x"}));
        assert_eq!(
            printed[key(client)]["calculator"],
            expected(client)[key(client)]["calculator"]
        );
        assert_eq!(fs::read_to_string(&existing).unwrap(), original);
        assert!(backups(&dir).is_empty(), "{client}");
    }
}

#[test]
fn files_of_the_wrong_shape_unwritable_directories_and_unknown_clients_exit_with_2() {
    let dir = scratch("errors");
    let array = dir.join("array.json");
    fs::write(&array, "[]").unwrap();
    let error = failed(&install_http(&dir, "cursor", &array, &[]));
    assert!(error.contains("array.json is not a JSON object"), "{error}");

    let servers = dir.join("servers.json");
    fs::write(&servers, r#"{"servers": ["a"]}"#).unwrap();
    let error = failed(&install_http(&dir, "vscode", &servers, &[]));
    assert!(error.contains("`servers` in"), "{error}");
    assert!(error.contains("is not a JSON object"), "{error}");
    assert_eq!(
        fs::read_to_string(&servers).unwrap(),
        r#"{"servers": ["a"]}"#
    );

    // A directory that cannot be created: its parent is a file.
    let blocked = array.join("sub").join("mcp.json");
    let error = failed(&install_http(&dir, "cursor", &blocked, &[]));
    assert!(
        error.contains(&format!("cannot write to {}", array.join("sub").display())),
        "{error}"
    );

    let error = failed(&cargo_mcp(&dir, &["install", "zed", "--http", URL]));
    assert!(
        error.contains("claude-desktop, claude-code, cursor, vscode"),
        "{error}"
    );
    failed(&cargo_mcp(&dir, &["install"]));
    failed(&cargo_mcp(&dir, &["install", "cursor", "--bogus"]));
    failed(&install_http(&dir, "cursor", &array, &["--", "--verbose"]));
}

#[test]
fn help_lists_the_options_and_each_clients_file() {
    let dir = scratch("help");
    let output = cargo_mcp(&dir, &["mcp", "install", "--help"]);
    succeeded(&output);
    let help = stdout(&output);
    for text in [
        "--http",
        "--config",
        "--dry-run",
        "--name",
        "--package",
        "--bin",
        "--manifest-path",
        "--release",
        "claude_desktop_config.json",
        "~/.cursor/mcp.json",
        ".vscode/mcp.json",
        ".mcp.json",
        "Exit status:",
    ] {
        assert!(help.contains(text), "{text} in {help}");
    }
    assert_eq!(stdout(&cargo_mcp(&dir, &["help", "install"])), help);
    assert!(stdout(&cargo_mcp(&dir, &["--help"])).contains("install"));
}

#[test]
fn install_builds_the_calculator_and_starts_it_by_its_absolute_path_with_the_args_after_dashes() {
    let dir = scratch("stdio");
    let calculator = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../examples/calculator/Cargo.toml"
    );
    let config = dir.join(".mcp.json");
    let output = cargo_mcp(
        &dir,
        &[
            "install",
            "claude-code",
            "--manifest-path",
            calculator,
            "--config",
            config.to_str().unwrap(),
            "--",
            "--transport",
            "stdio",
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let config = read_json(&config);
    let entry = &config["mcpServers"]["calculator"];
    let command = Path::new(entry["command"].as_str().unwrap());
    assert!(command.is_absolute(), "{entry}");
    assert!(command.is_file(), "{entry}");
    assert_eq!(
        command.file_stem().unwrap(),
        "calculator",
        "{}",
        command.display()
    );
    assert_eq!(
        *entry,
        json!({
            "type": "stdio",
            "command": command.to_str().unwrap(),
            "args": ["--transport", "stdio"],
            "env": {}
        })
    );
}

#[cfg(unix)]
#[test]
fn a_linked_file_is_updated_through_the_link_and_keeps_its_permissions() {
    use std::os::unix::fs::PermissionsExt;

    let dir = scratch("link");
    let real = dir.join("real.json");
    fs::write(&real, "{}").unwrap();
    fs::set_permissions(&real, fs::Permissions::from_mode(0o600)).unwrap();
    let link = dir.join("link.json");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    succeeded(&install_http(&dir, "cursor", &link, &[]));
    assert!(fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(read_json(&real), expected("cursor"));
    assert_eq!(
        fs::metadata(&real).unwrap().permissions().mode() & 0o777,
        0o600
    );
}

#[cfg(unix)]
#[test]
fn a_read_only_configuration_directory_is_refused_and_the_file_left_as_it_was() {
    use std::os::unix::fs::PermissionsExt;

    let dir = scratch("read-only");
    let config_dir = dir.join("config");
    fs::create_dir(&config_dir).unwrap();
    let config = config_dir.join("mcp.json");
    let original = r#"{"mcpServers": {"other": {"command": "/usr/bin/other"}}}"#;
    fs::write(&config, original).unwrap();
    fs::set_permissions(&config_dir, fs::Permissions::from_mode(0o555)).unwrap();
    let probe = config_dir.join("probe");
    let writable_anyway = fs::write(&probe, "").is_ok();
    let (config, shown) = if writable_anyway {
        // The superuser writes through file modes; sysfs takes no new files from anyone.
        fs::remove_file(&probe).unwrap();
        (PathBuf::from("/sys/mcp.json"), PathBuf::from("/sys"))
    } else {
        (config, config_dir.clone())
    };
    let error = failed(&install_http(&dir, "cursor", &config, &[]));
    fs::set_permissions(&config_dir, fs::Permissions::from_mode(0o755)).unwrap();
    assert!(
        error.contains(&format!("cannot write to {}", shown.display())),
        "{error}"
    );
    assert_eq!(
        fs::read_to_string(config_dir.join("mcp.json")).unwrap(),
        original
    );
    assert!(backups(&config_dir).is_empty());
}
