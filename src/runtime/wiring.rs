//! Building the console from the config: one backend per domain (live or demo),
//! the action door, and the hub that starts workers and routes commands.

use crate::action::{Actions, Domain};
use crate::audit::AuditLog;
use crate::config::Config;
use crate::event::{Command, Update};
use crate::runtime::AnyPane;
use crate::source::{
    Backend, Commands, DynWorker, Probe, SourceId, SourceStatus, UpdateTx, Worker, WorkerCtx,
};
use crate::{alerts, backups, containers, logs, metrics, runbook, workloads};
use std::sync::Arc;
use tokio::sync::{broadcast, mpsc};

/// Updates queued between workers and the main loop before workers wait.
const UPDATE_QUEUE: usize = 4096;
/// Each domain's own queue in front of it (its forwarder drains it at once).
const DOMAIN_QUEUE: usize = 256;
const COMMAND_QUEUE: usize = 256;

#[derive(Debug, Clone, Copy, Default)]
pub struct Mode {
    pub demo: bool,
    pub read_only: bool,
    /// The console, not a headless command: only the console resumes an
    /// open incident (a `report` must not add to its journal or hold its lock).
    pub console: bool,
}

/// Each domain's workers, typed by the domain's own messages.
#[derive(Default)]
pub struct Workers {
    pub workloads: Vec<DynWorker<workloads::Update, workloads::Command>>,
    pub containers: Vec<DynWorker<containers::Update, containers::Command>>,
    pub alerts: Vec<DynWorker<alerts::Update, alerts::Command>>,
    pub logs: Vec<DynWorker<logs::Update, logs::Command>>,
    pub backups: Vec<DynWorker<backups::Update, backups::Command>>,
    pub runbook: Vec<DynWorker<runbook::Update, runbook::Command>>,
    pub metrics: Vec<DynWorker<metrics::Update, metrics::Command>>,
}

impl Workers {
    pub fn is_empty(&self) -> bool {
        self.workloads.is_empty()
            && self.containers.is_empty()
            && self.alerts.is_empty()
            && self.logs.is_empty()
            && self.backups.is_empty()
            && self.runbook.is_empty()
            && self.metrics.is_empty()
    }
}

/// Everything the console runs on, before anything is started.
pub struct Wiring {
    pub panes: Vec<Box<dyn AnyPane>>,
    pub workers: Workers,
    pub idle: Vec<(SourceId, SourceStatus)>,
    pub actions: Arc<Actions>,
}

/// Take a domain's backend apart: its handler goes to the door, its idle
/// statuses to the list, its workers are returned.
fn take<U, C>(
    backend: Backend<U, C>,
    domain: Option<Domain>,
    actions: &mut Actions,
    idle: &mut Vec<(SourceId, SourceStatus)>,
) -> Vec<DynWorker<U, C>> {
    if let (Some(domain), Some(handler)) = (domain, backend.actions) {
        actions.register(domain, handler);
    }
    idle.extend(backend.idle);
    backend.workers
}

/// Assemble panes, workers and action handlers for `cfg` (or the demo estate).
/// Cheap and synchronous: workers connect when started.
pub fn wire(cfg: &Config, mode: Mode, audit: AuditLog) -> Wiring {
    let sessions = workloads::Sessions {
        audit: audit.clone(),
        read_only: mode.read_only,
    };
    let mut actions = Actions::new(audit, mode.read_only, mode.demo);
    let mut idle = Vec::new();
    // Each domain's live or demo backend: its handler to the door, its
    // idle statuses to the list, its workers kept.
    macro_rules! backend {
        ($domain:ident, $door:expr) => {
            take(
                if mode.demo {
                    crate::$domain::demo()
                } else {
                    crate::$domain::live(cfg)
                },
                $door,
                &mut actions,
                &mut idle,
            )
        };
    }
    let mut workers = Workers {
        workloads: take(
            if mode.demo {
                workloads::demo(sessions)
            } else {
                workloads::live(cfg, sessions)
            },
            Some(Domain::Kubernetes),
            &mut actions,
            &mut idle,
        ),
        containers: backend!(containers, Some(Domain::Docker)),
        alerts: backend!(alerts, Some(Domain::Alertmanager)),
        logs: backend!(logs, None),
        backups: backend!(backups, Some(Domain::Backups)),
        runbook: Vec::new(),
        metrics: backend!(metrics, None),
    };
    // The runbook worker runs actions itself, through the finished door.
    let actions = Arc::new(actions);
    let runbook = if mode.demo {
        crate::runbook::demo(actions.clone())
    } else if mode.console {
        crate::runbook::live(cfg, actions.clone())
    } else {
        crate::runbook::headless(cfg, actions.clone())
    };
    idle.extend(runbook.idle);
    workers.runbook = runbook.workers;
    let panes: Vec<Box<dyn AnyPane>> = vec![
        Box::new(crate::workloads::pane(cfg)),
        Box::new(crate::containers::pane(cfg)),
        Box::new(crate::alerts::pane(cfg)),
        Box::new(crate::logs::pane(cfg)),
        Box::new(crate::backups::pane(cfg)),
        Box::new(crate::runbook::pane(cfg)),
        Box::new(if mode.demo {
            crate::metrics::demo_pane(cfg)
        } else {
            crate::metrics::pane(cfg)
        }),
    ];
    Wiring {
        panes,
        workers,
        idle,
        actions,
    }
}

