//! Property-based fuzzing of everything a server reads from the outside: JSON-RPC messages,
//! tool arguments, URI templates, policy files and bearer tokens.
//!
//! Each property runs a modest number of generated cases by default, so that
//! `cargo test --workspace` stays fast; `PROPTEST_CASES` sets the number for long runs
//! (see FUZZING.md). A failure prints the smallest input proptest could shrink it to; such
//! inputs are kept below as plain regression tests.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::body::Body;
use axum::http::{header, HeaderValue, Method, Request, StatusCode};
use base64::Engine;
use bytes::Bytes;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey};
use mcp_runtime::capability::UriTemplate;
use mcp_runtime::permission::{Permission, Policy, RiskLevel};
use mcp_runtime::prelude::*;
use mcp_runtime::protocol::{code, Incoming, RequestId};
use mcp_runtime::server::Connection;
use mcp_runtime::testing::TestClient;
use mcp_runtime::transport::http::{
    self, HttpAuth, HttpConfig, JwtVerifier, StaticTokens, TokenVerifier,
};
use mcp_runtime::Dispatcher;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestError, TestRunner};
use ring::rand::SystemRandom;
use ring::signature::{EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_FIXED_SIGNING};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{json, Map, Value};
use tokio::runtime::Runtime;
use tokio::sync::mpsc;

// ---------------------------------------------------------------------------------------
// Running properties

/// `default` cases, or `PROPTEST_CASES` when it is set. Failures are not persisted to files:
/// the shrunk input is printed, and kept in this file as a regression test.
fn config(default: u32) -> Config {
    let mut config = Config {
        failure_persistence: None,
        ..Config::default()
    };
    if std::env::var_os("PROPTEST_CASES").is_none() {
        config.cases = default;
    }
    config
}

/// Runs `test` on values of `strategy`; panics with the shrunk input on failure.
fn check<S: Strategy>(
    name: &str,
    cases: u32,
    strategy: S,
    test: impl Fn(S::Value) -> Result<(), TestCaseError>,
) where
    S::Value: std::fmt::Debug,
{
    let config = config(cases);
    let total = config.cases;
    let mut runner = TestRunner::new(config);
    let start = std::time::Instant::now();
    match runner.run(&strategy, test) {
        Ok(()) => eprintln!(
            "{name}: {total} cases passed in {:.1} s",
            start.elapsed().as_secs_f64()
        ),
        Err(TestError::Fail(reason, input)) => {
            panic!("{name}: {reason}\nminimal failing input: {input:#?}")
        }
        Err(TestError::Abort(reason)) => panic!("{name}: aborted: {reason}"),
    }
}

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

// ---------------------------------------------------------------------------------------
// Generators shared by the targets

/// Any JSON value: unicode strings, extreme numbers, nested arrays and objects.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_filter_map("a finite number", |f| {
            serde_json::Number::from_f64(f).map(Value::Number)
        }),
        any::<String>().prop_map(Value::String),
        "[a-z_]{0,6}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((key_name(), inner), 0..6)
                .prop_map(|fields| Value::Object(fields.into_iter().collect())),
        ]
    })
}

fn key_name() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "[a-z_]{1,8}",
        1 => any::<String>(),
    ]
}

/// JSON text that `json_value` cannot produce: numbers out of every range, escapes,
/// lone surrogates, deep nesting.
fn odd_json_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "-?[0-9]{15,40}",
        "-?[0-9]{1,4}\\.[0-9]{0,4}([eE][+-]?[0-9]{1,4})?",
        Just("-0".to_owned()),
        Just("1e400".to_owned()),
        Just("\"\\ud800\"".to_owned()),
        Just("\"\\u0000\\uffff\\udbff\\udfff\"".to_owned()),
        Just("\"\u{feff}\u{202e}\u{1F600}\"".to_owned()),
        (1usize..3000, any::<bool>()).prop_map(|(depth, arrays)| nested(depth, arrays)),
    ]
}

fn nested(depth: usize, arrays: bool) -> String {
    if arrays {
        format!("{}{}", "[".repeat(depth), "]".repeat(depth))
    } else {
        format!("{}1{}", "{\"a\":".repeat(depth), "}".repeat(depth))
    }
}

fn json_text() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => json_value().prop_map(|v| v.to_string()),
        1 => odd_json_text(),
    ]
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn base64url(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

// ---------------------------------------------------------------------------------------
// 1. The JSON-RPC decoder, through `Dispatcher::handle` on raw bytes

/// Echoes its text.
///
/// # Arguments
/// * `text` - what to echo
#[tool(read_only)]
fn echo(text: String) -> String {
    text
}

/// Adds two integers.
///
/// # Arguments
/// * `a` - one addend
/// * `b` - the other
#[tool(read_only)]
fn add(a: i64, b: i64) -> Result<i64, ToolError> {
    a.checked_add(b)
        .ok_or_else(|| ToolError::new("the sum overflows"))
}

/// One note, by number.
#[resource("notes://{id}/text")]
fn note(id: u32) -> String {
    format!("note {id}")
}

/// Asks for a summary.
///
/// # Arguments
/// * `topic` - what to summarise
#[prompt]
fn summarise(topic: String) -> Vec<PromptMessage> {
    vec![PromptMessage::user(format!("Summarise {topic}."))]
}

fn rpc_server() -> Server {
    Server::new("fuzz", "1.0.0")
        .tools(tools![echo, add, typed])
        .resources(resources![note])
        .prompts(prompts![summarise])
}

/// A dispatcher with two connections: one that completed the handshake, one that never did.
struct Wire {
    dispatcher: Dispatcher,
    connections: Vec<(Arc<Connection>, mpsc::Receiver<Vec<u8>>)>,
}

impl Wire {
    async fn new() -> Wire {
        let dispatcher = rpc_server().build().unwrap();
        let mut connections = Vec::new();
        for _ in 0..2 {
            let (tx, rx) = mpsc::channel(1 << 16);
            connections.push((Arc::new(Connection::new(tx)), rx));
        }
        let wire = Wire {
            dispatcher,
            connections,
        };
        let initialize = json!({
            "jsonrpc": "2.0", "id": "init", "method": "initialize",
            "params": {"protocolVersion": "2025-11-25", "capabilities": {},
                       "clientInfo": {"name": "fuzz", "version": "1"}},
        });
        let answer = wire
            .send(0, initialize.to_string().as_bytes())
            .await
            .unwrap();
        assert!(answer.get("result").is_some(), "{answer}");
        assert!(wire
            .send(
                0,
                br#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#
            )
            .await
            .is_none());
        wire
    }

    /// Sends raw bytes on connection `which`; the answer must be JSON.
    async fn send(&self, which: usize, bytes: &[u8]) -> Option<Value> {
        let answer = self
            .dispatcher
            .handle(&self.connections[which].0, Bytes::copy_from_slice(bytes))
            .await?;
        Some(serde_json::from_slice(&answer).unwrap_or_else(|e| {
            panic!(
                "the answer is not JSON ({e}): {}",
                String::from_utf8_lossy(&answer)
            )
        }))
    }

    fn drain(&mut self) {
        for (_, rx) in &mut self.connections {
            while rx.try_recv().is_ok() {}
        }
    }

    /// A good call still works.
    async fn still_serves(&self, which: usize) -> Result<(), TestCaseError> {
        let mut params = json!({"name": "add", "arguments": {"a": 2, "b": 3}});
        if which == 1 {
            params["_meta"] = modern_meta();
        }
        let request =
            json!({"jsonrpc": "2.0", "id": "check", "method": "tools/call", "params": params});
        let answer = self.send(which, request.to_string().as_bytes()).await;
        let answer = answer.ok_or_else(|| TestCaseError::fail("a good call got no answer"))?;
        prop_assert_eq!(&answer["id"], "check");
        prop_assert_eq!(&answer["result"]["content"][0]["text"], "5", "{}", answer);
        Ok(())
    }
}

fn modern_meta() -> Value {
    json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientInfo": {"name": "fuzz", "version": "1"},
        "io.modelcontextprotocol/clientCapabilities": {},
    })
}

