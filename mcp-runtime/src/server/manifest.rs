//! The capability manifest: every capability of a server with its permission, as one JSON
//! document to review and diff (`--manifest`).

use serde_json::{json, Map, Value};

use super::Dispatcher;
use crate::permission::{Caller, Permission, Policy};
use crate::protocol::Era;

impl Dispatcher {
    /// Describes every capability: name, description, schemas, annotations, risk, scopes
    /// (declared and required by the policy) and what the policy decides for the local user.
    ///
    /// Tools and prompts are sorted by name, resources by URI, and object keys
    /// alphabetically, so that two manifests diff line by line.
    ///
    /// ```
    /// use mcp_runtime::prelude::*;
    ///
    /// /// Adds two numbers.
    /// #[tool(read_only)]
    /// fn add(a: i64, b: i64) -> i64 { a + b }
    ///
    /// let manifest = Server::new("calc", "1.0.0").tools(tools![add]).build()?.manifest();
    /// assert_eq!(manifest["tools"][0]["name"], "add");
    /// assert_eq!(manifest["tools"][0]["risk"], "low");
    /// # Ok::<(), mcp_runtime::Error>(())
    /// ```
    pub fn manifest(&self) -> Value {
        let policy = self.inner.permissions.policy();
        let mut tools: Vec<Value> = self
            .tools()
            .map(|tool| {
                let mut entry = to_object(tool.to_wire(Era::Modern));
                add_permission(&mut entry, policy, tool.name(), tool.permission());
                if tool.tasks() != crate::tasks::TaskSupport::Forbidden {
                    entry.insert("task".into(), json!(tool.tasks().as_str()));
                }
                Value::Object(entry)
            })
            .collect();
        sort_by(&mut tools, "name");
        let mut resources: Vec<Value> = self
            .resources()
            .map(|resource| {
                let mut entry = if resource.is_template() {
                    to_object(resource.to_template())
                } else {
                    to_object(resource.to_resource())
                };
                add_permission(&mut entry, policy, resource.name(), resource.permission());
                Value::Object(entry)
            })
            .collect();
        resources.sort_by(|a, b| uri_of(a).cmp(uri_of(b)));
        let mut prompts: Vec<Value> = self
            .prompts()
            .map(|prompt| {
                let mut entry = to_object(prompt.to_prompt());
                add_permission(&mut entry, policy, prompt.name(), prompt.permission());
                Value::Object(entry)
            })
            .collect();
        sort_by(&mut prompts, "name");
        let info = self.info();
        json!({
            "server": info,
            "policy": {
                "allowUpTo": policy.allowed_up_to(),
                "confirmUpTo": policy.confirmed_up_to(),
                "showDenied": policy.shows_denied(),
            },
            "tools": tools,
            "resources": resources,
            "prompts": prompts,
        })
    }
}

fn to_object(value: impl serde::Serialize) -> Map<String, Value> {
    match serde_json::to_value(value).expect("descriptors always serialise") {
        Value::Object(map) => map,
        other => Map::from_iter([("value".to_owned(), other)]),
    }
}

fn add_permission(
    entry: &mut Map<String, Value>,
    policy: &Policy,
    name: &str,
    permission: &Permission,
) {
    entry.insert("risk".into(), json!(permission.risk));
    entry.insert(
        "scopes".into(),
        json!(policy.required_scopes(name, permission)),
    );
    let decision = policy.decide(name, permission, &Caller::local());
    entry.insert("decision".into(), json!(decision.as_str()));
}

fn sort_by(items: &mut [Value], key: &str) {
    items.sort_by(|a, b| a[key].as_str().cmp(&b[key].as_str()));
}

fn uri_of(item: &Value) -> &str {
    item.get("uri")
        .or_else(|| item.get("uriTemplate"))
        .and_then(Value::as_str)
        .unwrap_or_default()
}
