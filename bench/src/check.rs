//! Checking the servers' answers. Every answer the driver receives goes through here: it must
//! be JSON-RPC, carry the id of the request it answers, be a result rather than an error, not
//! be a tool error (`isError`), and hold the value the request asks for.

use serde_json::Value;

/// What a `tools/call` must return as its text content.
#[derive(Debug, Clone, PartialEq)]
pub enum Expected {
    /// A number, written as text (`add`), and as `structuredContent.result` when the server
    /// sends structured content.
    Number(f64),
    /// This exact text (`block`).
    Text(&'static str),
}

/// The addends of the `add` call with JSON-RPC id `id`. They differ from one id to the next,
/// so that an answer cached, canned or computed without reading the arguments is caught; they
/// are integers plus one half, so every sum is exact in `f64`.
pub fn addends(id: u64) -> (f64, f64) {
    ((id % 1_000_003) as f64, (id % 997) as f64 + 0.5)
}

/// What the `add` call with JSON-RPC id `id` must return.
pub fn expected_sum(id: u64) -> Expected {
    let (a, b) = addends(id);
    Expected::Number(a + b)
}

/// An answer shortened for an error message.
pub fn shown(text: &[u8]) -> String {
    const LIMIT: usize = 400;
    let text = String::from_utf8_lossy(text);
    let text = text.trim_end();
    match text.char_indices().nth(LIMIT) {
        Some((cut, _)) => format!("{}… ({} bytes)", &text[..cut], text.len()),
        None => text.to_owned(),
    }
}

/// `problem` followed by the answer it was found in, for an error message.
pub fn with_answer(problem: String, answer: &[u8]) -> String {
    format!("{problem}: {}", shown(answer))
}

/// Parses one answer (a line of stdio, or an HTTP body in JSON).
pub fn parse_answer(text: &[u8]) -> Result<Value, String> {
    serde_json::from_slice(text).map_err(|e| format!("not JSON ({e})"))
}

/// The JSON-RPC answer in an HTTP reply: the body itself when it is JSON, or the one response
/// among the events of an SSE stream (notifications in the stream are skipped).
pub fn answer_from_http(status: u16, sse: bool, body: &[u8]) -> Result<Value, String> {
    if status != 200 {
        return Err(format!("HTTP status {status}"));
    }
    if !sse {
        return parse_answer(body);
    }
    let text = std::str::from_utf8(body).map_err(|_| "an SSE stream not in UTF-8".to_owned())?;
    let mut responses = Vec::new();
    for event in text.split("\n\n") {
        let data: Vec<&str> = event
            .lines()
            .filter_map(|line| line.strip_prefix("data:"))
            .map(|data| data.strip_prefix(' ').unwrap_or(data))
            .collect();
        let data = data.join("\n");
        if data.trim().is_empty() {
            continue;
        }
        let message = parse_answer(data.as_bytes())?;
        if message.get("id").is_some() {
            responses.push(message);
        }
    }
    match responses.len() {
        1 => Ok(responses.remove(0)),
        n => Err(format!("{n} responses in the SSE stream instead of one")),
    }
}

/// Checks that `answer` is a JSON-RPC 2.0 result for the request with id `id`, and returns
/// the result. The checks of parsed answers say what is wrong; [`with_answer`] adds the answer.
pub fn check_result(answer: &Value, id: u64) -> Result<&Value, String> {
    let wrong = |problem: &str| problem.to_owned();
    if answer.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
        return Err(wrong("not JSON-RPC 2.0"));
    }
    match answer.get("id") {
        Some(got) if got.as_u64() == Some(id) => {}
        Some(got) => return Err(wrong(&format!("id {got} where {id} was sent"))),
        None => return Err(wrong(&format!("no id where {id} was sent"))),
    }
    if answer.get("error").is_some() {
        return Err(wrong("a JSON-RPC error"));
    }
    match answer.get("result") {
        Some(result) if result.is_object() => Ok(result),
        Some(_) => Err(wrong("a result that is not an object")),
        None => Err(wrong("no result")),
    }
}

