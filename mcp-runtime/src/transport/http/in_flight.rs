//! A request's places among those in flight: one of the server's, and one of its caller's.

use std::sync::Arc;

use tokio::sync::OwnedSemaphorePermit;

use crate::sync::lock;

/// A request's place among those in flight: the server's and its caller's.
pub(super) struct InFlight {
    _server: OwnedSemaphorePermit,
    _caller: Option<CallerPlace>,
}

impl InFlight {
    pub(super) fn new(server: OwnedSemaphorePermit, caller: Option<CallerPlace>) -> Self {
        InFlight {
            _server: server,
            _caller: caller,
        }
    }
}

/// Requests in flight per caller.
#[derive(Debug)]
pub(super) struct CallerCounts {
    max: usize,
    counts: std::sync::Mutex<std::collections::HashMap<String, usize>>,
}

impl CallerCounts {
    pub(super) fn new(max: usize) -> Self {
        CallerCounts {
            max: max.max(1),
            counts: Default::default(),
        }
    }

    /// A place for one more request of `caller`, unless it has `max` in flight already.
    pub(super) fn enter(this: &Arc<Self>, caller: String) -> Option<CallerPlace> {
        let mut counts = lock(&this.counts);
        let count = counts.entry(caller.clone()).or_insert(0);
        if *count >= this.max {
            return None;
        }
        *count += 1;
        Some(CallerPlace {
            counts: Arc::clone(this),
            caller,
        })
    }
}

/// One request's place among its caller's; given back when dropped.
pub(super) struct CallerPlace {
    counts: Arc<CallerCounts>,
    caller: String,
}

impl Drop for CallerPlace {
    fn drop(&mut self) {
        let mut counts = lock(&self.counts.counts);
        if let Some(count) = counts.get_mut(&self.caller) {
            *count -= 1;
            if *count == 0 {
                counts.remove(&self.caller);
            }
        }
    }
}
