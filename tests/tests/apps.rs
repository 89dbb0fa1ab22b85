//! MCP Apps (`io.modelcontextprotocol/ui`): a tool names a `ui://` view, the view is served
//! as `text/html;profile=mcp-app` with its Content Security Policy, the server declares the
//! extension, and a tool naming a view nobody registered fails `build()`.

use mcp_runtime::capability::{
    AppPermission, AppView, ResourceDescriptor, ResourceHandler, ToolDescriptor, ToolHandler,
};
use mcp_runtime::prelude::*;
use mcp_runtime::testing::TestClient;
use mcp_runtime::Error;
use serde_json::{json, Value};

/// Lists the latest transfers.
#[tool(read_only, ui = "ui://bank/history")]
fn history() -> String {
    "1. alice -> bob: 10.00".into()
}

/// Reloads the history; only the view calls it.
#[tool(read_only, ui = "ui://bank/history", visibility = "app")]
fn refresh_history() -> String {
    "1. alice -> bob: 10.00".into()
}

/// The transfer history, as a table.
#[resource(
    "ui://bank/history",
    app,
    csp(connect = ["https://api.example.com"], resources = ["https://*.cdn.example.com"]),
    permissions(clipboard_write),
    prefers_border = true
)]
fn history_view() -> &'static str {
    "<!DOCTYPE html><html><body><table id=\"transfers\"></table></body></html>"
}

fn server() -> Server {
    Server::new("bank", "1.0.0")
        .tools(tools![history, refresh_history])
        .resources(resources![history_view])
}

async fn clients() -> [TestClient; 2] {
    [
        TestClient::modern(server()).unwrap(),
        TestClient::legacy(server()).await.unwrap(),
    ]
}

#[tokio::test]
async fn the_tool_names_its_view_in_both_eras() {
    for client in clients().await {
        let version = client.protocol_version();
        let tools = client.request("tools/list", json!({})).await.unwrap();
        assert_eq!(
            tools["tools"][0]["_meta"]["ui"],
            json!({"resourceUri": "ui://bank/history"}),
            "{version}"
        );
        assert_eq!(
            tools["tools"][1]["_meta"]["ui"],
            json!({"resourceUri": "ui://bank/history", "visibility": ["app"]}),
            "{version}"
        );
        // Hosts without apps still get the text.
        let result = client.call_tool("history", json!({})).await.unwrap();
        assert_eq!(result.text(), "1. alice -> bob: 10.00", "{version}");
    }
}

fn expected_ui() -> Value {
    json!({
        "csp": {
            "connectDomains": ["https://api.example.com"],
            "resourceDomains": ["https://*.cdn.example.com"],
        },
        "permissions": {"clipboardWrite": {}},
        "prefersBorder": true,
    })
}

#[tokio::test]
async fn the_view_is_served_with_its_mime_type_and_policy() {
    for client in clients().await {
        let version = client.protocol_version();
        let read = client
            .request("resources/read", json!({"uri": "ui://bank/history"}))
            .await
            .unwrap();
        let [contents] = read["contents"].as_array().unwrap().as_slice() else {
            panic!("{read}");
        };
        assert_eq!(
            contents["mimeType"], "text/html;profile=mcp-app",
            "{version}"
        );
        assert!(contents["text"]
            .as_str()
            .unwrap()
            .starts_with("<!DOCTYPE html>"));
        assert_eq!(contents["_meta"]["ui"], expected_ui(), "{version}");
        let listed = client.request("resources/list", json!({})).await.unwrap();
        assert_eq!(
            listed["resources"][0]["mimeType"],
            "text/html;profile=mcp-app"
        );
        assert_eq!(
            listed["resources"][0]["_meta"]["ui"],
            expected_ui(),
            "{version}"
        );
    }
}

#[tokio::test]
async fn the_server_declares_the_extension_only_with_a_view() {
    let client = TestClient::modern(server()).unwrap();
    let discovered = client.request("server/discover", json!({})).await.unwrap();
    assert_eq!(
        discovered["capabilities"]["extensions"],
        json!({"io.modelcontextprotocol/ui": {}})
    );
    let plain =
        TestClient::modern(Server::new("plain", "1").tools(tools![mcp_tests::echo])).unwrap();
    let discovered = plain.request("server/discover", json!({})).await.unwrap();
    assert!(discovered["capabilities"].get("extensions").is_none());
}

