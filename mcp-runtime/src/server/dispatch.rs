//! Answering one message: era and version check, routing by method, calling the tool,
//! encoding the answer once.

use std::borrow::Cow;
use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use bytes::Bytes;
use futures_util::FutureExt;
use serde::Deserialize;
use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::{json, Value};

use super::connection::{Connection, Handshake, InFlight, Outbound};
use super::context::{Context, ContextParts, StateMap};
use super::input::{Binding, InputRound, Sealer, Suspension};
use super::lists::{self, ModernExtras};
use super::live::{LiveList, PageSettings, Switches};
use super::subscriptions::{Filter, Hub};
use super::{is_valid_tool_name, Server};
use crate::capability::{Arguments, HeaderParam, ToolCall, ToolDescriptor, ToolHandler};
use crate::error::{Error, Result};
use crate::permission::{Enforcer, Kind, Outcome, Refusal};
use crate::protocol::{
    code, encode_error, encode_notification, encode_result, CallToolResult, Content, Era,
    Implementation, Incoming, LogLevel, ProgressToken, ProtocolVersion, RequestId, RequestMeta,
    RpcError,
};
use tokio_util::sync::CancellationToken;

/// A built server, ready to answer messages from any number of connections.
///
/// Transports call [`Dispatcher::handle`] with one raw message and write back what it returns.
/// Cloning is cheap; every clone serves the same tools and state.
#[derive(Clone)]
pub struct Dispatcher {
    pub(super) inner: Arc<Inner>,
}

pub(super) struct Inner {
    info: Implementation,
    instructions: Option<String>,
    pub(super) catalog: super::catalog::Catalog,
    pub(super) hub: Arc<Hub>,
    tools: Vec<RegisteredTool>,
    by_name: HashMap<String, usize>,
    state: Arc<StateMap>,
    /// What `initialize` advertises (discovery's are encoded in `discover`).
    capabilities: Value,
    discover: Box<RawValue>,
    pub(super) server_meta: Box<RawValue>,
    pub(super) permissions: Enforcer,
    sealer: Sealer,
}

struct RegisteredTool {
    descriptor: ToolDescriptor,
    handler: Box<dyn ToolHandler>,
    /// False when the policy hides it: it is neither listed nor callable.
    listed: bool,
    header_params: Vec<HeaderParam>,
}

