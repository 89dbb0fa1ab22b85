use super::*;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A directory of its own under the system's temporary directory, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(label: &str) -> Scratch {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "new-server-test-{}-{label}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    fn write(&self, relative: &str, text: &str) {
        let path = self.0.join(relative);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn the_template() -> Template {
    Template::load(&repository_root().join("templates").join("mcp-server")).unwrap()
}

fn placeholder<'a>(template: &'a Template, name: &str) -> Option<&'a template::Placeholder> {
    template.placeholders.iter().find(|p| p.name == name)
}

fn args(list: &[&str]) -> Vec<OsString> {
    list.iter().map(OsString::from).collect()
}

fn request(list: &[&str]) -> Request {
    match parse(&the_template(), &repository_root(), args(list)).unwrap() {
        Parsed::Generate(request) => request,
        Parsed::Help => panic!("asked for help"),
    }
}

fn parse_error(list: &[&str]) -> String {
    parse(&the_template(), &repository_root(), args(list))
        .unwrap_err()
        .0
}

fn text(path: &Path) -> String {
    fs::read_to_string(path).unwrap()
}

fn manifest(project: &Path) -> toml::Table {
    text(&project.join("Cargo.toml")).parse().unwrap()
}

#[test]
fn the_options_are_the_placeholders_of_cargo_generate_toml() {
    let template = the_template();
    let names: Vec<_> = template
        .placeholders
        .iter()
        .map(|p| p.name.as_str())
        .collect();
    assert_eq!(names, ["transport", "risk", RUNTIME_PATH]);
    let transport = placeholder(&template, "transport").unwrap();
    assert_eq!(
        transport.choices.as_deref().unwrap(),
        ["stdio", "http", "both"]
    );
    assert_eq!(transport.default.as_deref(), Some("stdio"));
    let risk = placeholder(&template, "risk").unwrap();
    assert_eq!(
        risk.choices.as_deref().unwrap(),
        ["low", "medium", "high", "critical"]
    );
    assert_eq!(risk.default.as_deref(), Some("low"));
    let runtime = placeholder(&template, RUNTIME_PATH).unwrap();
    assert_eq!(runtime.choices, None);
    assert_eq!(runtime.default.as_deref(), Some(""));
}

#[test]
fn defaults_and_options() {
    let root = repository_root().display().to_string();
    let plain = request(&["../my-server"]);
    assert_eq!(plain.path, PathBuf::from("../my-server"));
    assert_eq!(plain.name, "my-server");
    assert_eq!(plain.values["transport"], "stdio");
    assert_eq!(plain.values["risk"], "low");
    assert_eq!(plain.values[RUNTIME_PATH], root);

    let chosen = request(&["--transport", "both", "out/my_server/", "--risk=high"]);
    assert_eq!(chosen.name, "my_server");
    assert_eq!(chosen.values["transport"], "both");
    assert_eq!(chosen.values["risk"], "high");

    let published = request(&["x", "--mcp-runtime-path", ""]);
    assert_eq!(published.values[RUNTIME_PATH], "");
    let underscores = request(&["x", &format!("--{RUNTIME_PATH}={root}")]);
    assert_eq!(underscores.values[RUNTIME_PATH], root);
    let separated = request(&["--transport", "http", "--", "my-server"]);
    assert_eq!(separated.path, PathBuf::from("my-server"));
    assert_eq!(separated.values["transport"], "http");
}

