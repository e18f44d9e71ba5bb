//! Silence, ack (a short silence) and expire-silence: one handler for the live
//! Alertmanagers and the demo, over the small [`AmApi`] seam.
//!
//! The preview asks the target Alertmanager for its current alerts and runs the
//! same matcher code the filter uses, so "will silence these N alerts" is what
//! Alertmanager will do. A silence goes to the Alertmanager named in the spec
//! (the pane names the one that reported the alert), else — with several
//! configured — to the one reporting matching alerts; never to all of them.

use super::api::{AmMatcher, PostableSilence};
use super::client::ClientError;
use super::matcher::{Matcher, MatcherError, parse_list};
use super::model::{Alert, AlertState, Silence, SilenceState};
use crate::action::{
    ActionError, ActionHandler, ActionOutcome, ActionSpec, Preview, PreviewLine, Progress,
};
use std::collections::BTreeMap;
use std::time::Duration;

/// Alerts listed in a preview before "… and N more".
const PREVIEW_ALERTS: usize = 40;

/// Why a silence could not be previewed, created or expired. The variant
/// decides the [`ActionError`] kind (and so the hint); an Alertmanager's
/// answer keeps its HTTP status inside [`ClientError`].
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SilenceError {
    #[error(transparent)]
    Matcher(#[from] MatcherError),
    #[error("no [[alertmanager]] is configured: silences need one")]
    NoAlertmanager,
    #[error("no [[alertmanager]] named {name:?} (configured: {})", .configured.join(", "))]
    UnknownAlertmanager {
        name: String,
        configured: Vec<String>,
    },
    #[error("duration too long: {reason}")]
    TooLong { duration: Duration, reason: String },
    /// No Alertmanager asked knows the silence; `errors` are the ones that
    /// could not be asked.
    #[error("no silence {id:?} on {}{}", .on.join(", "), failed_suffix(.errors))]
    NotFound {
        id: String,
        on: Vec<String>,
        errors: Vec<SilenceError>,
    },
    /// The Alertmanager's answer (or no answer).
    #[error(transparent)]
    Api(#[from] ClientError),
    #[error("{0} (no silence was created)")]
    NotCreated(Box<SilenceError>),
    #[error("{0} (the silence is unchanged)")]
    Unchanged(Box<SilenceError>),
}

fn failed_suffix(errors: &[SilenceError]) -> String {
    if errors.is_empty() {
        return String::new();
    }
    let texts: Vec<String> = errors.iter().map(ToString::to_string).collect();
    format!(" ({})", texts.join("; "))
}

impl SilenceError {
    /// The [`ActionError`] of this kind, carrying `message`.
    fn to_action_error(&self, message: String) -> ActionError {
        match self {
            Self::Matcher(_) | Self::UnknownAlertmanager { .. } | Self::TooLong { .. } => {
                ActionError::Invalid(message)
            }
            Self::NoAlertmanager => ActionError::NoBackend {
                verb: "silence",
                config_key: "[[alertmanager]]",
            },
            // Nobody could be asked: that is the failure, not a missing silence.
            Self::NotFound { on, errors, .. } if !errors.is_empty() && errors.len() == on.len() => {
                errors[0].to_action_error(message)
            }
            Self::NotFound { .. } => ActionError::NotFound(message),
            Self::Api(e) => e.to_action_error(message),
            Self::NotCreated(e) | Self::Unchanged(e) => e.to_action_error(message),
        }
    }
}

impl From<SilenceError> for ActionError {
    fn from(e: SilenceError) -> Self {
        e.to_action_error(e.to_string())
    }
}

#[async_trait::async_trait]
pub trait AmApi: Send + Sync + 'static {
    /// Configured Alertmanager names, in config order.
    fn names(&self) -> Vec<String>;
    async fn alerts(&self, am: &str) -> Result<Vec<Alert>, SilenceError>;
    async fn silences(&self, am: &str) -> Result<Vec<Silence>, SilenceError>;
    async fn create(&self, am: &str, silence: &PostableSilence) -> Result<String, SilenceError>;
    async fn expire(&self, am: &str, id: &str) -> Result<(), SilenceError>;
    /// Something changed on `am`: poll it now rather than at the next interval.
    fn changed(&self, _am: &str) {}
}

pub struct SilenceHandler<A: AmApi> {
    pub api: A,
}

/// `firing ServiceDown instance=y` for preview lines; labels the matchers
/// already pin down by equality are left out.
pub fn alert_line(a: &Alert, known: &[Matcher]) -> String {
    let labels: Vec<String> = a
        .labels
        .iter()
        .filter(|(k, _)| *k != "alertname")
        .filter(|(k, _)| {
            !known
                .iter()
                .any(|m| &m.name == *k && m.op == super::matcher::Op::Eq)
        })
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    crate::text::sanitize(&format!(
        "{:<9} {} {}",
        a.state.as_str(),
        a.name(),
        labels.join(" ")
    ))
    .into_owned()
}

fn when(t: jiff::Timestamp) -> String {
    t.strftime("%Y-%m-%d %H:%M:%S UTC").to_string()
}

fn end_of(duration: Duration) -> Result<jiff::Timestamp, SilenceError> {
    let too_long = |e: jiff::Error| SilenceError::TooLong {
        duration,
        reason: e.to_string(),
    };
    let d = jiff::SignedDuration::try_from(duration).map_err(too_long)?;
    jiff::Timestamp::now().checked_add(d).map_err(too_long)
}

impl<A: AmApi> SilenceHandler<A> {
    pub fn new(api: A) -> Self {
        Self { api }
    }

    /// Which Alertmanager a silence goes to, and a warning when that was a guess.
    async fn choose(
        &self,
        named: Option<&str>,
        matchers: &[Matcher],
    ) -> Result<(String, Option<String>), SilenceError> {
        let names = self.api.names();
        if names.is_empty() {
            return Err(SilenceError::NoAlertmanager);
        }
        if let Some(n) = named {
            return if names.iter().any(|x| x == n) {
                Ok((n.to_string(), None))
            } else {
                Err(SilenceError::UnknownAlertmanager {
                    name: n.to_string(),
                    configured: names,
                })
            };
        }
        if names.len() == 1 {
            return Ok((names[0].clone(), None));
        }
        let mut reporting = Vec::new();
        for n in &names {
            if let Ok(alerts) = self.api.alerts(n).await
                && alerts
                    .iter()
                    .any(|a| matchers.iter().all(|m| m.matches(&a.labels)))
            {
                reporting.push(n.clone());
            }
        }
        Ok(match reporting.as_slice() {
            [] => (
                names[0].clone(),
                Some(format!(
                    "no Alertmanager reports a matching alert; using the first, {} (choose with --alertmanager)",
                    names[0]
                )),
            ),
            [one] => (one.clone(), None),
            [first, rest @ ..] => (
                first.clone(),
                Some(format!(
                    "matching alerts are also on {}; this silence goes to {first} only (choose with --alertmanager)",
                    rest.join(", ")
                )),
            ),
        })
    }

    async fn find_silence(&self, id: &str, named: Option<&str>) -> Result<Silence, SilenceError> {
        let names: Vec<String> = match named {
            Some(n) => vec![n.to_string()],
            None => self.api.names(),
        };
        let mut errors = Vec::new();
        for n in &names {
            match self.api.silences(n).await {
                Ok(list) => {
                    if let Some(s) = list.into_iter().find(|s| s.id == id) {
                        return Ok(s);
                    }
                }
                Err(e) => errors.push(e),
            }
        }
        Err(SilenceError::NotFound {
            id: id.to_string(),
            on: names,
            errors,
        })
    }

    async fn preview_silence(
        &self,
        matchers: &[String],
        duration: Duration,
        comment: &str,
        named: Option<&str>,
    ) -> Result<Preview, SilenceError> {
        let ms = parse_list(matchers)?;
        let (am, warning) = self.choose(named, &ms).await?;
        let alerts = self.api.alerts(&am).await?;
        let affected: Vec<&Alert> = alerts
            .iter()
            .filter(|a| ms.iter().all(|m| m.matches(&a.labels)))
            .collect();
        let ends = end_of(duration)?;
        let dur = crate::text::human_duration(duration);
        let mut p = Preview::new(
            format!(
                "Silence {} current alert(s) on Alertmanager {am} for {dur}",
                affected.len()
            ),
            format!("alertmanager {am}"),
        );
        p.summary = format!(
            "silence {} for {dur} on {am} ({} alerts)",
            ms.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(" "),
            affected.len()
        );
        p.lines.push(PreviewLine::Heading("Matchers".into()));
        for m in &ms {
            p.lines.push(PreviewLine::Text(
                crate::text::sanitize(&m.to_string()).into_owned(),
            ));
        }
        p.lines.push(PreviewLine::Heading("Silence".into()));
        p.lines.push(PreviewLine::Text(format!(
            "ends    {} (in {dur})",
            when(ends)
        )));
        p.lines.push(PreviewLine::Text(format!(
            "comment {}",
            crate::text::sanitize(comment)
        )));
        p.lines.push(PreviewLine::Text(format!(
            "by      {}",
            crate::identity::operator()
        )));
        if let Some(w) = warning {
            p.lines.push(PreviewLine::Warning(w));
        }
        if ms.iter().all(|m| m.matches(&BTreeMap::new())) {
            p.blocked = Some(
                "every matcher also matches an empty label; Alertmanager refuses such silences \
                 (add one like alertname=\"X\")"
                    .into(),
            );
        }
        p.lines.push(PreviewLine::Heading(format!(
            "Alerts it silences now ({})",
            affected.len()
        )));
        if affected.is_empty() {
            p.lines.push(PreviewLine::Warning(
                "matches no current alert (alerts that start matching before it ends are silenced)"
                    .into(),
            ));
        }
        for a in affected.iter().take(PREVIEW_ALERTS) {
            p.lines.push(PreviewLine::Removed(alert_line(a, &ms)));
        }
        if affected.len() > PREVIEW_ALERTS {
            p.lines.push(PreviewLine::Text(format!(
                "… and {} more",
                affected.len() - PREVIEW_ALERTS
            )));
        }
        // The silence goes to the Alertmanager this preview chose, even if
        // which one reports the alerts changes before confirmation.
        p.pinned = Some(ActionSpec::Silence {
            matchers: matchers.to_vec(),
            duration,
            comment: comment.to_string(),
            alertmanager: Some(am),
        });
        Ok(p)
    }

    async fn preview_expire(&self, id: &str, named: Option<&str>) -> Result<Preview, SilenceError> {
        let s = match self.find_silence(id, named).await {
            Ok(s) => s,
            Err(e) => {
                let mut p = Preview::new(format!("Expire silence {id}"), named.unwrap_or("?"));
                p.blocked = Some(e.to_string());
                return Ok(p);
            }
        };
        let am = s.alertmanager.clone();
        let alerts = self.api.alerts(&am).await.unwrap_or_default();
        let back: Vec<&Alert> = alerts
            .iter()
            .filter(|a| {
                a.silenced_by.contains(&s.id)
                    || (a.state == AlertState::Silenced && s.matches(&a.labels))
            })
            .collect();
        let mut p = Preview::new(
            format!("Expire silence {} on Alertmanager {am}", s.id),
            format!("alertmanager {am}"),
        );
        p.summary = format!(
            "expire silence {} on {am} ({} alerts notify again)",
            s.id,
            back.len()
        );
        p.lines.push(PreviewLine::Heading("Silence".into()));
        p.lines.push(PreviewLine::Text(format!(
            "matchers {}",
            crate::text::sanitize(&s.matchers_text())
        )));
        p.lines.push(PreviewLine::Text(format!(
            "by       {}",
            crate::text::sanitize(&s.created_by)
        )));
        p.lines.push(PreviewLine::Text(format!(
            "comment  {}",
            crate::text::sanitize(&s.comment)
        )));
        if let Some(e) = s.ends_at {
            p.lines
                .push(PreviewLine::Text(format!("ends     {}", when(e))));
        }
        if s.state == SilenceState::Expired {
            p.blocked = Some(format!("silence {} has already expired", s.id));
        }
        p.lines.push(PreviewLine::Heading(format!(
            "Alerts that notify again ({})",
            back.len()
        )));
        for a in back.iter().take(PREVIEW_ALERTS) {
            p.lines.push(PreviewLine::Added(alert_line(a, &s.matchers)));
        }
        Ok(p)
    }
}

#[async_trait::async_trait]
impl<A: AmApi> ActionHandler for SilenceHandler<A> {
    async fn preview(&self, spec: &ActionSpec) -> Result<Preview, ActionError> {
        match spec {
            ActionSpec::Silence {
                matchers,
                duration,
                comment,
                alertmanager,
            } => Ok(self
                .preview_silence(matchers, *duration, comment, alertmanager.as_deref())
                .await?),
            ActionSpec::ExpireSilence { id, alertmanager } => {
                Ok(self.preview_expire(id, alertmanager.as_deref()).await?)
            }
            other => Err(ActionError::Unsupported {
                handler: "alerts",
                verb: other.verb(),
            }),
        }
    }

    async fn execute(
        &self,
        spec: &ActionSpec,
        progress: Progress,
    ) -> Result<ActionOutcome, ActionError> {
        match spec {
            ActionSpec::Silence {
                matchers,
                duration,
                comment,
                alertmanager,
            } => {
                let ms = parse_list(matchers).map_err(SilenceError::from)?;
                let (am, _) = self.choose(alertmanager.as_deref(), &ms).await?;
                let ends = end_of(*duration)?;
                let body = PostableSilence {
                    matchers: ms.iter().map(AmMatcher::from_matcher).collect(),
                    starts_at: jiff::Timestamp::now().to_string(),
                    ends_at: ends.to_string(),
                    created_by: crate::identity::operator(),
                    comment: comment.clone(),
                };
                progress.line(format!("POST silence to {am}"));
                let id = self
                    .api
                    .create(&am, &body)
                    .await
                    .map_err(|e| SilenceError::NotCreated(Box::new(e)))?;
                self.api.changed(&am);
                Ok(ActionOutcome {
                    summary: format!("silence {id} created on {am} until {}", when(ends)),
                    restore_point_time: None,
                })
            }
            ActionSpec::ExpireSilence { id, alertmanager } => {
                let s = self.find_silence(id, alertmanager.as_deref()).await?;
                progress.line(format!("expire silence {id} on {}", s.alertmanager));
                self.api
                    .expire(&s.alertmanager, id)
                    .await
                    .map_err(|e| SilenceError::Unchanged(Box::new(e)))?;
                self.api.changed(&s.alertmanager);
                Ok(ActionOutcome {
                    summary: format!("silence {id} expired on {}", s.alertmanager),
                    restore_point_time: None,
                })
            }
            other => Err(ActionError::Unsupported {
                handler: "alerts",
                verb: other.verb(),
            }),
        }
    }
}
