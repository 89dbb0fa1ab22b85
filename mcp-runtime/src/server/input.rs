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
//! HMAC-SHA256 over the request they belong to (method, name, digest of the arguments), an
//! expiry and the answers themselves. A state that fails verification is refused with -32602;
//! nothing is stored on the server, so any replica can serve the retry.

use std::collections::BTreeMap;
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

/// Signs and verifies `requestState`.
pub(crate) struct Sealer {
    key: Vec<u8>,
    ttl: Duration,
}

impl Sealer {
    pub(crate) fn new(key: Option<Vec<u8>>, ttl: Duration) -> Self {
        let key = key.unwrap_or_else(|| {
            let mut key = vec![0u8; 32];
            getrandom::fill(&mut key).expect("the operating system's random source is available");
            key
        });
        Sealer { key, ttl }
    }

    fn mac(&self) -> HmacSha256 {
        HmacSha256::new_from_slice(&self.key).expect("HMAC takes keys of any length")
    }

    /// Seals the answers of a round for the request `binding` identifies.
    pub(crate) fn seal(&self, binding: &Binding, answers: &BTreeMap<String, Value>) -> String {
        let expires = now_secs().saturating_add(self.ttl.as_secs());
        let payload = Payload {
            v: 1,
            exp: expires,
            req: binding.fingerprint(),
            answers: answers.clone(),
        };
        let payload = serde_json::to_vec(&payload).expect("state payloads serialise");
        let mut mac = self.mac();
        mac.update(&payload);
        let tag = mac.finalize().into_bytes();
        let mut sealed = URL_SAFE_NO_PAD.encode(&payload);
        sealed.push('.');
        sealed.push_str(&URL_SAFE_NO_PAD.encode(tag));
        sealed
    }

    /// The answers sealed in `state`, if it is authentic, unexpired and was issued for the
    /// request `binding` identifies.
    pub(crate) fn open(
        &self,
        state: &str,
        binding: &Binding,
    ) -> Result<BTreeMap<String, Value>, RpcError> {
        let refuse = |why: &str| {
            RpcError::invalid_params(format!("`requestState` is not valid: {why}"))
                .with_data(serde_json::json!({ "reason": why }))
        };
        let (payload, tag) = state
            .split_once('.')
            .ok_or_else(|| refuse("it was not issued by this server"))?;
        let payload = URL_SAFE_NO_PAD
            .decode(payload)
            .map_err(|_| refuse("it was not issued by this server"))?;
        let tag = URL_SAFE_NO_PAD
            .decode(tag)
            .map_err(|_| refuse("it was not issued by this server"))?;
        let mut mac = self.mac();
        mac.update(&payload);
        mac.verify_slice(&tag)
            .map_err(|_| refuse("its integrity check failed"))?;
        let payload: Payload = serde_json::from_slice(&payload)
            .map_err(|_| refuse("it was not issued by this server"))?;
        if payload.v != 1 {
            return Err(refuse("it was issued by another version of this server"));
        }
        if payload.exp < now_secs() {
            return Err(refuse("it has expired; send the request again without it"));
        }
        if payload.req != binding.fingerprint() {
            return Err(refuse("it was issued for a different request"));
        }
        Ok(payload.answers)
    }
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
    /// Fingerprint of the request the state belongs to.
    req: String,
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
    /// A hex SHA-256 of the canonical form (object keys sorted) of everything that binds.
    fn fingerprint(&self) -> String {
        let mut hasher = Sha256::new();
        let mut text = String::new();
        canonical(
            &serde_json::json!({
                "method": self.method,
                "name": self.name,
                "arguments": self
                    .arguments
                    .and_then(|raw| serde_json::from_str::<Value>(raw.get()).ok()),
                "principal": self.principal,
            }),
            &mut text,
        );
        hasher.update(text.as_bytes());
        hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

/// Writes `value` as JSON with object keys in sorted order, whatever order they came in.
fn canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                canonical(&map[key], out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                canonical(item, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// One run of a modern-era request that may ask the client for input.
pub(crate) struct InputRound {
    /// Answers available to this run: sealed earlier ones, then this request's
    /// `inputResponses`.
    answers: Map<String, Value>,
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
    /// Reads `inputResponses` and `requestState` of a retried request.
    pub(crate) fn new(
        sealer: &Sealer,
        binding: &Binding,
        input_responses: Option<&RawValue>,
        request_state: Option<&str>,
    ) -> Result<Self, RpcError> {
        let mut answers = Map::new();
        let resumed = match request_state {
            Some(state) => {
                answers.extend(sealer.open(state, binding)?);
                true
            }
            None => false,
        };
        if let Some(raw) = input_responses {
            let responses: Map<String, Value> = serde_json::from_str(raw.get()).map_err(|_| {
                RpcError::invalid_params(
                    "`inputResponses` must be an object mapping each input request's key to the client's result",
                )
            })?;
            answers.extend(responses);
        }
        Ok(InputRound {
            answers,
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
    pub(crate) fn answer(&self, key: &str) -> Option<&Value> {
        self.answers.get(key)
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

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
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

    #[test]
    fn sealed_answers_open_for_the_same_request_only() {
        let sealer = Sealer::new(None, Duration::from_secs(60));
        let mut answers = BTreeMap::new();
        answers.insert("name".to_owned(), serde_json::json!({"action": "accept"}));
        let state = sealer.seal(&binding(&raw(r#"{"a":1,"b":[1,2]}"#)), &answers);
        // Key order and spacing of the arguments do not matter.
        let opened = sealer
            .open(&state, &binding(&raw(r#"{ "b": [1, 2], "a": 1 }"#)))
            .unwrap();
        assert_eq!(opened, answers);
        let err = sealer
            .open(&state, &binding(&raw(r#"{"a":2}"#)))
            .unwrap_err();
        assert_eq!(err.code, code::INVALID_PARAMS);
        assert!(err.message.contains("different request"), "{}", err.message);
    }

    #[test]
    fn tampered_or_foreign_state_is_refused() {
        let sealer = Sealer::new(None, Duration::from_secs(60));
        let state = sealer.seal(&binding(&raw("{}")), &BTreeMap::new());
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
            v: 1,
            exp: now_secs() - 10,
            req: binding(&raw("{}")).fingerprint(),
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
    fn canonical_form_sorts_keys_at_every_depth() {
        let mut out = String::new();
        canonical(
            &serde_json::json!({"b": {"y": 1, "x": [true, null]}, "a": "é"}),
            &mut out,
        );
        assert_eq!(out, r#"{"a":"é","b":{"x":[true,null],"y":1}}"#);
    }
}
