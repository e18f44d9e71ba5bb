//! The logs worker: runs Loki requests and the tail on their own tasks (a slow
//! query never blocks the next command), keeps the query history file, and
//! writes saved views. Without `[loki]` it still serves history and saving.

use super::history::FileError;
use super::loki::client::LokiClient;
use super::loki::paging::fetch_page;
use super::loki::{LokiApi, LokiError, RangeQuery, TailEvent, TailState};
use super::{Command, LogTarget, Update};
use crate::config::Config;
use crate::source::{Probe, SourceId, SourceKind, SourceStatus, UpdateTx, Worker, WorkerCtx};
use std::path::PathBuf;
use std::sync::Arc;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

pub const NOT_CONFIGURED_HINT: &str =
    "add [loki] url = \"http://loki:3100\" to search Loki; pod and container logs work without it";

enum Api {
    Live(Arc<dyn LokiApi>),
    /// `[loki]` is present but unusable (bad secret file, bad CA).
    Broken(LokiError),
    None,
}

pub struct LogsWorker {
    id: SourceId,
    api: Api,
    /// `None`: keep history in memory only (demo).
    history_path: Option<PathBuf>,
    demo: bool,
}

impl LogsWorker {
    pub fn live(cfg: &Config) -> Self {
        Self::live_with_history(cfg, Some(super::history::default_path()))
    }

    /// The live worker keeping its query history at `history_path`.
    pub fn live_with_history(cfg: &Config, history_path: Option<PathBuf>) -> Self {
        let api = match &cfg.loki {
            None => Api::None,
            Some(l) => match LokiClient::new(l) {
                Ok(c) => Api::Live(Arc::new(c)),
                Err(e) => Api::Broken(e),
            },
        };
        Self {
            id: SourceId::new(SourceKind::Loki, ""),
            api,
            history_path,
            demo: false,
        }
    }

    pub fn demo() -> Self {
        Self {
            id: SourceId::new(SourceKind::Loki, ""),
            api: Api::Live(Arc::new(super::demo::DemoLoki::new())),
            history_path: None,
            demo: true,
        }
    }

    /// A worker over any Loki API (tests drive it with the wiremock client).
    pub fn with_api(api: Arc<dyn LokiApi>, history_path: Option<PathBuf>) -> Self {
        Self {
            id: SourceId::new(SourceKind::Loki, ""),
            api: Api::Live(api),
            history_path,
            demo: false,
        }
    }
}

/// Tasks in flight; a newer command of the same kind replaces the older one.
#[derive(Default)]
struct Tasks {
    query: Option<JoinHandle<()>>,
    volume: Option<JoinHandle<()>>,
    labels: Option<JoinHandle<()>>,
    tail: Option<JoinHandle<()>>,
}

fn replace(slot: &mut Option<JoinHandle<()>>, new: JoinHandle<()>) {
    if let Some(old) = slot.replace(new) {
        old.abort();
    }
}

async fn send(tx: &UpdateTx<crate::logs::Update>, u: Update) -> bool {
    tx.send(u).await.is_ok()
}

/// Report the source's health from a request's outcome.
async fn health(
    tx: &UpdateTx<crate::logs::Update>,
    id: &SourceId,
    result: Result<(), &LokiError>,
    detail: &str,
) {
    let status = match result {
        Ok(()) => SourceStatus::Connected {
            detail: detail.to_string(),
        },
        Err(e) if e.is_connection() => SourceStatus::Unreachable {
            reason: e.message(),
            hint: e.hint().to_string(),
        },
        // Loki answered (a bad query, a limit): it is up.
        Err(_) => return,
    };
    tx.status(id, status).await;
}

#[async_trait::async_trait]
impl Worker for LogsWorker {
    type Update = crate::logs::Update;
    type Command = crate::logs::Command;

    fn id(&self) -> SourceId {
        self.id.clone()
    }

