use mcp_runtime::capability::{PromptHandler, ResourceHandler, ToolHandler};
use mcp_runtime::prelude::*;
use mcp_runtime::protocol::IconTheme;

/// Adds two numbers.
#[tool(
    read_only,
    icons = [
        "https://example.com/calc.svg",
        icon("data:image/png;base64,iVBORw0KGgo=", mime_type = "image/png", sizes = ["16x16", "32x32"], theme = "light"),
        icon("https://example.com/calc-dark.svg", sizes = "any", theme = "dark"),
    ],
    ui = "ui://calc/result"
)]
fn add(a: i64, b: i64) -> i64 {
    a + b
}

/// The result, drawn.
#[resource(
    "ui://calc/result",
    app,
    icons = ["https://example.com/view.png"],
    csp(
        connect = ["https://api.example.com", "wss://live.example.com"],
        resources = ["https://*.cdn.example.com"],
        frames = ["https://www.youtube.com"],
        base_uris = ["https://example.com"]
    ),
    permissions(camera, microphone, geolocation, clipboard_write),
    prefers_border = false
)]
fn result_view() -> &'static str {
    "<!DOCTYPE html><html></html>"
}

/// Reviews code.
#[prompt(icons = [icon("https://example.com/review.png", mime_type = "image/png")])]
fn review(code: String) -> String {
    code
}

struct Calculator;

#[mcp_server]
impl Calculator {
    /// Subtracts.
    #[tool(ui = "ui://calc/result", visibility = ["model", "app"], icons = ["https://example.com/minus.svg"])]
    fn sub(&self, a: i64, b: i64) -> i64 {
        a - b
    }
}

fn main() {
    let tool = add {}.descriptor();
    assert_eq!(tool.ui_resource(), Some("ui://calc/result"));
    let icons = tool.core().icons();
    assert_eq!(icons.len(), 3);
    assert_eq!(icons[1].sizes, ["16x16", "32x32"]);
    assert_eq!(icons[2].theme, Some(IconTheme::Dark));

    let view = result_view {}.descriptor();
    assert_eq!(view.declared_mime_type(), Some("text/html;profile=mcp-app"));
    let ui = view.app_view().unwrap().to_meta();
    assert_eq!(ui["csp"]["connectDomains"][1], "wss://live.example.com");
    assert_eq!(ui["permissions"].as_object().unwrap().len(), 4);
    assert_eq!(ui["prefersBorder"], false);

    assert_eq!(review {}.descriptor().core().icons()[0].mime_type.as_deref(), Some("image/png"));

    let manifest = Server::new("calc", "1.0.0")
        .tools(tools![add])
        .resources(resources![result_view])
        .prompts(prompts![review])
        .provider(Calculator)
        .build()
        .unwrap()
        .manifest();
    let sub = &manifest["tools"][1];
    assert_eq!(sub["name"], "sub");
    assert_eq!(sub["_meta"]["ui"]["visibility"], serde_json::json!(["model", "app"]));
}
