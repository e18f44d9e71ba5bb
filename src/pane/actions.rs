//! Keymap actions as types.
//!
//! Each pane declares its actions once, with [`actions!`]: an enum whose
//! variants are the actions, and beside each its keymap name and help text.
//! The keymap, `?` help and the `:` palette read the names and descriptions
//! from that one table ([`ActionSet::DEFS`]); the keymap turns a bound name
//! into the action's index once, at load time, and a pane receives the enum
//! value and matches it exhaustively — so an action no pane handles does not
//! compile, and a misspelled name in a keymap file is a warning at load time,
//! never a key that silently does nothing.

use std::fmt::Debug;

/// A named action a key can be bound to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActionDef {
    pub name: &'static str,
    pub desc: &'static str,
}

/// Shorthand for building [`ActionDef`] tables.
pub const fn def(name: &'static str, desc: &'static str) -> ActionDef {
    ActionDef { name, desc }
}

/// A closed set of actions (one keymap section). Implemented by [`actions!`].
pub trait ActionSet: Copy + Eq + Debug + Send + Sync + 'static {
    /// Every action, in help order; `ALL[i].index() == i`.
    const ALL: &'static [Self];
    /// Name and help text of each action, in the same order as `ALL`.
    const DEFS: &'static [ActionDef];

    fn index(self) -> usize;

    fn def(self) -> ActionDef {
        Self::DEFS[self.index()]
    }
    fn name(self) -> &'static str {
        self.def().name
    }
    /// The action at a keymap index (`None` only for an index from another set).
    fn from_index(i: usize) -> Option<Self> {
        Self::ALL.get(i).copied()
    }
    /// The action a keymap name stands for (used when loading keymaps and in tests).
    fn from_name(name: &str) -> Option<Self> {
        Self::DEFS
            .iter()
            .position(|d| d.name == name)
            .map(|i| Self::ALL[i])
    }
}

/// Declare a keymap section's actions: the enum, its [`ActionSet`] table.
///
/// ```ignore
/// actions! {
///     /// The workloads pane's actions.
///     pub enum Action {
///         /// Follow the selected pod's logs.
///         Logs = ("logs", "Follow the selected pod's logs"),
///     }
/// }
/// ```
#[macro_export]
macro_rules! actions {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = ($key:literal, $desc:literal) ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        $vis enum $name {
            $( $(#[$vmeta])* $variant ),+
        }

        impl $crate::pane::ActionSet for $name {
            const ALL: &'static [Self] = &[$(Self::$variant),+];
            const DEFS: &'static [$crate::pane::ActionDef] =
                &[$($crate::pane::def($key, $desc)),+];
            fn index(self) -> usize {
                self as usize
            }
        }
    };
}

crate::actions! {
    /// Navigation every list pane answers; the app forwards these to the
    /// active pane (they live in the keymap's `[navigation]` section).
    pub enum Nav {
        Up = ("up", "Move the selection up"),
        Down = ("down", "Move the selection down"),
        PageUp = ("page_up", "Move up one page"),
        PageDown = ("page_down", "Move down one page"),
        Top = ("top", "Jump to the first row"),
        Bottom = ("bottom", "Jump to the last row"),
        Select = ("select", "Open / expand the selection"),
        Back = ("back", "Close the detail view / go back"),
        Left = ("left", "Scroll left / previous tab"),
        Right = ("right", "Scroll right / next tab"),
    }
}

/// What reaches a pane from the keymap: a navigation key or one of its own actions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input<A> {
    Nav(Nav),
    Action(A),
}

impl<A: ActionSet> Input<A> {
    /// The keymap name (for logs and tests).
    pub fn name(self) -> &'static str {
        match self {
            Self::Nav(n) => n.name(),
            Self::Action(a) => a.name(),
        }
    }
}

/// A pane with no actions of its own (placeholders, tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NoAction {}

impl ActionSet for NoAction {
    const ALL: &'static [Self] = &[];
    const DEFS: &'static [ActionDef] = &[];
    fn index(self) -> usize {
        match self {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    crate::actions! {
        enum Demo {
            First = ("first", "The first"),
            Second = ("second", "The second"),
        }
    }

    #[test]
    fn the_table_and_the_enum_agree() {
        assert_eq!(Demo::ALL.len(), Demo::DEFS.len());
        for (i, a) in Demo::ALL.iter().enumerate() {
            assert_eq!(a.index(), i);
            assert_eq!(Demo::from_index(i), Some(*a));
            assert_eq!(Demo::from_name(a.name()), Some(*a));
        }
        assert_eq!(Demo::Second.def().desc, "The second");
        assert_eq!(Demo::from_name("third"), None);
        assert_eq!(Nav::from_name("page_down"), Some(Nav::PageDown));
    }
}