    async fn run(self: Box<Self>, mut ctx: WorkerCtx<Self::Update, Self::Command>) {
        let history = match &self.history_path {
            Some(p) => super::history::load(p).unwrap_or_default(),
            None => super::demo::DEMO_HISTORY
                .iter()
                .map(|s| s.to_string())
                .collect(),
        };
        if !send(&ctx.updates, Update::History(history)).await {
            return;
        }
        let api = match &self.api {
            Api::Live(a) => Some(a.clone()),
            Api::None => {
                ctx.status(
                    &self.id,
                    SourceStatus::NotConfigured {
                        hint: NOT_CONFIGURED_HINT.into(),
                    },
                )
                .await;
                None
            }
            Api::Broken(e) => {
                ctx.status(
                    &self.id,
                    SourceStatus::Unreachable {
                        reason: e.message(),
                        hint: e.hint().to_string(),
                    },
                )
                .await;
                None
            }
        };
        let mut detail = String::new();
        let mut reachable = self.demo;
        let mut tail_from = super::now_ns();
        if let Some(api) = &api {
            if self.demo {
                detail = crate::demo::DEMO_DETAIL.to_string();
                tail_from = super::demo::start(api.clone(), &ctx.updates).await;
            } else {
                ctx.status(&self.id, SourceStatus::Loading).await;
                match api.version().await {
                    Ok(v) => {
                        detail = format!("Loki {v}");
                        reachable = true;
                        health(&ctx.updates, &self.id, Ok(()), &detail).await;
                    }
                    Err(e) => {
                        ctx.status(
                            &self.id,
                            SourceStatus::Unreachable {
                                reason: e.message(),
                                hint: e.hint().to_string(),
                            },
                        )
                        .await;
                    }
                }
            }
            if self.demo {
                health(&ctx.updates, &self.id, Ok(()), &detail).await;
            }
        }
        let mut tasks = Tasks::default();
        if self.demo
            && let Some(api) = &api
        {
            tasks.tail = Some(spawn_tail(
                api.clone(),
                ctx.updates.clone(),
                super::demo::DEMO_QUERY.to_string(),
                tail_from,
                200,
            ));
        }
        if detail.is_empty() {
            detail = "Loki".to_string();
        }
        let mut attempt: u32 = 0;
        loop {
            // Until Loki first answers, probe it again with backoff so the
            // status bar recovers without the operator doing anything.
            let retry = !reachable && api.is_some();
            let received = tokio::select! {
                r = ctx.commands.recv() => r,
                _ = tokio::time::sleep(super::loki::tail::backoff(attempt + 2)), if retry => {
                    attempt = attempt.saturating_add(1);
                    if let Some(api) = &api
                        && let Ok(v) = api.version().await
                    {
                        detail = format!("Loki {v}");
                        reachable = true;
                        health(&ctx.updates, &self.id, Ok(()), &detail).await;
                    }
                    continue;
                }
            };
            let Some(cmd) = received else {
                return;
            };
            if ctx.updates.is_closed() {
                return;
            }
            self.handle(cmd, api.as_ref(), &ctx.updates, &mut tasks, &detail)
                .await;
        }
    }

    async fn probe(&self) -> Probe {
        let source = self.id.to_string();
        match &self.api {
            Api::None => Probe {
                source,
                ok: true,
                detail: "not configured (pod and container logs still work)".into(),
                hint: NOT_CONFIGURED_HINT.into(),
            },
            Api::Broken(e) => Probe {
                source,
                ok: false,
                detail: e.message(),
                hint: e.hint().to_string(),
            },
            Api::Live(api) => match api.version().await {
                Ok(v) => Probe {
                    source,
                    ok: true,
                    detail: format!("Loki {v}"),
                    hint: String::new(),
                },
                Err(e) => Probe {
                    source,
                    ok: false,
                    detail: e.message(),
                    hint: e.hint().to_string(),
                },
            },
        }
    }
}

