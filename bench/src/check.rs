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
    /// This exact text (`block`, `nap`).
    Text(&'static str),
    /// This text, which the call sent to `echo`; as `structuredContent.result` too when the
    /// server sends structured content.
    Echoed(String),
    /// The `report` result: `structuredContent` equal to [`crate::report`] (144 rows, every
    /// value), and one text item holding the same JSON.
    Report,
    /// `structuredContent` equal to this, and one text item holding the same JSON
    /// (`query_accounts`).
    Structured(Value),
    /// The answer to `tools/list`: this many tools, each with a name of its own and an input
    /// schema of type `object`.
    Tools(usize),
}

/// The text of the `echo` call with JSON-RPC id `id`: `size` bytes drawn from the id, so that
/// no two calls send the same text and a canned answer is caught.
pub fn echo_text(id: u64, size: usize) -> String {
    let unit = format!("{id:x}:echo;");
    let mut text = unit.repeat(size / unit.len() + 1);
    text.truncate(size);
    text
}

/// How long the `nap` calls of the mixed workload sleep, in milliseconds.
pub const NAP_MS: u64 = 50;

/// The tool a call of the mixed workload calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// `add`: 90 % of the calls.
    Add,
    /// `report`: 9 %.
    Report,
    /// `nap` for [`NAP_MS`]: 1 %.
    Nap,
}

impl Kind {
    /// The tool's name, which also names the kind's figures.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Add => "add",
            Kind::Report => "report",
            Kind::Nap => "nap",
        }
    }
}

/// The kind of the mixed workload's call with JSON-RPC id `id` (an HTTP client's number in
/// the high 32 bits, its call count in the low ones): of every 100 consecutive calls of a
/// client, 90 `add`, 9 `report` and 1 `nap`, and the clients out of step with one another
/// so that the slow calls do not all start at once.
pub fn mixed_kind(id: u64) -> Kind {
    let client = id >> 32;
    let call = id & 0xffff_ffff;
    match (call + client * 37) % 100 {
        0 => Kind::Nap,
        1..=9 => Kind::Report,
        _ => Kind::Add,
    }
}

/// The `report` result as JSON, made once.
fn report_value() -> &'static Value {
    static REPORT: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
    REPORT.get_or_init(|| serde_json::to_value(crate::report()).expect("serializable"))
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

/// Checks the answer to the request sent with id `id`: a `tools/list` for
/// [`Expected::Tools`], else a `tools/call`.
pub fn check_answer(answer: &Value, id: u64, expected: &Expected) -> Result<(), String> {
    match expected {
        Expected::Tools(count) => check_tools_list(answer, id, *count),
        _ => check_tool_answer(answer, id, expected),
    }
}

