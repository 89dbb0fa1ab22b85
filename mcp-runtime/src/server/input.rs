//! Questions for the client in the 2026-07-28 era: multi round-trip requests.
//!
//! A modern server cannot send requests of its own. When a tool (or a prompt, or a resource
//! read) asks the client something through [`Context`](super::Context), the call ends with an
//! `input_required` result listing the questions, and the client retries the same request with
//! the answers in `inputResponses`. The runtime runs the handler again from the start; every
//! question already answered returns its answer at once, so the handler reaches the line that
//! asked, with the answer, as if it had waited.
//!
//! Answers given in earlier rounds travel back and forth in `requestState`, sealed with an
//! HMAC-SHA256 over the request they belong to (method, name, the exact bytes of the
//! arguments, the caller), an expiry, a one-time nonce, the keys of the questions that round
//! asked and the answers themselves. A retry's answers to the questions its state says were
//! asked are taken as given; sealed answers cannot be overridden. Answers the client sends
//! unasked (with a first request, or for other keys) may serve a handler's own questions, as
//! the specification suggests, but never a confirmation the policy requires: that is asked,
//! in a round this server sealed, before any answer counts. A state is accepted once: a replay, like a state that fails
//! verification, is refused with -32602.
//!
//! The keys form a ring: the first seals, every one opens, and each state names its key by a
//! short digest, so that keys rotate without refusing the states in flight. Replicas given
//! the same keys (or, without keys, sharing a store, through which they agree on one) serve
//! each other's retries. The server keeps only the nonces of states already used, until they
//! expire: in its memory, or with a shared store in Redis, so that a state is accepted once
//! by all the replicas together (and refused while Redis cannot be reached).

use crate::sync::lock;
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use tokio::sync::Notify;

use crate::protocol::{code, RpcError};

type HmacSha256 = Hmac<Sha256>;

/// Signs and verifies `requestState`, and remembers the states already used.
pub(crate) struct Sealer {
    /// The keys given to the server: the first signs, every one verifies. Empty when none
    /// was given and replicas agree on one through the shared store.
    ring: Vec<SealingKey>,
    ttl: Duration,
    /// Nonces of states already accepted, with their expiry (seconds since the epoch).
    used: Mutex<HashMap<[u8; NONCE_BYTES], u64>>,
    /// The store shared with other replicas: used nonces are recorded there, and without a
    /// key given, the replicas' common key is kept there.
    #[cfg(feature = "redis")]
    shared: Option<crate::store::Shared>,
    /// The key agreed through the shared store, read on first use.
    #[cfg(feature = "redis")]
    agreed: tokio::sync::OnceCell<SealingKey>,
}

const NONCE_BYTES: usize = 16;

/// How many bytes of a key's digest name it in a sealed state.
const KEY_ID_BYTES: usize = 6;

/// The shortest key accepted from configuration.
pub(crate) const MIN_KEY_BYTES: usize = 32;

/// One key of the ring, with the id that names it in the states it seals.
#[derive(Clone)]
struct SealingKey {
    id: String,
    secret: Vec<u8>,
}

impl SealingKey {
    fn new(secret: Vec<u8>) -> Self {
        let mut digest = Sha256::new();
        digest.update(b"mcp-runtime requestState key id\0");
        digest.update(&secret);
        let id = URL_SAFE_NO_PAD.encode(&digest.finalize()[..KEY_ID_BYTES]);
        SealingKey { id, secret }
    }

    fn mac(&self) -> HmacSha256 {
        HmacSha256::new_from_slice(&self.secret).expect("HMAC takes keys of any length")
    }

    /// `{key id}.{payload}.{tag}`, the tag covering the key id and the payload.
    fn sign(&self, payload: &[u8]) -> String {
        let payload = URL_SAFE_NO_PAD.encode(payload);
        let mut mac = self.mac();
        mac.update(self.id.as_bytes());
        mac.update(b".");
        mac.update(payload.as_bytes());
        let tag = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
        format!("{}.{payload}.{tag}", self.id)
    }

    /// True when `tag` is this key's over `id.payload`.
    fn verifies(&self, id: &str, payload: &str, tag: &[u8]) -> bool {
        let mut mac = self.mac();
        mac.update(id.as_bytes());
        mac.update(b".");
        mac.update(payload.as_bytes());
        mac.verify_slice(tag).is_ok()
    }
}

