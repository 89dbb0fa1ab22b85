//! Mistakes with resource templates: variables, their parameters and completion: one module per mistake, each
//! reported on the user's own tokens, all in one build.

#![allow(dead_code)]

mod resource_complete_not_a_list {
use mcp_runtime::prelude::*;

/// One account.
#[resource("accounts://{id}", complete = ids)]
fn account(id: u64) -> String {
    id.to_string()
}

fn ids(_typed: &str) -> Vec<String> {
    vec!["1".to_owned()]
}
}

mod resource_complete_unknown_variable {
use mcp_runtime::prelude::*;

/// One account.
#[resource("accounts://{id}", complete(account_id = ids))]
fn account(id: u64) -> String {
    id.to_string()
}

fn ids(_typed: &str) -> Vec<String> {
    vec!["1".to_owned()]
}
}

mod resource_completer_wrong_type {
use mcp_runtime::prelude::*;

/// One account.
#[resource("accounts://{id}", complete(id = ids))]
fn account(id: u64) -> String {
    id.to_string()
}

fn ids() -> Vec<u64> {
    vec![1]
}
}

mod resource_parameter_not_in_template {
use mcp_runtime::prelude::*;

/// One account.
#[resource("accounts://{id}")]
fn account(id: u64, verbose: bool) -> String {
    format!("{id} {verbose}")
}
}

mod resource_parameter_on_fixed_uri {
use mcp_runtime::prelude::*;

/// Today's note.
#[resource("notes://today")]
fn today(day: String) -> String {
    day
}
}

mod resource_reference_variable {
use mcp_runtime::prelude::*;

/// One note.
#[resource("notes://{id}")]
fn note(id: &str) -> String {
    id.to_owned()
}
}

mod resource_template_adjacent_variables {
use mcp_runtime::prelude::*;

/// One file.
#[resource("files://{name}{extension}")]
fn file(name: String, extension: String) -> String {
    format!("{name}.{extension}")
}
}

mod resource_template_operator {
use mcp_runtime::prelude::*;

/// One file, by path.
#[resource("files://{+path}")]
fn file(path: String) -> String {
    path
}
}

mod resource_template_unclosed {
use mcp_runtime::prelude::*;

/// One account.
#[resource("accounts://{id")]
fn account(id: u64) -> String {
    id.to_string()
}
}

mod resource_variable_not_fromstr {
use mcp_runtime::prelude::*;

struct AccountId(u64);

/// One account.
#[resource("accounts://{id}")]
fn account(id: AccountId) -> String {
    id.0.to_string()
}
}

mod resource_variable_without_parameter {
use mcp_runtime::prelude::*;

/// One account.
#[resource("accounts://{id}")]
fn account() -> String {
    "ada".to_owned()
}
}

fn main() {}
