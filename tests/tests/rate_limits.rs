//! Rate limits of the policy: per caller and for everyone, by risk and by name, in both eras,
//! over stdio and over HTTP (429 with Retry-After), from the builder and from a policy file.

use std::io::Write;
use std::process::Stdio;

use mcp_runtime::permission::{Policy, RateLimit, RiskLevel, RATE_LIMITED};
use mcp_runtime::testing::TestClient;
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

fn limited_server(policy: Policy) -> mcp_runtime::Server {
    mcp_tests::fixture_server().policy(policy)
}

#[tokio::test]
async fn a_caller_over_its_allowance_is_refused_naming_the_limit_in_both_eras() {
    let policy = || {
        Policy::new()
            .limit(RateLimit::per_caller("2/minute".parse().unwrap()).capabilities(["echo"]))
    };
    for client in [
        TestClient::modern(limited_server(policy())).unwrap(),
        TestClient::legacy(limited_server(policy())).await.unwrap(),
    ] {
        for _ in 0..2 {
            client
                .call_tool("echo", json!({"text": "hi"}))
                .await
                .unwrap();
        }
        let refused = client
            .call_tool("echo", json!({"text": "hi"}))
            .await
            .unwrap_err();
        assert_eq!(refused.code, RATE_LIMITED);
        assert!(
            refused.message.starts_with(
                "rate limit reached: at most 2 calls a minute per caller, for echo; try again in "
            ),
            "{}",
            refused.message
        );
        let data = refused.data.unwrap();
        assert_eq!(data["per"], "caller");
        assert!(data["retryAfterSeconds"].as_u64().unwrap() >= 1);
        // Other tools are not counted.
        let sum = client
            .call_tool("add", json!({"a": 1, "b": 2}))
            .await
            .unwrap();
        assert_eq!(sum.text(), "3");
    }
}

#[tokio::test]
async fn a_limit_for_everyone_answers_a_tool_with_an_error_result_and_counts_by_risk() {
    let policy = Policy::new()
        .allow_up_to(RiskLevel::Critical)
        .limit(RateLimit::per_server("1/hour".parse().unwrap()).at_least(RiskLevel::High));
    let client = TestClient::modern(limited_server(policy)).unwrap();
    // `delete_record` is destructive, so high risk: one call an hour for everyone.
    let first = client.call_tool("delete_record", json!({"id": 1})).await;
    assert!(first.is_ok(), "{first:?}");
    let second = client
        .call_tool("delete_record", json!({"id": 2}))
        .await
        .unwrap();
    assert!(second.is_error);
    assert!(
        second.text().starts_with("rate limit reached: at most 1 call a hour for everyone together, for risk `high` and above"),
        "{}",
        second.text()
    );
    // Low-risk tools are not counted.
    for _ in 0..5 {
        client
            .call_tool("echo", json!({"text": "x"}))
            .await
            .unwrap();
    }
}

#[test]
fn limits_read_from_a_policy_file_and_bad_ones_name_their_line() {
    let policy = Policy::from_toml(
        r#"
[[limits]]
rate = "5/minute"
risk = "high"

[[limits]]
rate = "100/second"
per = "server"
capabilities = ["search*"]
"#,
        "policy.toml",
    )
    .unwrap();
    assert_eq!(
        policy.limits(),
        [
            RateLimit::per_caller("5/minute".parse().unwrap()).at_least(RiskLevel::High),
            RateLimit::per_server("100/second".parse().unwrap()).capabilities(["search*"]),
        ]
    );
    let error = Policy::from_toml("[[limits]]\nrate = \"5/fortnight\"\n", "policy.toml")
        .err()
        .unwrap();
    assert_eq!(
        error.to_string(),
        "policy.toml:2: key `limits[0].rate`: `5/fortnight` is not a rate; write calls per unit: \"5/minute\", \"100/second\", \"1000/hour\" or \"10000/day\""
    );
    let error = Policy::from_toml(
        "[[limits]]\nrate = \"5/minute\"\nper = \"everyone\"\n",
        "policy.toml",
    )
    .err()
    .unwrap();
    assert!(
        error
            .to_string()
            .starts_with("policy.toml:3: key `limits[0].per`: "),
        "{error}"
    );
}

#[tokio::test]
async fn over_stdio_the_limit_comes_from_the_policy_file() {
    let dir = std::env::temp_dir().join(format!("mcp-limits-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("policy.toml");
    let mut file = std::fs::File::create(&path).unwrap();
    writeln!(
        file,
        "[[limits]]\nrate = \"1/minute\"\ncapabilities = [\"echo\"]"
    )
    .unwrap();
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_fixture-server"))
        .env("MCP_POLICY", &path)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut answers = Vec::new();
    for id in 1..=2 {
        let call = json!({"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": {
            "name": "echo", "arguments": {"text": "hi"},
            "_meta": {"io.modelcontextprotocol/protocolVersion": "2026-07-28",
                      "io.modelcontextprotocol/clientCapabilities": {}},
        }});
        stdin
            .write_all(format!("{call}\n").as_bytes())
            .await
            .unwrap();
        let line = lines.next_line().await.unwrap().unwrap();
        answers.push(serde_json::from_str::<Value>(&line).unwrap());
    }
    assert_eq!(answers[0]["result"]["content"][0]["text"], "hi");
    assert_eq!(answers[1]["error"]["code"], RATE_LIMITED);
    assert_eq!(answers[1]["error"]["data"]["per"], "caller");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn over_http_a_caller_over_its_allowance_gets_429_with_retry_after() {
    use mcp_runtime::transport::http::{self, HttpConfig};
    let policy = Policy::new().limit(RateLimit::per_caller("2/minute".parse().unwrap()));
    let config = HttpConfig::default();
    let app = http::router(limited_server(policy).build().unwrap(), &config);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/mcp", listener.local_addr().unwrap());
    tokio::spawn(async move {
        http::serve_router(listener, app, &config, std::future::pending())
            .await
            .unwrap();
    });
    let statuses = tokio::task::spawn_blocking(move || {
        (1..=3)
            .map(|id| {
                let call = json!({"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": {
                    "name": "echo", "arguments": {"text": "hi"},
                    "_meta": {"io.modelcontextprotocol/protocolVersion": "2026-07-28",
                              "io.modelcontextprotocol/clientCapabilities": {}},
                }});
                let response = ureq::post(&url)
                    .header("Content-Type", "application/json")
                    .header("Accept", "application/json, text/event-stream")
                    .header("MCP-Protocol-Version", "2026-07-28")
                    .header("Mcp-Method", "tools/call")
                    .header("Mcp-Name", "echo")
                    .config()
                    .http_status_as_error(false)
                    .build()
                    .send(call.to_string())
                    .unwrap();
                let status = response.status().as_u16();
                let retry_after = response
                    .headers()
                    .get("retry-after")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned);
                let body: Value =
                    serde_json::from_str(&response.into_body().read_to_string().unwrap()).unwrap();
                (status, retry_after, body)
            })
            .collect::<Vec<_>>()
    })
    .await
    .unwrap();
    assert_eq!(statuses[0].0, 200);
    assert_eq!(statuses[1].0, 200);
    let (status, retry_after, body) = &statuses[2];
    assert_eq!(*status, 429, "{body}");
    let seconds: u64 = retry_after.as_deref().unwrap().parse().unwrap();
    assert!((1..=60).contains(&seconds), "{seconds}");
    assert_eq!(body["error"]["code"], RATE_LIMITED);
    assert_eq!(body["error"]["data"]["retryAfterSeconds"], seconds);
}
