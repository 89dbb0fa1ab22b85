//! What a server serves: its tools, resources (and resource templates) and prompts, each with
//! its descriptor, its handler and whether the policy lets clients see it; checked once, when
//! the server is built.

use std::collections::HashMap;
use std::time::Duration;

use serde::Serialize;
use serde_json::Value;

use super::context::StateMap;
use super::live::{LiveList, PageSettings, Switches};
use crate::capability::{
    CapabilityCore, HeaderParam, PromptDescriptor, PromptHandler, ResourceDescriptor,
    ResourceHandler, ToolDescriptor, ToolHandler, UriTemplate,
};
use crate::error::{Error, Result};
use crate::permission::{Enforcer, Kind};

/// One registered capability.
pub(super) struct Entry<D, H: ?Sized> {
    pub(super) descriptor: D,
    pub(super) handler: Box<H>,
    /// False when the policy denies it to everyone: it is neither listed nor served.
    pub(super) listed: bool,
    /// How long a call may run.
    pub(super) timeout: Option<Duration>,
}

/// How long calls may run: a default, and overrides by name (a resource's URI).
#[derive(Debug, Clone)]
pub(crate) struct Timeouts {
    pub(crate) default: Option<Duration>,
    pub(crate) by_name: HashMap<String, Option<Duration>>,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            default: Some(Duration::from_secs(10 * 60)),
            by_name: HashMap::new(),
        }
    }
}

impl Timeouts {
    /// The limit for the capability `name`: the server's override for it, else what the
    /// capability declared, else the server's default.
    fn of(&self, name: &str, declared: Option<Duration>) -> Option<Duration> {
        match self.by_name.get(name) {
            Some(limit) => *limit,
            None => declared.or(self.default),
        }
    }
}

/// What registering a handler is checked against.
#[derive(Clone, Copy)]
struct Checks<'a> {
    state: &'a StateMap,
    permissions: &'a Enforcer,
    timeouts: &'a Timeouts,
}

/// Every capability of a server, by kind, in registration order.
pub(super) struct Registry {
    pub(super) tools: Vec<Entry<ToolDescriptor, dyn ToolHandler>>,
    tool_names: HashMap<String, usize>,
    /// The parameters each tool mirrors into `Mcp-Param-*` headers.
    header_params: Vec<Vec<HeaderParam>>,
    pub(super) resources: Vec<Entry<ResourceDescriptor, dyn ResourceHandler>>,
    templates: Vec<UriTemplate>,
    fixed: HashMap<String, usize>,
    /// Indexes of the resources whose URI has variables, in registration order.
    families: Vec<usize>,
    pub(super) prompts: Vec<Entry<PromptDescriptor, dyn PromptHandler>>,
    prompt_names: HashMap<String, usize>,
}

/// The handlers a [`Server`](super::Server) collected.
pub(super) struct Handlers {
    pub(super) tools: Vec<Box<dyn ToolHandler>>,
    pub(super) resources: Vec<Box<dyn ResourceHandler>>,
    pub(super) prompts: Vec<Box<dyn PromptHandler>>,
}

impl Registry {
    /// Describes every handler and checks what can be checked before serving: names, duplicates,
    /// URI templates, header parameters, and that every `State<T>` a handler takes is
    /// registered.
    pub(super) fn build(
        handlers: Handlers,
        state: &StateMap,
        permissions: &Enforcer,
        timeouts: &Timeouts,
    ) -> Result<Registry> {
        let checks = Checks {
            state,
            permissions,
            timeouts,
        };
        let mut registry = Registry {
            tools: Vec::with_capacity(handlers.tools.len()),
            tool_names: HashMap::with_capacity(handlers.tools.len()),
            header_params: Vec::with_capacity(handlers.tools.len()),
            resources: Vec::with_capacity(handlers.resources.len()),
            templates: Vec::with_capacity(handlers.resources.len()),
            fixed: HashMap::new(),
            families: Vec::new(),
            prompts: Vec::with_capacity(handlers.prompts.len()),
            prompt_names: HashMap::new(),
        };
        for handler in handlers.tools {
            registry.add_tool(handler, checks)?;
        }
        for handler in handlers.resources {
            registry.add_resource(handler, checks)?;
        }
        for handler in handlers.prompts {
            registry.add_prompt(handler, checks)?;
        }
        registry.check_app_views()?;
        Ok(registry)
    }

