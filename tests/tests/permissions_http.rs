//! Permissions over HTTP, in both eras: bearer tokens (JWTs minted here with a freshly
//! generated key) give 401 without a token, 403 `insufficient_scope` without the scope and
//! 200 with it; denied tools stay hidden; high tools ask first; and the audit file names the
//! caller of every decision.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header};
use mcp_runtime::permission::{AuditLog, Policy};
use mcp_runtime::transport::http::{self, HttpAuth, HttpConfig, JwtVerifier, StaticTokens};
use mcp_tests::bank::{bank_server_counting, Runs};
use ring::rand::SystemRandom;
use ring::signature::{EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_FIXED_SIGNING};
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::task::JoinHandle;

const MODERN: &str = "2026-07-28";
const LEGACY: &str = "2025-11-25";
const ISSUER: &str = "https://auth.bank.example";
const WAIT: Duration = Duration::from_secs(10);

/// A signing key made for this test run, and tokens signed with it.
struct Issuer {
    encoding: EncodingKey,
    public: Vec<u8>,
}

impl Issuer {
    fn generate() -> Issuer {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng)
            .unwrap();
        Issuer {
            encoding: EncodingKey::from_ec_der(pkcs8.as_ref()),
            public: pair.public_key().as_ref().to_vec(),
        }
    }

    fn verifier(&self, audience: &str) -> JwtVerifier {
        JwtVerifier::new(
            DecodingKey::from_ec_der(&self.public),
            Algorithm::ES256,
            ISSUER,
            audience,
        )
    }

    fn token(&self, claims: Value) -> String {
        jsonwebtoken::encode(&Header::new(Algorithm::ES256), &claims, &self.encoding).unwrap()
    }

    /// A token with a header of any shape (here, one `jsonwebtoken` cannot express).
    fn token_with_header(&self, header: Value, claims: Value) -> String {
        let input = format!(
            "{}.{}",
            base64url(header.to_string().as_bytes()),
            base64url(claims.to_string().as_bytes())
        );
        let signature =
            jsonwebtoken::crypto::sign(input.as_bytes(), &self.encoding, Algorithm::ES256).unwrap();
        format!("{input}.{signature}")
    }

    fn token_with_kid(&self, kid: &str, claims: Value) -> String {
        let mut header = Header::new(Algorithm::ES256);
        header.kid = Some(kid.to_owned());
        jsonwebtoken::encode(&header, &claims, &self.encoding).unwrap()
    }

    /// The public key as a JSON Web Key Set with one key, `kid`.
    fn jwks(&self, kid: &str) -> jsonwebtoken::jwk::JwkSet {
        // An uncompressed P-256 point: 0x04, then x and y.
        let (x, y) = self.public[1..].split_at(32);
        let set = json!({"keys": [{
            "kty": "EC", "crv": "P-256", "use": "sig", "alg": "ES256", "kid": kid,
            "x": base64url(x), "y": base64url(y),
        }]});
        serde_json::from_value(set).unwrap()
    }
}

fn base64url(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn claims(subject: &str, scope: &str, audience: &str) -> Value {
    json!({"sub": subject, "scope": scope, "iss": ISSUER, "aud": audience, "exp": now() + 600})
}

struct Running {
    addr: SocketAddr,
    task: JoinHandle<()>,
}

impl Drop for Running {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Serves the bank on a free port; `auth` gets the resource URI (`http://ADDR/mcp`).
async fn serve(
    runs: &Runs,
    policy: Policy,
    audit: &PathBuf,
    auth: impl FnOnce(&str) -> Option<HttpAuth>,
) -> (Running, String) {
    serve_with(runs, policy, audit, auth, HttpConfig::default()).await
}

/// [`serve`] with `config` (its `auth` is replaced).
async fn serve_with(
    runs: &Runs,
    policy: Policy,
    audit: &PathBuf,
    auth: impl FnOnce(&str) -> Option<HttpAuth>,
    config: HttpConfig,
) -> (Running, String) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let resource = format!("http://{addr}/mcp");
    let dispatcher = bank_server_counting(runs.clone())
        .policy(policy)
        .audit(AuditLog::to_file(audit).unwrap())
        .build()
        .unwrap();
    let config = HttpConfig {
        auth: auth(&resource),
        ..config
    };
    let app = http::router(dispatcher, &config);
    let task = tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    (Running { addr, task }, resource)
}

fn audit_path(test: &str) -> PathBuf {
    let path =
        std::env::temp_dir().join(format!("mcp-perm-http-{test}-{}.jsonl", std::process::id()));
    let _ = std::fs::remove_file(&path);
    path
}

fn audit_records(path: &PathBuf) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

// ---------------------------------------------------------------------------------------
// A small HTTP/1.1 client: enough for JSON answers and SSE streams.

#[derive(Debug)]
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The JSON body, or the last message of an SSE stream.
    fn json(&self) -> Value {
        let text = String::from_utf8_lossy(&self.body);
        if self
            .header("content-type")
            .is_some_and(|t| t.starts_with("text/event-stream"))
        {
            let last = text
                .lines()
                .filter_map(|l| l.strip_prefix("data:"))
                .next_back()
                .expect("an SSE stream with data");
            return serde_json::from_str(last.trim()).unwrap();
        }
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
    }
}

