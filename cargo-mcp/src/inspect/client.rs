//! The client: the connection opened in the era the server speaks, requests completed with
//! what that era needs (`_meta`, HTTP headers), lists read page after page, and a tool called
//! with its arguments typed by its input schema.

use base64::Engine;
use serde_json::{json, Map, Value};

use super::arguments::{args_object, arguments, split_pair};
use super::transport::Transport;
use super::{Error, Protocol};

/// How many times a request is sent again when a server answers `input_required` with only
/// a `requestState` to hand back.
const MAX_RETRIES: usize = 8;

/// How many pages of a list are read at most.
const MAX_PAGES: usize = 1000;

/// A connection to a server, after the handshake (or the discovery) of its era.
pub struct Client {
    transport: Box<dyn Transport>,
    next_id: u64,
    /// The revision agreed on.
    version: String,
    /// `2026-07-28` and later: metadata on every request, no session.
    modern: bool,
    /// What `initialize` or `server/discover` answered.
    description: Value,
}

impl Client {
    /// Opens the connection: `server/discover` in the `2026-07-28` era, the `initialize`
    /// handshake in the earlier ones, and with [`Protocol::Auto`] the first that the server
    /// accepts.
    pub fn connect(transport: Box<dyn Transport>, protocol: Protocol) -> Result<Client, Error> {
        let mut client = Client {
            transport,
            next_id: 0,
            version: String::new(),
            modern: false,
            description: Value::Null,
        };
        // A refusal at this point is a failure to connect (exit status 2), not an answer.
        let (legacy, discovery) = match protocol {
            Protocol::V2026_07_28 => {
                return client.discover().map(|()| client).map_err(|error| {
                    refused(error, |error| {
                        format!("the server refused 2026-07-28 ({error}): try --era 2025-11-25")
                    })
                });
            }
            Protocol::Auto => match client.discover() {
                Ok(()) => return Ok(client),
                Err(refused @ (Error::Rpc { .. } | Error::Http { .. })) => {
                    ("2025-11-25", Some(refused))
                }
                Err(other) => return Err(other),
            },
            Protocol::V2025_11_25 => ("2025-11-25", None),
            Protocol::V2025_06_18 => ("2025-06-18", None),
        };
        match client.initialize(legacy) {
            Ok(()) => Ok(client),
            Err(error) => Err(refused(error, |error| {
                match discovery {
                Some(first) => format!(
                    "the server refused both server/discover ({first}) and initialize ({error}): is it an MCP server?"
                ),
                None => format!(
                    "the server refused initialize ({error}): try --era 2026-07-28, or --era auto"
                ),
            }
            })),
        }
    }

    fn discover(&mut self) -> Result<(), Error> {
        self.version = "2026-07-28".to_owned();
        self.modern = true;
        let result = self.request("server/discover", json!({}))?;
        self.description = json!({
            "protocolVersion": self.version,
            "serverInfo": result["_meta"]["io.modelcontextprotocol/serverInfo"],
            "capabilities": result["capabilities"],
            "instructions": result["instructions"],
        });
        Ok(())
    }

    fn initialize(&mut self, version: &str) -> Result<(), Error> {
        self.version.clear();
        self.modern = false;
        let result = self.request(
            "initialize",
            json!({
                "protocolVersion": version,
                "capabilities": {},
                "clientInfo": client_info(),
            }),
        )?;
        let agreed = result["protocolVersion"].as_str().unwrap_or(version);
        agreed.clone_into(&mut self.version);
        self.description = json!({
            "protocolVersion": agreed,
            "serverInfo": result["serverInfo"],
            "capabilities": result["capabilities"],
            "instructions": result["instructions"],
        });
        let initialized = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
        let headers = self.headers("notifications/initialized", &Value::Null, &[]);
        self.transport.notify(&initialized, &headers)
    }

    /// The protocol revision agreed on.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// Sends a request and returns its result; a `2026-07-28` request is completed first
    /// (`_meta`), and sent again while the server answers `input_required` with only a state
    /// to hand back.
    pub fn request(&mut self, method: &str, params: Value) -> Result<Value, Error> {
        self.request_with(method, params, &[])
    }

