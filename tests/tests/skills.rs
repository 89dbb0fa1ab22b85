//! The skills extension (`io.modelcontextprotocol/skills`): skills from a directory and from
//! code, listed, fetched, read as resources and browsed by directory, in both eras; and the
//! rules a skill must follow, checked when the server is built.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use mcp_runtime::permission::Policy;
use mcp_runtime::prelude::*;
use mcp_runtime::protocol::{code, ProtocolVersion, RpcError};
use mcp_runtime::skills::Skill;
use mcp_runtime::testing::TestClient;
use serde_json::{json, Value};

/// A directory under the system's temporary one, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let path = std::env::temp_dir().join(format!(
            "mcp-skills-test-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }

    /// Writes `contents` at `relative`, making its directories.
    fn write(&self, relative: &str, contents: &str) -> PathBuf {
        let path = self.0.join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, contents).unwrap();
        path
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

const PDF_SKILL_MD: &str = "---\nname: pdf-processing\ndescription: Extract, fill, and assemble PDF documents\nlicense: Apache-2.0\nmetadata:\n  version: \"2.1\"\n---\n\n# PDF processing\n\nSee references/FORMS.md.\n";

/// A skills directory: `pdf-processing` with nested files, and `acme/refunds` under a
/// prefix.
fn skills_dir() -> TempDir {
    let dir = TempDir::new();
    dir.write("pdf-processing/SKILL.md", PDF_SKILL_MD);
    dir.write("pdf-processing/references/FORMS.md", "# Forms\n");
    dir.write("pdf-processing/templates/regional/eu-invoice.md", "EU\n");
    dir.write("pdf-processing/.hidden", "not served");
    dir.write(
        "acme/refunds/SKILL.md",
        "---\nname: refunds\ndescription: Process refund requests\n---\nBody\n",
    );
    dir.write("README.md", "not a skill");
    dir
}

fn server(dir: &TempDir) -> Server {
    Server::new("skills", "1.0.0").skills_dir(dir.path()).skill(
        Skill::new("git-workflow", "Follow the team's Git conventions")
            .instructions("# Git\n")
            .file("scripts/check.sh", "#!/bin/sh\n"),
    )
}

async fn clients(dir: &TempDir) -> Vec<TestClient> {
    vec![
        TestClient::modern(server(dir)).unwrap(),
        TestClient::legacy(server(dir)).await.unwrap(),
    ]
}

fn sha256(bytes: &[u8]) -> String {
    use ring::digest::{digest, SHA256};
    let hex: String = digest(&SHA256, bytes)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("sha256:{hex}")
}

