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
//! verification, is refused with -32602. The server keeps only the nonces of states already
//! used (until they expire), so replicas that share the sealing key can serve each other's
//! retries; each replica refuses the replays it sees.

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
    key: Vec<u8>,
    ttl: Duration,
    /// Nonces of states already accepted, with their expiry (seconds since the epoch).
    used: Mutex<HashMap<[u8; NONCE_BYTES], u64>>,
}

const NONCE_BYTES: usize = 16;

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
    pub(crate) fn new(key: Option<Vec<u8>>, ttl: Duration) -> Self {
        let key = key.unwrap_or_else(|| random_bytes::<32>().to_vec());
        Sealer {
            key,
            ttl,
            used: Mutex::default(),
        }
    }

    fn mac(&self) -> HmacSha256 {
        HmacSha256::new_from_slice(&self.key).expect("HMAC takes keys of any length")
    }

    /// Seals the answers of a round, and the keys of the questions it asked, for the request
    /// `binding` identifies.
    pub(crate) fn seal(
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
        let mut mac = self.mac();
        mac.update(&payload);
        let tag = mac.finalize().into_bytes();
        let mut sealed = URL_SAFE_NO_PAD.encode(&payload);
        sealed.push('.');
        sealed.push_str(&URL_SAFE_NO_PAD.encode(tag));
        Ok(sealed)
    }

    /// What `state` holds, if it is authentic, unexpired, unused and was issued for the request
    /// `binding` identifies. Opening it uses it up.
    pub(crate) fn open(&self, state: &str, binding: &Binding<'_>) -> Result<Opened, RpcError> {
        let not_ours = || refuse("it was not issued by this server");
        let (payload, tag) = state.split_once('.').ok_or_else(not_ours)?;
        let payload = URL_SAFE_NO_PAD.decode(payload).map_err(|_| not_ours())?;
        let tag = URL_SAFE_NO_PAD.decode(tag).map_err(|_| not_ours())?;
        let mut mac = self.mac();
        mac.update(&payload);
        mac.verify_slice(&tag)
            .map_err(|_| refuse("its integrity check failed"))?;
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
        self.use_once(nonce, payload.exp, now)?;
        Ok(Opened {
            answers: payload.answers,
            asked: payload.asked,
        })
    }

    /// Records `nonce` as used; fails if it already was.
    fn use_once(&self, nonce: [u8; NONCE_BYTES], expires: u64, now: u64) -> Result<(), RpcError> {
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
            Some(_) => Err(refuse(
                "it was already used; each `requestState` is accepted once",
            )),
        }
    }
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
    pub(crate) fn new(
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
                let opened = sealer.open(state, binding)?;
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

    fn seal(sealer: &Sealer, arguments: &str, answers: &BTreeMap<String, Value>) -> String {
        sealer
            .seal(&binding(&raw(arguments)), answers, vec!["name".to_owned()])
            .unwrap()
    }

    #[test]
    fn sealed_answers_open_for_the_same_request_only() {
        let sealer = Sealer::new(None, Duration::from_secs(60));
        let mut answers = BTreeMap::new();
        answers.insert("name".to_owned(), serde_json::json!({"action": "accept"}));
        let state = seal(&sealer, r#"{"a":1,"b":[1,2]}"#, &answers);
        // White space between tokens does not matter.
        let opened = sealer
            .open(&state, &binding(&raw(r#"{ "a": 1, "b": [1, 2] }"#)))
            .unwrap();
        assert_eq!(opened.answers, answers);
        assert_eq!(opened.asked, ["name"]);
        for other in [
            r#"{"a":2,"b":[1,2]}"#,
            r#"{"b":[1,2],"a":1}"#,
            r#"{"a":1.0,"b":[1,2]}"#,
        ] {
            let state = seal(&sealer, r#"{"a":1,"b":[1,2]}"#, &answers);
            let err = sealer.open(&state, &binding(&raw(other))).unwrap_err();
            assert_eq!(err.code, code::INVALID_PARAMS);
            assert!(
                err.message.contains("different request"),
                "{other}: {}",
                err.message
            );
        }
    }

    #[test]
    fn values_serde_json_cannot_hold_still_bind_exactly() {
        // Each of these fails to parse into a `serde_json::Value`; none may match another.
        let sealer = Sealer::new(None, Duration::from_secs(60));
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
                let state = seal(&sealer, sealed_for, &BTreeMap::new());
                let opened = sealer.open(&state, &binding(&raw(retried_with)));
                assert_eq!(opened.is_ok(), i == j, "{sealed_for} / {retried_with}");
            }
        }
    }

    #[test]
    fn a_state_is_accepted_once() {
        let sealer = Sealer::new(None, Duration::from_secs(60));
        let state = seal(&sealer, "{}", &BTreeMap::new());
        assert!(sealer.open(&state, &binding(&raw("{}"))).is_ok());
        let err = sealer.open(&state, &binding(&raw("{}"))).unwrap_err();
        assert!(err.message.contains("already used"), "{}", err.message);
    }

    #[test]
    fn tampered_or_foreign_state_is_refused() {
        let sealer = Sealer::new(None, Duration::from_secs(60));
        let state = seal(&sealer, "{}", &BTreeMap::new());
        for bad in [
            format!("{state}-TAMPERED"),
            format!("x{state}"),
            "not-a-state".to_owned(),
            String::new(),
        ] {
            let err = sealer.open(&bad, &binding(&raw("{}"))).unwrap_err();
            assert_eq!(err.code, code::INVALID_PARAMS, "{bad}");
        }
        let other = Sealer::new(None, Duration::from_secs(60));
        let err = other.open(&state, &binding(&raw("{}"))).unwrap_err();
        assert!(err.message.contains("integrity"), "{}", err.message);
    }

    #[test]
    fn expired_state_is_refused() {
        let sealer = Sealer::new(Some(b"key".to_vec()), Duration::ZERO);
        let payload = Payload {
            v: 2,
            exp: now_secs() - 10,
            nonce: URL_SAFE_NO_PAD.encode([7u8; NONCE_BYTES]),
            req: binding(&raw("{}")).fingerprint().unwrap(),
            asked: Vec::new(),
            answers: BTreeMap::new(),
        };
        let body = serde_json::to_vec(&payload).unwrap();
        let mut mac = sealer.mac();
        mac.update(&body);
        let state = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(&body),
            URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
        );
        let err = sealer.open(&state, &binding(&raw("{}"))).unwrap_err();
        assert!(err.message.contains("expired"), "{}", err.message);
    }

    #[test]
    fn confirmations_count_only_answers_to_questions_asked() {
        let sealer = Sealer::new(None, Duration::from_secs(60));
        let args = raw(r#"{"a":1}"#);
        let confirm = raw(r#"{"confirm":{"action":"accept","content":{"confirm":true}}}"#);
        // Sent with the first request: no question was asked, so a confirmation ignores it
        // (a handler's own question may use it).
        let round = InputRound::new(&sealer, &binding(&args), Some(&confirm), None).unwrap();
        assert!(round.answer("confirm", true).is_none());
        assert!(round.answer("confirm", false).is_some());
        // With a state for another question: only that question counts as asked.
        let state = sealer
            .seal(&binding(&args), &BTreeMap::new(), vec!["other".to_owned()])
            .unwrap();
        let round =
            InputRound::new(&sealer, &binding(&args), Some(&confirm), Some(&state)).unwrap();
        assert!(round.answer("confirm", true).is_none());
        // Asked: the answer counts.
        let state = sealer
            .seal(
                &binding(&args),
                &BTreeMap::new(),
                vec!["confirm".to_owned()],
            )
            .unwrap();
        let round =
            InputRound::new(&sealer, &binding(&args), Some(&confirm), Some(&state)).unwrap();
        assert!(round.answer("confirm", true).is_some());
        // Sealed answers cannot be overridden by the retry.
        let mut sealed = BTreeMap::new();
        sealed.insert(
            "confirm".to_owned(),
            serde_json::json!({"action": "decline"}),
        );
        let state = sealer
            .seal(&binding(&args), &sealed, vec!["confirm".to_owned()])
            .unwrap();
        let round =
            InputRound::new(&sealer, &binding(&args), Some(&confirm), Some(&state)).unwrap();
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
}
