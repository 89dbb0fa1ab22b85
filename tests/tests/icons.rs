//! Icons on the server, tools, resources, resource templates and prompts: listed to
//! `2025-11-25` and `2026-07-28` clients, left out for `2025-06-18` ones, and checked when
//! the server is built.

use mcp_runtime::capability::{ToolDescriptor, ToolHandler};
use mcp_runtime::prelude::*;
use mcp_runtime::protocol::{Icon, ProtocolVersion};
use mcp_runtime::testing::TestClient;
use mcp_runtime::Error;
use serde_json::{json, Value};

use crate::wire_schema::Spec;

/// Adds two numbers.
#[tool(
    read_only,
    icons = [
        "https://example.com/calc.svg",
        icon("https://example.com/calc-dark.png", mime_type = "image/png", sizes = ["48x48", "96x96"], theme = "dark"),
    ]
)]
fn add(a: i64, b: i64) -> i64 {
    a + b
}

/// Today's notes.
#[resource("notes://today", icons = ["data:image/png;base64,iVBORw0KGgo="])]
fn today() -> String {
    "nothing yet".into()
}

/// One note.
#[resource("notes://{id}", icons = [icon("https://example.com/note.svg", sizes = "any")])]
fn note(id: String) -> String {
    id
}

/// Reviews code.
#[prompt(icons = ["https://example.com/review.png"])]
fn review(code: String) -> String {
    format!("Review this: {code}")
}

fn server() -> Server {
    Server::new("iconic", "1.0.0")
        .icon(Icon::new("https://example.com/server.svg").mime_type("image/svg+xml"))
        .tools(tools![add])
        .resources(resources![today, note])
        .prompts(prompts![review])
}

async fn client(version: ProtocolVersion) -> TestClient {
    match version {
        ProtocolVersion::V2026_07_28 => TestClient::modern(server()).unwrap(),
        version => TestClient::legacy_with_version(server(), version)
            .await
            .unwrap(),
    }
}

/// Every list of `client`, with the schema definition of its items.
async fn lists(client: &TestClient) -> Vec<(&'static str, Value)> {
    let mut items = Vec::new();
    for (method, key, definition) in [
        ("tools/list", "tools", "Tool"),
        ("resources/list", "resources", "Resource"),
        (
            "resources/templates/list",
            "resourceTemplates",
            "ResourceTemplate",
        ),
        ("prompts/list", "prompts", "Prompt"),
    ] {
        let result = client.request(method, json!({})).await.unwrap();
        let [item] = result[key].as_array().unwrap().as_slice() else {
            panic!("one item in {result}");
        };
        items.push((definition, item.clone()));
    }
    items
}

#[tokio::test]
async fn icons_are_listed_to_clients_whose_revision_has_them() {
    for version in [ProtocolVersion::V2025_11_25, ProtocolVersion::V2026_07_28] {
        let spec = Spec::load(version);
        let items = lists(&client(version).await).await;
        for (definition, item) in &items {
            assert!(item["icons"].is_array(), "{version} {definition}: {item}");
            spec.check(definition, item);
        }
        assert_eq!(
            items[0].1["icons"],
            json!([
                {"src": "https://example.com/calc.svg"},
                {"src": "https://example.com/calc-dark.png", "mimeType": "image/png", "sizes": ["48x48", "96x96"], "theme": "dark"},
            ]),
            "{version}"
        );
        assert_eq!(
            items[2].1["icons"],
            json!([{"src": "https://example.com/note.svg", "sizes": ["any"]}])
        );
    }
}

#[tokio::test]
async fn clients_of_2025_06_18_are_sent_no_icons() {
    let client = client(ProtocolVersion::V2025_06_18).await;
    let spec = Spec::load(ProtocolVersion::V2025_06_18);
    for (definition, item) in lists(&client).await {
        assert!(item.get("icons").is_none(), "{definition}: {item}");
        spec.check(definition, &item);
    }
}

#[tokio::test]
async fn the_server_icons_are_in_its_info_from_2025_11_25_on() {
    let initialize = |version: &str| {
        json!({
            "protocolVersion": version,
            "capabilities": {},
            "clientInfo": {"name": "test", "version": "1"},
        })
    };
    let server_icons =
        json!([{"src": "https://example.com/server.svg", "mimeType": "image/svg+xml"}]);
    let client = TestClient::modern(server()).unwrap();
    let result = client
        .raw_request("initialize", initialize("2025-11-25"))
        .await
        .unwrap();
    assert_eq!(result["serverInfo"]["icons"], server_icons);
    Spec::load(ProtocolVersion::V2025_11_25).check("InitializeResult", &result);

    let client = TestClient::modern(server()).unwrap();
    let result = client
        .raw_request("initialize", initialize("2025-06-18"))
        .await
        .unwrap();
    assert!(result["serverInfo"].get("icons").is_none(), "{result}");

    let client = TestClient::modern(server()).unwrap();
    let discovered = client.request("server/discover", json!({})).await.unwrap();
    assert_eq!(
        discovered["_meta"]["io.modelcontextprotocol/serverInfo"]["icons"],
        server_icons
    );
}

#[test]
fn the_manifest_carries_every_icon() {
    let manifest = server().build().unwrap().manifest();
    assert_eq!(
        manifest["server"]["icons"][0]["src"],
        "https://example.com/server.svg"
    );
    assert_eq!(manifest["tools"][0]["icons"][1]["theme"], "dark");
    assert!(manifest["resources"][0]["icons"].is_array());
    assert_eq!(
        manifest["prompts"][0]["icons"][0]["src"],
        "https://example.com/review.png"
    );
}

/// A hand-written tool: what `#[tool]` checks at compile time, `build()` checks here.
struct Plain(ToolDescriptor);

impl ToolHandler for Plain {
    fn descriptor(&self) -> ToolDescriptor {
        self.0.clone()
    }

    fn invoke(
        &self,
        _call: mcp_runtime::capability::ToolCall,
    ) -> mcp_runtime::capability::ToolFuture {
        Box::pin(async { mcp_runtime::protocol::CallToolResult::success(Vec::new()) })
    }
}

#[test]
fn build_rejects_icons_that_break_the_rules() {
    let bad = [
        (Icon::new("http://example.com/a.png"), "is `http:`"),
        (Icon::new("javascript:alert(1)"), "scheme `javascript:`"),
        (Icon::new("icons/a.png"), "is not a URI"),
        (
            Icon::new("https://example.com/a.png").mime_type("text/html"),
            "not an image type",
        ),
        (
            Icon::new("https://example.com/a.png").sizes(["48"]),
            "icon size `48`",
        ),
    ];
    for (icon, expected) in bad {
        let tool = Plain(ToolDescriptor::new("t", "A tool.").icon(icon.clone()));
        let error = Server::new("s", "1").tool(tool).build().unwrap_err();
        assert!(
            matches!(error, Error::InvalidIcon { kind: "tool", .. }),
            "{error:?}"
        );
        assert!(error.to_string().contains(expected), "{error}");
        let error = Server::new("s", "1").icon(icon).build().unwrap_err();
        assert!(error.to_string().starts_with("server `s`: "), "{error}");
    }
}
