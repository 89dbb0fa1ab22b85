//! Telling clients what changed: `notifications/*/list_changed` when capabilities are
//! switched off or on, and `notifications/resources/updated` for subscribed resources —
//! to legacy-era connections (after `initialize`; `resources/subscribe`) and to
//! 2026-07-28 `subscriptions/listen` streams. The [`Notifier`] is the handle that does it.

use crate::sync::lock;
use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::connection::{Connection, Outbound};
use super::live::{LiveList, PageSettings, Switches};
use crate::error::{Error, Result};
use crate::protocol::{encode_notification, RequestId};

/// The legacy-era connections, which hear of every change they asked for.
#[derive(Default)]
pub(crate) struct Subscribers {
    connections: Mutex<Vec<Weak<Connection>>>,
}

impl Subscribers {
    pub(crate) fn add(&self, connection: &Arc<Connection>) {
        let mut connections = lock(&self.connections);
        connections.retain(|c| c.strong_count() > 0);
        if !connections
            .iter()
            .any(|c| std::ptr::eq(c.as_ptr(), Arc::as_ptr(connection)))
        {
            connections.push(Arc::downgrade(connection));
        }
    }

    fn live(&self) -> Vec<Arc<Connection>> {
        lock(&self.connections)
            .iter()
            .filter_map(Weak::upgrade)
            .collect()
    }
}

/// The URIs one connection subscribed to.
#[derive(Debug, Default)]
pub(crate) struct Subscriptions(Mutex<HashSet<String>>);

impl Subscriptions {
    /// Subscribes to `uri`; false when `limit` subscriptions are held already (subscribing
    /// again to one held is fine).
    pub(crate) fn insert(&self, uri: &str, limit: usize) -> bool {
        let mut held = lock(&self.0);
        if held.len() >= limit && !held.contains(uri) {
            return false;
        }
        held.insert(uri.to_owned());
        true
    }

    pub(crate) fn remove(&self, uri: &str) -> bool {
        lock(&self.0).remove(uri)
    }

    pub(crate) fn contains(&self, uri: &str) -> bool {
        lock(&self.0).contains(uri)
    }

    /// Every URI held, sorted.
    #[cfg(feature = "redis")]
    pub(crate) fn all(&self) -> Vec<String> {
        let mut all: Vec<String> = lock(&self.0).iter().cloned().collect();
        all.sort();
        all
    }

    /// Holds exactly `uris` from now on.
    #[cfg(feature = "redis")]
    pub(crate) fn replace(&self, uris: impl IntoIterator<Item = String>) {
        *lock(&self.0) = uris.into_iter().collect();
    }
}

/// What a `subscriptions/listen` stream asks to hear of.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Filter {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) tools_list_changed: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) prompts_list_changed: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) resources_list_changed: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) resource_subscriptions: Option<Vec<String>>,
    /// The tasks whose changes of status to hear of (the tasks extension): answered by the
    /// stream itself, not through the hub.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) task_ids: Option<Vec<String>>,
}

impl Filter {
    fn wants(&self, change: &Change<'_>) -> bool {
        match change {
            Change::Tools => self.tools_list_changed == Some(true),
            Change::Prompts => self.prompts_list_changed == Some(true),
            Change::Resources => self.resources_list_changed == Some(true),
            Change::Updated(uri) => self
                .resource_subscriptions
                .as_ref()
                .is_some_and(|uris| uris.iter().any(|u| u == uri)),
        }
    }
}

/// One open `subscriptions/listen` stream.
struct Listener {
    key: u64,
    subscription: RequestId,
    filter: Filter,
    sink: Outbound,
}

/// The open `subscriptions/listen` streams.
#[derive(Default)]
pub(crate) struct Listeners {
    next: AtomicU64,
    open: Mutex<Vec<Listener>>,
}

/// Keeps a listener registered; unregisters it when dropped (the stream ended).
pub(crate) struct Listening {
    hub: Arc<Hub>,
    key: u64,
}

impl Drop for Listening {
    fn drop(&mut self) {
        lock(&self.hub.listeners.open).retain(|l| l.key != self.key);
    }
}

