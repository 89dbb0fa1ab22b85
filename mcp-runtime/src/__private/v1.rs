//! Macro support, version 1.
//!
//! The versioned name is the rule: this module changes with any release, and generated code
//! from one version of `mcp-macros` only works with the matching `mcp-runtime`. The two are
//! released in lockstep (`mcp-runtime` pins its exact `mcp-macros`); when what the macros
//! emit and what this module offers stop matching, the version in its name changes, so that
//! a mismatched pair fails with one clear error about the module instead of many about its
//! items. Nothing here is public API: write `mcp_runtime::capability` and the prelude
//! instead.
//!
//! What is here: the blocking pool of synchronous handlers, the `Send` check of handler
//! futures, the pieces of the argument decoder and input schema of `#[tool]` (which derives
//! neither `Deserialize` nor `JsonSchema`: it emits a small map visitor and an
//! [`InputSchema`] builder call per parameter, each naming the parameter's own type, so a
//! type that cannot be an argument fails once, where the user wrote it), and what
//! `#[mcp_server]` turns an `impl` block into: a [`Provider`] listing one [`Method`] per
//! marked method. What only generated code uses is defined here rather than re-exported,
//! so that compile errors name it by the one path it has.

use std::any::type_name;
use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

use schemars::generate::{SchemaGenerator, SchemaSettings};
use schemars::JsonSchema;
use serde::de::{self, Deserialize, Deserializer, Visitor};
use serde_json::{Map, Value};

use crate::capability::{sanitize, SchemaObject};

pub use crate::capability::{
    AppPermission, AppView, FromContext, IntoPromptResult, IntoResourceContents, IntoToolResult,
    PromptCall, PromptDescriptor, PromptFuture, PromptHandler, ResourceDescriptor, ResourceFuture,
    ResourceHandler, ResourceRead, ToolCall, ToolDescriptor, ToolFuture, ToolHandler, ToolHints,
    UiVisibility,
};
pub use crate::permission::RiskLevel;
pub use crate::protocol::{CallToolResult, Icon, IconTheme, RpcError};
pub use crate::tasks::TaskSupport;
pub use schemars;
pub use serde;
pub use std;

/// What `tools![add]` puts in its array: the companion of `#[tool] fn add`, boxed.
pub fn boxed_tool(tool: impl ToolHandler) -> Box<dyn ToolHandler> {
    Box::new(tool)
}

/// What `resources![readme]` puts in its array.
pub fn boxed_resource(resource: impl ResourceHandler) -> Box<dyn ResourceHandler> {
    Box::new(resource)
}

/// What `prompts![review]` puts in its array.
pub fn boxed_prompt(prompt: impl PromptHandler) -> Box<dyn PromptHandler> {
    Box::new(prompt)
}

/// Runs a synchronous handler where blocking is allowed: on the runtime's blocking
/// threads, at most [`MAX_BLOCKING`] at once (more wait their turn without holding a
/// thread). A panic in it resumes in the caller, which reports it.
pub async fn run_blocking<R: Send + 'static>(f: impl FnOnce() -> R + Send + 'static) -> R {
    static LIMIT: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(MAX_BLOCKING);
    let permit = LIMIT.acquire().await;
    // The permit goes with the work: a call abandoned (cancelled, timed out) still holds
    // its place until the function returns.
    // The request's span and the subscriber in use go with it too, so that the handler's
    // own spans nest in the request's wherever the subscriber was installed.
    let span = tracing::Span::current();
    let dispatch = tracing::dispatcher::get_default(Clone::clone);
    let work = move || {
        let _permit = permit;
        tracing::dispatcher::with_default(&dispatch, || {
            let _entered = span.entered();
            f()
        })
    };
    match tokio::task::spawn_blocking(work).await {
        Ok(value) => value,
        Err(error) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
        Err(error) => panic!("the blocking call could not finish: {error}"),
    }
}

/// How many synchronous handlers run at once.
pub const MAX_BLOCKING: usize = 64;

/// Requires a handler's future to be `Send`, so it can run on any worker thread.
pub fn assert_send<F: std::future::Future + Send>(future: F) -> F {
    future
}

