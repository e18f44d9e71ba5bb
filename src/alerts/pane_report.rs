//! The alerts section of `warroom report`: every firing or silenced alert
//! and every broken rule, with the labels, sources and staleness behind it.

use super::model::AlertState;
use super::pane::AlertsPane;
use crate::report::{Problem, ReportSection};

impl AlertsPane {
    pub(super) fn report_section(&self) -> ReportSection {
        let mut problems = Vec::new();
        let (mut firing, mut silenced, mut pending) = (0, 0, 0);
        for m in &self.merged {
            let a = &m.alert;
            match a.state {
                AlertState::Pending => {
                    pending += 1;
                    continue;
                }
                AlertState::Firing => firing += 1,
                AlertState::Silenced | AlertState::Inhibited => silenced += 1,
            }
            let detail = a
                .summary()
                .map(|s| crate::text::sanitize(s).into_owned())
                .unwrap_or_default();
            let mut p = Problem::new(a.severity().to_report(), a.name(), a.state.as_str(), detail)
                .field("state", a.state.as_str())
                .field("severity_label", a.severity().as_str())
                .field(
                    "labels",
                    serde_json::to_value(&a.labels).unwrap_or_default(),
                )
                .field("source", m.sources_text())
                .field(
                    "sources",
                    m.sources.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
                )
                .field("silenced", a.state.is_suppressed())
                .field("acked", self.is_acked(a))
                .field(
                    "stale_sources",
                    m.sources
                        .iter()
                        .filter(|s| self.down.contains_key(*s))
                        .map(|s| s.to_string())
                        .collect::<Vec<_>>(),
                )
                .field("stale", self.stale_since(m).is_some());
            if let Some(ns) = a.labels.get("namespace") {
                p = p.namespace(ns.clone());
            }
            if let Some(since) = a.active_at {
                p = p.field("since", since.to_string());
            }
            if let Some(rb) = a.annotations.get("runbook_url") {
                p = p.field("runbook_url", rb.clone());
            }
            problems.push(p);
        }
        for (src, r) in &self.broken {
            problems.push(
                Problem::new(
                    crate::report::Severity::Warning,
                    &r.name,
                    "rule broken",
                    crate::text::sanitize(&r.last_error).into_owned(),
                )
                .field("state", "broken_rule")
                .field("group", r.group.clone())
                .field("source", src.to_string()),
            );
        }
        let summary = format!(
            "{firing} firing, {pending} pending, {silenced} silenced/inhibited, {} broken rule(s)",
            self.broken.len()
        );
        ReportSection::new(summary, problems)
    }
}
