//! Mistakes with `#[mcp_server]` on an `impl` block, and the methods in it: one module per mistake, each
//! reported on the user's own tokens, all in one build.

#![allow(dead_code)]

mod duplicate_tool_name {
use mcp_runtime::prelude::*;

struct Files;

#[mcp_server]
impl Files {
    /// Reads a file.
    #[tool]
    fn read(&self, path: String) -> String {
        path
    }

    /// Reads a file, the old way.
    #[tool(name = "read")]
    fn read_legacy(&self, path: String) -> String {
        path
    }
}
}

mod duplicate_tool_name_renamed {
use mcp_runtime::prelude::*;

struct Files;

#[mcp_server]
impl Files {
    /// Reads a file.
    #[tool(name = "fetch")]
    fn read(&self, path: String) -> String {
        path
    }

    /// Downloads a file.
    #[tool(name = "fetch")]
    fn download(&self, url: String) -> String {
        url
    }
}
}

mod method_mut_self {
use mcp_runtime::prelude::*;

struct Counter {
    hits: u64,
}

#[mcp_server]
impl Counter {
    /// Counts a hit.
    #[tool]
    fn hit(&mut self) -> u64 {
        self.hits += 1;
        self.hits
    }
}
}

mod method_self_by_value {
use mcp_runtime::prelude::*;

struct Counter;

#[mcp_server]
impl Counter {
    /// Consumes the counter.
    #[tool]
    fn finish(self) -> String {
        String::new()
    }
}
}

mod method_without_mcp_server {
use mcp_runtime::prelude::*;

struct Counter;

impl Counter {
    /// Reads the count.
    #[tool]
    fn count(&self) -> u64 {
        0
    }
}
}

mod register_type_without_mcp_server {
use mcp_runtime::prelude::*;

struct Greeter;

impl Greeter {
    /// Greets someone.
    #[allow(dead_code)]
    fn greet(&self, name: String) -> String {
        format!("hello {name}")
    }
}

fn main() {
    let _ = Server::new("greeter", "1.0.0").provider(Greeter);
}
}

mod server_async_not_send {
use mcp_runtime::prelude::*;
use std::rc::Rc;

async fn pause() {}

struct Counter;

#[mcp_server]
impl Counter {
    /// Counts slowly.
    #[tool]
    async fn count(&self) -> u64 {
        let counter = Rc::new(1);
        pause().await;
        *counter
    }
}
}

mod server_duplicate_prompt_name {
use mcp_runtime::prelude::*;

struct Reviews;

#[mcp_server]
impl Reviews {
    /// Asks for a review.
    #[prompt]
    fn review(&self, diff: String) -> String {
        diff
    }

    /// Asks for a review, the old way.
    #[prompt(name = "review")]
    fn review_legacy(&self, diff: String) -> String {
        diff
    }
}
}

mod server_duplicate_resource_name {
use mcp_runtime::prelude::*;

struct Notes;

#[mcp_server]
impl Notes {
    /// Today's note.
    #[resource("notes://today")]
    fn note(&self) -> String {
        "# Today".to_owned()
    }

    /// Any note.
    #[resource("notes://{id}", name = "note")]
    fn note_by_id(&self, id: u64) -> String {
        id.to_string()
    }
}
}

mod server_duplicate_resource_uri {
use mcp_runtime::prelude::*;

struct Notes;

#[mcp_server]
impl Notes {
    /// Today's note.
    #[resource("notes://today")]
    fn today(&self) -> String {
        "# Today".to_owned()
    }

    /// Today's note, again.
    #[resource("notes://today")]
    fn today_again(&self) -> String {
        "# Today".to_owned()
    }
}
}

mod server_generic_impl {
use mcp_runtime::prelude::*;

struct Store<T> {
    items: Vec<T>,
}

#[mcp_server]
impl<T: Send + Sync + 'static> Store<T> {
    /// Counts the items.
    #[tool]
    fn count(&self) -> usize {
        self.items.len()
    }
}

fn main() {
    let _ = Server::new("store", "1").provider(Store::<u8> { items: Vec::new() });
}
}

mod server_on_function {
use mcp_runtime::prelude::*;

/// Greets someone.
#[mcp_server]
fn greet(name: String) -> String {
    format!("hello {name}")
}

fn main() {
    let _ = greet(String::new());
}
}

mod server_on_trait_impl {
use mcp_runtime::prelude::*;

struct Greeter;

#[mcp_server]
impl Default for Greeter {
    fn default() -> Self {
        Greeter
    }
}
}

mod server_tool_and_resource_on_one_method {
use mcp_runtime::prelude::*;

struct Notes;

#[mcp_server]
impl Notes {
    /// Today's note.
    #[tool]
    #[resource("notes://today")]
    fn today(&self) -> String {
        "# Today".to_owned()
    }
}
}

mod server_type_not_sync {
use mcp_runtime::prelude::*;
use std::cell::Cell;

#[derive(Default)]
struct Counter {
    hits: Cell<u64>,
}

#[mcp_server]
impl Counter {
    /// Counts a hit.
    #[tool]
    fn hit(&self) -> u64 {
        self.hits.set(self.hits.get() + 1);
        self.hits.get()
    }
}

fn main() {
    let _ = Server::new("counter", "1.0.0").provider(Counter::default());
}
}

mod server_with_arguments {
use mcp_runtime::prelude::*;

struct Greeter;

#[mcp_server(foo)]
impl Greeter {
    /// Greets someone.
    #[tool]
    fn greet(&self, name: String) -> String {
        format!("hello {name}")
    }
}
}

mod server_without_tools {
use mcp_runtime::prelude::*;

struct Greeter;

#[mcp_server]
impl Greeter {
    /// Greets someone.
    fn greet(&self, name: String) -> String {
        format!("hello {name}")
    }
}
}

mod tool_on_impl_block {
use mcp_runtime::prelude::*;

struct Greeter;

#[tool]
impl Greeter {
    /// Greets someone.
    fn greet(&self, name: String) -> String {
        format!("hello {name}")
    }
}

fn main() {
    let _ = Greeter.greet(String::new());
}
}

fn main() {}
