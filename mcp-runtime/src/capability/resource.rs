//! Resources: data a client reads by URI, fixed (`test://static-text`) or from a URI template
//! (`accounts://{id}`). `#[resource]` implements [`ResourceHandler`].

use std::borrow::Cow;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::str::FromStr;
use std::sync::Arc;

use base64::Engine;
use schemars::JsonSchema;
use serde::Serialize;

use super::app::{AppView, APP_MIME_TYPE};
use super::core::{core_builders, CapabilityCore};
use super::output::Json;
use crate::protocol::{Resource, ResourceContents, ResourceTemplate, RpcError};
use crate::server::Context;

/// The future a resource read returns.
pub type ResourceFuture =
    Pin<Box<dyn Future<Output = Result<Vec<ResourceContents>, RpcError>> + Send + 'static>>;

/// What a client learns about a resource, or a family of resources, from the lists.
///
/// ```
/// use mcp_runtime::capability::ResourceDescriptor;
///
/// let accounts = ResourceDescriptor::new("accounts://{id}", "account", "One account.")
///     .mime_type("application/json");
/// assert!(accounts.is_template());
/// ```
#[derive(Clone)]
pub struct ResourceDescriptor {
    core: CapabilityCore,
    uri: Cow<'static, str>,
    mime_type: Option<Cow<'static, str>>,
    /// An MCP Apps view: its `_meta.ui`.
    app: Option<AppView>,
    /// Whether lists show the permission entry in `_meta` (skill files do not).
    permission_meta: bool,
}

core_builders!(ResourceDescriptor);

impl ResourceDescriptor {
    /// A resource with a URI (or URI template), a name and a description.
    pub fn new(
        uri: impl Into<Cow<'static, str>>,
        name: impl Into<Cow<'static, str>>,
        description: impl Into<Cow<'static, str>>,
    ) -> Self {
        ResourceDescriptor {
            core: CapabilityCore::new(name.into(), description.into()),
            uri: uri.into(),
            mime_type: None,
            app: None,
            permission_meta: true,
        }
    }

    /// Leaves the permission entry out of the resource's `_meta` in lists: the skills
    /// extension reserves the `_meta` keys of skill files for its own prefix.
    pub(crate) fn without_permission_meta(mut self) -> Self {
        self.permission_meta = false;
        self
    }

    /// Suggests values for a template variable (`completion/complete`).
    pub fn complete(
        mut self,
        variable: &'static str,
        completer: impl Fn(&str) -> Vec<String> + Send + Sync + 'static,
    ) -> Self {
        self.core.add_completer(variable, Arc::new(completer));
        self
    }

    /// Sets the MIME type of the contents.
    pub fn mime_type(mut self, mime_type: impl Into<Cow<'static, str>>) -> Self {
        self.mime_type = Some(mime_type.into());
        self
    }

    /// Makes it an MCP Apps view, the HTML page a tool names with
    /// [`ToolDescriptor::ui`](super::ToolDescriptor::ui): its URI must be `ui://...` (checked
    /// when the server is built), its MIME type becomes `text/html;profile=mcp-app`, and its
    /// lists entry and contents carry `view` as `_meta.ui`.
    pub fn app(mut self, view: AppView) -> Self {
        self.mime_type = Some(Cow::Borrowed(APP_MIME_TYPE));
        self.app = Some(view);
        self
    }

    /// The view's metadata, when it is an MCP Apps view.
    pub fn app_view(&self) -> Option<&AppView> {
        self.app.as_ref()
    }

    /// What is wrong with it as an MCP Apps view, if it is one.
    pub(crate) fn check_app(&self) -> Result<(), String> {
        let Some(view) = &self.app else {
            return Ok(());
        };
        if !mcp_rules::app::is_ui_uri(&self.uri) || self.is_template() {
            return Err(format!(
                "an MCP Apps view is a fixed `ui://` resource, such as `ui://accounts/history`, not `{}`",
                self.uri
            ));
        }
        if self.mime_type.as_deref() != Some(APP_MIME_TYPE) {
            return Err(format!(
                "an MCP Apps view is served as `{APP_MIME_TYPE}`; remove the `mime_type` set after `app`"
            ));
        }
        view.check()
    }

    /// The `_meta` of its lists entry: the permission (unless left out), and `ui` for a
    /// view; none when both are missing.
    fn meta(&self) -> Option<serde_json::Map<String, serde_json::Value>> {
        let mut meta = match self.permission_meta {
            true => self.core.permission_meta(),
            false => serde_json::Map::new(),
        };
        if let Some(view) = &self.app {
            meta.insert("ui".into(), view.to_meta());
        }
        (!meta.is_empty()).then_some(meta)
    }

