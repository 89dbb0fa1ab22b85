//! A server exercising every runtime path, shared by the in-memory tests, the schema tests
//! and the `fixture-server` binary that the stdio tests spawn.

pub mod bank;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use mcp_runtime::prelude::*;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Echoes `text` back.
///
/// # Arguments
/// * `text` - what to echo
#[tool(read_only, idempotent, inline)]
pub fn echo(text: String) -> String {
    // An event outside any span of the handler's, which an exported request span holds.
    tracing::info!(chars = text.len(), "echoing");
    // A span of the handler's own, which an exported request span holds.
    let _copying = tracing::info_span!("echo.copy", chars = text.len()).entered();
    text
}

/// Adds two integers (in place: it never blocks).
#[tool(read_only, inline)]
pub fn add(a: i64, b: i64) -> i64 {
    a + b
}

/// Always panics with `message`.
#[tool]
pub fn explode(message: String) -> String {
    panic!("{message}")
}

/// Waits `ms` milliseconds (or until cancelled), then answers "slept".
#[tool]
pub async fn sleep(ctx: Context, ms: u64) -> Result<String, ToolError> {
    tokio::select! {
        _ = tokio::time::sleep(Duration::from_millis(ms)) => Ok("slept".to_owned()),
        _ = ctx.cancelled() => Err(ToolError::new("cancelled")),
    }
}

/// Reports progress in `steps` steps, logging each one.
#[tool]
pub async fn work(ctx: Context, steps: u32) -> String {
    for step in 1..=steps {
        ctx.progress(f64::from(step), Some(f64::from(steps)), Some("working"))
            .await;
        ctx.log(LogLevel::Info, format!("step {step}")).await;
    }
    format!("{steps} steps")
}

/// Asks the client for its roots (legacy era).
#[tool(read_only)]
pub async fn list_roots(ctx: Context) -> Result<Json<serde_json::Value>, ToolError> {
    Ok(Json(ctx.roots().await?))
}

/// A point on a plane.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Point {
    /// Horizontal position.
    pub x: f64,
    /// Vertical position.
    pub y: f64,
}

/// Mirrors points across the diagonal.
///
/// # Arguments
/// * `points` - the points to mirror
#[tool(read_only, idempotent)]
pub fn mirror(points: Vec<Point>) -> Json<Vec<Point>> {
    Json(
        points
            .into_iter()
            .map(|p| Point { x: p.y, y: p.x })
            .collect(),
    )
}

/// The centre of mass of some points.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Centroid {
    /// The centre.
    pub center: Point,
    /// How many points went in.
    pub count: usize,
}

/// Computes the centroid of a non-empty list of points.
#[tool(read_only, title = "Centroid")]
pub fn centroid(points: Vec<Point>, label: Option<String>) -> Result<Json<Centroid>, ToolError> {
    if points.is_empty() {
        return Err(ToolError::new("need at least one point"));
    }
    let _ = label;
    let n = points.len() as f64;
    let center = Point {
        x: points.iter().map(|p| p.x).sum::<f64>() / n,
        y: points.iter().map(|p| p.y).sum::<f64>() / n,
    };
    Ok(Json(Centroid {
        center,
        count: points.len(),
    }))
}

/// Returns one block of every content kind.
#[tool(read_only)]
pub fn gallery() -> Vec<Content> {
    vec![
        Content::text("a picture, a sound and a document"),
        Content::image("iVBORw0KGgo=", "image/png"),
        Content::audio("UklGRg==", "audio/wav"),
        Content::embedded_text("test://doc", "text/plain", "the document"),
        Content::resource_link("test://other", "other"),
    ]
}

/// Deletes a record for good.
#[tool(destructive, scopes("records:write"))]
pub fn delete_record(id: u64) -> String {
    format!("deleted {id}")
}

/// Counts calls per server.
#[derive(Default)]
pub struct Hits {
    count: AtomicU64,
}

/// Counts how often it was called.
#[tool(risk = "medium")]
pub fn hit(hits: State<Hits>) -> u64 {
    hits.count.fetch_add(1, Ordering::Relaxed) + 1
}

/// Notes kept in memory; its tools share it through `&self`.
#[derive(Default)]
pub struct Notebook {
    notes: std::sync::Mutex<Vec<String>>,
}

#[mcp_server]
impl Notebook {
    /// Adds a note.
    #[tool(name = "note.add", risk = "medium", idempotent)]
    fn add(&self, text: String) -> usize {
        let mut notes = self.notes.lock().expect("notes lock");
        notes.push(text);
        notes.len()
    }

