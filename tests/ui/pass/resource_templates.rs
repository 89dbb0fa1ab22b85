//! URI templates: each variable binds the parameter of its name, parsed with `FromStr`.
use mcp_runtime::capability::ResourceHandler;
use mcp_runtime::prelude::*;
use serde_json::json;

/// One file of a directory.
#[resource("files://{dir}/{name}.txt", complete(dir = directories, name = completion::names))]
fn file(dir: String, name: String) -> String {
    format!("{dir}/{name}")
}

/// One account, by number; the variable's type is any `FromStr` type.
#[resource("accounts://{id}/balance")]
fn balance(id: u64) -> String {
    format!("{}", id * 100)
}

/// A variable named like a keyword binds a raw identifier.
#[resource("kinds://{type}")]
fn kind_of(r#type: String) -> String {
    r#type
}

fn directories(typed: &str) -> Vec<String> {
    ["docs", "src"]
        .iter()
        .filter(|d| d.starts_with(typed))
        .map(|d| d.to_string())
        .collect()
}

mod completion {
    pub fn names(_typed: &str) -> Vec<String> {
        vec!["readme".to_owned()]
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    assert_eq!(file("docs".into(), "a".into()), "docs/a");
    let descriptor = file {}.descriptor();
    assert!(descriptor.is_template());
    assert_eq!(descriptor.to_template().uri_template, "files://{dir}/{name}.txt");

    let client = mcp_runtime::testing::TestClient::modern(
        Server::new("files", "1.0.0")
            .resources(resources![file, balance, kind_of]),
    )
    .unwrap();
    let read = |uri: &'static str| {
        let client = &client;
        async move {
            client
                .request("resources/read", json!({ "uri": uri }))
                .await
                .map(|result| result["contents"][0]["text"].clone())
        }
    };
    assert_eq!(read("files://docs/readme.txt").await.unwrap(), "docs/readme");
    assert_eq!(read("accounts://7/balance").await.unwrap(), "700");
    assert_eq!(read("kinds://fruit").await.unwrap(), "fruit");
    // A value that does not parse is the client's mistake.
    let error = read("accounts://seven/balance").await.unwrap_err();
    assert_eq!(error.code, -32602, "{error:?}");

    let completed = client
        .request(
            "completion/complete",
            json!({
                "ref": { "type": "ref/resource", "uri": "files://{dir}/{name}.txt" },
                "argument": { "name": "dir", "value": "d" },
            }),
        )
        .await
        .unwrap();
    assert_eq!(completed["completion"]["values"], json!(["docs"]));
}