/// What a request's era and version resolved to.
#[derive(Clone)]
pub(super) struct Negotiated {
    pub(super) version: ProtocolVersion,
    client_info: Option<Implementation>,
    log_level: Option<LogLevel>,
    progress_token: Option<ProgressToken>,
    client_capabilities: Option<serde_json::Map<String, Value>>,
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

#[derive(Deserialize)]
struct CallParams<'a> {
    #[serde(rename = "_meta", default)]
    meta: Option<RequestMeta>,
    #[serde(borrow)]
    name: Cow<'a, str>,
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
struct InitializeParams {
    protocol_version: String,
    #[serde(default)]
    client_info: Option<Implementation>,
    #[serde(default)]
    capabilities: serde_json::Map<String, Value>,
}

#[derive(Deserialize)]
struct SetLevelParams {
    level: LogLevel,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CancelledParams {
    request_id: RequestId,
}

impl Dispatcher {
    pub(crate) fn new(server: Server) -> Result<Self> {
        let permissions = Enforcer::new(server.policy, server.audit);
        let mut tools = Vec::with_capacity(server.tools.len());
        let mut by_name = HashMap::with_capacity(server.tools.len());
        for handler in server.tools {
            let descriptor = handler.descriptor();
            let name = descriptor.name().to_owned();
            if !is_valid_tool_name(&name) {
                return Err(Error::InvalidToolName(name));
            }
            for need in descriptor.required_state() {
                if !server.state.contains_key(&need.type_id) {
                    return Err(Error::MissingState {
                        tool: name,
                        type_name: need.type_name,
                    });
                }
            }
            let header_params =
                descriptor
                    .header_params()
                    .map_err(|reason| Error::InvalidHeaderParam {
                        tool: name.clone(),
                        reason,
                    })?;
            if by_name.insert(name.clone(), tools.len()).is_some() {
                return Err(Error::DuplicateTool(name));
            }
            let listed = permissions.listed(&name, descriptor.permission());
            tools.push(RegisteredTool {
                descriptor,
                handler,
                listed,
                header_params,
            });
        }
        let server_meta = lists::server_meta(&server.info);
        let extras = ModernExtras {
            meta: &server_meta,
            ttl_ms: u64::try_from(server.list_ttl.as_millis()).unwrap_or(u64::MAX),
        };
        let catalog =
            super::catalog::Catalog::build(server.resources, server.prompts, &permissions)?;
        let settings = PageSettings {
            page_size: server.page_size,
            meta: server_meta.clone(),
            ttl_ms: extras.ttl_ms,
        };
        let tool_switches = Switches::new(tools.iter().map(|t| t.descriptor.name().to_owned()));
        let resource_switches = Switches::new(catalog.resources().map(|r| r.uri().to_owned()));
        let prompt_switches = Switches::new(catalog.prompts().map(|p| p.name().to_owned()));
        for name in &server.disabled {
            let known = [&tool_switches, &resource_switches, &prompt_switches]
                .into_iter()
                .filter_map(|switches| switches.set(name, false))
                .count();
            if known == 0 {
                return Err(Error::UnknownCapability(name.clone()));
            }
        }
        let listed_tools: Vec<usize> = (0..tools.len()).filter(|&i| tools[i].listed).collect();
        let tool_list = LiveList::new(
            "tools",
            listed_tools,
            |era, i| {
                serde_json::to_value(tools[i].descriptor.to_wire(era))
                    .expect("a tool always serialises")
            },
            &tool_switches,
            &settings,
        );
        let [resource_list, template_list, prompt_list] =
            catalog.lists(&resource_switches, &prompt_switches, &settings);
        let hub = Arc::new(Hub {
            subscribers: Default::default(),
            listeners: Default::default(),
            tools: tool_switches,
            resources: resource_switches,
            prompts: prompt_switches,
            tool_list,
            resource_list,
            template_list,
            prompt_list,
            settings,
        });
        let features = lists::Features {
            tools: !tools.is_empty(),
            resources: catalog.has_resources(),
            prompts: catalog.has_prompts(),
            completions: catalog.has_completions(),
        };
        let capabilities = lists::capabilities(features, Era::Legacy);
        let discover = lists::discover_result(
            &lists::capabilities(features, Era::Modern),
            server.instructions.as_deref(),
            &extras,
        );
        Ok(Dispatcher {
            inner: Arc::new(Inner {
                info: server.info,
                instructions: server.instructions,
                catalog,
                hub,
                tools,
                by_name,
                state: Arc::new(server.state),
                capabilities,
                discover,
                server_meta,
                permissions,
                sealer: Sealer::new(server.request_state_key, server.request_state_ttl),
            }),
        })
    }

    /// The server's name and version.
    pub fn info(&self) -> &Implementation {
        &self.inner.info
    }

    /// The descriptors of every registered tool, in registration order.
    pub fn tools(&self) -> impl Iterator<Item = &ToolDescriptor> {
        self.inner.tools.iter().map(|t| &t.descriptor)
    }

