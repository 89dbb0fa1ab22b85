//! Bearer-token authentication for the HTTP transport, as the MCP authorization
//! specification describes it.
//!
//! * A request without a token gets `401` and `WWW-Authenticate: Bearer
//!   resource_metadata="…/.well-known/oauth-protected-resource"`, the Protected Resource
//!   Metadata document (RFC 9728) that tells the client which authorization server to ask.
//! * A valid token becomes the request's [`Caller`] (its subject and scopes); the policy
//!   checks the scopes each capability needs.
//! * A call needing a scope the token lacks gets `403` and `WWW-Authenticate: Bearer
//!   error="insufficient_scope", scope="…"`, so the client can ask for more (step-up).
//!
//! ```no_run
//! use mcp_runtime::prelude::*;
//! use mcp_runtime::transport::http::{self, HttpAuth, HttpConfig, JwtVerifier};
//!
//! # #[tokio::main] async fn main() -> mcp_runtime::Result<()> {
//! # let dispatcher = Server::new("files", "1.0.0").build()?;
//! let resource = "https://files.example.com/mcp";
//! let verifier = JwtVerifier::hs256(b"a secret shared with the issuer", "https://auth.example.com", resource);
//! let config = HttpConfig {
//!     auth: Some(HttpAuth::new(verifier, resource).authorization_server("https://auth.example.com")),
//!     ..HttpConfig::default()
//! };
//! http::serve(dispatcher, config).await
//! # }
//! ```

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::permission::{Caller, INSUFFICIENT_SCOPE};
use crate::server::Reply;

/// The path of the Protected Resource Metadata document (RFC 9728).
pub const RESOURCE_METADATA_PATH: &str = "/.well-known/oauth-protected-resource";

/// Why a token was refused; the message goes back to the client in `error_description`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InvalidToken(pub String);

/// The future a [`TokenVerifier`] returns.
pub type VerifyFuture<'a> = Pin<Box<dyn Future<Output = Result<Caller, InvalidToken>> + Send + 'a>>;

/// Turns a bearer token into the [`Caller`] it stands for, or refuses it.
pub trait TokenVerifier: Send + Sync + 'static {
    /// Verifies `token` (without the `Bearer ` prefix).
    fn verify<'a>(&'a self, token: &'a str) -> VerifyFuture<'a>;
}

/// Fixed tokens, each standing for a caller: for development and tests.
///
/// ```
/// use mcp_runtime::transport::http::StaticTokens;
///
/// let tokens = StaticTokens::new()
///     .token("dev-reader", "alice", ["files:read"])
///     .token("dev-writer", "bob", ["files:read", "files:write"]);
/// ```
#[derive(Debug, Clone, Default)]
pub struct StaticTokens {
    tokens: HashMap<String, Caller>,
}

impl StaticTokens {
    /// No tokens yet.
    pub fn new() -> Self {
        StaticTokens::default()
    }

    /// Accepts `token` as `subject` holding `scopes`.
    pub fn token<I, S>(mut self, token: impl Into<String>, subject: &str, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.tokens
            .insert(token.into(), Caller::new(subject, scopes));
        self
    }
}

impl TokenVerifier for StaticTokens {
    fn verify<'a>(&'a self, token: &'a str) -> VerifyFuture<'a> {
        let found = self
            .tokens
            .get(token)
            .cloned()
            .ok_or_else(|| InvalidToken("unknown token".to_owned()));
        Box::pin(async move { found })
    }
}

/// Verifies JSON Web Tokens: signature, expiry (`exp`), not-before (`nbf`, when present),
/// issuer, and audience equal to this server's resource URI. A token whose header lists
/// critical extensions (`crit`, RFC 7515 §4.1.11) is refused: this verifier understands
/// none. The subject is the `sub` claim; scopes come from `scope` (space-separated) or `scp`
/// (a list).
pub struct JwtVerifier {
    keys: Keys,
    issuer: String,
    audience: String,
    /// Algorithms accepted with a key set; a fixed key accepts its own algorithm only.
    algorithms: Vec<Algorithm>,
    /// Clock skew tolerated on `exp` and `nbf`, in seconds (default 30).
    pub leeway_seconds: u64,
}

