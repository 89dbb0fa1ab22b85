use mcp_runtime::__private::v1::Provider;
use mcp_runtime::prelude::*;
use std::sync::{Arc, Mutex};

#[derive(Default)]
pub struct Notes {
    notes: Mutex<Vec<String>>,
}

#[mcp_server]
impl Notes {
    /// Stores a note.
    #[tool(risk = "medium")]
    fn add_note(&self, text: String) -> String {
        let mut notes = self.notes.lock().unwrap();
        notes.push(text);
        format!("{} notes", notes.len())
    }

    /// Lists the notes.
    #[mcp_runtime::tool(read_only)]
    pub async fn list_notes(&self) -> Json<Vec<String>> {
        Json(self.notes.lock().unwrap().clone())
    }

    /// Says what this server is for, without needing the notes.
    #[tool(name = "about")]
    fn about() -> &'static str {
        "notes"
    }

    /// Not a tool: an ordinary method stays as it is.
    fn count(&self) -> usize {
        self.notes.lock().unwrap().len()
    }

    /// Not a tool either.
    const LIMIT: usize = 100;
}

fn main() {
    let notes = Notes::default();
    assert_eq!(notes.add_note("milk".to_owned()), "1 notes");
    assert_eq!(notes.count(), 1);
    assert_eq!(Notes::about(), "notes");
    assert_eq!(Notes::LIMIT, 100);

    let tools = Arc::new(Notes::default()).tools();
    let names: Vec<String> = tools
        .iter()
        .map(|t| t.descriptor().name().to_owned())
        .collect();
    assert_eq!(names, ["add_note", "list_notes", "about"]);
    let _ = Server::new("notes", "1.0.0").provider(Notes::default());
}
