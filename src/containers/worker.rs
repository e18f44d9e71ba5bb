//! The live Docker worker: list and inspect once, then follow the events stream.
//!
//! No polling: after the first full load, only the container an event names
//! is re-inspected, and only for events that can change what the pane shows.
//! Health-probe runs (`exec_start`/`exec_die` every probe interval, for every
//! container with a health check) are not among them: re-inspecting on those
//! would be polling in disguise. The engine sends `health_status` on every
//! health transition, which is what the verdicts need; the failing streak
//! and probe log are refreshed with it and with every other event.
//!
//! A failed inspect concerns one container: a 404 means it is gone, other
//! errors retry that id with backoff. Only a broken event stream ends the
//! session; then the data is kept and marked stale, the worker reconnects
//! with backoff and re-lists (events missed meanwhile are covered by the
//! fresh list).

use super::client::{self, Endpoint};
use super::error::{ContainerError, DockerError};
use super::logstream::{self, LogRequest};
use super::model::{self, Container};
use super::stats::{self, StatsStreams};
use super::{Command, Update};
use crate::source::{Probe, SourceId, SourceKind, SourceStatus, Worker, WorkerCtx};
use crate::target::{LogChunk, LogTarget};
use crate::text::natural_cmp;
use bollard::Docker;
use bollard::query_parameters::{EventsOptionsBuilder, ListContainersOptionsBuilder};
use futures::StreamExt;
use std::collections::HashMap;
use std::time::Duration;
use tokio::task::JoinHandle;
use tokio::time::Instant;

/// Events that can change what the pane shows. `create` is here because a
/// new container is a new row.
const EVENTS: &[&str] = &[
    "create",
    "start",
    "restart",
    "stop",
    "die",
    "kill",
    "oom",
    "pause",
    "unpause",
    "rename",
    "update",
    "destroy",
    // Matches `health_status: healthy` etc.: the engine filters on the part
    // before the colon.
    "health_status",
];
/// Bursts (`docker restart` is kill, die, stop, start, restart) become one
/// inspect: an id is inspected this long after the first event of a burst.
/// Not reset by later events, so a chatty container still gets inspected.
const COALESCE: Duration = Duration::from_millis(200);
/// A failed inspect (other than 404) is retried after 1s, 2s, 4s…
const RETRY_FIRST: Duration = Duration::from_secs(1);
/// …this many times; then the row keeps its last state until the next event.
const RETRIES: u32 = 5;
const INSPECT_PARALLEL: usize = 8;

pub fn source_id() -> SourceId {
    SourceId::new(SourceKind::Docker, "")
}

pub struct LiveWorker {
    pub endpoint: Endpoint,
}

/// Why a session ended.
enum End {
    /// The app went away: stop.
    Gone,
    /// The connection broke: reconnect.
    Broken(String),
}

/// State that outlives one connection.
#[derive(Default)]
struct Shared {
    have_data: bool,
    logs: Option<JoinHandle<()>>,
    /// The visible set the pane last sent, re-applied after a reconnect.
    watch: Option<Vec<String>>,
}

impl Drop for Shared {
    fn drop(&mut self) {
        if let Some(t) = self.logs.take() {
            t.abort();
        }
    }
}

#[async_trait::async_trait]
impl Worker for LiveWorker {
    type Update = crate::containers::Update;
    type Command = crate::containers::Command;

    fn id(&self) -> SourceId {
        source_id()
    }

    async fn run(self: Box<Self>, mut ctx: WorkerCtx<Self::Update, Self::Command>) {
        let id = source_id();
        let mut shared = Shared::default();
        let mut backoff = Duration::from_secs(1);
        if !ctx.status(&id, SourceStatus::Loading).await {
            return;
        }
        loop {
            let status = match client::connect(&self.endpoint).await {
                Ok((docker, detail)) => {
                    match session(&docker, &detail, &mut ctx, &mut shared).await {
                        End::Gone => return,
                        End::Broken(reason) => {
                            backoff = Duration::from_secs(1);
                            SourceStatus::Stale { reason }
                        }
                    }
                }
                Err(e) if shared.have_data => SourceStatus::Stale {
                    reason: e.to_string(),
                },
                Err(e) => SourceStatus::Unreachable {
                    reason: e.to_string(),
                    hint: e.hint().unwrap_or_else(|| self.endpoint.hint()),
                },
            };
            if !ctx.status(&id, status.clone()).await {
                return;
            }
            // Wait out the backoff, still answering commands (a log request
            // while the engine is down ends at once, with the reason).
            let until = Instant::now() + backoff;
            loop {
                tokio::select! {
                    _ = tokio::time::sleep_until(until) => break,
                    cmd = ctx.commands.recv() => match cmd {
                        Some(c) => {
                            if let Command::StreamLogs { name, .. } = c {
                                let reason = match &status {
                                    SourceStatus::Stale { reason } | SourceStatus::Unreachable { reason, .. } => reason.clone(),
                                    _ => "not connected".into(),
                                };
                                let _ = ctx.updates.send(Update::LogStream(LogChunk::Ended {
                                    target: LogTarget::Container { name },
                                    error: Some(format!("Docker engine unavailable: {reason}")),
                                })).await;
                            } else if let Command::WatchStats { ids } = c {
                                shared.watch = Some(ids);
                            }
                        }
                        None => return,
                    },
                }
            }
            if ctx.updates.is_closed() {
                return;
            }
            backoff = (backoff * 2).min(Duration::from_secs(30));
        }
    }