enum Keys {
    Fixed(Box<DecodingKey>, Algorithm),
    Set(JwkSet),
    #[cfg(feature = "jwks")]
    Url(jwks::Remote),
}

impl fmt::Debug for JwtVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let keys = match &self.keys {
            Keys::Fixed(_, algorithm) => format!("fixed {algorithm:?} key"),
            Keys::Set(set) => format!("{} keys", set.keys.len()),
            #[cfg(feature = "jwks")]
            Keys::Url(remote) => format!("keys from {}", remote.url),
        };
        f.debug_struct("JwtVerifier")
            .field("keys", &keys)
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .finish_non_exhaustive()
    }
}

/// The asymmetric algorithms accepted with a key set by default.
const ASYMMETRIC: [Algorithm; 8] = [
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
    Algorithm::ES256,
    Algorithm::ES384,
];

impl JwtVerifier {
    /// Tokens signed with `key` using `algorithm`, issued by `issuer` for `audience` (this
    /// server's resource URI, such as `https://files.example.com/mcp`).
    pub fn new(
        key: DecodingKey,
        algorithm: Algorithm,
        issuer: impl Into<String>,
        audience: impl Into<String>,
    ) -> Self {
        JwtVerifier {
            keys: Keys::Fixed(Box::new(key), algorithm),
            issuer: issuer.into(),
            audience: audience.into(),
            algorithms: vec![algorithm],
            leeway_seconds: 30,
        }
    }

    /// Tokens signed with a shared secret (HS256): simple, for development.
    pub fn hs256(secret: &[u8], issuer: impl Into<String>, audience: impl Into<String>) -> Self {
        JwtVerifier::new(
            DecodingKey::from_secret(secret),
            Algorithm::HS256,
            issuer,
            audience,
        )
    }

    /// Tokens signed by one of the keys of a JSON Web Key Set, chosen by the token's `kid`.
    pub fn from_jwks(keys: JwkSet, issuer: impl Into<String>, audience: impl Into<String>) -> Self {
        JwtVerifier {
            keys: Keys::Set(keys),
            issuer: issuer.into(),
            audience: audience.into(),
            algorithms: ASYMMETRIC.to_vec(),
            leeway_seconds: 30,
        }
    }

    /// Tokens signed by one of the keys published at `url` (the issuer's `jwks_uri`),
    /// fetched on first use, refreshed every ten minutes and when a token names an unknown
    /// key (at most once a minute).
    #[cfg(feature = "jwks")]
    pub fn from_jwks_url(
        url: impl Into<String>,
        issuer: impl Into<String>,
        audience: impl Into<String>,
    ) -> Self {
        JwtVerifier {
            keys: Keys::Url(jwks::Remote::new(url.into())),
            issuer: issuer.into(),
            audience: audience.into(),
            algorithms: ASYMMETRIC.to_vec(),
            leeway_seconds: 30,
        }
    }