    /// The parameters of tool `name` that HTTP clients mirror into `Mcp-Param-*` headers.
    pub fn header_params(&self, name: &str) -> &[HeaderParam] {
        match self.inner.by_name.get(name) {
            // A hidden tool has none, so that headers do not tell it exists.
            Some(&index) if self.inner.tools[index].listed && self.inner.hub.tools.is_on(index) => {
                &self.inner.tools[index].header_params
            }
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
        self.inner.catalog.resources()
    }

    /// The descriptors of every registered prompt.
    pub fn prompts(&self) -> impl Iterator<Item = &crate::capability::PromptDescriptor> {
        self.inner.catalog.prompts()
    }

    /// Answers one raw JSON-RPC message received on `connection`.
    ///
    /// Returns the encoded response for a request (or for a message too broken to tell),
    /// and `None` for notifications, responses, and requests the client cancelled.
    /// Notifications a request sends while it runs go to the connection's outbound channel.
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
                let answer = self
                    .request(connection, &message, &id, &method, params, sink)
                    .await;
                match answer {
                    Answer::Encoded(bytes) => Some(Reply {
                        message: bytes,
                        error_code: None,
                    }),
                    Answer::Error(error) => Some(Reply {
                        message: encode_error(Some(&id), &error),
                        error_code: Some(error.code),
                    }),
                    Answer::Cancelled => None,
                }
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
        let outcome = match method {
            "tools/call" => return self.call_tool(connection, message, id, params, sink).await,
            "tools/list" => self.list_tools(connection, id, params),
            "resources/read" => {
                return self
                    .read_resource(connection, id, params, sink)
                    .await
                    .into()
            }
            "prompts/get" => return self.get_prompt(connection, id, params, sink).await.into(),
            "resources/list" | "resources/templates/list" | "prompts/list" => {
                self.list_catalog(connection, id, method, params)
            }
            "completion/complete" => self.complete(connection, id, params),
            "resources/subscribe" | "resources/unsubscribe" => {
                self.subscribe(connection, id, method, params)
            }
            "subscriptions/listen" => return self.listen(connection, id, params, sink).await,
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
                        client_info: meta.client_info,
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

    fn initialize(
        &self,
        connection: &Arc<Connection>,
        id: &RequestId,
        params: Option<&RawValue>,
    ) -> Result<Vec<u8>, RpcError> {
        let meta: MetaParams = parse_params(params)?;
        if meta.meta.is_some_and(|m| m.protocol_version.is_some()) {
            // A modern request: there is no handshake in 2026-07-28.
            return Err(RpcError::method_not_found("initialize"));
        }
        let params: InitializeParams = parse_params(params)?;
        let version = ProtocolVersion::parse(&params.protocol_version)
            .filter(|v| v.era() == Era::Legacy)
            .unwrap_or(ProtocolVersion::LATEST_LEGACY);
        let handshake = Handshake {
            version,
            client_info: params.client_info,
            client_capabilities: params.capabilities,
        };
        if !connection.complete_handshake(handshake) {
            return Err(RpcError::invalid_request(
                "this connection is already initialized",
            ));
        }
        tracing::debug!(%version, "legacy session initialized");
        // From now on the connection hears of list changes.
        self.inner.hub.subscribers.add(connection);
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct InitializeResult<'a> {
            protocol_version: &'static str,
            capabilities: &'a Value,
            server_info: &'a Implementation,
            #[serde(skip_serializing_if = "Option::is_none")]
            instructions: Option<&'a str>,
        }
        Ok(encode_result(
            id,
            &InitializeResult {
                protocol_version: version.as_str(),
                capabilities: &self.inner.capabilities,
                server_info: &self.inner.info,
                instructions: self.inner.instructions.as_deref(),
            },
        ))
    }

    fn discover(
        &self,
        connection: &Connection,
        id: &RequestId,
        params: Option<&RawValue>,
    ) -> Result<Vec<u8>, RpcError> {
        let params: MetaParams = parse_params(params)?;
        let negotiated = self.negotiate(connection, params.meta)?;
        if negotiated.version.era() != Era::Modern {
            return Err(RpcError::method_not_found("server/discover"));
        }
        Ok(encode_result(id, &*self.inner.discover))
    }

    fn ping(&self, id: &RequestId, params: Option<&RawValue>) -> Result<Vec<u8>, RpcError> {
        let params: MetaParams = parse_params(params)?;
        let modern = params
            .meta
            .as_ref()
            .and_then(|m| m.protocol_version.as_deref())
            .is_some();
        if modern {
            // `ping` was removed in 2026-07-28.
            return Err(RpcError::method_not_found("ping"));
        }
        Ok(encode_result(id, &json!({})))
    }

    fn set_level(
        &self,
        connection: &Connection,
        id: &RequestId,
        params: Option<&RawValue>,
    ) -> Result<Vec<u8>, RpcError> {
        let meta: MetaParams = parse_params(params)?;
        let negotiated = self.negotiate(connection, meta.meta)?;
        if negotiated.version.era() == Era::Modern {
            return Err(RpcError::method_not_found("logging/setLevel"));
        }
        let params: SetLevelParams = parse_params(params)?;
        connection.set_log_level(params.level);
        Ok(encode_result(id, &json!({})))
    }

    /// `subscriptions/listen` (2026-07-28): acknowledges the filter it honours, then streams
    /// the changes asked for until the client cancels the request or closes the stream.
    async fn listen(
        &self,
        connection: &Arc<Connection>,
        id: &RequestId,
        params: Option<&RawValue>,
        sink: Outbound,
    ) -> Answer {
        #[derive(Deserialize)]
        struct ListenParams {
            #[serde(rename = "_meta", default)]
            meta: Option<RequestMeta>,
            #[serde(default)]
            notifications: Filter,
        }
        let params: ListenParams = match parse_params(params) {
            Ok(params) => params,
            Err(error) => return Answer::Error(error),
        };
        match self.negotiate(connection, params.meta) {
            Ok(negotiated) if negotiated.version.era() == Era::Modern => {}
            Ok(_) => return Answer::Error(RpcError::method_not_found("subscriptions/listen")),
            Err(error) => return Answer::Error(error),
        }
        let (cancellation, in_flight) = connection.begin(id);
        let has_resources = self.inner.catalog.has_resources();
        let honoured = self.inner.hub.honoured(params.notifications, has_resources);
        let acknowledged = encode_notification(
            "notifications/subscriptions/acknowledged",
            &json!({
                "_meta": { "io.modelcontextprotocol/subscriptionId": id },
                "notifications": honoured,
            }),
        );
        if sink.send(acknowledged).await.is_err() {
            return Answer::Cancelled;
        }
        // Registered after the acknowledgment, so that nothing on the stream precedes it.
        let listening = self.inner.hub.listen(id.clone(), honoured, sink.clone());
        tokio::select! {
            _ = cancellation.cancelled() => {}
            _ = sink.closed() => {}
        }
        drop(listening);
        drop(in_flight);
        tracing::debug!(%id, "subscription ended");
        Answer::Cancelled
    }

    fn list_tools(
        &self,
        connection: &Connection,
        id: &RequestId,
        params: Option<&RawValue>,
    ) -> Result<Vec<u8>, RpcError> {
        let params: ListParams = parse_params(params)?;
        let negotiated = self.negotiate(connection, params.meta)?;
        let pages = self.inner.hub.tool_list.pages();
        let page = pages.get(negotiated.version.era(), params.cursor.as_deref())?;
        Ok(encode_result(id, page))
    }

    async fn call_tool(
        &self,
        connection: &Arc<Connection>,
        message: &Bytes,
        id: &RequestId,
        params: Option<&RawValue>,
        sink: Outbound,
    ) -> Answer {
        let params: CallParams<'_> = match parse_params(params) {
            Ok(params) => params,
            Err(error) => return Answer::Error(error),
        };
        let negotiated = match self.negotiate(connection, params.meta) {
            Ok(negotiated) => negotiated,
            Err(error) => return Answer::Error(error),
        };
        // A hidden tool is answered like an unknown one, so that its existence does not leak.
        let unknown = || {
            Answer::Error(RpcError::invalid_params(format!(
                "Unknown tool: {} (not found or not authorized)",
                params.name
            )))
        };
        let Some(&index) = self.inner.by_name.get(params.name.as_ref()) else {
            return unknown();
        };
        if !self.inner.hub.tools.is_on(index) {
            // Switched off: not listed, so not served.
            return unknown();
        }
        let tool = &self.inner.tools[index];
        let gate = self.inner.permissions.gate(
            Kind::Tool,
            tool.descriptor.name(),
            tool.descriptor.permission(),
        );
        if let Some(refusal) = gate.refusal(tool.listed) {
            return match refusal {
                Refusal::Hidden => unknown(),
                Refusal::Error(error) => Answer::Error(error),
                Refusal::Result(message) => Answer::Encoded(self.encode_call_result(
                    id,
                    negotiated.version.era(),
                    &tool.descriptor,
                    &CallToolResult::error(message),
                )),
            };
        }
        let range = params.arguments.map(|raw| offset_in(message, raw.get()));
        let name = tool.descriptor.name();
        let binding = Binding {
            method: "tools/call",
            name,
            arguments: params.arguments,
            principal: gate.principal(),
        };
        let input = match self.input_round(
            &negotiated,
            &binding,
            &InputParams {
                input_responses: params.input_responses,
                request_state: params.request_state.as_deref(),
            },
        ) {
            Ok(input) => input,
            Err(error) => return Answer::Error(error),
        };
        let era = negotiated.version.era();
        let (context, cancellation, in_flight) =
            self.start(connection, id, negotiated, sink, input.clone());
        let audited_arguments = gate.arguments(message, range.clone());
        let call = ToolCall {
            arguments: Arguments::new(message.clone(), range),
            context,
        };
        let outcome = if gate.needs_confirmation() {
            let this = self.clone();
            let context = call.context.clone();
            run_guarded(&cancellation, input.as_deref(), || {
                gate.confirm_then(context, CallToolResult::error, move || {
                    this.inner.tools[index].handler.invoke(call)
                })
            })
            .await
        } else {
            run_guarded(&cancellation, input.as_deref(), || {
                tool.handler.invoke(call)
            })
            .await
        };
        drop(in_flight);
        let result = match outcome {
            Run::Cancelled => {
                tracing::debug!(%id, tool = name, "call cancelled by the client");
                gate.finish(Outcome::Cancelled, audited_arguments);
                return Answer::Cancelled;
            }
            Run::Suspended(suspension) => {
                gate.finish(Outcome::InputRequired, audited_arguments);
                return self.suspend(id, &binding, suspension).into();
            }
            Run::Done(result) => {
                let ended = if result.is_error {
                    Outcome::Error
                } else {
                    Outcome::Ok
                };
                gate.finish(ended, audited_arguments);
                let missing = input
                    .as_ref()
                    .and_then(|round| round.take_missing_capability());
                match missing {
                    // The call failed after asking what the client cannot answer: say so.
                    Some(error) if result.is_error => return Answer::Error(error),
                    _ => result,
                }
            }
            Run::Panicked(reason) => {
                tracing::error!(tool = name, %reason, "tool panicked");
                gate.finish(Outcome::Panicked, audited_arguments);
                CallToolResult::error(format!(
                    "tool `{name}` failed unexpectedly (it panicked: {reason})"
                ))
            }
        };
        Answer::Encoded(self.encode_call_result(id, era, &tool.descriptor, &result))
    }

