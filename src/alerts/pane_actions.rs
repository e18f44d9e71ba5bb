//! The alerts pane's keys that leave the pane: the silence form (with the
//! Alertmanager choice), ack, expire, and the runbook, log and workload jumps.
//! Each turns the selection into an `ActionSpec`, a form or a jump.

use super::model::{self, MergedAlert, SilenceState};
use super::pane::{AlertsPane, Out, View};
use super::{SilenceForm, jump};
use crate::action::ActionSpec;
use crate::pane::{Form, FormField, Outcome};
use crate::source::SourceKind;

const DEFAULT_SILENCE: &str = "2h";

impl AlertsPane {
    /// The Alertmanager that reported these alerts (the first, in source order).
    fn reporting_am(alerts: &[&MergedAlert]) -> Option<String> {
        alerts
            .iter()
            .flat_map(|m| m.sources.iter())
            .find(|s| s.kind == SourceKind::Alertmanager)
            .map(|s| s.name.clone())
    }

    /// Every Alertmanager a silence can go to: the configured ones and any
    /// that reported (the demo estate has no config).
    pub(super) fn known_ams(&self) -> Vec<String> {
        let mut v: Vec<String> = self
            .alertmanagers
            .iter()
            .cloned()
            .chain(
                self.snapshots
                    .keys()
                    .filter(|s| s.kind == SourceKind::Alertmanager)
                    .map(|s| s.name.clone()),
            )
            .collect();
        v.sort();
        v.dedup();
        v
    }

    /// The form's Alertmanager field, when there is a choice to make.
    fn am_choice(&self, current: Option<&str>) -> Option<(String, Vec<String>)> {
        let known = self.known_ams();
        (known.len() > 1).then(|| (current.unwrap_or_default().to_string(), known))
    }

    pub(super) fn silence_form(&mut self, read_only: bool) -> Out {
        if read_only {
            return Outcome::Notify("read-only mode: silences are disabled".into());
        }
        let alerts = self.selected_alerts();
        if alerts.is_empty() {
            return Outcome::Notify("select an alert or group to silence".into());
        }
        let labels: Vec<&model::Labels> = alerts.iter().map(|m| &m.alert.labels).collect();
        let matchers = model::matchers_for(&labels, &self.group_by);
        let am = Self::reporting_am(&alerts);
        let title = format!(
            "Silence {} alert(s){}",
            alerts.len(),
            am.as_deref()
                .map(|a| format!(" on am:{a}"))
                .unwrap_or_default()
        );
        let choice = self.am_choice(am.as_deref());
        let text = matchers
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(" ");
        Outcome::Form(silence_form(
            SilenceForm { alertmanager: am },
            title,
            &text,
            DEFAULT_SILENCE,
            "",
            choice,
        ))
    }

    pub(super) fn ack(&self, read_only: bool) -> Out {
        if read_only {
            return Outcome::Notify("read-only mode: ack is disabled".into());
        }
        let alerts = self.selected_alerts();
        if alerts.is_empty() {
            return Outcome::Notify("select an alert or group to ack".into());
        }
        let labels: Vec<&model::Labels> = alerts.iter().map(|m| &m.alert.labels).collect();
        Outcome::Request(ActionSpec::Silence {
            matchers: model::matchers_for(&labels, &self.group_by)
                .iter()
                .map(ToString::to_string)
                .collect(),
            duration: self.ack_duration,
            comment: format!("{}{}", model::ACK_PREFIX, crate::identity::operator()),
            alertmanager: Self::reporting_am(&alerts),
        })
    }

    pub(super) fn expire(&self, read_only: bool) -> Out {
        if read_only {
            return Outcome::Notify("read-only mode: expiring silences is disabled".into());
        }
        let silence = match self.view {
            View::Silences => self.selected_silence(),
            View::Alerts => self.focused_alert().and_then(|m| {
                self.silences.iter().find(|s| {
                    s.state == SilenceState::Active && m.alert.silenced_by.contains(&s.id)
                })
            }),
        };
        match silence {
            Some(s) if s.state == SilenceState::Expired => {
                Outcome::Notify(format!("silence {} has already expired", s.id))
            }
            Some(s) => Outcome::Request(ActionSpec::ExpireSilence {
                id: s.id.clone(),
                alertmanager: Some(s.alertmanager.clone()),
            }),
            None => Outcome::Notify("no silence selected (v shows silences)".into()),
        }
    }

    fn with_focused(&self, f: impl FnOnce(&MergedAlert) -> Out) -> Out {
        match self.focused_alert() {
            Some(m) => f(m),
            None => Outcome::Notify("select an alert first".into()),
        }
    }

    pub(super) fn open_runbook(&self) -> Out {
        self.with_focused(|m| match m.alert.annotations.get("runbook_url") {
            Some(url) if !url.trim().is_empty() => {
                jump::open_runbook(url, &self.runbook_dirs, Some(&m.context()))
            }
            _ => Outcome::Notify(format!(
                "{} has no runbook_url annotation",
                crate::text::sanitize(m.alert.name())
            )),
        })
    }

    pub(super) fn jump_logs(&self) -> Out {
        self.with_focused(|m| match jump::logql_selector(&m.alert.labels) {
            // Over the alert's window, not the pane's default hour.
            Some(query) => Outcome::Jump(crate::pane::Jump::LogQuery {
                query,
                from: m.context().window_start(),
            }),
            None => Outcome::Notify(
                "no namespace/pod/container/job label to build a log query from".into(),
            ),
        })
    }

    /// The alert's rule in the Metrics pane, over its window (from a while
    /// before it became active), the firing time marked.
    pub(super) fn graph(&self) -> Out {
        self.with_focused(|m| match &m.alert.expr {
            Some(expr) => Outcome::Jump(crate::pane::Jump::Metrics {
                expr: expr.clone(),
                from: m.context().window_start(),
                fired: m.alert.active_at,
                threshold: None,
            }),
            None => Outcome::Notify(format!(
                "{}: no rule expression known (Prometheus' rules or Alertmanager's generatorURL carry it)",
                crate::text::sanitize(m.alert.name())
            )),
        })
    }

    pub(super) fn jump_target(&self) -> Out {
        self.with_focused(|m| match jump::target(&m.alert.labels) {
            Some(j) => Outcome::Jump(j),
            None => {
                Outcome::Notify("no namespace+pod/deployment or container label to jump to".into())
            }
        })
    }
}

/// `am`: the Alertmanager field (value, the names to choose from), shown
/// only when more than one is known.
pub(super) fn silence_form(
    payload: SilenceForm,
    title: String,
    matchers: &str,
    duration: &str,
    comment: &str,
    am: Option<(String, Vec<String>)>,
) -> Form<SilenceForm> {
    let mut fields = vec![
        FormField::new("Matchers", matchers),
        FormField::new("Duration (e.g. 30m, 2h)", duration),
        FormField::new("Comment (why; shown to everyone)", comment),
    ];
    if let Some((value, names)) = am {
        fields.push(FormField::new(
            format!("Alertmanager (one of: {})", names.join(", ")),
            value,
        ));
    }
    Form::new(payload, title, fields)
}
