//! Two tools served over stdio with rmcp.

use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::wrapper::Parameters;
use rmcp::{tool, tool_handler, tool_router, ServerHandler, ServiceExt};
use schemars::JsonSchema;
use serde::Deserialize;

#[derive(Deserialize, JsonSchema)]
struct AddArgs {
    /// the first addend
    a: f64,
    /// the second addend
    b: f64,
}

#[derive(Deserialize, JsonSchema)]
struct EchoArgs {
    /// what to echo
    text: String,
}

#[derive(Clone)]
struct TwoTools {
    tool_router: ToolRouter<TwoTools>,
}

#[tool_router]
impl TwoTools {
    #[tool(description = "Adds two numbers.")]
    fn add(&self, Parameters(AddArgs { a, b }): Parameters<AddArgs>) -> String {
        (a + b).to_string()
    }

    #[tool(description = "Returns its input.")]
    fn echo(&self, Parameters(EchoArgs { text }): Parameters<EchoArgs>) -> String {
        text
    }
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for TwoTools {}

#[tokio::main]
async fn main() {
    let server = TwoTools {
        tool_router: TwoTools::tool_router(),
    };
    match server.serve(rmcp::transport::stdio()).await {
        Ok(service) => {
            let _ = service.waiting().await;
        }
        Err(error) => {
            eprintln!("two-tools: {error}");
            std::process::exit(1);
        }
    }
}
