//! The runtime: what the console and the headless commands both run on.
//!
//! This is the one layer that knows every domain: it builds each domain's
//! backend (live or demo), starts the workers, routes their messages, and
//! holds the panes behind [`AnyPane`] — the single place where a pane's own
//! types (actions, forms, palette commands, updates, commands) meet the app's.
//! Domains never import it; the console (`app`) and the headless commands do.

pub mod panes;
pub mod wiring;

pub use panes::{AnyForm, AnyOutcome, AnyPaletteCommand, AnyPane};
pub use wiring::{Hub, Mode, Wiring, Workers, probe_all, start_alone, wire};

use crate::keymap::{Keymap, Registry};
use crate::pane::{ActionSet, PaneId};

/// Every pane's action table, for the keymap, help and the palette.
pub fn registry() -> [(PaneId, &'static [crate::pane::ActionDef]); 7] {
    [
        (PaneId::Workloads, crate::workloads::Action::DEFS),
        (PaneId::Containers, crate::containers::Action::DEFS),
        (PaneId::Alerts, crate::alerts::Action::DEFS),
        (PaneId::Logs, crate::logs::Action::DEFS),
        (PaneId::Backups, crate::backups::Action::DEFS),
        (PaneId::Runbook, crate::runbook::Action::DEFS),
        (PaneId::Metrics, crate::metrics::Action::DEFS),
    ]
}

/// The embedded keymap for every pane, merged with the user's file.
pub fn load_keymap(user: Option<(&str, &std::path::Path)>) -> (Keymap, Vec<String>) {
    let registry: &Registry = &registry();
    Keymap::load(registry, user)
}

/// The embedded keymap merged with the user's file at `path`, if there is
/// one. A file that cannot be read, or is not UTF-8, is a warning like a TOML
/// error (where, and that the default keymap is used), never silently ignored.
pub fn load_keymap_file(path: &std::path::Path) -> (Keymap, Vec<String>) {
    use crate::text::ReadTextError;
    match crate::text::read_text(path) {
        Ok(text) => load_keymap(Some((&text, path))),
        Err(ReadTextError::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => load_keymap(None),
        Err(e) => {
            let (keymap, mut warnings) = load_keymap(None);
            warnings.push(format!(
                "{}: {e} (using the default keymap)",
                path.display()
            ));
            (keymap, warnings)
        }
    }
}

/// The embedded keymap for every pane.
pub fn default_keymap() -> Keymap {
    load_keymap(None).0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The Metrics pane's worker asks a Prometheus the alerts workers report
    /// on: no source of its own, so nothing waits for it or shows it twice.
    #[tokio::test]
    async fn the_metrics_worker_is_not_a_source_of_its_own() {
        let cfg = crate::config::Config::default();
        let wiring = wire(
            &cfg,
            Mode {
                demo: true,
                read_only: false,
                console: false,
            },
            crate::audit::AuditLog::new(tempfile::tempdir().unwrap().path().join("a.jsonl")),
        );
        assert!(!wiring.workers.metrics.is_empty());
        let hub = Hub::start(wiring.workers, wiring.idle);
        assert!(
            !hub.expected.iter().any(|id| id.name == "metrics"),
            "{:?}",
            hub.expected
        );
        assert!(
            hub.expected
                .iter()
                .any(|id| id.kind == crate::source::SourceKind::Prometheus)
        );
    }

    #[test]
    fn embedded_keymap_parses_without_warnings() {
        let (_, warnings) = load_keymap(None);
        assert!(warnings.is_empty(), "{warnings:#?}");
    }

    #[test]
    fn every_action_has_a_binding() {
        let km = default_keymap();
        for section in km.sections().collect::<Vec<_>>() {
            for b in km.bindings(section.name()) {
                assert!(
                    !b.keys.is_empty(),
                    "[{}] {} has no key",
                    section.name(),
                    b.action
                );
            }
        }
    }

    /// A keymap.toml in Latin-1 is a warning like a TOML error, never ignored
    /// in silence; a missing one is no warning at all.
    #[test]
    fn a_keymap_file_that_is_not_utf8_is_a_warning_at_its_line_and_column() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keymap.toml");
        let (_, warnings) = load_keymap_file(&path);
        assert!(warnings.is_empty(), "{warnings:?}");
        std::fs::write(&path, b"[global]\nquit = [\"\xa7\"]\n").unwrap();
        let (km, warnings) = load_keymap_file(&path);
        assert_eq!(
            warnings,
            [format!(
                "{}: invalid UTF-8 at line 2, column 10 (byte 0xa7): save the file as UTF-8 \
                 (using the default keymap)",
                path.display()
            )]
        );
        let q = crate::keymap::Key::parse("q").unwrap();
        assert_eq!(
            km.resolve(PaneId::Logs, &q),
            Some(crate::keymap::Bound::Global(crate::keymap::Global::Quit)),
            "the default keymap applies"
        );
    }

    #[test]
    fn a_pane_section_shadows_navigation_and_global() {
        use crate::keymap::{Bound, Global, Key};
        let km = default_keymap();
        let enter = Key::parse("enter").unwrap();
        assert_eq!(
            km.resolve(PaneId::Workloads, &enter),
            Some(Bound::Nav(crate::pane::Nav::Select))
        );
        let q = Key::parse("q").unwrap();
        assert_eq!(
            km.resolve(PaneId::Logs, &q),
            Some(Bound::Global(Global::Quit))
        );
        let l = Key::parse("l").unwrap();
        assert_eq!(
            km.resolve(PaneId::Workloads, &l),
            Some(Bound::Pane(
                PaneId::Workloads,
                crate::workloads::Action::Logs.index()
            ))
        );
    }
}