    async fn probe(&self) -> Probe {
        let source = source_id().to_string();
        match client::connect(&self.endpoint).await {
            Ok((docker, detail)) => {
                let opts = ListContainersOptionsBuilder::new().all(true).build();
                match docker.list_containers(Some(opts)).await {
                    Ok(list) => Probe {
                        source,
                        ok: true,
                        detail: format!(
                            "{detail} at {}, {} containers",
                            self.endpoint.host,
                            list.len()
                        ),
                        hint: String::new(),
                    },
                    Err(e) => Probe {
                        source,
                        ok: false,
                        detail: format!(
                            "{detail}: listing containers failed: {}",
                            DockerError::from(e)
                        ),
                        hint: self.endpoint.hint(),
                    },
                }
            }
            Err(e) => Probe {
                source,
                ok: false,
                detail: e.to_string(),
                hint: e.hint().unwrap_or_else(|| self.endpoint.hint()),
            },
        }
    }
}

/// Inspect a container (by id or name); `Ok(None)` when it is gone (404).
pub(super) async fn inspect(docker: &Docker, id: &str) -> Result<Option<Container>, DockerError> {
    match docker.inspect_container(id, None).await {
        Ok(r) => Ok(Some(model::from_inspect(&r))),
        Err(e) => match DockerError::from(e) {
            DockerError::Engine { status: 404, .. } => Ok(None),
            e => Err(e),
        },
    }
}

/// List every container and inspect each (list results on API < 1.52 carry
/// no health, and never the probe log).
pub async fn load_all(docker: &Docker) -> Result<Vec<Container>, ContainerError> {
    let opts = ListContainersOptionsBuilder::new().all(true).build();
    let list = docker
        .list_containers(Some(opts))
        .await
        .map_err(|e| ContainerError::call("listing containers", &e))?;
    let ids: Vec<String> = list.into_iter().filter_map(|c| c.id).collect();
    let results: Vec<Result<Option<Container>, DockerError>> = futures::stream::iter(ids)
        .map(|id| async move { inspect(docker, &id).await })
        .buffer_unordered(INSPECT_PARALLEL)
        .collect()
        .await;
    let mut out = Vec::new();
    for r in results {
        if let Some(c) = r? {
            out.push(c);
        }
    }
    out.sort_by(|a, b| natural_cmp(&a.name, &b.name));
    Ok(out)
}

