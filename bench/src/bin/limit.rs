//! The physical limit: parses each JSON-RPC message and answers with a canned result. No MCP
//! logic, no tool dispatch, no validation beyond "is this JSON with an id".
//! stdio: one thread, blocking reads and writes. HTTP: plain axum.

use std::io::{BufRead, BufReader, BufWriter, Write};

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::serve::ListenerExt;
use mcp_bench::{mode_from_args, Mode};
use serde_json::Value;

const INITIALIZE: &str = r#"{"protocolVersion":"2025-11-25","capabilities":{"tools":{}},"serverInfo":{"name":"bench-limit","version":"1.0.0"}}"#;
const ADD: &str = r#"{"content":[{"type":"text","text":"3"}],"structuredContent":{"result":3.0},"isError":false}"#;

/// The canned answer to a parsed message, or `None` for a notification.
fn answer(message: &Value, report: &str) -> Option<Vec<u8>> {
    let id = message.get("id")?;
    let result = match message.get("method").and_then(Value::as_str) {
        Some("initialize") => INITIALIZE,
        Some("tools/call")
            if message.pointer("/params/name").and_then(Value::as_str) == Some("report") =>
        {
            report
        }
        _ => ADD,
    };
    let mut out = Vec::with_capacity(result.len() + 48);
    out.extend_from_slice(br#"{"jsonrpc":"2.0","id":"#);
    serde_json::to_writer(&mut out, id).expect("writing to a vector");
    out.extend_from_slice(br#","result":"#);
    out.extend_from_slice(result.as_bytes());
    out.push(b'}');
    Some(out)
}

fn report_result() -> String {
    let report = serde_json::to_string(&mcp_bench::report()).expect("serializable");
    let text = serde_json::to_string(&report).expect("serializable");
    format!(
        r#"{{"content":[{{"type":"text","text":{text}}}],"structuredContent":{report},"isError":false}}"#
    )
}

fn serve_stdio() {
    let report = report_result();
    let mut input = BufReader::with_capacity(64 * 1024, std::io::stdin().lock());
    let mut output = BufWriter::with_capacity(64 * 1024, std::io::stdout().lock());
    let mut line = Vec::new();
    loop {
        line.clear();
        match input.read_until(b'\n', &mut line) {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        if let Ok(message) = serde_json::from_slice::<Value>(&line) {
            if let Some(out) = answer(&message, &report) {
                output
                    .write_all(&out)
                    .and_then(|()| output.write_all(b"\n"))
                    .ok();
            }
        }
        // Flush when no more input is already waiting: batches under pipelining, answers
        // at once when requests come one by one.
        if input.buffer().is_empty() && output.flush().is_err() {
            break;
        }
    }
    let _ = output.flush();
}

async fn endpoint(report: &'static str, headers: HeaderMap, body: Bytes) -> Response {
    let _ = headers;
    let Ok(message) = serde_json::from_slice::<Value>(&body) else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    let initialize = message.get("method").and_then(Value::as_str) == Some("initialize");
    match answer(&message, report) {
        None => StatusCode::ACCEPTED.into_response(),
        Some(out) => {
            let mut response = (
                [(axum::http::header::CONTENT_TYPE, "application/json")],
                out,
            )
                .into_response();
            if initialize {
                response
                    .headers_mut()
                    .insert("mcp-session-id", "limit-session".parse().expect("valid"));
            }
            response
        }
    }
}

fn main() {
    match mode_from_args() {
        Mode::Stdio | Mode::StdioPipes => serve_stdio(),
        Mode::Http { port, .. } => {
            let report: &'static str = Box::leak(report_result().into_boxed_str());
            tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .expect("a runtime")
                .block_on(async move {
                    let app = axum::Router::new().route(
                        "/mcp",
                        axum::routing::post(move |headers, body| endpoint(report, headers, body)),
                    );
                    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
                        .await
                        .expect("the port is free");
                    let listener = listener.tap_io(|tcp| {
                        let _ = tcp.set_nodelay(true);
                    });
                    axum::serve(listener, app).await.expect("serving");
                });
        }
    }
}