#[test]
fn command_line_errors_say_what_is_wrong() {
    assert!(parse_error(&[]).contains("no path given"));
    assert!(parse_error(&["a", "b"]).contains("unexpected argument `b`"));
    assert!(parse_error(&["a", "--colour", "red"]).contains("unknown option `--colour`"));
    let choice = parse_error(&["a", "--transport", "pigeon"]);
    assert!(
        choice
            .contains("`pigeon` is not a value of `transport`: expected one of stdio, http, both"),
        "{choice}"
    );
    assert!(parse_error(&["a", "--risk"]).contains("--risk needs a value"));
    assert!(parse_error(&["a", "--risk", "low", "--risk=high"]).contains("given twice"));
    assert!(parse_error(&["a", "--mcp-runtime-path", "/nowhere"])
        .contains("is not a checkout of the mcp-runtime repository"));
    assert!(parse_error(&["a", "--risk", "nope"]).contains("cargo new-server --help"));
}

#[test]
fn help_lists_every_placeholder() {
    let template = the_template();
    let root = repository_root();
    assert_eq!(
        parse(&template, &root, args(&["x", "--help"])).unwrap(),
        Parsed::Help
    );
    let help = help(&template, &root);
    assert!(help.contains("Usage: cargo new-server <PATH> [OPTIONS]"));
    assert!(help.contains(
        "  --transport <stdio|http|both>\n          Which transport should the server speak by default? [default: stdio]"
    ), "{help}");
    assert!(help.contains("  --risk <low|medium|high|critical>\n"));
    assert!(help.contains(&format!(
        "  --mcp-runtime-path <DIR>\n          Path of an mcp-runtime repository checkout to build against (empty: the crates.io release) [default: {}]\n",
        root.display()
    )), "{help}");
}

#[test]
fn package_names() {
    for name in [
        "my-server",
        "my_server",
        "server2",
        "a",
        "mcp-v2",
        "notes-2",
    ] {
        assert_eq!(package_name(Path::new(name)).unwrap(), name);
    }
    assert_eq!(
        package_name(Path::new("../x/my-server/")).unwrap(),
        "my-server"
    );
    for (name, why) in [
        ("MyServer", "lowercase"),
        ("my server", "lowercase"),
        ("my--server", "single `-`"),
        ("-server", "single `-`"),
        ("my-server_2", "not both"),
        ("2fa", "start with a letter"),
        ("fn", "keyword"),
        ("test", "Cargo reserves"),
        ("build", "Cargo reserves"),
        ("con", "Windows"),
        ("serveur-été", "lowercase ASCII"),
    ] {
        let error = package_name(Path::new(name)).unwrap_err().0;
        assert!(error.contains(why), "{name}: {error}");
    }
    for path in ["..", "/", "."] {
        let error = package_name(Path::new(path)).unwrap_err().0;
        assert!(
            error.contains("does not end with the project's name"),
            "{error}"
        );
    }
}

#[test]
fn every_variant_renders_a_project_of_its_own() {
    let root = repository_root();
    let scratch = Scratch::new("variants");
    for transport in ["stdio", "http", "both"] {
        for risk in ["low", "medium", "high", "critical"] {
            let path = scratch.0.join(format!("server-{transport}-{risk}"));
            let request = request(&[
                path.to_str().unwrap(),
                "--transport",
                transport,
                "--risk",
                risk,
            ]);
            let created = create(&the_template(), &request).unwrap();
            assert_eq!(
                created.files,
                [".gitignore", "Cargo.toml", "README.md", "src/main.rs"].map(PathBuf::from)
            );
            assert!(!path.join(template::CONFIG_FILE).exists());
            for file in &created.files {
                let text = text(&path.join(file));
                assert!(
                    !text.contains("{{") && !text.contains("{%"),
                    "{}: a Liquid tag is left",
                    file.display()
                );
            }
            assert_eq!(text(&path.join(".gitignore")), "/target\n");

            let manifest = manifest(&path);
            assert_eq!(
                manifest["package"]["name"].as_str(),
                Some(request.name.as_str())
            );
            assert!(
                manifest["workspace"].as_table().unwrap().is_empty(),
                "a workspace of its own"
            );
            let dependencies = manifest["dependencies"].as_table().unwrap();
            let runtime = dependencies["mcp-runtime"].as_table().unwrap();
            assert_eq!(
                runtime["path"].as_str(),
                Some(root.join("mcp-runtime").to_str().unwrap())
            );
            assert_eq!(
                runtime
                    .get("default-features")
                    .and_then(toml::Value::as_bool),
                (transport == "stdio").then_some(false)
            );
            for dependency in ["tokio", "serde", "schemars"] {
                assert!(dependencies.contains_key(dependency), "{dependency}");
            }

            let main = text(&path.join("src/main.rs"));
            assert!(main.contains(&format!("#[tool(risk = \"{risk}\"")));
            assert_eq!(
                main.contains("fn args()"),
                transport == "http",
                "the http variant defaults to --transport http"
            );
            let readme = text(&path.join("README.md"));
            assert!(readme.starts_with(&format!("# {}\n", request.name)));
            assert!(readme.contains("--print-config claude-desktop"));
            assert_eq!(readme.contains("npx -y mcp-remote"), transport != "stdio");
        }
    }
}

