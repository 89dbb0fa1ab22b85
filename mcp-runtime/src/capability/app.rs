//! MCP Apps (the `io.modelcontextprotocol/ui` extension): a tool names an HTML view, served
//! as a `ui://` resource of MIME type `text/html;profile=mcp-app`, that hosts show with the
//! tool's result. The view declares what it reaches beyond itself: the origins of its
//! Content Security Policy and the browser permissions it asks for.
//!
//! ```
//! use mcp_runtime::capability::{AppView, ResourceDescriptor, ToolDescriptor};
//!
//! let view = ResourceDescriptor::new("ui://accounts/history", "history_view", "Transfers as a table.")
//!     .app(AppView::new().connect_domains(["https://api.example.com"]).prefers_border(true));
//! assert_eq!(view.declared_mime_type(), Some("text/html;profile=mcp-app"));
//! let tool = ToolDescriptor::new("transfer_history", "Lists transfers.").ui("ui://accounts/history");
//! assert_eq!(tool.ui_resource(), Some("ui://accounts/history"));
//! ```

use std::borrow::Cow;

use serde_json::{Map, Value};

/// The identifier of the MCP Apps extension, the key under `capabilities.extensions`.
pub const APP_EXTENSION: &str = mcp_rules::app::EXTENSION;

/// The MIME type of an app's HTML view.
pub const APP_MIME_TYPE: &str = mcp_rules::app::MIME_TYPE;

/// What a view reaches beyond itself and how it would like to be shown: its resource's
/// `_meta.ui`. Hosts build the view's Content Security Policy from the domain lists; a list
/// left empty allows nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AppView {
    connect_domains: Vec<Cow<'static, str>>,
    resource_domains: Vec<Cow<'static, str>>,
    frame_domains: Vec<Cow<'static, str>>,
    base_uri_domains: Vec<Cow<'static, str>>,
    permissions: Vec<AppPermission>,
    domain: Option<Cow<'static, str>>,
    prefers_border: Option<bool>,
}

/// Who may call a tool, as MCP Apps hosts read it (`_meta.ui.visibility`); both when not
/// declared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum UiVisibility {
    /// The model sees the tool and may call it.
    Model,
    /// The server's views may call it (a refresh button, a form); hosts hide a tool that is
    /// only this from the model.
    App,
}

impl UiVisibility {
    /// The value in `_meta.ui.visibility`.
    pub fn as_str(self) -> &'static str {
        match self {
            UiVisibility::Model => "model",
            UiVisibility::App => "app",
        }
    }
}

/// A browser capability a view may ask the host for (`_meta.ui.permissions`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AppPermission {
    /// The camera.
    Camera,
    /// The microphone.
    Microphone,
    /// The user's location.
    Geolocation,
    /// Writing to the clipboard.
    ClipboardWrite,
}

impl AppPermission {
    /// The key under `_meta.ui.permissions`.
    pub fn as_str(self) -> &'static str {
        match self {
            AppPermission::Camera => "camera",
            AppPermission::Microphone => "microphone",
            AppPermission::Geolocation => "geolocation",
            AppPermission::ClipboardWrite => "clipboardWrite",
        }
    }
}

fn extend(
    list: &mut Vec<Cow<'static, str>>,
    items: impl IntoIterator<Item = impl Into<Cow<'static, str>>>,
) {
    list.extend(items.into_iter().map(Into::into));
}

impl AppView {
    /// A view that reaches nothing outside itself.
    pub fn new() -> Self {
        AppView::default()
    }

    /// Origins it fetches from or opens sockets to (CSP `connect-src`), such as
    /// `https://api.example.com` or `wss://live.example.com`.
    pub fn connect_domains(
        mut self,
        origins: impl IntoIterator<Item = impl Into<Cow<'static, str>>>,
    ) -> Self {
        extend(&mut self.connect_domains, origins);
        self
    }

