//! A capability's function stays a function: its name is free for parameters, locals and
//! patterns, and the function is called by its name, in the same module or through a path.
use mcp_runtime::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Deserialize, Serialize, schemars::JsonSchema)]
pub struct NewNote {
    /// The note's text.
    text: String,
}

/// Stores a note.
#[tool]
fn note(note: NewNote) -> String {
    let text = note.text;
    text
}

/// Reads the note with the given id.
#[resource("notes://{id}")]
fn read(id: u64) -> String {
    let read = format!("note {id}");
    read
}

/// Asks for a summary.
#[prompt]
fn summary(summary: String) -> String {
    format!("Summarise: {summary}")
}

mod nested {
    use mcp_runtime::prelude::*;

    /// Counts the words of a text.
    #[tool]
    pub async fn words(text: String) -> usize {
        text.split_whitespace().count()
    }
}

fn main() {
    // Called directly, with their own arguments.
    assert_eq!(note(NewNote { text: "milk".into() }), "milk");
    assert_eq!(read(7), "note 7");
    assert_eq!(summary("a long text".into()), "Summarise: a long text");
    let words = nested::words("one two three".into());
    let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    assert_eq!(runtime.block_on(words), 3);

    // A local, and a binding in a pattern, named like a capability.
    let note = NewNote { text: "eggs".into() };
    let NewNote { text: summary } = note;
    assert_eq!(summary, "eggs");
    match 5 {
        read => assert_eq!(read, 5),
    }

    // And registered by the same names.
    let server = Server::new("notes", "1.0.0")
        .tools(tools![self::note, nested::words])
        .resources(resources![read])
        .prompts(prompts![crate::summary])
        .build()
        .unwrap();
    let tools: Vec<_> = server.tools().map(|t| t.name().to_owned()).collect();
    assert_eq!(tools, ["note", "words"]);
    assert_eq!(server.prompts().count(), 1);
    assert_eq!(server.resources().count(), 1);
}
