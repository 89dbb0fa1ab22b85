//! A tool: a function the model calls with JSON arguments.

use syn::Type;

use super::{Function, Header};
use crate::attr::{Attr, Risk};
use crate::ctxt::Ctxt;

pub struct Tool {
    pub header: Header,
    pub read_only: bool,
    pub destructive: bool,
    pub idempotent: bool,
    pub open_world: bool,
    /// `ui = "ui://..."`: the MCP Apps view of its results, already checked to be `ui://`.
    pub ui: Option<String>,
    /// `visibility = ...`: the runtime's `UiVisibility` variants; empty when not declared.
    pub visibility: Vec<&'static str>,
    /// `task`: the variant of `TaskSupport`, when declared.
    pub task: Option<&'static str>,
    pub function: Function,
}

pub fn read(cx: &Ctxt, attr: Attr, mut header: Header, function: Function) -> Tool {
    if let (Some(_), Some(destructive)) = (attr.read_only, attr.destructive) {
        cx.syn_error(syn::Error::new(
            destructive,
            "`destructive` contradicts `read_only`: a tool that does not modify its environment cannot destroy anything",
        ));
    }
    match (attr.destructive, &attr.risk) {
        (Some(_), Some(risk)) if risk.value == Risk::Low => cx.syn_error(syn::Error::new(
            risk.span,
            "a `destructive` tool cannot have risk \"low\"; declare \"medium\", \"high\" or \"critical\"",
        )),
        (Some(_), None) => header.risk = Risk::High,
        _ => {}
    }
    if let Some(ty @ Type::ImplTrait(_)) = &function.output {
        cx.error_spanned_by(
            ty,
            "a tool must return a concrete type, not `impl Trait`: its output schema is read from the type",
        );
    }
    Tool {
        header,
        read_only: attr.read_only.is_some(),
        destructive: attr.destructive.is_some(),
        idempotent: attr.idempotent.is_some(),
        open_world: attr.open_world.is_some(),
        ui: attr.ui.as_ref().map(syn::LitStr::value),
        visibility: attr.visibility.unwrap_or_default(),
        task: attr.task.as_ref().map(|task| task.value),
        function,
    }
}
