//! The stdio transport keeps reading whatever is in flight: answers to the server's own
//! questions, cancellations and pings get through when every place is taken, bursts are
//! absorbed, the queue is bounded, and the server ends when its input ends or it is told to
//! shut down, answering every request once.

use std::time::Duration;

use mcp_runtime::permission::Policy;
use mcp_runtime::prelude::*;
use mcp_runtime::transport::stdio::{serve_on, serve_on_until, StdioConfig, OVERLOADED};
use mcp_tests::bank::bank_server;
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, DuplexStream, Lines, WriteHalf};
use tokio::task::JoinHandle;

/// A client on the other end of an in-process pipe.
struct Client {
    input: WriteHalf<DuplexStream>,
    output: Lines<BufReader<tokio::io::ReadHalf<DuplexStream>>>,
    served: JoinHandle<mcp_runtime::Result<()>>,
}

const LIMIT: Duration = Duration::from_secs(60);

impl Client {
    fn start(server: Server, config: StdioConfig) -> Client {
        Client::start_until(server, config, std::future::pending())
    }

    fn start_until(
        server: Server,
        config: StdioConfig,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> Client {
        let dispatcher = server.build().unwrap();
        // A small pipe, so that a server that stops reading or writing shows at once.
        let (ours, theirs) = tokio::io::duplex(16 * 1024);
        let (server_in, server_out) = tokio::io::split(theirs);
        let served = tokio::spawn(serve_on_until(
            dispatcher, server_in, server_out, config, shutdown,
        ));
        let (output, input) = tokio::io::split(ours);
        Client {
            input,
            output: BufReader::new(output).lines(),
            served,
        }
    }

    async fn send(&mut self, message: Value) {
        let mut line = serde_json::to_vec(&message).unwrap();
        line.push(b'\n');
        tokio::time::timeout(LIMIT, self.input.write_all(&line))
            .await
            .expect("the server reads in time")
            .unwrap();
    }

    async fn receive(&mut self) -> Value {
        let line = tokio::time::timeout(LIMIT, self.output.next_line())
            .await
            .expect("the server answers in time")
            .unwrap()
            .expect("the server is still writing");
        serde_json::from_str(&line).unwrap()
    }

    async fn initialize(&mut self, capabilities: Value) {
        self.send(
            json!({"jsonrpc": "2.0", "id": "init", "method": "initialize", "params": {
            "protocolVersion": "2025-11-25", "capabilities": capabilities,
            "clientInfo": {"name": "t", "version": "1"}}}),
        )
        .await;
        assert_eq!(self.receive().await["id"], "init");
        self.send(json!({"jsonrpc": "2.0", "method": "notifications/initialized"}))
            .await;
    }

    /// Closes the client's end of input and waits for the server to return.
    async fn close(mut self) -> Vec<Value> {
        self.input.shutdown().await.unwrap();
        drop(self.input);
        let mut rest = Vec::new();
        while let Ok(Some(line)) = tokio::time::timeout(LIMIT, self.output.next_line())
            .await
            .expect("the server ends its output in time")
        {
            rest.push(serde_json::from_str(&line).unwrap());
        }
        tokio::time::timeout(LIMIT, self.served)
            .await
            .expect("the server returns in time")
            .unwrap()
            .unwrap();
        rest
    }
}

fn transfer(id: u64) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
        "params": {"name": "transfer", "arguments": {"from": "A", "to": "B", "amount": 1}}})
}

/// `count` confirmed transfers at once: all questions are answered as they come, all calls
/// finish.
async fn confirmed_transfers(count: u64) {
    let mut client = Client::start(bank_server(), StdioConfig::default());
    client.initialize(json!({"elicitation": {}})).await;
    for id in 1..=count {
        client.send(transfer(id)).await;
    }
    let mut done = 0;
    let mut answered = std::collections::HashSet::new();
    while done < count {
        let message = client.receive().await;
        if message["method"] == "elicitation/create" {
            let answer = json!({"jsonrpc": "2.0", "id": message["id"],
                "result": {"action": "accept", "content": {"confirm": true}}});
            client.send(answer).await;
            continue;
        }
        assert_eq!(
            message["result"]["content"][0]["text"], "moved 1 from A to B",
            "{message}"
        );
        assert!(answered.insert(message["id"].as_u64().unwrap()));
        done += 1;
    }
    assert!(client.close().await.is_empty());
}

