//! Rate limits: at most so many calls in a period, per caller or for the whole server, for
//! the capabilities a limit names or of at least a risk level.

use std::fmt;
use std::num::NonZeroU32;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use governor::clock::Clock;
use governor::middleware::NoOpMiddleware;
use governor::state::keyed::HashMapStateStore;
use governor::state::{InMemoryState, NotKeyed};
use governor::{Quota, RateLimiter};
use serde_json::json;

use super::glob::Glob;
use super::{Caller, Permission, RiskLevel};
use crate::protocol::RpcError;

/// The JSON-RPC error code of a call refused by a rate limit (an implementation-defined
/// server error). Over HTTP, a limit per caller is also answered with `429 Too Many Requests`
/// and `Retry-After`.
pub const RATE_LIMITED: i32 = -32029;

/// How many calls in how long: `"5/minute"`, `"100/second"`, `"1000/hour"`, `"10000/day"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    calls: NonZeroU32,
    period: Duration,
    unit: &'static str,
}

impl Rate {
    /// `calls` calls per `period` (both more than zero).
    pub fn new(calls: u32, period: Duration) -> Option<Rate> {
        let calls = NonZeroU32::new(calls)?;
        (!period.is_zero()).then_some(Rate {
            calls,
            period,
            unit: "",
        })
    }

    fn quota(self) -> Quota {
        // Spread evenly over the period, with the whole allowance available at once.
        let every = self.period / self.calls.get();
        Quota::with_period(every.max(Duration::from_nanos(1)))
            .expect("a positive period")
            .allow_burst(self.calls)
    }
}

impl FromStr for Rate {
    type Err = String;

    fn from_str(text: &str) -> Result<Rate, String> {
        let bad = || {
            format!(
                "`{text}` is not a rate; write calls per unit: \"5/minute\", \"100/second\", \"1000/hour\" or \"10000/day\""
            )
        };
        let (calls, unit) = text.split_once('/').ok_or_else(bad)?;
        let calls: u32 = calls.trim().parse().map_err(|_| bad())?;
        let (period, unit) = match unit.trim() {
            "second" | "s" => (Duration::from_secs(1), "second"),
            "minute" | "min" | "m" => (Duration::from_secs(60), "minute"),
            "hour" | "h" => (Duration::from_secs(3600), "hour"),
            "day" | "d" => (Duration::from_secs(86_400), "day"),
            _ => return Err(bad()),
        };
        let mut rate = Rate::new(calls, period).ok_or_else(|| {
            format!("`{text}` allows no call at all; give a positive number of calls")
        })?;
        rate.unit = unit;
        Ok(rate)
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let calls = self.calls.get();
        let noun = if calls == 1 { "call" } else { "calls" };
        if self.unit.is_empty() {
            write!(f, "{calls} {noun} per {:?}", self.period)
        } else {
            write!(f, "{calls} {noun} a {}", self.unit)
        }
    }
}

/// Whom a limit counts separately.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitScope {
    /// Each caller (the bearer token's subject over HTTP) has an allowance of its own.
    Caller,
    /// All callers share one allowance.
    Server,
}

/// A rate limit of a [`Policy`](super::Policy): at most [`Rate`] calls, per caller or for the
/// whole server, of the capabilities it names (globs, as in `[capabilities]`) or of at least
/// a risk level; with neither, of every capability.
///
/// ```
/// use mcp_runtime::permission::{Policy, RateLimit, RiskLevel};
///
/// // At most 5 high-risk calls a minute per caller, and 100 searches a second in all.
/// let policy = Policy::new()
///     .limit(RateLimit::per_caller("5/minute".parse().unwrap()).at_least(RiskLevel::High))
///     .limit(RateLimit::per_server("100/second".parse().unwrap()).capabilities(["search*"]));
/// ```
///
/// In a policy file:
///
/// ```toml
/// [[limits]]
/// rate = "5/minute"
/// per = "caller"          # the default; or "server"
/// risk = "high"           # capabilities of this risk and above
///
/// [[limits]]
/// rate = "100/second"
/// per = "server"
/// capabilities = ["search*"]
/// ```
///
/// A call over a limit does not run. A limit per caller answers with a JSON-RPC error
/// ([`RATE_LIMITED`], data `limit`, `per`, `retryAfterSeconds`), over HTTP with `429` and
/// `Retry-After`; a limit for the whole server answers a tool call with an error result naming
/// the limit (the model reads it) and other requests with the JSON-RPC error. The audit log
/// records the call as `rate_limited`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLimit {
    pub(super) rate: Rate,
    pub(super) per: LimitScope,
    pub(super) risk: Option<RiskLevel>,
    pub(super) capabilities: Vec<String>,
}