/// Exports the history as CSV, possibly at length.
#[tool(read_only, task, ui = "ui://bank/history")]
async fn export_history() -> String {
    "from,to,amount".into()
}

#[tokio::test]
async fn the_extension_is_declared_beside_others() {
    let client = TestClient::modern(server().tools(tools![export_history])).unwrap();
    let discovered = client.request("server/discover", json!({})).await.unwrap();
    let extensions = discovered["capabilities"]["extensions"]
        .as_object()
        .unwrap();
    assert!(
        extensions.contains_key("io.modelcontextprotocol/ui"),
        "{extensions:?}"
    );
    assert!(
        extensions.contains_key("io.modelcontextprotocol/tasks"),
        "{extensions:?}"
    );
}

#[test]
fn the_manifest_shows_the_view_and_its_tool() {
    let manifest = server().build().unwrap().manifest();
    assert_eq!(
        manifest["tools"][0]["_meta"]["ui"]["resourceUri"],
        "ui://bank/history"
    );
    assert_eq!(manifest["resources"][0]["_meta"]["ui"], expected_ui());
}

/// A hand-written tool.
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
fn a_tool_naming_an_unknown_view_fails_build() {
    let tool = Plain(ToolDescriptor::new("chart", "Draws a chart.").ui("ui://bank/chart"));
    let error = Server::new("bank", "1")
        .tool(tool)
        .resources(resources![history_view])
        .build()
        .unwrap_err();
    assert!(matches!(error, Error::UnknownAppView { .. }), "{error:?}");
    assert_eq!(
        error.to_string(),
        "tool `chart` shows its results in `ui://bank/chart`, but no MCP Apps view has that URI; register a `#[resource(\"ui://bank/chart\", app)]`"
    );
    // A resource that is not a view does not count.
    let error = Server::new("bank", "1")
        .tool(Plain(
            ToolDescriptor::new("t", "A tool.").ui("notes://today"),
        ))
        .build()
        .unwrap_err();
    assert!(matches!(error, Error::UnknownAppView { .. }), "{error:?}");
}

#[test]
fn build_checks_views_written_by_hand() {
    struct View(ResourceDescriptor);
    impl ResourceHandler for View {
        fn descriptor(&self) -> ResourceDescriptor {
            self.0.clone()
        }
        fn read(
            &self,
            read: mcp_runtime::capability::ResourceRead,
        ) -> mcp_runtime::capability::ResourceFuture {
            Box::pin(async move { read.contents("<html></html>") })
        }
    }
    let view = |uri: &'static str, app: AppView| {
        View(ResourceDescriptor::new(uri, "v", "A view.").app(app))
    };
    let ok = view(
        "ui://bank/ok",
        AppView::new()
            .connect_domains(["wss://live.example.com"])
            .permission(AppPermission::Camera),
    );
    Server::new("bank", "1").resource(ok).build().unwrap();
    for (resource, expected) in [
        (
            view("https://example.com/view", AppView::new()),
            "fixed `ui://` resource",
        ),
        (
            view("ui://bank/{id}", AppView::new()),
            "fixed `ui://` resource",
        ),
        (
            View(
                ResourceDescriptor::new("ui://bank/v", "v", "A view.")
                    .app(AppView::new())
                    .mime_type("text/html"),
            ),
            "remove the `mime_type`",
        ),
        (
            view(
                "ui://bank/v",
                AppView::new().connect_domains(["api.example.com"]),
            ),
            "no scheme",
        ),
        (
            view(
                "ui://bank/v",
                AppView::new().resource_domains(["https://x.com/lib.js"]),
            ),
            "remove the path",
        ),
    ] {
        let error = Server::new("bank", "1")
            .resource(resource)
            .build()
            .unwrap_err();
        assert!(matches!(error, Error::InvalidAppView { .. }), "{error:?}");
        assert!(error.to_string().contains(expected), "{error}");
    }
}
