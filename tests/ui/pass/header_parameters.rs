use mcp_runtime::capability::ToolHandler;
use mcp_runtime::prelude::*;

/// Runs a query in a region.
#[tool(read_only)]
fn query(
    #[header("Region")] region: String,
    #[header("Tenant-Id")] tenant: Option<u64>,
    #[header("Dry-Run")] dry_run: bool,
    sql: String,
) -> String {
    format!("{region} {tenant:?} {dry_run} {sql}")
}

struct Db;

#[mcp_server]
impl Db {
    /// Reads a table in a region.
    #[tool(read_only)]
    fn read(&self, #[header("Region")] region: String, table: String) -> String {
        format!("{region} {table}")
    }
}

fn main() {
    let descriptor = query {}.descriptor();
    let properties = &descriptor.input_schema()["properties"];
    assert_eq!(properties["region"]["x-mcp-header"], "Region");
    assert_eq!(properties["tenant"]["x-mcp-header"], "Tenant-Id");
    assert_eq!(properties["dry_run"]["x-mcp-header"], "Dry-Run");
    assert!(properties["sql"].get("x-mcp-header").is_none());
    let mut mirrored: Vec<String> = descriptor
        .header_params()
        .unwrap()
        .into_iter()
        .map(|p| p.name)
        .collect();
    mirrored.sort();
    assert_eq!(mirrored, ["Dry-Run", "Region", "Tenant-Id"]);
    // The function itself is unchanged.
    assert_eq!(query("eu".into(), None, true, "x".into()), "eu None true x");
    let _ = Server::new("db", "1").tools(tools![query]).provider(Db).build().unwrap();
}