/// A change clients may hear of.
#[derive(Clone, Copy)]
pub(crate) enum Change<'a> {
    Tools,
    Prompts,
    Resources,
    Updated(&'a str),
}

impl Change<'_> {
    /// The list change a switch of `kind` makes.
    pub(crate) fn of(kind: Kind) -> Change<'static> {
        match kind {
            Kind::Tool => Change::Tools,
            Kind::Prompt => Change::Prompts,
            Kind::Resource => Change::Resources,
        }
    }

    /// The notification's parameters.
    fn params(&self) -> Value {
        match self {
            Change::Updated(uri) => json!({ "uri": uri }),
            _ => json!({}),
        }
    }

    fn method(&self) -> &'static str {
        match self {
            Change::Tools => "notifications/tools/list_changed",
            Change::Prompts => "notifications/prompts/list_changed",
            Change::Resources => "notifications/resources/list_changed",
            Change::Updated(_) => "notifications/resources/updated",
        }
    }
}

/// Everything that changes while the server runs, and who hears of it.
pub(crate) struct Hub {
    pub(crate) subscribers: Subscribers,
    pub(crate) listeners: Listeners,
    pub(crate) tools: Switches,
    pub(crate) resources: Switches,
    pub(crate) prompts: Switches,
    pub(crate) tool_list: LiveList,
    pub(crate) resource_list: LiveList,
    pub(crate) template_list: LiveList,
    pub(crate) prompt_list: LiveList,
    pub(crate) settings: PageSettings,
    /// The other replicas, with a shared store: where changes are recorded and published.
    #[cfg(feature = "redis")]
    pub(crate) fanout: Option<super::fanout::Fanout>,
    /// The legacy-era HTTP sessions kept in the store shared by replicas, if any: they hear
    /// of changes through their event logs there, from the replica where the change
    /// happened.
    #[cfg(feature = "redis")]
    pub(crate) sessions: Option<crate::store::sessions::SessionStore>,
}

