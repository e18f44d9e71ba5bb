//! The alerts model (merging across sources, grouping, severities, the
//! matchers a silence pins) and the silence handler over it, against a fake
//! Alertmanager.

use super::actions::{AmApi, SilenceError, SilenceHandler};
use super::api::PostableSilence;
use super::model::*;
use super::test_support::{alert, am, estate, labels, prom, snap, ts};
use crate::action::{ActionHandler, ActionSpec, PreviewLine, Progress};
use jiff::Timestamp;
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

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
