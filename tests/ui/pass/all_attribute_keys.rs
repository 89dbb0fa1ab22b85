use mcp_runtime::capability::ToolHandler;
use mcp_runtime::prelude::*;

/// Doc comment that `description` overrides.
#[tool(
    name = "accounts.close",
    title = "Close an account",
    description = "Closes an account for good.",
    risk = "critical",
    scopes("accounts:read", "accounts:write"),
    destructive,
    idempotent,
    open_world
)]
fn close_account(id: String) -> String {
    id
}

/// Reads an account.
#[tool(
    read_only,
    open_world,
    idempotent,
    risk = "medium",
    scopes("accounts:read")
)]
fn read_account(id: String) -> String {
    id
}

/// Rebuilds the index; a task for clients that support tasks.
#[tool(task)]
async fn reindex() -> String {
    String::new()
}

/// Exports everything; only as a task.
#[tool(task = "required", timeout = "1h")]
async fn export_all() -> String {
    String::new()
}

/// Deletes a file; `destructive` alone means risk "high".
#[tool(destructive)]
fn delete_file(path: String) -> String {
    path
}

fn main() {
    use mcp_runtime::tasks::TaskSupport;
    assert_eq!(reindex {}.descriptor().tasks(), TaskSupport::Optional);
    assert_eq!(export_all {}.descriptor().tasks(), TaskSupport::Required);
    assert_eq!(delete_file {}.descriptor().tasks(), TaskSupport::Forbidden);
    let close = close_account {}.descriptor();
    assert_eq!(close.name(), "accounts.close");
    assert_eq!(close.description(), "Closes an account for good.");
    assert_eq!(close.permission().risk, RiskLevel::Critical);
    assert_eq!(
        close.permission().scopes,
        ["accounts:read", "accounts:write"]
    );
    let hints = close.tool_hints();
    assert!(!hints.read_only && hints.destructive && hints.idempotent && hints.open_world);

    let read = read_account {}.descriptor();
    assert_eq!(read.permission().risk, RiskLevel::Medium);
    assert!(read.tool_hints().read_only);

    assert_eq!(delete_file {}.descriptor().permission().risk, RiskLevel::High);
}
