//! The demo worker: the simulation's snapshot, its changes every second,
//! stats, and log streams a service like each one would write.

use super::demo::Shared;
use super::model::{Container, Health};
use super::{Command, Update};
use crate::demo::DEMO_DETAIL;
use crate::source::{Probe, SourceId, SourceStatus, Worker, WorkerCtx};
use crate::target::{LogLine, LogSink, LogTarget, Stream};
use std::sync::Arc;
use std::time::Duration;

pub struct DemoWorker {
    pub sim: Shared,
}

#[async_trait::async_trait]
impl Worker for DemoWorker {
    type Update = crate::containers::Update;
    type Command = crate::containers::Command;

    fn id(&self) -> SourceId {
        super::worker::source_id()
    }

    async fn run(self: Box<Self>, mut ctx: WorkerCtx<Self::Update, Self::Command>) {
        let id = self.id();
        let snapshot = self
            .sim
            .lock()
            .map(|s| s.containers.clone())
            .unwrap_or_default();
        if ctx.updates.send(Update::Snapshot(snapshot)).await.is_err() {
            return;
        }
        if !ctx
            .status(
                &id,
                SourceStatus::Connected {
                    detail: format!("Docker 24.0.7, API 1.43 {DEMO_DETAIL}"),
                },
            )
            .await
        {
            return;
        }
        let mut logs: Option<tokio::task::JoinHandle<()>> = None;
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        loop {
            tokio::select! {
                _ = tick.tick() => {
                    let (changed, stats, n) = match self.sim.lock() {
                        Ok(mut s) => {
                            let changed = s.step(jiff::Timestamp::now());
                            (changed, s.stats(), s.tick)
                        }
                        Err(_) => return,
                    };
                    for c in changed {
                        if ctx.updates.send(Update::Upsert(Box::new(c))).await.is_err() {
                            return;
                        }
                    }
                    if n % 2 == 0 && ctx.updates.send(Update::Stats(stats)).await.is_err() {
                        return;
                    }
                }
                cmd = ctx.commands.recv() => match cmd {
                    Some(Command::StreamLogs { name, follow, tail_lines, .. }) => {
                        if let Some(t) = logs.take() { t.abort(); }
                        logs = Some(tokio::spawn(demo_logs(self.sim.clone(), name, follow, tail_lines.unwrap_or(200), ctx.updates.clone())));
                    }
                    Some(Command::StopLogs) => {
                        if let Some(t) = logs.take() { t.abort(); }
                    }
                    Some(_) => {}
                    None => return,
                },
            }
        }
    }

    async fn probe(&self) -> Probe {
        let n = self.sim.lock().map(|s| s.containers.len()).unwrap_or(0);
        Probe {
            source: self.id().to_string(),
            ok: true,
            detail: format!("{n} containers {DEMO_DETAIL}"),
            hint: String::new(),
        }
    }
}

/// A log line a service like this one would write.
fn demo_line(c: &Container, i: u64) -> (Stream, String) {
    let service = c.service.as_deref().unwrap_or(&c.name);
    let degraded = c.failing_streak > 0 || c.health == Health::Unhealthy;
    match service {
        "backend" if degraded && i.is_multiple_of(3) => (Stream::Stderr, format!("ERROR:sqlalchemy.pool.impl.QueuePool:QueuePool limit of size 20 overflow 10 reached, connection timed out, timeout 30.00 (request id {i:06x})")),
        "backend" if degraded && i % 3 == 1 => (Stream::Stderr, "WARNING:uvicorn.error:request /health took 3004ms (timeout 3000ms)".into()),
        "backend" => (Stream::Stdout, format!("INFO:     172.18.0.{}:{} - \"GET /api/v1/{} HTTP/1.1\" 200 OK", 5 + i % 4, 40000 + i % 999, ["lessons", "users/me", "health", "agents/status"][(i % 4) as usize])),
        "postgres" => (Stream::Stderr, format!("{} UTC [{}] LOG:  checkpoint complete: wrote {} buffers ({:.1}%)", jiff::Timestamp::now().strftime("%Y-%m-%d %H:%M:%S%.3f"), 27 + i % 5, 40 + i % 300, (i % 30) as f64 / 10.0)),
        "redis" => (Stream::Stdout, format!("1:M {} * {} changes in 60 seconds. Saving...", jiff::Timestamp::now().strftime("%d %b %Y %H:%M:%S%.3f"), 100 + i % 900)),
        "backup-coordinator" => (Stream::Stderr, "pg_dump: error: connection to server at \"postgres\" (172.18.0.3), port 5432 failed: FATAL:  password authentication failed for user \"backup\"".into()),
        _ => (Stream::Stdout, format!("level=info ts={} msg=\"request served\" path=/metrics duration={}ms", jiff::Timestamp::now(), 2 + i % 40)),
    }
}

async fn demo_logs(
    sim: Shared,
    name: String,
    follow: bool,
    tail: usize,
    updates: crate::source::UpdateTx<crate::containers::Update>,
) {
    let sink = LogSink::new(
        updates,
        LogTarget::Container { name: name.clone() },
        Update::LogStream,
    );
    let labels = Arc::new(vec![("container".to_string(), name.clone())]);
    let container = sim
        .lock()
        .ok()
        .and_then(|s| s.containers.iter().find(|c| c.name == name).cloned());
    let Some(c) = container else {
        sink.end(Some(format!("no container named {name}"))).await;
        return;
    };
    let now_ns = jiff::Timestamp::now().as_nanosecond();
    let history: Vec<LogLine> = (0..tail.min(2000) as u64)
        .map(|i| {
            let (stream, text) = demo_line(&c, i);
            LogLine {
                ts_ns: Some(now_ns - (tail as i128 - i as i128) * 1_500_000_000),
                stream,
                labels: labels.clone(),
                text,
            }
        })
        .collect();
    if !sink.lines(history).await {
        return;
    }
    let mut i = tail as u64;
    // Without follow, history only: fall through to `Ended`.
    if follow {
        loop {
            tokio::time::sleep(Duration::from_millis(700)).await;
            let c = sim
                .lock()
                .ok()
                .and_then(|s| s.containers.iter().find(|c| c.name == name).cloned());
            let Some(c) = c.filter(|c| c.is_running()) else {
                break;
            };
            let (stream, text) = demo_line(&c, i);
            i += 1;
            let line = LogLine {
                ts_ns: Some(jiff::Timestamp::now().as_nanosecond()),
                stream,
                labels: labels.clone(),
                text,
            };
            if !sink.lines(vec![line]).await {
                return;
            }
        }
    }
    sink.end(None).await;
}
