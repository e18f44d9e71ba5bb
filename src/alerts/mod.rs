//! Alerts: Prometheus and Alertmanager, grouped and severity-ordered, with silences.
//!
//! - [`worker`]: one polling worker per configured endpoint ([`client`] does the HTTP,
//!   [`api`] holds the wire types);
//! - [`model`]: alerts merged across sources and grouped; [`matcher`] parses the
//!   matcher syntax shared by the filter, the silence form and the CLI;
//! - [`pane`] and [`view`]: the state and its rendering; [`jump`]: runbook, workload
//!   and log jumps; [`timeline`]: per-group sparklines;
//! - [`actions`]: silence / ack / expire for live and demo; [`demo`]: the simulation.

pub mod actions;
#[cfg(test)]
mod actions_tests;
mod announce;
pub mod api;
pub mod client;
pub mod demo;
pub mod jump;
pub mod matcher;
pub mod model;
mod observe;
pub mod pane;
mod pane_actions;
mod pane_report;
pub mod timeline;
pub mod view;
mod view_detail;
mod view_health;
pub mod worker;

#[cfg(test)]
mod model_tests;
#[cfg(test)]
mod pane_tests;
#[cfg(test)]
mod test_support;
#[cfg(test)]
mod view_tests;

use crate::config::Config;
use crate::source::{Backend, SourceId, SourceKind, SourceStatus};
use std::collections::HashMap;
use std::sync::Arc;

crate::actions! {
    /// The alerts pane's keymap section.
    pub enum Action {
        Silence = ("silence", "Silence the selected alert or group (preview first)"),
        Ack = ("ack", "Acknowledge: a short silence in one key"),
        ExpireSilence = ("expire_silence", "Expire the selected silence"),
        ToggleSilences = ("toggle_silences", "Alerts / silences view"),
        OpenRunbook = ("open_runbook", "Open the alert's runbook"),
        JumpLogs = ("jump_logs", "Logs for the alert's labels"),
        JumpTarget = ("jump_target", "Jump to the alert's workload or container"),
        Graph = ("graph", "Graph the alert's rule (threshold and firing time marked)"),
        Refresh = ("refresh", "Poll every Prometheus and Alertmanager now"),
    }
}

/// The silence form: where the silence goes (`None`: the field, or the
/// Alertmanager that reported the alerts).
#[derive(Debug, Clone, PartialEq)]
pub struct SilenceForm {
    pub alertmanager: Option<String>,
}
/// Worker → pane messages.
#[derive(Debug)]
pub enum Update {
    /// A complete poll of one source; replaces its previous snapshot.
    Snapshot(Box<model::Snapshot>),
    /// A poll of `source` failed. The pane keeps that source's last snapshot on
    /// screen but marks what only it reported as stale until a poll succeeds
    /// (the pane never sees source statuses, so the worker tells it directly).
    Down { source: SourceId, reason: String },
}

/// Pane → worker messages.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Poll now instead of waiting for the interval.
    Refresh,
}

/// The pane, before any data has arrived.
pub fn pane(cfg: &Config) -> pane::AlertsPane {
    pane::AlertsPane::new(cfg)
}

/// What to add to config.toml for a missing source.
fn not_configured(kind: SourceKind) -> (SourceId, SourceStatus) {
    let hint = match kind {
        SourceKind::Prometheus => {
            "add to config.toml: [[prometheus]] name = \"main\" url = \"http://localhost:9090\""
        }
        _ => "add to config.toml: [[alertmanager]] name = \"main\" url = \"http://localhost:9093\"",
    };
    (
        SourceId::new(kind, ""),
        SourceStatus::NotConfigured { hint: hint.into() },
    )
}

/// Workers and action handler for the configured sources.
pub fn live(cfg: &Config) -> Backend<Update, Command> {
    let mut backend = Backend::default();
    if cfg.prometheus.is_empty() {
        backend.idle.push(not_configured(SourceKind::Prometheus));
    }
    if cfg.alertmanager.is_empty() {
        backend.idle.push(not_configured(SourceKind::Alertmanager));
    }
    for ep in &cfg.prometheus {
        backend.workers.push(Box::new(worker::PollWorker::new(
            SourceId::new(SourceKind::Prometheus, &ep.name),
            ep.interval,
            worker::PromPoller::new(ep.clone()),
            Arc::new(tokio::sync::Notify::new()),
        )));
    }
    let mut nudges = HashMap::new();
    for ep in &cfg.alertmanager {
        let nudge = Arc::new(tokio::sync::Notify::new());
        nudges.insert(ep.name.clone(), nudge.clone());
        backend.workers.push(Box::new(worker::PollWorker::new(
            SourceId::new(SourceKind::Alertmanager, &ep.name),
            ep.interval,
            worker::AmPoller::new(ep.clone()),
            nudge,
        )));
    }
    if !cfg.alertmanager.is_empty() {
        backend.actions = Some(Arc::new(actions::SilenceHandler::new(worker::LiveAm {
            endpoints: cfg.alertmanager.clone(),
            nudges,
        })));
    }
    backend
}

/// The simulated estate for `--demo`.
pub fn demo() -> Backend<Update, Command> {
    demo::backend()
}