/// At most this many used states are remembered at once; past it, until some expire, retries
/// are refused rather than remembered in unbounded memory.
const MAX_REMEMBERED: usize = 100_000;

/// What an opened `requestState` holds.
#[derive(Debug)]
pub(crate) struct Opened {
    /// Answers the handler used in earlier rounds.
    pub(crate) answers: BTreeMap<String, Value>,
    /// The questions the last round asked: the only keys of `inputResponses` read.
    pub(crate) asked: Vec<String>,
}

impl Sealer {
    /// A sealer signing with the first of `keys` and accepting every one of them. Without
    /// keys, it draws a random one, unless `shared` is given: then the replicas sharing the
    /// store agree on one there.
    pub(crate) fn new(
        keys: Vec<Vec<u8>>,
        ttl: Duration,
        #[cfg(feature = "redis")] shared: Option<crate::store::Shared>,
    ) -> Self {
        let mut ring: Vec<SealingKey> = keys.into_iter().map(SealingKey::new).collect();
        #[cfg(feature = "redis")]
        let agree = ring.is_empty() && shared.is_some();
        #[cfg(not(feature = "redis"))]
        let agree = false;
        if ring.is_empty() && !agree {
            ring.push(SealingKey::new(random_bytes::<32>().to_vec()));
        }
        Sealer {
            ring,
            ttl,
            used: Mutex::default(),
            #[cfg(feature = "redis")]
            shared,
            #[cfg(feature = "redis")]
            agreed: tokio::sync::OnceCell::new(),
        }
    }

    /// The keys: the first signs, every one verifies.
    async fn ring(&self) -> Result<&[SealingKey], RpcError> {
        #[cfg(feature = "redis")]
        if self.ring.is_empty() {
            if let Some(shared) = &self.shared {
                let key = self
                    .agreed
                    .get_or_try_init(|| agree_on_key(shared))
                    .await
                    .map_err(|e| {
                        RpcError::store_unavailable(format!(
                            "cannot read the key that seals `requestState`: {e}"
                        ))
                    })?;
                return Ok(std::slice::from_ref(key));
            }
        }
        Ok(&self.ring)
    }

    /// Seals the answers of a round, and the keys of the questions it asked, for the request
    /// `binding` identifies.
    pub(crate) async fn seal(
        &self,
        binding: &Binding<'_>,
        answers: &BTreeMap<String, Value>,
        asked: Vec<String>,
    ) -> Result<String, RpcError> {
        let expires = now_secs().saturating_add(self.ttl.as_secs());
        let payload = Payload {
            v: 2,
            exp: expires,
            nonce: URL_SAFE_NO_PAD.encode(random_bytes::<NONCE_BYTES>()),
            req: binding.fingerprint()?,
            asked,
            answers: answers.clone(),
        };
        let payload = serde_json::to_vec(&payload).expect("state payloads serialise");
        let ring = self.ring().await?;
        Ok(ring[0].sign(&payload))
    }

    /// What `state` holds, if it is authentic, unexpired, unused and was issued for the request
    /// `binding` identifies. Opening it uses it up.
    pub(crate) async fn open(
        &self,
        state: &str,
        binding: &Binding<'_>,
    ) -> Result<Opened, RpcError> {
        let not_ours = || refuse("it was not issued by this server");
        let mut parts = state.splitn(3, '.');
        let (Some(id), Some(encoded), Some(tag)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(not_ours());
        };
        let tag = URL_SAFE_NO_PAD.decode(tag).map_err(|_| not_ours())?;
        let payload = URL_SAFE_NO_PAD.decode(encoded).map_err(|_| not_ours())?;
        let ring = self.ring().await?;
        // A key this server does not hold (retired, or another server's): not ours.
        let key = ring.iter().find(|key| key.id == id).ok_or_else(not_ours)?;
        if !key.verifies(id, encoded, &tag) {
            return Err(refuse("its integrity check failed"));
        }
        let payload: Payload = serde_json::from_slice(&payload).map_err(|_| not_ours())?;
        if payload.v != 2 {
            return Err(refuse("it was issued by another version of this server"));
        }
        let now = now_secs();
        if payload.exp < now {
            return Err(refuse("it has expired; send the request again without it"));
        }
        if payload.req != binding.fingerprint()? {
            return Err(refuse("it was issued for a different request"));
        }
        let nonce: [u8; NONCE_BYTES] = URL_SAFE_NO_PAD
            .decode(&payload.nonce)
            .ok()
            .and_then(|bytes| bytes.try_into().ok())
            .ok_or_else(not_ours)?;
        self.use_once(nonce, payload.exp, now).await?;
        Ok(Opened {
            answers: payload.answers,
            asked: payload.asked,
        })
    }

