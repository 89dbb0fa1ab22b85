//! Mistakes with a tool's parameters, its return type and its doc comment's `# Arguments`: one module per mistake, each
//! reported on the user's own tokens, all in one build.

#![allow(dead_code)]

mod async_not_send {
use mcp_runtime::prelude::*;
use std::rc::Rc;

async fn pause() {}

/// Counts slowly.
#[tool]
async fn count() -> u64 {
    let counter = Rc::new(1);
    pause().await;
    *counter
}
}

mod doc_argument_injected {
use mcp_runtime::prelude::*;

/// Greets someone.
///
/// # Arguments
/// * `name` - who to greet
/// * `ctx` - the request context
#[tool]
fn greet(ctx: Context, name: String) -> String {
    let _ = ctx;
    format!("hello {name}")
}
}

mod doc_argument_unknown {
use mcp_runtime::prelude::*;

/// Greets someone.
///
/// # Arguments
/// * `name` - who to greet
/// * `greeting` - the word to use
#[tool]
fn greet(name: String) -> String {
    format!("hello {name}")
}
}

mod generic_function {
use mcp_runtime::prelude::*;

/// Echoes a value.
#[tool]
fn echo<T: ToString>(value: T) -> String {
    value.to_string()
}
}

mod inline_on_async {
use mcp_runtime::prelude::*;

/// Waits a moment.
#[tool(inline)]
async fn pause() -> String {
    "done".to_owned()
}
}

mod param_context_reference {
use mcp_runtime::prelude::*;

/// Reports the protocol version.
#[tool]
fn version(ctx: &Context) -> String {
    format!("{:?}", ctx.protocol_version())
}
}

mod param_impl_trait {
use mcp_runtime::prelude::*;

/// Greets someone.
#[tool]
fn greet(name: impl std::fmt::Display) -> String {
    format!("hello {name}")
}
}

mod param_no_derives {
use mcp_runtime::prelude::*;

struct Point {
    x: i64,
}

/// Moves to a point.
#[tool]
fn go_to(point: Point) -> String {
    format!("{}", point.x)
}
}

mod param_not_deserialize {
use mcp_runtime::prelude::*;

#[derive(schemars::JsonSchema)]
struct Point {
    x: i64,
}

/// Moves to a point.
#[tool]
fn go_to(point: Point) -> String {
    format!("{}", point.x)
}
}

mod param_not_jsonschema {
use mcp_runtime::prelude::*;

#[derive(serde::Deserialize)]
struct Point {
    x: i64,
}

/// Moves to a point.
#[tool]
fn go_to(point: Point) -> String {
    format!("{}", point.x)
}
}

mod param_pattern {
use mcp_runtime::prelude::*;

/// Adds a pair.
#[tool]
fn add((a, b): (i64, i64)) -> i64 {
    a + b
}
}

mod param_ref_binding {
use mcp_runtime::prelude::*;

/// Greets someone.
#[tool]
fn greet(ref name: String) -> String {
    format!("hello {name}")
}
}

mod param_str_reference {
use mcp_runtime::prelude::*;

/// Greets someone.
#[tool]
fn greet(name: &str) -> String {
    format!("hello {name}")
}
}

mod param_user_type_named_context {
use mcp_runtime::prelude::*;

mod billing {
    #[derive(serde::Deserialize, schemars::JsonSchema)]
    pub struct Context {
        pub account: String,
    }
}

/// Charges an account.
#[tool]
fn charge(context: billing::Context) -> String {
    context.account
}
}

mod return_impl_trait {
use mcp_runtime::prelude::*;

/// Greets someone.
#[tool]
fn greet(name: String) -> impl std::fmt::Display {
    format!("hello {name}")
}
}

mod return_unsupported {
use mcp_runtime::prelude::*;
use std::collections::HashMap;

/// Counts words.
#[tool]
fn count_words(text: String) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for word in text.split_whitespace() {
        *counts.entry(word.to_owned()).or_default() += 1;
    }
    counts
}
}

mod state_not_shareable {
use mcp_runtime::prelude::*;
use std::cell::Cell;

/// Counts calls.
#[tool]
fn hit(counter: State<Cell<u64>>) -> u64 {
    counter.set(counter.get() + 1);
    counter.get()
}
}

fn main() {}
