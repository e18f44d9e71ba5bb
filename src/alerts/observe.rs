//! The alert changes an incident timeline records: fired (or firing again
//! after its silence ended), silenced, acked, resolved. What a source shows
//! in its first answer was going on before the console looked and is only
//! remembered. Alerts are known by label set, with the announcer's rule
//! that a set including, or included by, a known one of the same name is
//! that alert (Alertmanager's copy adds external labels), so an alert seen
//! first from Prometheus and then from Alertmanager is not "resolved and
//! fired again".

use super::model::{Alert, AlertState, Labels, MergedAlert};
use crate::observed::{Change, Observed, Place};
use crate::source::SourceId;
use std::collections::HashSet;

/// Where an alert stands, as far as the timeline cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Firing,
    Silenced,
    Acked,
}

#[derive(Debug, Default)]
pub struct AlertChanges {
    primed: HashSet<SourceId>,
    /// Alerts firing, silenced or acked at the last look.
    known: Vec<(Labels, Phase)>,
}

fn related(a: &Labels, b: &Labels) -> bool {
    let includes = |x: &Labels, y: &Labels| x.iter().all(|(k, v)| y.get(k) == Some(v));
    a.get("alertname") == b.get("alertname") && (includes(a, b) || includes(b, a))
}

/// `alert/NAME{k="v",…}` in the alert's namespace (labels other than the
/// name and namespace, in order).
fn place(labels: &Labels) -> Place {
    let name = labels.get("alertname").map_or("?", String::as_str);
    let rest: Vec<String> = labels
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "alertname" | "namespace"))
        .map(|(k, v)| format!("{k}={v:?}"))
        .collect();
    let object = if rest.is_empty() {
        format!("alert/{name}")
    } else {
        format!("alert/{name}{{{}}}", rest.join(","))
    };
    match labels.get("namespace") {
        Some(ns) => Place::in_namespace(ns, object),
        None => Place::object(object),
    }
}

fn summary(a: &Alert) -> String {
    let severity = a.labels.get("severity").map_or("", String::as_str);
    let text = a
        .annotations
        .get("summary")
        .or_else(|| a.annotations.get("description"))
        .map_or("", String::as_str);
    match (severity.is_empty(), text.is_empty()) {
        (true, _) => text.to_string(),
        (false, true) => severity.to_string(),
        (false, false) => format!("{severity}: {text}"),
    }
}