fn uris(items: &Value) -> Vec<&str> {
    items
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["uri"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn skills_are_listed_with_their_frontmatter_and_every_file() {
    let dir = skills_dir();
    for client in clients(&dir).await {
        let version = client.protocol_version();
        let listed = client.request("skills/list", json!({})).await.unwrap();
        assert_eq!(
            uris(&listed["skills"]),
            [
                "skill://acme/refunds/SKILL.md",
                "skill://pdf-processing/SKILL.md",
                "skill://git-workflow/SKILL.md"
            ],
            "{version}"
        );
        let pdf = &listed["skills"][1];
        assert_eq!(
            pdf["frontmatter"],
            json!({
                "name": "pdf-processing",
                "description": "Extract, fill, and assemble PDF documents",
                "license": "Apache-2.0",
                "metadata": {"version": "2.1"},
            })
        );
        assert_eq!(
            uris(&pdf["resources"]),
            [
                "skill://pdf-processing/SKILL.md",
                "skill://pdf-processing/references/FORMS.md",
                "skill://pdf-processing/templates/regional/eu-invoice.md"
            ]
        );
        assert_eq!(
            pdf["resources"][0]["digest"],
            sha256(PDF_SKILL_MD.as_bytes())
        );
        assert_eq!(pdf["resources"][0]["size"], PDF_SKILL_MD.len());
        assert!(listed.get("nextCursor").is_none());
        match version {
            ProtocolVersion::LATEST => {
                assert_eq!(listed["resultType"], "complete");
                assert!(listed["ttlMs"].is_u64() && listed["cacheScope"].is_string());
            }
            _ => assert!(listed.get("resultType").is_none()),
        }

        let resources = client.request("resources/list", json!({})).await.unwrap();
        let resources = &resources["resources"];
        let manifest = resources
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["uri"] == "skill://pdf-processing/SKILL.md")
            .expect("skill files are resources");
        assert_eq!(manifest["name"], "pdf-processing");
        assert_eq!(
            manifest["description"],
            "Extract, fill, and assemble PDF documents"
        );
        assert_eq!(manifest["mimeType"], "text/markdown");
        assert!(manifest.get("_meta").is_none(), "{manifest}");
    }
}

#[tokio::test]
async fn skills_get_returns_the_listed_entry() {
    let dir = skills_dir();
    for client in clients(&dir).await {
        let listed = client.request("skills/list", json!({})).await.unwrap();
        for entry in listed["skills"].as_array().unwrap() {
            let got = client
                .request("skills/get", json!({ "uri": entry["uri"] }))
                .await
                .unwrap();
            assert_eq!(&got["skill"], entry);
            assert!(got.get("nextCursor").is_none());
        }
    }
}

#[tokio::test]
async fn a_read_file_matches_its_digest_and_size() {
    let dir = skills_dir();
    for client in clients(&dir).await {
        let entry = client
            .request(
                "skills/get",
                json!({"uri": "skill://git-workflow/SKILL.md"}),
            )
            .await
            .unwrap();
        for resource in entry["skill"]["resources"].as_array().unwrap() {
            let read = client
                .request("resources/read", json!({ "uri": resource["uri"] }))
                .await
                .unwrap();
            let text = read["contents"][0]["text"].as_str().unwrap();
            assert_eq!(resource["digest"], sha256(text.as_bytes()));
            assert_eq!(resource["size"], text.len());
        }
        let read = client
            .request(
                "resources/read",
                json!({"uri": "skill://git-workflow/SKILL.md"}),
            )
            .await
            .unwrap();
        assert_eq!(
            read["contents"][0]["text"],
            "---\nname: git-workflow\ndescription: Follow the team's Git conventions\n---\n\n# Git\n"
        );
        assert_eq!(read["contents"][0]["mimeType"], "text/markdown");
    }
}

#[tokio::test]
async fn directories_list_their_direct_children() {
    let dir = skills_dir();
    for client in clients(&dir).await {
        let read_dir = |uri: &'static str| {
            let client = &client;
            async move {
                client
                    .request("resources/directory/read", json!({ "uri": uri }))
                    .await
            }
        };
        let root = read_dir("skill://pdf-processing").await.unwrap();
        let children = root["resources"].as_array().unwrap();
        assert_eq!(
            uris(&root["resources"]),
            [
                "skill://pdf-processing/SKILL.md",
                "skill://pdf-processing/references",
                "skill://pdf-processing/templates"
            ]
        );
        assert_eq!(children[0]["mimeType"], "text/markdown");
        assert_eq!(
            children[1],
            json!({"uri": "skill://pdf-processing/references", "name": "references", "mimeType": "inode/directory"})
        );
        let templates = read_dir("skill://pdf-processing/templates").await.unwrap();
        assert_eq!(
            uris(&templates["resources"]),
            ["skill://pdf-processing/templates/regional"]
        );
        let prefix = read_dir("skill://acme").await.unwrap();
        assert_eq!(uris(&prefix["resources"]), ["skill://acme/refunds"]);

        for not_a_directory in [
            "skill://pdf-processing/SKILL.md",
            "skill://pdf-processing/nowhere",
            "skill://pdf-processing/",
            "test://elsewhere",
        ] {
            let error = read_dir(not_a_directory).await.unwrap_err();
            assert_eq!(error.code, code::INVALID_PARAMS, "{not_a_directory}");
        }
    }
}

#[tokio::test]
async fn an_unknown_skill_is_invalid_params() {
    let dir = skills_dir();
    for client in clients(&dir).await {
        for unknown in [
            "skill://nowhere/SKILL.md",
            "skill://pdf-processing/references/FORMS.md",
            "skill://pdf-processing",
        ] {
            let error: RpcError = client
                .request("skills/get", json!({ "uri": unknown }))
                .await
                .unwrap_err();
            assert_eq!(error.code, code::INVALID_PARAMS, "{unknown}");
        }
        let error = client.request("skills/get", json!({})).await.unwrap_err();
        assert_eq!(error.code, code::INVALID_PARAMS);
    }
}

