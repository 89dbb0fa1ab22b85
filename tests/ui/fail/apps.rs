//! Mistakes with MCP Apps views: `ui` on a tool, `app` and what describes it on a resource;
//! each reported on the tokens at fault, all in one build.

#![allow(dead_code)]

mod tool_ui_not_ui_scheme {
use mcp_runtime::prelude::*;

/// Lists transfers.
#[tool(ui = "https://example.com/history.html")]
fn history() -> String {
    String::new()
}
}

mod visibility_unknown {
use mcp_runtime::prelude::*;

/// Reloads the history.
#[tool(ui = "ui://accounts/history", visibility = ["app", "user"])]
fn refresh() -> String {
    String::new()
}
}

mod app_on_a_uri_that_is_not_ui {
use mcp_runtime::prelude::*;

/// The history view.
#[resource("views://history", app)]
fn history_view() -> &'static str {
    ""
}
}

mod ui_resource_without_app {
use mcp_runtime::prelude::*;

/// The history view.
#[resource("ui://accounts/history")]
fn history_view() -> &'static str {
    ""
}
}

mod csp_without_app {
use mcp_runtime::prelude::*;

/// Today's note.
#[resource("notes://today", csp(connect = ["https://api.example.com"]))]
fn today() -> String {
    String::new()
}
}

mod csp_origin_without_scheme {
use mcp_runtime::prelude::*;

/// The history view.
#[resource("ui://accounts/history", app, csp(connect = ["api.example.com"]))]
fn history_view() -> &'static str {
    ""
}
}

mod csp_origin_with_path {
use mcp_runtime::prelude::*;

/// The history view.
#[resource("ui://accounts/history", app, csp(resources = ["https://cdn.example.com/lib.js"]))]
fn history_view() -> &'static str {
    ""
}
}

mod csp_list_unknown {
use mcp_runtime::prelude::*;

/// The history view.
#[resource("ui://accounts/history", app, csp(scripts = ["https://cdn.example.com"]))]
fn history_view() -> &'static str {
    ""
}
}

mod permission_unknown {
use mcp_runtime::prelude::*;

/// The history view.
#[resource("ui://accounts/history", app, permissions(camera, usb))]
fn history_view() -> &'static str {
    ""
}
}

mod app_with_mime_type {
use mcp_runtime::prelude::*;

/// The history view.
#[resource("ui://accounts/history", app, mime_type = "text/html")]
fn history_view() -> &'static str {
    ""
}
}

mod app_on_a_tool {
use mcp_runtime::prelude::*;

/// Lists transfers.
#[tool(app)]
fn history() -> String {
    String::new()
}
}

mod ui_on_a_prompt {
use mcp_runtime::prelude::*;

/// Reviews code.
#[prompt(ui = "ui://review")]
fn review(code: String) -> String {
    code
}
}

fn main() {}
