//! Resources, resource templates and prompts: their registry, their lists, and the requests
//! that read, render and complete them (`resources/*`, `prompts/*`, `completion/complete`).

use std::borrow::Cow;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{json, Value};

use super::connection::{Connection, Outbound};
use super::context::Context;
use super::dispatch::{
    parse_params, run_guarded, InputParams, ListParams, MetaParams, Negotiated, Run,
};
use super::input::Binding;
use super::live::{LiveList, PageSettings, Switches};
use super::{is_valid_tool_name, Dispatcher};
use crate::capability::{
    PromptCall, PromptDescriptor, PromptHandler, ResourceDescriptor, ResourceHandler, ResourceRead,
    UriTemplate,
};
use crate::error::{Error, Result};
use crate::permission::{Enforcer, Gate, Kind, Outcome, Refusal};
use crate::protocol::{
    code, encode_result, Era, GetPromptResult, PromptMessage, RequestId, RequestMeta,
    ResourceContents, RpcError,
};

pub(super) struct Catalog {
    resources: Vec<Registered<ResourceDescriptor, dyn ResourceHandler>>,
    templates: Vec<UriTemplate>,
    fixed: HashMap<String, usize>,
    /// Indexes of the resources whose URI has variables, in registration order.
    families: Vec<usize>,
    prompts: Vec<Registered<PromptDescriptor, dyn PromptHandler>>,
    prompt_names: HashMap<String, usize>,
}

struct Registered<D, H: ?Sized> {
    descriptor: D,
    handler: Box<H>,
    /// False when the policy hides it from lists and requests.
    listed: bool,
}

impl Catalog {
    pub(super) fn build(
        resources: Vec<Box<dyn ResourceHandler>>,
        prompts: Vec<Box<dyn PromptHandler>>,
        permissions: &Enforcer,
    ) -> Result<Catalog> {
        let mut registered = Vec::with_capacity(resources.len());
        let mut templates = Vec::with_capacity(resources.len());
        let mut fixed = HashMap::new();
        let mut families = Vec::new();
        let mut seen = HashMap::new();
        for handler in resources {
            let descriptor = handler.descriptor();
            let template = UriTemplate::parse(descriptor.uri())?;
            if seen.insert(descriptor.uri().to_owned(), ()).is_some() {
                return Err(Error::DuplicateResource(descriptor.uri().to_owned()));
            }
            if template.is_fixed() {
                fixed.insert(descriptor.uri().to_owned(), registered.len());
            } else {
                families.push(registered.len());
            }
            templates.push(template);
            let listed = permissions.listed(descriptor.name(), descriptor.permission());
            registered.push(Registered {
                descriptor,
                handler,
                listed,
            });
        }
        let mut prompt_list = Vec::with_capacity(prompts.len());
        let mut prompt_names = HashMap::new();
        for handler in prompts {
            let descriptor = handler.descriptor();
            let name = descriptor.name().to_owned();
            if !is_valid_tool_name(&name) {
                return Err(Error::InvalidPromptName(name));
            }
            if prompt_names
                .insert(name.clone(), prompt_list.len())
                .is_some()
            {
                return Err(Error::DuplicatePrompt(name));
            }
            let listed = permissions.listed(&name, descriptor.permission());
            prompt_list.push(Registered {
                descriptor,
                handler,
                listed,
            });
        }

        Ok(Catalog {
            resources: registered,
            templates,
            fixed,
            families,
            prompts: prompt_list,
            prompt_names,
        })
    }

