//! Prompts: message templates a user picks, filled with arguments. `#[prompt]` implements
//! [`PromptHandler`].

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::str::FromStr;
use std::sync::Arc;

use super::completion::{Completer, Completions};
use super::resource::permission_meta;
use crate::permission::{Permission, RiskLevel};
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
    name: Cow<'static, str>,
    title: Option<Cow<'static, str>>,
    description: Cow<'static, str>,
    arguments: Vec<PromptArgument>,
    permission: Permission,
    completions: Completions,
}

impl PromptDescriptor {
    /// A prompt with a name and a description, taking no arguments.
    pub fn new(
        name: impl Into<Cow<'static, str>>,
        description: impl Into<Cow<'static, str>>,
    ) -> Self {
        PromptDescriptor {
            name: name.into(),
            title: None,
            description: description.into(),
            arguments: Vec::new(),
            permission: Permission::default(),
            completions: Completions::default(),
        }
    }

    /// Sets the display title.
    pub fn title(mut self, title: impl Into<Cow<'static, str>>) -> Self {
        self.title = Some(title.into());
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

    /// Sets the risk level.
    pub fn risk(mut self, risk: RiskLevel) -> Self {
        self.permission.risk = risk;
        self
    }

    /// Adds scopes a caller must hold.
    pub fn scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.permission = self.permission.with_scopes(scopes);
        self
    }

    /// Suggests values for an argument (`completion/complete`).
    pub fn complete(
        mut self,
        argument: &'static str,
        completer: impl Fn(&str) -> Vec<String> + Send + Sync + 'static,
    ) -> Self {
        self.completions.add(argument, Arc::new(completer));
        self
    }

    /// The name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The declared permission.
    pub fn permission(&self) -> &Permission {
        &self.permission
    }

    /// The declared arguments.
    pub fn arguments(&self) -> &[PromptArgument] {
        &self.arguments
    }

    pub(crate) fn completer(&self, argument: &str) -> Option<&Completer> {
        self.completions.get(argument)
    }

    pub(crate) fn has_completions(&self) -> bool {
        !self.completions.is_empty()
    }

    /// The prompt as `prompts/list` shows it.
    pub fn to_prompt(&self) -> Prompt {
        Prompt {
            name: self.name.to_string(),
            title: self.title.as_deref().map(str::to_owned),
            description: Some(self.description.to_string()),
            arguments: self.arguments.clone(),
            meta: Some(permission_meta(&self.permission)),
        }
    }
}

impl fmt::Debug for PromptDescriptor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PromptDescriptor")
            .field("name", &self.name)
            .field("arguments", &self.arguments)
            .field("permission", &self.permission)
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
pub trait PromptHandler: Send + Sync + 'static {
    /// Describes it. Called once, at registration.
    fn descriptor(&self) -> PromptDescriptor;

    /// Renders it with the client's arguments.
    fn get(&self, call: PromptCall) -> PromptFuture;
}

/// A prompt defined as a method of an `#[mcp_server]` block: the shared value plus two
/// generated functions.
pub struct MethodPrompt<S> {
    this: Arc<S>,
    describe: fn() -> PromptDescriptor,
    get: fn(Arc<S>, PromptCall) -> PromptFuture,
}

impl<S: Send + Sync + 'static> MethodPrompt<S> {
    /// Binds a method prompt to the shared value.
    pub fn new(
        this: Arc<S>,
        describe: fn() -> PromptDescriptor,
        get: fn(Arc<S>, PromptCall) -> PromptFuture,
    ) -> Self {
        MethodPrompt {
            this,
            describe,
            get,
        }
    }
}

impl<S: Send + Sync + 'static> PromptHandler for MethodPrompt<S> {
    fn descriptor(&self) -> PromptDescriptor {
        (self.describe)()
    }

    fn get(&self, call: PromptCall) -> PromptFuture {
        (self.get)(Arc::clone(&self.this), call)
    }
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

impl<T: IntoPromptResult, E: fmt::Display> IntoPromptResult for Result<T, E> {
    fn into_prompt_result(self) -> Result<GetPromptResult, RpcError> {
        match self {
            Ok(value) => value.into_prompt_result(),
            Err(error) => Err(RpcError::internal(error.to_string())),
        }
    }
}