/// A change made through the [`Notifier`], at the replica where it is made.
#[derive(Clone, Copy)]
pub(crate) enum Event<'a> {
    /// A capability switched on or off.
    Switch { kind: Kind, name: &'a str, on: bool },
    /// A resource's content changed.
    Updated(&'a str),
}

impl Hub {
    /// The part of `requested` the server can honour: only what it can ever send.
    pub(crate) fn honoured(&self, requested: Filter, has_resources: bool) -> Filter {
        Filter {
            tools_list_changed: requested
                .tools_list_changed
                .filter(|&on| on && self.tools.len() > 0),
            prompts_list_changed: requested
                .prompts_list_changed
                .filter(|&on| on && self.prompts.len() > 0),
            resources_list_changed: requested
                .resources_list_changed
                .filter(|&on| on && has_resources),
            resource_subscriptions: requested
                .resource_subscriptions
                .filter(|uris| has_resources && !uris.is_empty()),
            // Checked against the task store by the stream.
            task_ids: requested.task_ids,
        }
    }

    /// Registers a `subscriptions/listen` stream; the guard keeps it registered.
    pub(crate) fn listen(
        self: &Arc<Self>,
        subscription: RequestId,
        filter: Filter,
        sink: Outbound,
    ) -> Listening {
        let key = self.listeners.next.fetch_add(1, Ordering::Relaxed);
        lock(&self.listeners.open).push(Listener {
            key,
            subscription,
            filter,
            sink,
        });
        Listening {
            hub: Arc::clone(self),
            key,
        }
    }

    /// Tells the legacy-era sessions kept in the shared store, if any, through their event
    /// logs; returns how many were told. Run once, on the replica where the change happened.
    async fn tell_sessions(&self, _change: &Change<'_>) -> usize {
        #[cfg(feature = "redis")]
        if let Some(sessions) = &self.sessions {
            let uri = match _change {
                Change::Updated(uri) => Some(*uri),
                _ => None,
            };
            let message = encode_notification(_change.method(), &_change.params());
            match sessions.announce(&message, uri).await {
                Ok(told) => return told,
                Err(error) => {
                    tracing::warn!(%error, method = _change.method(), "the shared sessions did not hear of a change");
                }
            }
        }
        0
    }

    /// Local delivery: tells this replica's clients who asked for `change` (legacy-era
    /// connections and `subscriptions/listen` streams); returns how many were told. Every
    /// replica runs it for each change, wherever the change was made.
    pub(crate) async fn tell(&self, change: Change<'_>) -> usize {
        let mut told = 0;
        let params = change.params();
        let legacy = encode_notification(change.method(), &params);
        for connection in self.subscribers.live() {
            let wanted = match change {
                Change::Updated(uri) => connection.subscriptions().contains(uri),
                _ => true,
            };
            if wanted && connection.outbound().send(legacy.clone()).await.is_ok() {
                told += 1;
            }
        }
        let streams: Vec<(RequestId, Outbound)> = lock(&self.listeners.open)
            .iter()
            .filter(|l| l.filter.wants(&change))
            .map(|l| (l.subscription.clone(), l.sink.clone()))
            .collect();
        for (subscription, sink) in streams {
            let mut params = params.clone();
            params["_meta"] = json!({ "io.modelcontextprotocol/subscriptionId": subscription });
            if sink
                .send(encode_notification(change.method(), &params))
                .await
                .is_ok()
            {
                told += 1;
            }
        }
        told
    }

    /// The origin of a change made through the [`Notifier`]: what the replica where it is made
    /// does, and only that replica. With a shared store it records and publishes the change
    /// first (the other replicas apply it and tell their own clients); then it applies the
    /// change here and tells this replica's clients.
    ///
    /// `Ok(None)` when it changed nothing (a switch already in that state); else how many
    /// clients of this replica were told. A switch that cannot be recorded in the shared
    /// store fails with [`Error::Store`] and changes nothing; a resource update that cannot
    /// be published is still told here.
    pub(crate) async fn announce(&self, event: Event<'_>) -> Result<Option<usize>> {
        match event {
            Event::Switch { kind, name, on } => {
                let switches = self.switches(kind);
                let index = switches
                    .index(name)
                    .ok_or_else(|| Error::UnknownCapability(name.to_owned()))?;
                if switches.is_on(index) == on {
                    return Ok(None);
                }
                #[cfg(feature = "redis")]
                if let Some(fanout) = &self.fanout {
                    let version = fanout.publish_switch(kind, name, on).await?;
                    return Ok(match fanout.apply(self, kind, name, on, version) {
                        Some(change) => {
                            Some(self.tell_sessions(&change).await + self.tell(change).await)
                        }
                        None => Some(0),
                    });
                }
                match self.apply(kind, name, on) {
                    Some(change) => Ok(Some(self.tell(change).await)),
                    None => Ok(None),
                }
            }
            Event::Updated(uri) => {
                #[cfg(feature = "redis")]
                if let Some(fanout) = &self.fanout {
                    fanout.publish_update(uri).await;
                }
                let change = Change::Updated(uri);
                Ok(Some(
                    self.tell_sessions(&change).await + self.tell(change).await,
                ))
            }
        }
    }

    /// The switches of `kind`.
    pub(crate) fn switches(&self, kind: Kind) -> &Switches {
        match kind {
            Kind::Tool => &self.tools,
            Kind::Prompt => &self.prompts,
            Kind::Resource => &self.resources,
        }
    }

    /// Switches `name` of `kind` on or off here and rebuilds the lists it is in; the change
    /// to tell, if the switch changed (`None` for an unknown name too).
    pub(crate) fn apply(&self, kind: Kind, name: &str, on: bool) -> Option<Change<'static>> {
        if !self.switches(kind).set(name, on)? {
            return None;
        }
        self.rebuild(kind);
        Some(Change::of(kind))
    }

    /// Re-encodes the lists of `kind` from the switches as they are now.
    pub(crate) fn rebuild(&self, kind: Kind) {
        match kind {
            Kind::Tool => self.tool_list.rebuild(&self.tools, &self.settings),
            Kind::Prompt => self.prompt_list.rebuild(&self.prompts, &self.settings),
            Kind::Resource => {
                self.resource_list.rebuild(&self.resources, &self.settings);
                self.template_list.rebuild(&self.resources, &self.settings);
            }
        }
    }

    /// Completes once this replica has caught up with the changes recorded in the shared
    /// store (at once without one), or the store's timeout has passed.
    pub(crate) async fn ready(&self) {
        #[cfg(feature = "redis")]
        if let Some(fanout) = &self.fanout {
            fanout.ready().await;
        }
    }
}