/// Every answer is one JSON-RPC 2.0 response: `jsonrpc`, `id`, and exactly one of `result`
/// and `error` (an integer code and a message).
fn assert_response_shape(answer: &Value) -> Result<(), TestCaseError> {
    let object = answer
        .as_object()
        .ok_or_else(|| TestCaseError::fail(format!("the answer is not an object: {answer}")))?;
    prop_assert_eq!(&object["jsonrpc"], "2.0", "{}", answer);
    prop_assert!(object.contains_key("id"), "no id: {}", answer);
    prop_assert!(
        object["id"].is_null() || object["id"].is_string() || object["id"].is_i64(),
        "{}",
        answer
    );
    prop_assert!(
        object.contains_key("result") != object.contains_key("error"),
        "{}",
        answer
    );
    if let Some(error) = object.get("error") {
        prop_assert!(error["code"].is_i64(), "{}", answer);
        prop_assert!(error["message"].is_string(), "{}", answer);
    }
    Ok(())
}

/// What a message is, judged independently of the runtime from its JSON.
#[derive(Debug, PartialEq)]
enum Kind {
    /// `jsonrpc: "2.0"`, a string or 64-bit integer id, a string method, nothing else wrong.
    Request(Value),
    /// `jsonrpc: "2.0"`, a string method, no `id` key, nothing else wrong.
    Notification,
    /// `jsonrpc: "2.0"`, an id, no method, and exactly one of a non-null `result` and a
    /// well-formed `error`.
    Response,
    /// Anything else: it may be answered with an error, whose id is the message's or null.
    Other,
}

fn valid_id(id: &Value) -> bool {
    id.is_string() || id.is_i64()
}

fn valid_error_object(error: &Value) -> bool {
    let Some(object) = error.as_object() else {
        return false;
    };
    let code_ok = object
        .get("code")
        .and_then(Value::as_i64)
        .is_some_and(|c| i32::try_from(c).is_ok());
    let message_ok = object.get("message").is_some_and(Value::is_string);
    code_ok
        && message_ok
        && object
            .keys()
            .all(|k| ["code", "message", "data"].contains(&k.as_str()))
}

/// The top-level fields of a JSON object, values unparsed (the last of repeated keys wins).
fn fields_of(text: &[u8]) -> Option<BTreeMap<String, &RawValue>> {
    serde_json::from_slice(text).ok()
}

fn parsed(raw: Option<&&RawValue>) -> Option<Value> {
    raw.and_then(|raw| serde_json::from_str(raw.get()).ok())
}

/// Classifies `text`; `unique_keys` says whether the top-level object's keys are distinct.
///
/// A null `id` and a null `result` or `error` are left in `Other`; what they get is pinned by
/// the regression tests at the end of the file.
fn kind_of(text: &[u8], unique_keys: bool) -> Kind {
    let Some(fields) = fields_of(text) else {
        return Kind::Other;
    };
    const KNOWN: [&str; 6] = ["jsonrpc", "id", "method", "params", "result", "error"];
    if !unique_keys
        || parsed(fields.get("jsonrpc")) != Some(json!("2.0"))
        || fields.keys().any(|k| !KNOWN.contains(&k.as_str()))
    {
        return Kind::Other;
    }
    let has = |key: &str| fields.contains_key(key);
    let id = parsed(fields.get("id")).filter(valid_id);
    let method = parsed(fields.get("method")).filter(Value::is_string);
    match (method, id) {
        (Some(_), Some(id)) if has("id") && !has("result") && !has("error") => Kind::Request(id),
        (Some(_), None) if !has("id") && !has("result") && !has("error") => Kind::Notification,
        (None, Some(_)) if !has("method") && !has("params") => {
            let result = fields.get("result").map(|raw| raw.get());
            let error = parsed(fields.get("error"));
            match (result, has("error")) {
                (Some(result), false) if result != "null" => Kind::Response,
                (None, true) if error.as_ref().is_some_and(valid_error_object) => Kind::Response,
                _ => Kind::Other,
            }
        }
        _ => Kind::Other,
    }
}

/// The id of a message, if it has a usable one.
fn id_of(text: &[u8]) -> Option<Value> {
    parsed(fields_of(text)?.get("id")).filter(valid_id)
}

fn request_id_json(id: &RequestId) -> Value {
    serde_json::to_value(id).unwrap()
}

/// The properties of one message on one connection.
async fn check_message(
    wire: &Wire,
    which: usize,
    text: &[u8],
    unique_keys: bool,
) -> Result<Kind, TestCaseError> {
    let decoded = Incoming::decode(text);
    let answer = wire.send(which, text).await;
    if let Some(answer) = &answer {
        assert_response_shape(answer)?;
        // An answer's id is the message's own, or null.
        let id = &answer["id"];
        if !id.is_null() {
            prop_assert_eq!(Some(id.clone()), id_of(text), "{}", answer);
        }
    }
    // The runtime's decoder and its dispatcher agree on who gets an answer.
    match &decoded {
        Ok(Incoming::Request { id, .. }) => {
            let answer = answer
                .as_ref()
                .ok_or_else(|| TestCaseError::fail("a request got no answer"))?;
            prop_assert_eq!(&answer["id"], &request_id_json(id));
        }
        Ok(Incoming::Notification { .. }) | Ok(Incoming::Response { .. }) => {
            prop_assert!(answer.is_none(), "answered {:?}", answer);
        }
        Err(e) => {
            let answer = answer
                .as_ref()
                .ok_or_else(|| TestCaseError::fail("an undecodable message got no answer"))?;
            prop_assert!(answer.get("error").is_some());
            let expected = e.id.as_ref().map_or(Value::Null, request_id_json);
            prop_assert_eq!(&answer["id"], &expected);
        }
    }
    // And both agree with a reading of the JSON that does not use the runtime.
    let kind = kind_of(text, unique_keys);
    match &kind {
        Kind::Request(id) => {
            prop_assert!(
                matches!(decoded, Ok(Incoming::Request { .. })),
                "decoded as {:?}",
                decoded
            );
            prop_assert_eq!(answer.as_ref().map(|a| &a["id"]), Some(id));
        }
        Kind::Notification | Kind::Response => {
            prop_assert!(answer.is_none(), "answered {:?}", answer);
        }
        Kind::Other => {}
    }
    Ok(kind)
}

/// A JSON-RPC-ish object written field by field, so that keys may repeat and values may be
/// any JSON text.
#[derive(Debug, Clone)]
struct RawMessage {
    fields: Vec<(String, String)>,
}

impl RawMessage {
    fn text(&self) -> String {
        let fields: Vec<String> = self
            .fields
            .iter()
            .map(|(k, v)| format!("{}:{v}", Value::from(k.as_str())))
            .collect();
        format!("{{{}}}", fields.join(","))
    }

    fn unique_keys(&self) -> bool {
        let mut keys: Vec<&str> = self.fields.iter().map(|(k, _)| k.as_str()).collect();
        keys.sort_unstable();
        keys.windows(2).all(|w| w[0] != w[1])
    }
}

const METHODS: [&str; 16] = [
    "ping",
    "initialize",
    "tools/list",
    "tools/call",
    "resources/list",
    "resources/templates/list",
    "resources/read",
    "resources/subscribe",
    "resources/unsubscribe",
    "prompts/list",
    "prompts/get",
    "completion/complete",
    "logging/setLevel",
    "server/discover",
    "notifications/cancelled",
    "notifications/initialized",
];

fn method_text() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(&METHODS[..]).prop_map(|m| Value::from(m).to_string()),
        // Any name but the one that opens a long-lived stream (`subscriptions/listen`).
        1 => any::<String>()
            .prop_filter("not the listening method", |m| m != "subscriptions/listen")
            .prop_map(|m| Value::from(m).to_string()),
        1 => json_text(),
    ]
}