/// Each domain's command channel.
struct Senders {
    workloads: broadcast::Sender<workloads::Command>,
    containers: broadcast::Sender<containers::Command>,
    alerts: broadcast::Sender<alerts::Command>,
    logs: broadcast::Sender<logs::Command>,
    backups: broadcast::Sender<backups::Command>,
    runbook: broadcast::Sender<runbook::Command>,
    metrics: broadcast::Sender<metrics::Command>,
}

/// Running workers and the channels to them.
pub struct Hub {
    pub updates: mpsc::Receiver<Update>,
    commands: Senders,
    /// Every source that will report (workers and idle ones).
    pub expected: Vec<SourceId>,
    tasks: Vec<tokio::task::AbortHandle>,
}

/// Start one domain's workers: each on its own task with a context typed for
/// the domain, their reports forwarded into the app's queue as `Update`s.
fn start_domain<U, C>(
    workers: Vec<DynWorker<U, C>>,
    app: &mpsc::Sender<Update>,
    expected: &mut Vec<SourceId>,
    tasks: &mut Vec<tokio::task::AbortHandle>,
) -> broadcast::Sender<C>
where
    U: Send + 'static,
    C: Clone + Send + 'static,
    Update: From<U>,
{
    let (commands, _) = broadcast::channel(COMMAND_QUEUE);
    let envelope = <Update as From<crate::source::Report<U>>>::from;
    if workers.is_empty() {
        return commands;
    }
    let (updates, mut reports) = UpdateTx::channel(DOMAIN_QUEUE);
    for worker in workers {
        let id = worker.id();
        if worker.is_source() {
            expected.push(id.clone());
        }
        let ctx = WorkerCtx {
            updates: updates.clone(),
            commands: Commands::new(commands.subscribe()),
        };
        let inner = tokio::spawn(worker.run(ctx));
        tasks.push(inner.abort_handle());
        tasks.push(tokio::spawn(supervise(id, inner, app.clone())).abort_handle());
    }
    let app = app.clone();
    let forward = tokio::spawn(async move {
        while let Some(report) = reports.recv().await {
            if app.send(envelope(report)).await.is_err() {
                break;
            }
        }
    });
    tasks.push(forward.abort_handle());
    commands
}

/// One worker started alone, its reports wrapped into the app's envelopes as
/// the hub does (a pod's log stream arrives as the logs pane's update): for
/// tests and tools that watch one source. Returns the updates, the sender of
/// the worker's commands, and its task (worker and forwarder).
pub fn start_alone<U, C>(
    worker: DynWorker<U, C>,
    capacity: usize,
) -> (
    mpsc::Receiver<Update>,
    broadcast::Sender<C>,
    tokio::task::JoinHandle<()>,
)
where
    U: Send + 'static,
    C: Clone + Send + 'static,
    Update: From<U>,
{
    let (tx, rx) = mpsc::channel(capacity);
    let (ctx, mut reports, commands) = WorkerCtx::detached(capacity);
    let envelope = <Update as From<crate::source::Report<U>>>::from;
    let task = tokio::spawn(async move {
        let forward = async move {
            while let Some(r) = reports.recv().await {
                if tx.send(envelope(r)).await.is_err() {
                    break;
                }
            }
        };
        tokio::join!(worker.run(ctx), forward);
    });
    (rx, commands, task)
}

impl Hub {
    /// Start every worker on its own task. Idle statuses are queued first so
    /// the status bar shows "not configured" sources from the first frame.
    pub fn start(workers: Workers, idle: Vec<(SourceId, SourceStatus)>) -> Self {
        let (tx, rx) = mpsc::channel(UPDATE_QUEUE);
        let mut expected: Vec<SourceId> = idle.iter().map(|(id, _)| id.clone()).collect();
        for (id, status) in idle {
            let _ = tx.try_send(Update::Status { source: id, status });
        }
        let mut tasks = Vec::new();
        let (e, t) = (&mut expected, &mut tasks);
        let commands = Senders {
            workloads: start_domain(workers.workloads, &tx, e, t),
            containers: start_domain(workers.containers, &tx, e, t),
            alerts: start_domain(workers.alerts, &tx, e, t),
            logs: start_domain(workers.logs, &tx, e, t),
            backups: start_domain(workers.backups, &tx, e, t),
            runbook: start_domain(workers.runbook, &tx, e, t),
            metrics: start_domain(workers.metrics, &tx, e, t),
        };
        Self {
            updates: rx,
            commands,
            expected,
            tasks,
        }
    }

