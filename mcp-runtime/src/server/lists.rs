//! The list requests (`tools/list`, `resources/list`, ...) and what they and discovery answer
//! with, encoded once: the pages of each list for each era, the discovery result and the
//! handshake capabilities.

use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::{json, Map, Value};

use super::connection::Connection;
use super::dispatch::{parse_params, ListParams};
use crate::protocol::{encode_result, Era, Implementation, ProtocolVersion, RequestId, RpcError};

/// Pre-encoded pages of a list, for both eras.
#[derive(Debug)]
pub(crate) struct Pages {
    legacy: Vec<Box<RawValue>>,
    modern: Vec<Box<RawValue>>,
    /// The legacy pages without `icons`, for revisions before `2025-11-25`; only when an
    /// item has icons.
    without_icons: Option<Vec<Box<RawValue>>>,
}

impl Pages {
    pub(crate) fn get(
        &self,
        version: ProtocolVersion,
        cursor: Option<&str>,
    ) -> Result<&RawValue, RpcError> {
        let pages = match (version.era(), &self.without_icons) {
            (Era::Legacy, Some(without_icons)) if !version.has_icons() => without_icons,
            (Era::Legacy, _) => &self.legacy,
            (Era::Modern, _) => &self.modern,
        };
        let index = match cursor {
            None => 0,
            Some(cursor) => parse_cursor(cursor)
                .filter(|&i| i > 0 && i < pages.len())
                .ok_or_else(|| RpcError::invalid_params(format!("invalid cursor `{cursor}`")))?,
        };
        Ok(&pages[index])
    }
}

fn cursor_for(page: usize) -> String {
    format!("page-{page}")
}

fn parse_cursor(cursor: &str) -> Option<usize> {
    cursor.strip_prefix("page-")?.parse().ok()
}

/// What every modern result carries in `_meta`, and how long list results may be cached.
pub(crate) struct ModernExtras<'a> {
    pub(crate) meta: &'a RawValue,
    pub(crate) ttl_ms: u64,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Page<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    result_type: Option<&'static str>,
    #[serde(flatten)]
    items: Map<String, Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_cursor: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ttl_ms: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cache_scope: Option<&'static str>,
    #[serde(rename = "_meta", skip_serializing_if = "Option::is_none")]
    meta: Option<&'a RawValue>,
}

/// Encodes the pages of a list result whose items sit under `key`, for both eras;
/// `item(era, index)` is the wire form of one item.
pub(crate) fn pages(
    key: &'static str,
    count: usize,
    item: impl Fn(Era, usize) -> Value,
    page_size: usize,
    extras: &ModernExtras<'_>,
) -> Pages {
    let encode = |era: Era, all: &[Value]| -> Vec<Box<RawValue>> {
        let chunks: Vec<&[Value]> = if all.is_empty() {
            vec![&[]]
        } else {
            all.chunks(page_size).collect()
        };
        let pages = chunks.len();
        chunks
            .into_iter()
            .enumerate()
            .map(|(i, chunk)| {
                let modern = era == Era::Modern;
                let mut items = Map::new();
                items.insert(key.to_owned(), Value::Array(chunk.to_vec()));
                to_raw(&Page {
                    result_type: modern.then_some("complete"),
                    items,
                    next_cursor: (i + 1 < pages).then(|| cursor_for(i + 1)),
                    ttl_ms: modern.then_some(extras.ttl_ms),
                    cache_scope: modern.then_some("public"),
                    meta: modern.then_some(extras.meta),
                })
            })
            .collect()
    };
    let items = |era: Era| -> Vec<Value> { (0..count).map(|i| item(era, i)).collect() };
    let legacy = items(Era::Legacy);
    let without_icons = legacy
        .iter()
        .any(|item| item.get("icons").is_some())
        .then(|| {
            let mut older = legacy.clone();
            for item in older.iter_mut().filter_map(Value::as_object_mut) {
                item.remove("icons");
            }
            encode(Era::Legacy, &older)
        });
    Pages {
        legacy: encode(Era::Legacy, &legacy),
        modern: encode(Era::Modern, &items(Era::Modern)),
        without_icons,
    }
}