/// Checks the answer to the `tools/list` sent with id `id`: `count` tools, each with a name
/// no other has and an input schema of type `object`, and no further page.
pub fn check_tools_list(answer: &Value, id: u64, count: usize) -> Result<(), String> {
    let result = check_result(answer, id)?;
    let Some(tools) = result.get("tools").and_then(Value::as_array) else {
        return Err("a tools/list result without a tools array".to_owned());
    };
    if tools.len() != count {
        return Err(format!("{} tools where {count} were due", tools.len()));
    }
    if result
        .get("nextCursor")
        .is_some_and(|cursor| !cursor.is_null())
    {
        return Err("a nextCursor: the list came in pages".to_owned());
    }
    let mut names = std::collections::BTreeSet::new();
    for tool in tools {
        let Some(name) = tool.get("name").and_then(Value::as_str) else {
            return Err(format!("a tool without a name: {tool}"));
        };
        if !names.insert(name) {
            return Err(format!("two tools named {name:?}"));
        }
        let schema_type = tool.pointer("/inputSchema/type").and_then(Value::as_str);
        if schema_type != Some("object") {
            return Err(format!(
                "the tool {name:?} has no input schema of type object"
            ));
        }
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
        Expected::Echoed(due) => {
            if text != due {
                return Err(wrong(&format!(
                    "the text {} where {} was sent",
                    shown(text.as_bytes()),
                    shown(due.as_bytes())
                )));
            }
            if let Some(structured) = result.get("structuredContent") {
                if structured.get("result").and_then(Value::as_str) != Some(due) {
                    return Err(wrong("structuredContent.result is not the text sent"));
                }
            }
        }
        Expected::Structured(due) => {
            let Some(structured) = result.get("structuredContent") else {
                return Err(wrong("no structuredContent"));
            };
            if structured != due {
                return Err(wrong(&format!(
                    "structuredContent {} where {} was due",
                    shown(structured.to_string().as_bytes()),
                    shown(due.to_string().as_bytes())
                )));
            }
            match serde_json::from_str::<Value>(text) {
                Ok(parsed) if parsed == *structured => {}
                Ok(_) => return Err(wrong("the text is not the structuredContent")),
                Err(e) => return Err(wrong(&format!("the text is not JSON ({e})"))),
            }
        }
        Expected::Report => {
            let Some(structured) = result.get("structuredContent") else {
                return Err(wrong("no structuredContent"));
            };
            let rows = structured.get("rows").and_then(Value::as_array);
            if rows.map(Vec::len) != Some(144) {
                return Err(wrong("structuredContent.rows is not 144 rows"));
            }
            if structured != report_value() {
                return Err(wrong("structuredContent is not the report's rows"));
            }
            match serde_json::from_str::<Value>(text) {
                Ok(parsed) if parsed == *structured => {}
                Ok(_) => return Err(wrong("the text is not the structuredContent")),
                Err(e) => return Err(wrong(&format!("the text is not JSON ({e})"))),
            }
        }
        Expected::Tools(_) => return Err(wrong("a tools/list expected of a tools/call")),
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
    use serde_json::json;

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

    fn text_answer(id: u64, text: &str, structured: Option<&Value>) -> Value {
        let mut result = json!({"content": [{"type": "text", "text": text}], "isError": false});
        if let Some(structured) = structured {
            result["structuredContent"] = structured.clone();
        }
        json!({"jsonrpc": "2.0", "id": id, "result": result})
    }

    #[test]
    fn echo_texts_differ_from_call_to_call_and_have_their_size() {
        assert_eq!(echo_text(5, 64 * 1024).len(), 64 * 1024);
        assert_eq!(echo_text(5, 1 << 20).len(), 1 << 20);
        assert_eq!(echo_text(5, 3).len(), 3);
        assert_ne!(echo_text(5, 64 * 1024), echo_text(6, 64 * 1024));
        assert_ne!(echo_text(1 << 32 | 1, 4096), echo_text(2 << 32 | 1, 4096));
    }

    #[test]
    fn an_echo_of_the_text_sent_is_accepted_and_another_rejected() {
        let sent = echo_text(9, 64 * 1024);
        let answer = text_answer(9, &sent, None);
        assert_eq!(
            check_answer(&answer, 9, &Expected::Echoed(sent.clone())),
            Ok(())
        );
        let structured = json!({"result": sent});
        let answer = text_answer(9, &sent, Some(&structured));
        assert_eq!(
            check_answer(&answer, 9, &Expected::Echoed(sent.clone())),
            Ok(())
        );
        // Another call's text, as a canned answer gives.
        let answer = text_answer(9, &echo_text(8, 64 * 1024), None);
        let error = check_answer(&answer, 9, &Expected::Echoed(sent.clone())).unwrap_err();
        assert!(error.starts_with("the text"), "{error}");
        assert!(
            error.len() < 2000,
            "the texts are shortened: {}",
            error.len()
        );
        let structured = json!({"result": "other"});
        let answer = text_answer(9, &sent, Some(&structured));
        let error = check_answer(&answer, 9, &Expected::Echoed(sent)).unwrap_err();
        assert!(error.starts_with("structuredContent"), "{error}");
    }

    #[test]
    fn the_report_is_accepted_and_a_changed_one_rejected() {
        let report = serde_json::to_value(crate::report()).unwrap();
        let text = serde_json::to_string(&report).unwrap();
        let answer = text_answer(4, &text, Some(&report));
        assert_eq!(check_answer(&answer, 4, &Expected::Report), Ok(()));

        let error = check_answer(&text_answer(4, &text, None), 4, &Expected::Report).unwrap_err();
        assert!(error.starts_with("no structuredContent"), "{error}");

        let mut short = report.clone();
        short["rows"].as_array_mut().unwrap().pop();
        let answer = text_answer(4, &text, Some(&short));
        let error = check_answer(&answer, 4, &Expected::Report).unwrap_err();
        assert!(error.contains("144 rows"), "{error}");

        let mut changed = report.clone();
        changed["rows"][100]["score"] = json!(1.0);
        let answer = text_answer(4, &text, Some(&changed));
        let error = check_answer(&answer, 4, &Expected::Report).unwrap_err();
        assert!(error.contains("the report's rows"), "{error}");

        let changed_text = serde_json::to_string(&changed).unwrap();
        let answer = text_answer(4, &changed_text, Some(&report));
        let error = check_answer(&answer, 4, &Expected::Report).unwrap_err();
        assert!(error.starts_with("the text is not"), "{error}");
        let answer = text_answer(4, "rows", Some(&report));
        let error = check_answer(&answer, 4, &Expected::Report).unwrap_err();
        assert!(error.starts_with("the text is not JSON"), "{error}");
    }

    fn list_answer(id: u64, tools: Vec<Value>) -> Value {
        json!({"jsonrpc": "2.0", "id": id, "result": {"tools": tools}})
    }

    fn listed(name: &str) -> Value {
        json!({"name": name, "inputSchema": {"type": "object", "properties": {}}})
    }

    #[test]
    fn a_tools_list_is_checked() {
        let tools: Vec<Value> = (0..205).map(|i| listed(&format!("tool_{i}"))).collect();
        let answer = list_answer(3, tools.clone());
        assert_eq!(check_answer(&answer, 3, &Expected::Tools(205)), Ok(()));
        assert!(check_answer(&answer, 4, &Expected::Tools(205)).is_err());

        let error = check_answer(&answer, 3, &Expected::Tools(204)).unwrap_err();
        assert!(error.starts_with("205 tools where 204"), "{error}");

        let mut twice = tools.clone();
        twice[7] = listed("tool_3");
        let error = check_answer(&list_answer(3, twice), 3, &Expected::Tools(205)).unwrap_err();
        assert!(error.starts_with("two tools named"), "{error}");

        let mut unnamed = tools.clone();
        unnamed[9] = json!({"inputSchema": {"type": "object"}});
        let error = check_answer(&list_answer(3, unnamed), 3, &Expected::Tools(205)).unwrap_err();
        assert!(error.starts_with("a tool without a name"), "{error}");

        let mut schemaless = tools.clone();
        schemaless[11] = json!({"name": "tool_11"});
        let error =
            check_answer(&list_answer(3, schemaless), 3, &Expected::Tools(205)).unwrap_err();
        assert!(error.contains("no input schema"), "{error}");

        let mut paged = list_answer(3, tools);
        paged["result"]["nextCursor"] = json!("2");
        let error = check_answer(&paged, 3, &Expected::Tools(205)).unwrap_err();
        assert!(error.contains("nextCursor"), "{error}");
    }

    #[test]
    fn the_mix_is_90_9_1_for_every_client_and_the_clients_out_of_step() {
        for client in [0u64, 1, 63] {
            let mut counts = std::collections::BTreeMap::new();
            for call in 1..=100u64 {
                *counts.entry(mixed_kind(client << 32 | call)).or_insert(0) += 1;
            }
            assert_eq!(counts[&Kind::Add], 90);
            assert_eq!(counts[&Kind::Report], 9);
            assert_eq!(counts[&Kind::Nap], 1);
        }
        // Three calls from each of 64 clients (the quick check) include every kind.
        let kinds: std::collections::BTreeSet<Kind> = (0..64u64)
            .flat_map(|client| (1..=3u64).map(move |call| mixed_kind(client << 32 | call)))
            .collect();
        assert_eq!(kinds.len(), 3);
        assert_ne!(mixed_kind(1), mixed_kind(1 << 32 | 1));
    }

    #[test]
    fn a_structured_result_is_checked_with_its_text() {
        let accounts = crate::accounts::Accounts::open().unwrap();
        let list = accounts.query(&crate::accounts::query_for(12)).unwrap();
        let due = serde_json::to_value(&list).unwrap();
        let text = serde_json::to_string(&due).unwrap();
        let expected = Expected::Structured(due.clone());
        assert_eq!(
            check_answer(&text_answer(12, &text, Some(&due)), 12, &expected),
            Ok(())
        );

        // Another call's accounts, as a canned answer gives.
        let other = accounts.query(&crate::accounts::query_for(13)).unwrap();
        let other = serde_json::to_value(&other).unwrap();
        let other_text = serde_json::to_string(&other).unwrap();
        let answer = text_answer(12, &other_text, Some(&other));
        let error = check_answer(&answer, 12, &expected).unwrap_err();
        assert!(error.starts_with("structuredContent"), "{error}");

        let answer = text_answer(12, &other_text, Some(&due));
        let error = check_answer(&answer, 12, &expected).unwrap_err();
        assert!(error.starts_with("the text is not"), "{error}");
        let error = check_answer(&text_answer(12, &text, None), 12, &expected).unwrap_err();
        assert!(error.starts_with("no structuredContent"), "{error}");
    }
}
