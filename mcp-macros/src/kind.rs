//! The three kinds of capability a function can become, and what differs between them: the
//! attribute's name and keys, the words the errors use, and the runtime types the expansion
//! implements.

use proc_macro2::TokenStream;
use quote::quote;

use crate::paths::Paths;

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

    // The runtime side, all through the paths of the expansion.

    pub fn handler_trait(self, rt: &Paths) -> TokenStream {
        match self {
            Kind::Tool => quote!(#rt::ToolHandler),
            Kind::Resource => quote!(#rt::ResourceHandler),
            Kind::Prompt => quote!(#rt::PromptHandler),
        }
    }

    pub fn descriptor_type(self, rt: &Paths) -> TokenStream {
        match self {
            Kind::Tool => quote!(#rt::ToolDescriptor),
            Kind::Resource => quote!(#rt::ResourceDescriptor),
            Kind::Prompt => quote!(#rt::PromptDescriptor),
        }
    }

    /// The type of the one request argument of the handler method.
    pub fn request_type(self, rt: &Paths) -> TokenStream {
        match self {
            Kind::Tool => quote!(#rt::ToolCall),
            Kind::Resource => quote!(#rt::ResourceRead),
            Kind::Prompt => quote!(#rt::PromptCall),
        }
    }

    pub fn future_type(self, rt: &Paths) -> TokenStream {
        match self {
            Kind::Tool => quote!(#rt::ToolFuture),
            Kind::Resource => quote!(#rt::ResourceFuture),
            Kind::Prompt => quote!(#rt::PromptFuture),
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

    /// The `Provider` method listing this kind: `tools`, `resources`, `prompts`.
    pub fn provider_method(self) -> TokenStream {
        match self {
            Kind::Tool => quote!(tools),
            Kind::Resource => quote!(resources),
            Kind::Prompt => quote!(prompts),
        }
    }
}
