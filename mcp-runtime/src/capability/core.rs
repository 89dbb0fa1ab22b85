//! What every capability has, whatever its kind: a name, a title, a description, the
//! permission it declares, the shared state it needs and the completers of its arguments.
//!
//! [`ToolDescriptor`](super::ToolDescriptor), [`ResourceDescriptor`](super::ResourceDescriptor)
//! and [`PromptDescriptor`](super::PromptDescriptor) each embed one [`CapabilityCore`] and
//! share its builder methods, so that the runtime checks and enforces all three the same way.

use std::any::TypeId;
use std::borrow::Cow;
use std::fmt;

use serde_json::{Map, Value};

use super::completion::{Completer, Completions};
use crate::permission::Permission;
use crate::protocol::{Icon, PERMISSION_META_KEY};

/// A `State<T>` a capability needs, checked against the server's registered state when the
/// server is built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StateRequirement {
    pub(crate) type_id: TypeId,
    pub(crate) type_name: &'static str,
}

impl StateRequirement {
    /// The requirement for a `State<T>`.
    pub fn of<T: ?Sized + 'static>() -> Self {
        StateRequirement {
            type_id: TypeId::of::<T>(),
            type_name: std::any::type_name::<T>(),
        }
    }

    /// The name of the required type, as `std::any::type_name` spells it.
    pub fn type_name(&self) -> &'static str {
        self.type_name
    }
}

/// The metadata every capability kind shares.
#[derive(Clone)]
pub struct CapabilityCore {
    pub(crate) name: Cow<'static, str>,
    pub(crate) title: Option<Cow<'static, str>>,
    pub(crate) description: Cow<'static, str>,
    pub(crate) permission: Permission,
    pub(crate) required_state: Vec<StateRequirement>,
    pub(crate) completions: Completions,
    /// How long a call may run, as declared (`#[tool(timeout = "30s")]`).
    pub(crate) timeout: Option<std::time::Duration>,
    /// Images clients can show for it (`#[tool(icons = [...])]`).
    pub(crate) icons: Vec<Icon>,
}

impl CapabilityCore {
    pub(crate) fn new(name: Cow<'static, str>, description: Cow<'static, str>) -> Self {
        CapabilityCore {
            name,
            title: None,
            description,
            permission: Permission::default(),
            required_state: Vec::new(),
            completions: Completions::default(),
            timeout: None,
            icons: Vec::new(),
        }
    }

    /// The name clients call it by (for a resource: its name, not its URI).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The display title, if set.
    pub fn title(&self) -> Option<&str> {
        self.title.as_deref()
    }

    /// The description.
    pub fn description(&self) -> &str {
        &self.description
    }

    /// The declared permission: risk level and scopes.
    pub fn permission(&self) -> &Permission {
        &self.permission
    }

    /// The images clients can show for it.
    pub fn icons(&self) -> &[Icon] {
        &self.icons
    }

    /// The first icon that breaks the rules, with what is wrong with it.
    pub(crate) fn check_icons(&self) -> Result<(), String> {
        self.icons.iter().try_for_each(Icon::check)
    }

    /// The shared state its handler extracts.
    pub fn required_state(&self) -> &[StateRequirement] {
        &self.required_state
    }

    pub(crate) fn add_completer(&mut self, argument: &'static str, completer: Completer) {
        self.completions.add(argument, completer);
    }

    pub(crate) fn completer(&self, argument: &str) -> Option<&Completer> {
        self.completions.get(argument)
    }

    pub(crate) fn has_completions(&self) -> bool {
        !self.completions.is_empty()
    }

    /// The `_meta` object publishing the permission in lists.
    pub(crate) fn permission_meta(&self) -> Map<String, Value> {
        let mut meta = Map::new();
        meta.insert(
            PERMISSION_META_KEY.into(),
            serde_json::to_value(&self.permission).expect("a permission always serialises"),
        );
        meta
    }
}

impl fmt::Debug for CapabilityCore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CapabilityCore")
            .field("name", &self.name)
            .field("title", &self.title)
            .field("permission", &self.permission)
            .field("required_state", &self.required_state)
            .field("completions", &self.completions)
            .finish_non_exhaustive()
    }
}

/// The builder methods every descriptor shares, delegating to its `core` field.
macro_rules! core_builders {
    ($descriptor:ident) => {
        impl $descriptor {
            /// Sets the display title.
            pub fn title(mut self, title: impl Into<::std::borrow::Cow<'static, str>>) -> Self {
                self.core.title = Some(title.into());
                self
            }

            /// Sets the risk level.
            pub fn risk(mut self, risk: $crate::permission::RiskLevel) -> Self {
                self.core.permission.risk = risk;
                self
            }

            /// Adds scopes a caller must hold.
            pub fn scopes<I, S>(mut self, scopes: I) -> Self
            where
                I: IntoIterator<Item = S>,
                S: Into<String>,
            {
                self.core.permission = self.core.permission.with_scopes(scopes);
                self
            }

            /// Adds an image clients can show for it: an `https:` URL or a `data:image/...`
            /// URI, checked when the server is built (`#[tool(icons = [...])]`).
            pub fn icon(mut self, icon: $crate::protocol::Icon) -> Self {
                self.core.icons.push(icon);
                self
            }

            /// Adds images clients can show for it (see [`icon`](Self::icon)).
            pub fn icons(
                mut self,
                icons: impl IntoIterator<Item = $crate::protocol::Icon>,
            ) -> Self {
                self.core.icons.extend(icons);
                self
            }

            /// How long a call may run before it is stopped and answered with an error
            /// (`#[tool(timeout = "30s")]`): instead of [`Server::call_timeout`]'s, and
            /// unless [`Server::timeout_for`] names this capability.
            ///
            /// [`Server::call_timeout`]: crate::Server::call_timeout
            /// [`Server::timeout_for`]: crate::Server::timeout_for
            pub fn timeout(mut self, limit: ::std::time::Duration) -> Self {
                self.core.timeout = Some(limit);
                self
            }

            /// The timeout declared with [`timeout`](Self::timeout), if any.
            pub fn declared_timeout(&self) -> Option<::std::time::Duration> {
                self.core.timeout
            }

            /// Declares that the handler extracts `State<T>`: building a server that has no
            /// `T` registered fails, naming the type.
            pub fn requires_state<T: ?Sized + 'static>(mut self) -> Self {
                self.core
                    .required_state
                    .push($crate::capability::StateRequirement::of::<T>());
                self
            }

            /// The metadata every capability has: name, title, description, permission,
            /// required state.
            pub fn core(&self) -> &$crate::capability::CapabilityCore {
                &self.core
            }

            /// The name.
            pub fn name(&self) -> &str {
                &self.core.name
            }

            /// The description.
            pub fn description(&self) -> &str {
                &self.core.description
            }

            /// The declared permission.
            pub fn permission(&self) -> &$crate::permission::Permission {
                &self.core.permission
            }
        }

        impl AsRef<$crate::capability::CapabilityCore> for $descriptor {
            fn as_ref(&self) -> &$crate::capability::CapabilityCore {
                &self.core
            }
        }
    };
}

pub(crate) use core_builders;
