//! Tools: their descriptors and the trait the `#[tool]` macro implements.

use std::borrow::Cow;
use std::fmt;
use std::future::Future;
use std::ops::Range;
use std::pin::Pin;
use std::sync::Arc;

use bytes::Bytes;
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::core::{core_builders, CapabilityCore};
use super::output::{IntoToolResult, ToolError};
use super::schema::{is_object_schema, schema_for, SchemaObject};
use crate::protocol::{CallToolResult, Era, Tool, ToolAnnotations};
use crate::server::Context;
use crate::tasks::TaskSupport;

/// The future a tool call returns.
pub type ToolFuture = Pin<Box<dyn Future<Output = CallToolResult> + Send + 'static>>;

/// The behaviour hints of a tool, as declared in `#[tool(read_only, ...)]`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ToolHints {
    /// `read_only`: the tool does not modify its environment.
    pub read_only: bool,
    /// `destructive`: the tool may destroy data.
    pub destructive: bool,
    /// `idempotent`: repeating a call has no further effect.
    pub idempotent: bool,
    /// `open_world`: the tool reaches entities outside the server's own domain.
    pub open_world: bool,
}

/// Everything a client learns about a tool from `tools/list`, plus what the runtime checks
/// before serving it.
///
/// Built once, when the tool is registered. The `#[tool]` macro fills it in; a hand-written
/// [`ToolHandler`] builds one with [`ToolDescriptor::new`]:
///
/// ```
/// use mcp_runtime::capability::{ToolDescriptor, ToolHints};
/// use mcp_runtime::RiskLevel;
///
/// #[derive(serde::Deserialize, schemars::JsonSchema)]
/// struct Args { path: String }
///
/// let tool = ToolDescriptor::new("delete_file", "Deletes one file.")
///     .input::<Args>()
///     .hints(ToolHints { destructive: true, ..Default::default() })
///     .risk(RiskLevel::High);
/// assert_eq!(tool.input_schema()["required"], serde_json::json!(["path"]));
/// ```
#[derive(Debug, Clone)]
pub struct ToolDescriptor {
    core: CapabilityCore,
    input_schema: SchemaObject,
    output_schema: Option<SchemaObject>,
    hints: ToolHints,
    /// The `ui://` resource of its MCP Apps view, if it has one.
    ui: Option<Cow<'static, str>>,
    /// Who may call it, for MCP Apps hosts; not declared when empty.
    ui_visibility: Vec<super::UiVisibility>,
    task_support: TaskSupport,
}

core_builders!(ToolDescriptor);

impl ToolDescriptor {
    /// A tool with a name and a description, taking no arguments.
    pub fn new(
        name: impl Into<Cow<'static, str>>,
        description: impl Into<Cow<'static, str>>,
    ) -> Self {
        let mut input_schema = SchemaObject::new();
        input_schema.insert("type".into(), Value::from("object"));
        input_schema.insert("properties".into(), Value::Object(Map::new()));
        ToolDescriptor {
            core: CapabilityCore::new(name.into(), description.into()),
            input_schema,
            output_schema: None,
            hints: ToolHints::default(),
            ui: None,
            ui_visibility: Vec::new(),
            task_support: TaskSupport::Forbidden,
        }
    }

    /// Takes the input schema from the argument type `A`.
    pub fn input<A: JsonSchema>(self) -> Self {
        self.with_input_schema(schema_for::<A>())
    }

    /// Sets the input schema; it must describe an object.
    pub fn with_input_schema(mut self, mut schema: SchemaObject) -> Self {
        schema
            .entry("properties")
            .or_insert_with(|| Value::Object(Map::new()));
        self.input_schema = schema;
        self
    }

    /// Takes the output schema from the tool's return type, if it has one.
    pub fn output<R: IntoToolResult>(self) -> Self {
        self.output_schema_from(R::output_schema)
    }

    /// Sets the output schema from a function such as `<R as IntoToolResult>::output_schema`.
    pub fn output_schema_from(mut self, schema: fn() -> Option<SchemaObject>) -> Self {
        self.output_schema = schema();
        self
    }

    /// Sets the behaviour hints.
    pub fn hints(mut self, hints: ToolHints) -> Self {
        self.hints = hints;
        self
    }