/// What the server has, which decides the capabilities it advertises.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Features {
    pub(crate) tools: bool,
    pub(crate) resources: bool,
    pub(crate) prompts: bool,
    pub(crate) completions: bool,
    /// A resource is an MCP Apps view.
    pub(crate) apps: bool,
    /// Some tool may run as a task.
    pub(crate) tasks: bool,
    /// Skills are served: the skills extension, with `resources/directory/read`.
    pub(crate) skills: bool,
}

/// The server capabilities: only what the server really has. Resource subscriptions are
/// the legacy era's `resources/subscribe`; the modern era has no such request.
pub(crate) fn capabilities(features: Features, era: Era) -> Value {
    let mut caps = serde_json::Map::new();
    caps.insert("logging".into(), json!({}));
    if features.tools {
        caps.insert("tools".into(), json!({ "listChanged": true }));
    }
    if features.resources {
        caps.insert(
            "resources".into(),
            json!({ "subscribe": era == Era::Legacy, "listChanged": true }),
        );
    }
    if features.prompts {
        caps.insert("prompts".into(), json!({ "listChanged": true }));
    }
    if features.completions {
        caps.insert("completions".into(), json!({}));
    }
    if features.tasks {
        match era {
            // 2025-11-25: tasks for tool calls, cancellable (no `list`: tasks are bound to
            // their caller and not enumerated).
            Era::Legacy => {
                caps.insert(
                    "tasks".into(),
                    json!({ "requests": { "tools": { "call": {} } }, "cancel": {} }),
                );
            }
            Era::Modern => {
                let extensions = caps.entry("extensions").or_insert_with(|| json!({}));
                extensions[crate::tasks::EXTENSION] = json!({});
            }
        }
    }
    if features.apps {
        // Declared the same way in both eras, as the MCP Apps extension specifies (SEP-1724).
        let extensions = caps.entry("extensions").or_insert_with(|| json!({}));
        extensions[crate::capability::APP_EXTENSION] = json!({});
    }
    if features.skills {
        let extensions = caps.entry("extensions").or_insert_with(|| json!({}));
        extensions[crate::skills::EXTENSION] = json!({ "directoryRead": true });
    }
    Value::Object(caps)
}

pub(crate) fn server_meta(info: &Implementation) -> Box<RawValue> {
    to_raw(&json!({ "io.modelcontextprotocol/serverInfo": info }))
}

pub(crate) fn discover_result(
    capabilities: &Value,
    instructions: Option<&str>,
    extras: &ModernExtras<'_>,
) -> Box<RawValue> {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Discover<'a> {
        result_type: &'static str,
        supported_versions: Vec<&'static str>,
        capabilities: &'a Value,
        #[serde(skip_serializing_if = "Option::is_none")]
        instructions: Option<&'a str>,
        ttl_ms: u64,
        cache_scope: &'static str,
        #[serde(rename = "_meta")]
        meta: &'a RawValue,
    }
    to_raw(&Discover {
        result_type: "complete",
        supported_versions: ProtocolVersion::supported_strings(),
        capabilities,
        instructions,
        ttl_ms: extras.ttl_ms,
        cache_scope: "public",
        meta: extras.meta,
    })
}

pub(crate) fn to_raw<T: Serialize>(value: &T) -> Box<RawValue> {
    serde_json::value::to_raw_value(value).expect("protocol results always serialise")
}

