//! The text `cargo mcp inspect` prints: a listing of the server's capabilities with their risk
//! levels, and the results of a call, a read or a prompt.

use std::fmt::Write;

use serde_json::Value;

use super::PERMISSION_META_KEY;

/// The risk level a server gives a capability, or `-` when it gives none.
fn risk(item: &Value) -> &str {
    item["_meta"][PERMISSION_META_KEY]["risk"]
        .as_str()
        .unwrap_or("-")
}

/// The line naming the scopes a capability needs, if the server gives any.
fn scopes(item: &Value, indent: &str) -> String {
    let scopes: Vec<&str> = item["_meta"][PERMISSION_META_KEY]["scopes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    if scopes.is_empty() {
        String::new()
    } else {
        format!("{indent}scopes: {}\n", scopes.join(", "))
    }
}

/// The first line of a description.
fn summary(item: &Value) -> &str {
    item["description"]
        .as_str()
        .and_then(|text| text.lines().map(str::trim).find(|line| !line.is_empty()))
        .unwrap_or("")
}

fn items(listing: &Value, key: &str) -> Vec<Value> {
    listing[key].as_array().cloned().unwrap_or_default()
}

/// A table of rows: each column as wide as its widest cell, the last one left unpadded.
fn table(out: &mut String, rows: &[Vec<String>]) {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|column| {
            rows.iter()
                .filter_map(|row| row.get(column))
                .map(|cell| cell.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    for row in rows {
        let mut line = String::from(" ");
        for (column, cell) in row.iter().enumerate() {
            line.push(' ');
            if column + 1 == row.len() {
                line.push_str(cell);
            } else {
                let _ = write!(line, "{cell:<width$}", width = widths[column]);
                line.push(' ');
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
}

/// The parameters of an input schema, one line each: `name: type (required) - description`.
fn parameters(schema: &Value, indent: &str) -> String {
    let mut out = String::new();
    let Some(properties) = schema["properties"].as_object() else {
        return out;
    };
    let required: Vec<&str> = schema["required"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    for (name, property) in properties {
        let kind = match &property["type"] {
            Value::String(kind) => kind.clone(),
            Value::Array(kinds) => kinds
                .iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(" | "),
            _ => "any".to_owned(),
        };
        let _ = write!(out, "{indent}{name}: {kind}");
        if required.contains(&name.as_str()) {
            out.push_str(" (required)");
        }
        let description = summary(property);
        if !description.is_empty() {
            let _ = write!(out, " - {description}");
        }
        out.push('\n');
    }
    out
}

/// The listing: the server, then each kind of capability it declares.
pub(super) fn listing(listing: &Value) -> String {
    let mut out = String::new();
    let info = &listing["serverInfo"];
    let name = info["name"].as_str().unwrap_or("(unnamed server)");
    let version = info["version"].as_str().unwrap_or("");
    let era = if listing["protocolVersion"]
        .as_str()
        .is_some_and(|v| v >= "2026-07-28")
    {
        "no handshake"
    } else {
        "after initialize"
    };
    let _ = writeln!(
        out,
        "{name} {version} (protocol {}, {era})",
        listing["protocolVersion"].as_str().unwrap_or("?")
    );
    let mut any = false;
    if listing.get("tools").is_some() {
        any = true;
        let tools = items(listing, "tools");
        let _ = writeln!(out, "\ntools ({}):", tools.len());
        let width = tools
            .iter()
            .filter_map(|t| t["name"].as_str())
            .map(|n| n.chars().count())
            .max()
            .unwrap_or(0);
        for tool in &tools {
            let name = tool["name"].as_str().unwrap_or("");
            let line = format!("  {name:<width$}  {:<8}  {}", risk(tool), summary(tool));
            out.push_str(line.trim_end());
            out.push('\n');
            let indent = " ".repeat(width + 14);
            out.push_str(&scopes(tool, &indent));
            out.push_str(&parameters(&tool["inputSchema"], &indent));
        }
    }
    if listing.get("resources").is_some() {
        any = true;
        let resources = items(listing, "resources");
        let _ = writeln!(out, "\nresources ({}):", resources.len());
        let rows: Vec<Vec<String>> = resources
            .iter()
            .map(|r| {
                vec![
                    r["uri"].as_str().unwrap_or("").to_owned(),
                    risk(r).to_owned(),
                    r["mimeType"].as_str().unwrap_or("-").to_owned(),
                    summary(r).to_owned(),
                ]
            })
            .collect();
        table(&mut out, &rows);
        let templates = items(listing, "resourceTemplates");
        let _ = writeln!(out, "\nresource templates ({}):", templates.len());
        let rows: Vec<Vec<String>> = templates
            .iter()
            .map(|t| {
                vec![
                    t["uriTemplate"].as_str().unwrap_or("").to_owned(),
                    risk(t).to_owned(),
                    t["mimeType"].as_str().unwrap_or("-").to_owned(),
                    summary(t).to_owned(),
                ]
            })
            .collect();
        table(&mut out, &rows);
    }
    if listing.get("prompts").is_some() {
        any = true;
        let prompts = items(listing, "prompts");
        let _ = writeln!(out, "\nprompts ({}):", prompts.len());
        let width = prompts
            .iter()
            .filter_map(|p| p["name"].as_str())
            .map(|n| n.chars().count())
            .max()
            .unwrap_or(0);
        for prompt in &prompts {
            let name = prompt["name"].as_str().unwrap_or("");
            let line = format!("  {name:<width$}  {:<8}  {}", risk(prompt), summary(prompt));
            out.push_str(line.trim_end());
            out.push('\n');
            out.push_str(&scopes(prompt, &" ".repeat(width + 14)));
            for argument in prompt["arguments"].as_array().into_iter().flatten() {
                let _ = write!(
                    out,
                    "{}{}",
                    " ".repeat(width + 14),
                    argument["name"].as_str().unwrap_or("")
                );
                if argument["required"] == true {
                    out.push_str(" (required)");
                }
                let description = summary(argument);
                if !description.is_empty() {
                    let _ = write!(out, " - {description}");
                }
                out.push('\n');
            }
        }
    }
    if !any {
        out.push_str("\nthe server declares no tools, resources or prompts\n");
    }
    out
}

/// One content block: text as it is, anything else described on a line of its own.
fn content(out: &mut String, block: &Value) {
    match block["type"].as_str() {
        Some("text") => line(out, block["text"].as_str().unwrap_or("")),
        Some("resource") => resource_contents(out, &block["resource"]),
        Some("resource_link") => line(
            out,
            &format!(
                "[resource link: {}]",
                block["uri"].as_str().unwrap_or_default()
            ),
        ),
        Some(kind @ ("image" | "audio")) => {
            let size = block["data"].as_str().map_or(0, |data| data.len() * 3 / 4);
            let mime = block["mimeType"].as_str().unwrap_or("?");
            line(out, &format!("[{kind}: {mime}, about {size} bytes]"));
        }
        _ => line(out, &block.to_string()),
    }
}

/// The contents of a resource: its text, or a description of its blob.
fn resource_contents(out: &mut String, contents: &Value) {
    match contents["text"].as_str() {
        Some(text) => line(out, text),
        None => {
            let size = contents["blob"]
                .as_str()
                .map_or(0, |data| data.len() * 3 / 4);
            let mime = contents["mimeType"].as_str().unwrap_or("?");
            let uri = contents["uri"].as_str().unwrap_or_default();
            line(
                out,
                &format!("[blob {uri}: {mime}, about {size} bytes (--json prints it)]"),
            );
        }
    }
}

/// `text` and a line end, unless it already ends with one.
fn line(out: &mut String, text: &str) {
    out.push_str(text);
    if !text.ends_with('\n') {
        out.push('\n');
    }
}

/// The result of a call: each content block, then the structured content.
pub(super) fn call(result: &Value) -> String {
    let mut out = String::new();
    for block in result["content"].as_array().into_iter().flatten() {
        content(&mut out, block);
    }
    if let Some(structured) = result.get("structuredContent") {
        out.push_str("structured content:\n");
        line(
            &mut out,
            &serde_json::to_string_pretty(structured).unwrap_or_default(),
        );
    }
    out
}

/// The result of a read: the contents, each under its URI when there are several.
pub(super) fn read(result: &Value) -> String {
    let mut out = String::new();
    let contents = result["contents"].as_array().cloned().unwrap_or_default();
    for item in &contents {
        if contents.len() > 1 {
            let _ = writeln!(out, "== {}", item["uri"].as_str().unwrap_or_default());
        }
        resource_contents(&mut out, item);
    }
    out
}

/// The messages of a prompt, each under its role.
pub(super) fn prompt(result: &Value) -> String {
    let mut out = String::new();
    if let Some(description) = result["description"].as_str() {
        line(&mut out, description);
    }
    for message in result["messages"].as_array().into_iter().flatten() {
        let _ = writeln!(out, "[{}]", message["role"].as_str().unwrap_or("?"));
        content(&mut out, &message["content"]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn tools_show_their_risk_or_a_dash() {
        let text = listing(&json!({
            "protocolVersion": "2026-07-28",
            "serverInfo": {"name": "s", "version": "1"},
            "tools": [
                {"name": "add", "description": "Adds.\n\nMore.", "_meta": {PERMISSION_META_KEY: {"risk": "low"}},
                 "inputSchema": {"properties": {"a": {"type": "number", "description": "first"}}, "required": ["a"]}},
                {"name": "other_tool", "inputSchema": {},
                 "_meta": {PERMISSION_META_KEY: {"risk": "high", "scopes": ["a:write", "b"]}}},
                {"name": "last", "inputSchema": {}},
            ],
        }));
        assert!(
            text.starts_with("s 1 (protocol 2026-07-28, no handshake)\n"),
            "{text}"
        );
        assert!(text.contains("\n  add         low       Adds.\n"), "{text}");
        assert!(text.contains("a: number (required) - first\n"), "{text}");
        assert!(
            text.contains("\n  other_tool  high\n                        scopes: a:write, b\n"),
            "{text}"
        );
        assert!(text.ends_with("\n  last        -\n"), "{text}");
    }

    #[test]
    fn a_call_prints_text_then_structured_content() {
        let text = call(&json!({
            "content": [{"type": "text", "text": "5"}, {"type": "image", "data": "AAAA", "mimeType": "image/png"}],
            "structuredContent": {"sum": 5},
        }));
        assert_eq!(
            text,
            "5\n[image: image/png, about 3 bytes]\nstructured content:\n{\n  \"sum\": 5\n}\n"
        );
    }
}
