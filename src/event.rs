//! The typed messages that flow through the main loop.
//!
//! Every domain defines its own `Update` (worker → pane) and `Command`
//! (pane → worker) enums in its module; this file only wraps them, so a domain
//! can grow its messages without touching the others.

use crate::source::{SourceId, SourceStatus};

/// Worker → app.
#[derive(Debug)]
pub enum Update {
    /// A source's health changed (drives the status bar).
    Status {
        source: SourceId,
        status: SourceStatus,
    },
    Workloads(crate::workloads::Update),
    Containers(crate::containers::Update),
    Alerts(crate::alerts::Update),
    Logs(crate::logs::Update),
    Backups(crate::backups::Update),
    Runbook(crate::runbook::Update),
}

impl Update {
    /// The pane this update is for (`None` for status updates, which the app
    /// keeps and every pane may read).
    pub fn pane(&self) -> Option<crate::pane::PaneId> {
        use crate::pane::PaneId;
        Some(match self {
            Self::Status { .. } => return None,
            Self::Workloads(_) => PaneId::Workloads,
            Self::Containers(_) => PaneId::Containers,
            Self::Alerts(_) => PaneId::Alerts,
            Self::Logs(_) => PaneId::Logs,
            Self::Backups(_) => PaneId::Backups,
            Self::Runbook(_) => PaneId::Runbook,
        })
    }
}

/// Pane → worker. Cloned to every worker of the domain (see `WorkerCtx`).
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Workloads(crate::workloads::Command),
    Containers(crate::containers::Command),
    Alerts(crate::alerts::Command),
    Logs(crate::logs::Command),
    Backups(crate::backups::Command),
    Runbook(crate::runbook::Command),
}

impl Command {
    pub fn domain(&self) -> crate::pane::PaneId {
        use crate::pane::PaneId;
        match self {
            Self::Workloads(_) => PaneId::Workloads,
            Self::Containers(_) => PaneId::Containers,
            Self::Alerts(_) => PaneId::Alerts,
            Self::Logs(_) => PaneId::Logs,
            Self::Backups(_) => PaneId::Backups,
            Self::Runbook(_) => PaneId::Runbook,
        }
    }
}