/// Checks the answer to `initialize` sent with id `id`.
pub fn check_initialize(answer: &Value, id: u64) -> Result<(), String> {
    let result = check_result(answer, id)?;
    if result
        .get("protocolVersion")
        .and_then(Value::as_str)
        .is_none()
    {
        return Err("an initialize result without protocolVersion".to_owned());
    }
    Ok(())
}

/// Checks the answer to the `tools/call` sent with id `id`.
pub fn check_tool_answer(answer: &Value, id: u64, expected: &Expected) -> Result<(), String> {
    let result = check_result(answer, id)?;
    let wrong = |problem: &str| problem.to_owned();
    match result.get("isError") {
        None | Some(Value::Bool(false)) => {}
        Some(Value::Bool(true)) => return Err(wrong("a tool error (isError)")),
        Some(_) => return Err(wrong("isError is not a boolean")),
    }
    let texts: Vec<&str> = result
        .get("content")
        .and_then(Value::as_array)
        .map(|content| {
            content
                .iter()
                .filter(|item| item.get("type").and_then(Value::as_str) == Some("text"))
                .filter_map(|item| item.get("text").and_then(Value::as_str))
                .collect()
        })
        .unwrap_or_default();
    let [text] = texts[..] else {
        return Err(wrong(&format!(
            "{} text items in the content instead of one",
            texts.len()
        )));
    };
    match expected {
        Expected::Number(number) => {
            if text.trim().parse::<f64>().ok() != Some(*number) {
                return Err(wrong(&format!("the text {text:?} where {number} was due")));
            }
            if let Some(structured) = result.get("structuredContent") {
                if structured.get("result").and_then(Value::as_f64) != Some(*number) {
                    return Err(wrong(&format!(
                        "structuredContent {structured} where {{\"result\":{number}}} was due"
                    )));
                }
            }
        }
        Expected::Text(due) => {
            if text != *due {
                return Err(wrong(&format!("the text {text:?} where {due:?} was due")));
            }
        }
    }
    Ok(())
}