#[tokio::test]
async fn the_extension_is_declared_in_both_eras() {
    let dir = skills_dir();
    let extension = json!({"io.modelcontextprotocol/skills": {"directoryRead": true}});
    let modern = TestClient::modern(server(&dir)).unwrap();
    let discovered = modern.request("server/discover", json!({})).await.unwrap();
    assert_eq!(discovered["capabilities"]["extensions"], extension);
    assert!(discovered["capabilities"]["resources"].is_object());

    let client = TestClient::modern(server(&dir)).unwrap();
    let init = client
        .raw_request(
            "initialize",
            json!({
                "protocolVersion": "2025-11-25",
                "capabilities": {},
                "clientInfo": {"name": "c", "version": "1"},
            }),
        )
        .await
        .unwrap();
    assert_eq!(init["capabilities"]["extensions"], extension);

    let plain =
        TestClient::modern(Server::new("plain", "1").tools(tools![mcp_tests::echo])).unwrap();
    let discovered = plain.request("server/discover", json!({})).await.unwrap();
    assert!(discovered["capabilities"].get("extensions").is_none());
    let error = plain.request("skills/list", json!({})).await.unwrap_err();
    assert_eq!(error.code, code::METHOD_NOT_FOUND);
}

#[tokio::test]
async fn skills_list_pages_without_splitting_a_skill() {
    let dir = skills_dir();
    let client = TestClient::modern(server(&dir).page_size(2)).unwrap();
    let first = client.request("skills/list", json!({})).await.unwrap();
    assert_eq!(first["skills"].as_array().unwrap().len(), 2);
    let cursor = first["nextCursor"].as_str().unwrap();
    let second = client
        .request("skills/list", json!({ "cursor": cursor }))
        .await
        .unwrap();
    assert_eq!(uris(&second["skills"]), ["skill://git-workflow/SKILL.md"]);
    assert!(second.get("nextCursor").is_none());
    let error = client
        .request("skills/list", json!({"cursor": "page-9"}))
        .await
        .unwrap_err();
    assert_eq!(error.code, code::INVALID_PARAMS);
}

#[tokio::test]
async fn a_skill_the_policy_denies_is_neither_listed_nor_served() {
    let dir = skills_dir();
    let policy = Policy::from_toml(
        "[capabilities]\ndeny = [\"pdf-processing\", \"pdf-processing/*\"]\n",
        "policy.toml",
    )
    .unwrap();
    for client in [
        TestClient::modern(server(&dir).policy(policy.clone())).unwrap(),
        TestClient::legacy(server(&dir).policy(policy.clone()))
            .await
            .unwrap(),
    ] {
        let listed = client.request("skills/list", json!({})).await.unwrap();
        assert!(!uris(&listed["skills"]).contains(&"skill://pdf-processing/SKILL.md"));
        let error = client
            .request(
                "skills/get",
                json!({"uri": "skill://pdf-processing/SKILL.md"}),
            )
            .await
            .unwrap_err();
        assert_eq!(error.code, code::INVALID_PARAMS);
        assert!(client
            .request(
                "resources/read",
                json!({"uri": "skill://pdf-processing/references/FORMS.md"}),
            )
            .await
            .is_err());
        let error = client
            .request(
                "resources/directory/read",
                json!({"uri": "skill://pdf-processing"}),
            )
            .await
            .unwrap_err();
        assert_eq!(error.code, code::INVALID_PARAMS);
    }
}

fn build_error(server: Server) -> String {
    server.build().unwrap_err().to_string()
}