impl AlertChanges {
    /// After `source`'s answer was merged into `merged` at `now`: what
    /// changed since the last look. `acked` tells an ack from a silence.
    pub fn observe(
        &mut self,
        source: &SourceId,
        now: jiff::Timestamp,
        merged: &[MergedAlert],
        acked: impl Fn(&Alert) -> bool,
    ) -> Vec<Observed> {
        let first = self.primed.insert(source.clone());
        let mut out = Vec::new();
        let mut now_known: Vec<(Labels, Phase)> = Vec::new();
        for m in merged {
            let a = &m.alert;
            let phase = match a.state {
                AlertState::Firing => Phase::Firing,
                AlertState::Silenced if acked(a) => Phase::Acked,
                AlertState::Silenced => Phase::Silenced,
                // Pending is not firing yet; inhibited is another alert's.
                AlertState::Pending | AlertState::Inhibited => continue,
            };
            let before = self
                .known
                .iter()
                .find(|(l, _)| related(l, &a.labels))
                .map(|(_, p)| *p);
            let change = match (before, phase) {
                (None, Phase::Firing) if !(first && m.sources.contains(source)) => {
                    Some(Change::AlertFired)
                }
                (Some(Phase::Silenced | Phase::Acked), Phase::Firing) => Some(Change::AlertFired),
                (Some(Phase::Firing), Phase::Silenced) => Some(Change::AlertSilenced),
                (Some(Phase::Firing | Phase::Silenced), Phase::Acked) => Some(Change::AlertAcked),
                _ => None,
            };
            if let Some(change) = change {
                // Fired: when it became active, if the source says.
                let at = match change {
                    Change::AlertFired if before.is_none() => a.active_at.unwrap_or(now),
                    _ => now,
                };
                out.push(Observed::new(at, change, place(&a.labels), summary(a)));
            }
            now_known.push((a.labels.clone(), phase));
        }
        for (labels, _) in &self.known {
            if !now_known.iter().any(|(l, _)| related(l, labels)) {
                out.push(Observed::new(
                    now,
                    Change::AlertResolved,
                    place(labels),
                    String::new(),
                ));
            }
        }
        self.known = now_known;
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceKind;

    fn alert(name: &str, extra: &[(&str, &str)], state: AlertState) -> MergedAlert {
        let mut labels: Labels = [("alertname".to_string(), name.to_string())].into();
        for (k, v) in extra {
            labels.insert(k.to_string(), v.to_string());
        }
        let mut a = Alert::new(labels, state);
        a.annotations
            .insert("summary".into(), "5xx above 5% for 5m".into());
        MergedAlert {
            alert: a,
            sources: vec![SourceId::new(SourceKind::Prometheus, "main")],
        }
    }

    fn at(s: &str) -> jiff::Timestamp {
        format!("2026-12-03T03:{s}Z").parse().unwrap()
    }

    fn changes(o: &[Observed]) -> Vec<(Change, String)> {
        o.iter().map(|o| (o.change, o.place.to_string())).collect()
    }

    #[test]
    fn fired_silenced_acked_and_resolved_once_each_and_nothing_already_going_on() {
        let prom = SourceId::new(SourceKind::Prometheus, "main");
        let am = SourceId::new(SourceKind::Alertmanager, "main");
        let mut c = AlertChanges::default();
        let down = alert(
            "ServiceDown",
            &[("namespace", "shop"), ("severity", "critical")],
            AlertState::Firing,
        );
        assert!(
            c.observe(&prom, at("00:00"), std::slice::from_ref(&down), |_| false)
                .is_empty(),
            "already firing at the first answer"
        );
        let mut high = alert(
            "HighErrorRate",
            &[("namespace", "shop"), ("deployment", "api")],
            AlertState::Firing,
        );
        high.alert.active_at = Some(at("00:40"));
        let seen = c.observe(&prom, at("01:00"), &[down.clone(), high.clone()], |_| false);
        assert_eq!(
            changes(&seen),
            [(
                Change::AlertFired,
                r#"shop/alert/HighErrorRate{deployment="api"}"#.into()
            )]
        );
        assert_eq!(seen[0].at, at("00:40"), "the time it fired");
        assert_eq!(seen[0].detail, "5xx above 5% for 5m");
        // Alertmanager's copy, with an external label: the same alert.
        let mut from_am = high.clone();
        from_am
            .alert
            .labels
            .insert("cluster".into(), "prod-eu".into());
        assert!(
            c.observe(&am, at("01:05"), &[down.clone(), from_am.clone()], |_| {
                false
            })
            .is_empty()
        );
        let mut silenced = from_am.clone();
        silenced.alert.state = AlertState::Silenced;
        let seen = c.observe(&am, at("02:00"), &[down.clone(), silenced.clone()], |_| {
            false
        });
        assert_eq!(seen[0].change, Change::AlertSilenced);
        let seen = c.observe(&am, at("02:30"), &[down.clone(), silenced.clone()], |_| {
            true
        });
        assert_eq!(seen[0].change, Change::AlertAcked);
        let seen = c.observe(&am, at("03:00"), &[down.clone(), from_am.clone()], |_| {
            false
        });
        assert_eq!(
            seen[0].change,
            Change::AlertFired,
            "firing again once its silence ended"
        );
        let seen = c.observe(&am, at("04:00"), std::slice::from_ref(&down), |_| false);
        assert_eq!(changes(&seen)[0].0, Change::AlertResolved);
        assert!(
            c.observe(&am, at("05:00"), std::slice::from_ref(&down), |_| false)
                .is_empty()
        );
        let pending = alert("DiskFilling", &[], AlertState::Pending);
        assert!(
            c.observe(&prom, at("06:00"), &[down, pending], |_| false)
                .is_empty(),
            "pending is not firing"
        );
    }
}
