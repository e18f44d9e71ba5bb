//! Whole-console snapshots on the demo estate: every pane at 80x24, the
//! workloads pane at 160x48, the help overlay and the palette.
//!
//! The demo workers run for real (same code path as `warroom --demo`) until
//! every source has settled; ages in the text depend on the wall clock, so
//! they are masked with same-width placeholders before snapshotting.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::time::Duration;
use warroom::app::draw::render_to_buffer;
use warroom::app::{App, AppOptions};
use warroom::audit::AuditLog;
use warroom::config::Config;
use warroom::pane::PaneId;
use warroom::runtime::{Hub, Mode, wire};
use warroom::theme::Theme;
use warroom::ui::buffer_text;

struct Demo {
    app: App,
    _hub: Hub,
}

/// One data dir for the whole test binary, set once before any worker runs:
/// demo runbook journals must not land in the developer's real data dir.
fn data_dir() -> &'static std::path::Path {
    static DIR: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        // SAFETY: runs once, inside OnceLock initialisation, before any test starts a worker.
        unsafe { std::env::set_var("WARROOM_DATA_DIR", dir.path()) };
        dir
    })
    .path()
}

async fn demo() -> Demo {
    let dir = data_dir();
    let wiring = wire(
        &Config::default(),
        Mode {
            demo: true,
            read_only: false,
            console: true,
        },
        AuditLog::new(dir.join("audit.jsonl")),
    );
    let mut app = App::new(
        wiring.panes,
        AppOptions {
            clock: warroom::clock::Clock::system(),
            keymap: warroom::runtime::default_keymap(),
            theme: Theme::fallback(false),
            read_only: false,
            demo: true,
            warnings: vec![],
        },
    );
    let mut hub = Hub::start(wiring.workers, wiring.idle);
    hub.settle(Duration::from_secs(10), |u| {
        app.apply(u);
    })
    .await;
    Demo { app, _hub: hub }
}

/// Mask clock-dependent tokens (`45s`, `3m`, `2h5m`, `12:04:05`) keeping
/// widths; sparkline bars (which grow with the session clock) become blanks.
fn mask(text: &str) -> String {
    let text: String = text
        .chars()
        .map(|c| {
            if ('\u{2581}'..='\u{2588}').contains(&c) {
                ' '
            } else {
                c
            }
        })
        .collect();
    let text = text.as_str();
    let re =
        regex::Regex::new(r"\b\d+[smhd](\d+[smh])?\b|\b\d{2}:\d{2}(:\d{2}(\.\d+)?)?\b").unwrap();
    re.replace_all(text, |c: &regex::Captures| "◦".repeat(c[0].chars().count()))
        .into_owned()
}

fn key(c: char) -> KeyEvent {
    KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)
}

fn screen(app: &mut App, w: u16, h: u16) -> (String, ratatui::buffer::Buffer) {
    let buf = render_to_buffer(app, w, h, jiff::Timestamp::now());
    (mask(&buffer_text(&buf)), buf)
}