    /// The live lists of resources, templates and prompts: the ones the policy lets clients
    /// see, switched by `resources` and `prompts`.
    pub(super) fn lists(
        &self,
        resources: &Switches,
        prompts: &Switches,
        settings: &PageSettings,
    ) -> [LiveList; 3] {
        let listed = |i: &usize| self.resources[*i].listed;
        let fixed: Vec<usize> = (0..self.resources.len())
            .filter(|i| !self.families.contains(i))
            .filter(listed)
            .collect();
        let families: Vec<usize> = self.families.iter().copied().filter(listed).collect();
        let shown_prompts: Vec<usize> = (0..self.prompts.len())
            .filter(|&i| self.prompts[i].listed)
            .collect();
        [
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
                shown_prompts,
                |_, i| to_value(self.prompts[i].descriptor.to_prompt()),
                prompts,
                settings,
            ),
        ]
    }

    pub(super) fn has_resources(&self) -> bool {
        !self.resources.is_empty()
    }

    pub(super) fn has_prompts(&self) -> bool {
        !self.prompts.is_empty()
    }

    pub(super) fn has_completions(&self) -> bool {
        self.resources
            .iter()
            .any(|r| r.descriptor.has_completions())
            || self.prompts.iter().any(|p| p.descriptor.has_completions())
    }

    /// The resource a URI names, with the variables it bound: a fixed URI first, then the
    /// templates in registration order.
    /// Resources switched off by `on` are skipped.
    fn find(&self, uri: &str, on: &Switches) -> Option<(usize, Vec<(String, String)>)> {
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

    /// The descriptors of every resource and template, in registration order.
    pub(super) fn resources(&self) -> impl Iterator<Item = &ResourceDescriptor> {
        self.resources.iter().map(|r| &r.descriptor)
    }

    /// The descriptors of every prompt, in registration order.
    pub(super) fn prompts(&self) -> impl Iterator<Item = &PromptDescriptor> {
        self.prompts.iter().map(|p| &p.descriptor)
    }
}

fn to_value<T: Serialize>(value: T) -> Value {
    serde_json::to_value(value).expect("list items always serialise")
}

#[derive(Deserialize)]
struct ReadParams<'a> {
    #[serde(rename = "_meta", default)]
    meta: Option<RequestMeta>,
    uri: String,
    #[serde(
        rename = "inputResponses",
        default,
        borrow,
        deserialize_with = "super::dispatch::present"
    )]
    input_responses: Option<&'a RawValue>,
    #[serde(rename = "requestState", default, borrow)]
    request_state: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct GetPromptParams<'a> {
    #[serde(rename = "_meta", default)]
    meta: Option<RequestMeta>,
    name: String,
    #[serde(default, borrow)]
    arguments: Option<&'a RawValue>,
    #[serde(
        rename = "inputResponses",
        default,
        borrow,
        deserialize_with = "super::dispatch::present"
    )]
    input_responses: Option<&'a RawValue>,
    #[serde(rename = "requestState", default, borrow)]
    request_state: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct CompleteParams {
    #[serde(rename = "ref")]
    reference: Reference,
    argument: CompleteArgument,
}

#[derive(Deserialize)]
#[serde(tag = "type")]
enum Reference {
    #[serde(rename = "ref/prompt")]
    Prompt { name: String },
    #[serde(rename = "ref/resource")]
    Resource { uri: String },
}

#[derive(Deserialize)]
struct CompleteArgument {
    name: String,
    value: String,
}

/// At most this many completion values are sent (the specification's limit).
const MAX_COMPLETIONS: usize = 100;

impl Dispatcher {
    pub(super) fn list_catalog(
        &self,
        connection: &Connection,
        id: &RequestId,
        method: &str,
        params: Option<&RawValue>,
    ) -> Result<Vec<u8>, RpcError> {
        let params: ListParams = parse_params(params)?;
        let negotiated = self.negotiate(connection, params.meta)?;
        let catalog = &self.inner.catalog;
        let hub = &self.inner.hub;
        let pages = match method {
            "resources/list" if catalog.has_resources() => hub.resource_list.pages(),
            "resources/templates/list" if catalog.has_resources() => hub.template_list.pages(),
            "prompts/list" if catalog.has_prompts() => hub.prompt_list.pages(),
            // Not advertised in the capabilities, so not served.
            _ => return Err(RpcError::method_not_found(method)),
        };
        let page = pages.get(negotiated.version.era(), params.cursor.as_deref())?;
        Ok(encode_result(id, page))
    }

