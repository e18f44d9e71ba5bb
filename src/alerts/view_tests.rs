//! The alerts pane rendered: snapshots at 80x24, colours, sanitising, stale
//! sources, the per-endpoint health lines and partial polls.

use super::model::*;
use super::pane::AlertsPane;
use super::test_support::{
    alert, am, ctx, estate, labels, pane_with_estate, prom, render, render_at, snap, ts,
};
use crate::config::Config;
use crate::pane::Pane;
use crate::pane::testing::Press;
use crate::source::SourceId;

// ---- rendering ------------------------------------------------------------------------

#[test]
fn snapshot_grouped_alerts() {
    let mut p = pane_with_estate();
    p.press("select", &ctx());
    let buf = render(&mut p, 80, 24, false);
    insta::assert_snapshot!(crate::ui::buffer_text(&buf));
}

#[test]
fn snapshot_silences_view() {
    let mut p = pane_with_estate();
    p.press("toggle_silences", &ctx());
    let buf = render(&mut p, 80, 24, false);
    insta::assert_snapshot!(crate::ui::buffer_text(&buf));
}

#[test]
fn severity_carries_its_colour_and_symbol() {
    let mut p = pane_with_estate();
    p.press("bottom", &ctx()); // the selection restyles its row
    let buf = render(&mut p, 80, 24, false);
    let theme = crate::theme::Theme::fallback(false);
    let text = crate::ui::buffer_text(&buf);
    let row = |needle: &str| text.lines().position(|l| l.contains(needle)).unwrap() as u16;
    let crit = &buf[(1, row("ServiceDown"))];
    assert_eq!(crit.symbol(), "✗");
    assert_eq!(crit.fg, theme.critical.fg.unwrap());
    let warn = &buf[(1, row("HighLatency"))];
    assert_eq!(warn.symbol(), "!");
    assert_eq!(warn.fg, theme.warning.fg.unwrap());
    // A silenced group reads as handled: its state is muted.
    let y = row("DiskSpaceLow");
    let x = text
        .lines()
        .nth(y as usize)
        .unwrap()
        .find("silenced")
        .unwrap() as u16;
    assert_eq!(buf[(x, y)].fg, theme.muted.fg.unwrap_or_default());
}

#[test]
fn read_only_hides_mutating_hints_and_tiny_areas_do_not_panic() {
    let mut p = pane_with_estate();
    let text = crate::ui::buffer_text(&render(&mut p, 80, 24, true));
    assert!(
        !text.contains("silence  ") && text.contains("runbook"),
        "{text}"
    );
    render(&mut p, 20, 5, false);
    render(&mut p, 3, 2, false);
    p.press("toggle_silences", &ctx());
    render(&mut p, 20, 5, false);
    let mut empty = AlertsPane::new(&Config::default());
    render(&mut empty, 20, 5, false);
}

#[test]
fn hostile_annotations_are_sanitised() {
    let mut p = AlertsPane::new(&Config::default());
    let mut a = alert(
        &[
            ("alertname", "Evil\x1b]0;pwned\x07"),
            ("severity", "critical"),
        ],
        AlertState::Firing,
        5,
    );
    a.annotations = labels(&[("summary", "\x1b[2Jclear\rscreen")]);
    p.apply(super::Update::Snapshot(Box::new(snap(am("a"), 0, vec![a]))));
    let buf = render(&mut p, 80, 24, false);
    for cell in buf.content() {
        assert!(!cell.symbol().contains('\x1b') && !cell.symbol().contains('\r'));
    }
    assert!(crate::ui::buffer_text(&buf).contains("clear␍screen"));
}

// ---- stale sources, endpoint health, partial polls ------------------------------

const REFUSED: &str =
    "GET http://127.0.0.1:9093/api/v2/alerts: cannot connect: Connection refused (os error 111)";

fn down(p: &mut AlertsPane, source: SourceId, reason: &str) {
    p.apply(super::Update::Down {
        source,
        reason: reason.into(),
    });
}