    /// Route a command to its domain's workers. No receiver: the domain has
    /// no running worker; the pane already shows that source as not configured.
    pub fn send(&self, cmd: Command) {
        let c = &self.commands;
        let _ = match cmd {
            Command::Workloads(x) => c.workloads.send(x).map(drop).map_err(drop),
            Command::Containers(x) => c.containers.send(x).map(drop).map_err(drop),
            Command::Alerts(x) => c.alerts.send(x).map(drop).map_err(drop),
            Command::Logs(x) => c.logs.send(x).map(drop).map_err(drop),
            Command::Backups(x) => c.backups.send(x).map(drop).map_err(drop),
            Command::Runbook(x) => c.runbook.send(x).map(drop).map_err(drop),
            Command::Metrics(x) => c.metrics.send(x).map(drop).map_err(drop),
        };
    }
}

/// A worker that panics must not take the console with it, nor leave its
/// source showing a healthy status forever: say so in the status bar, with
/// where to look. (The panic hook only logs panics off the main thread.)
async fn supervise(
    id: SourceId,
    worker: tokio::task::JoinHandle<()>,
    updates: mpsc::Sender<Update>,
) {
    let Err(e) = worker.await else { return };
    if !e.is_panic() {
        return;
    }
    let payload = e.into_panic();
    let message = payload
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| payload.downcast_ref::<&str>().copied())
        .unwrap_or("no message");
    tracing::error!(source = %id, "worker panicked: {message}");
    let _ = updates
        .send(Update::Status {
            source: id,
            status: SourceStatus::Unreachable {
                reason: format!("internal error, the worker stopped: {message}"),
                hint: "the log file has details (`warroom doctor` prints where); restart warroom to retry".into(),
            },
        })
        .await;
}

impl Drop for Hub {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

impl Hub {
    /// Feed updates to `apply` until every expected source has settled
    /// (first load done, or failed) or `timeout` passes; then drain what is
    /// already queued (data sent just before a status). Returns the statuses.
    pub async fn settle(
        &mut self,
        timeout: std::time::Duration,
        mut apply: impl FnMut(Update),
    ) -> std::collections::BTreeMap<SourceId, SourceStatus> {
        let mut statuses = std::collections::BTreeMap::new();
        let deadline = tokio::time::Instant::now() + timeout;
        let expected = self.expected.clone();
        let settled = |s: &std::collections::BTreeMap<SourceId, SourceStatus>| {
            expected
                .iter()
                .all(|id| s.get(id).is_some_and(SourceStatus::is_settled))
        };
        let mut take =
            |u: Update, statuses: &mut std::collections::BTreeMap<SourceId, SourceStatus>| {
                if let Update::Status { source, status } = &u {
                    statuses.insert(source.clone(), status.clone());
                }
                apply(u);
            };
        while !settled(&statuses) {
            tokio::select! {
                u = self.updates.recv() => match u {
                    Some(u) => take(u, &mut statuses),
                    None => break,
                },
                _ = tokio::time::sleep_until(deadline) => break,
            }
        }
        while let Ok(u) = self.updates.try_recv() {
            take(u, &mut statuses);
        }
        statuses
    }
}

/// Probe every worker concurrently, each bounded by `timeout`.
pub async fn probe_all(workers: &Workers, timeout: std::time::Duration) -> Vec<Probe> {
    use futures::FutureExt;
    let mut futures: Vec<futures::future::LocalBoxFuture<'_, Probe>> = Vec::new();
    futures.extend(
        workers
            .workloads
            .iter()
            .map(|w| probe_one(w.as_ref(), timeout).boxed_local()),
    );
    futures.extend(
        workers
            .containers
            .iter()
            .map(|w| probe_one(w.as_ref(), timeout).boxed_local()),
    );
    futures.extend(
        workers
            .alerts
            .iter()
            .map(|w| probe_one(w.as_ref(), timeout).boxed_local()),
    );
    futures.extend(
        workers
            .logs
            .iter()
            .map(|w| probe_one(w.as_ref(), timeout).boxed_local()),
    );
    futures.extend(
        workers
            .backups
            .iter()
            .map(|w| probe_one(w.as_ref(), timeout).boxed_local()),
    );
    futures.extend(
        workers
            .runbook
            .iter()
            .map(|w| probe_one(w.as_ref(), timeout).boxed_local()),
    );
    // (The metrics worker asks the same `[[prometheus]]` the alerts
    // workers probe: not probed twice.)
    futures::future::join_all(futures).await
}

async fn probe_one<W: Worker + ?Sized>(w: &W, timeout: std::time::Duration) -> Probe {
    let id = w.id();
    match tokio::time::timeout(timeout, w.probe()).await {
        Ok(p) => p,
        Err(_) => Probe {
            source: id.to_string(),
            ok: false,
            detail: format!("no answer within {}", humantime::format_duration(timeout)),
            hint: format!(
                "check that the {} endpoint is reachable from here",
                id.kind.config_key()
            ),
        },
    }
}
