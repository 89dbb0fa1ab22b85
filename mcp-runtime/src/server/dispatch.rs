//! Answering one message: decoding it, the era and version check, and routing by method to
//! the handlers of each request family (one file each in this module).

use std::borrow::Cow;
use std::sync::Arc;

use bytes::Bytes;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{json, Value};
use tokio_util::sync::CancellationToken;

use super::connection::{Connection, InFlight, Outbound};
use super::context::{Context, ContextParts, StateMap};
use super::input::{Binding, InputRound, Sealer, Suspension};
use super::lists::{self, ModernExtras};
use super::live::PageSettings;
use super::pipeline::Request;
use super::registry::{Handlers, Registry};
use super::subscriptions::Hub;
use super::Server;
use crate::capability::OptionalParameters;
use crate::capability::{HeaderParam, ToolDescriptor};
use crate::error::{Error, Result};
use crate::permission::Enforcer;
use crate::protocol::{
    code, encode_error, encode_result, Era, Implementation, Incoming, LogLevel, ProgressToken,
    ProtocolVersion, RequestId, RequestMeta, RpcError,
};

/// A built server, ready to answer messages from any number of connections.
///
/// Transports call [`Dispatcher::handle`] with one raw message and write back what it returns.
/// Cloning is cheap; every clone serves the same tools and state.
#[derive(Clone)]
pub struct Dispatcher {
    pub(crate) inner: Arc<Inner>,
}

impl std::fmt::Debug for Dispatcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dispatcher")
            .field("info", &self.inner.info)
            .finish_non_exhaustive()
    }
}

pub(crate) struct Inner {
    pub(super) info: Implementation,
    pub(super) instructions: Option<String>,
    pub(super) registry: Registry,
    pub(super) hub: Arc<Hub>,
    state: Arc<StateMap>,
    /// What `initialize` advertises (discovery's are encoded in `discover`).
    pub(super) capabilities: Value,
    pub(super) discover: Box<RawValue>,
    pub(super) server_meta: Box<RawValue>,
    pub(super) permissions: Enforcer,
    /// The skills served, if any (the skills extension).
    pub(super) skills: Option<crate::skills::Catalog>,
    sealer: Sealer,
    /// Where tasks are kept; `None` when no tool may run as a task.
    pub(super) tasks: Option<super::tasks::Tasks>,
    /// The layers registered with `Server::layer`, around the server's own handling.
    layers: Option<crate::middleware::McpService>,
    #[cfg(feature = "metrics")]
    pub(super) metrics: Option<crate::metrics::Metrics>,
    /// The store shared with other replicas, if any (`--store`).
    #[cfg(feature = "redis")]
    pub(super) shared: Option<crate::store::Shared>,
}

/// What a request's era and version resolved to.
#[derive(Clone)]
pub(super) struct Negotiated {
    pub(super) version: ProtocolVersion,
    client_info: Option<Arc<Implementation>>,
    log_level: Option<LogLevel>,
    progress_token: Option<ProgressToken>,
    client_capabilities: Option<serde_json::Map<String, Value>>,
}

impl Negotiated {
    /// The client capabilities a 2026-07-28 request declared in its `_meta`.
    pub(super) fn client_capabilities(&self) -> Option<&serde_json::Map<String, Value>> {
        self.client_capabilities.as_ref()
    }
}

#[derive(Deserialize, Default)]
pub(super) struct MetaParams {
    #[serde(rename = "_meta", default)]
    pub(super) meta: Option<RequestMeta>,
}

#[derive(Deserialize, Default)]
pub(super) struct ListParams {
    #[serde(rename = "_meta", default)]
    pub(super) meta: Option<RequestMeta>,
    #[serde(default)]
    pub(super) cursor: Option<String>,
}