struct Post<'a> {
    path: &'a str,
    body: Value,
    headers: Vec<(String, String)>,
}

impl<'a> Post<'a> {
    fn new(body: Value) -> Self {
        Post {
            path: "/mcp",
            body,
            headers: Vec::new(),
        }
    }

    fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_owned(), value.into()));
        self
    }

    fn bearer(self, token: Option<&str>) -> Self {
        match token {
            Some(token) => self.header("Authorization", format!("Bearer {token}")),
            None => self,
        }
    }

    fn bytes(&self, method: &str) -> Vec<u8> {
        let body = if method == "POST" {
            serde_json::to_vec(&self.body).unwrap()
        } else {
            Vec::new()
        };
        let mut head = format!(
            "{method} {} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nContent-Length: {}\r\n",
            self.path,
            body.len()
        );
        for (name, value) in &self.headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("\r\n");
        let mut bytes = head.into_bytes();
        bytes.extend_from_slice(&body);
        bytes
    }
}

/// An open response whose body is read as it comes (for SSE streams).
struct Stream {
    reader: BufReader<TcpStream>,
    status: u16,
    headers: Vec<(String, String)>,
    chunked: bool,
    pending: String,
}

impl Stream {
    async fn open(addr: SocketAddr, request: Vec<u8>) -> Stream {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        stream.write_all(&request).await.unwrap();
        let mut reader = BufReader::new(stream);
        let mut status_line = String::new();
        reader.read_line(&mut status_line).await.unwrap();
        let status = status_line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("bad status line {status_line:?}"));
        let mut headers = Vec::new();
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).await.unwrap();
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            let (name, value) = line.split_once(':').unwrap();
            headers.push((name.trim().to_owned(), value.trim().to_owned()));
        }
        let chunked = headers.iter().any(|(n, v)| {
            n.eq_ignore_ascii_case("transfer-encoding") && v.eq_ignore_ascii_case("chunked")
        });
        Stream {
            reader,
            status,
            headers,
            chunked,
            pending: String::new(),
        }
    }

    /// The next piece of the body; `None` at its end.
    async fn piece(&mut self) -> Option<Vec<u8>> {
        if !self.chunked {
            let mut rest = Vec::new();
            self.reader.read_to_end(&mut rest).await.unwrap();
            return (!rest.is_empty()).then_some(rest);
        }
        let mut size = String::new();
        self.reader.read_line(&mut size).await.unwrap();
        let size = usize::from_str_radix(size.trim(), 16).ok()?;
        if size == 0 {
            return None;
        }
        let mut data = vec![0; size + 2];
        self.reader.read_exact(&mut data).await.unwrap();
        data.truncate(size);
        Some(data)
    }

    /// The next SSE message.
    async fn event(&mut self) -> Value {
        loop {
            if let Some(end) = self.pending.find("\n\n") {
                let event: String = self.pending.drain(..end + 2).collect();
                if let Some(data) = event.lines().find_map(|l| l.strip_prefix("data:")) {
                    return serde_json::from_str(data.trim()).unwrap();
                }
                continue;
            }
            let piece = tokio::time::timeout(WAIT, self.piece())
                .await
                .expect("the stream goes on")
                .expect("the stream is not over");
            self.pending.push_str(&String::from_utf8_lossy(&piece));
        }
    }

    async fn finish(mut self) -> Answer {
        let mut body = Vec::new();
        while let Some(piece) = tokio::time::timeout(WAIT, self.piece()).await.unwrap() {
            body.extend(piece);
        }
        Answer {
            status: self.status,
            headers: self.headers,
            body,
        }
    }
}