fn id_text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => any::<i64>().prop_map(|n| n.to_string()),
        2 => any::<String>().prop_map(|s| Value::from(s).to_string()),
        1 => Just(i64::MAX.to_string()),
        1 => Just(i64::MIN.to_string()),
        1 => Just(u64::MAX.to_string()),
        1 => Just("null".to_owned()),
        1 => json_text(),
    ]
}

/// Parameters that reach the handlers: well-formed, nearly well-formed, or anything.
fn params_text() -> impl Strategy<Value = String> {
    let tool_call = (
        prop::sample::select(&["echo", "add", "typed", "missing"][..]),
        json_value(),
    )
        .prop_map(|(name, arguments)| json!({"name": name, "arguments": arguments}));
    let read = prop_oneof![
        any::<u32>().prop_map(|n| format!("notes://{n}/text")),
        any::<String>(),
    ]
    .prop_map(|uri| json!({"uri": uri}));
    let prompt = (any::<String>(), json_value())
        .prop_map(|(name, arguments)| json!({"name": name, "arguments": arguments}));
    let known = prop_oneof![tool_call, read, prompt, json_value()];
    prop_oneof![
        3 => (known, any::<bool>(), any::<bool>()).prop_map(|(mut params, meta, cursor)| {
            if let Value::Object(map) = &mut params {
                if meta {
                    map.insert("_meta".into(), modern_meta());
                }
                if cursor {
                    map.insert("cursor".into(), json!("bm90IGEgY3Vyc29y"));
                }
            }
            params.to_string()
        }),
        1 => json_text(),
    ]
}

fn error_text() -> impl Strategy<Value = String> {
    prop_oneof![
        (
            any::<i32>(),
            any::<String>(),
            prop::option::of(json_value())
        )
            .prop_map(|(code, message, data)| {
                let mut error = json!({"code": code, "message": message});
                if let Some(data) = data {
                    error["data"] = data;
                }
                error.to_string()
            }),
        json_text(),
    ]
}

fn field() -> impl Strategy<Value = (String, String)> {
    prop_oneof![
        3 => prop_oneof![Just("\"2.0\"".to_owned()), Just("\"1.0\"".to_owned()), json_text()]
            .prop_map(|v| ("jsonrpc".to_owned(), v)),
        3 => id_text().prop_map(|v| ("id".to_owned(), v)),
        3 => method_text().prop_map(|v| ("method".to_owned(), v)),
        2 => params_text().prop_map(|v| ("params".to_owned(), v)),
        1 => json_text().prop_map(|v| ("result".to_owned(), v)),
        1 => error_text().prop_map(|v| ("error".to_owned(), v)),
        1 => (key_name(), json_text()),
    ]
}

/// Messages that look like JSON-RPC: usually the usual fields, in any order, sometimes
/// repeated, sometimes of the wrong type.
fn raw_message() -> impl Strategy<Value = RawMessage> {
    let well_formed = (
        id_text(),
        method_text(),
        prop::option::of(params_text()),
        any::<bool>(),
    )
        .prop_map(|(id, method, params, notification)| {
            let mut fields = vec![("jsonrpc".to_owned(), "\"2.0\"".to_owned())];
            if !notification {
                fields.push(("id".to_owned(), id));
            }
            fields.push(("method".to_owned(), method));
            if let Some(params) = params {
                fields.push(("params".to_owned(), params));
            }
            RawMessage { fields }
        });
    let response = (
        id_text(),
        prop_oneof![json_text(), error_text()],
        any::<bool>(),
    )
        .prop_map(|(id, body, is_error)| RawMessage {
            fields: vec![
                ("jsonrpc".to_owned(), "\"2.0\"".to_owned()),
                ("id".to_owned(), id),
                (if is_error { "error" } else { "result" }.to_owned(), body),
            ],
        });
    prop_oneof![
        3 => well_formed,
        1 => response,
        3 => prop::collection::vec(field(), 0..8).prop_map(|fields| RawMessage { fields }),
        // A well-formed message with fields shuffled in or duplicated.
        2 => (
            prop::collection::vec(field(), 1..4),
            prop::collection::vec(field(), 0..3),
        )
            .prop_map(|(mut a, b)| {
                a.extend(b);
                let copy = a[0].clone();
                a.push(copy);
                RawMessage { fields: a }
            }),
    ]
}

#[test]
fn json_rpc_arbitrary_bytes_are_answered_without_panicking() {
    let rt = runtime();
    let wire = std::cell::RefCell::new(rt.block_on(Wire::new()));
    let bytes = prop_oneof![
        prop::collection::vec(any::<u8>(), 0..256),
        // Mostly JSON punctuation, so that parsing gets past the first byte.
        prop::collection::vec(
            prop::sample::select(&b"{}[]\":,0123456789.eE+-truefalsnl \\u\t\nabc"[..]),
            0..128
        ),
        any::<String>().prop_map(String::into_bytes),
    ];
    check(
        "json_rpc_arbitrary_bytes",
        512,
        (bytes, 0usize..2),
        |(bytes, which)| {
            let mut wire = wire.borrow_mut();
            let result = rt.block_on(check_message(&wire, which, &bytes, false));
            wire.drain();
            result.map(|_| ())
        },
    );
    let wire = wire.into_inner();
    rt.block_on(async {
        wire.still_serves(0).await.unwrap();
        wire.still_serves(1).await.unwrap();
    });
}

#[test]
fn json_rpc_structured_messages_get_exactly_the_answers_they_should() {
    let rt = runtime();
    let wire = std::cell::RefCell::new(rt.block_on(Wire::new()));
    // How many messages of each kind the generator produced: [request, notification,
    // response, other].
    let seen = std::cell::Cell::new([0u32; 4]);
    check(
        "json_rpc_structured",
        768,
        (raw_message(), 0usize..2),
        |(message, which)| {
            let text = message.text();
            let mut wire = wire.borrow_mut();
            let result = rt.block_on(async {
                let kind =
                    check_message(&wire, which, text.as_bytes(), message.unique_keys()).await?;
                wire.still_serves(which).await?;
                Ok::<_, TestCaseError>(kind)
            });
            wire.drain();
            let mut counts = seen.get();
            counts[match result? {
                Kind::Request(_) => 0,
                Kind::Notification => 1,
                Kind::Response => 2,
                Kind::Other => 3,
            }] += 1;
            seen.set(counts);
            Ok(())
        },
    );
    let counts = seen.get();
    eprintln!("json_rpc_structured: [request, notification, response, other] = {counts:?}");
    if config(768).cases >= 256 {
        assert!(counts.iter().all(|&n| n > 0), "{counts:?}");
    }
}

#[test]
fn json_rpc_deep_nesting_anywhere_is_refused_not_overflowed() {
    let rt = runtime();
    let wire = rt.block_on(Wire::new());
    check(
        "json_rpc_deep_nesting",
        64,
        (
            1usize..20_000,
            any::<bool>(),
            prop::sample::select(&["id", "params", "result", "error", "method", "jsonrpc"][..]),
            0usize..2,
        ),
        |(depth, arrays, key, which)| {
            let text = format!(
                r#"{{"jsonrpc":"2.0","id":1,"method":"tools/call","{key}":{}}}"#,
                nested(depth, arrays)
            );
            rt.block_on(check_message(&wire, which, text.as_bytes(), false))?;
            // Nested inside a tool's arguments too.
            let text = format!(
                r#"{{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{{"name":"echo","arguments":{{"text":{}}}}}}}"#,
                nested(depth, arrays)
            );
            rt.block_on(check_message(&wire, which, text.as_bytes(), true))?;
            Ok(())
        },
    );
}

// ---------------------------------------------------------------------------------------
// 2. The argument decoder: arbitrary JSON as a typed tool's arguments