/// The parameters of a request that runs a capability: `tools/call` and `prompts/get` name
/// it and pass arguments, `resources/read` gives a URI; in the 2026-07-28 era a retry brings
/// the client's answers and the sealed state.
#[derive(Deserialize)]
pub(super) struct CapabilityParams<'a> {
    #[serde(rename = "_meta", default)]
    pub(super) meta: Option<RequestMeta>,
    #[serde(default, borrow, deserialize_with = "crate::protocol::borrow_str")]
    name: Option<Cow<'a, str>>,
    #[serde(default, borrow, deserialize_with = "crate::protocol::borrow_str")]
    uri: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    pub(super) arguments: Option<&'a RawValue>,
    #[serde(
        rename = "inputResponses",
        default,
        borrow,
        deserialize_with = "present"
    )]
    input_responses: Option<&'a RawValue>,
    #[serde(
        rename = "requestState",
        default,
        borrow,
        deserialize_with = "crate::protocol::borrow_str"
    )]
    request_state: Option<Cow<'a, str>>,
    /// 2025-11-25: the client asks for the call to run as a task (`{"ttl": ms}`).
    #[serde(default, borrow)]
    pub(super) task: Option<&'a RawValue>,
}

impl<'a> CapabilityParams<'a> {
    /// Reads the parameters; `field` (`name` or `uri`) must be there.
    pub(super) fn parse(params: Option<&'a RawValue>, field: &str) -> Result<Self, RpcError> {
        let parsed: Self = parse_params(params)?;
        if parsed.named(field).is_none() {
            return Err(RpcError::invalid_params(format!("missing field `{field}`")));
        }
        Ok(parsed)
    }

    /// The `name` or the `uri`.
    pub(super) fn named(&self, field: &str) -> Option<&str> {
        match field {
            "uri" => self.uri.as_deref(),
            _ => self.name.as_deref(),
        }
    }

    /// What a retry brings.
    pub(super) fn input(&self) -> InputParams<'_> {
        InputParams {
            input_responses: self.input_responses,
            request_state: self.request_state.as_deref(),
        }
    }
}

/// Reads a field that is there, even as `null` (which `Option` alone would read as absent).
pub(super) fn present<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<&'de RawValue>, D::Error> {
    <&RawValue>::deserialize(deserializer).map(Some)
}

/// What a retried 2026-07-28 request carries: the client's answers and the sealed state.
pub(super) struct InputParams<'a> {
    pub(super) input_responses: Option<&'a RawValue>,
    pub(super) request_state: Option<&'a str>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CancelledParams {
    request_id: RequestId,
}

/// Switches off the capabilities named in `disabled`, and checks that every name given to
/// the server's settings (`disabled`, `timed`) names a capability.
fn switch_off<'a>(
    switches: &[super::live::Switches; 3],
    disabled: &[String],
    timed: impl IntoIterator<Item = &'a String>,
) -> Result<()> {
    for name in timed {
        if switches.iter().all(|kind| kind.index(name).is_none()) {
            return Err(Error::UnknownCapability(name.clone()));
        }
    }
    for name in disabled {
        let known = switches
            .iter()
            .filter_map(|kind| kind.set(name, false))
            .count();
        if known == 0 {
            return Err(Error::UnknownCapability(name.clone()));
        }
    }
    Ok(())
}

