//! Fixtures the alerts tests share: timestamps around a fixed now, alerts
//! and snapshots from label pairs, the estate most tests look at, and
//! rendering a pane into a buffer.

use super::model::*;
use super::pane::AlertsPane;
use crate::config::Config;
use crate::pane::{Pane, PaneCtx};
use crate::source::{SourceId, SourceKind};
use crate::ui::testing::Scene;
use jiff::Timestamp;
use ratatui::buffer::Buffer;
use std::collections::BTreeMap;

const NOW: i64 = 1_790_000_000;

pub(super) fn ts(offset: i64) -> Timestamp {
    Timestamp::from_second(NOW + offset).unwrap()
}

pub(super) fn labels(pairs: &[(&str, &str)]) -> Labels {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

pub(super) fn alert(pairs: &[(&str, &str)], state: AlertState, ago: i64) -> Alert {
    let mut a = Alert::new(labels(pairs), state);
    a.active_at = Some(ts(-ago));
    a
}

pub(super) fn am(name: &str) -> SourceId {
    SourceId::new(SourceKind::Alertmanager, name)
}

pub(super) fn prom(name: &str) -> SourceId {
    SourceId::new(SourceKind::Prometheus, name)
}

pub(super) fn snap(source: SourceId, at: i64, alerts: Vec<Alert>) -> Snapshot {
    let mut s = Snapshot::new(source, ts(at));
    s.alerts = alerts;
    s
}

pub(super) fn ctx() -> PaneCtx {
    PaneCtx {
        read_only: false,
        now: ts(0),
    }
}

/// The estate most tests look at: two ServiceDown, one HighLatency (pending
/// in Prometheus), one silenced DiskSpaceLow, one broken rule.
pub(super) fn estate() -> (Snapshot, Snapshot) {
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

pub(super) fn pane_with_estate() -> AlertsPane {
    let mut p = AlertsPane::new(&Config::default());
    let (a, b) = estate();
    p.apply(super::Update::Snapshot(Box::new(b)));
    p.apply(super::Update::Snapshot(Box::new(a)));
    p
}

pub(super) fn render(p: &mut AlertsPane, w: u16, h: u16, read_only: bool) -> Buffer {
    render_at(p, w, h, read_only, 0)
}

pub(super) fn render_at(p: &mut AlertsPane, w: u16, h: u16, read_only: bool, now: i64) -> Buffer {
    let sources = BTreeMap::new();
    let scene = Scene {
        read_only,
        ..Scene::at(ts(now), &sources)
    };
    crate::ui::testing::draw(p, w, h, &scene)
}