    /// Lists the notes.
    #[tool(name = "note.list", read_only)]
    async fn list(&self) -> Json<Vec<String>> {
        Json(self.notes.lock().expect("notes lock").clone())
    }

    /// The notebook's version.
    #[tool(name = "note.version", read_only)]
    fn version() -> &'static str {
        "1"
    }

    /// One note, by position (from 0).
    #[resource("notes://{index}", mime_type = "text/plain", complete(index = Notebook::indexes))]
    fn note(&self, index: usize) -> Result<String, ToolError> {
        self.notes
            .lock()
            .expect("notes lock")
            .get(index)
            .cloned()
            .ok_or_else(|| ToolError::new(format!("no note {index}")))
    }

    /// Asks for a summary of one note.
    ///
    /// # Arguments
    /// * `index` - the position of the note, from 0
    #[prompt(name = "note.summarise")]
    fn summarise(&self, index: usize) -> Result<String, ToolError> {
        let notes = self.notes.lock().expect("notes lock");
        let note = notes
            .get(index)
            .ok_or_else(|| ToolError::new(format!("no note {index}")))?;
        Ok(format!("Summarise this note: {note}"))
    }

    fn indexes(typed: &str) -> Vec<String> {
        (0..3)
            .map(|i| i.to_string())
            .filter(|i| i.starts_with(typed))
            .collect()
    }
}

/// The project's read-me.
#[resource(
    "test://static/readme",
    title = "Read me",
    mime_type = "text/markdown",
    scopes("docs:read")
)]
pub fn readme() -> &'static str {
    "# Fixture\n\nA server for testing the runtime."
}

/// The project's logo (the first bytes of a PNG).
#[resource("test://static/logo", mime_type = "image/png", risk = "medium")]
pub fn logo() -> Blob {
    Blob(LOGO.to_vec())
}

/// The bytes [`logo`] serves.
pub const LOGO: &[u8] = &[0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff];

/// One item of a user's list.
#[resource(
    "test://users/{user}/items/{index}",
    complete(user = user_names)
)]
pub fn user_item(user: String, index: u32) -> String {
    format!("item {index} of {user}")
}

/// The users [`user_item`] knows, for completion.
pub const USERS: [&str; 4] = ["ada", "alan", "grace", "ada lovelace"];

/// Suggests user names that start with what was typed.
pub fn user_names(typed: &str) -> Vec<String> {
    USERS
        .iter()
        .filter(|u| u.starts_with(typed))
        .map(|u| u.to_string())
        .collect()
}

/// A resource whose every read fails.
#[resource("test://broken")]
pub fn broken() -> Result<String, ToolError> {
    Err(ToolError::new("the disk is on fire"))
}

/// A resource whose every read panics.
#[resource("test://panicking")]
pub fn panicking() -> String {
    panic!("resource exploded")
}

/// Who is asking, and in which revision: `{"protocolVersion": ..., "client": ...}`.
#[resource("test://whoami", mime_type = "application/json")]
pub async fn whoami(ctx: Context) -> Json<serde_json::Value> {
    ctx.log(LogLevel::Debug, "whoami read").await;
    Json(serde_json::json!({
        "protocolVersion": ctx.protocol_version().as_str(),
        "client": ctx.client_info().map(|c| c.name.clone()),
    }))
}

/// Asks for a code review.
///
/// # Arguments
/// * `language` - the language of the code
/// * `focus` - what to pay most attention to
#[prompt(title = "Code review", complete(language = languages))]
pub fn code_review(language: String, focus: Option<String>) -> String {
    match focus {
        Some(focus) => format!("Review this {language} code, focusing on {focus}."),
        None => format!("Review this {language} code."),
    }
}

/// The languages [`code_review`] suggests.
pub const LANGUAGES: [&str; 4] = ["rust", "ruby", "python", "go"];

/// Suggests languages that start with what was typed.
pub fn languages(typed: &str) -> Vec<String> {
    LANGUAGES
        .iter()
        .filter(|l| l.starts_with(typed))
        .map(|l| l.to_string())
        .collect()
}

/// Asks about a picture: several messages, one of them an image.
#[prompt(risk = "medium", scopes("images:read"))]
pub fn describe_image() -> Vec<PromptMessage> {
    vec![
        PromptMessage::user("What is in this picture?"),
        PromptMessage::new(Role::User, Content::image("iVBORw0KGgo=", "image/png")),
        PromptMessage::new(
            Role::User,
            Content::embedded_text("test://static/readme", "text/markdown", "# Fixture"),
        ),
        PromptMessage::assistant("Let me look."),
    ]
}