/// A group of capabilities defined on one type: what `#[mcp_server]` implements for an `impl`
/// block whose methods carry `#[tool]`, `#[resource]` or `#[prompt]`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` does not provide tools",
    label = "not a tool provider",
    note = "put `#[mcp_server]` on an `impl {Self}` block and mark its tool methods with `#[tool]`"
)]
pub trait Provider: Send + Sync + 'static {
    /// The tools of this group, each holding a handle on the shared value.
    fn tools(self: Arc<Self>) -> Vec<Box<dyn ToolHandler>>;

    /// The resources and resource templates of this group.
    fn resources(self: Arc<Self>) -> Vec<Box<dyn ResourceHandler>> {
        Vec::new()
    }

    /// The prompts of this group.
    fn prompts(self: Arc<Self>) -> Vec<Box<dyn PromptHandler>> {
        Vec::new()
    }
}

/// The descriptor of a kind of capability, naming what its handler takes and returns.
pub trait Descriptor: Sized + 'static {
    /// What one request brings: [`ToolCall`], [`ResourceRead`], [`PromptCall`].
    type Request;
    /// What serving it returns.
    type Future;
}

impl Descriptor for ToolDescriptor {
    type Request = ToolCall;
    type Future = ToolFuture;
}

impl Descriptor for ResourceDescriptor {
    type Request = ResourceRead;
    type Future = ResourceFuture;
}

impl Descriptor for PromptDescriptor {
    type Request = PromptCall;
    type Future = PromptFuture;
}

/// One method capability: the shared value plus the two functions generated for the method,
/// one describing it and one serving a request with the value. The descriptor type `D`
/// decides which handler trait it implements.
pub struct Method<S, D: Descriptor> {
    this: Arc<S>,
    describe: fn() -> D,
    handle: fn(Arc<S>, D::Request) -> D::Future,
}

impl<S: Send + Sync + 'static, D: Descriptor> Method<S, D> {
    /// Binds a method capability to the shared value.
    pub fn new(
        this: Arc<S>,
        describe: fn() -> D,
        handle: fn(Arc<S>, D::Request) -> D::Future,
    ) -> Self {
        Method {
            this,
            describe,
            handle,
        }
    }

    fn serve(&self, request: D::Request) -> D::Future {
        (self.handle)(Arc::clone(&self.this), request)
    }
}

impl<S, D: Descriptor> fmt::Debug for Method<S, D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Method")
            .field("descriptor", &type_name::<D>())
            .finish_non_exhaustive()
    }
}

impl<S: Send + Sync + 'static> ToolHandler for Method<S, ToolDescriptor> {
    fn descriptor(&self) -> ToolDescriptor {
        (self.describe)()
    }

    fn invoke(&self, call: ToolCall) -> ToolFuture {
        self.serve(call)
    }
}

impl<S: Send + Sync + 'static> ResourceHandler for Method<S, ResourceDescriptor> {
    fn descriptor(&self) -> ResourceDescriptor {
        (self.describe)()
    }

    fn read(&self, read: ResourceRead) -> ResourceFuture {
        self.serve(read)
    }
}

impl<S: Send + Sync + 'static> PromptHandler for Method<S, PromptDescriptor> {
    fn descriptor(&self) -> PromptDescriptor {
        (self.describe)()
    }

    fn get(&self, call: PromptCall) -> PromptFuture {
        self.serve(call)
    }
}

/// Builds a tool's input schema one property at a time.
#[derive(Debug)]
pub struct InputSchema {
    generator: SchemaGenerator,
    properties: Map<String, Value>,
    required: Vec<Value>,
}

impl Default for InputSchema {
    fn default() -> Self {
        Self::new()
    }
}

impl InputSchema {
    /// An object schema with no properties yet.
    pub fn new() -> Self {
        InputSchema {
            generator: SchemaSettings::draft2020_12().into_generator(),
            properties: Map::new(),
            required: Vec::new(),
        }
    }

    /// Adds a property of type `T`.
    pub fn property<T: SchemaParameter + ?Sized>(
        mut self,
        name: &str,
        description: Option<&str>,
        required: bool,
    ) -> Self {
        let mut schema = self.generator.subschema_for::<T>().to_value();
        if let (Some(text), Value::Object(map)) = (description, &mut schema) {
            map.insert("description".into(), Value::from(text));
        }
        self.properties.insert(name.to_owned(), schema);
        if required {
            self.required.push(Value::from(name));
        }
        self
    }