async fn send(addr: SocketAddr, method: &str, post: Post<'_>) -> Answer {
    Stream::open(addr, post.bytes(method)).await.finish().await
}

fn modern_call(tool: &str, arguments: Value, capabilities: Value) -> Post<'static> {
    modern_request(
        "tools/call",
        json!({"name": tool, "arguments": arguments}),
        capabilities,
    )
}

fn modern_request(method: &str, mut params: Value, capabilities: Value) -> Post<'static> {
    params["_meta"] = json!({
        "io.modelcontextprotocol/protocolVersion": MODERN,
        "io.modelcontextprotocol/clientInfo": {"name": "t", "version": "1"},
        "io.modelcontextprotocol/clientCapabilities": capabilities,
    });
    let name = params["name"].as_str().map(str::to_owned);
    let post = Post::new(json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}))
        .header("MCP-Protocol-Version", MODERN)
        .header("Mcp-Method", method);
    match name {
        Some(name) => post.header("Mcp-Name", name),
        None => post,
    }
}

fn legacy(id: u64, method: &str, params: Value, session: Option<&str>) -> Post<'static> {
    let post = Post::new(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
    match session {
        Some(session) => post
            .header("Mcp-Session-Id", session)
            .header("MCP-Protocol-Version", LEGACY),
        None => post,
    }
}

/// Opens a legacy session with `token`, declaring `capabilities`.
async fn open_session(addr: SocketAddr, token: Option<&str>, capabilities: Value) -> String {
    let answer = send(
        addr,
        "POST",
        legacy(
            0,
            "initialize",
            json!({"protocolVersion": LEGACY, "capabilities": capabilities, "clientInfo": {"name": "t", "version": "1"}}),
            None,
        )
        .bearer(token),
    )
    .await;
    assert_eq!(answer.status, 200, "{answer:?}");
    let session = answer.header("mcp-session-id").unwrap().to_owned();
    let initialized = send(
        addr,
        "POST",
        Post::new(json!({"jsonrpc": "2.0", "method": "notifications/initialized"}))
            .header("Mcp-Session-Id", session.as_str())
            .header("MCP-Protocol-Version", LEGACY)
            .bearer(token),
    )
    .await;
    assert_eq!(initialized.status, 202);
    session
}

fn transfer_arguments() -> Value {
    json!({"from": "A", "to": "B", "amount": 9})
}

// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn scopes_give_401_403_and_200_in_both_eras() {
    let issuer = Issuer::generate();
    let runs = Runs::default();
    let audit = audit_path("scopes");
    // `transfer` runs without asking here, so that only its scope decides.
    let policy = Policy::new().allow(["transfer"]);
    let (server, resource) = serve(&runs, policy, &audit, |resource| {
        Some(
            HttpAuth::new(issuer.verifier(resource), resource)
                .authorization_server(ISSUER)
                .scopes_supported(["accounts:read", "accounts:write"]),
        )
    })
    .await;
    let addr = server.addr;
    let reader = issuer.token(claims("alice", "accounts:read", &resource));
    let writer = issuer.token(claims("bob", "accounts:read accounts:write", &resource));
    let metadata_url = format!("http://{addr}/.well-known/oauth-protected-resource");

    // Modern era.
    let call = || modern_call("transfer", transfer_arguments(), json!({}));
    let missing = send(addr, "POST", call()).await;
    assert_eq!(missing.status, 401);
    let challenge = missing.header("www-authenticate").unwrap();
    assert!(challenge.starts_with("Bearer "), "{challenge}");
    assert!(
        challenge.contains(&format!("resource_metadata=\"{metadata_url}\"")),
        "{challenge}"
    );
    let forbidden = send(addr, "POST", call().bearer(Some(&reader))).await;
    assert_eq!(forbidden.status, 403, "{forbidden:?}");
    let challenge = forbidden.header("www-authenticate").unwrap();
    assert!(
        challenge.contains("error=\"insufficient_scope\""),
        "{challenge}"
    );
    assert!(
        challenge.contains("scope=\"accounts:write\""),
        "{challenge}"
    );
    assert_eq!(
        forbidden.json()["error"]["data"]["requiredScopes"],
        json!(["accounts:write"])
    );
    let allowed = send(addr, "POST", call().bearer(Some(&writer))).await;
    assert_eq!(allowed.status, 200, "{allowed:?}");
    assert_eq!(
        allowed.json()["result"]["content"][0]["text"],
        "moved 9 from A to B"
    );
    // Tools without scopes are open to any valid token.
    let balance = send(
        addr,
        "POST",
        modern_call("balance", json!({"account": "A"}), json!({})).bearer(Some(&reader)),
    )
    .await;
    assert_eq!(balance.status, 200);

    // Legacy era: a session opened with the reader's token.
    let session = open_session(addr, Some(&reader), json!({})).await;
    let legacy_call = |id| {
        legacy(
            id,
            "tools/call",
            json!({"name": "transfer", "arguments": transfer_arguments()}),
            Some(&session),
        )
    };
    let missing = send(addr, "POST", legacy_call(1)).await;
    assert_eq!(missing.status, 401);
    let forbidden = send(addr, "POST", legacy_call(2).bearer(Some(&reader))).await;
    assert_eq!(forbidden.status, 403, "{forbidden:?}");
    assert!(forbidden
        .header("www-authenticate")
        .unwrap()
        .contains("scope=\"accounts:write\""));
    // The session is alice's: bob's token does not reach it, whatever its scopes.
    let elsewhere = send(addr, "POST", legacy_call(3).bearer(Some(&writer))).await;
    assert_eq!(elsewhere.status, 404, "{elsewhere:?}");
    // Step-up: alice comes back with a token holding the scope, on the same session.
    let stepped_up = issuer.token(claims("alice", "accounts:read accounts:write", &resource));
    let allowed = send(addr, "POST", legacy_call(4).bearer(Some(&stepped_up))).await;
    assert_eq!(allowed.status, 200);
    assert_eq!(
        allowed.json()["result"]["content"][0]["text"],
        "moved 9 from A to B"
    );
    assert_eq!(runs.transfers(), 2, "only the calls with the scope ran");

    // The metadata document says where to get tokens.
    let metadata = send(
        addr,
        "GET",
        Post {
            path: "/.well-known/oauth-protected-resource",
            ..Post::new(json!(null))
        },
    )
    .await;
    assert_eq!(metadata.status, 200);
    let document = metadata.json();
    assert_eq!(document["resource"], resource);
    assert_eq!(document["authorization_servers"], json!([ISSUER]));

    // Every decision names its caller.
    let records = audit_records(&audit);
    let transfer: Vec<(String, String)> = records
        .iter()
        .filter(|r| r["capability"] == "transfer" && r["event"] == "decision")
        .map(|r| {
            (
                r["caller"].as_str().unwrap().to_owned(),
                r["decision"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let expected = [
        ("alice", "deny"),
        ("bob", "allow"),
        ("alice", "deny"),
        ("alice", "allow"),
    ];
    let expected: Vec<(String, String)> = expected
        .iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect();
    assert_eq!(transfer, expected);
    let denial = records
        .iter()
        .find(|r| r["caller"] == "alice" && r["capability"] == "transfer")
        .unwrap();
    assert_eq!(
        denial["reason"],
        "the caller lacks the scope(s): accounts:write"
    );
}

#[tokio::test]
async fn bad_tokens_are_refused_with_401_invalid_token() {
    let issuer = Issuer::generate();
    let stranger = Issuer::generate();
    let audit = audit_path("bad-tokens");
    let (server, resource) = serve(&Runs::default(), Policy::new(), &audit, |resource| {
        Some(HttpAuth::new(issuer.verifier(resource), resource))
    })
    .await;
    let mut expired = claims("alice", "accounts:read", &resource);
    expired["exp"] = json!(now() - 3600);
    let mut foreign_issuer = claims("alice", "accounts:read", &resource);
    foreign_issuer["iss"] = json!("https://evil.example");
    let mut not_yet = claims("alice", "accounts:read", &resource);
    not_yet["nbf"] = json!(now() + 3600);
    let mut already = claims("alice", "accounts:read", &resource);
    already["nbf"] = json!(now() - 60);
    let critical = issuer.token_with_header(
        json!({"alg": "ES256", "typ": "JWT", "crit": ["urn:example:bound"], "urn:example:bound": true}),
        claims("alice", "accounts:read", &resource),
    );
    // The same token without `crit` is fine: only the critical extension refuses it.
    let plain = issuer.token_with_header(
        json!({"alg": "ES256", "typ": "JWT", "urn:example:bound": true}),
        claims("alice", "accounts:read", &resource),
    );
    for token in [plain, issuer.token(already)] {
        let answer = send(
            server.addr,
            "POST",
            modern_call("balance", json!({"account": "A"}), json!({})).bearer(Some(&token)),
        )
        .await;
        assert_eq!(answer.status, 200, "{answer:?}");
    }
    let cases = [
        ("not valid yet", issuer.token(not_yet), "not valid yet"),
        ("a critical extension", critical, "critical extensions"),
        ("expired", issuer.token(expired), "the token has expired"),
        (
            "another audience",
            issuer.token(claims("alice", "accounts:read", "http://elsewhere/mcp")),
            "audience",
        ),
        ("another issuer", issuer.token(foreign_issuer), "issuer"),
        (
            "another key",
            stranger.token(claims("alice", "accounts:read", &resource)),
            "signature",
        ),
        ("garbage", "not.a.jwt".to_owned(), "malformed"),
    ];
    for (what, token, reason) in cases {
        let answer = send(
            server.addr,
            "POST",
            modern_call("balance", json!({"account": "A"}), json!({})).bearer(Some(&token)),
        )
        .await;
        assert_eq!(answer.status, 401, "{what}");
        let challenge = answer.header("www-authenticate").unwrap();
        assert!(
            challenge.contains("error=\"invalid_token\""),
            "{what}: {challenge}"
        );
        assert!(challenge.contains(reason), "{what}: {challenge}");
    }
    assert!(
        audit_records(&audit)
            .iter()
            .all(|r| r["capability"] == "balance"),
        "nothing was decided for the refused tokens"
    );
}

#[tokio::test]
async fn a_denied_critical_tool_is_hidden_over_http_in_both_eras() {
    let runs = Runs::default();
    let audit = audit_path("hidden");
    let policy = Policy::new().confirm_up_to(mcp_runtime::RiskLevel::High);
    let (server, _) = serve(&runs, policy, &audit, |_| {
        Some(HttpAuth::new(
            StaticTokens::new().token("dev", "carol", ["accounts:write"]),
            "http://127.0.0.1/mcp",
        ))
    })
    .await;
    let addr = server.addr;
    let token = Some("dev");
    let names = |answer: &Answer| -> Vec<String> {
        answer.json()["result"]["tools"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["name"].as_str().unwrap().to_owned())
            .collect()
    };
    let listed = send(
        addr,
        "POST",
        modern_request("tools/list", json!({}), json!({})).bearer(token),
    )
    .await;
    assert_eq!(names(&listed), ["balance", "rename_account", "transfer"]);
    let hidden = send(
        addr,
        "POST",
        modern_call("close_account", json!({"account": "A"}), json!({})).bearer(token),
    )
    .await;
    assert_eq!(
        hidden.json()["error"]["message"],
        "Invalid params: Unknown tool: close_account (not found or not authorized)"
    );

    let session = open_session(addr, token, json!({})).await;
    let listed = send(
        addr,
        "POST",
        legacy(1, "tools/list", json!({}), Some(&session)).bearer(token),
    )
    .await;
    assert_eq!(names(&listed), ["balance", "rename_account", "transfer"]);
    let hidden = send(
        addr,
        "POST",
        legacy(
            2,
            "tools/call",
            json!({"name": "close_account", "arguments": {"account": "A"}}),
            Some(&session),
        )
        .bearer(token),
    )
    .await;
    assert_eq!(hidden.json()["error"]["code"], -32602);
    assert_eq!(runs.closes(), 0);
    let refused: Vec<Value> = audit_records(&audit)
        .into_iter()
        .filter(|r| r["capability"] == "close_account" && r["outcome"] == "refused")
        .collect();
    assert_eq!(refused.len(), 2);
    assert!(refused.iter().all(|r| r["caller"] == "carol"));
}

#[tokio::test]
async fn a_high_tool_asks_first_over_http_in_both_eras() {
    let runs = Runs::default();
    let audit = audit_path("confirm");
    let (server, _) = serve(&runs, Policy::new(), &audit, |_| None).await;
    let addr = server.addr;
    let elicitation = json!({"elicitation": {}});

    // Modern: input_required, then the retry with the answer (each state is used once).
    for (action, ran) in [("decline", 0), ("accept", 1)] {
        let first = send(
            addr,
            "POST",
            modern_call("transfer", transfer_arguments(), elicitation.clone()),
        )
        .await
        .json();
        assert_eq!(first["result"]["resultType"], "input_required", "{first}");
        let (key, _) = first["result"]["inputRequests"]
            .as_object()
            .unwrap()
            .iter()
            .next()
            .unwrap();
        let state = first["result"]["requestState"].clone();
        let mut answer = json!({"action": action});
        if action == "accept" {
            answer["content"] = json!({"confirm": true});
        }
        let mut retry = modern_call("transfer", transfer_arguments(), elicitation.clone());
        retry.body["params"]["inputResponses"] = json!({ key.clone(): answer });
        retry.body["params"]["requestState"] = state.clone();
        let result = send(addr, "POST", retry).await.json();
        assert_eq!(
            result["result"]["isError"].as_bool().unwrap_or(false),
            action == "decline",
            "{result}"
        );
        assert_eq!(runs.transfers(), ran, "{action}");
    }

    // Legacy: the question travels on the call's SSE stream; the answer is a POST of its own.
    let session = open_session(addr, None, elicitation).await;
    for (id, action, ran) in [(1, "decline", 1), (2, "accept", 2)] {
        let call = legacy(
            id,
            "tools/call",
            json!({"name": "transfer", "arguments": transfer_arguments()}),
            Some(&session),
        );
        let mut stream = Stream::open(addr, call.bytes("POST")).await;
        assert_eq!(stream.status, 200);
        let question = stream.event().await;
        assert_eq!(question["method"], "elicitation/create", "{question}");
        let mut answer = json!({"action": action});
        if action == "accept" {
            answer["content"] = json!({"confirm": true});
        }
        let delivered = send(
            addr,
            "POST",
            Post::new(json!({"jsonrpc": "2.0", "id": question["id"], "result": answer}))
                .header("Mcp-Session-Id", session.as_str())
                .header("MCP-Protocol-Version", LEGACY),
        )
        .await;
        assert_eq!(delivered.status, 202);
        let result = stream.event().await;
        assert_eq!(result["id"], id);
        assert_eq!(
            result["result"]["isError"].as_bool().unwrap_or(false),
            action == "decline",
            "{result}"
        );
        assert_eq!(runs.transfers(), ran, "{action}");
    }
    let outcomes: Vec<String> = audit_records(&audit)
        .iter()
        .filter(|r| r["capability"] == "transfer" && r["event"] == "call")
        .map(|r| r["outcome"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        outcomes,
        [
            "input_required",
            "declined",
            "input_required",
            "ok",
            "declined",
            "ok"
        ]
    );
}

#[tokio::test]
async fn tokens_are_checked_against_a_json_web_key_set() {
    let issuer = Issuer::generate();
    let runs = Runs::default();
    let audit = audit_path("jwks");
    let policy = Policy::new().allow(["transfer"]);
    let (server, resource) = serve(&runs, policy, &audit, |resource| {
        Some(HttpAuth::new(
            JwtVerifier::from_jwks(issuer.jwks("key-1"), ISSUER, resource),
            resource,
        ))
    })
    .await;
    let call = || modern_call("transfer", transfer_arguments(), json!({}));
    let good = issuer.token_with_kid("key-1", claims("dan", "accounts:write", &resource));
    let answer = send(server.addr, "POST", call().bearer(Some(&good))).await;
    assert_eq!(answer.status, 200, "{answer:?}");
    let unknown_key = issuer.token_with_kid("key-2", claims("dan", "accounts:write", &resource));
    let answer = send(server.addr, "POST", call().bearer(Some(&unknown_key))).await;
    assert_eq!(answer.status, 401);
    assert!(answer
        .header("www-authenticate")
        .unwrap()
        .contains("no known signing key"));
    assert_eq!(runs.transfers(), 1);
}

#[tokio::test]
async fn a_session_belongs_to_the_subject_that_opened_it() {
    let runs = Runs::default();
    let audit = audit_path("owner");
    let (server, _) = serve(&runs, Policy::new(), &audit, |_| {
        Some(HttpAuth::new(
            StaticTokens::new()
                .token("alice-token", "alice", ["accounts:read", "accounts:write"])
                .token(
                    "mallory-token",
                    "mallory",
                    ["accounts:read", "accounts:write"],
                ),
            "http://127.0.0.1/mcp",
        ))
    })
    .await;
    let addr = server.addr;
    let alice = Some("alice-token");
    let mallory = Some("mallory-token");
    let session = open_session(addr, alice, json!({"elicitation": {}})).await;
    let not_found = |answer: &Answer, what: &str| {
        assert_eq!(answer.status, 404, "{what}: {answer:?}");
        assert_eq!(answer.json()["error"]["code"], -32001, "{what}");
    };

    // Alice's transfer asks her to confirm; the question waits on her stream.
    let call = legacy(
        1,
        "tools/call",
        json!({"name": "transfer", "arguments": transfer_arguments()}),
        Some(&session),
    )
    .bearer(alice);
    let mut stream = Stream::open(addr, call.bytes("POST")).await;
    assert_eq!(stream.status, 200);
    let question = stream.event().await;
    assert_eq!(question["method"], "elicitation/create", "{question}");

    // Mallory can neither answer it, nor call, listen or end the session.
    let answer = |token| {
        Post::new(json!({"jsonrpc": "2.0", "id": question["id"], "result": {"action": "accept", "content": {"confirm": true}}}))
            .header("Mcp-Session-Id", session.as_str())
            .header("MCP-Protocol-Version", LEGACY)
            .bearer(token)
    };
    not_found(&send(addr, "POST", answer(mallory)).await, "answer");
    not_found(
        &send(
            addr,
            "POST",
            legacy(2, "tools/list", json!({}), Some(&session)).bearer(mallory),
        )
        .await,
        "call",
    );
    let listen = |token| {
        Post::new(json!(null))
            .header("Mcp-Session-Id", session.as_str())
            .bearer(token)
    };
    let listened = Stream::open(addr, listen(mallory).bytes("GET")).await;
    assert_eq!(listened.status, 404, "GET");
    not_found(&listened.finish().await, "GET");
    not_found(&send(addr, "DELETE", listen(mallory)).await, "DELETE");
    assert_eq!(runs.transfers(), 0);

    // Alice's session is untouched: she answers, listens and ends it.
    let delivered = send(addr, "POST", answer(alice)).await;
    assert_eq!(delivered.status, 202, "{delivered:?}");
    let result = stream.event().await;
    assert_eq!(result["id"], 1, "{result}");
    assert_eq!(runs.transfers(), 1);
    let listened = Stream::open(addr, listen(alice).bytes("GET")).await;
    assert_eq!(listened.status, 200);
    drop(listened);
    let ended = send(addr, "DELETE", listen(alice)).await;
    assert_eq!(ended.status, 200, "{ended:?}");
}

#[tokio::test]
async fn one_subject_opening_many_sessions_does_not_lock_out_another() {
    let audit = audit_path("session-share");
    let (server, _) = serve_with(
        &Runs::default(),
        Policy::new(),
        &audit,
        |_| {
            Some(HttpAuth::new(
                StaticTokens::new()
                    .token("alice-token", "alice", ["accounts:read"])
                    .token("mallory-token", "mallory", ["accounts:read"]),
                "http://127.0.0.1/mcp",
            ))
        },
        HttpConfig {
            max_sessions: 4,
            max_sessions_per_caller: 2,
            ..HttpConfig::default()
        },
    )
    .await;
    let addr = server.addr;
    let alice = Some("alice-token");
    let mallory = Some("mallory-token");
    let list =
        |session: &str, token| legacy(1, "tools/list", json!({}), Some(session)).bearer(token);
    let first = open_session(addr, alice, json!({})).await;
    // Mallory opens far more than his share, some never initialized.
    let mut mallorys = Vec::new();
    for n in 0..20 {
        if n % 2 == 0 {
            mallorys.push(open_session(addr, mallory, json!({})).await);
        } else {
            let opened = send(
                addr,
                "POST",
                legacy(0, "initialize", json!({"protocolVersion": LEGACY, "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}), None)
                    .bearer(mallory),
            )
            .await;
            assert_eq!(opened.status, 200, "{opened:?}");
            mallorys.push(opened.header("mcp-session-id").unwrap().to_owned());
        }
    }
    // Only his two latest remain; alice's session is untouched and she can open another.
    let alive: Vec<bool> = {
        let mut alive = Vec::new();
        for session in &mallorys {
            alive.push(send(addr, "POST", list(session, mallory)).await.status == 200);
        }
        alive
    };
    assert_eq!(alive.iter().filter(|a| **a).count(), 2, "{alive:?}");
    assert!(alive[18] && alive[19], "{alive:?}");
    let answer = send(addr, "POST", list(&first, alice)).await;
    assert_eq!(answer.status, 200, "{answer:?}");
    let second = open_session(addr, alice, json!({})).await;
    for session in [&first, &second] {
        let answer = send(addr, "POST", list(session, alice)).await;
        assert_eq!(answer.status, 200, "{answer:?}");
    }
}

/// Says who is asking: the token's subject, scopes and a custom claim.
#[mcp_runtime::tool(read_only)]
fn whoami(caller: mcp_runtime::permission::Caller) -> String {
    #[derive(serde::Deserialize)]
    struct Claims {
        tenant: String,
    }
    match caller.claims::<Claims>() {
        Some(Ok(claims)) => format!(
            "{} of {} holding {}",
            caller.subject(),
            claims.tenant,
            caller.scopes().map(|s| s.len()).unwrap_or_default()
        ),
        Some(Err(e)) => format!("{}: {e}", caller.subject()),
        None => caller.subject().to_owned(),
    }
}

#[tokio::test]
async fn a_tool_sees_the_callers_subject_scopes_and_custom_claims() {
    let issuer = Issuer::generate();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let resource = format!("http://{addr}/mcp");
    let dispatcher = mcp_runtime::Server::new("who", "1.0.0")
        .tools(mcp_runtime::tools![whoami])
        .build()
        .unwrap();
    let config = HttpConfig {
        auth: Some(HttpAuth::new(issuer.verifier(&resource), &resource)),
        ..HttpConfig::default()
    };
    let app = http::router(dispatcher, &config);
    let _server = Running {
        addr,
        task: tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        }),
    };
    let mut token_claims = claims("erin", "accounts:read accounts:write", &resource);
    token_claims["tenant"] = json!("acme");
    let token = issuer.token(token_claims);
    let answer = send(
        addr,
        "POST",
        modern_call("whoami", json!({}), json!({})).bearer(Some(&token)),
    )
    .await;
    assert_eq!(answer.status, 200, "{answer:?}");
    let body: Value = serde_json::from_slice(&answer.body).unwrap();
    assert_eq!(
        body["result"]["content"][0]["text"], "erin of acme holding 2",
        "{body}"
    );
    // A token without the claim the server's type requires: the tool says why.
    let token = issuer.token(claims("dan", "accounts:read", &resource));
    let answer = send(
        addr,
        "POST",
        modern_call("whoami", json!({}), json!({})).bearer(Some(&token)),
    )
    .await;
    let body: Value = serde_json::from_slice(&answer.body).unwrap();
    let text = body["result"]["content"][0]["text"].as_str().unwrap();
    assert!(text.starts_with("dan: missing field `tenant`"), "{text}");
}
