//! One `#[mcp_server]` block with tools, resources and prompts sharing `&self`.
use mcp_runtime::__private::v1::Provider;
use mcp_runtime::prelude::*;
use serde_json::json;
use std::sync::{Arc, Mutex};

#[derive(Default)]
pub struct Notes {
    notes: Mutex<Vec<String>>,
}

#[mcp_server]
impl Notes {
    /// Stores a note.
    #[tool]
    fn add_note(&self, text: String) -> String {
        self.notes.lock().unwrap().push(text);
        "stored".to_owned()
    }

    /// Says what this server is; a tool may share its name with a resource or a prompt.
    #[tool(name = "about")]
    fn about_tool() -> &'static str {
        "notes"
    }

    /// Every note, as JSON.
    #[resource("notes://all", mime_type = "application/json")]
    fn all_notes(&self) -> Json<Vec<String>> {
        Json(self.notes.lock().unwrap().clone())
    }

    /// One note, by position.
    #[mcp_runtime::resource("notes://{index}", complete(index = Notes::indexes))]
    async fn note(&self, index: usize, ctx: Context) -> Result<String, ToolError> {
        let _ = ctx.is_cancelled();
        let notes = self.notes.lock().unwrap();
        notes
            .get(index)
            .cloned()
            .ok_or_else(|| ToolError::new(format!("no note {index}")))
    }

    /// What this server is, without the notes.
    #[resource("notes://about")]
    fn about() -> &'static str {
        "notes"
    }

    /// Summarises the notes.
    ///
    /// # Arguments
    /// * `style` - how to write the summary
    #[prompt(complete(style = Notes::styles))]
    fn summarise(&self, style: Option<String>) -> Vec<PromptMessage> {
        let notes = self.notes.lock().unwrap().join("\n");
        let style = style.unwrap_or_else(|| "plain".to_owned());
        vec![PromptMessage::user(format!("Summarise, {style}:\n{notes}"))]
    }

    /// Starts a note.
    #[mcp_runtime::prompt(name = "start")]
    async fn start_note(topic: String) -> String {
        format!("Write a note about {topic}.")
    }

    fn indexes(_typed: &str) -> Vec<String> {
        vec!["0".to_owned()]
    }

    fn styles(_typed: &str) -> Vec<String> {
        vec!["plain".to_owned(), "bullets".to_owned()]
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let notes = Arc::new(Notes::default());
    let tools: Vec<_> = Arc::clone(&notes)
        .tools()
        .iter()
        .map(|t| t.descriptor().name().to_owned())
        .collect();
    assert_eq!(tools, ["add_note", "about"]);
    let resources: Vec<_> = Arc::clone(&notes)
        .resources()
        .iter()
        .map(|r| r.descriptor().uri().to_owned())
        .collect();
    assert_eq!(resources, ["notes://all", "notes://{index}", "notes://about"]);
    let prompts: Vec<_> = Arc::clone(&notes)
        .prompts()
        .iter()
        .map(|p| p.descriptor().name().to_owned())
        .collect();
    assert_eq!(prompts, ["summarise", "start"]);

    let client =
        mcp_runtime::testing::TestClient::modern(Server::new("notes", "1.0.0").provider_arc(notes))
            .unwrap();
    client
        .call_tool("add_note", json!({ "text": "milk" }))
        .await
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
    assert_eq!(read("notes://all").await.unwrap(), "[\"milk\"]");
    assert_eq!(read("notes://0").await.unwrap(), "milk");
    assert_eq!(read("notes://about").await.unwrap(), "notes");
    assert!(read("notes://5").await.is_err());
    let got = client
        .request(
            "prompts/get",
            json!({ "name": "summarise", "arguments": { "style": "bullets" } }),
        )
        .await
        .unwrap();
    assert_eq!(got["messages"][0]["content"]["text"], "Summarise, bullets:\nmilk");
    let got = client
        .request(
            "prompts/get",
            json!({ "name": "start", "arguments": { "topic": "tea" } }),
        )
        .await
        .unwrap();
    assert_eq!(got["messages"][0]["content"]["text"], "Write a note about tea.");
}