impl LogsWorker {
    async fn handle(
        &self,
        cmd: Command,
        api: Option<&Arc<dyn LokiApi>>,
        tx: &UpdateTx<crate::logs::Update>,
        tasks: &mut Tasks,
        detail: &str,
    ) {
        let not_configured = |id: u64, what: &str| Update::Failed {
            id,
            what: what.to_string(),
            error: LokiError::NotConfigured,
        };
        match cmd {
            Command::Save { path, text, lines } => {
                let tx = tx.clone();
                tokio::spawn(async move {
                    let p = path.clone();
                    let result = tokio::task::spawn_blocking(move || {
                        if let Some(dir) = p.parent().filter(|d| !d.as_os_str().is_empty()) {
                            std::fs::create_dir_all(dir).map_err(|e| FileError::create(dir, &e))?;
                        }
                        std::fs::write(&p, text)
                            .map(|_| lines)
                            .map_err(|e| FileError::write(&p, &e))
                    })
                    .await
                    .unwrap_or_else(|e| Err(FileError::Task(e.to_string())));
                    send(&tx, Update::Saved { path, result }).await;
                });
            }
            Command::SaveHistory(entries) => {
                if let Some(p) = self.history_path.clone() {
                    let _ = tokio::task::spawn_blocking(move || {
                        if let Err(e) = super::history::save(&p, &entries) {
                            tracing::warn!("query history: {e}");
                        }
                    })
                    .await;
                }
            }
            Command::StopTail => {
                if let Some(t) = tasks.tail.take() {
                    t.abort();
                }
            }
            other => {
                let Some(api) = api.cloned() else {
                    let (id, what) = match &other {
                        Command::Query { id, .. } => (*id, "query"),
                        Command::Volume { id, .. } => (*id, "volume"),
                        Command::Labels { .. } | Command::LabelValues { .. } => (0, "labels"),
                        _ => (0, "tail"),
                    };
                    if let Command::Tail { query, .. } = &other {
                        let state = TailState::Stopped;
                        let query = query.clone();
                        send(
                            tx,
                            Update::Tail {
                                query,
                                state,
                                dropped: 0,
                            },
                        )
                        .await;
                    }
                    send(tx, not_configured(id, what)).await;
                    return;
                };
                let (tx2, id_src, detail) = (tx.clone(), self.id.clone(), detail.to_string());
                match other {
                    Command::Query {
                        id,
                        query,
                        start_ns,
                        end_ns,
                        limit,
                        direction,
                        boundary,
                    } => {
                        let q = RangeQuery {
                            query: query.clone(),
                            start_ns,
                            end_ns,
                            limit,
                            direction,
                        };
                        replace(
                            &mut tasks.query,
                            tokio::spawn(async move {
                                let older = boundary.is_some();
                                match fetch_page(api.as_ref(), &q, boundary.as_ref()).await {
                                    Ok(mut page) => {
                                        health(&tx2, &id_src, Ok(()), &detail).await;
                                        if direction == super::Direction::Backward {
                                            page.lines.reverse();
                                        }
                                        send(
                                            &tx2,
                                            Update::Page {
                                                id,
                                                query,
                                                lines: page.lines,
                                                older: older
                                                    && direction == super::Direction::Backward,
                                                boundary: page.boundary,
                                                more: page.more,
                                            },
                                        )
                                        .await;
                                    }
                                    Err(error) => {
                                        health(&tx2, &id_src, Err(&error), &detail).await;
                                        let what = "query".to_string();
                                        send(&tx2, Update::Failed { id, what, error }).await;
                                    }
                                }
                            }),
                        );
                    }
                    Command::Volume {
                        id,
                        query,
                        start_ns,
                        end_ns,
                        step_secs,
                    } => {
                        let Some(vq) = super::loki::volume_query(&query, step_secs) else {
                            return;
                        };
                        replace(
                            &mut tasks.volume,
                            tokio::spawn(async move {
                                let u = match api.matrix(&vq, start_ns, end_ns, step_secs).await {
                                    Ok(series) => Update::Volume {
                                        id,
                                        start_ns,
                                        end_ns,
                                        step_secs,
                                        series,
                                    },
                                    Err(error) => Update::Failed {
                                        id,
                                        what: "volume".into(),
                                        error,
                                    },
                                };
                                send(&tx2, u).await;
                            }),
                        );
                    }
                    Command::Labels { start_ns, end_ns } => replace(
                        &mut tasks.labels,
                        tokio::spawn(async move {
                            let u = match api.labels(start_ns, end_ns).await {
                                Ok(names) => Update::Labels { names },
                                Err(error) => Update::Failed {
                                    id: 0,
                                    what: "labels".into(),
                                    error,
                                },
                            };
                            send(&tx2, u).await;
                        }),
                    ),
                    Command::LabelValues {
                        name,
                        start_ns,
                        end_ns,
                    } => replace(
                        &mut tasks.labels,
                        tokio::spawn(async move {
                            let u = match api.label_values(&name, start_ns, end_ns).await {
                                Ok(values) => Update::LabelValues { name, values },
                                Err(error) => Update::Failed {
                                    id: 0,
                                    what: "labels".into(),
                                    error,
                                },
                            };
                            send(&tx2, u).await;
                        }),
                    ),
                    Command::Tail {
                        query,
                        start_ns,
                        limit,
                    } => replace(
                        &mut tasks.tail,
                        spawn_tail(api, tx.clone(), query, start_ns, limit),
                    ),
                    Command::Save { .. }
                    | Command::SaveHistory(_)
                    | Command::StopTail
                    | Command::Stream(_) => {}
                }
            }
        }
    }
}

/// Run a tail and forward its events as updates for the Logs pane.
fn spawn_tail(
    api: Arc<dyn LokiApi>,
    tx: UpdateTx<crate::logs::Update>,
    query: String,
    start_ns: i128,
    limit: usize,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let (etx, mut erx) = mpsc::channel::<TailEvent>(64);
        let q = query.clone();
        let runner = tokio::spawn(async move { api.tail(&q, start_ns, limit, etx).await });
        // Aborting this task drops `erx`, which ends the tail; the guard also
        // aborts the runner in case it is sleeping in a backoff.
        struct AbortOnDrop(JoinHandle<()>);
        impl Drop for AbortOnDrop {
            fn drop(&mut self) {
                self.0.abort();
            }
        }
        let _guard = AbortOnDrop(runner);
        let mut dropped = 0u64;
        let mut state = TailState::Connecting;
        let target = LogTarget::Loki {
            query: query.clone(),
        };
        if !send(
            &tx,
            Update::Tail {
                query: query.clone(),
                state: state.clone(),
                dropped,
            },
        )
        .await
        {
            return;
        }
        while let Some(ev) = erx.recv().await {
            let u = match ev {
                TailEvent::Lines(lines) => Update::Lines {
                    target: target.clone(),
                    lines,
                },
                // A line in the view itself: the operator reads the lines, not
                // the status bar, when judging whether the story is complete.
                TailEvent::Gap {
                    after_ns,
                    before_ns,
                } => Update::Lines {
                    target: target.clone(),
                    lines: vec![super::loki::tail::gap_line(after_ns, before_ns)],
                },
                TailEvent::Dropped(n) => {
                    dropped += n;
                    Update::Tail {
                        query: query.clone(),
                        state: state.clone(),
                        dropped,
                    }
                }
                TailEvent::State(s) => {
                    state = s;
                    Update::Tail {
                        query: query.clone(),
                        state: state.clone(),
                        dropped,
                    }
                }
            };
            if !send(&tx, u).await {
                return;
            }
        }
    })
}
