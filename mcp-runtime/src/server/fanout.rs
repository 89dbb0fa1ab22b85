//! Changes made on one replica reaching the others (the `redis` feature): capabilities
//! switched off and on, and resources updated.
//!
//! The replica where a change is made records it and publishes it on the channel
//! `{prefix}changes` ([`Hub::announce`]); every replica listens there, applies the switches
//! it hears of and tells its own clients ([`Hub::tell`]). The switches are also kept in the
//! hash `{prefix}switches`, read whenever the subscription is made, so that a replica that
//! starts later, or whose subscription dropped, catches up. Each switch carries a version
//! from one counter, so that every replica ends with the last switch Redis recorded,
//! whatever order it hears them in.

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};

use serde::{Deserialize, Serialize};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use super::subscriptions::{Change, Hub, Kind};
use crate::error::{Error, Result};
use crate::store::{Channel, Shared, Subscriber};
use crate::sync::lock;

/// Records a switch under the next version and publishes it, in one step, so that the
/// order of the publications is the order of the versions.
///
/// KEYS: the hash of switches, the version counter.
/// ARGV: the field (`tool:NAME`), "1" for on or "0" for off, the channel, the origin.
const SWITCH: &str = r"
local version = redis.call('INCR', KEYS[2])
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2] .. ':' .. version)
redis.call('PUBLISH', ARGV[3], cjson.encode({
  from = ARGV[4], field = ARGV[1], on = ARGV[2] == '1', version = version,
}))
return version
";

/// What travels on the channel.
#[derive(Serialize, Deserialize)]
struct Published {
    /// The hub that made the change.
    from: String,
    /// A switch: `{kind}:{name}`.
    #[serde(default)]
    field: Option<String>,
    #[serde(default)]
    on: bool,
    #[serde(default)]
    version: u64,
    /// A resource update: its URI.
    #[serde(default)]
    updated: Option<String>,
}

/// One hub's link to the other replicas.
pub(crate) struct Fanout {
    shared: Shared,
    /// Names this hub among the replicas: the process's name, and a number for each hub it
    /// runs (a process may serve several servers from one store).
    origin: String,
    switch: redis::Script,
    /// The version of the last switch applied, by field.
    applied: Mutex<HashMap<String, u64>>,
    /// Set once the switches recorded in the store were read the first time.
    caught_up: AtomicBool,
    caught_up_signal: Notify,
    /// Stops the subscription when the hub goes.
    stop: CancellationToken,
}

impl Drop for Fanout {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

fn field(kind: Kind, name: &str) -> String {
    let kind = match kind {
        Kind::Tool => "tool",
        Kind::Prompt => "prompt",
        Kind::Resource => "resource",
    };
    format!("{kind}:{name}")
}

fn parse_field(field: &str) -> Option<(Kind, &str)> {
    let (kind, name) = field.split_once(':')?;
    let kind = match kind {
        "tool" => Kind::Tool,
        "prompt" => Kind::Prompt,
        "resource" => Kind::Resource,
        _ => return None,
    };
    Some((kind, name))
}

impl Fanout {
    pub(crate) fn new(shared: Shared) -> Self {
        static HUBS: AtomicU64 = AtomicU64::new(0);
        let origin = format!(
            "{}-{}",
            shared.replica(),
            HUBS.fetch_add(1, Ordering::Relaxed)
        );
        Fanout {
            shared,
            origin,
            switch: redis::Script::new(SWITCH),
            applied: Mutex::default(),
            caught_up: AtomicBool::new(false),
            caught_up_signal: Notify::new(),
            stop: CancellationToken::new(),
        }
    }