/// A nested parameter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
struct Inner {
    label: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    weight: Option<f64>,
    tags: Vec<String>,
}

/// An enum parameter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
enum Shape {
    Circle { radius: f64 },
    Square(u32),
    Empty,
}

/// A parameter nesting structs, enums, options and lists.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
struct Order {
    id: u64,
    inner: Inner,
    shapes: Vec<Shape>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    parent: Option<Box<Order>>,
}

/// Every parameter, echoed back.
#[derive(Debug, Serialize, JsonSchema)]
struct Echoed {
    small: u8,
    big: i64,
    ratio: f64,
    flag: bool,
    text: String,
    list: Vec<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    maybe: Option<i32>,
    order: Order,
    shape: Shape,
}

/// Echoes typed parameters.
///
/// # Arguments
/// * `small` - a byte
/// * `big` - a 64-bit integer
/// * `ratio` - a float
/// * `flag` - a boolean
/// * `text` - a string
/// * `list` - a list of small numbers
/// * `maybe` - an optional integer
/// * `order` - a nested struct
/// * `shape` - an enum
#[allow(clippy::too_many_arguments)]
#[tool(read_only)]
fn typed(
    small: u8,
    big: i64,
    ratio: f64,
    flag: bool,
    text: String,
    list: Vec<u16>,
    maybe: Option<i32>,
    order: Order,
    shape: Shape,
) -> Json<Echoed> {
    Json(Echoed {
        small,
        big,
        ratio,
        flag,
        text,
        list,
        maybe,
        order,
        shape,
    })
}

fn finite_f64() -> impl Strategy<Value = f64> {
    prop_oneof![
        any::<f64>().prop_filter("finite", |f| f.is_finite()),
        -1e6f64..1e6,
        Just(0.0),
    ]
}

fn shape_value() -> impl Strategy<Value = Shape> {
    prop_oneof![
        finite_f64().prop_map(|radius| Shape::Circle { radius }),
        any::<u32>().prop_map(Shape::Square),
        Just(Shape::Empty),
    ]
}

fn inner_value() -> impl Strategy<Value = Inner> {
    (
        any::<String>(),
        prop::option::of(finite_f64()),
        prop::collection::vec(any::<String>(), 0..4),
    )
        .prop_map(|(label, weight, tags)| Inner {
            label,
            weight,
            tags,
        })
}

fn order_value() -> impl Strategy<Value = Order> {
    let leaf = (
        any::<u64>(),
        inner_value(),
        prop::collection::vec(shape_value(), 0..3),
    )
        .prop_map(|(id, inner, shapes)| Order {
            id,
            inner,
            shapes,
            parent: None,
        });
    leaf.prop_recursive(3, 8, 1, |parent| {
        (
            any::<u64>(),
            inner_value(),
            prop::collection::vec(shape_value(), 0..3),
            parent,
        )
            .prop_map(|(id, inner, shapes, parent)| Order {
                id,
                inner,
                shapes,
                parent: Some(Box::new(parent)),
            })
    })
}

/// Arguments that fit `typed`, as JSON.
fn good_arguments() -> impl Strategy<Value = Value> {
    (
        (
            any::<u8>(),
            any::<i64>(),
            finite_f64(),
            any::<bool>(),
            any::<String>(),
        ),
        (
            prop::collection::vec(any::<u16>(), 0..5),
            prop::option::of(any::<i32>()),
            order_value(),
            shape_value(),
        ),
    )
        .prop_map(
            |((small, big, ratio, flag, text), (list, maybe, order, shape))| {
                serde_json::to_value(Echoed {
                    small,
                    big,
                    ratio,
                    flag,
                    text,
                    list,
                    maybe,
                    order,
                    shape,
                })
                .unwrap()
            },
        )
}

/// Replaces the value at a path chosen by `choice` (anywhere in the tree) with `value`, or
/// removes it.
fn mutate(target: &mut Value, choice: usize, value: Option<Value>) {
    let mut paths = Vec::new();
    collect_paths(target, &mut Vec::new(), &mut paths);
    let path = &paths[choice % paths.len()];
    let Some((last, parents)) = path.split_last() else {
        if let Some(value) = value {
            *target = value;
        }
        return;
    };
    let mut node = &mut *target;
    for step in parents {
        node = match step {
            Step::Key(k) => &mut node[k.as_str()],
            Step::Index(i) => &mut node[*i],
        };
    }
    match (node, last, value) {
        (Value::Object(map), Step::Key(k), Some(v)) => {
            map.insert(k.clone(), v);
        }
        (Value::Object(map), Step::Key(k), None) => {
            map.remove(k);
        }
        (Value::Array(items), Step::Index(i), Some(v)) => items[*i] = v,
        (Value::Array(items), Step::Index(i), None) => {
            items.remove(*i);
        }
        _ => unreachable!("paths follow the tree"),
    }
}

#[derive(Debug, Clone)]
enum Step {
    Key(String),
    Index(usize),
}

fn collect_paths(value: &Value, at: &mut Vec<Step>, out: &mut Vec<Vec<Step>>) {
    out.push(at.clone());
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                at.push(Step::Key(k.clone()));
                collect_paths(v, at, out);
                at.pop();
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                at.push(Step::Index(i));
                collect_paths(v, at, out);
                at.pop();
            }
        }
        _ => {}
    }
}

#[derive(Debug, Clone)]
enum ArgumentCase {
    /// Arguments that fit: the tool runs and echoes them.
    Good(Value),
    /// Fitting arguments with one value replaced, removed, or a key added.
    Mutated(Value),
    /// Any JSON at all.
    Anything(Value),
}

fn argument_case() -> impl Strategy<Value = ArgumentCase> {
    let mutated = (
        good_arguments(),
        any::<usize>(),
        prop::option::of(json_value()),
        prop::option::of((key_name(), json_value())),
    )
        .prop_map(|(mut arguments, choice, value, extra)| {
            mutate(&mut arguments, choice, value);
            if let (Some((key, value)), Value::Object(map)) = (extra, &mut arguments) {
                map.insert(key, value);
            }
            ArgumentCase::Mutated(arguments)
        });
    prop_oneof![
        1 => good_arguments().prop_map(ArgumentCase::Good),
        3 => mutated,
        2 => json_value().prop_map(ArgumentCase::Anything),
    ]
}

async fn check_arguments(client: &TestClient, case: &ArgumentCase) -> Result<(), TestCaseError> {
    let arguments = match case {
        ArgumentCase::Good(v) | ArgumentCase::Mutated(v) | ArgumentCase::Anything(v) => v,
    };
    match client.call_tool("typed", arguments.clone()).await {
        Ok(result) => {
            if result.is_error {
                prop_assert!(!result.text().is_empty(), "an error result says why");
                prop_assert!(
                    !matches!(case, ArgumentCase::Good(_)),
                    "fitting arguments refused: {}",
                    result.text()
                );
            } else {
                // Whatever ran was given exactly what the caller sent, typed.
                let echoed = result
                    .structured_content
                    .clone()
                    .ok_or_else(|| TestCaseError::fail("no structured content"))?;
                let reread: Value = serde_json::from_value::<Order>(echoed["order"].clone())
                    .map(|_| echoed.clone())
                    .map_err(|e| TestCaseError::fail(format!("echo is not an Order: {e}")))?;
                if let ArgumentCase::Good(sent) = case {
                    prop_assert_eq!(&reread, sent);
                }
            }
        }
        Err(error) => {
            prop_assert_eq!(error.code, code::INVALID_PARAMS, "{}", error);
        }
    }
    let sum = client
        .call_tool("add", json!({"a": 40, "b": 2}))
        .await
        .map_err(|e| TestCaseError::fail(format!("a good call failed afterwards: {e}")))?;
    prop_assert_eq!(sum.text(), "42");
    Ok(())
}