fn line_with<'a>(text: &'a str, needle: &str) -> &'a str {
    text.lines()
        .find(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("no line with {needle:?} in\n{text}"))
}

#[test]
fn a_down_alertmanager_keeps_its_alerts_marked_stale_until_it_recovers() {
    let mut p = pane_with_estate();
    down(&mut p, am("main"), REFUSED);
    let text = crate::ui::buffer_text(&render_at(&mut p, 80, 24, false, 120));
    // Never blank: every alert is still listed.
    for name in ["ServiceDown", "HighLatency", "DiskSpaceLow"] {
        assert!(text.contains(name), "{name} missing:\n{text}");
    }
    // Only Alertmanager reported DiskSpaceLow: its data is 2m old.
    assert!(
        line_with(&text, "DiskSpaceLow").contains("stale 2m"),
        "{text}"
    );
    // Prometheus, still up, vouches for ServiceDown and HighLatency.
    assert!(!line_with(&text, "ServiceDown").contains("stale"), "{text}");
    assert!(!line_with(&text, "HighLatency").contains("stale"), "{text}");
    // The endpoint line names the dead one, its cause and the data age.
    let health = line_with(&text, "prom:main ✓");
    assert!(
        health.contains("am:main ✗ cannot connect: Connection refused (os error 111) (2m)"),
        "{text}"
    );
    assert!(text.contains(" · 1 down"), "{text}");
    // The detail says which source is down for the focused alert.
    assert!(text.contains("from am:main (stale 2m),prom:"), "{text}");
    // Its silences are stale too.
    p.press("toggle_silences", &ctx());
    let text = crate::ui::buffer_text(&render_at(&mut p, 80, 24, false, 120));
    assert!(
        line_with(&text, "DiskSpaceLow").contains("stale 2m"),
        "{text}"
    );

    // The report says the same: stale only where no live source remains.
    let r = serde_json::to_value(p.report(jiff::Timestamp::now()).unwrap()).unwrap();
    let probs = r["problems"].as_array().unwrap();
    let by = |n: &str| probs.iter().find(|x| x["name"] == n).unwrap().clone();
    assert_eq!(by("DiskSpaceLow")["stale"], true);
    assert_eq!(by("ServiceDown")["stale"], false);
    assert_eq!(
        by("ServiceDown")["stale_sources"],
        serde_json::json!(["am:main"])
    );

    // A successful poll clears every marker.
    let (mut fresh, _) = estate();
    fresh.at = ts(120);
    fresh.silences_at = Some(ts(120));
    fresh.rules_at = Some(ts(120));
    p.apply(super::Update::Snapshot(Box::new(fresh)));
    for view in ["silences", "alerts"] {
        let text = crate::ui::buffer_text(&render_at(&mut p, 80, 24, false, 120));
        assert!(!text.contains("stale"), "{view}:\n{text}");
        assert!(text.contains("prom:main ✓  am:main ✓"), "{view}:\n{text}");
        p.press("toggle_silences", &ctx());
    }
    let r = serde_json::to_value(p.report(jiff::Timestamp::now()).unwrap()).unwrap();
    assert!(
        r["problems"]
            .as_array()
            .unwrap()
            .iter()
            .all(|x| x["stale"] != true)
    );
}

#[test]
fn snapshot_alertmanager_down() {
    let mut p = pane_with_estate();
    down(&mut p, am("main"), REFUSED);
    let buf = render_at(&mut p, 80, 24, false, 120);
    insta::assert_snapshot!(crate::ui::buffer_text(&buf));
}

#[test]
fn a_source_down_from_the_start_shows_no_data_and_marks_nothing_else() {
    let mut p = AlertsPane::new(&Config::default());
    p.apply(super::Update::Snapshot(Box::new(snap(
        prom("main"),
        0,
        vec![alert(&[("alertname", "A")], AlertState::Firing, 5)],
    ))));
    down(&mut p, am("main"), REFUSED);
    let text = crate::ui::buffer_text(&render_at(&mut p, 80, 24, false, 60));
    assert!(text.contains("am:main ✗ cannot connect"), "{text}");
    assert!(text.contains("(no data)"), "{text}");
    assert!(!line_with(&text, "  A ").contains("stale"), "{text}");
}