    /// Names the MCP Apps view hosts show its results in: a `ui://` resource registered with
    /// [`ResourceDescriptor::app`](super::ResourceDescriptor::app) (checked when the server is
    /// built). Hosts without apps see only the tool's usual result, so it should still say
    /// everything in text.
    pub fn ui(mut self, resource_uri: impl Into<Cow<'static, str>>) -> Self {
        self.ui = Some(resource_uri.into());
        self
    }

    /// Who may call it, for MCP Apps hosts (`_meta.ui.visibility`): `[UiVisibility::App]`
    /// makes a tool only the server's views call, which hosts hide from the model.
    pub fn ui_visibility(
        mut self,
        visibility: impl IntoIterator<Item = super::UiVisibility>,
    ) -> Self {
        for who in visibility {
            if !self.ui_visibility.contains(&who) {
                self.ui_visibility.push(who);
            }
        }
        self
    }

    /// The `ui://` resource of its view, if it has one.
    pub fn ui_resource(&self) -> Option<&str> {
        self.ui.as_deref()
    }

    /// Whether a call may run as a task (see [`crate::tasks`]); `#[tool(task)]` sets
    /// [`TaskSupport::Optional`].
    pub fn task_support(mut self, support: TaskSupport) -> Self {
        self.task_support = support;
        self
    }

    /// Whether a call may run as a task.
    pub fn tasks(&self) -> TaskSupport {
        self.task_support
    }

    /// The input schema.
    pub fn input_schema(&self) -> &SchemaObject {
        &self.input_schema
    }

    /// The output schema, for tools with structured output.
    pub fn output_schema(&self) -> Option<&SchemaObject> {
        self.output_schema.as_ref()
    }

    /// The behaviour hints.
    pub fn tool_hints(&self) -> ToolHints {
        self.hints
    }

    /// Legacy-era clients require an object at the root of `structuredContent`; a tool
    /// whose output is not an object has it wrapped as `{"result": …}` for them.
    pub(crate) fn wraps_legacy_output(&self) -> bool {
        self.output_schema
            .as_ref()
            .is_some_and(|schema| !is_object_schema(schema))
    }

    /// The tool as listed to a client of this era.
    pub fn to_wire(&self, era: Era) -> Tool {
        let annotations = ToolAnnotations {
            title: self.core.title.as_ref().map(|t| t.to_string()),
            read_only_hint: Some(self.hints.read_only),
            destructive_hint: (!self.hints.read_only).then_some(self.hints.destructive),
            idempotent_hint: (!self.hints.read_only).then_some(self.hints.idempotent),
            open_world_hint: Some(self.hints.open_world),
        };
        let output_schema = self.output_schema.as_ref().map(|schema| {
            if era == Era::Legacy && self.wraps_legacy_output() {
                serde_json::json!({
                    "type": "object",
                    "properties": { "result": schema },
                    "required": ["result"],
                })
            } else {
                Value::Object(schema.clone())
            }
        });
        Tool {
            name: self.core.name.to_string(),
            title: self.core.title.as_ref().map(|t| t.to_string()),
            description: Some(self.core.description.to_string()),
            input_schema: Value::Object(self.input_schema.clone()),
            output_schema,
            annotations,
            execution: (era == Era::Legacy && self.task_support != TaskSupport::Forbidden)
                .then(|| serde_json::json!({ "taskSupport": self.task_support.as_str() })),
            icons: self.core.icons.clone(),
            meta: Some(self.meta()),
        }
    }

    /// The `_meta` of its lists entry: the permission, and `ui.resourceUri` for a tool with a
    /// view.
    fn meta(&self) -> Map<String, Value> {
        let mut meta = self.core.permission_meta();
        let mut ui = Map::new();
        if let Some(uri) = &self.ui {
            ui.insert("resourceUri".into(), Value::from(uri.as_ref()));
        }
        if !self.ui_visibility.is_empty() {
            let who = self
                .ui_visibility
                .iter()
                .map(|who| Value::from(who.as_str()));
            ui.insert("visibility".into(), who.collect());
        }
        if !ui.is_empty() {
            meta.insert("ui".into(), Value::Object(ui));
        }
        meta
    }
}

