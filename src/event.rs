//! The envelopes the main loop carries: every domain defines its own `Update`
//! (worker → pane) and `Command` (pane → worker) in its module; this file
//! (part of the runtime layer) only wraps them, so a domain can grow its
//! messages without touching the others. Domains never use it: their workers
//! get a `source::WorkerCtx` typed with their own messages, and the runtime
//! wraps what they send (`From` below).

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
    Metrics(crate::metrics::Update),
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
            Self::Metrics(_) => PaneId::Metrics,
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
    Metrics(crate::metrics::Command),
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
            Self::Metrics(_) => PaneId::Metrics,
        }
    }
}

impl From<crate::workloads::Update> for Update {
    fn from(u: crate::workloads::Update) -> Self {
        match u {
            // A pod's log stream is for the logs pane.
            crate::workloads::Update::LogStream(chunk) => Self::Logs(chunk.into()),
            u => Self::Workloads(u),
        }
    }
}

impl From<crate::containers::Update> for Update {
    fn from(u: crate::containers::Update) -> Self {
        match u {
            // A container's log stream is for the logs pane.
            crate::containers::Update::LogStream(chunk) => Self::Logs(chunk.into()),
            u => Self::Containers(u),
        }
    }
}

impl From<crate::alerts::Update> for Update {
    fn from(u: crate::alerts::Update) -> Self {
        Self::Alerts(u)
    }
}

impl From<crate::logs::Update> for Update {
    fn from(u: crate::logs::Update) -> Self {
        Self::Logs(u)
    }
}

impl From<crate::backups::Update> for Update {
    fn from(u: crate::backups::Update) -> Self {
        Self::Backups(u)
    }
}

impl From<crate::runbook::Update> for Update {
    fn from(u: crate::runbook::Update) -> Self {
        Self::Runbook(u)
    }
}

impl From<crate::metrics::Update> for Update {
    fn from(u: crate::metrics::Update) -> Self {
        Self::Metrics(u)
    }
}

/// A domain's report as the app receives it: a status, or the domain's data
/// in its envelope.
impl<U> From<crate::source::Report<U>> for Update
where
    Update: From<U>,
{
    fn from(r: crate::source::Report<U>) -> Self {
        match r {
            crate::source::Report::Status { source, status } => Self::Status { source, status },
            crate::source::Report::Data(u) => Self::from(u),
        }
    }
}