#[test]
fn endpoint_lines_split_when_one_line_cannot_hold_them() {
    let mut p = pane_with_estate();
    let long = format!("GET http://x/api: {}", "very long reason ".repeat(6));
    down(&mut p, am("main"), &long);
    down(&mut p, am("second"), REFUSED);
    let text = crate::ui::buffer_text(&render_at(&mut p, 80, 24, false, 60));
    // The healthy one keeps a line, each down one gets its own.
    assert!(
        line_with(&text, "prom:main ✓")
            .trim_end_matches('│')
            .trim_end()
            .ends_with('✓'),
        "{text}"
    );
    assert!(
        line_with(&text, "am:main ✗").contains("very long reason"),
        "{text}"
    );
    assert!(
        line_with(&text, "am:second ✗").contains("Connection refused (os error 111) (no data)"),
        "{text}"
    );
    // The long reason is cut, not the data age after it: every troubled
    // line ends inside the pane with its `(…)` suffix.
    for who in ["am:main ✗", "am:second ✗"] {
        let line = line_with(&text, who);
        let inner = line.trim_end_matches('│').trim_end();
        assert!(inner.ends_with(')'), "{who} lost its data age: {line:?}");
    }
    assert!(line_with(&text, "am:main ✗").contains('…'), "{text}");
    // The alerts table still has room.
    assert!(text.contains("ServiceDown"), "{text}");
}

#[test]
fn failing_rules_and_silences_calls_keep_alerts_and_carry_the_rest_over_stale() {
    let mut p = pane_with_estate();
    let (mut am_snap, mut prom_snap) = estate();
    // The next poll: alerts fine, side requests failed.
    prom_snap.at = ts(60);
    prom_snap.broken_rules.clear();
    prom_snap.rules_total = 0;
    prom_snap.rules_at = None;
    prom_snap.partial = vec![(
        "rules".into(),
        "GET http://prom:9090/api/v1/rules: HTTP 503 Service Unavailable: \"busy\"".into(),
    )];
    am_snap.at = ts(60);
    am_snap.silences.clear();
    am_snap.silences_at = None;
    am_snap.partial = vec![(
        "silences".into(),
        "GET http://am:9093/api/v2/silences: HTTP 500: \"oops\"".into(),
    )];
    for s in [prom_snap, am_snap] {
        p.apply(super::Update::Snapshot(Box::new(s)));
    }
    let text = crate::ui::buffer_text(&render_at(&mut p, 80, 24, false, 120));
    for name in ["ServiceDown", "HighLatency", "DiskSpaceLow"] {
        assert!(!line_with(&text, name).contains("stale"), "{text}");
    }
    // The broken rule from the previous poll stays, marked with its age.
    assert!(
        line_with(&text, "rule redis").contains("stale 2m"),
        "{text}"
    );
    // Both endpoints say what is missing (on one line, or split).
    assert!(text.contains("prom:main ! rules: HTTP 503"), "{text}");
    assert!(text.contains("am:main ! silences: HTTP 500"), "{text}");
    assert!(!text.contains("· 1 down"), "{text}");
    p.press("toggle_silences", &ctx());
    let text = crate::ui::buffer_text(&render_at(&mut p, 80, 24, false, 120));
    assert!(
        line_with(&text, "DiskSpaceLow").contains("stale 2m"),
        "{text}"
    );
    // The next full poll makes them current again.
    let (mut am_snap, _) = estate();
    am_snap.at = ts(120);
    am_snap.silences_at = Some(ts(120));
    p.apply(super::Update::Snapshot(Box::new(am_snap)));
    let text = crate::ui::buffer_text(&render_at(&mut p, 80, 24, false, 120));
    assert!(
        !line_with(&text, "DiskSpaceLow").contains("stale"),
        "{text}"
    );
    assert!(text.contains("am:main ✓"), "{text}");
}
