//! What the console saw change, for the incident timeline: an alert fired
//! or resolved, a pod crashed, a rollout stalled, a container's health
//! flipped, a backup fell behind its RPO, a source went away. Panes notice
//! these as their updates arrive (`Pane::take_observations`), the app adds
//! its sources' own, and every pane is handed the batch
//! (`Pane::on_observed`): the runbook domain records it in an open
//! incident's journal, de-duplicated. A contract: no domain depends on
//! another to report or record a change.

use serde::{Deserialize, Serialize};

/// What changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    AlertFired,
    AlertResolved,
    AlertSilenced,
    AlertAcked,
    /// A container restarted (the detail names its last termination).
    PodCrashed,
    RolloutStarted,
    RolloutCompleted,
    /// Progressing=False or past its deadline.
    RolloutStuck,
    /// A container's health check or a pod's readiness flipped.
    HealthChanged,
    /// A backup is older than its RPO.
    BackupLate,
    BackupOnTime,
    SourceDown,
    SourceBack,
}

impl Change {
    /// How the timeline words it.
    pub fn label(self) -> &'static str {
        match self {
            Self::AlertFired => "alert fired",
            Self::AlertResolved => "alert resolved",
            Self::AlertSilenced => "alert silenced",
            Self::AlertAcked => "alert acked",
            Self::PodCrashed => "pod crashed",
            Self::RolloutStarted => "rollout started",
            Self::RolloutCompleted => "rollout completed",
            Self::RolloutStuck => "rollout stuck",
            Self::HealthChanged => "health changed",
            Self::BackupLate => "backup beyond its RPO",
            Self::BackupOnTime => "backup within its RPO again",
            Self::SourceDown => "source unreachable",
            Self::SourceBack => "source back",
        }
    }
}

/// Where it changed: the Kubernetes context (or Docker engine, or source
/// kind), namespace when there is one, and the object (`pod/api-7d9-x2`,
/// `alert/HighErrorRate{…}`, `backup/postgres`, `prometheus/main`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Place {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    pub object: String,
}

impl Place {
    pub fn object(object: impl Into<String>) -> Self {
        Self {
            context: None,
            namespace: None,
            object: object.into(),
        }
    }

    pub fn in_namespace(namespace: impl Into<String>, object: impl Into<String>) -> Self {
        Self {
            context: None,
            namespace: Some(namespace.into()),
            object: object.into(),
        }
    }

    pub fn with_context(mut self, context: Option<String>) -> Self {
        self.context = context;
        self
    }
}

impl std::fmt::Display for Place {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(c) = &self.context {
            write!(f, "{c}:")?;
        }
        if let Some(ns) = &self.namespace {
            write!(f, "{ns}/")?;
        }
        f.write_str(&self.object)
    }
}

/// One change the console saw.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Observed {
    pub at: jiff::Timestamp,
    pub change: Change,
    pub place: Place,
    /// What the source said (`OOMKilled, exit 137`, the alert's summary…),
    /// as received: sanitised where it is shown or written.
    pub detail: String,
}

impl Observed {
    pub fn new(
        at: jiff::Timestamp,
        change: Change,
        place: Place,
        detail: impl Into<String>,
    ) -> Self {
        Self {
            at,
            change,
            place,
            detail: detail.into(),
        }
    }

    /// Repeats of one change at one place are one line with a count.
    pub fn key(&self) -> (Change, &Place) {
        (self.change, &self.place)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_place_reads_context_namespace_object_and_round_trips() {
        let p = Place::in_namespace("shop", "pod/api-1").with_context(Some("prod-eu".into()));
        assert_eq!(p.to_string(), "prod-eu:shop/pod/api-1");
        assert_eq!(
            Place::object("prometheus/main").to_string(),
            "prometheus/main"
        );
        let o = Observed::new(
            "2026-12-03T03:00:00Z".parse().unwrap(),
            Change::PodCrashed,
            p,
            "OOMKilled",
        );
        let json = serde_json::to_string(&o).unwrap();
        assert!(json.contains(r#""change":"pod_crashed""#), "{json}");
        assert_eq!(serde_json::from_str::<Observed>(&json).unwrap(), o);
    }
}
