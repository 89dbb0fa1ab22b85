//! Lists that change while the server runs: capabilities switched off and on by name, and
//! the pages of their lists, re-encoded once per change and shared until the next.

use crate::sync::{lock, read, write};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use serde_json::value::RawValue;
use serde_json::Value;

use super::lists::{self, ModernExtras, Pages};
use crate::protocol::Era;

/// Which capabilities of one kind are switched on, by registration index.
pub(crate) struct Switches {
    on: Vec<AtomicBool>,
    by_name: HashMap<String, usize>,
}

impl Switches {
    /// `names[i]` is the name (or URI) of the capability registered at `i`.
    pub(crate) fn new(names: impl IntoIterator<Item = String>) -> Self {
        let mut by_name = HashMap::new();
        let mut on = Vec::new();
        for (index, name) in names.into_iter().enumerate() {
            by_name.insert(name, index);
            on.push(AtomicBool::new(true));
        }
        Switches { on, by_name }
    }

    pub(crate) fn len(&self) -> usize {
        self.on.len()
    }

    pub(crate) fn is_on(&self, index: usize) -> bool {
        self.on[index].load(Ordering::Acquire)
    }

    pub(crate) fn index(&self, name: &str) -> Option<usize> {
        self.by_name.get(name).copied()
    }

    /// Switches `name` on or off; `Some(true)` when that changed something, `None` for an
    /// unknown name.
    pub(crate) fn set(&self, name: &str, on: bool) -> Option<bool> {
        let index = self.index(name)?;
        Some(self.on[index].swap(on, Ordering::AcqRel) != on)
    }
}

/// One list result (`tools/list`, `prompts/list`, ...): the wire form of each member, in
/// order, and the current pages built from the members switched on.
pub(crate) struct LiveList {
    key: &'static str,
    /// Registration indexes of the members (capabilities the policy lets the list show).
    members: Vec<usize>,
    /// Wire form of each member, for each era.
    items: Vec<[Value; 2]>,
    pages: RwLock<Arc<Pages>>,
    /// Serialises rebuilds, so the last change always wins.
    rebuilding: Mutex<()>,
}

/// What every page carries besides the items.
pub(crate) struct PageSettings {
    pub(crate) page_size: usize,
    pub(crate) meta: Box<RawValue>,
    pub(crate) ttl_ms: u64,
}

impl PageSettings {
    fn extras(&self) -> ModernExtras<'_> {
        ModernExtras {
            meta: &self.meta,
            ttl_ms: self.ttl_ms,
        }
    }
}

impl LiveList {
    /// A list of the capabilities at `members`, whose wire form in an era is
    /// `item(era, index)`.
    pub(crate) fn new(
        key: &'static str,
        members: Vec<usize>,
        item: impl Fn(Era, usize) -> Value,
        switches: &Switches,
        settings: &PageSettings,
    ) -> Self {
        let items = members
            .iter()
            .map(|&index| [item(Era::Legacy, index), item(Era::Modern, index)])
            .collect();
        let list = LiveList {
            key,
            members,
            items,
            pages: RwLock::new(Arc::new(lists::pages(
                key,
                0,
                |_, _| Value::Null,
                settings.page_size,
                &settings.extras(),
            ))),
            rebuilding: Mutex::new(()),
        };
        list.rebuild(switches, settings);
        list
    }

    /// The current pages.
    pub(crate) fn pages(&self) -> Arc<Pages> {
        Arc::clone(&read(&self.pages))
    }

    /// Re-encodes the pages from the members switched on now.
    pub(crate) fn rebuild(&self, switches: &Switches, settings: &PageSettings) {
        let _one_at_a_time = lock(&self.rebuilding);
        let shown: Vec<usize> = (0..self.members.len())
            .filter(|&i| switches.is_on(self.members[i]))
            .collect();
        let pages = lists::pages(
            self.key,
            shown.len(),
            |era, i| {
                let slot = usize::from(era == Era::Modern);
                self.items[shown[i]][slot].clone()
            },
            settings.page_size,
            &settings.extras(),
        );
        *write(&self.pages) = Arc::new(pages);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn settings() -> PageSettings {
        PageSettings {
            page_size: 2,
            meta: lists::to_raw(&json!({})),
            ttl_ms: 0,
        }
    }

    fn names(pages: &Pages, era: Era) -> Vec<String> {
        let version = match era {
            Era::Legacy => crate::protocol::ProtocolVersion::LATEST_LEGACY,
            _ => crate::protocol::ProtocolVersion::LATEST,
        };
        let mut names = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let page: Value =
                serde_json::from_str(pages.get(version, cursor.as_deref()).unwrap().get()).unwrap();
            for item in page["tools"].as_array().unwrap() {
                names.push(item["name"].as_str().unwrap().to_owned());
            }
            match page["nextCursor"].as_str() {
                Some(next) => cursor = Some(next.to_owned()),
                None => return names,
            }
        }
    }

    #[test]
    fn switched_off_members_leave_the_pages_until_switched_on() {
        let switches = Switches::new(["a", "b", "c", "hidden"].map(String::from));
        let list = LiveList::new(
            "tools",
            vec![0, 1, 2],
            |_, i| {
                let name = ["a", "b", "c", "hidden"][i];
                json!({ "name": name })
            },
            &switches,
            &settings(),
        );
        assert_eq!(names(&list.pages(), Era::Legacy), ["a", "b", "c"]);
        assert_eq!(switches.set("b", false), Some(true));
        assert_eq!(switches.set("b", false), Some(false));
        assert_eq!(switches.set("nope", false), None);
        list.rebuild(&switches, &settings());
        assert_eq!(names(&list.pages(), Era::Modern), ["a", "c"]);
        switches.set("b", true);
        list.rebuild(&switches, &settings());
        assert_eq!(names(&list.pages(), Era::Legacy), ["a", "b", "c"]);
    }
}