#[test]
fn a_bad_skill_name_fails_the_build_naming_the_file_and_the_rule() {
    let dir = TempDir::new();
    let file = dir.write(
        "Bad_Name/SKILL.md",
        "---\nname: Bad_Name\ndescription: d\n---\n",
    );
    let error = build_error(Server::new("s", "1").skills_dir(dir.path()));
    assert!(error.contains(&file.display().to_string()), "{error}");
    assert!(error.contains("naming rules"), "{error}");

    let dir = TempDir::new();
    dir.write("pdf/SKILL.md", "---\nname: other\ndescription: d\n---\n");
    let error = build_error(Server::new("s", "1").skills_dir(dir.path()));
    assert!(error.contains("must be equal"), "{error}");

    let dir = TempDir::new();
    dir.write("pdf/SKILL.md", "---\nname: pdf\n---\n");
    let error = build_error(Server::new("s", "1").skills_dir(dir.path()));
    assert!(error.contains("`description`"), "{error}");

    let error = build_error(Server::new("s", "1").skills_dir("/nonexistent/skills"));
    assert!(error.contains("/nonexistent/skills"), "{error}");
}

#[cfg(unix)]
#[test]
fn a_symlink_out_of_the_skill_fails_the_build() {
    let outside = TempDir::new();
    let secret = outside.write("secret.txt", "secret");
    let dir = TempDir::new();
    dir.write("pdf/SKILL.md", "---\nname: pdf\ndescription: d\n---\n");
    let link = dir.path().join("pdf/secret.txt");
    std::os::unix::fs::symlink(&secret, &link).unwrap();
    let error = build_error(Server::new("s", "1").skills_dir(dir.path()));
    assert!(error.contains(&link.display().to_string()), "{error}");
    assert!(error.contains("outside"), "{error}");

    // A link that stays inside the skill is followed.
    std::fs::remove_file(&link).unwrap();
    dir.write("pdf/notes.md", "notes");
    std::os::unix::fs::symlink(dir.path().join("pdf/notes.md"), &link).unwrap();
    assert!(Server::new("s", "1").skills_dir(dir.path()).build().is_ok());

    // A link to a directory is refused, even one inside the skill.
    std::fs::remove_file(&link).unwrap();
    std::fs::create_dir(dir.path().join("pdf/sub")).unwrap();
    std::os::unix::fs::symlink(dir.path().join("pdf/sub"), &link).unwrap();
    let error = build_error(Server::new("s", "1").skills_dir(dir.path()));
    assert!(error.contains("directory"), "{error}");
}

#[tokio::test]
async fn a_binary_file_is_read_as_a_blob_whose_bytes_match_the_digest() {
    use base64::Engine;
    let dir = TempDir::new();
    dir.write("logo/SKILL.md", "---\nname: logo\ndescription: d\n---\n");
    let bytes = [0x89, b'P', b'N', b'G', 0xff, 0x00];
    std::fs::write(dir.path().join("logo/logo.png"), bytes).unwrap();
    let client = TestClient::modern(Server::new("s", "1").skills_dir(dir.path())).unwrap();
    let entry = client
        .request("skills/get", json!({"uri": "skill://logo/SKILL.md"}))
        .await
        .unwrap();
    let png = &entry["skill"]["resources"][1];
    assert_eq!(png["uri"], "skill://logo/logo.png");
    assert_eq!(png["digest"], sha256(&bytes));
    assert_eq!(png["size"], bytes.len());
    let read = client
        .request("resources/read", json!({"uri": "skill://logo/logo.png"}))
        .await
        .unwrap();
    let contents = &read["contents"][0];
    assert_eq!(contents["mimeType"], "image/png");
    let blob = base64::engine::general_purpose::STANDARD
        .decode(contents["blob"].as_str().unwrap())
        .unwrap();
    assert_eq!(blob, bytes);
}

#[tokio::test]
async fn a_skill_switched_off_by_its_uri_leaves_the_listing() {
    let dir = skills_dir();
    let client = TestClient::modern(server(&dir).disable("skill://git-workflow/SKILL.md")).unwrap();
    let listed = client.request("skills/list", json!({})).await.unwrap();
    assert!(!uris(&listed["skills"]).contains(&"skill://git-workflow/SKILL.md"));
    let error = client
        .request(
            "skills/get",
            json!({"uri": "skill://git-workflow/SKILL.md"}),
        )
        .await
        .unwrap_err();
    assert_eq!(error.code, code::INVALID_PARAMS);
    let scripts = client
        .request(
            "resources/directory/read",
            json!({"uri": "skill://git-workflow/scripts"}),
        )
        .await
        .unwrap();
    assert_eq!(
        uris(&scripts["resources"]),
        ["skill://git-workflow/scripts/check.sh"],
        "its other files are still served"
    );
}