impl Dispatcher {
    pub(crate) fn new(server: Server) -> Result<Self> {
        let permissions = Enforcer::new(server.policy, server.audit);
        let skills = crate::skills::Catalog::load(&server.skills)?;
        let mut resources = server.resources;
        if let Some(catalog) = &skills {
            resources.extend(catalog.resources());
        }
        let handlers = Handlers {
            tools: server.tools,
            resources,
            prompts: server.prompts,
        };
        let mut registry =
            Registry::build(handlers, &server.state, &permissions, &server.timeouts)?;
        if server.optional_parameters == OptionalParameters::Omittable {
            registry.omit_optional_nulls();
        }
        let server_meta = lists::server_meta(&server.info);
        let extras = ModernExtras {
            meta: &server_meta,
            ttl_ms: u64::try_from(server.list_ttl.as_millis()).unwrap_or(u64::MAX),
        };
        let settings = PageSettings {
            page_size: server.page_size,
            meta: server_meta.clone(),
            ttl_ms: extras.ttl_ms,
        };
        let switches = registry.switches();
        switch_off(&switches, &server.disabled, server.timeouts.by_name.keys())?;
        let [tool_list, resource_list, template_list, prompt_list] =
            registry.lists(&switches, &settings);
        let [tools, resources, prompts] = switches;
        let hub = Arc::new(Hub {
            subscribers: Default::default(),
            listeners: Default::default(),
            tools,
            resources,
            prompts,
            tool_list,
            resource_list,
            template_list,
            prompt_list,
            settings,
            #[cfg(feature = "redis")]
            fanout: server.shared.clone().map(super::fanout::Fanout::new),
            #[cfg(feature = "redis")]
            sessions: server
                .shared
                .clone()
                .map(crate::store::sessions::SessionStore::new),
        });
        #[cfg(feature = "redis")]
        super::fanout::Fanout::start(&hub);
        let features = lists::Features {
            tools: !registry.tools.is_empty(),
            resources: registry.has_resources(),
            prompts: registry.has_prompts(),
            completions: registry.has_completions(),
            apps: registry.has_apps(),
            tasks: registry
                .tools
                .iter()
                .any(|tool| tool.descriptor.tasks() != crate::tasks::TaskSupport::Forbidden),
            skills: skills.is_some(),
        };
        let tasks = features.tasks.then(|| super::tasks::Tasks {
            store: server
                .task_store
                .unwrap_or_else(|| Arc::new(crate::tasks::MemoryTaskStore::default())),
            settings: server.task_settings,
        });
        let capabilities = lists::capabilities(features, Era::Legacy);
        let discover = lists::discover_result(
            &lists::capabilities(features, Era::Modern),
            server.instructions.as_deref(),
            &extras,
        );
        let layers = server.layers;
        Ok(Dispatcher {
            inner: Arc::new_cyclic(|weak| Inner {
                info: server.info,
                instructions: server.instructions,
                registry,
                hub,
                state: Arc::new(server.state),
                capabilities,
                discover,
                server_meta,
                permissions,
                skills,
                sealer: Sealer::new(
                    server.request_state_keys,
                    server.request_state_ttl,
                    #[cfg(feature = "redis")]
                    server.shared.clone(),
                ),
                tasks,
                layers: crate::middleware::compose(layers, weak.clone()),
                #[cfg(feature = "metrics")]
                metrics: server.metrics,
                #[cfg(feature = "redis")]
                shared: server.shared,
            }),
        })
    }

    /// The metrics requests are counted in, if any (see [`Server::metrics`](crate::Server::metrics)).
    #[cfg(feature = "metrics")]
    pub fn metrics(&self) -> Option<&crate::metrics::Metrics> {
        self.inner.metrics.as_ref()
    }

    /// The store shared with other replicas, if the server was given one (`--store`).
    #[cfg(feature = "redis")]
    pub(crate) fn shared(&self) -> Option<&crate::store::Shared> {
        self.inner.shared.as_ref()
    }

    /// The server's name and version.
    pub fn info(&self) -> &Implementation {
        &self.inner.info
    }

    /// The descriptors of every registered tool, in registration order.
    pub fn tools(&self) -> impl Iterator<Item = &ToolDescriptor> {
        self.inner.registry.tools.iter().map(|t| &t.descriptor)
    }

    /// The parameters of tool `name` that HTTP clients mirror into `Mcp-Param-*` headers.
    pub fn header_params(&self, name: &str) -> &[HeaderParam] {
        let registry = &self.inner.registry;
        match registry.tool(name, &self.inner.hub.tools) {
            // A hidden tool has none, so that headers do not tell it exists.
            Some(index) if registry.tools[index].listed => registry.header_params(index),
            _ => &[],
        }
    }

    /// A handle that tells subscribed clients a resource changed.
    pub fn notifier(&self) -> super::Notifier {
        super::Notifier {
            hub: Arc::clone(&self.inner.hub),
        }
    }

    /// The descriptors of every registered resource and resource template.
    pub fn resources(&self) -> impl Iterator<Item = &crate::capability::ResourceDescriptor> {
        self.inner.registry.resources.iter().map(|r| &r.descriptor)
    }

    /// The descriptors of every registered prompt.
    pub fn prompts(&self) -> impl Iterator<Item = &crate::capability::PromptDescriptor> {
        self.inner.registry.prompts.iter().map(|p| &p.descriptor)
    }

