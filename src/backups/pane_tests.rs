//! Pane rendering and key handling: snapshots at 80x24 of the demo estate,
//! colours that carry meaning, and the actions the keys request.

use super::model::SourceData;
use super::pane::{BackupsPane, report_section};
use crate::action::{ActionOutcome, ActionSpec};
use crate::config::Config;
use crate::pane::testing::Press;
use crate::pane::{Outcome, Pane, PaneCtx, SourceState};
use crate::source::{SourceId, SourceKind, SourceStatus};
use crate::theme::Theme;
use crate::ui::testing::{Scene, draw};
use jiff::Timestamp;
use ratatui::buffer::Buffer;
use std::collections::BTreeMap;

fn now() -> Timestamp {
    "2026-01-31T14:37:00Z".parse().unwrap()
}

fn pane_with(sources: Vec<SourceData>) -> BackupsPane {
    let mut p = BackupsPane::new(&Config::default());
    for s in sources {
        assert!(p.apply(super::Update::Source(Box::new(s))));
    }
    p
}

fn render(
    p: &mut BackupsPane,
    w: u16,
    h: u16,
    read_only: bool,
    sources: &BTreeMap<SourceId, SourceState>,
) -> Buffer {
    let scene = Scene {
        theme: Theme::load("default", false).unwrap(),
        read_only,
        demo: true,
        ..Scene::at(now(), sources)
    };
    draw(p, w, h, &scene)
}

fn pctx(read_only: bool) -> PaneCtx {
    PaneCtx {
        read_only,
        now: now(),
    }
}

/// The cell where `text` starts on screen.
fn find(buf: &Buffer, text: &str) -> (u16, u16) {
    let t = crate::ui::buffer_text(buf);
    for (y, line) in t.lines().enumerate() {
        if let Some(byte) = line.find(text) {
            let x = unicode_width::UnicodeWidthStr::width(&line[..byte]);
            return (x as u16, y as u16);
        }
    }
    panic!("{text:?} not on screen:\n{t}");
}

#[test]
fn list_view_of_the_demo_estate_sorts_breaches_first() {
    let mut p = pane_with(super::demo::sources_at(now()));
    let buf = render(&mut p, 80, 24, false, &BTreeMap::new());
    let text = crate::ui::buffer_text(&buf);
    insta::assert_snapshot!("backups_list_80x24", text);
    let breach = text.find("postgres-analytics").unwrap();
    let warn = text.find("orders-db-cronjob").unwrap();
    let ok = text.find("postgres-orders").unwrap();
    assert!(breach < warn && warn < ok, "{text}");
    // The detail of the selected (breaching) source says so, with its failure.
    assert!(text.contains("last failure"), "{text}");
}

#[test]
fn status_colours_distinguish_ok_warning_and_breach() {
    let theme = Theme::load("default", false).unwrap();
    let mut p = pane_with(super::demo::sources_at(now()));
    render(&mut p, 80, 24, false, &BTreeMap::new());
    // Select the last row, so the breach row shows its own colours.
    p.press("bottom", &pctx(false));
    let buf = render(&mut p, 80, 24, false, &BTreeMap::new());
    let (x, y) = find(&buf, "RPO breach");
    assert_eq!(buf[(x, y)].fg, theme.critical.fg.unwrap());
    let (x, y) = find(&buf, "near RPO");
    assert_eq!(buf[(x, y)].fg, theme.warning.fg.unwrap());
    let (x, y) = find(&buf, "3h17m/1h");
    assert_eq!(buf[(x, y)].fg, theme.critical.fg.unwrap());
    let (x, y) = find(&buf, "1h2m/4h");
    assert_eq!(buf[(x, y)].fg, theme.ok.fg.unwrap());
    let (x, y) = find(&buf, "never");
    assert_eq!(buf[(x, y)].fg, theme.warning.fg.unwrap());
}