/// The raw JSON arguments of one call, still unparsed, sharing the request's buffer.
#[derive(Clone)]
pub struct Arguments {
    message: Bytes,
    range: Option<Range<usize>>,
}

impl Arguments {
    pub(crate) fn new(message: Bytes, range: Option<Range<usize>>) -> Self {
        Arguments { message, range }
    }

    /// Arguments from a JSON value (for calling a handler directly).
    pub fn from_value(value: &Value) -> Self {
        let bytes = Bytes::from(value.to_string());
        let len = bytes.len();
        Arguments::new(bytes, Some(0..len))
    }

    /// The raw JSON text, or `{}` when the call carried no arguments.
    pub fn as_bytes(&self) -> &[u8] {
        match &self.range {
            Some(range) => &self.message[range.clone()],
            None => b"{}",
        }
    }

    /// Decodes the arguments into `T` in one pass; the error names the offending field.
    ///
    /// ```
    /// use mcp_runtime::capability::Arguments;
    ///
    /// #[derive(Debug, serde::Deserialize)]
    /// struct Args { a: i64, b: i64 }
    ///
    /// let err = Arguments::from_value(&serde_json::json!({"a": 1, "b": "x"}))
    ///     .decode::<Args>()
    ///     .unwrap_err();
    /// assert!(err.to_string().starts_with("`b`: invalid type: string \"x\", expected i64"), "{err}");
    /// ```
    pub fn decode<T: DeserializeOwned>(&self) -> Result<T, ArgumentError> {
        let bytes = self.as_bytes();
        if bytes.trim_ascii_start().first() != Some(&b'{') {
            return Err(ArgumentError("arguments must be a JSON object".into()));
        }
        // The common case decodes straight away; only a failure pays for tracking the path
        // that names the offending field.
        if let Ok(value) = serde_json::from_slice(bytes) {
            return Ok(value);
        }
        let mut deserializer = serde_json::Deserializer::from_slice(bytes);
        serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
            let path = e.path().to_string();
            let inner = e.into_inner();
            let mut message = inner.to_string();
            // serde_json appends a position within the arguments, which means nothing to a model.
            if let Some(at) = message.find(" at line ") {
                message.truncate(at);
            }
            if path == "."
                || message.starts_with("missing field")
                || message.starts_with("unknown field")
            {
                ArgumentError(message)
            } else {
                ArgumentError(format!("`{path}`: {message}"))
            }
        })
    }
}

impl fmt::Debug for Arguments {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Arguments")
            .field(&String::from_utf8_lossy(self.as_bytes()))
            .finish()
    }
}

/// Arguments that do not fit a tool's input schema.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ArgumentError(String);

/// A tool parameter mirrored into an HTTP header (`x-mcp-header` in its input schema): the
/// client sends its value as `Mcp-Param-{name}` too, so proxies can route on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderParam {
    /// The header's name without the `Mcp-Param-` prefix, as declared.
    pub name: String,
    /// The chain of `properties` keys leading to the parameter.
    pub path: Vec<String>,
}

impl ToolDescriptor {
    /// The parameters annotated with `x-mcp-header`, checked against the specification's
    /// rules: a header-name token, unique (ignoring case), on a string, integer or boolean
    /// property reachable through `properties` keys only.
    pub fn header_params(&self) -> Result<Vec<HeaderParam>, String> {
        let mut found = Vec::new();
        collect_header_params(&self.input_schema, &mut Vec::new(), &mut found)?;
        let mut seen = std::collections::HashSet::new();
        for param in &found {
            let name = &param.name;
            if !mcp_rules::header::is_token(name) {
                return Err(format!(
                    "`x-mcp-header` value `{name}` is not an HTTP header-name token"
                ));
            }
            if !seen.insert(name.to_ascii_lowercase()) {
                return Err(format!(
                    "`x-mcp-header` value `{name}` is used twice (names are compared ignoring case)"
                ));
            }
        }
        if misplaced_header(&Value::Object(self.input_schema.clone()), true) {
            return Err(
                "`x-mcp-header` may only annotate properties reached through `properties` keys"
                    .to_owned(),
            );
        }
        Ok(found)
    }
}

