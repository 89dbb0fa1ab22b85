use mcp_runtime::prelude::*;

struct Notes;

impl Notes {
    /// Today's note.
    #[resource("notes://today")]
    fn today(&self) -> String {
        "# Today".to_owned()
    }
}

fn main() {}