#[test]
fn an_empty_runtime_path_depends_on_the_crates_io_release() {
    let scratch = Scratch::new("published");
    for transport in ["stdio", "http"] {
        let path = scratch.0.join(transport);
        let request = request(&[
            path.to_str().unwrap(),
            "--transport",
            transport,
            "--mcp-runtime-path",
            "",
        ]);
        create(&the_template(), &request).unwrap();
        let manifest = manifest(&path);
        let runtime = &manifest["dependencies"]["mcp-runtime"];
        if transport == "stdio" {
            assert_eq!(runtime["version"].as_str(), Some("0.1"));
            assert_eq!(runtime["default-features"].as_bool(), Some(false));
        } else {
            assert_eq!(runtime.as_str(), Some("0.1"));
        }
    }
}

#[test]
fn refuses_a_directory_with_files_and_fills_an_empty_one() {
    let scratch = Scratch::new("existing");
    scratch.write("taken/notes.txt", "mine");
    let taken = scratch.0.join("taken");
    let error = create(&the_template(), &request(&[taken.to_str().unwrap()]))
        .unwrap_err()
        .0;
    assert!(error.contains("already exists and is not empty"), "{error}");
    assert_eq!(fs::read_dir(&taken).unwrap().count(), 1);
    assert_eq!(text(&taken.join("notes.txt")), "mine");

    scratch.write("file", "");
    let file = scratch.0.join("file");
    let error = create(&the_template(), &request(&[file.to_str().unwrap()]))
        .unwrap_err()
        .0;
    assert!(error.contains("is not a directory"), "{error}");

    let empty = scratch.0.join("empty");
    fs::create_dir(&empty).unwrap();
    create(&the_template(), &request(&[empty.to_str().unwrap()])).unwrap();
    assert!(empty.join("src/main.rs").is_file());
}

#[test]
fn initialises_a_git_repository() {
    let scratch = Scratch::new("git");
    let path = scratch.0.join("with-git");
    let created = create(&the_template(), &request(&[path.to_str().unwrap()])).unwrap();
    let git_installed = Command::new("git").arg("--version").output().is_ok();
    if git_installed {
        assert_eq!(created.git, "initialised a git repository");
        assert!(path.join(".git").is_dir());
        // Not a repository inside the new one.
        let nested = path.join("nested");
        let created = create(&the_template(), &request(&[nested.to_str().unwrap()])).unwrap();
        assert!(created.git.contains("inside an existing git work tree"));
        assert!(!nested.join(".git").exists());
    } else {
        assert!(created.git.contains("git is not installed"));
    }
}

#[test]
fn a_value_that_breaks_cargo_toml_is_refused_and_nothing_is_left() {
    let scratch = Scratch::new("quote");
    scratch.write("it's/mcp-runtime/Cargo.toml", "");
    let checkout = scratch.0.join("it's");
    let path = scratch.0.join("server");
    let request = request(&[
        path.to_str().unwrap(),
        "--mcp-runtime-path",
        checkout.to_str().unwrap(),
    ]);
    let error = create(&the_template(), &request).unwrap_err().0;
    assert!(error.contains("not valid TOML"), "{error}");
    assert!(!path.exists());
}

