//! `prompts/get`: checking the arguments a prompt declares, rendering it, encoding the result.

use std::collections::HashMap;

use serde::Serialize;
use serde_json::value::RawValue;

use super::dispatch::{parse_params, CapabilityParams};
use super::pipeline::{Flow, Invocation, Request, Target, TaskMode};
use super::Dispatcher;
use crate::capability::PromptCall;
use crate::permission::Kind;
use crate::protocol::{encode_result, Era, GetPromptResult, PromptMessage, RequestId, RpcError};

impl Dispatcher {
    pub(super) async fn get_prompt(
        &self,
        request: Request<'_>,
        params: Option<&RawValue>,
    ) -> Result<Option<Vec<u8>>, RpcError> {
        let (connection, id) = (request.connection, request.id);
        let registry = &self.inner.registry;
        if !registry.has_prompts() {
            return Err(RpcError::method_not_found("prompts/get"));
        }
        let mut params = CapabilityParams::parse(params, "name")?;
        let negotiated = self.negotiate(connection, params.meta.take());
        let name = params.named("name").unwrap_or_default();
        super::span::described(name, negotiated.as_ref().ok().map(|n| n.version));
        let negotiated = negotiated?;
        let era = negotiated.version.era();
        let unknown = || {
            RpcError::invalid_params(format!(
                "Unknown prompt: {name} (not found or not authorized)"
            ))
        };
        let index = registry
            .prompt(name, &self.inner.hub.prompts)
            .ok_or_else(unknown)?;
        let prompt = &registry.prompts[index];
        let arguments: HashMap<String, String> = match params.arguments {
            Some(raw) => parse_params(Some(raw))?,
            None => HashMap::new(),
        };
        let invocation = Invocation {
            request,
            negotiated,
            input: params.input(),
        };
        let target = Target {
            kind: Kind::Prompt,
            method: "prompts/get",
            name,
            core: prompt.descriptor.core(),
            listed: prompt.listed,
            arguments: params.arguments,
            timeout: prompt.timeout,
            task: TaskMode::Never,
        };
        let missing = prompt
            .descriptor
            .arguments()
            .iter()
            .find(|a| a.required && !arguments.contains_key(&a.name));
        let this = self.clone();
        let get = move |context| {
            let call = PromptCall::new(arguments, context);
            this.inner.registry.prompts[index].handler.get(call)
        };
        if let Some(missing) = missing {
            // Checked after the policy, so that a hidden prompt's arguments do not leak.
            let needs = format!("prompt `{name}` needs the argument `{}`", missing.name);
            self.check_access(Kind::Prompt, target.core, target.listed, unknown)?;
            return Err(RpcError::invalid_params(needs));
        }
        let result = match self
            .run_capability(invocation, target, unknown, get)
            .await?
        {
            Flow::Done(result) => result?,
            Flow::Answered(answer) => return Ok(answer),
            Flow::Task(_) => unreachable!("only tools become tasks"),
        };
        Ok(Some(encode_rendering(
            id,
            era,
            &result,
            &self.inner.server_meta,
        )))
    }
}

/// The `prompts/get` result on the wire; the modern era adds its result type and the
/// server's `_meta`.
fn encode_rendering(
    id: &RequestId,
    era: Era,
    result: &GetPromptResult,
    server_meta: &RawValue,
) -> Vec<u8> {
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
    let modern = era == Era::Modern;
    encode_result(
        id,
        &Wire {
            result_type: modern.then_some("complete"),
            description: result.description.as_deref(),
            messages: &result.messages,
            meta: modern.then_some(server_meta),
        },
    )
}
