//! Building the console from the config: one backend per domain (live or demo),
//! the action door, and the hub that starts workers and routes commands.

use crate::action::{Actions, Domain};
use crate::audit::AuditLog;
use crate::config::Config;
use crate::event::{Command, Update};
use crate::pane::PaneId;
use crate::runtime::AnyPane;
use crate::source::{Backend, Probe, SourceId, SourceStatus, Worker, WorkerCtx};
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::{broadcast, mpsc};

/// Updates queued between workers and the main loop before workers wait.
const UPDATE_QUEUE: usize = 4096;
const COMMAND_QUEUE: usize = 256;

#[derive(Debug, Clone, Copy, Default)]
pub struct Mode {
    pub demo: bool,
    pub read_only: bool,
}

/// Everything the console runs on, before anything is started.
pub struct Wiring {
    pub panes: Vec<Box<dyn AnyPane>>,
    pub workers: Vec<(PaneId, Box<dyn Worker>)>,
    pub idle: Vec<(SourceId, SourceStatus)>,
    pub actions: Arc<Actions>,
}

/// Assemble panes, workers and action handlers for `cfg` (or the demo estate).
/// Cheap and synchronous: workers connect when started.
pub fn wire(cfg: &Config, mode: Mode, audit: AuditLog) -> Wiring {
    let mut actions = Actions::new(audit, mode.read_only, mode.demo);
    let domain_backends: Vec<(PaneId, Option<Domain>, Backend)> = if mode.demo {
        vec![
            (
                PaneId::Workloads,
                Some(Domain::Kubernetes),
                crate::workloads::demo(),
            ),
            (
                PaneId::Containers,
                Some(Domain::Docker),
                crate::containers::demo(),
            ),
            (
                PaneId::Alerts,
                Some(Domain::Alertmanager),
                crate::alerts::demo(),
            ),
            (PaneId::Logs, None, crate::logs::demo()),
            (
                PaneId::Backups,
                Some(Domain::Backups),
                crate::backups::demo(),
            ),
        ]
    } else {
        vec![
            (
                PaneId::Workloads,
                Some(Domain::Kubernetes),
                crate::workloads::live(cfg),
            ),
            (
                PaneId::Containers,
                Some(Domain::Docker),
                crate::containers::live(cfg),
            ),
            (
                PaneId::Alerts,
                Some(Domain::Alertmanager),
                crate::alerts::live(cfg),
            ),
            (PaneId::Logs, None, crate::logs::live(cfg)),
            (
                PaneId::Backups,
                Some(Domain::Backups),
                crate::backups::live(cfg),
            ),
        ]
    };
    let mut workers = Vec::new();
    let mut idle = Vec::new();
    for (pane, domain, backend) in domain_backends {
        if let (Some(domain), Some(handler)) = (domain, backend.actions) {
            actions.register(domain, handler);
        }
        workers.extend(backend.workers.into_iter().map(|w| (pane, w)));
        idle.extend(backend.idle);
    }
    let actions = Arc::new(actions);
    let runbook = if mode.demo {
        crate::runbook::demo(actions.clone())
    } else {
        crate::runbook::live(cfg, actions.clone())
    };
    workers.extend(runbook.workers.into_iter().map(|w| (PaneId::Runbook, w)));
    idle.extend(runbook.idle);
    let panes: Vec<Box<dyn AnyPane>> = vec![
        Box::new(crate::workloads::pane(cfg)),
        Box::new(crate::containers::pane(cfg)),
        Box::new(crate::alerts::pane(cfg)),
        Box::new(crate::logs::pane(cfg)),
        Box::new(crate::backups::pane(cfg)),
        Box::new(crate::runbook::pane(cfg)),
    ];
    Wiring {
        panes,
        workers,
        idle,
        actions,
    }
}

/// Running workers and the channels to them.
pub struct Hub {
    pub updates: mpsc::Receiver<Update>,
    commands: HashMap<PaneId, broadcast::Sender<Command>>,
    /// Every source that will report (workers and idle ones).
    pub expected: Vec<SourceId>,
    tasks: Vec<tokio::task::AbortHandle>,
}

impl Hub {
    /// Start every worker on its own task. Idle statuses are queued first so
    /// the status bar shows "not configured" sources from the first frame.
    pub fn start(
        workers: Vec<(PaneId, Box<dyn Worker>)>,
        idle: Vec<(SourceId, SourceStatus)>,
    ) -> Self {
        let (tx, rx) = mpsc::channel(UPDATE_QUEUE);
        let mut commands: HashMap<PaneId, broadcast::Sender<Command>> = HashMap::new();
        for pane in PaneId::ALL {
            commands.insert(pane, broadcast::channel(COMMAND_QUEUE).0);
        }
        let mut expected: Vec<SourceId> = idle.iter().map(|(id, _)| id.clone()).collect();
        for (id, status) in idle {
            let _ = tx.try_send(Update::Status { source: id, status });
        }
        let mut tasks = Vec::new();
        for (pane, worker) in workers {
            expected.push(worker.id());
            let ctx = WorkerCtx {
                updates: tx.clone(),
                commands: commands[&pane].subscribe(),
            };
            let id = worker.id();
            let inner = tokio::spawn(worker.run(ctx));
            tasks.push(inner.abort_handle());
            tasks.push(tokio::spawn(supervise(id, inner, tx.clone())).abort_handle());
        }
        Self {
            updates: rx,
            commands,
            expected,
            tasks,
        }
    }

    pub fn send(&self, cmd: Command) {
        if let Some(tx) = self.commands.get(&cmd.domain()) {
            // No receiver: the domain has no running worker; the pane already
            // shows that source as not configured.
            let _ = tx.send(cmd);
        }
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
pub async fn probe_all(
    workers: &[(PaneId, Box<dyn Worker>)],
    timeout: std::time::Duration,
) -> Vec<Probe> {
    let futures = workers.iter().map(|(_, w)| async move {
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
    });
    futures::future::join_all(futures).await
}