    fn validation(&self, algorithm: Algorithm) -> Validation {
        let mut validation = Validation::new(algorithm);
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[&self.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud"]);
        validation.validate_nbf = true;
        validation.leeway = self.leeway_seconds;
        validation
    }

    async fn check(&self, token: &str) -> Result<Caller, InvalidToken> {
        let invalid = |e: jsonwebtoken::errors::Error| InvalidToken(describe(&e));
        let header = jsonwebtoken::decode_header(token).map_err(invalid)?;
        refuse_critical_extensions(token)?;
        let (key, algorithm) = match &self.keys {
            Keys::Fixed(key, algorithm) => ((**key).clone(), *algorithm),
            Keys::Set(set) => (key_from_set(set, &header, &self.algorithms)?, header.alg),
            #[cfg(feature = "jwks")]
            Keys::Url(remote) => {
                let set = remote.keys(header.kid.as_deref()).await?;
                (key_from_set(&set, &header, &self.algorithms)?, header.alg)
            }
        };
        let data = jsonwebtoken::decode::<serde_json::Map<String, serde_json::Value>>(
            token,
            &key,
            &self.validation(algorithm),
        )
        .map_err(invalid)?;
        let claims = data.claims;
        let known: Claims = serde_json::from_value(serde_json::Value::Object(claims.clone()))
            .map_err(|e| InvalidToken(format!("the token's claims are malformed ({e})")))?;
        Ok(known.into_caller().with_claims(claims))
    }
}

impl TokenVerifier for JwtVerifier {
    fn verify<'a>(&'a self, token: &'a str) -> VerifyFuture<'a> {
        Box::pin(self.check(token))
    }
}

/// Refuses a token whose header has a `crit` parameter: its issuer demands that verifiers
/// understand extensions this one does not know (and an empty or malformed `crit` is
/// invalid anyway). `jsonwebtoken` does not look at `crit`, so the header is read here.
fn refuse_critical_extensions(token: &str) -> Result<(), InvalidToken> {
    use base64::Engine;
    let malformed = || InvalidToken("the token's header is malformed".to_owned());
    let encoded = token.split('.').next().unwrap_or_default();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(encoded)
        .map_err(|_| malformed())?;
    let header: serde_json::Map<String, Value> =
        serde_json::from_slice(&bytes).map_err(|_| malformed())?;
    match header.get("crit") {
        None => Ok(()),
        Some(crit) => Err(InvalidToken(format!(
            "the token's header names critical extensions this server does not understand (crit: {crit})"
        ))),
    }
}

fn key_from_set(
    set: &JwkSet,
    header: &jsonwebtoken::Header,
    accepted: &[Algorithm],
) -> Result<DecodingKey, InvalidToken> {
    if !accepted.contains(&header.alg) {
        return Err(InvalidToken(format!(
            "the token's algorithm {:?} is not accepted",
            header.alg
        )));
    }
    let jwk = match &header.kid {
        Some(kid) => set.find(kid),
        None if set.keys.len() == 1 => set.keys.first(),
        None => None,
    }
    .ok_or_else(|| InvalidToken("the token names no known signing key (`kid`)".to_owned()))?;
    DecodingKey::from_jwk(jwk).map_err(|e| InvalidToken(describe(&e)))
}

fn describe(error: &jsonwebtoken::errors::Error) -> String {
    use jsonwebtoken::errors::ErrorKind;
    match error.kind() {
        ErrorKind::ExpiredSignature => "the token has expired".to_owned(),
        ErrorKind::InvalidAudience => {
            "the token is not meant for this server (audience)".to_owned()
        }
        ErrorKind::InvalidIssuer => "the token comes from an unexpected issuer".to_owned(),
        ErrorKind::InvalidSignature => "the token's signature is invalid".to_owned(),
        ErrorKind::ImmatureSignature => "the token is not valid yet".to_owned(),
        ErrorKind::MissingRequiredClaim(claim) => format!("the token lacks the `{claim}` claim"),
        _ => format!("the token is malformed ({error})"),
    }
}

#[derive(Deserialize)]
struct Claims {
    #[serde(default)]
    sub: Option<String>,
    #[serde(default)]
    scope: Option<String>,
    #[serde(default)]
    scp: Option<Vec<String>>,
}

impl Claims {
    fn into_caller(self) -> Caller {
        let mut scopes: Vec<String> = self
            .scope
            .as_deref()
            .unwrap_or_default()
            .split_whitespace()
            .map(str::to_owned)
            .collect();
        scopes.extend(self.scp.unwrap_or_default());
        Caller::new(self.sub.unwrap_or_else(|| "anonymous".to_owned()), scopes)
    }
}

/// Authentication for the HTTP endpoint: how tokens are verified, and what the Protected
/// Resource Metadata document says.
#[derive(Clone)]
pub struct HttpAuth {
    verifier: Arc<dyn TokenVerifier>,
    resource: String,
    authorization_servers: Vec<String>,
    scopes_supported: Vec<String>,
}

impl fmt::Debug for HttpAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpAuth")
            .field("resource", &self.resource)
            .field("authorization_servers", &self.authorization_servers)
            .finish_non_exhaustive()
    }
}