    /// The URI, or the URI template.
    pub fn uri(&self) -> &str {
        &self.uri
    }

    /// The MIME type of the contents, if declared.
    pub fn declared_mime_type(&self) -> Option<&str> {
        self.mime_type.as_deref()
    }

    /// True when the URI is a template with variables.
    pub fn is_template(&self) -> bool {
        self.uri.contains('{')
    }

    /// The resource as `resources/list` shows it.
    pub fn to_resource(&self) -> Resource {
        Resource {
            uri: self.uri.to_string(),
            name: self.core.name.to_string(),
            title: self.core.title.as_deref().map(str::to_owned),
            description: Some(self.core.description.to_string()),
            mime_type: self.mime_type.as_deref().map(str::to_owned),
            icons: self.core.icons.clone(),
            meta: self.meta(),
        }
    }

    /// The template as `resources/templates/list` shows it.
    pub fn to_template(&self) -> ResourceTemplate {
        ResourceTemplate {
            uri_template: self.uri.to_string(),
            name: self.core.name.to_string(),
            title: self.core.title.as_deref().map(str::to_owned),
            description: Some(self.core.description.to_string()),
            mime_type: self.mime_type.as_deref().map(str::to_owned),
            icons: self.core.icons.clone(),
            meta: self.meta(),
        }
    }
}

impl fmt::Debug for ResourceDescriptor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResourceDescriptor")
            .field("uri", &self.uri)
            .field("core", &self.core)
            .field("mime_type", &self.mime_type)
            .field("app", &self.app)
            .finish_non_exhaustive()
    }
}

/// One read of a resource: the URI asked for, the template variables it bound, and the
/// request's [`Context`].
#[derive(Debug, Clone)]
pub struct ResourceRead {
    /// The URI the client asked for.
    pub uri: String,
    variables: Vec<(String, String)>,
    /// The request context.
    pub context: Context,
    mime_type: Option<Cow<'static, str>>,
}

impl ResourceRead {
    pub(crate) fn new(
        uri: String,
        variables: Vec<(String, String)>,
        context: Context,
        mime_type: Option<Cow<'static, str>>,
    ) -> Self {
        ResourceRead {
            uri,
            variables,
            context,
            mime_type,
        }
    }

    /// The value of a template variable, parsed into `T` (any `FromStr` type whose error is
    /// `Display`).
    pub fn variable<T: FromUriVariable>(&self, name: &str) -> Result<T, RpcError> {
        let raw = self
            .variables
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .ok_or_else(|| RpcError::invalid_params(format!("the URI has no `{name}`")))?;
        T::from_uri_variable(raw)
            .map_err(|e| RpcError::invalid_params(format!("invalid `{name}` in {}: {e}", self.uri)))
    }

    /// Converts a handler's return value into the read result.
    pub fn contents<R: IntoResourceContents>(
        &self,
        value: R,
    ) -> Result<Vec<ResourceContents>, RpcError> {
        value.into_contents(&self.uri, self.mime_type.as_deref())
    }
}

/// A type a URI template variable can be parsed into: every `FromStr` type whose error is
/// `Display`. It exists for its compile error, which says what a variable's type needs.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be the type of a URI template variable",
    label = "not parsed from a string",
    note = "a variable's value is parsed with `FromStr`, whose error must be `Display`: take `String`, a number, `bool`, or a type of your own that implements `FromStr`"
)]
pub trait FromUriVariable: Sized {
    /// Parses the variable's percent-decoded value.
    fn from_uri_variable(value: &str) -> Result<Self, String>;
}

impl<T> FromUriVariable for T
where
    T: FromStr,
    T::Err: fmt::Display,
{
    fn from_uri_variable(value: &str) -> Result<Self, String> {
        value.parse().map_err(|e: T::Err| e.to_string())
    }
}

/// A resource (or resource template) the server can list and read.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a resource",
    label = "not a resource",
    note = "mark the function with `#[resource]` and register it with `.resources(resources![name])`; for methods, put `#[mcp_server]` on their `impl` block and register the value with `Server::provider`"
)]
pub trait ResourceHandler: Send + Sync + 'static {
    /// Describes it. Called once, at registration.
    fn descriptor(&self) -> ResourceDescriptor;

    /// Reads it.
    fn read(&self, read: ResourceRead) -> ResourceFuture;
}