    pub(super) async fn read_resource(
        &self,
        connection: &Arc<Connection>,
        id: &RequestId,
        params: Option<&RawValue>,
        sink: Outbound,
    ) -> Result<Option<Vec<u8>>, RpcError> {
        let catalog = &self.inner.catalog;
        if !catalog.has_resources() {
            return Err(RpcError::method_not_found("resources/read"));
        }
        let params: ReadParams = parse_params(params)?;
        let negotiated = self.negotiate(connection, params.meta)?;
        let era = negotiated.version.era();
        let (index, variables) = catalog
            .find(&params.uri, &self.inner.hub.resources)
            .ok_or_else(|| not_found(era, &params.uri))?;
        let resource = &catalog.resources[index];
        let gate = self.inner.permissions.gate(
            Kind::Resource,
            resource.descriptor.name(),
            resource.descriptor.permission(),
        );
        match gate.refusal(resource.listed) {
            None => {}
            Some(Refusal::Hidden) => return Err(not_found(era, &params.uri)),
            Some(Refusal::Error(error)) => return Err(error),
            Some(Refusal::Result(message)) => return Err(RpcError::invalid_request(message)),
        }
        let mime_type = resource
            .descriptor
            .declared_mime_type()
            .map(|m| m.to_owned().into());
        let binding = Binding {
            method: "resources/read",
            name: &params.uri,
            arguments: None,
            principal: gate.principal(),
        };
        let input = InputParams {
            input_responses: params.input_responses,
            request_state: params.request_state.as_deref(),
        };
        let this = self.clone();
        let uri = params.uri.clone();
        let read = move |context| {
            let read = ResourceRead::new(uri, variables, context, mime_type);
            this.inner.catalog.resources[index].handler.read(read)
        };
        let handling = Handling {
            connection,
            id,
            negotiated,
            sink,
            gate: &gate,
            binding: &binding,
            input,
        };
        let what = || format!("reading {}", params.uri);
        let contents = match self.run_handler(handling, what, read).await? {
            Ok(contents) => contents,
            Err(answered) => return Ok(answered),
        };
        if contents.is_empty() {
            // An empty result would read as "no such resource" to some clients.
            return Err(not_found(era, &params.uri));
        }
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Wire<'a> {
            #[serde(skip_serializing_if = "Option::is_none")]
            result_type: Option<&'static str>,
            contents: &'a [ResourceContents],
            #[serde(skip_serializing_if = "Option::is_none")]
            ttl_ms: Option<u64>,
            #[serde(skip_serializing_if = "Option::is_none")]
            cache_scope: Option<&'static str>,
            #[serde(rename = "_meta", skip_serializing_if = "Option::is_none")]
            meta: Option<&'a RawValue>,
        }
        let modern = era == Era::Modern;
        Ok(Some(encode_result(
            id,
            &Wire {
                result_type: modern.then_some("complete"),
                contents: &contents,
                // Contents are produced per read and may depend on the caller.
                ttl_ms: modern.then_some(0),
                cache_scope: modern.then_some("private"),
                meta: modern.then_some(&*self.inner.server_meta),
            },
        )))
    }

    pub(super) async fn get_prompt(
        &self,
        connection: &Arc<Connection>,
        id: &RequestId,
        params: Option<&RawValue>,
        sink: Outbound,
    ) -> Result<Option<Vec<u8>>, RpcError> {
        let catalog = &self.inner.catalog;
        if !catalog.has_prompts() {
            return Err(RpcError::method_not_found("prompts/get"));
        }
        let params: GetPromptParams = parse_params(params)?;
        let negotiated = self.negotiate(connection, params.meta)?;
        let era = negotiated.version.era();
        let unknown = || {
            RpcError::invalid_params(format!(
                "Unknown prompt: {} (not found or not authorized)",
                params.name
            ))
        };
        let &index = catalog
            .prompt_names
            .get(&params.name)
            .filter(|&&index| self.inner.hub.prompts.is_on(index))
            .ok_or_else(unknown)?;
        let prompt = &catalog.prompts[index];
        let gate = self.inner.permissions.gate(
            Kind::Prompt,
            prompt.descriptor.name(),
            prompt.descriptor.permission(),
        );
        match gate.refusal(prompt.listed) {
            None => {}
            Some(Refusal::Hidden) => return Err(unknown()),
            Some(Refusal::Error(error)) => return Err(error),
            Some(Refusal::Result(message)) => return Err(RpcError::invalid_request(message)),
        }
        let arguments: HashMap<String, String> = match params.arguments {
            Some(raw) => parse_params(Some(raw))?,
            None => HashMap::new(),
        };
        if let Some(missing) = prompt
            .descriptor
            .arguments()
            .iter()
            .find(|a| a.required && !arguments.contains_key(&a.name))
        {
            return Err(RpcError::invalid_params(format!(
                "prompt `{}` needs the argument `{}`",
                params.name, missing.name
            )));
        }
        let binding = Binding {
            method: "prompts/get",
            name: &params.name,
            arguments: params.arguments,
            principal: gate.principal(),
        };
        let handling = Handling {
            connection,
            id,
            negotiated,
            sink,
            gate: &gate,
            binding: &binding,
            input: InputParams {
                input_responses: params.input_responses,
                request_state: params.request_state.as_deref(),
            },
        };
        let this = self.clone();
        let get = move |context| {
            let call = PromptCall::new(arguments, context);
            this.inner.catalog.prompts[index].handler.get(call)
        };
        let what = || format!("prompt `{}`", params.name);
        let result = match self.run_handler(handling, what, get).await? {
            Ok(result) => result,
            Err(answered) => return Ok(answered),
        };
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Wire<'a> {
            #[serde(skip_serializing_if = "Option::is_none")]
            result_type: Option<&'static str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            description: Option<&'a str>,
            messages: &'a [PromptMessage],
            #[serde(rename = "_meta", skip_serializing_if = "Option::is_none")]
            meta: Option<&'a RawValue>,
        }
        let GetPromptResult {
            description,
            messages,
        } = &result;
        let modern = era == Era::Modern;
        Ok(Some(encode_result(
            id,
            &Wire {
                result_type: modern.then_some("complete"),
                description: description.as_deref(),
                messages,
                meta: modern.then_some(&*self.inner.server_meta),
            },
        )))
    }

    pub(super) fn complete(
        &self,
        connection: &Connection,
        id: &RequestId,
        params: Option<&RawValue>,
    ) -> Result<Vec<u8>, RpcError> {
        let catalog = &self.inner.catalog;
        if !catalog.has_completions() {
            return Err(RpcError::method_not_found("completion/complete"));
        }
        let meta: MetaParams = parse_params(params)?;
        let negotiated = self.negotiate(connection, meta.meta)?;
        let params: CompleteParams = parse_params(params)?;
        let completer = match &params.reference {
            Reference::Prompt { name } => {
                let index = catalog
                    .prompt_names
                    .get(name)
                    .filter(|&&index| self.inner.hub.prompts.is_on(index))
                    .ok_or_else(|| RpcError::invalid_params(format!("Unknown prompt: {name}")))?;
                catalog.prompts[*index]
                    .descriptor
                    .completer(&params.argument.name)
            }
            Reference::Resource { uri } => {
                let resource = catalog
                    .resources
                    .iter()
                    .find(|r| r.descriptor.uri() == uri)
                    .ok_or_else(|| {
                        RpcError::invalid_params(format!("Unknown resource template: {uri}"))
                    })?;
                resource.descriptor.completer(&params.argument.name)
            }
        };
        let mut values = completer
            .map(|c| c(&params.argument.value))
            .unwrap_or_default();
        let total = values.len();
        values.truncate(MAX_COMPLETIONS);
        let modern = negotiated.version.era() == Era::Modern;
        let mut result = json!({
            "completion": {
                "values": values,
                "total": total,
                "hasMore": total > MAX_COMPLETIONS,
            }
        });
        if modern {
            result["resultType"] = json!("complete");
        }
        Ok(encode_result(id, &result))
    }
}

