//! Names that generated code must not pick up from the user's scope.
#![allow(dead_code, non_upper_case_globals)]

use mcp_runtime::prelude::*;

struct Result;
struct Option;
struct Box;
struct Vec;
struct String;
struct Arc;
trait Send {}
trait Sync {}
trait Deserialize {}
trait Future {}
fn assert_send() {}
const Ok: () = ();
const Err: () = ();
const Some: () = ();
const None: () = ();
mod std {}
mod core {}
mod serde {}
mod schemars {}
mod mcp_macros {}

/// Echoes.
#[tool]
fn echo(text: ::std::string::String, times: ::std::option::Option<u8>) -> ::std::string::String {
    text.repeat(usize::from(times.unwrap_or(1)))
}

/// Echoes, or fails.
#[tool]
async fn try_echo(
    text: ::std::string::String,
) -> ::std::result::Result<::std::string::String, ToolError> {
    ::std::result::Result::Ok(text)
}

/// Echoes a template variable.
#[resource("echo://{text}")]
async fn echo_resource(
    text: ::std::string::String,
) -> ::std::result::Result<::std::string::String, ToolError> {
    ::std::result::Result::Ok(text)
}

/// Echoes an argument.
#[prompt]
fn echo_prompt(
    text: ::std::string::String,
    times: ::std::option::Option<u8>,
) -> ::std::string::String {
    text.repeat(usize::from(times.unwrap_or(1)))
}

struct Echo;

#[mcp_server]
impl Echo {
    /// Echoes on a server.
    #[tool]
    async fn server_echo(&self, text: ::std::string::String) -> ::std::string::String {
        text
    }
}

/// A block without tools: only a resource and a prompt.
struct Quiet;

#[mcp_server]
impl Quiet {
    /// Echoes on a server.
    #[resource("quiet://{text}")]
    fn quiet_echo(&self, text: ::std::string::String) -> ::std::string::String {
        text
    }

    /// Echoes on a server.
    #[prompt]
    async fn quiet_prompt(&self, text: ::std::string::String) -> ::std::string::String {
        text
    }
}

fn main() {
    let _ = Server::new("echo", "1")
        .tools(tools![echo, try_echo])
        .resources(resources![echo_resource])
        .prompts(prompts![echo_prompt])
        .provider(Echo)
        .provider(Quiet);
}