    fn add_tool(&mut self, handler: Box<dyn ToolHandler>, checks: Checks<'_>) -> Result<()> {
        let descriptor = handler.descriptor();
        let name = descriptor.name().to_owned();
        if !super::is_valid_tool_name(&name) {
            return Err(Error::InvalidToolName(name));
        }
        check_state(Kind::Tool, &name, descriptor.core(), checks.state)?;
        check_icons(Kind::Tool, &name, descriptor.core())?;
        let header_params =
            descriptor
                .header_params()
                .map_err(|reason| Error::InvalidHeaderParam {
                    tool: name.clone(),
                    reason,
                })?;
        if self.tool_names.insert(name, self.tools.len()).is_some() {
            return Err(Error::DuplicateTool(descriptor.name().to_owned()));
        }
        self.header_params.push(header_params);
        let timeout = checks
            .timeouts
            .of(descriptor.name(), descriptor.declared_timeout());
        self.tools
            .push(entry(descriptor, handler, checks.permissions, timeout));
        Ok(())
    }

    fn add_resource(
        &mut self,
        handler: Box<dyn ResourceHandler>,
        checks: Checks<'_>,
    ) -> Result<()> {
        let descriptor = handler.descriptor();
        let uri = descriptor.uri().to_owned();
        let template = UriTemplate::parse(&uri)?;
        check_state(Kind::Resource, &uri, descriptor.core(), checks.state)?;
        check_icons(Kind::Resource, &uri, descriptor.core())?;
        descriptor
            .check_app()
            .map_err(|reason| Error::InvalidAppView {
                uri: uri.clone(),
                reason,
            })?;
        let index = self.resources.len();
        if template.is_fixed() {
            if self.fixed.insert(uri.clone(), index).is_some() {
                return Err(Error::DuplicateResource(uri));
            }
        } else {
            if self
                .families
                .iter()
                .any(|&i| self.resources[i].descriptor.uri() == uri)
            {
                return Err(Error::DuplicateResource(uri));
            }
            self.families.push(index);
        }
        self.templates.push(template);
        let timeout = checks.timeouts.of(&uri, descriptor.declared_timeout());
        self.resources
            .push(entry(descriptor, handler, checks.permissions, timeout));
        Ok(())
    }

    fn add_prompt(&mut self, handler: Box<dyn PromptHandler>, checks: Checks<'_>) -> Result<()> {
        let descriptor = handler.descriptor();
        let name = descriptor.name().to_owned();
        if !super::is_valid_tool_name(&name) {
            return Err(Error::InvalidPromptName(name));
        }
        check_state(Kind::Prompt, &name, descriptor.core(), checks.state)?;
        check_icons(Kind::Prompt, &name, descriptor.core())?;
        if self
            .prompt_names
            .insert(name.clone(), self.prompts.len())
            .is_some()
        {
            return Err(Error::DuplicatePrompt(name));
        }
        let timeout = checks.timeouts.of(&name, descriptor.declared_timeout());
        self.prompts
            .push(entry(descriptor, handler, checks.permissions, timeout));
        Ok(())
    }

    /// Rewrites every tool's optional parameters in their plain, portable form
    /// ([`OptionalParameters::Omittable`](crate::capability::OptionalParameters::Omittable)).
    pub(super) fn omit_optional_nulls(&mut self) {
        for entry in &mut self.tools {
            let mut schema = Value::Object(entry.descriptor.input_schema().clone());
            crate::capability::omittable_optionals(&mut schema);
            if let Value::Object(schema) = schema {
                entry.descriptor = entry.descriptor.clone().with_input_schema(schema);
            }
        }
    }

    /// The tool called `name`, if it is switched on in `on`.
    pub(super) fn tool(&self, name: &str, on: &Switches) -> Option<usize> {
        self.tool_names
            .get(name)
            .copied()
            .filter(|&index| on.is_on(index))
    }

    /// The parameters tool `index` mirrors into headers.
    pub(super) fn header_params(&self, index: usize) -> &[HeaderParam] {
        &self.header_params[index]
    }

    /// The prompt called `name`, if it is switched on in `on`.
    pub(super) fn prompt(&self, name: &str, on: &Switches) -> Option<usize> {
        self.prompt_names
            .get(name)
            .copied()
            .filter(|&index| on.is_on(index))
    }

    /// The resource a URI names, with the variables it bound: a fixed URI first, then the
    /// templates in registration order. Resources switched off in `on` are skipped.
    pub(super) fn resource(
        &self,
        uri: &str,
        on: &Switches,
    ) -> Option<(usize, Vec<(String, String)>)> {
        if let Some(&index) = self.fixed.get(uri) {
            if on.is_on(index) {
                return Some((index, Vec::new()));
            }
        }
        self.families
            .iter()
            .filter(|&&index| on.is_on(index))
            .find_map(|&index| {
                self.templates[index]
                    .match_uri(uri)
                    .map(|bound| (index, bound))
            })
    }

    /// The resource registered with exactly this URI or URI template (as `completion/complete`
    /// names it), if it is switched on in `on`.
    pub(super) fn resource_registered_as(&self, uri: &str, on: &Switches) -> Option<usize> {
        self.resources
            .iter()
            .position(|r| r.descriptor.uri() == uri)
            .filter(|&index| on.is_on(index))
    }