impl Dispatcher {
    /// `resources/subscribe` and `resources/unsubscribe`: handshake-era clients only; the
    /// modern era listens with `subscriptions/listen` instead.
    pub(super) fn subscribe(
        &self,
        connection: &Arc<Connection>,
        id: &RequestId,
        method: &str,
        params: Option<&RawValue>,
    ) -> Result<Vec<u8>, RpcError> {
        let meta: MetaParams = parse_params(params)?;
        let negotiated = self.negotiate(connection, meta.meta)?;
        let era = negotiated.version.era();
        if era == Era::Modern || !self.inner.catalog.has_resources() {
            return Err(RpcError::method_not_found(method));
        }
        let params: ReadParams = parse_params(params)?;
        if method == "resources/subscribe" {
            if self
                .inner
                .catalog
                .find(&params.uri, &self.inner.hub.resources)
                .is_none()
            {
                return Err(not_found(era, &params.uri));
            }
            connection.subscriptions().insert(&params.uri);
            self.inner.hub.subscribers.add(connection);
        } else {
            connection.subscriptions().remove(&params.uri);
        }
        Ok(encode_result(id, &json!({})))
    }
}

/// How a guarded resource read or prompt rendering ended, for the audit log.
/// A request about to run a resource's or a prompt's handler.
struct Handling<'a> {
    connection: &'a Arc<Connection>,
    id: &'a RequestId,
    negotiated: Negotiated,
    sink: Outbound,
    gate: &'a Gate<'a>,
    binding: &'a Binding<'a>,
    input: InputParams<'a>,
}

