//! A server exercising every runtime path, shared by the in-memory tests, the schema tests
//! and the `fixture-server` binary that the stdio tests spawn.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use mcp_runtime::prelude::*;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Echoes `text` back.
///
/// # Arguments
/// * `text` - what to echo
#[tool(read_only, idempotent)]
pub fn echo(text: String) -> String {
    text
}

/// Adds two integers.
#[tool(read_only)]
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

/// Asks the client for its roots (handshake era).
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
}

/// The fixture server.
pub fn fixture_server() -> Server {
    Server::new("fixture", "0.0.1")
        .instructions("A server for testing the runtime.")
        .state(Hits::default())
        .tool(echo)
        .tool(add)
        .tool(explode)
        .tool(sleep)
        .tool(work)
        .tool(mirror)
        .tool(centroid)
        .tool(gallery)
        .tool(delete_record)
        .tool(hit)
        .tool(list_roots)
        .provider(Notebook::default())
}
