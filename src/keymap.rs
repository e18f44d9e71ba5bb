//! Keys bound to typed actions, loaded from TOML.
//!
//! `keymaps/default.toml` is embedded in the binary; `keymap.toml` in the config
//! dir is merged over it per action (`keys` replaces an action's keys, `add`
//! adds to them, `desc` rewrites the help text). Sections: `global` (handled by
//! the shell), `navigation` (forwarded to the active pane) and one per pane.
//! A binding the keymap cannot understand (unknown action or section, bad key)
//! becomes a warning shown in the console, never a crash. The help overlay and
//! the palette are generated from the live keymap.
//!
//! Names are resolved once, at load time: a bound key maps to the index of its
//! action in the section's [`ActionSet`] table, and [`Keymap::resolve`] hands
//! back a [`Bound`] value — `Global` and `Nav` already typed, a pane's action
//! as the index its own enum turns back into a variant.

use crate::pane::{ActionDef, ActionSet, KeyHints, Nav, PaneId};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::fmt;

pub const DEFAULT_KEYMAP: &str = include_str!("../keymaps/default.toml");

crate::actions! {
    /// Actions the shell itself handles (the `[global]` section).
    pub enum Global {
        Quit = ("quit", "Quit warroom (asks first while a runbook step runs)"),
        Help = ("help", "Show this help: every key in the live keymap"),
        Palette = ("palette", "Command palette: fuzzy-find any action or command"),
        Filter = ("filter", "Filter the current list"),
        NextPane = ("next_pane", "Next pane"),
        PrevPane = ("prev_pane", "Previous pane"),
        PaneWorkloads = ("pane_workloads", "Go to the Workloads pane"),
        PaneContainers = ("pane_containers", "Go to the Containers pane"),
        PaneAlerts = ("pane_alerts", "Go to the Alerts pane"),
        PaneLogs = ("pane_logs", "Go to the Logs pane"),
        PaneBackups = ("pane_backups", "Go to the Backups pane"),
        PaneRunbook = ("pane_runbook", "Go to the Runbook pane"),
        PaneMetrics = ("pane_metrics", "Go to the Metrics pane"),
    }
}

impl Global {
    /// The pane a `pane_*` action goes to.
    pub fn pane(self) -> Option<PaneId> {
        Some(match self {
            Self::PaneWorkloads => PaneId::Workloads,
            Self::PaneContainers => PaneId::Containers,
            Self::PaneAlerts => PaneId::Alerts,
            Self::PaneLogs => PaneId::Logs,
            Self::PaneBackups => PaneId::Backups,
            Self::PaneRunbook => PaneId::Runbook,
            Self::PaneMetrics => PaneId::Metrics,
            _ => return None,
        })
    }
}

/// A keymap section.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Section {
    Global,
    Navigation,
    Pane(PaneId),
}

impl Section {
    pub fn name(self) -> &'static str {
        match self {
            Self::Global => "global",
            Self::Navigation => "navigation",
            Self::Pane(p) => p.section(),
        }
    }
}

/// What a key means, resolved at load time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bound {
    Global(Global),
    Nav(Nav),
    /// Index into the pane's [`ActionSet::ALL`].
    Pane(PaneId, usize),
}

