//! The server built with three dependencies serves its tool, with the derived schema.

use mcp_runtime::serde_json::json;
use mcp_runtime::testing::TestClient;

#[tokio::test]
async fn a_server_with_three_dependencies_derives_its_schema_and_serves() {
    let client = TestClient::modern(mcp_minimal::server()).unwrap();
    let tools = client.list_tools().await.unwrap();
    let address = &tools[0].input_schema["properties"]["address"];
    assert_eq!(address["properties"]["city"]["type"], "string", "{address}");
    assert_eq!(address["required"], json!(["street", "city"]));
    let result = client
        .call_tool(
            "ship",
            json!({"address": {"street": "1 Main St", "city": "Oslo"}}),
        )
        .await
        .unwrap();
    assert_eq!(result.text(), "standard to 1 Main St, Oslo");
}
