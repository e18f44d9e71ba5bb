//! Sources and the workers that watch them.
//!
//! A **worker** owns one connection (a Kubernetes context, a Docker engine, one
//! Prometheus…) and does all of its I/O on its own tokio task: it streams its
//! domain's own typed updates to the main loop and answers the domain's own
//! commands the panes send (switch namespace, stream logs for a pod…), through
//! a [`WorkerCtx`] typed for that domain. It reports its health with
//! [`Report::Status`] so the status bar can say connected / loading / stale /
//! unreachable, and it never touches the terminal. The demo estate implements the
//! same trait, so the UI cannot tell the difference except by the DEMO label.

use crate::action::ActionHandler;
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

/// What a worker reports: its source's health, or data for its pane.
#[derive(Debug)]
pub enum Report<U> {
    Status {
        source: SourceId,
        status: SourceStatus,
    },
    Data(U),
}

/// The app has gone away: the worker should stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the console has stopped listening")]
pub struct Closed;

/// Sending half for a domain's updates; bounded so a flood cannot eat memory.
/// Workers that can produce bursts (logs) batch lines into one update.
pub struct UpdateTx<U> {
    tx: mpsc::Sender<Report<U>>,
}

impl<U> Clone for UpdateTx<U> {
    fn clone(&self) -> Self {
        Self {
            tx: self.tx.clone(),
        }
    }
}

impl<U: Send> UpdateTx<U> {
    pub fn new(tx: mpsc::Sender<Report<U>>) -> Self {
        Self { tx }
    }

    /// A channel of this domain's reports, with room for `capacity` (tests,
    /// and the runtime's per-domain queues).
    pub fn channel(capacity: usize) -> (Self, mpsc::Receiver<Report<U>>) {
        let (tx, rx) = mpsc::channel(capacity);
        (Self { tx }, rx)
    }

    /// Send data for the pane; waits while the queue is full.
    pub async fn send(&self, update: U) -> Result<(), Closed> {
        self.tx.send(Report::Data(update)).await.map_err(|_| Closed)
    }

    /// Report the source's health; `false` once the app has gone away.
    pub async fn status(&self, source: &SourceId, status: SourceStatus) -> bool {
        self.tx
            .send(Report::Status {
                source: source.clone(),
                status,
            })
            .await
            .is_ok()
    }

    pub fn is_closed(&self) -> bool {
        self.tx.is_closed()
    }

    /// Resolves when the app has gone away.
    pub async fn closed(&self) {
        self.tx.closed().await
    }
}

/// The receiving half of a domain's commands. Every worker of the domain sees
/// each command; a command names its target source where that matters.
pub struct Commands<C> {
    rx: broadcast::Receiver<C>,
}

impl<C: Clone> Commands<C> {
    pub fn new(rx: broadcast::Receiver<C>) -> Self {
        Self { rx }
    }

    /// The next command; `None` once the app has gone away. A worker that
    /// fell behind by more than the queue skips what it missed (logged):
    /// commands are requests for the current view, the latest is what counts.
    pub async fn recv(&mut self) -> Option<C> {
        loop {
            match self.rx.recv().await {
                Ok(c) => return Some(c),
                Err(broadcast::error::RecvError::Lagged(n)) => {
                    tracing::warn!("a worker fell behind and skipped {n} command(s)");
                }
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    }
}

/// What a worker gets to run with: its domain's own update and command types.
pub struct WorkerCtx<U, C> {
    pub updates: UpdateTx<U>,
    pub commands: Commands<C>,
}

impl<U: Send, C: Clone> WorkerCtx<U, C> {
    /// A context on channels the caller holds, to drive one worker alone
    /// (tests): its reports, and the sender of its commands.
    pub fn detached(capacity: usize) -> (Self, mpsc::Receiver<Report<U>>, broadcast::Sender<C>) {
        let (updates, reports) = UpdateTx::channel(capacity);
        let (commands, rx) = broadcast::channel(capacity.clamp(16, 256));
        let ctx = Self {
            updates,
            commands: Commands::new(rx),
        };
        (ctx, reports, commands)
    }
}

impl<U: Send, C> WorkerCtx<U, C> {
    /// Send a status update; `false` once the app has gone away (stop working).
    pub async fn status(&self, id: &SourceId, status: SourceStatus) -> bool {
        self.updates.status(id, status).await
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
    /// Its domain's worker → pane messages.
    type Update: Send + 'static;
    /// Its domain's pane → worker messages.
    type Command: Clone + Send + 'static;

    fn id(&self) -> SourceId;
    /// A source of its own, whose status the status bar shows and `report`
    /// waits for. `false` for a worker that asks a source another worker
    /// reports on (the Metrics pane queries the `[[prometheus]]` the alerts
    /// workers poll): it reports no status.
    fn is_source(&self) -> bool {
        true
    }
    /// Run until `ctx.updates` is closed. Reconnect with backoff on errors,
    /// reporting `Stale`/`Unreachable` meanwhile; never return early on error.
    async fn run(self: Box<Self>, ctx: WorkerCtx<Self::Update, Self::Command>);
    /// One quick check for `warroom doctor`: reachable, version, auth.
    async fn probe(&self) -> Probe;
}

/// A worker of a domain whose messages are `U` and `C`.
pub type DynWorker<U, C> = Box<dyn Worker<Update = U, Command = C>>;

/// A domain's backend: the workers to start and the handler for its incident actions.
pub struct Backend<U, C> {
    pub workers: Vec<DynWorker<U, C>>,
    pub actions: Option<Arc<dyn ActionHandler>>,
    /// Statuses to show for sources that have no worker (not configured, disabled).
    pub idle: Vec<(SourceId, SourceStatus)>,
}

impl<U, C> Default for Backend<U, C> {
    fn default() -> Self {
        Self {
            workers: Vec::new(),
            actions: None,
            idle: Vec::new(),
        }
    }
}