    /// Answers one raw JSON-RPC message received on `connection`.
    ///
    /// Returns the encoded response for a request (or for a message too broken to tell),
    /// and `None` for notifications, responses, and requests the client cancelled.
    /// Notifications a request sends while it runs go to the connection's outbound channel.
    ///
    /// This is all a transport of your own needs: one [`Connection`] per client, whose
    /// outbound channel it drains to the client, and one call per message it receives.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use mcp_runtime::prelude::*;
    /// use mcp_runtime::server::Connection;
    ///
    /// /// Adds two integers.
    /// #[tool(inline)]
    /// fn add(a: i64, b: i64) -> i64 { a + b }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> mcp_runtime::Result<()> {
    /// let dispatcher = Server::new("calculator", "1.0.0").tools(tools![add]).build()?;
    /// // Server-to-client messages (progress, questions) arrive on `outbound`.
    /// let (tx, _outbound) = tokio::sync::mpsc::channel(64);
    /// let connection = Arc::new(Connection::new(tx));
    /// let message = br#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"add","arguments":{"a":2,"b":3},"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}}"#;
    /// let answer = dispatcher.handle(&connection, bytes::Bytes::from_static(message)).await;
    /// let answer: serde_json::Value = serde_json::from_slice(&answer.unwrap()).unwrap();
    /// assert_eq!(answer["result"]["content"][0]["text"], "5");
    /// # Ok(())
    /// # }
    /// ```
    pub async fn handle(&self, connection: &Arc<Connection>, message: Bytes) -> Option<Vec<u8>> {
        let sink = connection.outbound().clone();
        self.reply(connection, message, sink)
            .await
            .map(|r| r.message)
    }

    /// Like [`Dispatcher::handle`], sending the request's notifications (progress, log
    /// messages) to `sink`, and telling which error, if any, the answer carries (HTTP maps
    /// some to status codes).
    pub async fn reply(
        &self,
        connection: &Arc<Connection>,
        message: Bytes,
        sink: Outbound,
    ) -> Option<Reply> {
        self.reply_in_trace(connection, message, sink, None).await
    }

    /// Like [`Dispatcher::reply`], for a message whose transport carried the caller's trace
    /// context (HTTP's `traceparent` and `tracestate` headers).
    pub(crate) async fn reply_in_trace(
        &self,
        connection: &Arc<Connection>,
        message: Bytes,
        sink: Outbound,
        trace: Option<super::span::TraceHeaders>,
    ) -> Option<Reply> {
        let incoming = match Incoming::decode(&message) {
            Ok(incoming) => incoming,
            Err(e) => {
                return Some(Reply {
                    message: encode_error(e.id.as_ref(), &e.error),
                    error_code: Some(e.error.code),
                })
            }
        };
        match incoming {
            Incoming::Request { id, method, params } => {
                #[cfg(feature = "metrics")]
                let timer = self.inner.metrics.as_ref().map(|m| m.request(&method));
                #[cfg(feature = "metrics")]
                let started = timer.as_ref().map(crate::metrics::RequestTimer::started);
                #[cfg(not(feature = "metrics"))]
                let started = None;
                let mut traced =
                    super::span::request(connection, &id, &method, params, trace.as_ref(), started);
                let answer = match &self.inner.layers {
                    // Without a subscriber that wants the span, the request is not wrapped in it.
                    None if traced.span.is_disabled() => {
                        let serve = self.request(connection, &message, &id, &method, params, sink);
                        traced.scoped(serve).await
                    }
                    None => {
                        let serve = tracing::Instrument::instrument(
                            self.request(connection, &message, &id, &method, params, sink),
                            traced.span.clone(),
                        );
                        traced.scoped(serve).await
                    }
                    Some(layers) => {
                        let serve =
                            self.layered(layers, connection, &message, &id, &method, params, sink);
                        let serve = tracing::Instrument::instrument(serve, traced.span.clone());
                        traced.scoped(serve).await
                    }
                };
                let reply = match answer {
                    Answer::Encoded(bytes) => Some(Reply {
                        message: bytes,
                        error_code: None,
                    }),
                    Answer::Error(error) => {
                        traced.failed(&error);
                        Some(Reply {
                            message: encode_error(Some(&id), &error),
                            error_code: Some(error.code),
                        })
                    }
                    Answer::Cancelled => None,
                };
                #[cfg(feature = "metrics")]
                if let (Some(timer), Some(reply)) = (timer, &reply) {
                    traced.ended_at(timer.finish(reply.error_code.is_some()));
                }
                reply
            }
            Incoming::Notification { method, params } => {
                self.notification(connection, &method, params);
                None
            }
            Incoming::Response { id, outcome } => {
                let answer = match outcome {
                    Ok(result) => serde_json::from_str(result.get()).map_err(RpcError::parse_error),
                    Err(error) => Err(error),
                };
                if !connection.answer(&id, answer) {
                    tracing::debug!(%id, "response to an unknown request ignored");
                }
                None
            }
        }
    }

