//! Argument completion (`completion/complete`): suggestions for prompt arguments and resource
//! template variables, declared next to the capability.

use std::fmt;
use std::sync::Arc;

/// Suggests values that start from what the user typed so far.
pub type Completer = Arc<dyn Fn(&str) -> Vec<String> + Send + Sync>;

/// The completers of one capability, by argument name.
#[derive(Clone, Default)]
pub(crate) struct Completions(Vec<(&'static str, Completer)>);

impl Completions {
    pub(crate) fn add(&mut self, argument: &'static str, completer: Completer) {
        self.0.retain(|(name, _)| *name != argument);
        self.0.push((argument, completer));
    }

    pub(crate) fn get(&self, argument: &str) -> Option<&Completer> {
        self.0
            .iter()
            .find(|(name, _)| *name == argument)
            .map(|(_, c)| c)
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Completions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.0.iter().map(|(name, _)| name))
            .finish()
    }
}