    fn request_with(
        &mut self,
        method: &str,
        mut params: Value,
        extra_headers: &[(String, String)],
    ) -> Result<Value, Error> {
        if self.modern {
            let meta = params
                .as_object_mut()
                .map(|params| params.entry("_meta").or_insert_with(|| json!({})));
            if let Some(Value::Object(meta)) = meta {
                meta.insert(
                    "io.modelcontextprotocol/protocolVersion".into(),
                    self.version.clone().into(),
                );
                meta.insert("io.modelcontextprotocol/clientInfo".into(), client_info());
                meta.insert(
                    "io.modelcontextprotocol/clientCapabilities".into(),
                    json!({}),
                );
            }
        }
        for _ in 0..=MAX_RETRIES {
            self.next_id += 1;
            let message = json!({
                "jsonrpc": "2.0",
                "id": self.next_id,
                "method": method,
                "params": params,
            });
            let headers = self.headers(method, &params, extra_headers);
            let response = self.transport.request(&message, &headers)?;
            if let Some(error) = Error::from_rpc(&response) {
                return Err(error);
            }
            let result = response.get("result").cloned().unwrap_or(Value::Null);
            if result["resultType"] != "input_required" {
                return Ok(result);
            }
            let questions: Vec<String> = result["inputRequests"]
                .as_object()
                .into_iter()
                .flatten()
                .map(|(key, request)| {
                    let method = request["method"].as_str().unwrap_or("a request");
                    match request["params"]["message"].as_str() {
                        Some(text) => format!("{key}: {method} \"{text}\""),
                        None => format!("{key}: {method}"),
                    }
                })
                .collect();
            if !questions.is_empty() {
                return Err(Error::Usage(format!(
                    "the server asks for input before answering ({}), and cargo mcp inspect answers no questions: use a client that does, or change the server's policy",
                    questions.join("; ")
                )));
            }
            // Only a state to hand back: ask again with it.
            if let Some(object) = params.as_object_mut() {
                object.insert("requestState".into(), result["requestState"].clone());
            }
        }
        Err(Error::Connection(format!(
            "the server kept answering `{method}` with input_required: giving up after {MAX_RETRIES} retries"
        )))
    }

    /// The HTTP headers a message carries: the version agreed on, and in the `2026-07-28`
    /// era the method and the name it concerns.
    fn headers(
        &self,
        method: &str,
        params: &Value,
        extra: &[(String, String)],
    ) -> Vec<(String, String)> {
        let mut headers = Vec::new();
        if self.version.is_empty() || self.version.as_str() < "2025-06-18" {
            // Before the handshake, and for revisions that predate the header.
            return headers;
        }
        headers.push(("MCP-Protocol-Version".to_owned(), self.version.clone()));
        if self.modern {
            headers.push(("Mcp-Method".to_owned(), method.to_owned()));
            let name = match method {
                "tools/call" | "prompts/get" => params["name"].as_str(),
                "resources/read" => params["uri"].as_str(),
                _ => None,
            };
            if let Some(name) = name {
                headers.push(("Mcp-Name".to_owned(), header_value(name)));
            }
            headers.extend(extra.iter().cloned());
        }
        headers
    }

    /// Every item of a paginated list (`tools/list` and its like), page after page.
    pub fn list_all(&mut self, method: &str, key: &str) -> Result<Vec<Value>, Error> {
        let mut items = Vec::new();
        let mut cursor: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let params = match &cursor {
                Some(cursor) => json!({ "cursor": cursor }),
                None => json!({}),
            };
            let page = self.request(method, params)?;
            items.extend(page[key].as_array().into_iter().flatten().cloned());
            match page["nextCursor"].as_str() {
                Some(next) if !next.is_empty() => cursor = Some(next.to_owned()),
                _ => return Ok(items),
            }
        }
        Ok(items)
    }

    /// The server's description and every capability it declares: `protocolVersion`,
    /// `serverInfo`, `capabilities`, `instructions`, and the lists `tools`, `resources`,
    /// `resourceTemplates` and `prompts` (each present when the server declares its kind).
    pub fn listing(&mut self) -> Result<Value, Error> {
        let mut listing = self.description.clone();
        let declared = |kind: &str| listing["capabilities"].get(kind).is_some();
        let (tools, resources, prompts) = (
            declared("tools"),
            declared("resources"),
            declared("prompts"),
        );
        if tools {
            listing["tools"] = self.list_all("tools/list", "tools")?.into();
        }
        if resources {
            listing["resources"] = self.list_all("resources/list", "resources")?.into();
            listing["resourceTemplates"] = self
                .list_all("resources/templates/list", "resourceTemplates")?
                .into();
        }
        if prompts {
            listing["prompts"] = self.list_all("prompts/list", "prompts")?.into();
        }
        Ok(listing)
    }

    /// Calls `tool` with the arguments of `pairs` (`KEY=VALUE`) or of `json` (an object),
    /// after finding the tool in `tools/list`: its input schema types the values and names
    /// the arguments mirrored into headers.
    pub fn call(
        &mut self,
        tool: &str,
        pairs: &[String],
        json: Option<&str>,
    ) -> Result<Value, Error> {
        let tools = self.list_all("tools/list", "tools")?;
        let Some(descriptor) = tools.iter().find(|t| t["name"] == tool) else {
            let names: Vec<&str> = tools.iter().filter_map(|t| t["name"].as_str()).collect();
            let known = if names.is_empty() {
                "it lists no tools".to_owned()
            } else {
                format!("it has {}", names.join(", "))
            };
            return Err(Error::Usage(format!(
                "the server has no tool `{tool}`: {known}"
            )));
        };
        let schema = descriptor.get("inputSchema");
        let arguments = match json {
            Some(text) => args_object(text)?,
            None => arguments(pairs, schema)?,
        };
        let mirrored = match schema {
            Some(schema) if self.modern => param_headers(schema, &arguments),
            _ => Vec::new(),
        };
        self.request_with(
            "tools/call",
            json!({ "name": tool, "arguments": arguments }),
            &mirrored,
        )
    }

    /// Reads the resource at `uri`.
    pub fn read(&mut self, uri: &str) -> Result<Value, Error> {
        self.request("resources/read", json!({ "uri": uri }))
    }

    /// Gets the prompt `name` with the arguments of `pairs` (`KEY=VALUE`, values as strings).
    pub fn prompt(&mut self, name: &str, pairs: &[String]) -> Result<Value, Error> {
        let mut arguments = Map::new();
        for pair in pairs {
            let (key, value) = split_pair(pair)?;
            arguments.insert(key.to_owned(), Value::String(value.to_owned()));
        }
        self.request(
            "prompts/get",
            json!({ "name": name, "arguments": arguments }),
        )
    }

    /// Ends the connection (the HTTP session, or the child process).
    pub fn close(mut self) {
        let headers = self.headers("", &Value::Null, &[]);
        self.transport.close(&headers);
    }
}