/// Parses `line` and checks it as the answer to the `tools/call` sent with id `id`; the error
/// ends with the line.
pub fn check_tool_line(line: &[u8], id: u64, expected: &Expected) -> Result<(), String> {
    parse_answer(line)
        .and_then(|answer| check_tool_answer(&answer, id, expected))
        .map_err(|problem| with_answer(problem, line))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sum_answer(id: u64, text: &str) -> String {
        format!(
            r#"{{"jsonrpc":"2.0","id":{id},"result":{{"content":[{{"type":"text","text":"{text}"}}],"isError":false}}}}"#
        )
    }

    #[test]
    fn the_right_sum_is_accepted() {
        let (a, b) = addends(41);
        let line = sum_answer(41, &(a + b).to_string());
        assert_eq!(
            check_tool_line(line.as_bytes(), 41, &expected_sum(41)),
            Ok(())
        );
        // Without isError, and with the structured content the limit server sends.
        let line = format!(
            r#"{{"jsonrpc":"2.0","id":41,"result":{{"content":[{{"type":"text","text":"{}"}}],"structuredContent":{{"result":{}}}}}}}"#,
            a + b,
            a + b
        );
        assert_eq!(
            check_tool_line(line.as_bytes(), 41, &expected_sum(41)),
            Ok(())
        );
    }

    #[test]
    fn consecutive_calls_have_different_sums() {
        assert_ne!(expected_sum(1), expected_sum(2));
        assert_ne!(expected_sum(1 << 32 | 1), expected_sum(2 << 32 | 1));
    }

    #[test]
    fn a_wrong_id_is_rejected() {
        let (a, b) = addends(7);
        let line = sum_answer(8, &(a + b).to_string());
        let error = check_tool_line(line.as_bytes(), 7, &expected_sum(7)).unwrap_err();
        assert!(error.starts_with("id 8 where 7 was sent"), "{error}");
        let line = line.replace(r#""id":8,"#, "");
        let error = check_tool_line(line.as_bytes(), 7, &expected_sum(7)).unwrap_err();
        assert!(error.starts_with("no id"), "{error}");
    }

    #[test]
    fn a_wrong_sum_is_rejected() {
        // The answer to another call's arguments, as a cache or a canned answer gives.
        let (a, b) = addends(6);
        let line = sum_answer(7, &(a + b).to_string());
        let error = check_tool_line(line.as_bytes(), 7, &expected_sum(7)).unwrap_err();
        assert!(error.starts_with("the text"), "{error}");
        assert!(
            error.ends_with(&line),
            "the answer as received ends the message: {error}"
        );
        let line = sum_answer(7, "3");
        assert!(check_tool_line(line.as_bytes(), 7, &expected_sum(7)).is_err());
    }

    #[test]
    fn wrong_structured_content_is_rejected() {
        let (a, b) = addends(7);
        let line = format!(
            r#"{{"jsonrpc":"2.0","id":7,"result":{{"content":[{{"type":"text","text":"{}"}}],"structuredContent":{{"result":3.0}}}}}}"#,
            a + b
        );
        let error = check_tool_line(line.as_bytes(), 7, &expected_sum(7)).unwrap_err();
        assert!(error.starts_with("structuredContent"), "{error}");
    }

    #[test]
    fn a_tool_error_is_rejected() {
        let line = r#"{"jsonrpc":"2.0","id":7,"result":{"content":[{"type":"text","text":"7.5"}],"isError":true}}"#;
        let error = check_tool_line(line.as_bytes(), 7, &Expected::Number(7.5)).unwrap_err();
        assert!(error.starts_with("a tool error (isError)"), "{error}");
    }

    #[test]
    fn a_json_rpc_error_is_rejected() {
        let line =
            r#"{"jsonrpc":"2.0","id":7,"error":{"code":-32601,"message":"Method not found"}}"#;
        let error = check_tool_line(line.as_bytes(), 7, &Expected::Number(7.5)).unwrap_err();
        assert!(error.starts_with("a JSON-RPC error"), "{error}");
        let error = check_initialize(&parse_answer(line.as_bytes()).unwrap(), 7).unwrap_err();
        assert!(error.starts_with("a JSON-RPC error"), "{error}");
    }

    #[test]
    fn a_line_that_is_not_json_is_rejected() {
        for line in [
            "",
            "\"result\"",
            "{\"jsonrpc\":\"2.0\",\"id\":7,\"result\":",
            "ok",
        ] {
            let error = check_tool_line(line.as_bytes(), 7, &Expected::Number(7.5)).unwrap_err();
            assert!(
                error.starts_with("not JSON") || error.starts_with("not JSON-RPC"),
                "{line}: {error}"
            );
        }
    }

    #[test]
    fn wrong_text_is_rejected() {
        let line = sum_answer(3, "blocked");
        assert!(check_tool_line(line.as_bytes(), 3, &Expected::Text("unblocked")).is_err());
        let line = sum_answer(3, "unblocked");
        assert_eq!(
            check_tool_line(line.as_bytes(), 3, &Expected::Text("unblocked")),
            Ok(())
        );
    }

    #[test]
    fn http_answers_in_json_and_in_sse() {
        let line = sum_answer(9, "9.5");
        let answer = answer_from_http(200, false, line.as_bytes()).unwrap();
        assert_eq!(
            check_tool_answer(&answer, 9, &Expected::Number(9.5)),
            Ok(())
        );
        // A priming event without data, a notification, then the response.
        let stream = format!(
            "id: 0\nretry: 3000\ndata:\n\ndata: {{\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\"params\":{{}}}}\n\nid: 1\ndata: {line}\n\n"
        );
        let answer = answer_from_http(200, true, stream.as_bytes()).unwrap();
        assert_eq!(
            check_tool_answer(&answer, 9, &Expected::Number(9.5)),
            Ok(())
        );
        assert!(answer_from_http(200, true, b"data:\n\n").is_err());
        let error = answer_from_http(500, false, line.as_bytes()).unwrap_err();
        assert!(error.starts_with("HTTP status 500"), "{error}");
    }

    #[test]
    fn an_initialize_result_is_checked() {
        let line = r#"{"jsonrpc":"2.0","id":0,"result":{"protocolVersion":"2025-11-25","capabilities":{}}}"#;
        assert_eq!(
            check_initialize(&parse_answer(line.as_bytes()).unwrap(), 0),
            Ok(())
        );
        assert!(check_initialize(&parse_answer(line.as_bytes()).unwrap(), 1).is_err());
    }
}
