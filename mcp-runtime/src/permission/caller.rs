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
            })),
        }
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