/// Each pane's action table, as the keymap binds it.
pub type Registry = [(PaneId, &'static [ActionDef])];

/// A key name the keymap cannot read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("bad key {0:?} (examples: q, R, ctrl-c, shift-tab, enter, f5)")]
pub struct BadKey(pub String);

/// A key with modifiers, normalised so `R` and `shift-r` are the same key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

impl Key {
    pub fn from_event(ev: &KeyEvent) -> Self {
        Self::normalised(ev.code, ev.modifiers)
    }

    fn normalised(code: KeyCode, mods: KeyModifiers) -> Self {
        let mut mods = mods & (KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SHIFT);
        let code = match code {
            // The character already carries shift; terminals disagree on the flag.
            KeyCode::Char(c) => {
                mods.remove(KeyModifiers::SHIFT);
                if mods.contains(KeyModifiers::CONTROL) {
                    KeyCode::Char(c.to_ascii_lowercase())
                } else {
                    KeyCode::Char(c)
                }
            }
            KeyCode::BackTab => {
                mods.remove(KeyModifiers::SHIFT);
                KeyCode::BackTab
            }
            c => c,
        };
        Self { code, mods }
    }

    /// Parse `q`, `R`, `?`, `ctrl-c`, `alt-x`, `shift-tab`, `enter`, `esc`, `space`, `pgdn`, `f5`.
    pub fn parse(s: &str) -> Result<Self, BadKey> {
        let bad = || BadKey(s.to_string());
        let mut mods = KeyModifiers::NONE;
        let mut rest = s;
        loop {
            let lower = rest.to_ascii_lowercase();
            let (m, len) = if lower.starts_with("ctrl-") {
                (KeyModifiers::CONTROL, 5)
            } else if lower.starts_with("alt-") {
                (KeyModifiers::ALT, 4)
            } else if lower.starts_with("shift-") {
                (KeyModifiers::SHIFT, 6)
            } else {
                break;
            };
            if rest.len() == len {
                break; // "ctrl-" alone: let the key parse fail below
            }
            mods |= m;
            rest = &rest[len..];
        }
        let code = match rest.to_ascii_lowercase().as_str() {
            "enter" | "return" => KeyCode::Enter,
            "esc" | "escape" => KeyCode::Esc,
            "tab" if mods.contains(KeyModifiers::SHIFT) => KeyCode::BackTab,
            "tab" => KeyCode::Tab,
            "backtab" => KeyCode::BackTab,
            "space" => KeyCode::Char(' '),
            "backspace" => KeyCode::Backspace,
            "delete" | "del" => KeyCode::Delete,
            "insert" => KeyCode::Insert,
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            "home" => KeyCode::Home,
            "end" => KeyCode::End,
            "pgup" | "pageup" => KeyCode::PageUp,
            "pgdn" | "pgdown" | "pagedown" => KeyCode::PageDown,
            f if f.len() > 1
                && f.starts_with('f')
                && f[1..].parse::<u8>().is_ok_and(|n| (1..=24).contains(&n)) =>
            {
                KeyCode::F(f[1..].parse().map_err(|_| bad())?)
            }
            _ => {
                let mut chars = rest.chars();
                match (chars.next(), chars.next()) {
                    (Some(c), None) => {
                        if mods.contains(KeyModifiers::SHIFT) && c.is_ascii_alphabetic() {
                            KeyCode::Char(c.to_ascii_uppercase())
                        } else {
                            KeyCode::Char(c)
                        }
                    }
                    _ => return Err(bad()),
                }
            }
        };
        Ok(Self::normalised(code, mods))
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.mods.contains(KeyModifiers::CONTROL) {
            f.write_str("ctrl-")?;
        }
        if self.mods.contains(KeyModifiers::ALT) {
            f.write_str("alt-")?;
        }
        if self.mods.contains(KeyModifiers::SHIFT) {
            f.write_str("shift-")?;
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("space"),
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::Enter => f.write_str("enter"),
            KeyCode::Esc => f.write_str("esc"),
            KeyCode::Tab => f.write_str("tab"),
            KeyCode::BackTab => f.write_str("shift-tab"),
            KeyCode::Backspace => f.write_str("backspace"),
            KeyCode::Delete => f.write_str("del"),
            KeyCode::Up => f.write_str("↑"),
            KeyCode::Down => f.write_str("↓"),
            KeyCode::Left => f.write_str("←"),
            KeyCode::Right => f.write_str("→"),
            KeyCode::Home => f.write_str("home"),
            KeyCode::End => f.write_str("end"),
            KeyCode::PageUp => f.write_str("pgup"),
            KeyCode::PageDown => f.write_str("pgdn"),
            KeyCode::F(n) => write!(f, "f{n}"),
            other => write!(f, "{other:?}"),
        }
    }
}

/// One action's binding in the live keymap.
#[derive(Debug, Clone, PartialEq)]
pub struct Binding {
    pub action: &'static str,
    /// Index into its section's table.
    pub index: usize,
    pub keys: Vec<Key>,
    pub desc: String,
}

#[derive(Debug, Clone)]
pub struct Keymap {
    /// Sections in help order: global, navigation, then the panes.
    sections: Vec<(Section, Vec<Binding>)>,
    lookup: HashMap<(Section, Key), usize>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBinding {
    keys: Option<Vec<String>>,
    add: Option<Vec<String>>,
    desc: Option<String>,
}

/// Sections and action names keep where they stand in the file, so a
/// warning can name the line.
type RawKeymap = BTreeMap<toml::Spanned<String>, BTreeMap<toml::Spanned<String>, RawBinding>>;

/// `origin:LINE` of a name in `text`.
fn at(origin: &str, text: &str, name: &toml::Spanned<String>) -> String {
    let line = text[..name.span().start.min(text.len())]
        .matches('\n')
        .count()
        + 1;
    format!("{origin}:{line}")
}

impl Keymap {
    /// The embedded default keymap merged with the user's file (if any), for
    /// the panes in `registry`. Returns the keymap and warnings for anything
    /// that was skipped.
    pub fn load(
        registry: &Registry,
        user: Option<(&str, &std::path::Path)>,
    ) -> (Self, Vec<String>) {
        let mut warnings = Vec::new();
        let mut map = Self::empty(registry);
        match toml::from_str::<RawKeymap>(DEFAULT_KEYMAP) {
            // The embedded file binds every pane; a partial registry (a
            // pane's own tests) just skips the other sections.
            Ok(raw) => {
                let mut ignored = Vec::new();
                map.merge(raw, "embedded keymap", DEFAULT_KEYMAP, &mut ignored);
                warnings.extend(
                    ignored
                        .into_iter()
                        .filter(|w| !w.contains("unknown section")),
                );
            }
            Err(e) => warnings.push(format!("embedded keymap: {e}")),
        }
        if let Some((text, path)) = user {
            match toml::from_str::<RawKeymap>(text) {
                Ok(raw) => map.merge(raw, &path.display().to_string(), text, &mut warnings),
                Err(e) => warnings.push(format!(
                    "{}: {} (using the default keymap)",
                    path.display(),
                    e.to_string().trim()
                )),
            }
        }
        map.rebuild_lookup(&mut warnings);
        (map, warnings)
    }

    /// The embedded keymap alone, for the panes in `registry`.
    pub fn embedded(registry: &Registry) -> Self {
        Self::load(registry, None).0
    }

    /// The embedded keymap for one pane (plus global and navigation): what a
    /// pane's own tests render with.
    pub fn for_pane<A: ActionSet>(pane: PaneId) -> Self {
        Self::embedded(&[(pane, A::DEFS)])
    }

    fn empty(registry: &Registry) -> Self {
        let bindings = |defs: &'static [ActionDef]| -> Vec<Binding> {
            defs.iter()
                .enumerate()
                .map(|(index, d)| Binding {
                    action: d.name,
                    index,
                    keys: Vec::new(),
                    desc: d.desc.to_string(),
                })
                .collect()
        };
        let mut sections = vec![
            (Section::Global, bindings(Global::DEFS)),
            (Section::Navigation, bindings(Nav::DEFS)),
        ];
        sections.extend(
            registry
                .iter()
                .map(|(p, defs)| (Section::Pane(*p), bindings(defs))),
        );
        Self {
            sections,
            lookup: HashMap::new(),
        }
    }

    fn merge(&mut self, raw: RawKeymap, origin: &str, text: &str, warnings: &mut Vec<String>) {
        for (section_at, actions) in raw {
            let section = section_at.get_ref().as_str();
            let Some((_, bindings)) = self.sections.iter_mut().find(|(s, _)| s.name() == section)
            else {
                let at = at(origin, text, &section_at);
                warnings.push(format!("{at}: unknown section [{section}]"));
                continue;
            };
            for (action_at, rb) in actions {
                let action = action_at.get_ref().as_str();
                let origin = at(origin, text, &action_at);
                let Some(b) = bindings.iter_mut().find(|b| b.action == action) else {
                    warnings.push(format!("{origin}: [{section}] has no action {action:?}"));
                    continue;
                };
                let parse = |keys: Vec<String>, warnings: &mut Vec<String>| -> Vec<Key> {
                    keys.iter()
                        .filter_map(|k| {
                            Key::parse(k)
                                .map_err(|e| {
                                    warnings.push(format!("{origin}: [{section}] {action}: {e}"))
                                })
                                .ok()
                        })
                        .collect()
                };
                if let Some(keys) = rb.keys {
                    b.keys = parse(keys, warnings);
                }
                if let Some(add) = rb.add {
                    for k in parse(add, warnings) {
                        if !b.keys.contains(&k) {
                            b.keys.push(k);
                        }
                    }
                }
                if let Some(desc) = rb.desc {
                    b.desc = desc;
                }
            }
        }
    }

    fn rebuild_lookup(&mut self, warnings: &mut Vec<String>) {
        self.lookup.clear();
        for (section, bindings) in &self.sections {
            for b in bindings {
                for k in &b.keys {
                    if let Some(prev) = self.lookup.insert((*section, *k), b.index)
                        && prev != b.index
                    {
                        warnings.push(format!(
                            "[{}] key {k} is bound to both {} and {}",
                            section.name(),
                            bindings[prev].action,
                            b.action
                        ));
                    }
                }
            }
        }
    }

    /// The action a key means in `section` (no fallback).
    pub fn action_in(&self, section: Section, key: &Key) -> Option<Bound> {
        let i = *self.lookup.get(&(section, *key))?;
        Some(match section {
            Section::Global => Bound::Global(Global::from_index(i)?),
            Section::Navigation => Bound::Nav(Nav::from_index(i)?),
            Section::Pane(p) => Bound::Pane(p, i),
        })
    }

    /// Resolve a key for the active pane: its own section first, then
    /// navigation, then global.
    pub fn resolve(&self, pane: PaneId, key: &Key) -> Option<Bound> {
        [Section::Pane(pane), Section::Navigation, Section::Global]
            .into_iter()
            .find_map(|s| self.action_in(s, key))
    }

    /// Every section, in help order.
    pub fn sections(&self) -> impl Iterator<Item = Section> + '_ {
        self.sections.iter().map(|(s, _)| *s)
    }

    pub fn bindings(&self, section: &str) -> &[Binding] {
        self.sections
            .iter()
            .find(|(s, _)| s.name() == section)
            .map(|(_, b)| b.as_slice())
            .unwrap_or(&[])
    }

    /// `q / ctrl-c` for help and hints; empty when unbound.
    pub fn keys_for(&self, section: &str, action: &str) -> String {
        KeyHints::keys_for(self, section, action)
    }

    /// The keys of a typed action of `pane`.
    pub fn keys_of<A: ActionSet>(&self, pane: PaneId, action: A) -> String {
        self.keys_for(pane.section(), action.name())
    }
}

impl KeyHints for Keymap {
    fn keys_for(&self, section: &str, action: &str) -> String {
        self.bindings(section)
            .iter()
            .find(|b| b.action == action)
            .map(|b| {
                b.keys
                    .iter()
                    .map(Key::to_string)
                    .collect::<Vec<_>>()
                    .join(" / ")
            })
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The embedded file against every pane's table is checked in `runtime`,
    // which knows all the panes.

    fn global(k: &str) -> Key {
        Key::parse(k).unwrap()
    }

    #[test]
    fn user_file_replaces_and_adds_per_action() {
        let user = "[global]\nquit = { keys = [\"ctrl-q\"] }\nhelp = { add = [\"f1\"], desc = \"Halp\" }\n";
        let (km, warnings) = Keymap::load(&[], Some((user, std::path::Path::new("k.toml"))));
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(km.action_in(Section::Global, &global("q")), None);
        assert_eq!(
            km.action_in(Section::Global, &global("ctrl-q")),
            Some(Bound::Global(Global::Quit))
        );
        assert_eq!(
            km.action_in(Section::Global, &global("f1")),
            Some(Bound::Global(Global::Help))
        );
        assert_eq!(
            km.action_in(Section::Global, &global("?")),
            Some(Bound::Global(Global::Help))
        );
        assert!(km.bindings("global").iter().any(|b| b.desc == "Halp"));
    }

    #[test]
    fn bad_user_bindings_warn_and_keep_the_rest() {
        let user = "[global]\nquit = { keys = [\"ctrl-\", \"Q\"] }\nfly = { keys = [\"f\"] }\n[nowhere]\nx = { keys = [\"x\"] }\n";
        let (km, warnings) = Keymap::load(&[], Some((user, std::path::Path::new("k.toml"))));
        assert_eq!(warnings.len(), 3, "{warnings:#?}");
        assert!(warnings.iter().any(|w| w.contains("bad key \"ctrl-\"")));
        assert!(
            warnings
                .iter()
                .any(|w| w == "k.toml:3: [global] has no action \"fly\""),
            "the warning names the file and line: {warnings:#?}"
        );
        assert!(
            warnings
                .iter()
                .any(|w| w == "k.toml:4: unknown section [nowhere]"),
            "{warnings:#?}"
        );
        assert!(
            warnings
                .iter()
                .any(|w| w.starts_with("k.toml:2: [global] quit: bad key")),
            "{warnings:#?}"
        );
        assert_eq!(
            km.action_in(Section::Global, &global("Q")),
            Some(Bound::Global(Global::Quit))
        );
        let (_, w) = Keymap::load(&[], Some(("not toml [", std::path::Path::new("k.toml"))));
        assert!(w[0].contains("using the default keymap"));
    }

    #[test]
    fn keys_parse_and_normalise_like_terminals_send_them() {
        let ev = KeyEvent::new(KeyCode::Char('R'), KeyModifiers::SHIFT);
        assert_eq!(Key::from_event(&ev), Key::parse("R").unwrap());
        assert_eq!(Key::parse("shift-r").unwrap(), Key::parse("R").unwrap());
        let ev = KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT);
        assert_eq!(Key::from_event(&ev), Key::parse("shift-tab").unwrap());
        assert_eq!(Key::parse("ctrl-c").unwrap().to_string(), "ctrl-c");
        assert!(Key::parse("ctrl-alt-delete").is_ok());
        assert!(Key::parse("banana").is_err());
    }

    #[test]
    fn a_pane_section_shadows_navigation_and_global() {
        crate::actions! {
            enum Probe {
                Open = ("open", "Open it"),
            }
        }
        let user = "[logs]\nopen = { keys = [\"enter\", \"q\"] }\n";
        let (km, _) = Keymap::load(
            &[(PaneId::Logs, Probe::DEFS)],
            Some((user, std::path::Path::new("k.toml"))),
        );
        let enter = global("enter");
        assert_eq!(
            km.resolve(PaneId::Logs, &enter),
            Some(Bound::Pane(PaneId::Logs, 0))
        );
        assert_eq!(
            km.resolve(PaneId::Workloads, &enter),
            Some(Bound::Nav(Nav::Select))
        );
        assert_eq!(
            km.resolve(PaneId::Workloads, &global("q")),
            Some(Bound::Global(Global::Quit))
        );
    }
}
