use mcp_runtime::prelude::*;

/// Today's note.
#[resource]
fn today() -> String {
    "# Today".to_owned()
}

fn main() {
    // The value still registers: the missing piece is the only error.
    let _ = Server::new("notes", "1.0.0").resources(resources![today]);
}
