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

fn main() {}