#[tokio::test]
async fn every_pane_at_80x24() {
    let mut d = demo().await;
    for (i, pane) in PaneId::ALL.iter().enumerate() {
        d.app.handle_key(key(char::from(b'1' + i as u8)));
        assert_eq!(d.app.active, *pane);
        let (text, buf) = screen(&mut d.app, 80, 24);
        assert!(
            text.lines().next().unwrap().contains("DEMO"),
            "the DEMO label is always on screen"
        );
        // The active pane's tab carries the active style; the others do not.
        let theme = Theme::fallback(false);
        let first_row: String = (0..80).map(|x| buf[(x, 0)].symbol().to_string()).collect();
        let col = first_row.find(pane.title()).expect("pane title in the bar") as u16;
        assert_eq!(
            buf[(col, 0)].bg,
            theme.tab_active.bg.unwrap(),
            "{} tab not highlighted",
            pane.title()
        );
        if *pane == PaneId::Logs {
            // The demo log streams live lines, so its content is asserted by
            // shape here (the logs pane has fixture snapshots of its own).
            assert!(text.contains("LIVE") && text.contains("LogQL"), "{text}");
            let log_rows = text
                .lines()
                .filter(|l| l.contains(" I ") || l.contains(" E ") || l.contains(" W "))
                .count();
            assert!(
                log_rows >= 10,
                "the log viewer should fill the pane:\n{text}"
            );
            continue;
        }
        if *pane == PaneId::Backups {
            // The demo dumps land on the quarter hour like real ones, so ages,
            // file names and even warning-vs-ok depend on the wall clock; the
            // backups pane has fixed-clock snapshots of its own. Here: every
            // source is listed, breaches first, then warnings, then ok.
            for name in [
                "postgres-analytics",
                "orders-db-cronjob",
                "files",
                "postgres-orders",
            ] {
                assert!(text.contains(name), "{name} missing:\n{text}");
            }
            let ranks: Vec<u8> = text
                .lines()
                .skip(3)
                .map_while(|l| match l.chars().nth(1) {
                    Some('✗') => Some(0),
                    Some('!') => Some(1),
                    Some('✓') => Some(2),
                    _ => None,
                })
                .collect();
            assert_eq!(ranks.len(), 4, "{text}");
            assert!(
                ranks.windows(2).all(|w| w[0] <= w[1]),
                "breaches first:\n{text}"
            );
            assert!(
                text.contains("AGE/RPO")
                    && text.contains("RPO breach")
                    && text.contains("newest good"),
                "{text}"
            );
            continue;
        }
        insta::assert_snapshot!(format!("demo_80x24_{}", pane.section()), text);
    }
}

#[tokio::test]
async fn workloads_at_160x48() {
    let mut d = demo().await;
    let (text, _) = screen(&mut d.app, 160, 48);
    insta::assert_snapshot!("demo_160x48_workloads", text);
}

#[tokio::test]
async fn help_overlay_lists_the_live_keymap() {
    let mut d = demo().await;
    d.app.handle_key(key('?'));
    let (text, _) = screen(&mut d.app, 80, 24);
    assert!(text.contains("Help"));
    insta::assert_snapshot!("help_80x24", text);
}

#[tokio::test]
async fn palette_fuzzy_matches() {
    let mut d = demo().await;
    d.app.handle_key(key(':'));
    for c in "undo".chars() {
        d.app.handle_key(key(c));
    }
    let (text, _) = screen(&mut d.app, 80, 24);
    assert!(text.contains("rollout undo"), "{text}");
    insta::assert_snapshot!("palette_undo_80x24", text);
}

#[tokio::test]
async fn demo_report_names_problems_in_every_section() {
    data_dir();
    let report = warroom::headless::report::collect(
        &Config::default(),
        Mode {
            demo: true,
            read_only: false,
            console: false,
        },
    )
    .await;
    let json: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap();
    for key in ["workloads", "containers", "alerts", "logs", "backups"] {
        assert!(json.get(key).is_some(), "report JSON lacks {key}: {json:#}");
    }
    assert_eq!(json["demo"], true);
}

/// The real panes in demo state (not stubs), each with its detail (or form)
/// open, the help overlay and the palette, at sizes down to 1x1: nothing
/// panics, and from 20 columns the DEMO label stays on the pane bar.
#[tokio::test]
async fn every_real_pane_survives_tiny_terminals() {
    let mut d = demo().await;
    for (i, _) in PaneId::ALL.iter().enumerate() {
        d.app.handle_key(key(char::from(b'1' + i as u8)));
        for open in [false, true] {
            if open {
                d.app
                    .handle_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
            }
            for (w, h) in [(20, 5), (1, 1), (10, 3), (80, 3), (30, 24), (200, 4)] {
                let (text, _) = screen(&mut d.app, w, h);
                // (An open form may cover everything at these sizes.)
                if w >= 20 && !open {
                    assert!(
                        text.lines().next().unwrap_or("").contains("DEMO"),
                        "{w}x{h} lost the DEMO label:\n{text}"
                    );
                }
            }
        }
        d.app
            .handle_key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE));
        d.app
            .handle_key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE));
    }
    for overlay in ['?', ':'] {
        d.app.handle_key(key(overlay));
        for (w, h) in [(20, 5), (1, 1), (12, 2)] {
            screen(&mut d.app, w, h);
        }
        d.app
            .handle_key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE));
    }
}