impl HttpAuth {
    /// Requires a bearer token on every request, checked by `verifier`. `resource` is this
    /// server's canonical URI (the endpoint's full URL), which tokens must name as audience.
    pub fn new(verifier: impl TokenVerifier, resource: impl Into<String>) -> Self {
        HttpAuth {
            verifier: Arc::new(verifier),
            resource: resource.into(),
            authorization_servers: Vec::new(),
            scopes_supported: Vec::new(),
        }
    }

    /// Adds an authorization server clients may get tokens from (listed in the metadata).
    pub fn authorization_server(mut self, issuer: impl Into<String>) -> Self {
        self.authorization_servers.push(issuer.into());
        self
    }

    /// Lists the scopes this server understands in the metadata.
    pub fn scopes_supported<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.scopes_supported
            .extend(scopes.into_iter().map(Into::into));
        self
    }

    /// The URL of the Protected Resource Metadata document: the resource URI's origin
    /// followed by [`RESOURCE_METADATA_PATH`].
    pub fn metadata_url(&self) -> String {
        let origin_end = self
            .resource
            .find("://")
            .and_then(|scheme| {
                self.resource[scheme + 3..]
                    .find('/')
                    .map(|path| scheme + 3 + path)
            })
            .unwrap_or(self.resource.len());
        format!("{}{RESOURCE_METADATA_PATH}", &self.resource[..origin_end])
    }

    fn metadata(&self) -> Value {
        json!({
            "resource": self.resource,
            "authorization_servers": self.authorization_servers,
            "scopes_supported": self.scopes_supported,
            "bearer_methods_supported": ["header"],
        })
    }

    fn challenge(&self, error: Option<(&str, &str)>, scopes: Option<&[String]>) -> HeaderValue {
        let mut value = String::from("Bearer");
        let mut parts = vec![format!("resource_metadata=\"{}\"", self.metadata_url())];
        if let Some((code, description)) = error {
            parts.insert(0, format!("error=\"{code}\""));
            parts.push(format!(
                "error_description=\"{}\"",
                description.replace(['"', '\\'], "'")
            ));
        }
        if let Some(scopes) = scopes {
            parts.push(format!("scope=\"{}\"", scopes.join(" ")));
        }
        value.push(' ');
        value.push_str(&parts.join(", "));
        HeaderValue::from_str(&value).unwrap_or_else(|_| HeaderValue::from_static("Bearer"))
    }
}

/// Serves the Protected Resource Metadata document.
pub(super) async fn metadata(State(auth): State<HttpAuth>) -> Response {
    let body = serde_json::to_vec(&auth.metadata()).expect("metadata serialises");
    super::endpoint::json_response(StatusCode::OK, body)
}

/// Middleware on the MCP endpoint: verifies the bearer token and runs the request as its
/// caller; answers `401` without a valid token and adds the step-up challenge to `403`s.
pub(super) async fn authenticate(
    State(auth): State<HttpAuth>,
    request: Request,
    next: Next,
) -> Response {
    let caller = match bearer(request.headers()) {
        None => {
            return unauthorized(&auth, None, "this server needs a bearer token");
        }
        Some(token) => match auth.verifier.verify(token).await {
            Ok(caller) => caller,
            Err(InvalidToken(reason)) => {
                tracing::debug!(%reason, "bearer token refused");
                return unauthorized(&auth, Some(("invalid_token", &reason)), &reason);
            }
        },
    };
    let mut response = caller.scope(next.run(request)).await;
    if let Some(RequiredScopes(scopes)) = response.extensions_mut().remove::<RequiredScopes>() {
        let challenge = auth.challenge(
            Some((
                "insufficient_scope",
                "the token lacks a scope this call needs",
            )),
            Some(&scopes),
        );
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, challenge);
    }
    response
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    (scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty()).then(|| token.trim())
}