impl super::Dispatcher {
    /// `tools/list`, `resources/list`, `resources/templates/list` and `prompts/list`: the
    /// current page, encoded once per change of the list.
    pub(super) fn list(
        &self,
        connection: &Connection,
        id: &RequestId,
        method: &str,
        params: Option<&RawValue>,
    ) -> Result<Vec<u8>, RpcError> {
        let params: ListParams = parse_params(params)?;
        let negotiated = self.negotiate(connection, params.meta)?;
        let registry = &self.inner.registry;
        let hub = &self.inner.hub;
        let pages = match method {
            "tools/list" => hub.tool_list.pages(),
            "resources/list" if registry.has_resources() => hub.resource_list.pages(),
            "resources/templates/list" if registry.has_resources() => hub.template_list.pages(),
            "prompts/list" if registry.has_prompts() => hub.prompt_list.pages(),
            // Not advertised in the capabilities, so not served.
            _ => return Err(RpcError::method_not_found(method)),
        };
        let page = pages.get(negotiated.version, params.cursor.as_deref())?;
        Ok(encode_result(id, page))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capability::ToolDescriptor;

    fn tool_pages(tools: &[ToolDescriptor], page_size: usize, extras: &ModernExtras<'_>) -> Pages {
        pages(
            "tools",
            tools.len(),
            |era, i| serde_json::to_value(tools[i].to_wire(era)).expect("a tool always serialises"),
            page_size,
            extras,
        )
    }

    fn tools(n: usize) -> Vec<ToolDescriptor> {
        (0..n)
            .map(|i| ToolDescriptor::new(format!("t{i}"), "d"))
            .collect()
    }

    fn extras() -> (Box<RawValue>, u64) {
        (to_raw(&json!({})), 1000)
    }

    #[test]
    fn pages_link_by_cursor_and_end_without_one() {
        let (meta, ttl_ms) = extras();
        let pages = tool_pages(
            &tools(5),
            2,
            &ModernExtras {
                meta: &meta,
                ttl_ms,
            },
        );
        let mut cursor: Option<String> = None;
        let mut seen = 0;
        loop {
            let page: Value = serde_json::from_str(
                pages
                    .get(ProtocolVersion::LATEST_LEGACY, cursor.as_deref())
                    .unwrap()
                    .get(),
            )
            .unwrap();
            seen += page["tools"].as_array().unwrap().len();
            match page.get("nextCursor") {
                Some(next) => cursor = Some(next.as_str().unwrap().to_owned()),
                None => break,
            }
        }
        assert_eq!(seen, 5);
    }

    #[test]
    fn bad_cursors_are_invalid_params() {
        let (meta, ttl_ms) = extras();
        let pages = tool_pages(
            &tools(3),
            2,
            &ModernExtras {
                meta: &meta,
                ttl_ms,
            },
        );
        for bad in ["", "page-0", "page-2", "page-x", "zzz"] {
            assert_eq!(
                pages
                    .get(ProtocolVersion::LATEST, Some(bad))
                    .unwrap_err()
                    .code,
                -32602,
                "{bad}"
            );
        }
    }

    #[test]
    fn icons_are_left_out_before_2025_11_25() {
        let (meta, ttl_ms) = extras();
        let extras = ModernExtras {
            meta: &meta,
            ttl_ms,
        };
        let page = |pages: &Pages, version| -> Value {
            serde_json::from_str(pages.get(version, None).unwrap().get()).unwrap()
        };
        let with_icons =
            tool_pages(
                &[ToolDescriptor::new("t", "d")
                    .icon(crate::protocol::Icon::new("https://x.io/a.png"))],
                10,
                &extras,
            );
        for version in [ProtocolVersion::V2025_11_25, ProtocolVersion::V2026_07_28] {
            assert!(page(&with_icons, version)["tools"][0]["icons"].is_array());
        }
        for version in [ProtocolVersion::V2025_06_18, ProtocolVersion::V2025_03_26] {
            assert!(page(&with_icons, version)["tools"][0]
                .get("icons")
                .is_none());
        }
        // Without icons anywhere, older clients share the legacy pages.
        assert!(tool_pages(&tools(2), 10, &extras).without_icons.is_none());
    }

    #[test]
    fn modern_pages_carry_result_type_and_cache_hints() {
        let (meta, ttl_ms) = extras();
        let pages = tool_pages(
            &tools(1),
            10,
            &ModernExtras {
                meta: &meta,
                ttl_ms,
            },
        );
        let modern: Value =
            serde_json::from_str(pages.get(ProtocolVersion::LATEST, None).unwrap().get()).unwrap();
        assert_eq!(modern["resultType"], "complete");
        assert_eq!(modern["ttlMs"], 1000);
        assert_eq!(modern["cacheScope"], "public");
        let legacy: Value = serde_json::from_str(
            pages
                .get(ProtocolVersion::LATEST_LEGACY, None)
                .unwrap()
                .get(),
        )
        .unwrap();
        assert!(legacy.get("resultType").is_none());
    }
}
