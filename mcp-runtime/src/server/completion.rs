//! `completion/complete`: suggestions for a prompt's arguments and a resource template's
//! variables, from the completers declared with them. A capability the caller may not use
//! suggests nothing: the request is refused as running it would be.

use serde::Deserialize;
use serde_json::json;
use serde_json::value::RawValue;

use super::connection::Connection;
use super::dispatch::{parse_params, MetaParams};
use super::Dispatcher;
use crate::permission::Kind;
use crate::protocol::{encode_result, Era, RequestId, RpcError};

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
    pub(super) fn complete(
        &self,
        connection: &Connection,
        id: &RequestId,
        params: Option<&RawValue>,
    ) -> Result<Vec<u8>, RpcError> {
        let registry = &self.inner.registry;
        if !registry.has_completions() {
            return Err(RpcError::method_not_found("completion/complete"));
        }
        let meta: MetaParams = parse_params(params)?;
        let negotiated = self.negotiate(connection, meta.meta)?;
        let params: CompleteParams = parse_params(params)?;
        let hub = &self.inner.hub;
        let core = match &params.reference {
            Reference::Prompt { name } => {
                let unknown = || RpcError::invalid_params(format!("Unknown prompt: {name}"));
                let index = registry.prompt(name, &hub.prompts).ok_or_else(unknown)?;
                let prompt = &registry.prompts[index];
                let core = prompt.descriptor.core();
                self.check_access(Kind::Prompt, core, prompt.listed, unknown)?;
                core
            }
            Reference::Resource { uri } => {
                let unknown =
                    || RpcError::invalid_params(format!("Unknown resource template: {uri}"));
                let index = registry
                    .resource_registered_as(uri, &hub.resources)
                    .ok_or_else(unknown)?;
                let resource = &registry.resources[index];
                let core = resource.descriptor.core();
                self.check_access(Kind::Resource, core, resource.listed, unknown)?;
                core
            }
        };
        let mut values = core
            .completer(&params.argument.name)
            .map(|c| c(&params.argument.value))
            .unwrap_or_default();
        let total = values.len();
        values.truncate(MAX_COMPLETIONS);
        let mut result = json!({
            "completion": {
                "values": values,
                "total": total,
                "hasMore": total > MAX_COMPLETIONS,
            }
        });
        if negotiated.version.era() == Era::Modern {
            result["resultType"] = json!("complete");
        }
        Ok(encode_result(id, &result))
    }
}