/// `E` on the workloads pane: the demo's events, warnings first, and enter
/// opens the object an event is about; tiny terminals do not break it.
#[tokio::test]
async fn the_demo_events_view_opens_the_object_of_an_event() {
    let mut d = demo().await;
    d.app.handle_key(key('1'));
    d.app.handle_key(key('E'));
    let (text, _) = screen(&mut d.app, 80, 24);
    assert!(text.contains("Workloads · events —"), "{text}");
    assert!(text.contains("⚠ BackOff"), "{text}");
    for (w, h) in [(20, 5), (1, 1), (80, 3), (200, 4)] {
        screen(&mut d.app, w, h);
    }
    // The first row is the object with the newest warning; enter opens it.
    d.app
        .handle_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
    let (text, _) = screen(&mut d.app, 80, 24);
    assert!(text.contains("Workloads · Pod "), "{text}");
    assert!(text.contains("Events ("), "the pod's own events: {text}");
}

/// `N` on the workloads pane: the demo's nodes, and `d` asks for the drain's
/// timeout, then for the preview of a drain of the selected node (nothing
/// runs before it).
#[tokio::test]
async fn the_demo_nodes_view_asks_for_a_drain_preview() {
    let mut d = demo().await;
    d.app.handle_key(key('1'));
    d.app.handle_key(key('N'));
    let (text, _) = screen(&mut d.app, 80, 24);
    assert!(text.contains("Workloads · nodes (4)"), "{text}");
    assert!(text.contains("ip-10-0-1-23"), "{text}");
    let asked = d.app.handle_key(key('d'));
    assert!(d.app.overlay.is_some(), "a form: {asked:?}");
    let (text, _) = screen(&mut d.app, 80, 24);
    assert!(
        text.contains("Drain node") && text.contains("timeout"),
        "the form: {text}"
    );
    let effects = d
        .app
        .handle_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
    let drain = effects.iter().find_map(|e| match e {
        warroom::app::Effect::Preview { spec, .. } => Some(spec.clone()),
        _ => None,
    });
    let Some(warroom::action::ActionSpec::Drain {
        target, timeout, ..
    }) = drain
    else {
        panic!("no drain preview asked: {effects:?}")
    };
    assert!(target.name.starts_with("ip-10-0-"), "{target}");
    assert_eq!(timeout.as_secs(), 300);
    for (w, h) in [(20, 5), (1, 1), (80, 3)] {
        screen(&mut d.app, w, h);
    }
}

/// `y` on the workloads pane: the demo worker answers with the selected
/// object's manifest, shown full-pane and labelled DEMO; esc closes it.
#[tokio::test]
async fn y_shows_the_demo_manifest_of_the_selection() {
    let mut d = demo().await;
    d.app.handle_key(key('1'));
    let effects = d.app.handle_key(key('y'));
    let mut sent = 0;
    for e in effects {
        if let warroom::app::Effect::Command(c) = e {
            d._hub.send(c);
            sent += 1;
        }
    }
    assert_eq!(sent, 1, "one fetch asked of the worker");
    let app = &mut d.app;
    d._hub
        .settle(Duration::from_secs(5), |u| {
            app.apply(u);
        })
        .await;
    let (text, _) = screen(&mut d.app, 80, 24);
    assert!(text.contains("Workloads · manifest "), "{text}");
    assert!(text.contains("(DEMO)"), "{text}");
    assert!(text.contains("apiVersion: "), "{text}");
    assert!(text.contains("warroom.dev/demo"), "{text}");
    for (w, h) in [(20, 5), (1, 1), (80, 3)] {
        screen(&mut d.app, w, h);
    }
    d.app
        .handle_key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE));
    let (text, _) = screen(&mut d.app, 80, 24);
    assert!(!text.contains("Workloads · manifest "), "{text}");
}
