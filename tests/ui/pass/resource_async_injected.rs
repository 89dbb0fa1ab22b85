//! Async resources, and parameters the runtime injects (`Context`, `State<T>`) beside the
//! template variables.
use mcp_runtime::prelude::*;
use serde_json::json;
use std::fmt;

struct Library {
    books: Vec<&'static str>,
}

#[derive(Debug)]
struct NoSuchBook(usize);

impl fmt::Display for NoSuchBook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "no book number {}", self.0)
    }
}

/// One book of the library.
#[resource("library://books/{number}")]
async fn book(
    ctx: Context,
    number: usize,
    library: State<Library>,
) -> Result<String, NoSuchBook> {
    ctx.log(LogLevel::Debug, "reading a book").await;
    library
        .books
        .get(number)
        .map(|title| title.to_string())
        .ok_or(NoSuchBook(number))
}

/// How many books there are.
#[resource("library://count")]
async fn count(library: mcp_runtime::State<Library>) -> String {
    library.books.len().to_string()
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let library = Library {
        books: vec!["Dune", "Emma"],
    };
    let client = mcp_runtime::testing::TestClient::modern(
        Server::new("library", "1.0.0")
            .state(library)
            .resources(resources![book, count]),
    )
    .unwrap();
    let read = client
        .request("resources/read", json!({ "uri": "library://books/1" }))
        .await
        .unwrap();
    assert_eq!(read["contents"][0]["text"], "Emma");
    let read = client
        .request("resources/read", json!({ "uri": "library://count" }))
        .await
        .unwrap();
    assert_eq!(read["contents"][0]["text"], "2");
    let error = client
        .request("resources/read", json!({ "uri": "library://books/9" }))
        .await
        .unwrap_err();
    assert!(error.message.contains("no book number 9"), "{error:?}");
}