#[test]
fn arguments_of_any_shape_get_a_result_or_invalid_params() {
    let rt = runtime();
    let (modern, legacy) = rt.block_on(async {
        (
            TestClient::modern(rpc_server()).unwrap(),
            TestClient::legacy(rpc_server()).await.unwrap(),
        )
    });
    check(
        "arguments",
        768,
        (argument_case(), any::<bool>()),
        |(case, use_modern)| {
            let client = if use_modern { &modern } else { &legacy };
            rt.block_on(check_arguments(client, &case))
        },
    );
}

#[test]
fn arguments_that_are_not_objects_or_are_absent_are_refused_cleanly() {
    let rt = runtime();
    let client = TestClient::modern(rpc_server()).unwrap();
    rt.block_on(async {
        for arguments in [json!(null), json!([]), json!("x"), json!(1), json!(true)] {
            let answer = client.call_tool("typed", arguments.clone()).await;
            match answer {
                Ok(result) => assert!(result.is_error, "{arguments}"),
                Err(error) => assert_eq!(error.code, code::INVALID_PARAMS, "{arguments}"),
            }
        }
        let answer = client.request("tools/call", json!({"name": "typed"})).await;
        match answer {
            Ok(result) => assert_eq!(result["isError"], true, "{result}"),
            Err(error) => assert_eq!(error.code, code::INVALID_PARAMS),
        }
    });
}

// ---------------------------------------------------------------------------------------
// 3. URI templates

#[test]
fn uri_templates_of_any_text_parse_or_fail_without_panicking() {
    let text = prop_oneof![
        any::<String>(),
        prop::collection::vec(
            prop::sample::select(vec![
                "{", "}", "/", "a", "_", "0", "x://", "%", "é", "{a}", "-"
            ]),
            0..16
        )
        .prop_map(|parts| parts.concat()),
    ];
    check(
        "uri_template_parse",
        2048,
        (text, any::<String>()),
        |(source, uri)| {
            if let Ok(template) = UriTemplate::parse(&source) {
                prop_assert_eq!(template.as_str(), source.as_str());
                prop_assert_eq!(template.to_string(), source.clone());
                let names: Vec<&str> = template.variables().collect();
                prop_assert_eq!(template.is_fixed(), names.is_empty());
                for name in &names {
                    prop_assert!(!name.is_empty());
                    prop_assert!(name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'));
                }
                if template.is_fixed() {
                    prop_assert_eq!(template.match_uri(&source), Some(vec![]));
                }
                if let Some(bound) = template.match_uri(&uri) {
                    let bound_names: Vec<&str> = bound.iter().map(|(n, _)| n.as_str()).collect();
                    prop_assert_eq!(bound_names, names);
                }
                // Matching the template's own text (braces and all) must not panic either.
                let _ = template.match_uri(&source);
            }
            Ok(())
        },
    );
}

/// Percent-encodes everything but ASCII letters and digits.
fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// A template of alternating literals and variables, with a value for each variable.
/// Literal text after a variable starts with punctuation, so that no value (of letters,
/// digits and `%XX`) can contain it and the split is unique.
#[derive(Debug, Clone)]
struct Generated {
    prefix: String,
    pieces: Vec<(String, String, String)>,
}

impl Generated {
    fn template(&self) -> String {
        let mut out = self.prefix.clone();
        for (name, _, literal) in &self.pieces {
            out.push_str(&format!("{{{name}}}{literal}"));
        }
        out
    }

    fn expand(&self, value_of: impl Fn(&str) -> String) -> String {
        let mut out = self.prefix.clone();
        for (_, value, literal) in &self.pieces {
            out.push_str(&value_of(value));
            out.push_str(literal);
        }
        out
    }

    fn bindings(&self) -> Vec<(String, String)> {
        self.pieces
            .iter()
            .map(|(name, value, _)| (name.clone(), value.clone()))
            .collect()
    }
}

fn literal_after_variable() -> impl Strategy<Value = String> {
    ("[-/.:;~!$&'()*+,=@?#]", "[a-z0-9/.:\\-]{0,6}").prop_map(|(a, b)| a + &b)
}

fn generated_template(value: BoxedStrategy<String>) -> impl Strategy<Value = Generated> {
    let piece = ("[A-Za-z0-9_]{1,8}", value, literal_after_variable());
    (
        "[a-z]{1,6}://[a-z0-9/.\\-]{0,8}",
        prop::collection::vec(piece, 1..5),
        any::<bool>(),
    )
        .prop_map(|(prefix, mut pieces, open_end)| {
            if open_end {
                // The last variable runs to the end of the URI.
                if let Some(last) = pieces.last_mut() {
                    last.2.clear();
                }
            }
            Generated { prefix, pieces }
        })
}

#[test]
fn uri_templates_expand_and_match_back() {
    // Any value, percent-encoded: slashes, `%`, braces and unicode included.
    check(
        "uri_template_round_trip_encoded",
        1024,
        generated_template(".{1,12}".boxed()),
        |generated| {
            let template = UriTemplate::parse(&generated.template())
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            let uri = generated.expand(encode);
            prop_assert_eq!(
                template.match_uri(&uri),
                Some(generated.bindings()),
                "{}",
                uri
            );
            Ok(())
        },
    );
    // Values without `/` or `%`, written as they are.
    check(
        "uri_template_round_trip_raw",
        1024,
        generated_template("[A-Za-z0-9_ éß\u{4e2d}\u{1F600}]{1,12}".boxed()),
        |generated| {
            let template = UriTemplate::parse(&generated.template())
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            let uri = generated.expand(str::to_owned);
            prop_assert_eq!(
                template.match_uri(&uri),
                Some(generated.bindings()),
                "{}",
                uri
            );
            // A slash inside a value's place never matches.
            let with_slash = generated.expand(|v| format!("{v}/{v}"));
            if !generated.pieces.iter().any(|(_, _, l)| l.contains('/')) {
                prop_assert_eq!(template.match_uri(&with_slash), None, "{}", with_slash);
            }
            Ok(())
        },
    );
}

// ---------------------------------------------------------------------------------------
// 4. The policy file

fn toml_value() -> impl Strategy<Value = String> {
    let level = prop::sample::select(vec![
        "\"low\"",
        "\"medium\"",
        "\"high\"",
        "\"critical\"",
        "\"LOW\"",
        "\"extreme\"",
        "\"\"",
    ]);
    let glob = prop_oneof![
        "[a-z_*?.]{0,8}",
        Just("[".to_owned()),
        Just("{a,b".to_owned()),
        Just("a[z-a]".to_owned()),
        Just("**/".to_owned()),
        Just("\\".to_owned()),
        any::<String>(),
    ]
    .prop_map(|g| toml_string(&g));
    let globs = prop::collection::vec(glob, 0..4).prop_map(|g| format!("[{}]", g.join(", ")));
    prop_oneof![
        level.prop_map(str::to_owned),
        globs,
        Just("true".to_owned()),
        Just("false".to_owned()),
        any::<i64>().prop_map(|n| n.to_string()),
        any::<String>().prop_map(|s| toml_string(&s)),
        "[a-z\"'\\[\\]{}=,. ]{0,12}",
        Just("{ allow = [\"[\"] }".to_owned()),
        Just("{ deny = [\"x\"], show_denied = true }".to_owned()),
    ]
}

/// A TOML basic string.
fn toml_string(text: &str) -> String {
    // JSON escapes are TOML escapes, except for `\/` which serde_json does not emit.
    Value::from(text).to_string()
}

fn toml_line() -> impl Strategy<Value = String> {
    let section = prop::sample::select(vec![
        "[risk]",
        "[capabilities]",
        "[scopes]",
        "[risk.deeper]",
        "[[risk]]",
        "[other]",
        "[",
        "[]",
    ])
    .prop_map(str::to_owned);
    let key = prop_oneof![
        prop::sample::select(vec![
            "allow_up_to",
            "confirm_up_to",
            "allow",
            "deny",
            "show_denied",
            "\"query_*\"",
            "\"[\"",
            "capabilities.allow",
            "capabilities.deny",
            "risk.allow_up_to",
            "capabilities",
            "scopes",
            "risk",
        ])
        .prop_map(str::to_owned),
        "[a-z_\"*]{1,8}",
    ];
    let assignment = (key, toml_value()).prop_map(|(k, v)| format!("{k} = {v}"));
    prop_oneof![
        2 => section,
        5 => assignment,
        1 => Just(String::new()),
        1 => "#.{0,10}",
        1 => any::<String>(),
    ]
}

fn toml_text() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::collection::vec(toml_line(), 0..10).prop_map(|lines| lines.join("\n")),
        1 => any::<String>(),
        1 => prop::collection::vec(toml_line(), 0..10).prop_map(|lines| lines.join("\r\n")),
    ]
}

