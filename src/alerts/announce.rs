//! Telling the operator of a newly firing alert: which alerts ring, once.
//!
//! An alert rings when it is firing, not silenced (acks are silences) nor
//! inhibited, and was not seen firing before in this console session. What
//! a source reports in its first answer is what was already going on when
//! the console started: it is remembered, never announced. Alerts are known
//! by their label sets; one whose labels extend or are extended by a known
//! one with the same name is that alert (Alertmanager adds Prometheus'
//! external labels, so the same alert reaches the console with two label
//! sets, Prometheus' first).

use super::model::{AlertSeverity, AlertState, Labels, MergedAlert, fingerprint};
use crate::config::{AlertNotify, Ring};
use crate::pane::Announcement;
use crate::source::SourceId;
use std::collections::HashSet;

#[derive(Debug)]
pub struct Announcer {
    policy: AlertNotify,
    /// Sources that have answered once.
    primed: HashSet<SourceId>,
    /// Fingerprints of the label sets already seen firing, told or not.
    seen: HashSet<String>,
    /// The same label sets, for the subset match.
    seen_labels: Vec<Labels>,
}

impl Announcer {
    pub fn new(policy: AlertNotify) -> Self {
        Self {
            policy,
            primed: HashSet::new(),
            seen: HashSet::new(),
            seen_labels: Vec::new(),
        }
    }

    /// Remember `labels` as seen firing; false when they (or a label set
    /// one includes the other of, with the same name) already were.
    fn first_sight(&mut self, labels: &Labels) -> bool {
        if !self.seen.insert(fingerprint(labels)) {
            return false;
        }
        let includes = |a: &Labels, b: &Labels| a.iter().all(|(k, v)| b.get(k) == Some(v));
        let known = self
            .seen_labels
            .iter()
            .any(|s| includes(s, labels) || includes(labels, s));
        self.seen_labels.push(labels.clone());
        !known
    }

    fn ring(&self, severity: AlertSeverity) -> Ring {
        match severity {
            AlertSeverity::Critical => self.policy.critical,
            AlertSeverity::Warning => self.policy.warning,
            AlertSeverity::Info => self.policy.info,
            AlertSeverity::None => self.policy.none,
        }
    }

