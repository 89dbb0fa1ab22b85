//! State made when the server is served: [`Server::state_with`](crate::Server::state_with).

use std::any::{Any, TypeId};
use std::error::Error as StdError;
use std::sync::{Arc, Mutex};

use super::context::StateMap;
use crate::error::{Error, Result};

type Make = Box<dyn FnOnce() -> Result<Arc<dyn Any + Send + Sync>> + Send>;

/// A function that makes one state value, kept until the server is built. The mutex only
/// makes the function shareable (it runs once, by value): a `Server` stays `Sync` whatever
/// the function captures.
pub(crate) struct Pending(Mutex<Make>);

impl Pending {
    pub(crate) fn new<T, E, F>(make: F) -> Self
    where
        T: Send + Sync + 'static,
        E: Into<Box<dyn StdError + Send + Sync>>,
        F: FnOnce() -> std::result::Result<T, E> + Send + 'static,
    {
        Pending(Mutex::new(Box::new(move || match make() {
            Ok(value) => Ok(Arc::new(value) as Arc<dyn Any + Send + Sync>),
            Err(source) => Err(Error::StateInit {
                type_name: std::any::type_name::<T>(),
                source: source.into(),
            }),
        })))
    }

    fn make(self) -> Result<Arc<dyn Any + Send + Sync>> {
        let make = self.0.into_inner().unwrap_or_else(|e| e.into_inner());
        make()
    }
}

/// The functions given to `Server::state_with`, in the order they were given, with the type
/// each makes (one per type).
#[derive(Default)]
pub(crate) struct PendingList(Vec<(TypeId, Pending)>);

impl PendingList {
    /// Adds `pending`, replacing the function given earlier for the same type.
    pub(crate) fn insert(&mut self, type_id: TypeId, pending: Pending) {
        self.remove(type_id);
        self.0.push((type_id, pending));
    }

    pub(crate) fn remove(&mut self, type_id: TypeId) {
        self.0.retain(|(made, _)| *made != type_id);
    }
}

/// Makes every pending value, in the order the functions were given, and adds it to `state`;
/// stops at the first failure.
pub(crate) fn make_all(pending: PendingList, state: &mut StateMap) -> Result<()> {
    for (type_id, pending) in pending.0 {
        state.insert(type_id, pending.make()?);
    }
    Ok(())
}

/// Stands for a value that is not made, so that the capabilities taking it pass the check
/// that their state is registered; a dispatcher holding one only describes the server.
struct Unmade;

/// Counts the pending values as registered without making them.
pub(crate) fn stand_in(pending: PendingList, state: &mut StateMap) {
    for (type_id, _) in pending.0 {
        state.insert(type_id, Arc::new(Unmade));
    }
}