/// Tells clients what changed, and switches capabilities off and on while the server runs.
///
/// Get one from [`Dispatcher::notifier`](crate::Dispatcher::notifier) or
/// [`Context::notifier`](crate::Context::notifier); clones are cheap.
///
/// Switching a capability off hides it from its list and answers it as unknown; every
/// switch sends `notifications/{tools,prompts,resources}/list_changed` to legacy-era
/// clients and to 2026-07-28 `subscriptions/listen` streams that asked for it.
///
/// With a store shared by replicas (`--store`), a switch made on one replica is made on all
/// of them, and every replica tells its own clients; a resource update reaches the
/// subscribers of every replica. A switch the store cannot record fails with
/// [`Error::Store`](crate::Error::Store) and changes nothing (see the replicas guide).
///
/// ```
/// use mcp_runtime::prelude::*;
///
/// /// Reports the weather.
/// #[tool]
/// fn weather() -> &'static str {
///     "sunny"
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> mcp_runtime::Result<()> {
/// let dispatcher = Server::new("watcher", "1.0.0").tools(tools![weather]).disable("weather").build()?;
/// let notifier = dispatcher.notifier();
/// // Later, from any task: list the tool, and tell the clients.
/// assert!(notifier.enable_tool("weather").await?);
/// assert_eq!(notifier.resource_updated("file:///notes.txt").await, 0); // nobody subscribed
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Notifier {
    pub(crate) hub: Arc<Hub>,
}

impl Notifier {
    /// Notifies every client subscribed to `uri` (`resources/subscribe` in the handshake
    /// era, `resourceSubscriptions` of a `subscriptions/listen` stream since 2026-07-28);
    /// returns how many were told.
    ///
    /// With a shared store, the other replicas tell their own subscribers as well; the
    /// count is this replica's.
    pub async fn resource_updated(&self, uri: &str) -> usize {
        match self.hub.announce(Event::Updated(uri)).await {
            Ok(told) => told.unwrap_or(0),
            Err(_) => 0,
        }
    }

    /// Lists and serves the tool `name` again. `Ok(false)` when it was already on.
    pub async fn enable_tool(&self, name: &str) -> Result<bool> {
        self.switch(Kind::Tool, name, true).await
    }

    /// Hides the tool `name`: it leaves `tools/list` and calls to it are answered as for an
    /// unknown tool. `Ok(false)` when it was already off.
    pub async fn disable_tool(&self, name: &str) -> Result<bool> {
        self.switch(Kind::Tool, name, false).await
    }

    /// Lists and serves the prompt `name` again.
    pub async fn enable_prompt(&self, name: &str) -> Result<bool> {
        self.switch(Kind::Prompt, name, true).await
    }

    /// Hides the prompt `name` from `prompts/list` and `prompts/get`.
    pub async fn disable_prompt(&self, name: &str) -> Result<bool> {
        self.switch(Kind::Prompt, name, false).await
    }

    /// Lists and serves the resource (or resource template) registered for `uri` again.
    pub async fn enable_resource(&self, uri: &str) -> Result<bool> {
        self.switch(Kind::Resource, uri, true).await
    }

    /// Hides the resource (or template) registered for `uri` from the resource lists and
    /// `resources/read`.
    pub async fn disable_resource(&self, uri: &str) -> Result<bool> {
        self.switch(Kind::Resource, uri, false).await
    }

    async fn switch(&self, kind: Kind, name: &str, on: bool) -> Result<bool> {
        let changed = self.hub.announce(Event::Switch { kind, name, on }).await?;
        Ok(changed.is_some())
    }
}

/// The kinds of capabilities that are switched off and on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Kind {
    Tool,
    Prompt,
    Resource,
}

impl std::fmt::Debug for Notifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Notifier").finish_non_exhaustive()
    }
}