    /// Origins it loads scripts, styles, images, fonts and media from; `https://*.example.com`
    /// names every subdomain.
    pub fn resource_domains(
        mut self,
        origins: impl IntoIterator<Item = impl Into<Cow<'static, str>>>,
    ) -> Self {
        extend(&mut self.resource_domains, origins);
        self
    }

    /// Origins it may embed in frames (CSP `frame-src`).
    pub fn frame_domains(
        mut self,
        origins: impl IntoIterator<Item = impl Into<Cow<'static, str>>>,
    ) -> Self {
        extend(&mut self.frame_domains, origins);
        self
    }

    /// Origins its `<base>` element may name (CSP `base-uri`).
    pub fn base_uri_domains(
        mut self,
        origins: impl IntoIterator<Item = impl Into<Cow<'static, str>>>,
    ) -> Self {
        extend(&mut self.base_uri_domains, origins);
        self
    }

    /// Asks the host for a browser capability; it may not be granted.
    pub fn permission(mut self, permission: AppPermission) -> Self {
        if !self.permissions.contains(&permission) {
            self.permissions.push(permission);
        }
        self
    }

    /// A dedicated origin to sandbox the view in, in the form the host documents.
    pub fn domain(mut self, domain: impl Into<Cow<'static, str>>) -> Self {
        self.domain = Some(domain.into());
        self
    }

    /// Whether the host should draw a border and background around the view.
    pub fn prefers_border(mut self, border: bool) -> Self {
        self.prefers_border = Some(border);
        self
    }

    /// The first origin that is not `scheme://host[:port]`, with what is wrong with it.
    pub(crate) fn check(&self) -> Result<(), String> {
        use mcp_rules::app::OriginError;
        let lists = [
            &self.connect_domains,
            &self.resource_domains,
            &self.frame_domains,
            &self.base_uri_domains,
        ];
        for origin in lists.into_iter().flatten() {
            let reason = match mcp_rules::app::origin(origin) {
                Ok(()) => continue,
                Err(OriginError::NoScheme) => "it has no scheme; write `https://host`".to_owned(),
                Err(OriginError::Scheme(scheme)) => {
                    format!("`{scheme}:` is not a web origin; use `https:` or `wss:`")
                }
                Err(OriginError::NoHost) => "it has no host".to_owned(),
                Err(OriginError::Path) => "a policy lists origins only; remove the path".to_owned(),
                Err(OriginError::Wildcard) => {
                    "`*` may only be the first label, as in `https://*.example.com`".to_owned()
                }
                Err(OriginError::Character(c)) => format!("{c:?} would break the policy"),
            };
            return Err(format!("invalid origin `{origin}`: {reason}"));
        }
        Ok(())
    }

    /// The `_meta.ui` object.
    pub fn to_meta(&self) -> Value {
        let mut csp = Map::new();
        for (key, list) in [
            ("connectDomains", &self.connect_domains),
            ("resourceDomains", &self.resource_domains),
            ("frameDomains", &self.frame_domains),
            ("baseUriDomains", &self.base_uri_domains),
        ] {
            if !list.is_empty() {
                csp.insert(
                    key.into(),
                    list.iter().map(|o| Value::from(o.as_ref())).collect(),
                );
            }
        }
        let mut ui = Map::new();
        if !csp.is_empty() {
            ui.insert("csp".into(), Value::Object(csp));
        }
        if !self.permissions.is_empty() {
            let permissions = self
                .permissions
                .iter()
                .map(|p| (p.as_str().to_owned(), Value::Object(Map::new())))
                .collect();
            ui.insert("permissions".into(), Value::Object(permissions));
        }
        if let Some(domain) = &self.domain {
            ui.insert("domain".into(), Value::from(domain.as_ref()));
        }
        if let Some(border) = self.prefers_border {
            ui.insert("prefersBorder".into(), Value::Bool(border));
        }
        Value::Object(ui)
    }
}