fn collect_header_params(
    schema: &SchemaObject,
    path: &mut Vec<String>,
    found: &mut Vec<HeaderParam>,
) -> Result<(), String> {
    let Some(Value::Object(properties)) = schema.get("properties") else {
        return Ok(());
    };
    for (key, property) in properties {
        let Value::Object(property) = property else {
            continue;
        };
        path.push(key.clone());
        if let Some(header) = property.get("x-mcp-header") {
            let Some(name) = header.as_str() else {
                return Err(format!(
                    "`x-mcp-header` of `{}` must be a string",
                    path.join(".")
                ));
            };
            let primitive = match property.get("type") {
                Some(Value::String(kind)) => {
                    matches!(kind.as_str(), "string" | "integer" | "boolean")
                }
                // An optional parameter: the type, or null.
                Some(Value::Array(kinds)) => {
                    let kinds: Vec<&str> = kinds
                        .iter()
                        .filter_map(Value::as_str)
                        .filter(|&k| k != "null")
                        .collect();
                    matches!(kinds.as_slice(), ["string" | "integer" | "boolean"])
                }
                _ => false,
            };
            if !primitive {
                return Err(format!(
                    "`x-mcp-header` on `{}`: only string, integer and boolean parameters can be mirrored into headers",
                    path.join(".")
                ));
            }
            found.push(HeaderParam {
                name: name.to_owned(),
                path: path.clone(),
            });
        }
        collect_header_params(property, path, found)?;
        path.pop();
    }
    Ok(())
}

/// True when `x-mcp-header` appears under anything but a chain of `properties` keys;
/// `reachable` says whether `value` itself is the root or reached that way.
fn misplaced_header(value: &Value, reachable: bool) -> bool {
    match value {
        Value::Object(map) => map.iter().any(|(key, child)| match (key.as_str(), child) {
            ("x-mcp-header", _) => !reachable,
            ("properties", Value::Object(properties)) if reachable => properties
                .values()
                .any(|property| misplaced_header(property, true)),
            _ => misplaced_header(child, false),
        }),
        Value::Array(items) => items.iter().any(|item| misplaced_header(item, false)),
        _ => false,
    }
}

/// One call of a tool: its arguments and the request's [`Context`].
#[derive(Debug, Clone)]
pub struct ToolCall {
    /// The raw arguments.
    pub arguments: Arguments,
    /// The request context.
    pub context: Context,
}

impl ToolCall {
    /// Decodes the arguments, or returns the error result to answer with.
    pub fn decode<T: DeserializeOwned>(&self, tool: &str) -> Result<T, CallToolResult> {
        self.arguments
            .decode()
            .map_err(|e| CallToolResult::error(format!("Invalid arguments for tool `{tool}`: {e}")))
    }

    /// Extracts an injected parameter, or returns the error result to answer with.
    pub fn extract<T: FromContext>(&self) -> Result<T, CallToolResult> {
        T::from_context(&self.context).map_err(|e| CallToolResult::error(e.to_string()))
    }
}

/// A tool the server can list and call. The `#[tool]` macro implements it; implement it by
/// hand only for tools whose shape is known at run time.
///
/// ```
/// use mcp_runtime::capability::{ToolCall, ToolDescriptor, ToolFuture, ToolHandler};
/// use mcp_runtime::prelude::*;
///
/// /// Greets in a language chosen when the server starts.
/// struct Greeter {
///     greeting: String,
/// }
///
/// #[derive(serde::Deserialize, schemars::JsonSchema)]
/// struct Args {
///     name: String,
/// }
///
/// impl ToolHandler for Greeter {
///     fn descriptor(&self) -> ToolDescriptor {
///         ToolDescriptor::new("greet", "Greets someone by name.").input::<Args>()
///     }
///
///     fn invoke(&self, call: ToolCall) -> ToolFuture {
///         let greeting = self.greeting.clone();
///         Box::pin(async move {
///             match call.decode::<Args>("greet") {
///                 Ok(args) => CallToolResult::success(vec![Content::text(format!("{greeting}, {}!", args.name))]),
///                 Err(error_result) => error_result,
///             }
///         })
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let server = Server::new("greeter", "1.0.0").tool(Greeter { greeting: "Hej".into() });
/// let client = mcp_runtime::testing::TestClient::modern(server).unwrap();
/// let result = client.call_tool("greet", serde_json::json!({"name": "Ada"})).await.unwrap();
/// assert_eq!(result.text(), "Hej, Ada!");
/// # }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a tool",
    label = "not a tool",
    note = "mark the function with `#[tool]` and register it with `.tools(tools![name])`; for methods, put `#[mcp_server]` on their `impl` block and register the value with `Server::provider`"
)]
pub trait ToolHandler: Send + Sync + 'static {
    /// Describes the tool. Called once, when the tool is registered.
    fn descriptor(&self) -> ToolDescriptor;

    /// Runs one call.
    fn invoke(&self, call: ToolCall) -> ToolFuture;
}