    /// Modern era: the answers a retried request brings (verifying its `requestState`), and
    /// the place the handler's questions go. `None` in the handshake era.
    pub(super) fn input_round(
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
        )?;
        Ok(Some(Arc::new(round)))
    }

    /// The answer of a run that stopped to ask the client: an `input_required` result, or the
    /// error the client's answers deserve.
    pub(super) fn suspend(
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
        Ok(Some(encode_result(
            id,
            &Wire {
                result_type: "input_required",
                input_requests: requests.into_iter().collect(),
                request_state: self.inner.sealer.seal(binding, &answers),
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
        });
        (context, cancellation, in_flight)
    }

    fn encode_call_result(
        &self,
        id: &RequestId,
        era: Era,
        tool: &ToolDescriptor,
        result: &CallToolResult,
    ) -> Vec<u8> {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Wire<'a> {
            #[serde(skip_serializing_if = "Option::is_none")]
            result_type: Option<&'static str>,
            content: &'a [Content],
            #[serde(skip_serializing_if = "Option::is_none")]
            structured_content: Option<Cow<'a, Value>>,
            #[serde(skip_serializing_if = "std::ops::Not::not")]
            is_error: bool,
            #[serde(rename = "_meta", skip_serializing_if = "Option::is_none")]
            meta: Option<&'a RawValue>,
        }
        let modern = era == Era::Modern;
        let structured_content = result.structured_content.as_ref().map(|value| {
            if !modern && tool.wraps_legacy_output() {
                Cow::Owned(json!({ "result": value }))
            } else {
                Cow::Borrowed(value)
            }
        });
        encode_result(
            id,
            &Wire {
                result_type: modern.then_some("complete"),
                content: &result.content,
                structured_content,
                is_error: result.is_error,
                meta: modern.then_some(&*self.inner.server_meta),
            },
        )
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

/// The byte range of `part` inside `whole`; `part` must borrow from `whole`.
fn offset_in(whole: &[u8], part: &str) -> std::ops::Range<usize> {
    let start = part.as_ptr() as usize - whole.as_ptr() as usize;
    debug_assert!(start + part.len() <= whole.len());
    start..start + part.len()
}

/// How a handler's run ended.
pub(super) enum Run<T> {
    /// It returned.
    Done(T),
    /// It panicked, with this message.
    Panicked(String),
    /// The client cancelled the request.
    Cancelled,
    /// It asked the client something (2026-07-28): the request ends here.
    Suspended(Suspension),
}

/// Runs a handler's future until it ends, the request is cancelled, or (modern era) the
/// handler waits for the client's input; a panic, while making the future or while running
/// it, becomes [`Run::Panicked`].
pub(super) async fn run_guarded<T>(
    cancellation: &CancellationToken,
    input: Option<&InputRound>,
    make: impl FnOnce() -> std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send>>,
) -> Run<T> {
    let future = match std::panic::catch_unwind(AssertUnwindSafe(make)) {
        Ok(future) => future,
        Err(panic) => return Run::Panicked(panic_message(&*panic)),
    };
    let suspended = async {
        match input {
            Some(round) => round.suspended().await,
            None => std::future::pending().await,
        }
    };
    tokio::select! {
        biased;
        _ = cancellation.cancelled() => Run::Cancelled,
        result = AssertUnwindSafe(future).catch_unwind() => match result {
            Ok(value) => Run::Done(value),
            Err(panic) => Run::Panicked(panic_message(&*panic)),
        },
        // Polled after the handler: every question asked in that poll is in the round.
        suspension = suspended => Run::Suspended(suspension),
    }
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else {
        "no message".to_owned()
    }
}