    /// Marks property `name` as mirrored into the `Mcp-Param-{header}` HTTP header
    /// (`x-mcp-header`).
    pub fn header(mut self, name: &str, header: &str) -> Self {
        if let Some(Value::Object(property)) = self.properties.get_mut(name) {
            property.insert("x-mcp-header".into(), Value::from(header));
        }
        self
    }

    /// The finished schema, sanitised for clients.
    pub fn finish(mut self) -> SchemaObject {
        let mut root = Map::new();
        root.insert("type".into(), Value::from("object"));
        root.insert("properties".into(), Value::Object(self.properties));
        if !self.required.is_empty() {
            root.insert("required".into(), Value::Array(self.required));
        }
        let defs = self.generator.take_definitions(true);
        if !defs.is_empty() {
            root.insert("$defs".into(), Value::Object(defs));
        }
        match sanitize(Value::Object(root)) {
            Value::Object(map) => map,
            _ => unreachable!("an object schema stays an object"),
        }
    }
}

/// A key of the arguments object, borrowed from the input when it has no escapes.
#[derive(Debug)]
pub struct ArgumentKey<'de>(pub Cow<'de, str>);

impl std::ops::Deref for ArgumentKey<'_> {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for ArgumentKey<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;

        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = ArgumentKey<'de>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an argument name")
            }

            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(ArgumentKey(Cow::Borrowed(v)))
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(ArgumentKey(Cow::Owned(v.to_owned())))
            }

            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(ArgumentKey(Cow::Owned(v)))
            }
        }

        deserializer.deserialize_str(KeyVisitor)
    }
}

/// A type a tool argument can be decoded into: every `Deserialize` type. It exists for its
/// compile error, which names the derive to add.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a tool parameter: it does not implement `serde::Deserialize`",
    label = "not `Deserialize`",
    note = "arguments arrive as JSON: add `#[derive(serde::Deserialize)]` to `{Self}` (with `serde = {{ version = \"1\", features = [\"derive\"] }}` in Cargo.toml), or take a type that implements it"
)]
pub trait Argument<'de>: Deserialize<'de> {}

impl<'de, T: Deserialize<'de>> Argument<'de> for T {}

/// The value of the argument the map is at, decoded as `T` (which must be an [`Argument`]).
pub fn next_argument<'de, T: Argument<'de>, M: de::MapAccess<'de>>(
    map: &mut M,
) -> Result<T, M::Error> {
    map.next_value::<T>()
}

/// A type a tool parameter's schema comes from: every `JsonSchema` type of schemars 1. It
/// exists for its compile error, which names the derive to add.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a tool parameter: it does not implement `schemars::JsonSchema` (schemars 1)",
    label = "no JSON Schema",
    note = "the tool's input schema is generated from its parameters' types: add `#[derive(schemars::JsonSchema)]` to `{Self}` (with `schemars = \"1\"` in Cargo.toml; a derive from schemars 0.8 implements an older trait that does not count), or take a type that implements it"
)]
pub trait SchemaParameter: JsonSchema {}

impl<T: JsonSchema + ?Sized> SchemaParameter for T {}

/// The value of an argument the caller left out: `None` for `Option`s, otherwise a
/// "missing field" error.
pub fn missing_argument<'de, T: Argument<'de>, E: de::Error>(name: &'static str) -> Result<T, E> {
    T::deserialize(MissingArgument(name, PhantomData))
}

struct MissingArgument<E>(&'static str, PhantomData<E>);

impl<'de, E: de::Error> Deserializer<'de> for MissingArgument<E> {
    type Error = E;

    fn deserialize_any<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, E> {
        Err(E::missing_field(self.0))
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        visitor.visit_none()
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

/// The `expecting` text of every generated argument visitor.
pub fn expecting_arguments(f: &mut fmt::Formatter<'_>) -> fmt::Result {
    f.write_str("an object of tool arguments")
}

#[cfg(test)]
mod tests;
