//! The three kinds of capability a function can become, and what differs between them: the
//! attribute's name and keys, the words the errors use, and the runtime types the expansion
//! implements.

use proc_macro2::TokenStream;
use quote::quote;

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Kind {
    Tool,
    Resource,
    Prompt,
}

impl Kind {
    pub const ALL: [Kind; 3] = [Kind::Tool, Kind::Resource, Kind::Prompt];

    /// The attribute's name, which is also the noun the errors use: `tool`.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Tool => "tool",
            Kind::Resource => "resource",
            Kind::Prompt => "prompt",
        }
    }

    /// Who reads the description, and why it must be there.
    pub fn description_reason(self) -> &'static str {
        match self {
            Kind::Tool => "the model reads it to choose the tool",
            Kind::Resource => "clients show it to choose the resource",
            Kind::Prompt => "clients show it when the user picks a prompt",
        }
    }

    // The runtime side, all through `__private`.

    pub fn handler_trait(self) -> TokenStream {
        match self {
            Kind::Tool => quote!(::mcp_runtime::__private::ToolHandler),
            Kind::Resource => quote!(::mcp_runtime::__private::ResourceHandler),
            Kind::Prompt => quote!(::mcp_runtime::__private::PromptHandler),
        }
    }

    pub fn descriptor_type(self) -> TokenStream {
        match self {
            Kind::Tool => quote!(::mcp_runtime::__private::ToolDescriptor),
            Kind::Resource => quote!(::mcp_runtime::__private::ResourceDescriptor),
            Kind::Prompt => quote!(::mcp_runtime::__private::PromptDescriptor),
        }
    }

    /// The type of the one request argument of the handler method.
    pub fn request_type(self) -> TokenStream {
        match self {
            Kind::Tool => quote!(::mcp_runtime::__private::ToolCall),
            Kind::Resource => quote!(::mcp_runtime::__private::ResourceRead),
            Kind::Prompt => quote!(::mcp_runtime::__private::PromptCall),
        }
    }

    pub fn future_type(self) -> TokenStream {
        match self {
            Kind::Tool => quote!(::mcp_runtime::__private::ToolFuture),
            Kind::Resource => quote!(::mcp_runtime::__private::ResourceFuture),
            Kind::Prompt => quote!(::mcp_runtime::__private::PromptFuture),
        }
    }

    /// The handler method that serves a request: `invoke`, `read`, `get`.
    pub fn handler_method(self) -> TokenStream {
        match self {
            Kind::Tool => quote!(invoke),
            Kind::Resource => quote!(read),
            Kind::Prompt => quote!(get),
        }
    }

    /// The runtime type binding a method capability to the shared value.
    pub fn method_adapter(self) -> TokenStream {
        match self {
            Kind::Tool => quote!(::mcp_runtime::__private::MethodTool),
            Kind::Resource => quote!(::mcp_runtime::__private::MethodResource),
            Kind::Prompt => quote!(::mcp_runtime::__private::MethodPrompt),
        }
    }

    /// The `Provider` method listing this kind: `tools`, `resources`, `prompts`.
    pub fn provider_method(self) -> TokenStream {
        match self {
            Kind::Tool => quote!(tools),
            Kind::Resource => quote!(resources),
            Kind::Prompt => quote!(prompts),
        }
    }
}
