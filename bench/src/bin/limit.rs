//! The physical limit: parses each JSON-RPC message into a `serde_json::Value` and answers
//! `add` with the sum of its arguments written into a fixed template, `echo` with its text
//! written back into one (`initialize` and `report` with canned results). No MCP logic, no
//! tool dispatch, no validation beyond "is this JSON with an id", "are `a` and `b` numbers"
//! and "is `text` a string".
//! stdio: one thread, blocking reads and writes. HTTP: plain axum.

use std::io::{BufRead, BufReader, BufWriter, Write};

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::serve::ListenerExt;
use mcp_bench::{mode_from_args, Mode};
use serde_json::Value;

const INITIALIZE: &str = r#"{"protocolVersion":"2025-11-25","capabilities":{"tools":{}},"serverInfo":{"name":"bench-limit","version":"1.0.0"}}"#;

/// The answer to a parsed message, or `None` for a notification: `initialize` and `report`
/// canned, `add` the sum of its arguments, `echo` its text, anything else a JSON-RPC error.
fn answer(message: &Value, report: &str) -> Option<Vec<u8>> {
    let id = message.get("id")?;
    let mut out = Vec::with_capacity(160);
    out.extend_from_slice(br#"{"jsonrpc":"2.0","id":"#);
    serde_json::to_writer(&mut out, id).expect("writing to a vector");
    let tool = message.pointer("/params/name").and_then(Value::as_str);
    let argument = |name: &str| {
        message
            .get("params")
            .and_then(|params| params.get("arguments"))
            .and_then(|arguments| arguments.get(name))
    };
    let number = |name: &str| argument(name).and_then(Value::as_f64);
    match (message.get("method").and_then(Value::as_str), tool) {
        (Some("initialize"), _) => {
            out.extend_from_slice(br#","result":"#);
            out.extend_from_slice(INITIALIZE.as_bytes());
        }
        (Some("tools/call"), Some("report")) => {
            out.extend_from_slice(br#","result":"#);
            out.extend_from_slice(report.as_bytes());
        }
        (Some("tools/call"), Some("add")) => match (number("a"), number("b")) {
            (Some(a), Some(b)) => {
                let sum = a + b;
                let sum_json = serde_json::to_string(&sum).expect("encoding a number");
                write!(
                    out,
                    r#","result":{{"content":[{{"type":"text","text":"{sum}"}}],"structuredContent":{{"result":{sum_json}}},"isError":false}}"#
                )
                .expect("writing to a vector");
            }
            _ => out.extend_from_slice(
                br#","error":{"code":-32602,"message":"add takes two numbers, a and b"}"#,
            ),
        },
        (Some("tools/call"), Some("echo")) => match argument("text").and_then(Value::as_str) {
            Some(text) => {
                out.reserve(text.len() + 80);
                out.extend_from_slice(br#","result":{"content":[{"type":"text","text":"#);
                serde_json::to_writer(&mut out, text).expect("writing to a vector");
                out.extend_from_slice(br#"}],"isError":false}"#);
            }
            None => {
                out.extend_from_slice(br#","error":{"code":-32602,"message":"echo takes a text"}"#)
            }
        },
        _ => out.extend_from_slice(br#","error":{"code":-32601,"message":"not served"}"#),
    }
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
