//! Prompts: message templates a user picks, filled with arguments. `#[prompt]` implements
//! [`PromptHandler`].

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::str::FromStr;
use std::sync::Arc;

use super::core::{core_builders, CapabilityCore};
use crate::protocol::{Content, GetPromptResult, Prompt, PromptArgument, PromptMessage, RpcError};
use crate::server::Context;

/// The future a prompt returns.
pub type PromptFuture =
    Pin<Box<dyn Future<Output = Result<GetPromptResult, RpcError>> + Send + 'static>>;

/// What a client learns about a prompt from `prompts/list`.
///
/// ```
/// use mcp_runtime::capability::PromptDescriptor;
///
/// let review = PromptDescriptor::new("code_review", "Reviews a change.")
///     .argument("diff", Some("the change to review"), true);
/// assert_eq!(review.to_prompt().arguments[0].name, "diff");
/// ```
#[derive(Clone)]
pub struct PromptDescriptor {
    core: CapabilityCore,
    arguments: Vec<PromptArgument>,
}

core_builders!(PromptDescriptor);

impl PromptDescriptor {
    /// A prompt with a name and a description, taking no arguments.
    pub fn new(
        name: impl Into<Cow<'static, str>>,
        description: impl Into<Cow<'static, str>>,
    ) -> Self {
        PromptDescriptor {
            core: CapabilityCore::new(name.into(), description.into()),
            arguments: Vec::new(),
        }
    }

    /// Suggests values for an argument (`completion/complete`).
    pub fn complete(
        mut self,
        argument: &'static str,
        completer: impl Fn(&str) -> Vec<String> + Send + Sync + 'static,
    ) -> Self {
        self.core.add_completer(argument, Arc::new(completer));
        self
    }

    /// Declares an argument.
    pub fn argument(mut self, name: &str, description: Option<&str>, required: bool) -> Self {
        self.arguments.push(PromptArgument {
            name: name.to_owned(),
            description: description.map(str::to_owned),
            required,
        });
        self
    }

    /// The declared arguments.
    pub fn arguments(&self) -> &[PromptArgument] {
        &self.arguments
    }

    /// The prompt as `prompts/list` shows it.
    pub fn to_prompt(&self) -> Prompt {
        Prompt {
            name: self.core.name.to_string(),
            title: self.core.title.as_deref().map(str::to_owned),
            description: Some(self.core.description.to_string()),
            arguments: self.arguments.clone(),
            icons: self.core.icons.clone(),
            meta: Some(self.core.permission_meta()),
        }
    }
}

impl fmt::Debug for PromptDescriptor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PromptDescriptor")
            .field("core", &self.core)
            .field("arguments", &self.arguments)
            .finish_non_exhaustive()
    }
}

/// One `prompts/get`: the arguments the client gave and the request's [`Context`].
#[derive(Debug, Clone)]
pub struct PromptCall {
    arguments: HashMap<String, String>,
    /// The request context.
    pub context: Context,
}

impl PromptCall {
    pub(crate) fn new(arguments: HashMap<String, String>, context: Context) -> Self {
        PromptCall { arguments, context }
    }

    /// A required argument, parsed into `T` (any `FromStr` type whose error is `Display`); a
    /// missing one is `-32602`.
    pub fn argument<T: FromPromptArgument>(&self, name: &str) -> Result<T, RpcError> {
        self.optional_argument(name)?
            .ok_or_else(|| RpcError::invalid_params(format!("missing required argument `{name}`")))
    }

    /// An optional argument, parsed into `T`.
    pub fn optional_argument<T: FromPromptArgument>(
        &self,
        name: &str,
    ) -> Result<Option<T>, RpcError> {
        match self.arguments.get(name) {
            None => Ok(None),
            Some(raw) => T::from_prompt_argument(raw)
                .map(Some)
                .map_err(|e| RpcError::invalid_params(format!("invalid argument `{name}`: {e}"))),
        }
    }
}

/// A type a prompt argument can be parsed into: every `FromStr` type whose error is
/// `Display`. It exists for its compile error, which says what an argument's type needs.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be the type of a prompt argument",
    label = "not parsed from a string",
    note = "prompt arguments are strings, parsed with `FromStr`, whose error must be `Display`: take `String`, a number, `bool`, or a type of your own that implements `FromStr`"
)]
pub trait FromPromptArgument: Sized {
    /// Parses the argument's value.
    fn from_prompt_argument(value: &str) -> Result<Self, String>;
}

impl<T> FromPromptArgument for T
where
    T: FromStr,
    T::Err: fmt::Display,
{
    fn from_prompt_argument(value: &str) -> Result<Self, String> {
        value.parse().map_err(|e: T::Err| e.to_string())
    }
}

/// A prompt that can be listed and rendered.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a prompt",
    label = "not a prompt",
    note = "mark the function with `#[prompt]` and register it with `.prompts(prompts![name])`; for methods, put `#[mcp_server]` on their `impl` block and register the value with `Server::provider`"
)]
pub trait PromptHandler: Send + Sync + 'static {
    /// Describes it. Called once, at registration.
    fn descriptor(&self) -> PromptDescriptor;

    /// Renders it with the client's arguments.
    fn get(&self, call: PromptCall) -> PromptFuture;
}

/// A value a prompt can return.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be returned from a prompt",
    label = "unsupported prompt return type",
    note = "a prompt may return `String` (one user message), `PromptMessage`, `Vec<PromptMessage>`, `Content`, `GetPromptResult`, or a `Result` of one of those whose error is `Display`"
)]
pub trait IntoPromptResult {
    /// Converts the value into the `prompts/get` result.
    fn into_prompt_result(self) -> Result<GetPromptResult, RpcError>;
}

fn messages(messages: Vec<PromptMessage>) -> Result<GetPromptResult, RpcError> {
    Ok(GetPromptResult {
        description: None,
        messages,
    })
}

impl IntoPromptResult for String {
    fn into_prompt_result(self) -> Result<GetPromptResult, RpcError> {
        messages(vec![PromptMessage::user(self)])
    }
}

impl IntoPromptResult for &str {
    fn into_prompt_result(self) -> Result<GetPromptResult, RpcError> {
        messages(vec![PromptMessage::user(self)])
    }
}

impl IntoPromptResult for Content {
    fn into_prompt_result(self) -> Result<GetPromptResult, RpcError> {
        messages(vec![PromptMessage::new(crate::protocol::Role::User, self)])
    }
}

impl IntoPromptResult for PromptMessage {
    fn into_prompt_result(self) -> Result<GetPromptResult, RpcError> {
        messages(vec![self])
    }
}

impl IntoPromptResult for Vec<PromptMessage> {
    fn into_prompt_result(self) -> Result<GetPromptResult, RpcError> {
        messages(self)
    }
}

impl IntoPromptResult for GetPromptResult {
    fn into_prompt_result(self) -> Result<GetPromptResult, RpcError> {
        Ok(self)
    }
}

impl<T: IntoPromptResult> IntoPromptResult for Result<T, super::RequestError> {
    fn into_prompt_result(self) -> Result<GetPromptResult, RpcError> {
        match self {
            Ok(value) => value.into_prompt_result(),
            Err(error) => Err(error.for_prompt()),
        }
    }
}

impl<T: IntoPromptResult, E: fmt::Display> IntoPromptResult for Result<T, E> {
    fn into_prompt_result(self) -> Result<GetPromptResult, RpcError> {
        match self {
            Ok(value) => value.into_prompt_result(),
            Err(error) => Err(RpcError::internal(error.to_string())),
        }
    }
}