    /// Records `nonce` as used; fails if it already was. With a shared store, the record is
    /// kept there, so that a state is accepted once by all the replicas together; a store
    /// that cannot be reached refuses the state rather than risk a replay.
    async fn use_once(
        &self,
        nonce: [u8; NONCE_BYTES],
        expires: u64,
        now: u64,
    ) -> Result<(), RpcError> {
        let replayed = || refuse("it was already used; each `requestState` is accepted once");
        #[cfg(feature = "redis")]
        if let Some(shared) = &self.shared {
            let key = shared.key(&format!(
                "request-state:used:{}",
                URL_SAFE_NO_PAD.encode(nonce)
            ));
            // Kept a second past the state's expiry, after which the state is refused anyway.
            let until_ms = expires.saturating_add(1).saturating_mul(1000);
            let first: Option<String> = shared
                .run(async |c| {
                    redis::cmd("SET")
                        .arg(&key)
                        .arg(1)
                        .arg("NX")
                        .arg("PXAT")
                        .arg(until_ms)
                        .query_async(c)
                        .await
                })
                .await
                .map_err(|e| {
                    RpcError::store_unavailable(format!(
                        "cannot check that `requestState` is used once: {e}"
                    ))
                })?;
            return match first {
                Some(_) => Ok(()),
                None => Err(replayed()),
            };
        }
        let mut used = lock(&self.used);
        if used.len() >= MAX_REMEMBERED {
            used.retain(|_, &mut exp| exp >= now);
            if used.len() >= MAX_REMEMBERED {
                tracing::warn!(
                    "too many multi round-trip requests in progress; a retry was refused"
                );
                return Err(RpcError::internal(
                    "the server is holding too many unfinished multi round-trip requests; send the request again later, without `requestState`",
                ));
            }
        }
        match used.insert(nonce, expires) {
            None => Ok(()),
            Some(_) => Err(replayed()),
        }
    }
}

/// The key the replicas sharing `shared` seal with when none was given to them: the first
/// to need it draws it and stores it (`SET NX`, without expiry), the others read it.
#[cfg(feature = "redis")]
async fn agree_on_key(
    shared: &crate::store::Shared,
) -> Result<SealingKey, crate::store::Unavailable> {
    let name = shared.key("request-state:key");
    let drawn = URL_SAFE_NO_PAD.encode(random_bytes::<32>());
    let stored: String = shared
        .run(async |c| {
            // Two requests rather than `SET NX GET`, which Redis before 7 lacks.
            redis::cmd("SET")
                .arg(&name)
                .arg(&drawn)
                .arg("NX")
                .query_async::<Option<String>>(c)
                .await?;
            redis::cmd("GET").arg(&name).query_async(c).await
        })
        .await?;
    let secret = URL_SAFE_NO_PAD
        .decode(stored.trim())
        .ok()
        .filter(|secret| secret.len() >= MIN_KEY_BYTES)
        .ok_or_else(|| {
            shared.unavailable(&format!(
                "{name} does not hold a key (32 bytes or more, base64url); delete it to draw a new one"
            ))
        })?;
    Ok(SealingKey::new(secret))
}

fn refuse(why: &str) -> RpcError {
    RpcError::invalid_params(format!("`requestState` is not valid: {why}"))
        .with_data(serde_json::json!({ "reason": why }))
}

fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).expect("the operating system's random source is available");
    bytes
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[derive(Serialize, Deserialize)]
struct Payload {
    v: u8,
    exp: u64,
    /// Makes every state unique, so that a used one is told apart.
    nonce: String,
    /// Fingerprint of the request the state belongs to.
    req: String,
    /// Keys of the questions the round asked.
    asked: Vec<String>,
    answers: BTreeMap<String, Value>,
}