/// Binary resource contents, sent base64-encoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blob(pub Vec<u8>);

/// A value a resource can return.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be returned from a resource",
    label = "unsupported resource return type",
    note = "a resource may return `String`, `&'static str`, `Blob` (bytes), `Json<T>`, `ResourceContents` or `Vec<ResourceContents>`, or a `Result` of one of those whose error is `Display`"
)]
pub trait IntoResourceContents {
    /// The contents, for the resource at `uri` whose declared MIME type is `mime_type`.
    fn into_contents(
        self,
        uri: &str,
        mime_type: Option<&str>,
    ) -> Result<Vec<ResourceContents>, RpcError>;
}

fn text(uri: &str, mime_type: Option<&str>, text: String) -> Vec<ResourceContents> {
    vec![ResourceContents::Text {
        uri: uri.to_owned(),
        mime_type: Some(mime_type.unwrap_or("text/plain").to_owned()),
        text,
    }]
}

impl IntoResourceContents for String {
    fn into_contents(
        self,
        uri: &str,
        mime_type: Option<&str>,
    ) -> Result<Vec<ResourceContents>, RpcError> {
        Ok(text(uri, mime_type, self))
    }
}

impl IntoResourceContents for &str {
    fn into_contents(
        self,
        uri: &str,
        mime_type: Option<&str>,
    ) -> Result<Vec<ResourceContents>, RpcError> {
        Ok(text(uri, mime_type, self.to_owned()))
    }
}

impl IntoResourceContents for Blob {
    fn into_contents(
        self,
        uri: &str,
        mime_type: Option<&str>,
    ) -> Result<Vec<ResourceContents>, RpcError> {
        Ok(vec![ResourceContents::Blob {
            uri: uri.to_owned(),
            mime_type: Some(mime_type.unwrap_or("application/octet-stream").to_owned()),
            blob: base64::engine::general_purpose::STANDARD.encode(&self.0),
        }])
    }
}

impl<T: Serialize + JsonSchema> IntoResourceContents for Json<T> {
    fn into_contents(
        self,
        uri: &str,
        mime_type: Option<&str>,
    ) -> Result<Vec<ResourceContents>, RpcError> {
        let body = serde_json::to_string(&self.0).map_err(RpcError::internal)?;
        Ok(text(
            uri,
            Some(mime_type.unwrap_or("application/json")),
            body,
        ))
    }
}

impl IntoResourceContents for ResourceContents {
    fn into_contents(self, _: &str, _: Option<&str>) -> Result<Vec<ResourceContents>, RpcError> {
        Ok(vec![self])
    }
}

impl IntoResourceContents for Vec<ResourceContents> {
    fn into_contents(self, _: &str, _: Option<&str>) -> Result<Vec<ResourceContents>, RpcError> {
        Ok(self)
    }
}

impl<T: IntoResourceContents> IntoResourceContents for Result<T, super::RequestError> {
    fn into_contents(
        self,
        uri: &str,
        mime_type: Option<&str>,
    ) -> Result<Vec<ResourceContents>, RpcError> {
        match self {
            Ok(value) => value.into_contents(uri, mime_type),
            Err(error) => Err(error.for_resource(uri)),
        }
    }
}

impl<T: IntoResourceContents, E: fmt::Display> IntoResourceContents for Result<T, E> {
    fn into_contents(
        self,
        uri: &str,
        mime_type: Option<&str>,
    ) -> Result<Vec<ResourceContents>, RpcError> {
        match self {
            Ok(value) => value.into_contents(uri, mime_type),
            Err(error) => Err(RpcError::internal(format!("reading {uri} failed: {error}"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blobs_are_base64() {
        let contents = Blob(vec![0, 1, 2])
            .into_contents("x://b", Some("image/png"))
            .unwrap();
        assert_eq!(
            contents,
            vec![ResourceContents::Blob {
                uri: "x://b".into(),
                mime_type: Some("image/png".into()),
                blob: "AAEC".into()
            }]
        );
    }

    #[test]
    fn text_defaults_to_plain() {
        let contents = "hi".into_contents("x://t", None).unwrap();
        assert!(
            matches!(&contents[0], ResourceContents::Text { mime_type: Some(m), .. } if m == "text/plain")
        );
    }

    #[test]
    fn errors_name_the_uri() {
        let err = Err::<String, _>("disk on fire")
            .into_contents("x://t", None)
            .unwrap_err();
        assert_eq!(
            err.message,
            "Internal error: reading x://t failed: disk on fire"
        );
    }
}