impl RateLimit {
    /// `rate` for each caller.
    pub fn per_caller(rate: Rate) -> Self {
        RateLimit {
            rate,
            per: LimitScope::Caller,
            risk: None,
            capabilities: Vec::new(),
        }
    }

    /// `rate` for all callers together.
    pub fn per_server(rate: Rate) -> Self {
        RateLimit {
            per: LimitScope::Server,
            ..RateLimit::per_caller(rate)
        }
    }

    /// Counts only capabilities of at least `risk`.
    pub fn at_least(mut self, risk: RiskLevel) -> Self {
        self.risk = Some(risk);
        self
    }

    /// Counts only the capabilities these globs match (`transfer`, `accounts.*`).
    pub fn capabilities<I, S>(mut self, globs: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.capabilities = globs.into_iter().map(Into::into).collect();
        self
    }

    /// What the limit says, for messages: "at most 5 calls a minute per caller, for risk
    /// `high` and above".
    pub fn describe(&self) -> String {
        let per = match self.per {
            LimitScope::Caller => "per caller",
            LimitScope::Server => "for everyone together",
        };
        let mut text = format!("at most {} {per}", self.rate);
        if let Some(risk) = self.risk {
            text.push_str(&format!(", for risk `{risk}` and above"));
        }
        if !self.capabilities.is_empty() {
            text.push_str(&format!(", for {}", self.capabilities.join(", ")));
        }
        text
    }
}

/// A call a rate limit refused.
#[derive(Debug, Clone)]
pub(crate) struct Limited {
    pub(crate) limit: String,
    pub(crate) per: LimitScope,
    pub(crate) retry_after: Duration,
}

impl Limited {
    /// Whole seconds to wait, at least one.
    fn retry_after_seconds(&self) -> u64 {
        self.retry_after.as_secs() + u64::from(self.retry_after.subsec_nanos() > 0)
    }

    pub(crate) fn message(&self) -> String {
        format!(
            "rate limit reached: {}; try again in {} s",
            self.limit,
            self.retry_after_seconds()
        )
    }

    pub(crate) fn error(&self) -> RpcError {
        RpcError::new(RATE_LIMITED, self.message()).with_data(json!({
            "limit": self.limit,
            "per": match self.per {
                LimitScope::Caller => "caller",
                LimitScope::Server => "server",
            },
            "retryAfterSeconds": self.retry_after_seconds(),
        }))
    }
}

/// The limiters of a policy's limits, counting calls.
#[derive(Default)]
pub(crate) struct Limiters {
    rules: Vec<Rule>,
    checks: AtomicU64,
    /// Every counter's clock (a copy is in each), to tell how long until it allows a call.
    clock: Monotonic,
}

impl fmt::Debug for Limiters {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.rules.iter().map(|rule| &rule.limit))
            .finish()
    }
}

struct Rule {
    limit: RateLimit,
    globs: Vec<Glob>,
    counter: Counter,
}

enum Counter {
    Caller(RateLimiter<String, HashMapStateStore<String>, Monotonic, NoOpMiddleware<Duration>>),
    Server(RateLimiter<NotKeyed, InMemoryState, Monotonic, NoOpMiddleware<Duration>>),
}