impl<T: ToolHandler + ?Sized> ToolHandler for Arc<T> {
    fn descriptor(&self) -> ToolDescriptor {
        (**self).descriptor()
    }

    fn invoke(&self, call: ToolCall) -> ToolFuture {
        (**self).invoke(call)
    }
}

/// A tool whose shape is known only at run time: a descriptor (with any input schema, for
/// example a hand-written JSON Schema 2020-12 document) and an async function of the call.
///
/// ```
/// use mcp_runtime::capability::{FnTool, ToolCall, ToolDescriptor};
/// use mcp_runtime::prelude::*;
/// use serde_json::json;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let schema = json!({
///     "$schema": "https://json-schema.org/draft/2020-12/schema",
///     "type": "object",
///     "properties": {"city": {"type": "string"}},
///     "required": ["city"],
///     "additionalProperties": false,
/// });
/// let weather = FnTool::new(
///     ToolDescriptor::new("weather", "Today's weather in a city.")
///         .with_input_schema(schema.as_object().unwrap().clone()),
///     |call: ToolCall| async move {
///         let args: serde_json::Value = call.arguments.decode().map_err(ToolError::from)?;
///         Ok::<_, ToolError>(format!("Sunny in {}", args["city"].as_str().unwrap_or("?")))
///     },
/// );
/// let client = mcp_runtime::testing::TestClient::modern(Server::new("w", "1").tool(weather)).unwrap();
/// let result = client.call_tool("weather", json!({"city": "Oslo"})).await.unwrap();
/// assert_eq!(result.text(), "Sunny in Oslo");
/// # }
/// ```
pub struct FnTool {
    descriptor: ToolDescriptor,
    run: Box<dyn Fn(ToolCall) -> ToolFuture + Send + Sync>,
}

impl FnTool {
    /// A tool described by `descriptor` that runs `run` for each call; its return value
    /// becomes the result as for `#[tool]` functions.
    pub fn new<F, Fut, R>(descriptor: ToolDescriptor, run: F) -> Self
    where
        F: Fn(ToolCall) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = R> + Send + 'static,
        R: IntoToolResult,
    {
        FnTool {
            descriptor,
            run: Box::new(move |call| {
                let future = run(call);
                Box::pin(async move { future.await.into_tool_result() })
            }),
        }
    }
}

impl ToolHandler for FnTool {
    fn descriptor(&self) -> ToolDescriptor {
        self.descriptor.clone()
    }

    fn invoke(&self, call: ToolCall) -> ToolFuture {
        (self.run)(call)
    }
}

impl std::fmt::Debug for FnTool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FnTool")
            .field("name", &self.descriptor.name())
            .finish_non_exhaustive()
    }
}

/// A parameter the runtime provides instead of the caller (in tools, resources and prompts):
/// [`Context`], [`Caller`](crate::permission::Caller) and [`State<T>`](crate::State).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be injected into a tool",
    note = "the runtime injects `Context`, `Caller` and `State<T>`, recognised by their names; every other parameter is an argument from the caller",
    note = "to take a type of your own named `Context`, `Caller` or `State` as an argument, import it under another name (`use my::Context as MyContext;`)"
)]
pub trait FromContext: Sized {
    /// Extracts the value from the call.
    fn from_context(context: &Context) -> Result<Self, ToolError>;
}

impl FromContext for Context {
    fn from_context(context: &Context) -> Result<Self, ToolError> {
        Ok(context.clone())
    }
}