    async fn request(
        &self,
        connection: &Arc<Connection>,
        message: &Bytes,
        id: &RequestId,
        method: &str,
        params: Option<&RawValue>,
        sink: Outbound,
    ) -> Answer {
        // A replica sharing a store serves once it knows what the others switched off.
        self.inner.hub.ready().await;
        let request = Request {
            connection,
            message,
            id,
            sink,
        };
        let outcome = match method {
            "tools/call" => return self.call_tool(request, params).await,
            "resources/read" => return self.read_resource(request, params).await.into(),
            "prompts/get" => return self.get_prompt(request, params).await.into(),
            "tools/list" | "resources/list" | "resources/templates/list" | "prompts/list" => {
                self.list(connection, id, method, params)
            }
            "completion/complete" => self.complete(connection, id, params),
            "skills/list" => self.list_skills(connection, id, params),
            "skills/get" => self.get_skill(connection, id, params),
            "resources/directory/read" => self.read_directory(connection, id, params),
            "resources/subscribe" | "resources/unsubscribe" => {
                self.subscribe(connection, id, method, params)
            }
            "subscriptions/listen" => {
                return self.listen(connection, id, params, request.sink).await
            }
            "tasks/get" | "tasks/update" | "tasks/cancel" | "tasks/result" => {
                self.task_request(connection, id, method, params).await
            }
            "initialize" => self.initialize(connection, id, params),
            "server/discover" => self.discover(connection, id, params),
            "ping" => self.ping(id, params),
            "logging/setLevel" => self.set_level(connection, id, params),
            _ => Err(RpcError::method_not_found(method)),
        };
        match outcome {
            Ok(bytes) => Answer::Encoded(bytes),
            Err(error) => Answer::Error(error),
        }
    }

    /// Serves a request through the layers registered with `Server::layer`. A capability
    /// call that a layer answered in the server's place is audited as `blocked`.
    #[allow(clippy::too_many_arguments)]
    async fn layered(
        &self,
        layers: &crate::middleware::McpService,
        connection: &Arc<Connection>,
        message: &Bytes,
        id: &RequestId,
        method: &str,
        params: Option<&RawValue>,
        sink: Outbound,
    ) -> Answer {
        use tower::ServiceExt;
        let capability = self.named_capability(method, params);
        let reached = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let origin = crate::middleware::Origin {
            connection: Arc::clone(connection),
            message: message.clone(),
            sink,
            reached: Arc::clone(&reached),
        };
        let request = crate::middleware::McpRequest::new(
            id.clone(),
            method.to_owned(),
            params,
            capability.clone(),
            origin,
        );
        let response = match layers.clone().oneshot(request).await {
            Ok(response) => response,
            Err(error) => crate::middleware::McpResponse::error(RpcError::internal(error)),
        };
        if !reached.load(std::sync::atomic::Ordering::Acquire) {
            if let Some(capability) = &capability {
                self.inner
                    .permissions
                    .gate(
                        capability.kind().into(),
                        capability.name(),
                        capability.permission(),
                    )
                    .finish(crate::permission::Outcome::Blocked, None);
            }
        }
        match (response.encode(id), response.rpc_error()) {
            (Some(_), Some(error)) => Answer::Error(error.clone()),
            (Some((bytes, _)), None) => Answer::Encoded(bytes),
            (None, _) => Answer::Cancelled,
        }
    }

    /// The layers' innermost service: the server's own handling of `message`.
    pub(crate) async fn serve_layered(
        &self,
        id: &RequestId,
        message: Bytes,
        origin: crate::middleware::Origin,
    ) -> crate::middleware::McpResponse {
        use crate::middleware::McpResponse;
        let method = match Incoming::decode(&message) {
            Ok(Incoming::Request { method, params, .. }) => (method.into_owned(), params),
            Ok(_) => return McpResponse::error(RpcError::invalid_request("not a request")),
            Err(error) => return McpResponse::error(error.error),
        };
        let (method, params) = method;
        match self
            .request(
                &origin.connection,
                &message,
                id,
                &method,
                params,
                origin.sink,
            )
            .await
        {
            Answer::Encoded(bytes) => McpResponse::from_message(&bytes),
            Answer::Error(error) => McpResponse::error(error),
            Answer::Cancelled => McpResponse::none(),
        }
    }

