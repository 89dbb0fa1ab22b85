//! Mistakes with `icons = [...]`: each reported on the literal at fault, all in one build.

#![allow(dead_code)]

mod icon_source_http {
use mcp_runtime::prelude::*;

/// Adds two numbers.
#[tool(icons = ["http://example.com/calc.svg"])]
fn add(a: i64, b: i64) -> i64 {
    a + b
}
}

mod icon_source_javascript {
use mcp_runtime::prelude::*;

/// Adds two numbers.
#[tool(icons = [icon("javascript:alert(1)", mime_type = "image/png")])]
fn add(a: i64, b: i64) -> i64 {
    a + b
}
}

mod icon_source_file {
use mcp_runtime::prelude::*;

/// Today's note.
#[resource("notes://today", icons = ["file:///usr/share/icons/note.png"])]
fn today() -> String {
    String::new()
}
}

mod icon_source_relative {
use mcp_runtime::prelude::*;

/// Reviews code.
#[prompt(icons = ["icons/review.png"])]
fn review(code: String) -> String {
    code
}
}

mod icon_mime_type_not_image {
use mcp_runtime::prelude::*;

/// Adds two numbers.
#[tool(icons = [icon("https://example.com/calc", mime_type = "text/html")])]
fn add(a: i64, b: i64) -> i64 {
    a + b
}
}

mod icon_size_invalid {
use mcp_runtime::prelude::*;

/// Adds two numbers.
#[tool(icons = [icon("https://example.com/calc.png", sizes = ["48x48", "48"])])]
fn add(a: i64, b: i64) -> i64 {
    a + b
}
}

mod icon_theme_unknown {
use mcp_runtime::prelude::*;

/// Adds two numbers.
#[tool(icons = [icon("https://example.com/calc.png", theme = "sepia")])]
fn add(a: i64, b: i64) -> i64 {
    a + b
}
}

mod icon_key_unknown {
use mcp_runtime::prelude::*;

/// Adds two numbers.
#[tool(icons = [icon("https://example.com/calc.png", mime = "image/png")])]
fn add(a: i64, b: i64) -> i64 {
    a + b
}
}

mod icons_not_a_list {
use mcp_runtime::prelude::*;

/// Adds two numbers.
#[tool(icons)]
fn add(a: i64, b: i64) -> i64 {
    a + b
}
}

fn main() {}