/// Who made the request, injected into tools, resources and prompts: the subject, scopes and
/// claims of a verified bearer token, or the local user.
///
/// ```
/// use mcp_runtime::permission::Caller;
/// use mcp_runtime::prelude::*;
///
/// /// Says who is asking.
/// #[tool(read_only)]
/// fn whoami(caller: Caller) -> String {
///     match caller.claim("tenant") {
///         Some(tenant) => format!("{} of {tenant}", caller.subject()),
///         None => caller.subject().to_owned(),
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let client = mcp_runtime::testing::TestClient::modern(
///     Server::new("who", "1.0.0").tools(tools![whoami]),
/// ).unwrap();
/// let answer = client.call_tool("whoami", serde_json::json!({})).await.unwrap();
/// assert_eq!(answer.text(), "local");
/// # }
/// ```
impl FromContext for crate::permission::Caller {
    fn from_context(context: &Context) -> Result<Self, ToolError> {
        Ok(context.caller().clone())
    }
}

/// Shared state registered with [`Server::state`](crate::Server::state), injected into tools.
///
/// ```
/// use mcp_runtime::prelude::*;
/// use std::sync::atomic::{AtomicU64, Ordering};
///
/// #[derive(Default)]
/// struct Counter {
///     hits: AtomicU64,
/// }
///
/// /// Counts calls.
/// #[tool]
/// fn hit(counter: State<Counter>) -> u64 {
///     counter.hits.fetch_add(1, Ordering::Relaxed) + 1
/// }
///
/// let server = Server::new("counter", "1.0.0").state(Counter::default()).tools(tools![hit]);
/// # let _ = server;
/// ```
pub struct State<T: ?Sized>(pub Arc<T>);

impl<T: ?Sized> Clone for State<T> {
    fn clone(&self) -> Self {
        State(Arc::clone(&self.0))
    }
}

impl<T: ?Sized> std::ops::Deref for State<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for State<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("State").field(&&*self.0).finish()
    }
}

impl<T: Send + Sync + 'static> FromContext for State<T> {
    fn from_context(context: &Context) -> Result<Self, ToolError> {
        context.state::<T>().map(State).ok_or_else(|| {
            ToolError::new(format!(
                "server misconfigured: no state of type `{}` was registered (call `Server::state`)",
                std::any::type_name::<T>()
            ))
        })
    }
}

#[cfg(test)]
mod header_param_tests {
    use super::*;

    fn tool(schema: Value) -> ToolDescriptor {
        let Value::Object(schema) = schema else {
            panic!("schemas are objects")
        };
        ToolDescriptor::new("t", "d").with_input_schema(schema)
    }

    #[test]
    fn annotated_properties_are_found_through_properties_chains() {
        let params = tool(serde_json::json!({
            "type": "object",
            "properties": {
                "region": {"type": "string", "x-mcp-header": "Region"},
                "target": {"type": "object", "properties": {
                    "id": {"type": "integer", "x-mcp-header": "Target-Id"},
                }},
            },
        }))
        .header_params()
        .unwrap();
        assert_eq!(
            params,
            [
                HeaderParam {
                    name: "Region".into(),
                    path: vec!["region".into()]
                },
                HeaderParam {
                    name: "Target-Id".into(),
                    path: vec!["target".into(), "id".into()]
                },
            ]
        );
    }

    #[test]
    fn invalid_annotations_are_refused_with_the_reason() {
        let cases = [
            (
                serde_json::json!({"properties": {"a": {"type": "number", "x-mcp-header": "A"}}}),
                "only string, integer and boolean",
            ),
            (
                serde_json::json!({"properties": {"a": {"type": "string", "x-mcp-header": "A B"}}}),
                "not an HTTP header-name token",
            ),
            (
                serde_json::json!({"properties": {
                    "a": {"type": "string", "x-mcp-header": "Name"},
                    "b": {"type": "string", "x-mcp-header": "name"},
                }}),
                "used twice",
            ),
            (
                serde_json::json!({"properties": {"a": {"type": "array", "items": {"type": "string", "x-mcp-header": "A"}}}}),
                "reached through `properties` keys",
            ),
            (
                serde_json::json!({"anyOf": [{"properties": {"a": {"type": "string", "x-mcp-header": "A"}}}]}),
                "reached through `properties` keys",
            ),
        ];
        for (schema, expected) in cases {
            let error = tool(schema.clone()).header_params().unwrap_err();
            assert!(error.contains(expected), "{schema}: {error}");
        }
    }
}
