//! A resource at one fixed URI, with every attribute key.
use mcp_runtime::capability::ResourceHandler;
use mcp_runtime::prelude::*;
use serde_json::json;

/// Today's note.
#[resource("notes://today")]
fn today() -> String {
    "# Today".to_owned()
}

/// Doc comment that `description` overrides.
#[resource(
    "notes://archive",
    name = "archive",
    title = "Archived notes",
    description = "Every note ever written.",
    mime_type = "text/markdown; charset=utf-8",
    risk = "medium",
    scopes("notes:read")
)]
fn archived_notes() -> &'static str {
    "# Archive"
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    // The function stays callable.
    assert_eq!(today(), "# Today");

    let descriptor = today {}.descriptor();
    assert_eq!(descriptor.uri(), "notes://today");
    assert_eq!(descriptor.name(), "today");
    assert!(!descriptor.is_template());
    assert_eq!(descriptor.permission().risk, RiskLevel::Low);
    assert_eq!(descriptor.to_resource().description.as_deref(), Some("Today's note."));

    let archive = archived_notes {}.descriptor();
    assert_eq!(archive.name(), "archive");
    assert_eq!(archive.declared_mime_type(), Some("text/markdown; charset=utf-8"));
    assert_eq!(archive.permission().risk, RiskLevel::Medium);
    assert_eq!(archive.permission().scopes, ["notes:read"]);
    let listed = archive.to_resource();
    assert_eq!(listed.title.as_deref(), Some("Archived notes"));
    assert_eq!(listed.description.as_deref(), Some("Every note ever written."));

    let client = mcp_runtime::testing::TestClient::modern(
        Server::new("notes", "1.0.0")
            .resources(resources![today, archived_notes]),
    )
    .unwrap();
    let read = client
        .request("resources/read", json!({ "uri": "notes://today" }))
        .await
        .unwrap();
    assert_eq!(
        read["contents"],
        json!([{ "uri": "notes://today", "mimeType": "text/plain", "text": "# Today" }])
    );
}