fn unauthorized(auth: &HttpAuth, error: Option<(&str, &str)>, message: &str) -> Response {
    let body = json!({
        "jsonrpc": "2.0",
        "id": null,
        "error": { "code": -32001, "message": format!("Unauthorized: {message}") },
    });
    let body = serde_json::to_vec(&body).expect("an error serialises");
    let mut response = super::endpoint::json_response(StatusCode::UNAUTHORIZED, body);
    response
        .headers_mut()
        .insert(header::WWW_AUTHENTICATE, auth.challenge(error, None));
    response
}

/// The scopes a refused call needs, passed from the endpoint to [`authenticate`].
#[derive(Clone)]
struct RequiredScopes(Vec<String>);

/// A `403` for a reply refusing a call for lack of scope; `None` for any other reply.
pub(super) fn insufficient_scope(reply: &Reply) -> Option<Response> {
    if reply.error_code != Some(INSUFFICIENT_SCOPE) {
        return None;
    }
    let scopes = serde_json::from_slice::<Value>(&reply.message)
        .ok()
        .and_then(|mut v| {
            serde_json::from_value::<Vec<String>>(v["error"]["data"]["requiredScopes"].take()).ok()
        })
        .unwrap_or_default();
    let mut response = super::endpoint::json_response(StatusCode::FORBIDDEN, reply.message.clone());
    response.extensions_mut().insert(RequiredScopes(scopes));
    Some(response)
}

#[cfg(feature = "jwks")]
mod jwks {
    //! Fetching and caching a remote JSON Web Key Set.

    use std::sync::Mutex;
    use std::time::{Duration, Instant};

    use jsonwebtoken::jwk::JwkSet;

    use super::InvalidToken;

    const MAX_AGE: Duration = Duration::from_secs(600);
    const MIN_REFRESH: Duration = Duration::from_secs(60);

    pub(super) struct Remote {
        pub(super) url: String,
        cached: Mutex<Option<(JwkSet, Instant)>>,
    }

    impl Remote {
        pub(super) fn new(url: String) -> Self {
            Remote {
                url,
                cached: Mutex::new(None),
            }
        }

        /// The key set, fetched again when it is old, or when it lacks `kid` and was not
        /// fetched within the last minute.
        pub(super) async fn keys(&self, kid: Option<&str>) -> Result<JwkSet, InvalidToken> {
            let fresh = {
                let cached = crate::sync::lock(&self.cached);
                cached.as_ref().and_then(|(set, at)| {
                    let age = at.elapsed();
                    let knows = kid.is_none_or(|kid| set.find(kid).is_some());
                    (age < MAX_AGE && (knows || age < MIN_REFRESH)).then(|| set.clone())
                })
            };
            if let Some(set) = fresh {
                return Ok(set);
            }
            let url = self.url.clone();
            let fetched = tokio::task::spawn_blocking(move || -> Result<JwkSet, String> {
                let mut response = ureq::get(&url).call().map_err(|e| e.to_string())?;
                let text = response
                    .body_mut()
                    .read_to_string()
                    .map_err(|e| e.to_string())?;
                serde_json::from_str::<JwkSet>(&text).map_err(|e| e.to_string())
            })
            .await
            .map_err(|e| e.to_string())
            .and_then(|r| r);
            match fetched {
                Ok(set) => {
                    *crate::sync::lock(&self.cached) = Some((set.clone(), Instant::now()));
                    Ok(set)
                }
                Err(error) => {
                    tracing::error!(url = %self.url, %error, "cannot fetch the JSON Web Key Set");
                    Err(InvalidToken(
                        "the server cannot fetch its token signing keys".to_owned(),
                    ))
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_metadata_document_sits_at_the_resource_origin() {
        let auth = HttpAuth::new(StaticTokens::new(), "https://files.example.com/mcp");
        assert_eq!(
            auth.metadata_url(),
            "https://files.example.com/.well-known/oauth-protected-resource"
        );
        let challenge = auth.challenge(Some(("insufficient_scope", "x")), Some(&["a:b".into()]));
        assert_eq!(
            challenge.to_str().unwrap(),
            "Bearer error=\"insufficient_scope\", resource_metadata=\"https://files.example.com/.well-known/oauth-protected-resource\", error_description=\"x\", scope=\"a:b\""
        );
    }

    #[test]
    fn bearer_tokens_are_read_case_insensitively() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("bearer abc"),
        );
        assert_eq!(bearer(&headers), Some("abc"));
        headers.insert(header::AUTHORIZATION, HeaderValue::from_static("Basic abc"));
        assert_eq!(bearer(&headers), None);
    }

    fn hs256_token(header: Value, claims: Value) -> String {
        use base64::Engine;
        let b64 = |v: &Value| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string().as_bytes())
        };
        let input = format!("{}.{}", b64(&header), b64(&claims));
        let key = jsonwebtoken::EncodingKey::from_secret(b"secret");
        let signature = jsonwebtoken::crypto::sign(input.as_bytes(), &key, Algorithm::HS256)
            .expect("HS256 signs");
        format!("{input}.{signature}")
    }