    /// The capability a request names, as layers see it.
    fn named_capability(
        &self,
        method: &str,
        params: Option<&RawValue>,
    ) -> Option<crate::middleware::Capability> {
        use crate::middleware::{capability, CapabilityKind};
        use crate::tasks::TaskSupport;
        #[derive(Deserialize)]
        struct Named<'a> {
            #[serde(default, borrow, deserialize_with = "crate::protocol::borrow_str")]
            name: Option<Cow<'a, str>>,
            #[serde(default, borrow, deserialize_with = "crate::protocol::borrow_str")]
            uri: Option<Cow<'a, str>>,
        }
        let named: Named<'_> = serde_json::from_str(params?.get()).ok()?;
        let registry = &self.inner.registry;
        let hub = &self.inner.hub;
        let (kind, core, hints, task) = match method {
            "tools/call" => {
                let index = registry.tool(named.name.as_deref()?, &hub.tools)?;
                let tool = &registry.tools[index].descriptor;
                let (hints, task) = (Some(tool.tool_hints()), tool.tasks());
                (CapabilityKind::Tool, tool.core(), hints, task)
            }
            "prompts/get" => {
                let index = registry.prompt(named.name.as_deref()?, &hub.prompts)?;
                let core = registry.prompts[index].descriptor.core();
                (CapabilityKind::Prompt, core, None, TaskSupport::Forbidden)
            }
            "resources/read" | "resources/subscribe" | "resources/unsubscribe" => {
                let (index, _) = registry.resource(named.uri.as_deref()?, &hub.resources)?;
                let core = registry.resources[index].descriptor.core();
                (CapabilityKind::Resource, core, None, TaskSupport::Forbidden)
            }
            _ => return None,
        };
        Some(capability(
            kind,
            core.name(),
            core.permission(),
            hints,
            task,
        ))
    }

    fn notification(&self, connection: &Connection, method: &str, params: Option<&RawValue>) {
        match method {
            "notifications/cancelled" => match parse_params::<CancelledParams>(params) {
                Ok(p) => {
                    if !connection.cancel(&p.request_id) {
                        tracing::debug!(id = %p.request_id, "cancellation for a request not in flight");
                    }
                }
                Err(e) => tracing::debug!(error = %e, "malformed cancellation ignored"),
            },
            "notifications/initialized" => {}
            other => tracing::debug!(method = other, "notification ignored"),
        }
    }

    /// Resolves the protocol revision a request is served under.
    pub(super) fn negotiate(
        &self,
        connection: &Connection,
        meta: Option<RequestMeta>,
    ) -> Result<Negotiated, RpcError> {
        let meta = meta.unwrap_or_default();
        if let Some(requested) = &meta.protocol_version {
            return match ProtocolVersion::parse(requested) {
                Some(version) if version.era() == Era::Modern => {
                    if meta.client_capabilities.is_none() {
                        return Err(RpcError::invalid_params(
                            "missing `_meta.io.modelcontextprotocol/clientCapabilities` (required on every 2026-07-28 request; send `{}` for none)",
                        ));
                    }
                    connection.mark_established();
                    Ok(Negotiated {
                        version,
                        client_info: meta.client_info.map(Arc::new),
                        log_level: meta.log_level,
                        progress_token: meta.progress_token,
                        client_capabilities: meta.client_capabilities,
                    })
                }
                _ => Err(unsupported_version(requested)),
            };
        }
        match connection.handshake() {
            Some(handshake) => Ok(Negotiated {
                version: handshake.version,
                client_info: handshake.client_info.clone(),
                log_level: None,
                progress_token: meta.progress_token,
                client_capabilities: None,
            }),
            None => Err(RpcError::invalid_params(
                "missing `_meta.io.modelcontextprotocol/protocolVersion`: include per-request metadata (2026-07-28) or send `initialize` first (2025-11-25 and earlier)",
            )),
        }
    }

    /// Modern era: the answers a retried request brings (verifying its `requestState`), and
    /// the place the handler's questions go. `None` in the legacy era.
    pub(super) async fn input_round(
        &self,
        negotiated: &Negotiated,
        binding: &Binding<'_>,
        params: &InputParams<'_>,
    ) -> Result<Option<Arc<InputRound>>, RpcError> {
        if negotiated.version.era() != Era::Modern {
            return Ok(None);
        }
        let round = InputRound::new(
            &self.inner.sealer,
            binding,
            params.input_responses,
            params.request_state,
        )
        .await?;
        Ok(Some(Arc::new(round)))
    }

    /// The answer of a run that stopped to ask the client: an `input_required` result, or the
    /// error the client's answers deserve.
    pub(super) async fn suspend(
        &self,
        id: &RequestId,
        binding: &Binding<'_>,
        suspension: Suspension,
    ) -> Result<Option<Vec<u8>>, RpcError> {
        let (requests, answers) = match suspension {
            Suspension::Failed(error) => return Err(error),
            Suspension::Input { requests, answers } => (requests, answers),
        };
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Wire<'a> {
            result_type: &'static str,
            input_requests: serde_json::Map<String, Value>,
            request_state: String,
            #[serde(rename = "_meta")]
            meta: &'a RawValue,
        }
        let asked = requests.iter().map(|(key, _)| key.clone()).collect();
        let request_state = self.inner.sealer.seal(binding, &answers, asked).await?;
        Ok(Some(encode_result(
            id,
            &Wire {
                result_type: "input_required",
                input_requests: requests.into_iter().collect(),
                request_state,
                meta: &self.inner.server_meta,
            },
        )))
    }

    /// Registers a request as in flight and builds its context.
    pub(super) fn start(
        &self,
        connection: &Arc<Connection>,
        id: &RequestId,
        negotiated: Negotiated,
        sink: Outbound,
        input: Option<Arc<InputRound>>,
        task: Option<Arc<super::tasks::TaskLink>>,
    ) -> (Context, CancellationToken, InFlight) {
        let (cancellation, in_flight) = connection.begin(id);
        let context = Context::new(ContextParts {
            request_id: id.clone(),
            version: negotiated.version,
            client_info: negotiated.client_info,
            progress_token: negotiated.progress_token,
            log_level: negotiated.log_level,
            cancellation: cancellation.clone(),
            connection: Arc::clone(connection),
            sink,
            state: Arc::clone(&self.inner.state),
            notifier: self.notifier(),
            client_capabilities: negotiated.client_capabilities,
            input,
            task,
        });
        (context, cancellation, in_flight)
    }
}

