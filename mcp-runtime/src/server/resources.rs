//! `resources/read`, and the legacy era's `resources/subscribe` and
//! `resources/unsubscribe`.

use std::sync::Arc;

use serde::Serialize;
use serde_json::json;
use serde_json::value::RawValue;

use super::connection::Connection;
use super::dispatch::{parse_params, CapabilityParams, MetaParams};
use super::pipeline::{Flow, Invocation, Request, Target, TaskMode};
use super::Dispatcher;
use crate::capability::ResourceRead;
use crate::permission::Kind;
use crate::protocol::{code, encode_result, Era, RequestId, ResourceContents, RpcError};

/// The most resources one legacy-era session may subscribe to at once.
const MAX_SUBSCRIPTIONS: usize = 1024;

/// The longest URI a session may subscribe to, in bytes.
const MAX_SUBSCRIBED_URI: usize = 8 * 1024;

impl Dispatcher {
    pub(super) async fn read_resource(
        &self,
        request: Request<'_>,
        params: Option<&RawValue>,
    ) -> Result<Option<Vec<u8>>, RpcError> {
        let (connection, id) = (request.connection, request.id);
        let registry = &self.inner.registry;
        if !registry.has_resources() {
            return Err(RpcError::method_not_found("resources/read"));
        }
        let mut params = CapabilityParams::parse(params, "uri")?;
        let negotiated = self.negotiate(connection, params.meta.take());
        let uri = params.named("uri").unwrap_or_default();
        super::span::described(uri, negotiated.as_ref().ok().map(|n| n.version));
        let negotiated = negotiated?;
        let era = negotiated.version.era();
        let (index, variables) = registry
            .resource(uri, &self.inner.hub.resources)
            .ok_or_else(|| not_found(era, uri))?;
        let resource = &registry.resources[index];
        let invocation = Invocation {
            request,
            negotiated,
            input: params.input(),
        };
        let target = Target {
            kind: Kind::Resource,
            method: "resources/read",
            name: uri,
            core: resource.descriptor.core(),
            listed: resource.listed,
            arguments: None,
            timeout: resource.timeout,
            task: TaskMode::Never,
        };
        let this = self.clone();
        let owned_uri = uri.to_owned();
        let mime_type = resource
            .descriptor
            .declared_mime_type()
            .map(|m| m.to_owned().into());
        let read = move |context| {
            let read = ResourceRead::new(owned_uri, variables, context, mime_type);
            this.inner.registry.resources[index].handler.read(read)
        };
        let contents = match self
            .run_capability(invocation, target, || not_found(era, uri), read)
            .await?
        {
            // A handler's "not found" is the era's, as for a URI nothing matches.
            Flow::Done(contents) => contents.map_err(|error| match error.code {
                code::RESOURCE_NOT_FOUND => not_found(era, uri),
                _ => error,
            })?,
            Flow::Answered(answer) => return Ok(answer),
            Flow::Task(_) => unreachable!("only tools become tasks"),
        };
        if contents.is_empty() {
            // An empty result would read as "no such resource" to some clients.
            return Err(not_found(era, uri));
        }
        let view = registry.resources[index]
            .descriptor
            .app_view()
            .map(|view| serde_json::json!({ "ui": view.to_meta() }));
        Ok(Some(encode_contents(
            id,
            era,
            &contents,
            view.as_ref(),
            &self.inner.server_meta,
        )))
    }

    /// `resources/subscribe` and `resources/unsubscribe`: legacy-era clients only; the
    /// modern era listens with `subscriptions/listen` instead. Subscribing passes the same
    /// policy decision as reading: a resource the caller may not read cannot be subscribed to.
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
        let registry = &self.inner.registry;
        if era == Era::Modern || !registry.has_resources() {
            return Err(RpcError::method_not_found(method));
        }
        let params = CapabilityParams::parse(params, "uri")?;
        let uri = params.named("uri").unwrap_or_default();
        if uri.len() > MAX_SUBSCRIBED_URI {
            return Err(RpcError::invalid_params(format!(
                "the URI is longer than {MAX_SUBSCRIBED_URI} bytes"
            )));
        }
        if method == "resources/subscribe" {
            let (index, _) = registry
                .resource(uri, &self.inner.hub.resources)
                .ok_or_else(|| not_found(era, uri))?;
            let resource = &registry.resources[index];
            self.check_access(
                Kind::Resource,
                resource.descriptor.core(),
                resource.listed,
                || not_found(era, uri),
            )?;
            if !connection.subscriptions().insert(uri, MAX_SUBSCRIPTIONS) {
                return Err(RpcError::invalid_request(format!(
                    "a session holds at most {MAX_SUBSCRIPTIONS} subscriptions; unsubscribe from one first"
                )));
            }
            if !connection.is_shared() {
                self.inner.hub.subscribers.add(connection);
            }
        } else {
            connection.subscriptions().remove(uri);
        }
        Ok(encode_result(id, &json!({})))
    }
}

/// A URI no resource answers to: `-32602` since 2026-07-28, `-32002` before.
pub(super) fn not_found(era: Era, uri: &str) -> RpcError {
    let code = match era {
        Era::Modern => code::INVALID_PARAMS,
        Era::Legacy => code::RESOURCE_NOT_FOUND,
    };
    RpcError::new(code, format!("Resource not found: {uri}")).with_data(json!({ "uri": uri }))
}

/// The `resources/read` result on the wire; the modern era adds its result type, caching
/// hints and the server's `_meta`. The contents of an MCP Apps view carry `view_meta`
/// (`{"ui": ...}`) as their `_meta`.
fn encode_contents(
    id: &RequestId,
    era: Era,
    contents: &[ResourceContents],
    view_meta: Option<&serde_json::Value>,
    server_meta: &RawValue,
) -> Vec<u8> {
    #[derive(Serialize)]
    struct Item<'a> {
        #[serde(flatten)]
        contents: &'a ResourceContents,
        #[serde(rename = "_meta", skip_serializing_if = "Option::is_none")]
        meta: Option<&'a serde_json::Value>,
    }
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Wire<'a> {
        #[serde(skip_serializing_if = "Option::is_none")]
        result_type: Option<&'static str>,
        contents: Vec<Item<'a>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        ttl_ms: Option<u64>,
        #[serde(skip_serializing_if = "Option::is_none")]
        cache_scope: Option<&'static str>,
        #[serde(rename = "_meta", skip_serializing_if = "Option::is_none")]
        meta: Option<&'a RawValue>,
    }
    let modern = era == Era::Modern;
    encode_result(
        id,
        &Wire {
            result_type: modern.then_some("complete"),
            contents: contents
                .iter()
                .map(|contents| Item {
                    contents,
                    meta: view_meta,
                })
                .collect(),
            // Contents are produced per read and may depend on the caller.
            ttl_ms: modern.then_some(0),
            cache_scope: modern.then_some("private"),
            meta: modern.then_some(server_meta),
        },
    )
}
