//! Sources and the workers that watch them.
//!
//! A **worker** owns one connection (a Kubernetes context, a Docker engine, one
//! Prometheus…) and does all of its I/O on its own tokio task: it streams typed
//! [`Update`]s to the main loop and answers the domain [`Command`]s the panes send
//! (switch namespace, stream logs for a pod…). It reports its health with
//! [`Update::Status`] so the status bar can say connected / loading / stale /
//! unreachable, and it never touches the terminal. The demo estate implements the
//! same trait, so the UI cannot tell the difference except by the DEMO label.

use crate::action::ActionHandler;
use crate::event::{Command, Update};
use std::fmt;
use std::sync::Arc;
use tokio::sync::{broadcast, mpsc};

/// The kind of backend a source talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    Kubernetes,
    Docker,
    Prometheus,
    Alertmanager,
    Loki,
    Backups,
    Runbooks,
}

impl SourceKind {
    pub fn label(self) -> &'static str {
        match self {
            Self::Kubernetes => "k8s",
            Self::Docker => "docker",
            Self::Prometheus => "prom",
            Self::Alertmanager => "am",
            Self::Loki => "loki",
            Self::Backups => "backups",
            Self::Runbooks => "runbooks",
        }
    }

    /// Kept current by watch/event streams while connected (rather than
    /// polled): its data is as fresh as the moment the stream broke.
    pub fn is_streaming(self) -> bool {
        matches!(self, Self::Kubernetes | Self::Docker)
    }

    /// The config key an operator edits to set this source up.
    pub fn config_key(self) -> &'static str {
        match self {
            Self::Kubernetes => "[kubernetes]",
            Self::Docker => "[docker]",
            Self::Prometheus => "[[prometheus]]",
            Self::Alertmanager => "[[alertmanager]]",
            Self::Loki => "[loki]",
            Self::Backups => "[[backups]]",
            Self::Runbooks => "[runbooks]",
        }
    }
}

/// One configured source: its kind and the name it goes by (a context name, an
/// Alertmanager `name`, a backup source `name`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct SourceId {
    pub kind: SourceKind,
    pub name: String,
}

impl SourceId {
    pub fn new(kind: SourceKind, name: impl Into<String>) -> Self {
        Self {
            kind,
            name: name.into(),
        }
    }
}

impl fmt::Display for SourceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.name.is_empty() {
            write!(f, "{}", self.kind.label())
        } else {
            write!(f, "{}:{}", self.kind.label(), self.name)
        }
    }
}

/// What the status bar shows for a source.
#[derive(Debug, Clone, PartialEq)]
pub enum SourceStatus {
    /// Not in the config; `hint` says how to add it.
    NotConfigured { hint: String },
    /// Turned off with `enabled = false`.
    Disabled,
    /// Connecting or loading the first full picture (spinner).
    Loading,
    /// Data is current. `detail` is e.g. the server version.
    Connected { detail: String },
    /// We have data, but the connection broke; it is being retried. The app
    /// shows the data age from its own record of the last update.
    Stale { reason: String },
    /// No data could be had. `hint` names the config key or command that fixes it.
    Unreachable { reason: String, hint: String },
}

impl SourceStatus {
    /// A settled status: the first load is over, successfully or not. `warroom
    /// report` waits for every source to settle (or time out).
    pub fn is_settled(&self) -> bool {
        !matches!(self, Self::Loading)
    }

    pub fn is_failure(&self) -> bool {
        matches!(self, Self::Unreachable { .. } | Self::Stale { .. })
    }
}

/// Sending half for updates; bounded so a flood cannot eat memory. Workers that
/// can produce bursts (logs) batch lines into one update.
pub type UpdateTx = mpsc::Sender<Update>;

/// What a worker gets to run with.
pub struct WorkerCtx {
    pub updates: UpdateTx,
    /// Commands for this worker's domain (every worker of the domain sees each
    /// one; a command names its target source where that matters).
    pub commands: broadcast::Receiver<Command>,
}

impl WorkerCtx {
    /// Send a status update; `false` once the app has gone away (stop working).
    pub async fn status(&self, id: &SourceId, status: SourceStatus) -> bool {
        self.updates
            .send(Update::Status {
                source: id.clone(),
                status,
            })
            .await
            .is_ok()
    }
}

/// One `warroom doctor` row.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Probe {
    pub source: String,
    pub ok: bool,
    /// What was checked and found: version, auth, object counts…
    pub detail: String,
    /// How to fix it, when not ok.
    pub hint: String,
}

#[async_trait::async_trait]
pub trait Worker: Send + 'static {
    fn id(&self) -> SourceId;
    /// Run until `ctx.updates` is closed. Reconnect with backoff on errors,
    /// reporting `Stale`/`Unreachable` meanwhile; never return early on error.
    async fn run(self: Box<Self>, ctx: WorkerCtx);
    /// One quick check for `warroom doctor`: reachable, version, auth.
    async fn probe(&self) -> Probe;
}

/// A domain's backend: the workers to start and the handler for its incident actions.
#[derive(Default)]
pub struct Backend {
    pub workers: Vec<Box<dyn Worker>>,
    pub actions: Option<Arc<dyn ActionHandler>>,
    /// Statuses to show for sources that have no worker (not configured, disabled).
    pub idle: Vec<(SourceId, SourceStatus)>,
}
