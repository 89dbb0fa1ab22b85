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