fn check_policy_text(text: &str) -> Result<(), TestCaseError> {
    match Policy::from_toml(text, "policy.toml") {
        Ok(policy) => {
            // A policy that loaded decides without panicking, and consistently.
            let decision = policy.decide_static("query_balance", &Permission::new(RiskLevel::High));
            prop_assert_eq!(
                decision,
                policy.decide_static("query_balance", &Permission::new(RiskLevel::High))
            );
            prop_assert!(policy.allowed_up_to() <= RiskLevel::Critical);
        }
        Err(error) => {
            let lines = text.split('\n').count().max(1);
            let line = error
                .line
                .ok_or_else(|| TestCaseError::fail(format!("the error names no line: {error}")))?;
            prop_assert!(
                (1..=lines).contains(&line),
                "line {} of {}: {}",
                line,
                lines,
                error
            );
            prop_assert!(!error.message.is_empty());
            prop_assert_eq!(&error.source_name, "policy.toml");
            let shown = error.to_string();
            let location = format!("policy.toml:{line}");
            prop_assert!(shown.starts_with(&location), "{}", shown);
        }
    }
    Ok(())
}

#[test]
fn policy_text_loads_or_fails_naming_a_line() {
    check("policy_toml", 1024, toml_text(), |text| {
        check_policy_text(&text)
    });
}

/// A glob that does not compile: a valid prefix, then an unclosed class or alternation.
fn bad_glob() -> impl Strategy<Value = String> {
    (
        "[a-z_*.]{0,6}",
        prop::sample::select(vec!["[", "{a,", "[z-a]", "a[", "{"]),
    )
        .prop_map(|(a, b)| a + b)
}

#[test]
fn a_malformed_glob_under_its_section_names_its_line() {
    check(
        "policy_bad_glob_line",
        512,
        (
            prop::collection::vec(prop_oneof![Just(String::new()), "# [a-z ]{0,8}"], 0..4),
            prop::sample::select(vec!["allow", "deny", "scopes"]),
            bad_glob(),
        ),
        |(padding, key, glob)| {
            let (section, line) = match key {
                "scopes" => ("scopes", format!("{} = [\"a:b\"]", toml_string(&glob))),
                key => (
                    "capabilities",
                    format!("{key} = [\"ok\", {}]", toml_string(&glob)),
                ),
            };
            let mut text = padding.join("\n");
            text.push_str(&format!("\n[{section}]\n"));
            let expected = text.matches('\n').count() + 1;
            text.push_str(&line);
            let error = Policy::from_toml(&text, "policy.toml")
                .map(|_| ())
                .expect_err("a malformed glob is refused");
            prop_assert_eq!(error.line, Some(expected), "{}\n{}", error, text);
            prop_assert!(error.message.contains(&glob), "{}", error);
            Ok(())
        },
    );
}

#[test]
fn well_formed_policies_load_with_their_settings() {
    let levels = prop::sample::select(RiskLevel::ALL.to_vec());
    check(
        "policy_well_formed",
        256,
        (
            levels.clone(),
            levels,
            prop::collection::vec("[a-z_]{1,6}\\*?", 0..4),
            prop::collection::vec("[a-z_]{1,6}", 0..4),
            any::<bool>(),
        ),
        |(allow_up_to, confirm_up_to, allow, deny, show)| {
            let list = |globs: &[String]| {
                globs
                    .iter()
                    .map(|g| toml_string(g))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let text = format!(
                "[risk]\nallow_up_to = \"{}\"\nconfirm_up_to = \"{}\"\n\n[capabilities]\nallow = [{}]\ndeny = [{}]\nshow_denied = {show}\n",
                allow_up_to.as_str(),
                confirm_up_to.as_str(),
                list(&allow),
                list(&deny),
            );
            let policy = Policy::from_toml(&text, "policy.toml")
                .map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
            prop_assert_eq!(policy.allowed_up_to(), allow_up_to);
            prop_assert_eq!(policy.confirmed_up_to(), confirm_up_to);
            prop_assert_eq!(policy.shows_denied(), show);
            for name in &deny {
                prop_assert!(matches!(
                    policy.decide_static(name, &Permission::new(RiskLevel::Low)),
                    mcp_runtime::permission::Decision::Deny(_)
                ));
            }
            Ok(())
        },
    );
}

// ---------------------------------------------------------------------------------------
// 5. Bearer tokens

const ISSUER: &str = "https://auth.example";
const AUDIENCE: &str = "https://files.example/mcp";
const SECRET: &[u8] = b"the server's own secret, 32 bytes";
/// Expiry of generated tokens: far enough for a run of any length.
const TEN_YEARS: u64 = 10 * 365 * 24 * 3600;

/// How a generated token is signed.
#[derive(Debug, Clone)]
enum Signing {
    /// With the configured key and algorithm.
    Right,
    /// HS256 with another secret.
    OtherSecret(Vec<u8>),
    /// HS256 with the verifier's public key as the secret (algorithm confusion).
    PublicKeyAsSecret,
    /// ES256 with another key pair.
    OtherKeyPair,
    /// Arbitrary signature bytes.
    Bytes(Vec<u8>),
    /// No signature.
    Empty,
}

#[derive(Debug, Clone)]
struct JwtCase {
    header: Value,
    claims: Value,
    signing: Signing,
}

struct Keys {
    es256_private: EncodingKey,
    es256_public: Vec<u8>,
    other_es256_private: EncodingKey,
}

fn generate_es256() -> (EncodingKey, Vec<u8>) {
    let rng = SystemRandom::new();
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
    let pair =
        EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng).unwrap();
    (
        EncodingKey::from_ec_der(pkcs8.as_ref()),
        pair.public_key().as_ref().to_vec(),
    )
}

impl Keys {
    fn generate() -> Keys {
        let (es256_private, es256_public) = generate_es256();
        let (other_es256_private, _) = generate_es256();
        Keys {
            es256_private,
            es256_public,
            other_es256_private,
        }
    }
}

/// Signs `header.claims` as `signing` says, for a verifier whose own algorithm is `algorithm`.
fn sign(case: &JwtCase, keys: &Keys, algorithm: Algorithm) -> String {
    let message = format!(
        "{}.{}",
        base64url(case.header.to_string().as_bytes()),
        base64url(case.claims.to_string().as_bytes())
    );
    let hs256 = |secret: &[u8]| {
        jsonwebtoken::crypto::sign(
            message.as_bytes(),
            &EncodingKey::from_secret(secret),
            Algorithm::HS256,
        )
        .unwrap()
    };
    let es256 = |key: &EncodingKey| {
        jsonwebtoken::crypto::sign(message.as_bytes(), key, Algorithm::ES256).unwrap()
    };
    let signature = match &case.signing {
        Signing::Right if algorithm == Algorithm::HS256 => hs256(SECRET),
        Signing::Right => es256(&keys.es256_private),
        Signing::OtherSecret(secret) => hs256(secret),
        Signing::PublicKeyAsSecret => hs256(&keys.es256_public),
        Signing::OtherKeyPair => es256(&keys.other_es256_private),
        Signing::Bytes(bytes) => base64url(bytes),
        Signing::Empty => String::new(),
    };
    format!("{message}.{signature}")
}