    #[tokio::test]
    async fn not_before_and_critical_extensions_are_enforced() {
        let verifier = JwtVerifier::hs256(b"secret", "https://issuer", "https://server/mcp");
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let claims = |nbf: u64| json!({"sub": "erin", "iss": "https://issuer", "aud": "https://server/mcp", "exp": now + 600, "nbf": nbf});
        let plain = json!({"alg": "HS256", "typ": "JWT"});
        assert!(verifier
            .verify(&hs256_token(plain.clone(), claims(now - 10)))
            .await
            .is_ok());
        // Within the leeway, a clock a little ahead is tolerated.
        assert!(verifier
            .verify(&hs256_token(plain.clone(), claims(now + 10)))
            .await
            .is_ok());
        let early = verifier
            .verify(&hs256_token(plain, claims(now + 3600)))
            .await
            .unwrap_err();
        assert!(early.0.contains("not valid yet"), "{early}");
        for crit in [
            json!(["exp"]),
            json!(["x-unknown"]),
            json!([]),
            json!("b64"),
        ] {
            let header = json!({"alg": "HS256", "typ": "JWT", "crit": crit, "x-unknown": 1});
            let refused = verifier
                .verify(&hs256_token(header, claims(now - 10)))
                .await
                .unwrap_err();
            assert!(refused.0.contains("critical"), "{refused}");
        }
    }

    #[cfg(feature = "jwks")]
    #[tokio::test]
    async fn keys_are_fetched_from_a_jwks_url() {
        use base64::Engine;
        use ring::rand::SystemRandom;
        use ring::signature::{EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_FIXED_SIGNING};

        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng)
            .unwrap();
        let (x, y) = pair.public_key().as_ref()[1..].split_at(32);
        let b64 = |b: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b);
        let set = json!({"keys": [{"kty": "EC", "crv": "P-256", "kid": "k1", "alg": "ES256", "x": b64(x), "y": b64(y)}]});
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/jwks.json", listener.local_addr().unwrap());
        let app = axum::Router::new().route(
            "/jwks.json",
            axum::routing::get(move || {
                let set = set.clone();
                async move { set.to_string() }
            }),
        );
        let server = tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

        let audience = "http://127.0.0.1/mcp";
        let verifier = JwtVerifier::from_jwks_url(url, "https://issuer", audience);
        let mut header = jsonwebtoken::Header::new(Algorithm::ES256);
        header.kid = Some("k1".to_owned());
        let exp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs()
            + 600;
        let claims = json!({"sub": "erin", "scp": ["a:b"], "iss": "https://issuer", "aud": audience, "exp": exp});
        let key = jsonwebtoken::EncodingKey::from_ec_der(pkcs8.as_ref());
        let token = jsonwebtoken::encode(&header, &claims, &key).unwrap();
        let caller = verifier.verify(&token).await.unwrap();
        assert_eq!(caller.subject(), "erin");
        assert!(caller.holds("a:b"));
        header.kid = Some("k2".to_owned());
        let unknown = jsonwebtoken::encode(&header, &claims, &key).unwrap();
        assert!(verifier.verify(&unknown).await.is_err());
        server.abort();
    }
}