/// A prompt that always fails.
#[prompt]
pub fn broken_prompt() -> Result<String, ToolError> {
    Err(ToolError::new("the prompt is broken"))
}

/// The fixture server: tools, fixed resources, resource templates and prompts, and a
/// `Notebook` whose `#[mcp_server]` block has all three.
pub fn fixture_server() -> Server {
    Server::new("fixture", "0.0.1")
        .instructions("A server for testing the runtime.")
        .state(Hits::default())
        .tools(tools![
            echo,
            add,
            explode,
            sleep,
            work,
            mirror,
            centroid,
            gallery,
            delete_record,
            hit,
            list_roots
        ])
        .resources(resources![
            readme, logo, user_item, broken, panicking, whoami
        ])
        .prompts(prompts![code_review, describe_image, broken_prompt])
        .provider(Notebook::default())
}

/// How many task handlers began, finished and saw their task cancelled (clones count
/// together).
#[derive(Debug, Default, Clone)]
pub struct JobLog {
    pub started: Arc<AtomicU64>,
    pub finished: Arc<AtomicU64>,
    pub stopped: Arc<AtomicU64>,
}

/// Works for `ms` milliseconds, as a task for clients that support tasks; notes how it ends
/// in the server's `JobLog`.
#[tool(read_only, task)]
pub async fn long_job(ctx: Context, log: State<JobLog>, ms: u64) -> String {
    log.started.fetch_add(1, Ordering::SeqCst);
    ctx.progress(0.0, Some(ms as f64), Some("started")).await;
    tokio::select! {
        _ = tokio::time::sleep(Duration::from_millis(ms)) => {
            log.finished.fetch_add(1, Ordering::SeqCst);
            format!("worked {ms} ms")
        }
        _ = ctx.cancelled() => {
            log.stopped.fetch_add(1, Ordering::SeqCst);
            "stopped".to_owned()
        }
    }
}

/// Wipes the archive, after the policy's confirmation (high risk), as a task.
#[tool(task, risk = "high")]
pub async fn wipe_archive(ms: u64) -> String {
    tokio::time::sleep(Duration::from_millis(ms)).await;
    "archive wiped".to_owned()
}

/// Runs only as a task.
#[tool(read_only, task = "required")]
pub async fn batch_only() -> String {
    tokio::time::sleep(Duration::from_millis(20)).await;
    "batch done".to_owned()
}

/// Asks which colour, as a task (its question is the task's).
#[tool(read_only, task)]
pub async fn pick_colour(ctx: Context) -> Result<String, ToolError> {
    ctx.start_task().await;
    let answer = ctx
        .elicit(
            "Which colour?",
            serde_json::json!({
                "type": "object",
                "properties": {"colour": {"type": "string"}},
                "required": ["colour"],
            }),
        )
        .key("colour")
        .await?;
    let colour = answer
        .content
        .as_ref()
        .and_then(|content| content.get("colour"))
        .and_then(|value| value.as_str())
        .unwrap_or("none")
        .to_owned();
    Ok(format!("picked {colour}"))
}

/// Asks two questions at once, as a task: its two keys wait together.
#[tool(read_only, task)]
pub async fn pick_two(ctx: Context) -> Result<String, ToolError> {
    ctx.start_task().await;
    let form = || {
        serde_json::json!({
            "type": "object",
            "properties": {"value": {"type": "string"}},
            "required": ["value"],
        })
    };
    let (first, second) = tokio::join!(
        ctx.elicit("First value?", form()).key("first"),
        ctx.elicit("Second value?", form()).key("second"),
    );
    let value = |answer: &mcp_runtime::protocol::ElicitResult| {
        answer
            .content
            .as_ref()
            .and_then(|content| content.get("value"))
            .and_then(|value| value.as_str())
            .unwrap_or("none")
            .to_owned()
    };
    Ok(format!(
        "first={}, second={}",
        value(&first?),
        value(&second?)
    ))
}

/// A server whose tools run as tasks.
pub fn task_server() -> Server {
    task_server_logging(JobLog::default())
}

/// A server whose tools run as tasks, counting into `log`.
pub fn task_server_logging(log: JobLog) -> Server {
    Server::new("tasks", "0.0.1").state(log).tools(tools![
        echo,
        long_job,
        wipe_archive,
        batch_only,
        pick_colour,
        pick_two
    ])
}