/// The time since the limiter was made, by std's monotonic clock. (governor's own clocks need
/// its `std` or `quanta` features, which bring futures, parking_lot or quanta with them.)
#[derive(Debug, Clone, Copy)]
struct Monotonic(std::time::Instant);

impl Default for Monotonic {
    fn default() -> Self {
        Monotonic(std::time::Instant::now())
    }
}

impl Clock for Monotonic {
    type Instant = Duration;

    fn now(&self) -> Duration {
        self.0.elapsed()
    }
}

impl Limiters {
    pub(crate) fn new(limits: &[RateLimit]) -> Self {
        let clock = Monotonic::default();
        let rules = limits
            .iter()
            .map(|limit| Rule {
                limit: limit.clone(),
                globs: limit
                    .capabilities
                    .iter()
                    .filter_map(|glob| super::policy::glob_of(glob).ok())
                    .collect(),
                counter: match limit.per {
                    LimitScope::Caller => {
                        Counter::Caller(RateLimiter::hashmap_with_clock(limit.rate.quota(), clock))
                    }
                    LimitScope::Server => {
                        Counter::Server(RateLimiter::direct_with_clock(limit.rate.quota(), clock))
                    }
                },
            })
            .collect();
        Limiters {
            rules,
            checks: AtomicU64::new(0),
            clock,
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Counts a call of `name` by `caller`; the first limit it exceeds, if any.
    pub(crate) fn check(
        &self,
        name: &str,
        permission: &Permission,
        caller: &Caller,
    ) -> Option<Limited> {
        if self.rules.is_empty() {
            return None;
        }
        let checks = self.checks.fetch_add(1, Ordering::Relaxed);
        for rule in &self.rules {
            if rule.limit.risk.is_some_and(|risk| permission.risk < risk) {
                continue;
            }
            if !rule.globs.is_empty() && !rule.globs.iter().any(|glob| glob.is_match(name)) {
                continue;
            }
            let outcome = match &rule.counter {
                Counter::Caller(counter) => {
                    if checks % 4096 == 4095 {
                        // Forget callers whose allowance is whole again.
                        counter.retain_recent();
                    }
                    counter.check_key(&caller.subject().to_owned())
                }
                Counter::Server(counter) => counter.check(),
            };
            if let Err(not_until) = outcome {
                return Some(Limited {
                    limit: rule.limit.describe(),
                    per: rule.limit.per,
                    retry_after: not_until.wait_time_from(self.clock.now()),
                });
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_read_as_written() {
        let rate: Rate = "5/minute".parse().unwrap();
        assert_eq!(rate.to_string(), "5 calls a minute");
        assert_eq!(
            "1/second".parse::<Rate>().unwrap().to_string(),
            "1 call a second"
        );
        for bad in ["5", "5/fortnight", "x/minute", "0/second", "-1/hour"] {
            assert!(bad.parse::<Rate>().is_err(), "{bad}");
        }
    }

    #[test]
    fn a_caller_over_its_allowance_waits_and_others_do_not() {
        let limiters = Limiters::new(&[
            RateLimit::per_caller("2/minute".parse().unwrap()).at_least(RiskLevel::High)
        ]);
        let high = Permission::new(RiskLevel::High);
        let low = Permission::new(RiskLevel::Low);
        let alice = Caller::local();
        assert!(limiters.check("wipe", &high, &alice).is_none());
        assert!(limiters.check("wipe", &high, &alice).is_none());
        let limited = limiters
            .check("wipe", &high, &alice)
            .expect("the third is over");
        assert!(limited.retry_after > Duration::from_secs(20), "{limited:?}");
        assert_eq!(limited.per, LimitScope::Caller);
        // Low-risk calls are not counted.
        assert!(limiters.check("read", &low, &alice).is_none());
        let error = limited.error();
        assert_eq!(error.code, RATE_LIMITED);
        assert_eq!(error.data.unwrap()["per"], "caller");
    }
}
