//! The Metrics pane's worker: runs what the pane shows — the chart's query
//! or every panel of the board — when asked and again every `[metrics]
//! refresh` while its range ends at now, nothing while the pane is off
//! screen, and fetches what completion offers. The newest watch wins;
//! answers carry the watch's id so a late one is dropped by the pane.

use super::api::{MetricsApi, PromClient, RangeQuery};
use super::{Answer, Ask, BoardWatch, Command, Update, Watch};
use crate::config::Config;
use crate::source::{Probe, SourceId, SourceKind, UpdateTx, Worker, WorkerCtx};
use crate::timerange::TimeRange;
use std::sync::Arc;
use std::time::Duration;

pub struct MetricsWorker {
    id: SourceId,
    api: Result<Arc<dyn MetricsApi>, String>,
    refresh: Duration,
}

impl MetricsWorker {
    pub fn live(cfg: &Config) -> Self {
        let api = PromClient::pick(&cfg.prometheus, None)
            .and_then(PromClient::new)
            .map(|c| Arc::new(c) as Arc<dyn MetricsApi>)
            .map_err(|e| format!("{e} — {}", e.hint(cfg.prometheus.first())));
        Self {
            id: SourceId::new(SourceKind::Prometheus, "metrics"),
            api,
            refresh: cfg.metrics.refresh,
        }
    }

    pub fn demo() -> Self {
        Self {
            id: SourceId::new(SourceKind::Prometheus, "metrics"),
            api: Ok(Arc::new(super::demo::DemoMetrics)),
            refresh: Duration::from_secs(15),
        }
    }
}

/// What a range over `columns` asks: `[start, end]` and the step. Points
/// are counted back from the end, so the last one is `end` itself (now, for
/// a live range): the newest value is never a step old.
fn plan(range: &TimeRange, columns: u16) -> (f64, f64, Duration) {
    let (start_ns, end_ns) = range.bounds(jiff::Timestamp::now().as_nanosecond());
    let (start, end) = (start_ns as f64 / 1e9, end_ns as f64 / 1e9);
    let span = Duration::from_secs_f64((end - start).max(1.0));
    let step = super::shape::step_for(span, columns);
    let steps = ((end - start) / step.as_secs_f64()).floor();
    (end - steps * step.as_secs_f64(), end, step)
}

async fn ask(api: &dyn MetricsApi, id: u64, query: &str, plan: (f64, f64, Duration)) -> Answer {
    let (start, end, step) = plan;
    let q = RangeQuery {
        query: query.to_string(),
        start,
        end,
        step,
    };
    let result = api.query_range(&q).await;
    Answer {
        id,
        start,
        end,
        step: step.as_secs_f64(),
        at: jiff::Timestamp::now(),
        result,
    }
}

/// What is on screen, asked again on every refresh.
enum Screen {
    Nothing,
    Chart(Watch),
    Board(BoardWatch),
}

impl Screen {
    fn live(&self) -> bool {
        let range = match self {
            Self::Nothing => return false,
            Self::Chart(w) => &w.range,
            Self::Board(b) => &b.range,
        };
        matches!(range, TimeRange::Last(_))
    }

    /// Ask it and send the answers; `false` once the app has gone.
    async fn run(&self, api: &dyn MetricsApi, tx: &UpdateTx<Update>) -> bool {
        match self {
            Self::Nothing => true,
            Self::Chart(w) => {
                let a = ask(api, w.id, &w.query, plan(&w.range, w.columns)).await;
                tx.send(Update::Answer(Box::new(a))).await.is_ok()
            }
            Self::Board(b) => {
                // One range for every panel, asked together.
                let at = plan(&b.range, b.columns);
                let answers =
                    futures::future::join_all(b.queries.iter().map(|q| ask(api, b.id, q, at)))
                        .await;
                for (index, a) in answers.into_iter().enumerate() {
                    let u = Update::Panel {
                        index,
                        answer: Box::new(a),
                    };
                    if tx.send(u).await.is_err() {
                        return false;
                    }
                }
                true
            }
        }
    }
}

/// What Prometheus offers for `ask` (nothing when it failed: completion
/// is a help, not a place for errors).
async fn offered(api: &dyn MetricsApi, ask: &Ask) -> Vec<String> {
    let matchers = ask.matchers();
    let r = match ask {
        Ask::Names => api.metric_names(&[]).await,
        Ask::Labels { .. } => api.label_names(&matchers).await,
        Ask::Values { label, .. } => api.label_values(label, &matchers).await,
    };
    r.unwrap_or_default()
}

#[async_trait::async_trait]
impl Worker for MetricsWorker {
    type Update = Update;
    type Command = Command;

    fn id(&self) -> SourceId {
        self.id.clone()
    }

    fn is_source(&self) -> bool {
        false
    }

    async fn run(self: Box<Self>, mut ctx: WorkerCtx<Update, Command>) {
        // Prometheus' health is the alerts workers' to report (this worker
        // is no source of its own); its trouble shows in the pane, with the
        // query.
        let api = match &self.api {
            Ok(api) => {
                let _ = ctx.updates.send(Update::Source(Ok(api.describe()))).await;
                api.clone()
            }
            Err(why) => {
                let _ = ctx.updates.send(Update::Source(Err(why.clone()))).await;
                // Nothing to ask: wait for the app to go away.
                while ctx.commands.recv().await.is_some() {}
                return;
            }
        };
        let mut screen = Screen::Nothing;
        loop {
            let cmd = tokio::select! {
                c = ctx.commands.recv() => match c {
                    Some(c) => Some(c),
                    None => return,
                },
                () = tokio::time::sleep(self.refresh), if screen.live() => None,
            };
            match cmd {
                Some(Command::Watch(w)) => screen = Screen::Chart(w),
                Some(Command::Board(b)) => screen = Screen::Board(b),
                Some(Command::Pause) => {
                    screen = Screen::Nothing;
                    continue;
                }
                Some(Command::Refresh) | None => {}
                Some(Command::Complete(ask)) => {
                    let values = offered(api.as_ref(), &ask).await;
                    if ctx
                        .updates
                        .send(Update::Completions { ask, values })
                        .await
                        .is_err()
                    {
                        return;
                    }
                    continue;
                }
            }
            if !screen.run(api.as_ref(), &ctx.updates).await {
                return;
            }
        }
    }

    async fn probe(&self) -> Probe {
        Probe {
            source: self.id.to_string(),
            ok: self.api.is_ok(),
            detail: match &self.api {
                Ok(a) => a.describe(),
                Err(e) => e.clone(),
            },
            hint: String::new(),
        }
    }
}