/// An encoded answer and the JSON-RPC error code it carries, if it is an error.
#[derive(Debug, Clone)]
pub struct Reply {
    /// The encoded JSON-RPC response.
    pub message: Vec<u8>,
    /// The error code, for error responses.
    pub error_code: Option<i32>,
}

/// `Ok(None)`: the client cancelled the request.
impl From<Result<Option<Vec<u8>>, RpcError>> for Answer {
    fn from(result: Result<Option<Vec<u8>>, RpcError>) -> Self {
        match result {
            Ok(Some(bytes)) => Answer::Encoded(bytes),
            Ok(None) => Answer::Cancelled,
            Err(error) => Answer::Error(error),
        }
    }
}

pub(super) enum Answer {
    Encoded(Vec<u8>),
    Error(RpcError),
    Cancelled,
}

pub(super) fn parse_params<'a, T: Deserialize<'a>>(
    params: Option<&'a RawValue>,
) -> Result<T, RpcError> {
    let text = params.map_or("{}", RawValue::get);
    serde_json::from_str(text).map_err(|e| {
        let mut message = e.to_string();
        if let Some(at) = message.find(" at line ") {
            message.truncate(at);
        }
        RpcError::invalid_params(message)
    })
}

pub(crate) fn unsupported_version(requested: &str) -> RpcError {
    RpcError::new(
        code::UNSUPPORTED_PROTOCOL_VERSION,
        "Unsupported protocol version",
    )
    .with_data(json!({
        "supported": ProtocolVersion::supported_strings(),
        "requested": requested,
    }))
}