/// What identifies a request across its rounds: method, the name (tool or prompt name,
/// resource URI), the arguments and the caller.
pub(crate) struct Binding<'a> {
    pub(crate) method: &'static str,
    pub(crate) name: &'a str,
    pub(crate) arguments: Option<&'a RawValue>,
    pub(crate) principal: Option<&'a str>,
}

impl Binding<'_> {
    /// A hex SHA-256 over everything that binds, the arguments as the exact bytes the client
    /// sent (only the white space between JSON tokens removed): a retry must send the very
    /// same arguments, and no two different texts can share a fingerprint. Fails for
    /// arguments that are not well-formed JSON text.
    fn fingerprint(&self) -> Result<String, RpcError> {
        let arguments =
            match self.arguments {
                Some(raw) => Some(compact(raw.get()).ok_or_else(|| {
                    RpcError::invalid_params("`arguments` is not well-formed JSON")
                })?),
                None => None,
            };
        let mut hasher = Sha256::new();
        // Each part is length-prefixed, so that no part can run into the next.
        for part in [
            Some(self.method),
            Some(self.name),
            arguments.as_deref(),
            self.principal,
        ] {
            match part {
                Some(text) => {
                    hasher.update((text.len() as u64 + 1).to_be_bytes());
                    hasher.update(text.as_bytes());
                }
                None => hasher.update(0u64.to_be_bytes()),
            }
        }
        Ok(hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect())
    }
}

/// `text` without the white space between JSON tokens; `None` when a string is not closed.
fn compact(text: &str) -> Option<String> {
    let mut out = String::with_capacity(text.len());
    let mut in_string = false;
    let mut escaped = false;
    for c in text.chars() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
        } else if !matches!(c, ' ' | '\t' | '\n' | '\r') {
            if c == '"' {
                in_string = true;
            }
            out.push(c);
        }
    }
    (!in_string).then_some(out)
}

/// One run of a modern-era request that may ask the client for input.
pub(crate) struct InputRound {
    /// Answers available to this run: sealed earlier ones, and this retry's answers to the
    /// questions its state says were asked.
    answers: Map<String, Value>,
    /// Answers to questions this server did not ask (yet): usable by a handler's own
    /// questions, never by a confirmation.
    unasked: Map<String, Value>,
    /// True when the request carried a verified `requestState`.
    resumed: bool,
    /// Answers the handler used in this run: sealed into the next `requestState`.
    used: Mutex<BTreeMap<String, Value>>,
    /// Questions asked in this run that have no answer yet.
    asked: Mutex<Vec<(String, Value)>>,
    /// A protocol error in the client's answers: ends the request with it.
    failure: Mutex<Option<RpcError>>,
    /// A question the client could not be asked (it did not declare the capability).
    missing_capability: Mutex<Option<RpcError>>,
    next_key: AtomicUsize,
    signal: Notify,
}

/// How a suspended round ends.
pub(crate) enum Suspension {
    /// Questions for the client, and the answers to seal into `requestState`.
    Input {
        requests: Vec<(String, Value)>,
        answers: BTreeMap<String, Value>,
    },
    /// The client's answers were malformed.
    Failed(RpcError),
}

impl InputRound {
    /// Reads `inputResponses` and `requestState` of a retried request. Only the answers to
    /// the questions the sealed state says were asked are taken; the sealed answers of earlier
    /// rounds cannot be overridden.
    pub(crate) async fn new(
        sealer: &Sealer,
        binding: &Binding<'_>,
        input_responses: Option<&RawValue>,
        request_state: Option<&str>,
    ) -> Result<Self, RpcError> {
        let mut responses = match input_responses {
            Some(raw) => serde_json::from_str::<Map<String, Value>>(raw.get()).map_err(|_| {
                RpcError::invalid_params(
                    "`inputResponses` must be an object mapping each input request's key to the client's result",
                )
            })?,
            None => Map::new(),
        };
        let mut answers = Map::new();
        let resumed = match request_state {
            Some(state) => {
                let opened = sealer.open(state, binding).await?;
                for key in opened.asked {
                    if let Some(answer) = responses.remove(&key) {
                        answers.insert(key, answer);
                    }
                }
                // Sealed answers win over anything the retry says about the same key.
                answers.extend(opened.answers);
                true
            }
            None => false,
        };
        Ok(InputRound {
            answers,
            unasked: responses,
            resumed,
            used: Mutex::default(),
            asked: Mutex::default(),
            failure: Mutex::default(),
            missing_capability: Mutex::default(),
            next_key: AtomicUsize::new(0),
            signal: Notify::new(),
        })
    }

