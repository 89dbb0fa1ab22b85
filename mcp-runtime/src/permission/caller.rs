//! [`Caller`]: who is asking, as far as the transport can tell.

use std::collections::BTreeSet;
use std::fmt;
use std::future::Future;
use std::sync::Arc;

tokio::task_local! {
    static CURRENT: Caller;
}

/// The identity behind a request: the local user (stdio, in-memory, HTTP without a token
/// verifier), or the subject and scopes of a verified bearer token.
///
/// The local user holds every scope: whoever starts a stdio server already has the rights of
/// the process, so scopes restrict HTTP callers only. A policy's risk levels and allow/deny
/// lists apply to everyone.
///
/// ```
/// use mcp_runtime::permission::Caller;
///
/// let alice = Caller::new("alice", ["accounts:read"]);
/// assert!(alice.holds("accounts:read"));
/// assert!(!alice.holds("accounts:write"));
/// assert!(Caller::local().holds("anything"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// `None`: the local user. Shared, so that every request of a caller clones cheaply.
    identity: Option<Arc<Identity>>,
}

#[derive(Debug, PartialEq, Eq)]
struct Identity {
    subject: String,
    scopes: BTreeSet<String>,
    /// Every claim of the caller's token (`sub`, `scope`, and the issuer's own).
    claims: serde_json::Map<String, serde_json::Value>,
}

impl Caller {
    /// The local user, holding every scope.
    pub fn local() -> Self {
        Caller { identity: None }
    }

    /// An authenticated caller holding exactly `scopes`.
    pub fn new<I, S>(subject: impl Into<String>, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Caller {
            identity: Some(Arc::new(Identity {
                subject: subject.into(),
                scopes: scopes.into_iter().map(Into::into).collect(),
                claims: serde_json::Map::new(),
            })),
        }
    }

    /// The same caller, with the claims of its token (kept whole: the standard ones and the
    /// issuer's own), for [`Caller::claims`]. The local user has none.
    pub fn with_claims(self, claims: serde_json::Map<String, serde_json::Value>) -> Self {
        match self.identity {
            Some(identity) => Caller {
                identity: Some(Arc::new(Identity {
                    subject: identity.subject.clone(),
                    scopes: identity.scopes.clone(),
                    claims,
                })),
            },
            None => self,
        }
    }

    /// The claims of the caller's token, read into a type of the server's own: its custom
    /// claims (a tenant, a role) with their types checked. `None` for the local user.
    ///
    /// ```
    /// use mcp_runtime::permission::Caller;
    /// use serde::Deserialize;
    ///
    /// #[derive(Deserialize)]
    /// struct Claims {
    ///     tenant: String,
    ///     #[serde(default)]
    ///     admin: bool,
    /// }
    ///
    /// let token = serde_json::json!({"sub": "alice", "tenant": "acme", "admin": true});
    /// let alice = Caller::new("alice", ["accounts:read"])
    ///     .with_claims(token.as_object().unwrap().clone());
    /// let claims: Claims = alice.claims().unwrap()?;
    /// assert_eq!(claims.tenant, "acme");
    /// assert!(claims.admin);
    /// assert!(Caller::local().claims::<Claims>().is_none());
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn claims<T: serde::de::DeserializeOwned>(&self) -> Option<Result<T, serde_json::Error>> {
        let identity = self.identity.as_ref()?;
        Some(serde_json::from_value(serde_json::Value::Object(
            identity.claims.clone(),
        )))
    }

    /// The token's claim `name`, as JSON; `None` for the local user or a claim the token
    /// lacks.
    pub fn claim(&self, name: &str) -> Option<&serde_json::Value> {
        self.identity.as_ref()?.claims.get(name)
    }

    /// Whether this is the local user (stdio, in-memory, HTTP without authentication).
    pub fn is_local(&self) -> bool {
        self.identity.is_none()
    }

    /// Who the caller is: a token's subject, or `local`.
    pub fn subject(&self) -> &str {
        self.identity.as_ref().map_or("local", |i| &i.subject)
    }

    /// The scopes the caller holds; `None` for the unrestricted local user.
    pub fn scopes(&self) -> Option<&BTreeSet<String>> {
        self.identity.as_ref().map(|i| &i.scopes)
    }

    /// True when the caller holds `scope`.
    pub fn holds(&self, scope: &str) -> bool {
        self.scopes().is_none_or(|s| s.contains(scope))
    }

    /// The caller of the request being served: the one a transport set with
    /// [`Caller::scope`], or the local user.
    pub fn current() -> Caller {
        CURRENT
            .try_with(Caller::clone)
            .unwrap_or_else(|_| Caller::local())
    }

    /// Runs `future` with `self` as the [`Caller::current`] caller; transports wrap the
    /// handling of an authenticated request in it.
    pub async fn scope<F: Future>(self, future: F) -> F::Output {
        CURRENT.scope(self, future).await
    }
}

impl fmt::Display for Caller {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.subject())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_current_caller_is_local_unless_a_transport_says_otherwise() {
        assert_eq!(Caller::current(), Caller::local());
        let bob = Caller::new("bob", ["a"]);
        let seen = bob.clone().scope(async { Caller::current() }).await;
        assert_eq!(seen, bob);
    }
}