#[test]
fn detail_view_lists_restore_points_and_actions_target_the_selected_point() {
    let mut p = pane_with(super::demo::sources_at(now()));
    render(&mut p, 80, 24, false, &BTreeMap::new());
    // Move to postgres-orders (last row) and open it.
    assert_eq!(p.press("bottom", &pctx(false)), Outcome::Handled);
    assert_eq!(p.press("select", &pctx(false)), Outcome::Handled);
    let buf = render(&mut p, 80, 24, false, &BTreeMap::new());
    let text = crate::ui::buffer_text(&buf);
    insta::assert_snapshot!("backups_points_80x24", text);
    p.press("down", &pctx(false));
    assert_eq!(
        p.press("restore", &pctx(false)),
        Outcome::Request(ActionSpec::Restore {
            source: "postgres-orders".into(),
            point: Some("app_20260131_141500.sql.gz".into()),
        })
    );
    assert_eq!(
        p.press("verify", &pctx(false)),
        Outcome::Request(ActionSpec::VerifyBackup {
            source: "postgres-orders".into(),
            point: Some("app_20260131_141500.sql.gz".into()),
        })
    );
    assert_eq!(p.press("back", &pctx(false)), Outcome::Handled);
    // From the list, the action names the source: the newest good point is meant.
    assert_eq!(
        p.press("verify", &pctx(false)),
        Outcome::Request(ActionSpec::VerifyBackup {
            source: "postgres-orders".into(),
            point: None,
        })
    );
}

#[test]
fn read_only_hides_and_refuses_restore() {
    let mut p = pane_with(super::demo::sources_at(now()));
    let text = crate::ui::buffer_text(&render(&mut p, 80, 24, true, &BTreeMap::new()));
    assert!(
        !text.contains("restore  ") && !text.contains("R restore"),
        "{text}"
    );
    assert!(
        matches!(p.press("restore", &pctx(true)), Outcome::Notify(m) if m.contains("read-only"))
    );
    assert!(matches!(
        p.press("verify", &pctx(true)),
        Outcome::Request(_)
    ));
}

#[test]
fn unreachable_and_unconfigured_sources_say_what_to_fix() {
    let cfg = Config::parse(
        "[[backups]]\nname = \"files\"\nkind = \"restic\"\nrepository = \"/srv/r\"\npassword_file = \"/run/p\"\nrpo = \"4h\"\n",
        std::path::Path::new("c.toml"),
    )
    .unwrap();
    let mut p = BackupsPane::new(&cfg);
    let mut sources = BTreeMap::new();
    sources.insert(
        SourceId::new(SourceKind::Backups, "files"),
        SourceState {
            status: SourceStatus::Unreachable {
                reason: "wrong restic password for /srv/r".into(),
                hint: "check `password_file`".into(),
            },
            last_data: None,
            since: now(),
        },
    );
    let text = crate::ui::buffer_text(&render(&mut p, 80, 24, false, &sources));
    assert!(text.contains("wrong restic password"), "{text}");
    assert!(text.contains("check `password_file`"), "{text}");

    let mut empty = BackupsPane::new(&Config::default());
    let mut sources = BTreeMap::new();
    sources.insert(
        SourceId::new(SourceKind::Backups, ""),
        SourceState {
            status: SourceStatus::NotConfigured {
                hint: "add a [[backups]] entry".into(),
            },
            last_data: None,
            since: now(),
        },
    );
    let text = crate::ui::buffer_text(&render(&mut empty, 80, 24, false, &sources));
    assert!(
        text.contains("not configured: add a [[backups]] entry"),
        "{text}"
    );
}

#[test]
fn tiny_terminals_and_hostile_names_do_not_break_rendering() {
    let mut sources = super::demo::sources_at(now());
    sources[0].name = "evil\x1b[2J\x07name".into();
    if let Some(f) = sources[0].failure.as_mut() {
        f.message = "\x1b]52;c;AAAA\x07boom".into();
    }
    let mut p = pane_with(sources);
    for (w, h) in [(20, 5), (1, 1), (0, 0), (80, 3), (200, 60)] {
        let buf = render(&mut p, w, h, false, &BTreeMap::new());
        assert!(!crate::ui::buffer_text(&buf).contains('\x1b'));
    }
    p.press("select", &pctx(false));
    render(&mut p, 20, 5, false, &BTreeMap::new());
}

