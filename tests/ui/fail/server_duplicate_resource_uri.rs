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

fn main() {}
