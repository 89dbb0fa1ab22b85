//! The requests about the connection rather than a capability: the legacy-era
//! `initialize`, `ping` and `logging/setLevel`, and the 2026-07-28 `server/discover`.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{json, Value};

use super::connection::{Connection, Handshake};
use super::dispatch::{parse_params, MetaParams};
use super::Dispatcher;
use crate::protocol::{
    encode_result, Era, Implementation, LogLevel, ProtocolVersion, RequestId, RpcError,
};

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

impl Dispatcher {
    pub(super) fn initialize(
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
            client_info: params.client_info.map(std::sync::Arc::new),
            client_capabilities: params.capabilities,
        };
        if !connection.complete_handshake(handshake) {
            return Err(RpcError::invalid_request(
                "this connection is already initialized",
            ));
        }
        tracing::debug!(%version, "legacy session initialized");
        // From now on the connection hears of list changes.
        if !connection.is_shared() {
            self.inner.hub.subscribers.add(connection);
        }
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
                server_info: &server_info(&self.inner.info, version),
                instructions: self.inner.instructions.as_deref(),
            },
        ))
    }

    pub(super) fn discover(
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

    pub(super) fn ping(
        &self,
        id: &RequestId,
        params: Option<&RawValue>,
    ) -> Result<Vec<u8>, RpcError> {
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

    pub(super) fn set_level(
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
}

/// The server's `serverInfo` for a client of `version`: without icons before `2025-11-25`,
/// whose `Implementation` has no such field.
fn server_info(
    info: &Implementation,
    version: ProtocolVersion,
) -> std::borrow::Cow<'_, Implementation> {
    if version.has_icons() || info.icons.is_empty() {
        return std::borrow::Cow::Borrowed(info);
    }
    let mut older = info.clone();
    older.icons.clear();
    std::borrow::Cow::Owned(older)
}