#[test]
fn action_results_are_shown_in_the_pane() {
    let mut p = pane_with(super::demo::sources_at(now()));
    let spec = ActionSpec::VerifyBackup {
        source: "postgres-analytics".into(),
        point: Some("app_corrupt".into()),
    };
    assert!(p.on_action_done(
        &spec,
        &Err(crate::action::ActionError::Command {
            message: "app_corrupt: gzip integrity check failed".into(),
            exit_code: Some(1),
        })
    ));
    let text = crate::ui::buffer_text(&render(&mut p, 80, 24, false, &BTreeMap::new()));
    assert!(
        text.contains("✗ verify-backup postgres-analytics/app_corrupt: app_corrupt: gzip"),
        "{text}"
    );
    let ok = Ok(ActionOutcome {
        summary: "restored x".into(),
        restore_point_time: None,
    });
    assert!(p.on_action_done(
        &ActionSpec::Restore {
            source: "x".into(),
            point: None
        },
        &ok
    ));
    assert!(!p.on_action_done(&ActionSpec::ContainerStart { name: "x".into() }, &ok));
}

#[test]
fn report_has_one_object_per_source_with_breaches_marked() {
    let section = report_section(&super::demo::sources_at(now()), now());
    assert_eq!(section.status, "problems");
    assert_eq!(section.problems.len(), 4);
    let first = &section.problems[0];
    assert_eq!(first.name, "postgres-analytics");
    assert_eq!(first.fields["status"], "breach");
    assert_eq!(first.fields["breach"], true);
    assert_eq!(first.fields["rpo"], "1h");
    assert_eq!(first.fields["age"], "3h17m");
    assert!(
        first.fields["newest_point"]
            .as_str()
            .unwrap()
            .starts_with("app_2026")
    );
    let ok = section
        .problems
        .iter()
        .find(|p| p.name == "postgres-orders")
        .unwrap();
    assert_eq!(ok.fields["status"], "ok");
    assert_eq!(ok.fields["breach"], false);
    assert!(
        section.summary.contains("1 outside RPO"),
        "{}",
        section.summary
    );

    let fresh: Vec<SourceData> = super::demo::sources_at(now())
        .into_iter()
        .filter(|s| s.name == "postgres-orders")
        .collect();
    assert_eq!(report_section(&fresh, now()).status, "ok");
}

#[test]
fn a_backup_falling_behind_its_rpo_and_catching_up_is_observed_once() {
    use super::model::RestorePoint;
    use crate::observed::Change;
    let rpo = std::time::Duration::from_secs(15 * 60);
    let scan = |minutes_old: i64| {
        let mut s = SourceData::new("postgres", "directory", rpo);
        let t = jiff::Timestamp::from_second(now().as_second() - minutes_old * 60).unwrap();
        s.points.push(RestorePoint::ok("app_0314.sql.gz", t));
        s
    };
    let late = super::pane::rpo_change(&scan(10), &scan(20), now()).expect("behind");
    assert_eq!(late.change, Change::BackupLate);
    assert_eq!(late.place.to_string(), "backup/postgres");
    assert_eq!(late.detail, "newest good point 20m old (RPO 15m)");
    let back = super::pane::rpo_change(&scan(20), &scan(1), now()).expect("back");
    assert_eq!(back.change, Change::BackupOnTime);
    assert!(
        super::pane::rpo_change(&scan(20), &scan(30), now()).is_none(),
        "still late"
    );
    assert!(
        super::pane::rpo_change(&scan(5), &scan(13), now()).is_none(),
        "near is not late"
    );
}