    /// After `source`'s snapshot was merged into `merged`: what to tell.
    pub fn observe(&mut self, source: &SourceId, merged: &[MergedAlert]) -> Vec<Announcement> {
        let first = self.primed.insert(source.clone());
        let mut out = Vec::new();
        for m in merged {
            let a = &m.alert;
            let quiet = !a.silenced_by.is_empty() || !a.inhibited_by.is_empty();
            if a.state != AlertState::Firing || quiet {
                continue;
            }
            let new = self.first_sight(&a.labels);
            if !new || (first && m.sources.contains(source)) {
                // Told already, or going on when this source first answered.
                continue;
            }
            let severity = a.severity();
            let ring = self.ring(severity);
            if ring == Ring::Off {
                continue;
            }
            let labels: Vec<String> = ["namespace", "deployment", "pod", "service", "job"]
                .iter()
                .filter_map(|k| a.labels.get(*k).map(|v| format!("{k}={v}")))
                .take(3)
                .collect();
            out.push(Announcement {
                title: format!("{} ({})", a.name(), severity.as_str()),
                body: match a.summary() {
                    Some(s) => s.to_string(),
                    None => labels.join(" "),
                },
                ring,
            });
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alerts::model::Alert;
    use crate::source::SourceKind;

    fn alert(name: &str, severity: &str, state: AlertState) -> MergedAlert {
        let labels: Labels = [
            ("alertname", name),
            ("severity", severity),
            ("namespace", "toolboxai"),
            ("deployment", "backend"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let mut a = Alert::new(labels, state);
        a.annotations
            .insert("summary".into(), format!("{name} on backend"));
        MergedAlert {
            alert: a,
            sources: vec![am()],
        }
    }

    fn am() -> SourceId {
        SourceId::new(SourceKind::Alertmanager, "main")
    }

    fn policy() -> AlertNotify {
        AlertNotify {
            critical: Ring::Notify,
            warning: Ring::Bell,
            ..AlertNotify::default()
        }
    }

    #[test]
    fn what_fired_before_the_first_answer_never_rings() {
        let mut n = Announcer::new(policy());
        let old = alert("ServiceDown", "critical", AlertState::Firing);
        assert!(n.observe(&am(), std::slice::from_ref(&old)).is_empty());
        assert!(n.observe(&am(), std::slice::from_ref(&old)).is_empty());
    }

    #[test]
    fn a_new_critical_rings_once_with_its_summary() {
        let mut n = Announcer::new(policy());
        let old = alert("ServiceDown", "critical", AlertState::Firing);
        n.observe(&am(), std::slice::from_ref(&old));
        let new = alert("HighErrorRate", "critical", AlertState::Firing);
        let told = n.observe(&am(), &[old.clone(), new.clone()]);
        assert_eq!(
            told,
            [Announcement {
                title: "HighErrorRate (critical)".into(),
                body: "HighErrorRate on backend".into(),
                ring: Ring::Notify,
            }]
        );
        assert!(n.observe(&am(), &[old.clone(), new.clone()]).is_empty());
        // Resolved and firing again: the same alert, told once per session.
        n.observe(&am(), std::slice::from_ref(&old));
        assert!(n.observe(&am(), &[old, new]).is_empty());
    }

    #[test]
    fn silenced_inhibited_pending_and_off_severities_stay_quiet_until_they_fire_loud() {
        let mut n = Announcer::new(policy());
        n.observe(&am(), &[]);
        let mut silenced = alert("DiskFull", "critical", AlertState::Silenced);
        silenced.alert.silenced_by.push("ack-1".into());
        let mut inhibited = alert("NodeDown", "critical", AlertState::Inhibited);
        inhibited.alert.inhibited_by.push("x".into());
        let pending = alert("HighLatency", "warning", AlertState::Pending);
        let info = alert("Deploy", "info", AlertState::Firing);
        assert!(
            n.observe(&am(), &[silenced.clone(), inhibited, pending, info])
                .is_empty()
        );
        // The silence expired and it still fires: now it is told.
        let unsilenced = alert("DiskFull", "critical", AlertState::Firing);
        assert_eq!(n.observe(&am(), &[unsilenced]).len(), 1);
        let firing = alert("HighLatency", "warning", AlertState::Firing);
        assert_eq!(n.observe(&am(), &[firing])[0].ring, Ring::Bell);
    }

    #[test]
    fn a_second_source_answering_late_does_not_ring_for_what_it_brings() {
        let mut n = Announcer::new(policy());
        let prom = SourceId::new(SourceKind::Prometheus, "prom");
        n.observe(&prom, &[]);
        n.observe(&am(), &[]);
        // Alertmanager is restarted: a fresh source name, its first answer.
        let late = SourceId::new(SourceKind::Alertmanager, "dr");
        let mut old = alert("ServiceDown", "critical", AlertState::Firing);
        old.sources = vec![late.clone()];
        assert!(n.observe(&late, &[old]).is_empty());
    }

    #[test]
    fn the_same_alert_with_alertmanagers_external_labels_is_told_once() {
        let mut n = Announcer::new(policy());
        let prom = SourceId::new(SourceKind::Prometheus, "prom");
        n.observe(&prom, &[]);
        n.observe(&am(), &[]);
        let mut from_prom = alert("HighErrorRate", "critical", AlertState::Firing);
        from_prom.sources = vec![prom.clone()];
        assert_eq!(n.observe(&prom, std::slice::from_ref(&from_prom)).len(), 1);
        // Alertmanager's copy carries the external label `cluster`.
        let mut from_am = from_prom.clone();
        from_am
            .alert
            .labels
            .insert("cluster".into(), "prod-eu".into());
        from_am.sources = vec![prom, am()];
        assert!(n.observe(&am(), &[from_am]).is_empty());
        // Another deployment's alert of the same name is another alert.
        let mut other = alert("HighErrorRate", "critical", AlertState::Firing);
        other
            .alert
            .labels
            .insert("deployment".into(), "dashboard".into());
        assert_eq!(n.observe(&am(), &[other]).len(), 1);
    }
}
