//! `crate = "..."`: generated code reaches mcp-runtime by the path given, here through a
//! re-export, as from a facade crate or a renamed dependency.
mod facade {
    pub(crate) use ::mcp_runtime as rt;
}

use facade::rt::capability::{PromptHandler, ResourceHandler, ToolHandler};
use facade::rt::prelude::{prompts, resources, tools, Json, Server};

/// Adds two integers.
#[facade::rt::tool(crate = "facade::rt", read_only)]
fn add(a: i64, b: Option<i64>) -> Json<i64> {
    Json(a + b.unwrap_or(0))
}

/// One note, by number.
#[facade::rt::resource("notes://{id}", crate = "facade::rt")]
async fn note(id: u64) -> String {
    format!("note {id}")
}

/// Asks for a summary.
#[facade::rt::prompt(crate = "facade::rt")]
fn summarize(text: String) -> String {
    format!("Summarize: {text}")
}

#[derive(Default)]
struct Notes;

#[facade::rt::mcp_server(crate = "facade::rt")]
impl Notes {
    /// Counts the notes.
    #[tool(read_only)]
    fn count(&self) -> u64 {
        0
    }

    /// The newest note.
    #[facade::rt::resource("notes://newest")]
    fn newest(&self) -> String {
        String::new()
    }

    /// Asks for a title.
    #[prompt]
    fn title(&self, text: String) -> String {
        format!("Title this: {text}")
    }
}

fn main() {
    assert_eq!(add {}.descriptor().name(), "add");
    assert_eq!(note {}.descriptor().uri(), "notes://{id}");
    assert_eq!(summarize {}.descriptor().name(), "summarize");
    let _ = Server::new("notes", "1.0.0")
        .tools(tools![add])
        .resources(resources![note])
        .prompts(prompts![summarize])
        .provider(Notes);
}
