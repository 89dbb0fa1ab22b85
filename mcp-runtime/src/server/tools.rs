//! `tools/call`: finding the tool, decoding its arguments straight from the request's bytes,
//! and encoding its result for the request's era.

use std::borrow::Cow;

use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::{json, Value};

use super::dispatch::{Answer, CapabilityParams};
use super::pipeline::{offset_in, Flow, Invocation, Request, Target};
use super::Dispatcher;
use crate::capability::{Arguments, ToolCall, ToolDescriptor};
use crate::permission::Kind;
use crate::protocol::{encode_result, CallToolResult, Content, Era, RequestId, RpcError};

impl Dispatcher {
    pub(super) async fn call_tool(
        &self,
        request: Request<'_>,
        params: Option<&RawValue>,
    ) -> Answer {
        let (connection, message, id) = (request.connection, request.message, request.id);
        let mut params = match CapabilityParams::parse(params, "name") {
            Ok(params) => params,
            Err(error) => return Answer::Error(error),
        };
        let negotiated = self.negotiate(connection, params.meta.take());
        let name = params.named("name").unwrap_or_default();
        super::span::described(name, negotiated.as_ref().ok().map(|n| n.version));
        let negotiated = match negotiated {
            Ok(negotiated) => negotiated,
            Err(error) => return Answer::Error(error),
        };
        let era = negotiated.version.era();
        // A hidden or switched-off tool is answered like an unknown one, so that its
        // existence does not leak.
        let unknown = || {
            RpcError::invalid_params(format!(
                "Unknown tool: {name} (not found or not authorized)"
            ))
        };
        let registry = &self.inner.registry;
        let Some(index) = registry.tool(name, &self.inner.hub.tools) else {
            return Answer::Error(unknown());
        };
        let tool = &registry.tools[index];
        let task = self.task_mode(&negotiated, tool.descriptor.tasks(), params.task, name);
        let range = params.arguments.map(|raw| offset_in(message, raw));
        let invocation = Invocation {
            request,
            negotiated,
            input: params.input(),
        };
        let target = Target {
            kind: Kind::Tool,
            method: "tools/call",
            name,
            core: tool.descriptor.core(),
            listed: tool.listed,
            arguments: params.arguments,
            timeout: tool.timeout,
            task,
        };
        let this = self.clone();
        let arguments = Arguments::new(message.clone(), range);
        let invoke = move |context| {
            let call = ToolCall { arguments, context };
            this.inner.registry.tools[index].handler.invoke(call)
        };
        match self
            .run_capability(invocation, target, unknown, invoke)
            .await
        {
            Ok(Flow::Done(result)) => {
                Answer::Encoded(self.encode_call_result(id, era, &tool.descriptor, &result))
            }
            Ok(Flow::Answered(answer)) => Ok(answer).into(),
            Ok(Flow::Task(started)) => {
                let this = self.clone();
                Answer::Encoded(self.run_task(id, *started, move |result, era| {
                    let tool = &this.inner.registry.tools[index].descriptor;
                    this.call_result_value(era, tool, result)
                }))
            }
            Err(error) => Answer::Error(error),
        }
    }

    /// A tool's result as a task carries it once it ends.
    fn call_result_value(&self, era: Era, tool: &ToolDescriptor, result: &CallToolResult) -> Value {
        serde_json::to_value(call_result_wire(era, tool, result, None))
            .expect("tool results serialise")
    }

    fn encode_call_result(
        &self,
        id: &RequestId,
        era: Era,
        tool: &ToolDescriptor,
        result: &CallToolResult,
    ) -> Vec<u8> {
        let meta = (era == Era::Modern).then_some(&*self.inner.server_meta);
        encode_result(id, &call_result_wire(era, tool, result, meta))
    }
}

/// A tool's result as a client of `era` reads it; `meta` is the 2026-07-28 result's `_meta`
/// (a task's inlined result has none).
fn call_result_wire<'a>(
    era: Era,
    tool: &ToolDescriptor,
    result: &'a CallToolResult,
    meta: Option<&'a RawValue>,
) -> impl Serialize + 'a {
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
    let wraps = !modern && tool.wraps_legacy_output();
    let structured_content = result.structured_content.as_ref().map(|value| {
        if wraps {
            Cow::Owned(json!({ "result": value }))
        } else {
            Cow::Borrowed(value)
        }
    });
    Wire {
        result_type: modern.then_some("complete"),
        content: &result.content,
        structured_content,
        is_error: result.is_error,
        meta,
    }
}