    pub(crate) fn resumed(&self) -> bool {
        self.resumed
    }

    /// A key for a question asked without one: its method and its place in the run.
    pub(crate) fn auto_key(&self, kind: &str) -> String {
        let n = self.next_key.fetch_add(1, Ordering::Relaxed) + 1;
        format!("{kind}-{n}")
    }

    /// The client's answer to the question `key`, if this request carries one.
    /// With `asked_only`, only an answer to a question this server asked in a sealed round
    /// counts (confirmations); otherwise an answer the client sent unasked serves too.
    pub(crate) fn answer(&self, key: &str, asked_only: bool) -> Option<&Value> {
        match self.answers.get(key) {
            Some(answer) => Some(answer),
            None if asked_only => None,
            None => self.unasked.get(key),
        }
    }

    pub(crate) fn record_used(&self, key: &str, answer: Value) {
        lock(&self.used).insert(key.to_owned(), answer);
    }

    /// Asks the client `request` under `key`; the run ends once the handler waits.
    pub(crate) fn ask(&self, key: String, request: Value) {
        lock(&self.asked).push((key, request));
        self.signal.notify_one();
    }

    /// Ends the request with a protocol error about the client's answers.
    pub(crate) fn fail(&self, error: RpcError) {
        lock(&self.failure).get_or_insert(error);
        self.signal.notify_one();
    }

    pub(crate) fn note_missing_capability(&self, error: RpcError) {
        lock(&self.missing_capability).get_or_insert(error);
    }

    /// The -32021 error to answer with when the handler failed after a question it could not
    /// ask.
    pub(crate) fn take_missing_capability(&self) -> Option<RpcError> {
        lock(&self.missing_capability).take()
    }

    /// True when the handler asked something still unanswered, or the answers proved
    /// malformed: the run is about to end with them.
    pub(crate) fn is_waiting(&self) -> bool {
        !lock(&self.asked).is_empty() || lock(&self.failure).is_some()
    }

    /// Completes once the handler asked something or the answers proved malformed.
    pub(crate) async fn suspended(&self) -> Suspension {
        self.signal.notified().await;
        if let Some(error) = lock(&self.failure).take() {
            return Suspension::Failed(error);
        }
        Suspension::Input {
            requests: std::mem::take(&mut *lock(&self.asked)),
            answers: std::mem::take(&mut *lock(&self.used)),
        }
    }
}