    /// Starts listening to the other replicas for `hub`, on the current Tokio runtime.
    pub(crate) fn start(hub: &Arc<Hub>) {
        let Some(fanout) = &hub.fanout else { return };
        let listener = Listener {
            hub: Arc::downgrade(hub),
        };
        let subscription = crate::store::subscribe(
            fanout.shared.client().clone(),
            Channel::Named(vec![fanout.shared.key("changes")]),
            fanout.shared.timeout(),
            fanout.stop.clone(),
            listener,
            "change notifications",
        );
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                runtime.spawn(subscription);
            }
            Err(_) => {
                tracing::warn!("built outside a Tokio runtime: changes made on other replicas will not reach this one");
                fanout.mark_caught_up();
            }
        }
    }

    /// Records the switch in the store and publishes it; its version.
    pub(crate) async fn publish_switch(&self, kind: Kind, name: &str, on: bool) -> Result<u64> {
        let keys = [
            self.shared.key("switches"),
            self.shared.key("switches:version"),
        ];
        let channel = self.shared.key("changes");
        let field = field(kind, name);
        self.shared
            .run(async |c| {
                self.switch
                    .key(&keys[..])
                    .arg(&field)
                    .arg(if on { "1" } else { "0" })
                    .arg(&channel)
                    .arg(&self.origin)
                    .invoke_async(c)
                    .await
            })
            .await
            .map_err(|e| {
                Error::Store(format!(
                    "cannot switch {field} {}: the replicas' store could not record it ({e})",
                    if on { "on" } else { "off" }
                ))
            })
    }

    /// Publishes a resource update; a failure is logged, the update being told here anyway.
    pub(crate) async fn publish_update(&self, uri: &str) {
        let message = serde_json::to_string(&Published {
            from: self.origin.clone(),
            field: None,
            on: false,
            version: 0,
            updated: Some(uri.to_owned()),
        })
        .expect("messages serialise");
        let channel = self.shared.key("changes");
        let published = self
            .shared
            .run(async |c| {
                redis::cmd("PUBLISH")
                    .arg(&channel)
                    .arg(&message)
                    .query_async::<i64>(c)
                    .await
            })
            .await;
        if let Err(error) = published {
            tracing::warn!(%uri, %error, "the other replicas were not told of a resource update");
        }
    }

    /// Applies the switch recorded under `version` to `hub`, unless a later one was applied
    /// already; the change to tell, if the switch changed.
    pub(crate) fn apply(
        &self,
        hub: &Hub,
        kind: Kind,
        name: &str,
        on: bool,
        version: u64,
    ) -> Option<Change<'static>> {
        if !self.apply_quietly(hub, kind, name, on, version) {
            return None;
        }
        hub.rebuild(kind);
        Some(Change::of(kind))
    }

    /// Reads every switch recorded in the store and applies those not applied yet; the
    /// kinds whose lists changed.
    async fn catch_up(
        &self,
        hub: &Hub,
    ) -> std::result::Result<BTreeSet<Kind>, crate::store::Unavailable> {
        let key = self.shared.key("switches");
        let recorded: HashMap<String, String> = self
            .shared
            .run(async |c| redis::cmd("HGETALL").arg(&key).query_async(c).await)
            .await?;
        let mut changed = BTreeSet::new();
        for (field, value) in &recorded {
            let Some((kind, name)) = parse_field(field) else {
                continue;
            };
            let Some((on, version)) = value
                .split_once(':')
                .and_then(|(on, version)| Some((on == "1", version.parse().ok()?)))
            else {
                continue;
            };
            if self.apply_quietly(hub, kind, name, on, version) {
                changed.insert(kind);
            }
        }
        Ok(changed)
    }

    /// Like [`Fanout::apply`], leaving the lists to rebuild: true when the switch changed.
    fn apply_quietly(&self, hub: &Hub, kind: Kind, name: &str, on: bool, version: u64) -> bool {
        let mut applied = lock(&self.applied);
        let last = applied.entry(field(kind, name)).or_default();
        if version <= *last {
            return false;
        }
        *last = version;
        hub.switches(kind).set(name, on).unwrap_or(false)
    }

    fn mark_caught_up(&self) {
        self.caught_up.store(true, Ordering::Release);
        self.caught_up_signal.notify_waiters();
    }

    /// Completes once the switches recorded in the store were read, or the store's timeout
    /// has passed: a store that cannot be reached at start delays the first requests by
    /// that much, not every request.
    pub(crate) async fn ready(&self) {
        if self.caught_up.load(Ordering::Acquire) {
            return;
        }
        let signal = self.caught_up_signal.notified();
        tokio::pin!(signal);
        signal.as_mut().enable();
        if self.caught_up.load(Ordering::Acquire) {
            return;
        }
        if tokio::time::timeout(self.shared.timeout(), signal)
            .await
            .is_err()
        {
            tracing::warn!("serving before the switches the replicas share could be read");
            self.mark_caught_up();
        }
    }
}

/// The subscription of one hub to `{prefix}changes`.
struct Listener {
    hub: Weak<Hub>,
}

impl Subscriber for Listener {
    async fn subscribed(&mut self) -> bool {
        let Some(hub) = self.hub.upgrade() else {
            return false;
        };
        let Some(fanout) = &hub.fanout else {
            return false;
        };
        match fanout.catch_up(&hub).await {
            Ok(changed) => {
                for kind in changed {
                    hub.rebuild(kind);
                    hub.tell(Change::of(kind)).await;
                }
            }
            Err(error) => {
                tracing::warn!(%error, "cannot read the switches the replicas share; they are read again on the next connection");
            }
        }
        fanout.mark_caught_up();
        true
    }

    async fn heard(&mut self, message: redis::Msg) -> bool {
        let Some(hub) = self.hub.upgrade() else {
            return false;
        };
        let Some(fanout) = &hub.fanout else {
            return false;
        };
        let Ok(text) = message.get_payload::<String>() else {
            return true;
        };
        let Ok(published) = serde_json::from_str::<Published>(&text) else {
            tracing::debug!(%text, "unreadable change notification ignored");
            return true;
        };
        if published.from == fanout.origin {
            return true;
        }
        if let Some(uri) = &published.updated {
            hub.tell(Change::Updated(uri)).await;
        } else if let Some((kind, name)) = published.field.as_deref().and_then(parse_field) {
            if let Some(change) = fanout.apply(&hub, kind, name, published.on, published.version) {
                hub.tell(change).await;
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_name_the_kind_and_keep_colons_in_names() {
        assert_eq!(field(Kind::Resource, "file:///a"), "resource:file:///a");
        assert_eq!(
            parse_field("resource:file:///a"),
            Some((Kind::Resource, "file:///a"))
        );
        assert_eq!(parse_field("tool:x"), Some((Kind::Tool, "x")));
        assert_eq!(parse_field("widget:x"), None);
    }
}
