//! Mistakes with `#[prompt]`: its keys, arguments and return type: one module per mistake, each
//! reported on the user's own tokens, all in one build.

#![allow(dead_code)]

mod prompt_argument_not_fromstr {
use mcp_runtime::prelude::*;

#[derive(serde::Deserialize)]
struct Diff {
    text: String,
}

/// Asks for a review.
#[prompt]
fn review(diff: Diff) -> String {
    format!("Review {}", diff.text)
}
}

mod prompt_complete_injected {
use mcp_runtime::prelude::*;

/// Asks for a review.
#[prompt(complete(ctx = languages))]
fn review(diff: String, ctx: Context) -> String {
    let _ = ctx;
    format!("Review {diff}")
}

fn languages(_typed: &str) -> Vec<String> {
    vec!["rust".to_owned()]
}
}

mod prompt_complete_unknown_argument {
use mcp_runtime::prelude::*;

/// Asks for a review.
#[prompt(complete(lang = languages))]
fn review(language: String, diff: String) -> String {
    format!("Review this {language}: {diff}")
}

fn languages(_typed: &str) -> Vec<String> {
    vec!["rust".to_owned()]
}
}

mod prompt_doc_argument_unknown {
use mcp_runtime::prelude::*;

/// Asks for a review.
///
/// # Arguments
/// * `patch` - the change to review
#[prompt]
fn review(diff: String) -> String {
    diff
}
}

mod prompt_mime_type {
use mcp_runtime::prelude::*;

/// Asks for a review.
#[prompt(mime_type = "text/plain")]
fn review(diff: String) -> String {
    diff
}
}

mod prompt_missing_description {
use mcp_runtime::prelude::*;

#[prompt]
fn review(diff: String) -> String {
    format!("Review {diff}")
}

fn main() {
    // The value still registers: the missing piece is the only error.
    let _ = Server::new("reviews", "1.0.0").prompts(prompts![review]);
}
}

mod prompt_name_invalid {
use mcp_runtime::prelude::*;

/// Asks for a review.
#[prompt(name = "code review")]
fn review(diff: String) -> String {
    diff
}
}

mod prompt_optional_argument_not_fromstr {
use mcp_runtime::prelude::*;

struct Focus(String);

/// Asks for a review.
#[prompt]
fn review(diff: String, focus: Option<Focus>) -> String {
    format!("Review {diff} {}", focus.map(|f| f.0).unwrap_or_default())
}
}

mod prompt_positional_name {
use mcp_runtime::prelude::*;

/// Asks for a review.
#[prompt("code_review")]
fn review(diff: String) -> String {
    diff
}
}

mod prompt_return_unsupported {
use mcp_runtime::prelude::*;

/// Asks for a review.
#[prompt]
fn review(diff: String) -> Vec<String> {
    vec![diff]
}
}

mod prompt_returns_nothing {
use mcp_runtime::prelude::*;

/// Asks for a review.
#[prompt]
fn review(diff: String) {
    let _ = diff;
}
}

mod prompt_scope_blank {
use mcp_runtime::prelude::*;

/// Drafts a letter closing an account.
#[prompt(risk = "high", scopes("accounts:write", ""))]
fn closing_letter(account: String) -> String {
    account
}
}

mod prompt_tool_hint {
use mcp_runtime::prelude::*;

/// Asks for a review.
#[prompt(idempotent)]
fn review(diff: String) -> String {
    diff
}
}

fn main() {}