#[tokio::test]
async fn two_hundred_and_fifty_six_confirmed_calls_all_complete() {
    confirmed_transfers(256).await;
}

#[tokio::test]
async fn a_thousand_confirmed_calls_all_complete() {
    confirmed_transfers(1000).await;
}

#[tokio::test]
async fn cancellations_and_pings_get_through_when_every_place_is_taken() {
    let config = StdioConfig {
        max_in_flight: 2,
        ..StdioConfig::default()
    };
    let mut client = Client::start(mcp_tests::fixture_server(), config);
    client.initialize(json!({})).await;
    for id in 1..=3 {
        client
            .send(json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
                "params": {"name": "sleep", "arguments": {"ms": 600_000}}}))
            .await;
    }
    // Two run, the third waits; a ping is answered all the same.
    client
        .send(json!({"jsonrpc": "2.0", "id": "ping", "method": "ping"}))
        .await;
    assert_eq!(client.receive().await["id"], "ping");
    // Cancelling the running ones lets the waiting one start; cancelling it ends it too.
    for id in 1..=3 {
        client
            .send(
                json!({"jsonrpc": "2.0", "method": "notifications/cancelled",
                "params": {"requestId": id}}),
            )
            .await;
    }
    client
        .send(
            json!({"jsonrpc": "2.0", "id": "after", "method": "tools/call",
            "params": {"name": "echo", "arguments": {"text": "free"}}}),
        )
        .await;
    let after = client.receive().await;
    assert_eq!(after["id"], "after", "{after}");
    assert!(client.close().await.is_empty());
}

#[tokio::test]
async fn a_full_queue_answers_overloaded_at_once() {
    let config = StdioConfig {
        max_in_flight: 1,
        max_queued_bytes: 150,
        ..StdioConfig::default()
    };
    let mut client = Client::start(mcp_tests::fixture_server(), config);
    client.initialize(json!({})).await;
    let sleep = |id: u64| {
        json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
            "params": {"name": "sleep", "arguments": {"ms": 300}}})
    };
    // One runs, one waits (about 100 bytes), the third does not fit.
    for id in 1..=3 {
        client.send(sleep(id)).await;
    }
    let refused = client.receive().await;
    assert_eq!(refused["id"], 3, "{refused}");
    assert_eq!(refused["error"]["code"], OVERLOADED);
    let mut finished: Vec<u64> = Vec::new();
    for _ in 0..2 {
        finished.push(client.receive().await["id"].as_u64().unwrap());
    }
    assert_eq!(finished, [1, 2], "queued requests run in order");
    assert!(client.close().await.is_empty());
}

#[tokio::test]
async fn a_burst_written_before_reading_is_absorbed() {
    let mut client = Client::start(mcp_tests::fixture_server(), StdioConfig::default());
    client.initialize(json!({})).await;
    // Far more answers than the pipe holds; nothing is read until all requests are written.
    let count = 5000;
    for id in 0..count {
        client
            .send(json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
                "params": {"name": "add", "arguments": {"a": id, "b": 1}}}))
            .await;
    }
    let mut answered = std::collections::HashSet::new();
    for _ in 0..count {
        let answer = client.receive().await;
        assert!(answered.insert(answer["id"].as_u64().unwrap()), "{answer}");
    }
    assert_eq!(answered.len(), count as usize);
    assert!(client.close().await.is_empty());
}

#[tokio::test]
async fn listen_as_the_first_message_does_not_hold_up_the_server() {
    let mut client = Client::start(mcp_tests::fixture_server(), StdioConfig::default());
    let meta = json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {},
    });
    client
        .send(
            json!({"jsonrpc": "2.0", "id": "listen", "method": "subscriptions/listen",
            "params": {"_meta": meta, "notifications": {"toolsListChanged": true}}}),
        )
        .await;
    let acknowledged = client.receive().await;
    assert_eq!(
        acknowledged["method"],
        "notifications/subscriptions/acknowledged"
    );
    client
        .send(
            json!({"jsonrpc": "2.0", "id": "list", "method": "tools/list",
            "params": {"_meta": meta}}),
        )
        .await;
    assert_eq!(client.receive().await["id"], "list");
    // End of input ends the stream, which gets its one answer, and the server returns.
    let rest = client.close().await;
    assert_eq!(rest.len(), 1, "{rest:?}");
    assert_eq!(rest[0]["id"], "listen");
    assert!(rest[0]["error"].is_object(), "{rest:?}");
}