async fn session(
    docker: &Docker,
    detail: &str,
    ctx: &mut WorkerCtx<Update, Command>,
    shared: &mut Shared,
) -> End {
    let id = source_id();
    let send = |u: Update| ctx.updates.send(u);
    // Subscribe from just before the list so nothing falls between the two.
    let since = (jiff::Timestamp::now().as_second() - 1).to_string();
    let containers = match load_all(docker).await {
        Ok(c) => c,
        Err(e) => return End::Broken(e.to_string()),
    };
    let mut known: HashMap<String, Container> = containers
        .iter()
        .map(|c| (c.id.clone(), c.clone()))
        .collect();
    if send(Update::Snapshot(containers)).await.is_err() {
        return End::Gone;
    }
    shared.have_data = true;
    if !ctx
        .status(
            &id,
            SourceStatus::Connected {
                detail: detail.to_string(),
            },
        )
        .await
    {
        return End::Gone;
    }
    let filters: HashMap<&str, Vec<&str>> =
        HashMap::from([("type", vec!["container"]), ("event", EVENTS.to_vec())]);
    let opts = EventsOptionsBuilder::new()
        .since(&since)
        .filters(&filters)
        .build();
    let mut events = docker.events(Some(opts));
    let (stats_tx, mut stats_rx) = tokio::sync::mpsc::channel(256);
    let mut stats = StatsStreams::new(docker.clone(), stats_tx);
    if let Some(w) = shared.watch.clone() {
        stats.set_watch(w);
    }
    stats.reconcile(known.values());
    let mut samples: HashMap<String, model::Stats> = HashMap::new();
    let mut flush = tokio::time::interval(stats::FLUSH_EVERY);
    // id → when to inspect it.
    let mut due: HashMap<String, Instant> = HashMap::new();
    // id → failed inspects in a row.
    let mut failures: HashMap<String, u32> = HashMap::new();
    loop {
        let next_due = due.values().min().copied();
        tokio::select! {
            ev = events.next() => match ev {
                Some(Ok(m)) => {
                    let action = m.action.unwrap_or_default();
                    let Some(cid) = m.actor.and_then(|a| a.id) else { continue };
                    if action == "destroy" {
                        due.remove(&cid);
                        failures.remove(&cid);
                        if known.remove(&cid).is_some()
                            && send(Update::Removed { id: cid }).await.is_err()
                        {
                            return End::Gone;
                        }
                        continue;
                    }
                    let at = Instant::now() + COALESCE;
                    due.entry(cid).and_modify(|t| *t = (*t).min(at)).or_insert(at);
                }
                Some(Err(e)) => return End::Broken(format!("event stream broke: {}", DockerError::from(e))),
                None => return End::Broken("the engine closed the event stream".into()),
            },
            _ = tokio::time::sleep_until(next_due.unwrap_or_else(Instant::now)), if next_due.is_some() => {
                let now = Instant::now();
                let ready: Vec<String> = due.iter().filter(|(_, t)| **t <= now).map(|(k, _)| k.clone()).collect();
                for cid in ready {
                    due.remove(&cid);
                    match inspect(docker, &cid).await {
                        Ok(Some(c)) => {
                            failures.remove(&cid);
                            known.insert(cid, c.clone());
                            if send(Update::Upsert(Box::new(c))).await.is_err() {
                                return End::Gone;
                            }
                        }
                        Ok(None) => {
                            failures.remove(&cid);
                            if known.remove(&cid).is_some() && send(Update::Removed { id: cid }).await.is_err() {
                                return End::Gone;
                            }
                        }
                        Err(e) => {
                            let n = failures.entry(cid.clone()).or_insert(0);
                            *n += 1;
                            if *n > RETRIES {
                                tracing::warn!("inspect {cid} failed {RETRIES} times, last: {e}; waiting for its next event");
                                failures.remove(&cid);
                            } else {
                                tracing::debug!("inspect {cid} failed ({e}); retry {n} of {RETRIES}");
                                due.insert(cid, Instant::now() + RETRY_FIRST * 2u32.pow(*n - 1));
                            }
                        }
                    }
                }
                stats.reconcile(known.values());
                samples.retain(|id, _| stats.is_streaming(id));
            }
            cmd = ctx.commands.recv() => match cmd {
                Some(c) => match c {
                    Command::StreamLogs { name, follow, since_seconds, tail_lines } => {
                        if let Some(t) = shared.logs.take() {
                            t.abort();
                        }
                        let req = LogRequest { name, follow, since_seconds, tail_lines };
                        shared.logs = Some(tokio::spawn(logstream::stream(docker.clone(), req, ctx.updates.clone())));
                    }
                    Command::StopLogs => {
                        if let Some(t) = shared.logs.take() {
                            t.abort();
                        }
                    }
                    Command::WatchStats { ids } => {
                        shared.watch = Some(ids.clone());
                        stats.set_watch(ids);
                        stats.reconcile(known.values());
                        // Samples taken before the change are for rows that
                        // may have left the screen: the next batch would
                        // carry them.
                        samples.retain(|id, _| stats.is_streaming(id));
                    }
                },
                None => return End::Gone,
            },
            Some((cid, s)) = stats_rx.recv() => {
                // A stopped stream's last samples may still be queued.
                if stats.is_streaming(&cid) {
                    samples.insert(cid, s);
                }
            }
            _ = flush.tick() => {
                if !samples.is_empty() {
                    let batch: Vec<_> = samples.drain().collect();
                    if send(Update::Stats(batch)).await.is_err() {
                        return End::Gone;
                    }
                }
            }
        }
    }
}