fn good_claims() -> Value {
    json!({"iss": ISSUER, "aud": AUDIENCE, "exp": now() + TEN_YEARS, "sub": "alice", "scope": "files:read"})
}

fn header_value() -> impl Strategy<Value = Value> {
    let alg = prop_oneof![
        prop::sample::select(vec![
            "HS256", "HS384", "HS512", "ES256", "ES384", "RS256", "PS256", "EdDSA", "none", "None",
            "hs256", "",
        ])
        .prop_map(Value::from),
        json_value(),
    ];
    (
        alg,
        prop::option::of(prop_oneof![Just(json!("JWT")), json_value()]),
        prop::option::of(json_value()),
        prop::collection::vec((key_name(), json_value()), 0..3),
        any::<bool>(),
    )
        .prop_map(|(alg, typ, kid, extra, drop_alg)| {
            let mut header = Map::new();
            for (k, v) in extra {
                header.insert(k, v);
            }
            if !drop_alg {
                header.insert("alg".into(), alg);
            }
            if let Some(typ) = typ {
                header.insert("typ".into(), typ);
            }
            if let Some(kid) = kid {
                header.insert("kid".into(), kid);
            }
            Value::Object(header)
        })
}

fn claims_value() -> impl Strategy<Value = Value> {
    let field = |name: &'static str, good: Value| {
        prop_oneof![
            3 => Just(Some(good)),
            1 => Just(None),
            1 => json_value().prop_map(Some),
        ]
        .prop_map(move |v| (name, v))
    };
    prop_oneof![
        1 => json_value(),
        2 => Just(good_claims()),
        4 => (
            field("iss", json!(ISSUER)),
            field("aud", json!(AUDIENCE)),
            field("exp", json!(now() + TEN_YEARS)),
            field("nbf", json!(now() - 10)),
            field("sub", json!("alice")),
            field("scope", json!("files:read files:write")),
            field("scp", json!(["files:read"])),
            prop::collection::vec((key_name(), json_value()), 0..3),
        )
            .prop_map(|(a, b, c, d, e, f, g, extra)| {
                let mut claims: Map<String, Value> = extra.into_iter().collect();
                for (name, value) in [a, b, c, d, e, f, g] {
                    if let Some(value) = value {
                        claims.insert(name.into(), value);
                    }
                }
                Value::Object(claims)
            }),
    ]
}

fn signing() -> impl Strategy<Value = Signing> {
    prop_oneof![
        3 => Just(Signing::Right),
        1 => prop::collection::vec(any::<u8>(), 0..40).prop_map(Signing::OtherSecret),
        1 => Just(Signing::PublicKeyAsSecret),
        1 => Just(Signing::OtherKeyPair),
        1 => prop::collection::vec(any::<u8>(), 0..80).prop_map(Signing::Bytes),
        1 => Just(Signing::Empty),
    ]
}

fn jwt_case() -> impl Strategy<Value = JwtCase> {
    let header = prop_oneof![
        1 => header_value(),
        2 => Just(json!({"alg": "HS256", "typ": "JWT"})),
        2 => Just(json!({"alg": "ES256", "typ": "JWT"})),
    ];
    (header, claims_value(), signing()).prop_map(|(header, claims, signing)| JwtCase {
        header,
        claims,
        signing,
    })
}

/// Arbitrary token text: any string, dotted base64url segments, near-JWTs.
fn token_text() -> impl Strategy<Value = String> {
    let segment = prop::collection::vec(any::<u8>(), 0..64).prop_map(|b| base64url(&b));
    prop_oneof![
        any::<String>(),
        "[A-Za-z0-9_\\-.=+/ ]{0,80}",
        prop::collection::vec(segment, 0..5).prop_map(|s| s.join(".")),
        prop::collection::vec(json_text(), 2..3).prop_map(|parts| {
            parts
                .iter()
                .map(|p| base64url(p.as_bytes()))
                .collect::<Vec<_>>()
                .join(".")
                + ".AAAA"
        }),
    ]
}

/// What the verifier is sure to refuse: anything not signed with its key and algorithm.
fn signed_by_the_key(case: &JwtCase, algorithm: Algorithm) -> bool {
    let alg_name = match algorithm {
        Algorithm::HS256 => "HS256",
        _ => "ES256",
    };
    matches!(case.signing, Signing::Right) && case.header["alg"] == alg_name
}

/// Whether the claims are ones a correct verifier accepts (when signed right).
fn claims_acceptable(claims: &Value) -> bool {
    let Some(map) = claims.as_object() else {
        return false;
    };
    let string_or_absent = |k: &str| map.get(k).is_none_or(|v| v.is_string());
    map.get("iss") == Some(&json!(ISSUER))
        && map.get("aud") == Some(&json!(AUDIENCE))
        && map
            .get("exp")
            .and_then(Value::as_u64)
            .is_some_and(|e| e > now())
        && map
            .get("nbf")
            .is_none_or(|n| n.as_u64().is_some_and(|n| n <= now()))
        && string_or_absent("sub")
        && string_or_absent("scope")
        && map
            .get("scp")
            .is_none_or(|s| s.as_array().is_some_and(|a| a.iter().all(Value::is_string)))
}

fn check_jwt(
    rt: &Runtime,
    verifier: &JwtVerifier,
    algorithm: Algorithm,
    keys: &Keys,
    case: &JwtCase,
) -> Result<bool, TestCaseError> {
    let token = sign(case, keys, algorithm);
    let verdict = rt.block_on(verifier.verify(&token));
    match &verdict {
        Ok(caller) => {
            prop_assert!(
                signed_by_the_key(case, algorithm),
                "accepted a token not signed with the key: {}",
                token
            );
            let expected = case.claims["sub"].as_str().unwrap_or("anonymous");
            prop_assert_eq!(caller.subject(), expected);
            Ok(true)
        }
        Err(reason) => {
            prop_assert!(!reason.0.is_empty());
            // A standard header, the right key and claims a verifier must accept.
            let standard = case.header == json!({"alg": case.header["alg"], "typ": "JWT"});
            prop_assert!(
                !(standard
                    && signed_by_the_key(case, algorithm)
                    && claims_acceptable(&case.claims)),
                "refused a good token ({}): {}",
                reason,
                token
            );
            Ok(false)
        }
    }
}

#[test]
fn jwt_verifiers_accept_only_tokens_signed_with_their_key() {
    let rt = runtime();
    let keys = Keys::generate();
    let hs256 = JwtVerifier::hs256(SECRET, ISSUER, AUDIENCE);
    let es256 = JwtVerifier::new(
        DecodingKey::from_ec_der(&keys.es256_public),
        Algorithm::ES256,
        ISSUER,
        AUDIENCE,
    );
    // The generators can produce a good token: the property is not vacuous.
    let good = JwtCase {
        header: json!({"alg": "HS256", "typ": "JWT"}),
        claims: good_claims(),
        signing: Signing::Right,
    };
    assert!(rt
        .block_on(hs256.verify(&sign(&good, &keys, Algorithm::HS256)))
        .is_ok());
    let good = JwtCase {
        header: json!({"alg": "ES256", "typ": "JWT"}),
        ..good
    };
    assert!(rt
        .block_on(es256.verify(&sign(&good, &keys, Algorithm::ES256)))
        .is_ok());

    let accepted = std::cell::Cell::new(0u32);
    let refused = std::cell::Cell::new(0u32);
    check(
        "jwt_structured",
        768,
        (jwt_case(), 0u8..10),
        |(case, choice)| {
            // Mostly the verifier the header names; sometimes the other one.
            let use_hs256 = match case.header["alg"].as_str() {
                Some("HS256") if choice < 8 => true,
                Some("ES256") if choice < 8 => false,
                _ => choice % 2 == 0,
            };
            let (verifier, algorithm) = if use_hs256 {
                (&hs256, Algorithm::HS256)
            } else {
                (&es256, Algorithm::ES256)
            };
            let ok = check_jwt(&rt, verifier, algorithm, &keys, &case)?;
            let counter = if ok { &accepted } else { &refused };
            counter.set(counter.get() + 1);
            Ok(())
        },
    );
    eprintln!(
        "jwt_structured: {} accepted, {} refused",
        accepted.get(),
        refused.get()
    );
    if config(768).cases >= 256 {
        // Both outcomes are exercised, not only refusals.
        assert!(accepted.get() > 0 && refused.get() > 0);
    }
    check("jwt_arbitrary_text", 1024, token_text(), |token| {
        for verifier in [&hs256, &es256] {
            let verdict = rt.block_on(verifier.verify(&token));
            prop_assert!(verdict.is_err(), "accepted {:?}", token);
        }
        Ok(())
    });
}