#[tokio::test]
async fn end_of_input_while_a_call_waits_on_the_client_answers_it_and_returns() {
    let mut client = Client::start(bank_server(), StdioConfig::default());
    client.initialize(json!({"elicitation": {}})).await;
    client.send(transfer(7)).await;
    let question = client.receive().await;
    assert_eq!(question["method"], "elicitation/create");
    // The client goes away without answering.
    let rest = client.close().await;
    assert_eq!(rest.len(), 1, "{rest:?}");
    assert_eq!(rest[0]["id"], 7);
    assert_eq!(rest[0]["result"]["isError"], true, "{rest:?}");
}

#[tokio::test]
async fn shutdown_finishes_what_runs_within_the_grace_and_cancels_the_rest_with_an_answer() {
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let config = StdioConfig {
        shutdown_grace: Duration::from_millis(500),
        ..StdioConfig::default()
    };
    let mut client = Client::start_until(
        mcp_tests::fixture_server().policy(Policy::new()),
        config,
        async {
            let _ = stopped.await;
        },
    );
    client.initialize(json!({})).await;
    let sleep = |id: &str, ms: u64| {
        json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
            "params": {"name": "sleep", "arguments": {"ms": ms}}})
    };
    client.send(sleep("short", 100)).await;
    client.send(sleep("endless", 600_000)).await;
    client
        .send(json!({"jsonrpc": "2.0", "id": "ping", "method": "ping"}))
        .await;
    assert_eq!(client.receive().await["id"], "ping");
    stop.send(()).unwrap();
    // A request after shutdown began is refused.
    tokio::time::sleep(Duration::from_millis(20)).await;
    client.send(sleep("late", 1)).await;
    let mut answers = std::collections::HashMap::new();
    for _ in 0..3 {
        let answer = client.receive().await;
        answers.insert(answer["id"].as_str().unwrap().to_owned(), answer);
    }
    assert!(answers["late"]["error"]["message"]
        .as_str()
        .unwrap()
        .contains("shutting down"));
    assert!(answers["short"]["result"].is_object(), "{answers:?}");
    assert!(answers["endless"]["error"]["message"]
        .as_str()
        .unwrap()
        .contains("shutting down"));
    tokio::time::timeout(LIMIT, client.served)
        .await
        .expect("the server returns after the grace period")
        .unwrap()
        .unwrap();
}

#[tokio::test]
async fn serve_on_still_serves_until_input_ends() {
    let dispatcher = mcp_tests::fixture_server().build().unwrap();
    let (mut ours, theirs) = tokio::io::duplex(1024);
    let (input, output) = tokio::io::split(theirs);
    let served = tokio::spawn(serve_on(dispatcher, input, output, StdioConfig::default()));
    ours.write_all(b"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}\n")
        .await
        .unwrap();
    ours.shutdown().await.unwrap();
    let mut text = String::new();
    tokio::io::AsyncReadExt::read_to_string(&mut ours, &mut text)
        .await
        .unwrap();
    assert_eq!(text, "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}\n");
    served.await.unwrap().unwrap();
}

/// Blocks its thread for `ms` milliseconds, as synchronous I/O does.
#[tool]
fn block(ms: u64) -> String {
    std::thread::sleep(Duration::from_millis(ms));
    "unblocked".to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blocking_synchronous_tool_does_not_hold_up_other_requests() {
    let server = Server::new("blocking", "1.0.0").tools(tools![block]);
    let mut client = Client::start(server, StdioConfig::default());
    client.initialize(json!({})).await;
    for id in ["slow-1", "slow-2", "slow-3"] {
        client
            .send(json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
                "params": {"name": "block", "arguments": {"ms": 1500}}}))
            .await;
    }
    client
        .send(json!({"jsonrpc": "2.0", "id": "ping", "method": "ping"}))
        .await;
    // The ping is answered while all three still block their threads.
    assert_eq!(client.receive().await["id"], "ping");
    let mut rest: Vec<String> = Vec::new();
    for _ in 0..3 {
        let answer = client.receive().await;
        assert_eq!(answer["result"]["content"][0]["text"], "unblocked");
        rest.push(answer["id"].as_str().unwrap().to_owned());
    }
    rest.sort();
    assert_eq!(rest, ["slow-1", "slow-2", "slow-3"]);
    assert!(client.close().await.is_empty());
}