/// The error for a question the client did not declare the capability to answer.
pub(crate) fn missing_capability(capability: &str, sub: Option<&str>) -> RpcError {
    let (name, required) = match sub {
        Some(sub) => (
            format!("{capability}.{sub}"),
            serde_json::json!({ capability: { sub: {} } }),
        ),
        None => (capability.to_owned(), serde_json::json!({ capability: {} })),
    };
    RpcError::new(
        code::MISSING_REQUIRED_CLIENT_CAPABILITY,
        format!("the client did not declare the `{name}` capability"),
    )
    .with_data(serde_json::json!({ "requiredCapabilities": required }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(arguments: &str) -> Box<RawValue> {
        RawValue::from_string(arguments.to_owned()).unwrap()
    }

    fn binding(arguments: &RawValue) -> Binding<'_> {
        Binding {
            method: "tools/call",
            name: "greet",
            arguments: Some(arguments),
            principal: None,
        }
    }

    fn sealer_with(keys: &[&[u8]], ttl: Duration) -> Sealer {
        Sealer::new(
            keys.iter().map(|key| key.to_vec()).collect(),
            ttl,
            #[cfg(feature = "redis")]
            None,
        )
    }

    fn new_sealer() -> Sealer {
        sealer_with(&[], Duration::from_secs(60))
    }

    async fn seal(sealer: &Sealer, arguments: &str, answers: &BTreeMap<String, Value>) -> String {
        sealer
            .seal(&binding(&raw(arguments)), answers, vec!["name".to_owned()])
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn sealed_answers_open_for_the_same_request_only() {
        let sealer = new_sealer();
        let mut answers = BTreeMap::new();
        answers.insert("name".to_owned(), serde_json::json!({"action": "accept"}));
        let state = seal(&sealer, r#"{"a":1,"b":[1,2]}"#, &answers).await;
        // White space between tokens does not matter.
        let opened = sealer
            .open(&state, &binding(&raw(r#"{ "a": 1, "b": [1, 2] }"#)))
            .await
            .unwrap();
        assert_eq!(opened.answers, answers);
        assert_eq!(opened.asked, ["name"]);
        for other in [
            r#"{"a":2,"b":[1,2]}"#,
            r#"{"b":[1,2],"a":1}"#,
            r#"{"a":1.0,"b":[1,2]}"#,
        ] {
            let state = seal(&sealer, r#"{"a":1,"b":[1,2]}"#, &answers).await;
            let err = sealer
                .open(&state, &binding(&raw(other)))
                .await
                .unwrap_err();
            assert_eq!(err.code, code::INVALID_PARAMS);
            assert!(
                err.message.contains("different request"),
                "{other}: {}",
                err.message
            );
        }
    }

    #[tokio::test]
    async fn values_serde_json_cannot_hold_still_bind_exactly() {
        // Each of these fails to parse into a `serde_json::Value`; none may match another.
        let sealer = new_sealer();
        let texts = [
            r#"{"amount":1e400}"#,
            r#"{"amount":2e400}"#,
            r#"{"to":"\ud800"}"#,
            r#"{"to":"\ud801"}"#,
            &format!("{}1{}", "[".repeat(200), "]".repeat(200)),
            &format!("{}2{}", "[".repeat(200), "]".repeat(200)),
        ];
        for (i, sealed_for) in texts.iter().enumerate() {
            for (j, retried_with) in texts.iter().enumerate() {
                let state = seal(&sealer, sealed_for, &BTreeMap::new()).await;
                let opened = sealer.open(&state, &binding(&raw(retried_with))).await;
                assert_eq!(opened.is_ok(), i == j, "{sealed_for} / {retried_with}");
            }
        }
    }

    #[tokio::test]
    async fn a_state_is_accepted_once() {
        let sealer = new_sealer();
        let state = seal(&sealer, "{}", &BTreeMap::new()).await;
        assert!(sealer.open(&state, &binding(&raw("{}"))).await.is_ok());
        let err = sealer.open(&state, &binding(&raw("{}"))).await.unwrap_err();
        assert!(err.message.contains("already used"), "{}", err.message);
    }

    #[tokio::test]
    async fn tampered_or_foreign_state_is_refused() {
        let sealer = new_sealer();
        let state = seal(&sealer, "{}", &BTreeMap::new()).await;
        for bad in [
            format!("{state}-TAMPERED"),
            format!("x{state}"),
            "not-a-state".to_owned(),
            String::new(),
        ] {
            let err = sealer.open(&bad, &binding(&raw("{}"))).await.unwrap_err();
            assert_eq!(err.code, code::INVALID_PARAMS, "{bad}");
        }
        // Another server's key: a key this one does not hold.
        let other = new_sealer();
        let err = other.open(&state, &binding(&raw("{}"))).await.unwrap_err();
        assert_eq!(err.code, code::INVALID_PARAMS);
        assert!(
            err.message.contains("not issued by this server"),
            "{}",
            err.message
        );
    }

    #[tokio::test]
    async fn expired_state_is_refused() {
        let sealer = sealer_with(&[b"key"], Duration::ZERO);
        let payload = Payload {
            v: 2,
            exp: now_secs() - 10,
            nonce: URL_SAFE_NO_PAD.encode([7u8; NONCE_BYTES]),
            req: binding(&raw("{}")).fingerprint().unwrap(),
            asked: Vec::new(),
            answers: BTreeMap::new(),
        };
        let body = serde_json::to_vec(&payload).unwrap();
        let state = sealer.ring[0].sign(&body);
        let err = sealer.open(&state, &binding(&raw("{}"))).await.unwrap_err();
        assert!(err.message.contains("expired"), "{}", err.message);
    }

    #[tokio::test]
    async fn confirmations_count_only_answers_to_questions_asked() {
        let sealer = new_sealer();
        let args = raw(r#"{"a":1}"#);
        let confirm = raw(r#"{"confirm":{"action":"accept","content":{"confirm":true}}}"#);
        // Sent with the first request: no question was asked, so a confirmation ignores it
        // (a handler's own question may use it).
        let round = InputRound::new(&sealer, &binding(&args), Some(&confirm), None)
            .await
            .unwrap();
        assert!(round.answer("confirm", true).is_none());
        assert!(round.answer("confirm", false).is_some());
        // With a state for another question: only that question counts as asked.
        let state = sealer
            .seal(&binding(&args), &BTreeMap::new(), vec!["other".to_owned()])
            .await
            .unwrap();
        let round = InputRound::new(&sealer, &binding(&args), Some(&confirm), Some(&state))
            .await
            .unwrap();
        assert!(round.answer("confirm", true).is_none());
        // Asked: the answer counts.
        let state = sealer
            .seal(
                &binding(&args),
                &BTreeMap::new(),
                vec!["confirm".to_owned()],
            )
            .await
            .unwrap();
        let round = InputRound::new(&sealer, &binding(&args), Some(&confirm), Some(&state))
            .await
            .unwrap();
        assert!(round.answer("confirm", true).is_some());
        // Sealed answers cannot be overridden by the retry.
        let mut sealed = BTreeMap::new();
        sealed.insert(
            "confirm".to_owned(),
            serde_json::json!({"action": "decline"}),
        );
        let state = sealer
            .seal(&binding(&args), &sealed, vec!["confirm".to_owned()])
            .await
            .unwrap();
        let round = InputRound::new(&sealer, &binding(&args), Some(&confirm), Some(&state))
            .await
            .unwrap();
        assert_eq!(
            round.answer("confirm", false),
            Some(&serde_json::json!({"action": "decline"}))
        );
    }

    #[test]
    fn compacting_keeps_strings_whole() {
        assert_eq!(
            compact(" { \"a b\" : [ 1 , \"x\\\" y\" ] } ").as_deref(),
            Some(r#"{"a b":[1,"x\" y"]}"#)
        );
        assert_eq!(compact(r#"{"open"#), None);
    }

    #[tokio::test]
    async fn states_sealed_with_a_previous_key_open_after_rotation() {
        let (old, new) = ([1u8; 32], [2u8; 32]);
        let before = sealer_with(&[&old], Duration::from_secs(60));
        let sealed_before = seal(&before, "{}", &BTreeMap::new()).await;
        // The new key in front: it seals, the old one still opens.
        let after = sealer_with(&[&new, &old], Duration::from_secs(60));
        assert!(after
            .open(&sealed_before, &binding(&raw("{}")))
            .await
            .is_ok());
        let sealed_after = seal(&after, "{}", &BTreeMap::new()).await;
        assert!(sealed_after.starts_with(&after.ring[0].id));
        // Once the old key is dropped, what it sealed is refused like a forged state.
        let retired = sealer_with(&[&new], Duration::from_secs(60));
        assert!(retired
            .open(&sealed_after, &binding(&raw("{}")))
            .await
            .is_ok());
        let sealed_before = seal(&before, "{}", &BTreeMap::new()).await;
        let err = retired
            .open(&sealed_before, &binding(&raw("{}")))
            .await
            .unwrap_err();
        assert_eq!(err.code, code::INVALID_PARAMS);
        assert!(
            err.message.contains("not issued by this server"),
            "{}",
            err.message
        );
    }

    #[tokio::test]
    async fn a_state_naming_a_held_key_but_signed_with_another_is_refused() {
        let held = sealer_with(&[&[1u8; 32]], Duration::from_secs(60));
        let state = seal(&held, "{}", &BTreeMap::new()).await;
        // The same key id, another key's tag.
        let forger = sealer_with(&[&[3u8; 32]], Duration::from_secs(60));
        let forged_tag = seal(&forger, "{}", &BTreeMap::new()).await;
        let (id, rest) = state.split_once('.').unwrap();
        let (payload, _) = rest.split_once('.').unwrap();
        let tag = forged_tag.rsplit_once('.').unwrap().1;
        let forged = format!("{id}.{payload}.{tag}");
        let err = held.open(&forged, &binding(&raw("{}"))).await.unwrap_err();
        assert_eq!(err.code, code::INVALID_PARAMS);
        assert!(err.message.contains("integrity"), "{}", err.message);
    }
}
