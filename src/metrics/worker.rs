//! The Metrics pane's worker: runs the watched query when asked and again
//! every `[metrics] refresh` while its range ends at now, and fetches the
//! metric names completion offers. One query at a time, the newest watch
//! wins; answers carry the watch's id so a late one is dropped by the pane.

use super::api::{MetricsApi, PromClient, RangeQuery};
use super::{Answer, Command, Update, Watch};
use crate::config::Config;
use crate::source::{Probe, SourceId, SourceKind, SourceStatus, UpdateTx, Worker, WorkerCtx};
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

/// Run `w` once and send the answer; `false` once the app has gone.
async fn answer(api: &dyn MetricsApi, w: &Watch, tx: &UpdateTx<Update>) -> bool {
    let now = jiff::Timestamp::now();
    let (start_ns, end_ns) = w.range.bounds(now.as_nanosecond());
    let (start, end) = (start_ns as f64 / 1e9, end_ns as f64 / 1e9);
    let span = Duration::from_secs_f64((end - start).max(1.0));
    let step = super::shape::step_for(span, w.columns);
    // Points are counted back from the end, so the last one is `end` itself
    // (now, for a live range): the newest value is never a step old.
    let steps = ((end - start) / step.as_secs_f64()).floor();
    let start = end - steps * step.as_secs_f64();
    let q = RangeQuery {
        query: w.query.clone(),
        start,
        end,
        step,
    };
    let result = api.query_range(&q).await;
    let a = Answer {
        id: w.id,
        start,
        end,
        step: step.as_secs_f64(),
        at: jiff::Timestamp::now(),
        result,
    };
    tx.send(Update::Answer(Box::new(a))).await.is_ok()
}

#[async_trait::async_trait]
impl Worker for MetricsWorker {
    type Update = Update;
    type Command = Command;

    fn id(&self) -> SourceId {
        self.id.clone()
    }

    async fn run(self: Box<Self>, mut ctx: WorkerCtx<Update, Command>) {
        let api = match &self.api {
            Ok(api) => {
                // Prometheus' health is the alerts workers' to report; this
                // worker's trouble shows in the pane, with the query.
                let detail = api.describe();
                ctx.status(
                    &self.id,
                    SourceStatus::Connected {
                        detail: detail.clone(),
                    },
                )
                .await;
                let _ = ctx.updates.send(Update::Source(Ok(detail))).await;
                api.clone()
            }
            Err(why) => {
                ctx.status(
                    &self.id,
                    SourceStatus::NotConfigured {
                        hint: "add a [[prometheus]] entry (name, url) to the config".into(),
                    },
                )
                .await;
                let _ = ctx.updates.send(Update::Source(Err(why.clone()))).await;
                // Nothing to ask: wait for the app to go away.
                while ctx.commands.recv().await.is_some() {}
                return;
            }
        };
        let mut watch: Option<Watch> = None;
        loop {
            let live = watch
                .as_ref()
                .is_some_and(|w| matches!(w.range, TimeRange::Last(_)));
            let cmd = tokio::select! {
                c = ctx.commands.recv() => match c {
                    Some(c) => Some(c),
                    None => return,
                },
                () = tokio::time::sleep(self.refresh), if live => None,
            };
            match cmd {
                Some(Command::Watch(w)) => watch = Some(w),
                Some(Command::Refresh) | None => {}
                Some(Command::Names) => {
                    let names = api.metric_names(&[]).await.unwrap_or_default();
                    if ctx.updates.send(Update::Names(names)).await.is_err() {
                        return;
                    }
                    continue;
                }
            }
            if let Some(w) = &watch
                && !answer(api.as_ref(), w, &ctx.updates).await
            {
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
