//! Everything a resource may return.
use mcp_runtime::prelude::*;
use serde_json::json;

#[derive(serde::Serialize, schemars::JsonSchema)]
struct Account {
    id: u64,
    owner: String,
}

/// Text.
#[resource("r://string")]
fn string() -> String {
    "text".to_owned()
}

/// Static text.
#[resource("r://str")]
fn str_slice() -> &'static str {
    "static"
}

/// Bytes, sent base64-encoded.
#[resource("r://logo", mime_type = "image/png")]
fn logo() -> Blob {
    Blob(vec![0, 1, 2])
}

/// JSON.
#[resource("r://accounts/{id}")]
fn account(id: u64) -> Json<Account> {
    Json(Account {
        id,
        owner: "ada".to_owned(),
    })
}

/// Contents built by hand.
#[resource("r://contents")]
fn contents() -> ResourceContents {
    ResourceContents::Text {
        uri: "r://contents".to_owned(),
        mime_type: None,
        text: "by hand".to_owned(),
    }
}

/// Several contents.
#[resource("r://several")]
fn several() -> Vec<ResourceContents> {
    ["one", "two"]
        .iter()
        .map(|text| ResourceContents::Text {
            uri: format!("r://several#{text}"),
            mime_type: None,
            text: text.to_string(),
        })
        .collect()
}

/// A fallible read.
#[resource("r://fallible")]
fn fallible() -> Result<Blob, std::io::Error> {
    Ok(Blob(vec![]))
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let client = mcp_runtime::testing::TestClient::modern(
        Server::new("returns", "1.0.0")
            .resources(resources![string, str_slice, logo, account, contents, several, fallible]),
    )
    .unwrap();
    let read = |uri: &'static str| {
        let client = &client;
        async move {
            client
                .request("resources/read", json!({ "uri": uri }))
                .await
                .unwrap()["contents"]
                .clone()
        }
    };
    assert_eq!(read("r://str").await[0]["text"], "static");
    assert_eq!(
        read("r://logo").await,
        json!([{ "uri": "r://logo", "mimeType": "image/png", "blob": "AAEC" }])
    );
    let json = read("r://accounts/3").await;
    assert_eq!(json[0]["mimeType"], "application/json");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(json[0]["text"].as_str().unwrap()).unwrap(),
        json!({ "id": 3, "owner": "ada" })
    );
    assert_eq!(read("r://several").await[1]["text"], "two");
    assert_eq!(read("r://fallible").await[0]["blob"], "");
}
