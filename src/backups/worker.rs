//! One worker per `[[backups]]` entry: re-scan on an interval (directories,
//! restic repositories and CronJob status have no event stream we could use
//! without an agent), immediately after an action, or on request.

use super::source::LiveSource;
use super::{Command, Update};
use crate::source::{Probe, SourceId, SourceKind, SourceStatus, Worker, WorkerCtx};
use std::time::Duration;

/// Retry delay after an error (short: the operator is probably fixing it).
const RETRY: Duration = Duration::from_secs(15);

pub struct BackupWorker {
    pub source: LiveSource,
}

impl BackupWorker {
    fn sid(&self) -> SourceId {
        SourceId::new(SourceKind::Backups, self.source.cfg.name.clone())
    }
}

#[async_trait::async_trait]
impl Worker for BackupWorker {
    type Update = crate::backups::Update;
    type Command = crate::backups::Command;

    fn id(&self) -> SourceId {
        self.sid()
    }

    async fn run(self: Box<Self>, mut ctx: WorkerCtx<Self::Update, Self::Command>) {
        let id = self.sid();
        if !ctx.status(&id, SourceStatus::Loading).await {
            return;
        }
        let mut had_data = false;
        let mut last_status: Option<SourceStatus> = None;
        loop {
            let result = self.source.fetch().await;
            let (status, wait) = match result {
                Ok(data) => {
                    let detail = format!("{} points, {}", data.points.len(), data.location);
                    had_data = true;
                    if ctx
                        .updates
                        .send(Update::Source(Box::new(data)))
                        .await
                        .is_err()
                    {
                        return;
                    }
                    (SourceStatus::Connected { detail }, self.source.interval())
                }
                Err(e) if had_data => (
                    SourceStatus::Stale {
                        reason: e.to_string(),
                    },
                    RETRY,
                ),
                Err(e) => (
                    SourceStatus::Unreachable {
                        reason: e.to_string(),
                        hint: self.source.hint_for(&e),
                    },
                    RETRY,
                ),
            };
            if last_status.as_ref() != Some(&status) {
                if !ctx.status(&id, status.clone()).await {
                    return;
                }
                last_status = Some(status);
            }
            let name = self.source.cfg.name.clone();
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = self.source.rescan.notified() => {}
                cmd = wait_command(&mut ctx, &name) => if !cmd { return },
            }
        }
    }

    async fn probe(&self) -> Probe {
        let id = self.sid();
        match self.source.fetch().await {
            Ok(data) => {
                let sum = data.summary(jiff::Timestamp::now());
                Probe {
                    source: id.to_string(),
                    ok: true,
                    detail: format!(
                        "{}: {} restore points, newest {}",
                        data.location,
                        sum.count,
                        sum.age
                            .map(|a| format!(
                                "{} old ({})",
                                crate::text::human_duration(a),
                                sum.freshness.label()
                            ))
                            .unwrap_or_else(|| "none".into())
                    ),
                    hint: String::new(),
                }
            }
            Err(e) => Probe {
                source: id.to_string(),
                ok: false,
                detail: e.to_string(),
                hint: self.source.hint_for(&e),
            },
        }
    }
}

/// Wait for a rescan command for this source; `false` when the app is gone.
async fn wait_command(ctx: &mut WorkerCtx<Update, Command>, name: &str) -> bool {
    loop {
        match ctx.commands.recv().await {
            Some(Command::Rescan { source }) => {
                if source.as_deref().is_none_or(|s| s == name) {
                    return true;
                }
            }
            None => {
                // No more commands can come; keep scanning on the timer.
                std::future::pending::<()>().await;
            }
        }
    }
}