/// A failure to open the connection, as a connection error: an HTTP status that says the URL
/// or the credentials are wrong as it is, a refusal (a JSON-RPC error or another status) in the
/// words of `explain`.
fn refused(error: Error, explain: impl FnOnce(&Error) -> String) -> Error {
    match error {
        Error::Http {
            status: 401 | 403 | 404,
            message,
        } => Error::Connection(message),
        Error::Rpc { .. } | Error::Http { .. } => Error::Connection(explain(&error)),
        other => other,
    }
}

fn client_info() -> Value {
    json!({"name": "cargo-mcp", "version": env!("CARGO_PKG_VERSION")})
}

/// A header value as is when it is visible ASCII, else in the `=?base64?…?=` form.
fn header_value(text: &str) -> String {
    let plain = text.bytes().all(|b| (0x20..0x7f).contains(&b))
        && !text.starts_with([' ', '\t'])
        && !text.ends_with([' ', '\t']);
    if plain {
        text.to_owned()
    } else {
        let encoded = base64::engine::general_purpose::STANDARD.encode(text);
        format!("=?base64?{encoded}?=")
    }
}

/// The `Mcp-Param-*` headers for the arguments an input schema marks with `x-mcp-header`.
fn param_headers(schema: &Value, arguments: &Value) -> Vec<(String, String)> {
    fn walk(schema: &Value, arguments: &Value, headers: &mut Vec<(String, String)>) {
        let Some(properties) = schema["properties"].as_object() else {
            return;
        };
        for (key, property) in properties {
            let value = &arguments[key];
            if let Some(name) = property["x-mcp-header"].as_str() {
                let text = match value {
                    Value::Null => None,
                    Value::String(text) => Some(text.clone()),
                    other => Some(other.to_string()),
                };
                if let Some(text) = text {
                    headers.push((format!("Mcp-Param-{name}"), header_value(&text)));
                }
            }
            walk(property, value, headers);
        }
    }
    let mut headers = Vec::new();
    walk(schema, arguments, &mut headers);
    headers
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn header_values_outside_visible_ascii_are_encoded() {
        assert_eq!(header_value("add"), "add");
        assert_eq!(
            header_value("Hello, 世界"),
            "=?base64?SGVsbG8sIOS4lueVjA==?="
        );
        assert_eq!(header_value(" padded"), "=?base64?IHBhZGRlZA==?=");
    }

    #[test]
    fn marked_arguments_are_mirrored_into_headers() {
        let schema = json!({"properties": {
            "region": {"type": "string", "x-mcp-header": "Region"},
            "count": {"type": "integer", "x-mcp-header": "Count"},
            "filter": {"properties": {"tag": {"type": "string", "x-mcp-header": "Tag"}}},
            "plain": {"type": "string"},
        }});
        let arguments = json!({"region": "eu", "count": 3, "filter": {"tag": "x"}, "plain": "p"});
        let mut headers = param_headers(&schema, &arguments);
        headers.sort();
        assert_eq!(
            headers,
            [
                ("Mcp-Param-Count".to_owned(), "3".to_owned()),
                ("Mcp-Param-Region".to_owned(), "eu".to_owned()),
                ("Mcp-Param-Tag".to_owned(), "x".to_owned()),
            ]
        );
    }
}