    pub(super) fn has_resources(&self) -> bool {
        !self.resources.is_empty()
    }

    /// True when a resource is an MCP Apps view, so the server declares the extension.
    pub(super) fn has_apps(&self) -> bool {
        self.resources
            .iter()
            .any(|r| r.descriptor.app_view().is_some())
    }

    /// Fails when a tool names a view (`ui`) that no registered MCP Apps view is.
    fn check_app_views(&self) -> Result<()> {
        for tool in &self.tools {
            let Some(uri) = tool.descriptor.ui_resource() else {
                continue;
            };
            let is_view = self
                .fixed
                .get(uri)
                .is_some_and(|&i| self.resources[i].descriptor.app_view().is_some());
            if !is_view {
                return Err(Error::UnknownAppView {
                    tool: tool.descriptor.name().to_owned(),
                    uri: uri.to_owned(),
                });
            }
        }
        Ok(())
    }

    pub(super) fn has_prompts(&self) -> bool {
        !self.prompts.is_empty()
    }

    pub(super) fn has_completions(&self) -> bool {
        self.resources
            .iter()
            .any(|r| r.descriptor.core().has_completions())
            || self
                .prompts
                .iter()
                .any(|p| p.descriptor.core().has_completions())
    }

    /// The switches of each kind, every capability on.
    pub(super) fn switches(&self) -> [Switches; 3] {
        [
            Switches::new(self.tools.iter().map(|t| t.descriptor.name().to_owned())),
            Switches::new(self.resources.iter().map(|r| r.descriptor.uri().to_owned())),
            Switches::new(self.prompts.iter().map(|p| p.descriptor.name().to_owned())),
        ]
    }

    /// The live lists of tools, resources, templates and prompts: the ones the policy lets
    /// clients see, switched by `switches` (as [`Registry::switches`] orders them).
    pub(super) fn lists(&self, switches: &[Switches; 3], settings: &PageSettings) -> [LiveList; 4] {
        let [tools, resources, prompts] = switches;
        let listed_tools = listed(&self.tools, |_| true);
        let fixed = listed(&self.resources, |i| !self.families.contains(&i));
        let families = listed(&self.resources, |i| self.families.contains(&i));
        let listed_prompts = listed(&self.prompts, |_| true);
        [
            LiveList::new(
                "tools",
                listed_tools,
                |era, i| to_value(self.tools[i].descriptor.to_wire(era)),
                tools,
                settings,
            ),
            LiveList::new(
                "resources",
                fixed,
                |_, i| to_value(self.resources[i].descriptor.to_resource()),
                resources,
                settings,
            ),
            LiveList::new(
                "resourceTemplates",
                families,
                |_, i| to_value(self.resources[i].descriptor.to_template()),
                resources,
                settings,
            ),
            LiveList::new(
                "prompts",
                listed_prompts,
                |_, i| to_value(self.prompts[i].descriptor.to_prompt()),
                prompts,
                settings,
            ),
        ]
    }
}

fn entry<D: AsRef<CapabilityCore>, H: ?Sized>(
    descriptor: D,
    handler: Box<H>,
    permissions: &Enforcer,
    timeout: Option<Duration>,
) -> Entry<D, H> {
    let core = descriptor.as_ref();
    let listed = permissions.listed(core.name(), core.permission());
    Entry {
        descriptor,
        handler,
        listed,
        timeout,
    }
}

/// Registration indexes of the entries the policy lets clients see, among those `keep` picks.
fn listed<D, H: ?Sized>(entries: &[Entry<D, H>], keep: impl Fn(usize) -> bool) -> Vec<usize> {
    (0..entries.len())
        .filter(|&i| entries[i].listed && keep(i))
        .collect()
}

/// Fails when the capability takes a `State<T>` that nobody registered.
fn check_state(kind: Kind, name: &str, core: &CapabilityCore, state: &StateMap) -> Result<()> {
    match core
        .required_state()
        .iter()
        .find(|need| !state.contains_key(&need.type_id))
    {
        Some(need) => Err(Error::MissingState {
            kind: kind.as_str(),
            name: name.to_owned(),
            type_name: need.type_name,
        }),
        None => Ok(()),
    }
}

/// Fails on the capability's first icon that breaks the rules.
fn check_icons(kind: Kind, name: &str, core: &CapabilityCore) -> Result<()> {
    core.check_icons().map_err(|reason| Error::InvalidIcon {
        kind: kind.as_str(),
        name: name.to_owned(),
        reason,
    })
}

fn to_value<T: Serialize>(value: T) -> Value {
    serde_json::to_value(value).expect("list items always serialise")
}