#[test]
fn static_tokens_accept_exactly_their_tokens() {
    let rt = runtime();
    let tokens = StaticTokens::new().token("dev-token", "alice", ["files:read"]);
    check("static_tokens", 1024, token_text(), |token| {
        let verdict = rt.block_on(tokens.verify(&token));
        prop_assert_eq!(verdict.is_ok(), token == "dev-token");
        Ok(())
    });
    assert!(rt.block_on(tokens.verify("dev-token")).is_ok());
}

/// An `Authorization` header value: bearer or other schemes, odd spacing, any bytes.
fn authorization_value() -> impl Strategy<Value = Vec<u8>> {
    let scheme = prop::sample::select(vec![
        "Bearer", "bearer", "BEARER", "Basic", "Bearer:", "", "Bear", "Bearerx",
    ]);
    let space = prop::sample::select(vec![" ", "  ", "\t", "", " \t "]);
    let token = prop_oneof![
        Just("dev-token".to_owned()),
        Just("dev-token ".to_owned()),
        Just("dev-toke".to_owned()),
        Just("dev-tokenx".to_owned()),
        Just("Dev-Token".to_owned()),
        token_text(),
    ];
    prop_oneof![
        4 => (scheme, space.clone(), token, space).prop_map(|(scheme, a, token, b)| {
            format!("{scheme}{a}{token}{b}").into_bytes()
        }),
        1 => prop::collection::vec(any::<u8>(), 0..64),
    ]
}

/// The bearer token a header carries, as RFC 6750 reads it: `Bearer` (any case), one or
/// more spaces, the token; surrounding whitespace does not count.
fn bearer_of(value: &str) -> Option<&str> {
    let (scheme, rest) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| rest.trim())
        .filter(|t| !t.is_empty())
}

#[test]
fn the_http_endpoint_lets_through_only_the_configured_bearer_token() {
    use tower::ServiceExt;

    let rt = runtime();
    let app = rt.block_on(async {
        let auth = HttpAuth::new(
            StaticTokens::new().token("dev-token", "alice", ["files:read"]),
            "http://localhost/mcp",
        );
        let config = HttpConfig {
            auth: Some(auth),
            ..HttpConfig::default()
        };
        http::router(rpc_server().build().unwrap(), &config)
    });
    let body = json!({
        "jsonrpc": "2.0", "id": 1, "method": "tools/list",
        "params": {"_meta": modern_meta()},
    })
    .to_string();
    let post = |authorization: Option<HeaderValue>| {
        let mut request = Request::builder()
            .method(Method::POST)
            .uri("/mcp")
            .header(header::HOST, "localhost")
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::ACCEPT, "application/json, text/event-stream")
            .header("mcp-protocol-version", "2026-07-28")
            .header("mcp-method", "tools/list")
            .body(Body::from(body.clone()))
            .unwrap();
        if let Some(value) = authorization {
            request.headers_mut().insert(header::AUTHORIZATION, value);
        }
        let app = app.clone();
        rt.block_on(async move { app.oneshot(request).await.unwrap().status() })
    };
    assert_eq!(post(None), StatusCode::UNAUTHORIZED);
    let good = post(Some(HeaderValue::from_static("Bearer dev-token")));
    assert_eq!(good, StatusCode::OK);

    check("http_authorization", 512, authorization_value(), |bytes| {
        let Ok(value) = HeaderValue::from_bytes(&bytes) else {
            return Ok(());
        };
        let status = post(Some(value.clone()));
        let text = value.to_str().ok();
        if status != StatusCode::UNAUTHORIZED {
            prop_assert_eq!(
                text.and_then(bearer_of),
                Some("dev-token"),
                "let through {:?} with {}",
                value,
                status
            );
        }
        if text.and_then(bearer_of) == Some("dev-token") {
            prop_assert_eq!(status, StatusCode::OK, "{:?}", value);
        }
        Ok(())
    });
}

// ---------------------------------------------------------------------------------------
// Inputs the properties above found, kept as they were shrunk: each was a bug, fixed since.

/// MCP forbids a null request id: such a request is refused with an answer (it was once
/// read as a notification, `Option<Value>` taking `null` for absent, and got none).
#[test]
fn a_request_with_a_null_id_is_refused_with_an_answer() {
    let text = br#"{"jsonrpc":"2.0","id":null,"method":"ping"}"#;
    let error = Incoming::decode(text).expect_err("a null id is invalid");
    assert_eq!(error.error.code, code::INVALID_REQUEST);
    assert_eq!(error.id, None);
    let rt = runtime();
    let wire = rt.block_on(Wire::new());
    let answer = rt.block_on(wire.send(0, text)).expect("one answer");
    assert_eq!(answer["id"], Value::Null);
    assert_eq!(answer["error"]["code"], code::INVALID_REQUEST);
}

/// A response whose `result` (or `error`) is `null` is still a response, and a response never
/// gets an answer in JSON-RPC (it once read as having neither, and got `-32600`).
#[test]
fn a_response_with_a_null_result_gets_no_answer() {
    let rt = runtime();
    let wire = rt.block_on(Wire::new());
    for text in [
        &br#"{"jsonrpc":"2.0","id":1,"result":null}"#[..],
        br#"{"jsonrpc":"2.0","id":"a","error":null}"#,
    ] {
        let answer = rt.block_on(wire.send(0, text));
        assert_eq!(answer, None, "{}", String::from_utf8_lossy(text));
    }
}

/// A malformed glob names its line however its key is written (errors found after parsing
/// once looked for the key under a `[section]` header only).
#[test]
fn a_malformed_glob_names_its_line_however_the_key_is_written() {
    for (text, line) in [
        ("capabilities.allow = [\"[\"]", 1),
        ("capabilities = { deny = [\"[\"] }", 1),
        ("[scopes]\n'[' = [\"x\"]", 2),
        ("[scopes]\n\"a=[\" = [\"x\"]", 2),
    ] {
        let error = Policy::from_toml(text, "policy.toml")
            .map(|_| ())
            .unwrap_err();
        assert_eq!(error.line, Some(line), "{text}: {error}");
    }
}

#[test]
fn json_rpc_regressions() {
    let rt = runtime();
    let wire = rt.block_on(Wire::new());
    rt.block_on(async {
        for (text, unique) in [
            // Params out of every number range: the envelope decodes, the handler refuses.
            (
                r#"{"jsonrpc":"2.0","id":0,"method":"ping","params":1e400}"#,
                true,
            ),
            (
                r#"{"jsonrpc":"2.0","id":1,"method":"ping","params":null}"#,
                true,
            ),
            (
                r#"{"jsonrpc":"2.0","id":1,"method":"ping","method":"ping"}"#,
                false,
            ),
            (
                r#"{"jsonrpc":"2.0","id":18446744073709551615,"method":"ping"}"#,
                true,
            ),
        ] {
            for which in 0..2 {
                check_message(&wire, which, text.as_bytes(), unique)
                    .await
                    .unwrap_or_else(|e| panic!("{text}: {e}"));
            }
        }
    });
}
