//! A prompt: messages a user picks, rendered from string arguments. Each parameter that the
//! runtime does not inject is an argument, optional when its type is `Option<T>`.

use syn::{Ident, Type};

use super::{is_option, option_inner, quoted_list, unraw, Function, Header, Param};
use crate::attr::{Attr, Completion};
use crate::ctxt::Ctxt;

pub struct Prompt {
    pub header: Header,
    /// Completers for arguments, each naming an argument.
    pub completions: Vec<Completion>,
    pub function: Function,
}

/// One argument as the client sees it.
pub struct Argument<'a> {
    pub ident: &'a Ident,
    /// The type its string is parsed into: `T` for both `T` and `Option<T>`.
    pub value_type: &'a Type,
    pub required: bool,
    pub doc: Option<&'a String>,
}

pub fn read(cx: &Ctxt, attr: Attr, header: Header, function: Function) -> Prompt {
    if function.output.is_none() {
        cx.error_spanned_by(
            &header.ident,
            format!(
                "prompt `{}` returns nothing; return its messages: `String`, `PromptMessage`, `Vec<PromptMessage>`, or a `Result` of one of those",
                unraw(&header.ident)
            ),
        );
    }
    let prompt = Prompt {
        header,
        completions: attr.complete,
        function,
    };
    check_completions(cx, &prompt);
    prompt
}

fn check_completions(cx: &Ctxt, prompt: &Prompt) {
    let arguments: Vec<String> = prompt.arguments().map(|a| unraw(a.ident)).collect();
    let prompt_name = &prompt.header.name;
    for completion in &prompt.completions {
        let name = completion.name();
        let param = prompt
            .function
            .params
            .iter()
            .find(|p| unraw(p.ident()) == name);
        let message = match param {
            Some(Param::Argument { .. }) => continue,
            Some(Param::Injected { .. }) => format!(
                "`{name}` is provided by the runtime, not by the user; only arguments can be completed"
            ),
            None if arguments.is_empty() => {
                format!("prompt `{prompt_name}` takes no arguments, so `{name}` has nothing to complete")
            }
            None => format!(
                "prompt `{prompt_name}` has no argument `{name}`; its arguments are: {}",
                quoted_list(&arguments)
            ),
        };
        cx.error_spanned_by(&completion.key, message);
    }
}

impl Prompt {
    pub fn arguments(&self) -> impl Iterator<Item = Argument<'_>> {
        self.function
            .arguments()
            .map(|(ident, ty, doc)| Argument::new(ident, ty, doc))
    }
}

impl<'a> Argument<'a> {
    /// The argument that the parameter `ident: ty` is.
    pub fn new(ident: &'a Ident, ty: &'a Type, doc: Option<&'a String>) -> Self {
        Argument {
            ident,
            value_type: option_inner(ty).unwrap_or(ty),
            required: !is_option(ty),
            doc,
        }
    }
}
