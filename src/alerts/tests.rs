//! Unit tests across the alerts modules: merging and grouping, the pane's
//! keys and forms, the report, the silence handler against a fake
//! Alertmanager, and rendered snapshots at 80x24.

use super::actions::{AmApi, SilenceError, SilenceHandler};
use super::api::PostableSilence;
use super::model::*;
use super::pane::AlertsPane;
use crate::action::{ActionHandler, ActionSpec, PreviewLine, Progress};
use crate::config::Config;
use crate::pane::testing::Press;
use crate::pane::{Jump, Outcome, Pane, PaneCtx, RenderCtx};
use crate::source::{SourceId, SourceKind};
use jiff::Timestamp;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

const NOW: i64 = 1_790_000_000;

fn ts(offset: i64) -> Timestamp {
    Timestamp::from_second(NOW + offset).unwrap()
}

fn labels(pairs: &[(&str, &str)]) -> Labels {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn alert(pairs: &[(&str, &str)], state: AlertState, ago: i64) -> Alert {
    let mut a = Alert::new(labels(pairs), state);
    a.active_at = Some(ts(-ago));
    a
}

fn am(name: &str) -> SourceId {
    SourceId::new(SourceKind::Alertmanager, name)
}

fn prom(name: &str) -> SourceId {
    SourceId::new(SourceKind::Prometheus, name)
}

fn snap(source: SourceId, at: i64, alerts: Vec<Alert>) -> Snapshot {
    let mut s = Snapshot::new(source, ts(at));
    s.alerts = alerts;
    s
}

fn ctx() -> PaneCtx {
    PaneCtx {
        read_only: false,
        now: ts(0),
    }
}

/// The estate most tests look at: two ServiceDown, one HighLatency (pending
/// in Prometheus), one silenced DiskSpaceLow, one broken rule.
fn estate() -> (Snapshot, Snapshot) {
    let mut down1 = alert(
        &[
            ("alertname", "ServiceDown"),
            ("severity", "critical"),
            ("job", "dispatch"),
            ("instance", "dispatch:3002"),
            ("namespace", "ridendine"),
            ("deployment", "dispatch"),
        ],
        AlertState::Firing,
        720,
    );
    down1.annotations = labels(&[
        ("summary", "dispatch is down"),
        ("runbook_url", "docs/runbooks/restart-service.md"),
    ]);
    let mut down2 = alert(
        &[
            ("alertname", "ServiceDown"),
            ("severity", "critical"),
            ("job", "routing"),
            ("instance", "routing:3003"),
            ("namespace", "ridendine"),
            ("deployment", "routing"),
        ],
        AlertState::Firing,
        540,
    );
    down2.annotations = labels(&[("summary", "routing is down")]);
    let mut disk = alert(
        &[
            ("alertname", "DiskSpaceLow"),
            ("severity", "warning"),
            ("instance", "db-1:9100"),
        ],
        AlertState::Silenced,
        3 * 3600,
    );
    disk.silenced_by = vec!["sil-1".into()];
    let mut am_snap = snap(am("main"), 0, vec![down1.clone(), down2.clone(), disk]);
    am_snap.silences = vec![Silence {
        id: "sil-1".into(),
        matchers: vec![super::matcher::Matcher::eq("alertname", "DiskSpaceLow")],
        state: SilenceState::Active,
        created_by: "bob@ops-bastion".into(),
        comment: "disk expansion scheduled (OPS-412)".into(),
        starts_at: Some(ts(-3600)),
        ends_at: Some(ts(3 * 3600)),
        alertmanager: "main".into(),
    }];
    let latency = alert(
        &[
            ("alertname", "HighLatency"),
            ("severity", "warning"),
            ("job", "api"),
        ],
        AlertState::Pending,
        60,
    );
    let mut prom_snap = snap(prom("main"), 0, vec![down1, down2, latency]);
    prom_snap.broken_rules = vec![BrokenRule {
        group: "redis.rules".into(),
        name: "redis:memory_used:ratio".into(),
        health: "err".into(),
        last_error: "vector contains metrics with the same labelset".into(),
    }];
    prom_snap.rules_total = 3;
    (am_snap, prom_snap)
}

fn pane_with_estate() -> AlertsPane {
    let mut p = AlertsPane::new(&Config::default());
    let (a, b) = estate();
    p.apply(super::Update::Snapshot(Box::new(b)));
    p.apply(super::Update::Snapshot(Box::new(a)));
    p
}

// ---- model -------------------------------------------------------------------

#[test]
fn merge_joins_sources_and_takes_silence_from_alertmanager() {
    let base = [("alertname", "A"), ("severity", "critical")];
    let mut silenced = alert(
        &[
            ("alertname", "A"),
            ("severity", "critical"),
            ("cluster", "prod"),
        ],
        AlertState::Silenced,
        10,
    );
    silenced.silenced_by = vec!["s".into()];
    let merged = merge(&[
        snap(prom("p"), 0, vec![alert(&base, AlertState::Firing, 30)]),
        snap(am("a"), 0, vec![silenced]),
    ]);
    assert_eq!(
        merged.len(),
        1,
        "external labels added by Alertmanager still match"
    );
    assert_eq!(merged[0].alert.state, AlertState::Silenced);
    assert_eq!(merged[0].sources, [am("a"), prom("p")]);
    assert_eq!(
        merged[0].alert.active_at,
        Some(ts(-30)),
        "the earliest start wins"
    );
}

#[test]
fn groups_are_severity_ordered_with_suppressed_last() {
    let (a, b) = estate();
    let merged = merge(&[a, b]);
    let groups = group(
        &merged,
        &["alertname".into()],
        &super::matcher::Filter::default(),
    );
    let titles: Vec<String> = groups.iter().map(Group::title).collect();
    assert_eq!(titles, ["ServiceDown", "HighLatency", "DiskSpaceLow"]);
    assert_eq!(groups[0].firing, 2);
    assert_eq!(groups[0].severity, AlertSeverity::Critical);
    assert!(groups[0].differing.contains(&"instance".to_string()));
    assert!(!groups[0].differing.contains(&"namespace".to_string()));
    assert_eq!(groups[2].state, AlertState::Silenced);
    let f = super::matcher::Filter::parse(r#"job=~"rout.*""#);
    let only = group(&merged, &["alertname".into()], &f);
    assert_eq!(only.len(), 1);
    assert_eq!(only[0].alerts.len(), 1);
}

#[test]
fn grouping_by_several_labels_splits_groups() {
    let merged = merge(&[snap(
        am("a"),
        0,
        vec![
            alert(
                &[("alertname", "X"), ("namespace", "a")],
                AlertState::Firing,
                1,
            ),
            alert(
                &[("alertname", "X"), ("namespace", "b")],
                AlertState::Firing,
                1,
            ),
        ],
    )]);
    let g = group(
        &merged,
        &["alertname".into(), "namespace".into()],
        &Default::default(),
    );
    assert_eq!(g.len(), 2);
    assert_eq!(g[0].title(), "X · a");
}

#[test]
fn severity_spellings_and_order() {
    assert!(AlertSeverity::Critical > AlertSeverity::Warning);
    assert!(AlertSeverity::Warning > AlertSeverity::Info);
    assert!(AlertSeverity::Info > AlertSeverity::None);
    assert_eq!(
        AlertSeverity::from_label(Some("page")),
        AlertSeverity::Critical
    );
    assert_eq!(
        AlertSeverity::from_label(Some("WARN")),
        AlertSeverity::Warning
    );
    assert_eq!(AlertSeverity::from_label(None), AlertSeverity::None);
}

#[test]
fn silence_matchers_pin_a_group_or_one_alert() {
    let a = labels(&[
        ("alertname", "ServiceDown"),
        ("job", "dispatch"),
        ("namespace", "ridendine"),
    ]);
    let b = labels(&[
        ("alertname", "ServiceDown"),
        ("job", "routing"),
        ("namespace", "ridendine"),
    ]);
    let group_ms: Vec<String> = matchers_for(&[&a, &b], &["alertname".into()])
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        group_ms,
        [r#"alertname="ServiceDown""#, r#"namespace="ridendine""#]
    );
    let one: Vec<String> = matchers_for(&[&a], &["alertname".into()])
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(one.len(), 3);
    assert!(one.contains(&r#"job="dispatch""#.to_string()));
}

// ---- pane keys, forms, jumps, report ----------------------------------------------------

#[test]
fn silence_form_prefills_matchers_and_targets_the_reporting_alertmanager() {
    let mut p = pane_with_estate();
    let Outcome::Form(form) = p.press("silence", &ctx()) else {
        panic!("expected a form")
    };
    assert!(
        form.title.contains("2 alert(s) on am:main"),
        "{}",
        form.title
    );
    assert_eq!(
        form.fields[0].value,
        r#"alertname="ServiceDown" namespace="ridendine" severity="critical""#
    );
    let values = vec![
        form.fields[0].value.clone(),
        "30m".into(),
        "restarting dispatch".into(),
    ];
    match p.on_form(form.payload.clone(), &values, &ctx()) {
        Outcome::Request(ActionSpec::Silence {
            matchers,
            duration,
            comment,
            alertmanager,
        }) => {
            assert_eq!(matchers.len(), 3);
            assert_eq!(duration, Duration::from_secs(1800));
            assert_eq!(comment, "restarting dispatch");
            assert_eq!(alertmanager.as_deref(), Some("main"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_silence_form_without_comment_or_with_bad_input_comes_back() {
    let mut p = pane_with_estate();
    let Outcome::Form(form) = p.press("silence", &ctx()) else {
        panic!()
    };
    for (values, err) in [
        (
            vec![form.fields[0].value.clone(), "30m".into(), "".into()],
            "comment",
        ),
        (
            vec![form.fields[0].value.clone(), "soon".into(), "x".into()],
            "soon",
        ),
        (
            vec!["alertname=~\"(\"".into(), "30m".into(), "x".into()],
            "regex",
        ),
    ] {
        match p.on_form(form.payload.clone(), &values, &ctx()) {
            Outcome::Many(v) => {
                assert!(matches!(&v[0], Outcome::Form(f) if f.fields[1].value == values[1]));
                assert!(
                    matches!(&v[1], Outcome::Notify(t) if t.contains(err)),
                    "{v:?}"
                );
            }
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn ack_is_one_key_for_a_short_silence_and_read_only_refuses() {
    let mut cfg = Config::default();
    cfg.alerts.ack_duration = Duration::from_secs(600);
    let mut p = AlertsPane::new(&cfg);
    let (a, _) = estate();
    p.apply(super::Update::Snapshot(Box::new(a)));
    match p.press("ack", &ctx()) {
        Outcome::Request(ActionSpec::Silence {
            duration, comment, ..
        }) => {
            assert_eq!(duration, Duration::from_secs(600));
            assert!(comment.starts_with("ack by "));
        }
        other => panic!("{other:?}"),
    }
    let ro = PaneCtx {
        read_only: true,
        now: ts(0),
    };
    for action in ["ack", "silence", "expire_silence"] {
        assert!(
            matches!(p.press(action, &ro), Outcome::Notify(t) if t.contains("read-only")),
            "{action}"
        );
    }
}

#[test]
fn expire_from_the_silences_view_and_from_a_silenced_alert() {
    let mut p = pane_with_estate();
    p.press("toggle_silences", &ctx());
    let want = Outcome::Request(ActionSpec::ExpireSilence {
        id: "sil-1".into(),
        alertmanager: Some("main".into()),
    });
    assert_eq!(p.press("expire_silence", &ctx()), want);
    p.press("toggle_silences", &ctx());
    p.press("bottom", &ctx());
    p.press("up", &ctx());
    assert_eq!(
        p.press("expire_silence", &ctx()),
        want,
        "DiskSpaceLow is silenced by sil-1"
    );
}

#[test]
fn jumps_go_to_runbook_logs_and_workload() {
    let mut p = pane_with_estate();
    p.press("select", &ctx()); // expand ServiceDown
    p.press("down", &ctx()); // its first alert (dispatch)
    assert_eq!(
        p.press("open_runbook", &ctx()),
        Outcome::Jump(Jump::Runbook {
            path: "docs/runbooks/restart-service.md".into()
        })
    );
    assert_eq!(
        p.press("jump_logs", &ctx()),
        Outcome::Jump(Jump::LogQuery {
            query: r#"{namespace="ridendine", job="dispatch"}"#.into()
        })
    );
    assert_eq!(
        p.press("jump_target", &ctx()),
        Outcome::Jump(Jump::Workload {
            namespace: Some("ridendine".into()),
            name: "dispatch".into()
        })
    );
    p.press("down", &ctx()); // routing: no runbook annotation
    assert!(
        matches!(p.press("open_runbook", &ctx()), Outcome::Notify(t) if t.contains("no runbook_url"))
    );
}

#[test]
fn report_lists_firing_and_silenced_alerts_and_broken_rules() {
    let p = pane_with_estate();
    let r = p.report(jiff::Timestamp::now()).unwrap();
    let v = serde_json::to_value(&r).unwrap();
    let problems = v["problems"].as_array().unwrap();
    let down = problems
        .iter()
        .find(|x| x["name"] == "ServiceDown")
        .unwrap();
    assert_eq!(down["severity"], "critical");
    assert_eq!(down["state"], "firing");
    assert!(down["labels"]["job"].as_str().is_some());
    assert_eq!(down["source"], "am:main,prom:main");
    let disk = problems
        .iter()
        .find(|x| x["name"] == "DiskSpaceLow")
        .unwrap();
    assert_eq!(disk["state"], "silenced");
    assert_eq!(disk["silenced"], true);
    let rule = problems
        .iter()
        .find(|x| x["state"] == "broken_rule")
        .unwrap();
    assert_eq!(rule["name"], "redis:memory_used:ratio");
    assert!(
        problems.iter().all(|x| x["name"] != "HighLatency"),
        "pending is not firing"
    );
    assert!(r.summary.contains("2 firing"), "{}", r.summary);
}

// ---- the silence handler against a fake Alertmanager --------------------------------------

struct FakeAm {
    names: Vec<String>,
    alerts: BTreeMap<String, Vec<Alert>>,
    created: Mutex<Vec<(String, PostableSilence)>>,
}

#[async_trait::async_trait]
impl AmApi for FakeAm {
    fn names(&self) -> Vec<String> {
        self.names.clone()
    }
    async fn alerts(&self, am: &str) -> Result<Vec<Alert>, SilenceError> {
        Ok(self.alerts.get(am).cloned().unwrap_or_default())
    }
    async fn silences(&self, _am: &str) -> Result<Vec<Silence>, SilenceError> {
        Ok(Vec::new())
    }
    async fn create(&self, am: &str, s: &PostableSilence) -> Result<String, SilenceError> {
        self.created.lock().unwrap().push((
            am.into(),
            PostableSilence {
                matchers: s.matchers.clone(),
                starts_at: s.starts_at.clone(),
                ends_at: s.ends_at.clone(),
                created_by: s.created_by.clone(),
                comment: s.comment.clone(),
            },
        ));
        Ok("new-id".into())
    }
    async fn expire(&self, _am: &str, _id: &str) -> Result<(), SilenceError> {
        Ok(())
    }
}

fn fake() -> FakeAm {
    let (a, _) = estate();
    let mut alerts = BTreeMap::new();
    alerts.insert("east".to_string(), Vec::new());
    alerts.insert("west".to_string(), a.alerts);
    FakeAm {
        names: vec!["east".into(), "west".into()],
        alerts,
        created: Mutex::new(Vec::new()),
    }
}

fn silence(matchers: &[&str], am: Option<&str>) -> ActionSpec {
    ActionSpec::Silence {
        matchers: matchers.iter().map(|s| s.to_string()).collect(),
        duration: Duration::from_secs(1800),
        comment: "restarting dispatch".into(),
        alertmanager: am.map(Into::into),
    }
}

#[tokio::test]
async fn preview_lists_exactly_the_alerts_the_matchers_silence() {
    let h = SilenceHandler::new(fake());
    let p = h
        .preview(&silence(
            &["alertname=ServiceDown", r#"job=~"disp.*""#],
            None,
        ))
        .await
        .unwrap();
    assert_eq!(
        p.location, "alertmanager west",
        "the one reporting matching alerts"
    );
    let removed: Vec<&String> = p
        .lines
        .iter()
        .filter_map(|l| match l {
            PreviewLine::Removed(s) => Some(s),
            _ => None,
        })
        .collect();
    assert_eq!(removed.len(), 1);
    assert!(removed[0].contains("dispatch:3002"));
    assert!(p.blocked.is_none());
    let p = h
        .preview(&silence(&["alertname=Nope"], Some("east")))
        .await
        .unwrap();
    assert!(
        p.lines.iter().any(
            |l| matches!(l, PreviewLine::Warning(w) if w.contains("matches no current alert"))
        )
    );
    let p = h
        .preview(&silence(&[r#"job=~".*""#], Some("east")))
        .await
        .unwrap();
    assert!(p.blocked.unwrap().contains("empty"));
    let e = h
        .preview(&silence(&["a=b"], Some("north")))
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("north") && e.contains("east, west"), "{e}");
}

#[tokio::test]
async fn execute_posts_matchers_author_and_end_to_the_chosen_alertmanager() {
    let h = SilenceHandler::new(fake());
    let out = h
        .execute(
            &silence(&["alertname=ServiceDown", "job!=routing"], Some("east")),
            Progress::discard(),
        )
        .await
        .unwrap();
    assert!(out.summary.contains("new-id") && out.summary.contains("east"));
    let created = h.api.created.lock().unwrap();
    let (am, s) = &created[0];
    assert_eq!(am, "east");
    assert_eq!(s.created_by, crate::identity::operator());
    assert_eq!(s.comment, "restarting dispatch");
    assert_eq!(s.matchers[1].name, "job");
    assert!(!s.matchers[1].is_equal && !s.matchers[1].is_regex);
    let start: Timestamp = s.starts_at.parse().unwrap();
    let end: Timestamp = s.ends_at.parse().unwrap();
    assert_eq!(end.as_second() - start.as_second(), 1800);
}

// ---- rendering ------------------------------------------------------------------------

fn render(p: &mut AlertsPane, w: u16, h: u16, read_only: bool) -> Buffer {
    render_at(p, w, h, read_only, 0)
}

fn render_at(p: &mut AlertsPane, w: u16, h: u16, read_only: bool, now: i64) -> Buffer {
    let theme = crate::theme::Theme::fallback(false);
    let keymap =
        crate::keymap::Keymap::for_pane::<crate::alerts::Action>(crate::pane::PaneId::Alerts);
    let sources = BTreeMap::new();
    let rctx = RenderCtx {
        theme: &theme,
        keymap: &keymap,
        now: ts(now),
        read_only,
        demo: false,
        sources: &sources,
    };
    let area = Rect::new(0, 0, w, h);
    let mut buf = Buffer::empty(area);
    p.render(area, &mut buf, &rctx);
    buf
}

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

// ---- acks and the Alertmanager choice ------------------------------------------

/// The estate with a second ServiceDown silenced by an ack (`ack by …`).
fn pane_with_an_ack() -> AlertsPane {
    let mut p = AlertsPane::new(&Config::default());
    let (mut a, b) = estate();
    a.alerts[1].state = AlertState::Silenced;
    a.alerts[1].silenced_by = vec!["ack-1".into()];
    a.silences.push(Silence {
        id: "ack-1".into(),
        matchers: vec![super::matcher::Matcher::eq("job", "routing")],
        state: SilenceState::Active,
        created_by: "alice@bastion-1".into(),
        comment: "ack by alice@bastion-1".into(),
        starts_at: Some(ts(-60)),
        ends_at: Some(ts(840)),
        alertmanager: "main".into(),
    });
    for s in [b, a] {
        p.apply(super::Update::Snapshot(Box::new(s)));
    }
    p
}

#[test]
fn acknowledged_alerts_are_shown_apart_from_silenced_ones() {
    let mut p = pane_with_an_ack();
    let text = crate::ui::buffer_text(&render(&mut p, 100, 24, false));
    assert!(
        text.contains("1 silenced · 1 acked"),
        "the title counts them apart:\n{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.contains("silenced") && l.contains("DiskSpaceLow")),
        "a plain silence still reads silenced:\n{text}"
    );
    // The ServiceDown group: one firing, one acked; expanded, the acked row says so.
    p.press("select", &ctx());
    let text = crate::ui::buffer_text(&render(&mut p, 100, 24, false));
    assert!(
        text.lines()
            .any(|l| l.contains("acked") && l.contains("routing")),
        "{text}"
    );
    // karma's acks count too; a silence that is not an ack does not.
    let mut s = Silence {
        id: "k".into(),
        matchers: vec![],
        state: SilenceState::Active,
        created_by: "karma".into(),
        comment: "ACK! This alert was acknowledged using karma".into(),
        starts_at: None,
        ends_at: None,
        alertmanager: "main".into(),
    };
    assert!(s.is_ack());
    s.comment = "acknowledged upstream outage".into();
    assert!(!s.is_ack());

    let report = p.report(jiff::Timestamp::now()).unwrap();
    let json = serde_json::to_value(&report.problems).unwrap();
    let acked: Vec<&serde_json::Value> = json
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["acked"] == true)
        .collect();
    assert_eq!(acked.len(), 1, "{json:#}");
    assert_eq!(acked[0]["labels"]["job"], "routing");
}

#[test]
fn with_several_alertmanagers_the_silence_form_lets_the_operator_choose() {
    let mut p = pane_with_estate();
    // One Alertmanager: no choice to make, no field.
    let Outcome::Form(form) = p.press("silence", &ctx()) else {
        panic!()
    };
    assert_eq!(form.fields.len(), 3);
    p.apply(super::Update::Snapshot(Box::new(snap(am("dr"), 0, vec![]))));
    let Outcome::Form(form) = p.press("silence", &ctx()) else {
        panic!()
    };
    assert_eq!(form.fields.len(), 4);
    assert_eq!(form.fields[3].value, "main", "prefilled: the reporting one");
    assert!(
        form.fields[3].label.contains("dr, main"),
        "{}",
        form.fields[3].label
    );
    let mut values: Vec<String> = form.fields.iter().map(|f| f.value.clone()).collect();
    values[2] = "failover test".into();
    values[3] = "staging".into();
    match p.on_form(form.payload.clone(), &values, &ctx()) {
        Outcome::Many(v) => {
            let Some(Outcome::Form(again)) = v.first() else {
                panic!("{v:?}")
            };
            assert!(
                again.title.contains("no Alertmanager named \"staging\""),
                "{}",
                again.title
            );
            assert_eq!(again.fields[3].value, "staging", "what was typed is kept");
        }
        o => panic!("{o:?}"),
    }
    values[3] = "dr".into();
    match p.on_form(form.payload.clone(), &values, &ctx()) {
        Outcome::Request(ActionSpec::Silence { alertmanager, .. }) => {
            assert_eq!(alertmanager.as_deref(), Some("dr"));
        }
        o => panic!("{o:?}"),
    }
}
