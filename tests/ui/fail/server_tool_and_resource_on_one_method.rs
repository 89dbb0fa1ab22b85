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

fn main() {}