impl Dispatcher {
    /// Runs a handler the way every resource read and prompt runs: with the answers a retried
    /// request brings, after the user's confirmation when the policy wants one, isolated from
    /// panics and cancellable, and audited. `Ok(Err(answer))`: the run ended without a value
    /// (`None` when cancelled; the `input_required` answer when it asked the client).
    async fn run_handler<T, F>(
        &self,
        handling: Handling<'_>,
        what: impl FnOnce() -> String,
        invoke: impl FnOnce(Context) -> F + Send + 'static,
    ) -> Result<Result<T, Option<Vec<u8>>>, RpcError>
    where
        T: Send + 'static,
        F: Future<Output = Result<T, RpcError>> + Send + 'static,
    {
        let Handling {
            connection,
            id,
            negotiated,
            sink,
            gate,
            binding,
            input,
        } = handling;
        let input = self.input_round(&negotiated, binding, &input)?;
        let (context, cancellation, in_flight) =
            self.start(connection, id, negotiated, sink, input.clone());
        let outcome = if gate.needs_confirmation() {
            run_guarded(&cancellation, input.as_deref(), || {
                let asking = context.clone();
                gate.confirm_then(
                    asking,
                    |m| Err(RpcError::invalid_request(m)),
                    move || invoke(context),
                )
            })
            .await
        } else {
            run_guarded(&cancellation, input.as_deref(), || {
                Box::pin(invoke(context)) as Pin<Box<dyn Future<Output = _> + Send>>
            })
            .await
        };
        drop(in_flight);
        gate.finish(ended(&outcome), None);
        match outcome {
            Run::Done(value) => value.map(Ok),
            Run::Cancelled => Ok(Err(None)),
            Run::Suspended(suspension) => self.suspend(id, binding, suspension).map(Err),
            Run::Panicked(reason) => Err(panicked(&reason, &what())),
        }
    }
}

fn ended<T>(outcome: &Run<Result<T, RpcError>>) -> Outcome {
    match outcome {
        Run::Cancelled => Outcome::Cancelled,
        Run::Done(Ok(_)) => Outcome::Ok,
        Run::Done(Err(_)) => Outcome::Error,
        Run::Panicked(_) => Outcome::Panicked,
        Run::Suspended(_) => Outcome::InputRequired,
    }
}

/// The error for a handler that panicked while doing `what`.
fn panicked(reason: &str, what: &str) -> RpcError {
    tracing::error!(%reason, "{what} panicked");
    RpcError::internal(format!("{what} failed unexpectedly"))
}

/// A URI no resource answers to: `-32602` since 2026-07-28, `-32002` before.
fn not_found(era: Era, uri: &str) -> RpcError {
    let code = match era {
        Era::Modern => code::INVALID_PARAMS,
        Era::Legacy => code::RESOURCE_NOT_FOUND,
    };
    RpcError::new(code, format!("Resource not found: {uri}")).with_data(json!({ "uri": uri }))
}