/// A template of its own that uses what cargo-generate does with files.
#[test]
fn renders_as_cargo_generate_does() {
    let template = Scratch::new("conventions");
    template.write(
        template::CONFIG_FILE,
        "[template]\nignore = [\"target\", \"notes.md\"]\n\n\
         [placeholders.colour]\ntype = \"string\"\nprompt = \"Colour?\"\ndefault = \"red\"\n",
    );
    template.write(
        "plain.txt",
        "{{project-name}} {{crate_name}} {{colour}} {{within_cargo_project}}\n",
    );
    template.write("both.txt", "not this one\n");
    template.write("both.txt.liquid", "{{ colour | upcase }}\n");
    template.write(
        "{{crate_name}}/x.txt",
        "{% if colour == \"red\" %}warm{% endif %}\n",
    );
    template.write("target/debug/junk", "");
    template.write("notes.md", "");
    template.write(".git/HEAD", "");
    template.write(".cargo-ok", "");
    let template = Template::load(&template.0).unwrap();

    let out = Scratch::new("conventions-out");
    let values = BTreeMap::from([("colour".to_owned(), "blue".to_owned())]);
    let files = template.render("my-thing", &values, &out.0).unwrap();
    assert_eq!(
        files,
        ["both.txt", "my_thing/x.txt", "plain.txt"].map(PathBuf::from)
    );
    assert_eq!(
        text(&out.0.join("plain.txt")),
        "my-thing my_thing blue false\n"
    );
    assert_eq!(text(&out.0.join("both.txt")), "BLUE\n");
    assert_eq!(text(&out.0.join("my_thing/x.txt")), "\n");

    let error = template
        .render("my-thing", &BTreeMap::new(), &out.0)
        .unwrap_err()
        .0;
    assert_eq!(error, "no value for `colour`");
}

#[test]
fn a_template_error_names_the_file() {
    let template = Scratch::new("broken");
    template.write(template::CONFIG_FILE, "");
    template.write("a.txt", "{{ author }}\n");
    let template = Template::load(&template.0).unwrap();
    let out = Scratch::new("broken-out");
    let error = template
        .render("x", &BTreeMap::new(), &out.0)
        .unwrap_err()
        .0;
    assert!(
        error.starts_with("cannot render a.txt with Liquid"),
        "{error}"
    );
    assert!(error.contains("author"), "{error}");
}

#[test]
fn refuses_what_it_does_not_implement() {
    let dir = Path::new("/nonexistent");
    for (config, what) in [
        ("[hooks]\npre = [\"x.rhai\"]\n", "`[hooks]`"),
        ("[conditional.'x']\nignore = []\n", "`[conditional]`"),
        ("[template]\ninclude = [\"x\"]\n", "`[template] include`"),
        (
            "[placeholders.x]\ntype = \"bool\"\nprompt = \"?\"\n",
            "type = \"bool\"",
        ),
        (
            "[placeholders.x]\ntype = \"string\"\nprompt = \"?\"\nregex = \"a\"\n",
            "`[placeholders.x] regex`",
        ),
    ] {
        let error = Template::from_config(dir, config).unwrap_err().0;
        assert!(error.contains(what), "{config}: {error}");
        assert!(error.contains("use cargo-generate") || error.contains("with cargo-generate"));
    }
    let error = Template::from_config(
        dir,
        "[placeholders.x]\ntype = \"string\"\nprompt = \"?\"\nchoices = [\"a\"]\ndefault = \"b\"\n",
    )
    .unwrap_err()
    .0;
    assert!(
        error.contains("default: `b` is not a value of `x`"),
        "{error}"
    );
}
