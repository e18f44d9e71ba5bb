//! Verify and restore against the real backends.

use super::model::Verification;
use super::plan::{self, VerifyPlan};
use super::source::LiveSource;
use crate::action::{ActionHandler, ActionOutcome, ActionSpec, Preview, Progress};

pub struct LiveActions {
    pub sources: Vec<LiveSource>,
}

impl LiveActions {
    fn source(&self, name: &str) -> Result<&LiveSource, String> {
        self.sources
            .iter()
            .find(|s| s.cfg.name == name)
            .ok_or_else(|| {
                let names: Vec<&str> = self.sources.iter().map(|s| s.cfg.name.as_str()).collect();
                format!(
                    "no [[backups]] source named {name:?} (configured: {})",
                    if names.is_empty() {
                        "none".into()
                    } else {
                        names.join(", ")
                    }
                )
            })
    }

    async fn verify(
        &self,
        src: &LiveSource,
        point: Option<&str>,
        progress: &Progress,
    ) -> Result<ActionOutcome, String> {
        let data = src.fetch().await?;
        let plan = plan::plan_verify(&src.cfg, &data, point)?;
        let (label, result) = match &plan {
            VerifyPlan::Restic { subset } => {
                let r = src.restic().ok_or("not a restic source")?;
                progress.line(format!(
                    "$ restic check{}",
                    subset
                        .as_ref()
                        .map(|s| format!(" --read-data-subset={s}"))
                        .unwrap_or_default()
                ));
                ("repository".to_string(), r.check(subset.as_deref()).await)
            }
            VerifyPlan::File { point, path } => {
                let path = path.clone();
                let res = tokio::task::spawn_blocking(move || super::directory::verify_file(&path))
                    .await
                    .map_err(|e| format!("verify task: {e}"))?;
                (point.id.clone(), res)
            }
            VerifyPlan::Command {
                point,
                command,
                cwd,
            } => {
                progress.line(format!("$ {command}"));
                let res = super::exec::run_shell(command, cwd.as_deref(), &env(src), progress)
                    .await
                    .map(|()| format!("{}: `verify` command succeeded", point.id))
                    .map_err(|e| format!("{}: verification failed: {e}", point.id));
                (point.id.clone(), res)
            }
        };
        let v = Verification {
            at: jiff::Timestamp::now(),
            point: label,
            ok: result.is_ok(),
            message: result.clone().unwrap_or_else(|e| e),
        };
        let stored = src.store.record(&src.cfg.name, v);
        src.rescan.notify_one();
        let msg = result?;
        progress.line(msg.clone());
        if let Err(e) = stored {
            return Err(format!("{msg}, but the result could not be recorded: {e}"));
        }
        Ok(ActionOutcome {
            summary: format!("verified {}: {msg}", src.cfg.name),
            restore_point_time: None,
        })
    }

    async fn restore(
        &self,
        src: &LiveSource,
        point: Option<&str>,
        progress: &Progress,
    ) -> Result<ActionOutcome, String> {
        let data = src.fetch().await?;
        let plan = plan::plan_restore(&src.cfg, &data, point)?;
        progress.restore_point(plan.point.time);
        let env = env(src);
        let started = jiff::Timestamp::now();
        if let Some(pre) = &plan.pre_restore {
            progress.line(format!("$ {pre}"));
            super::exec::run_shell(pre, plan.cwd.as_deref(), &env, progress)
                .await
                .map_err(|e| format!("safety backup failed, nothing was restored: {e}"))?;
            progress.line("safety backup done");
        }
        progress.line(format!("$ {}", plan.command));
        let res = super::exec::run_shell(&plan.command, plan.cwd.as_deref(), &env, progress).await;
        let took = crate::text::age(started, jiff::Timestamp::now());
        src.rescan.notify_one();
        res.map_err(|e| {
            format!(
                "restore of {} failed after {took}: {e} — the target may be partially restored",
                plan.point.id
            )
        })?;
        Ok(ActionOutcome {
            summary: format!(
                "restored {} from {} (captured {}) in {took}, exit code 0",
                src.cfg.name,
                plan.point.id,
                plan.point.time.strftime("%Y-%m-%d %H:%M:%S UTC")
            ),
            restore_point_time: Some(plan.point.time),
        })
    }
}

/// restic commands in templates find their repository and password like this.
fn env(src: &LiveSource) -> Vec<(&'static str, String)> {
    match src.restic() {
        Some(r) => vec![
            ("RESTIC_REPOSITORY", r.repository),
            (
                "RESTIC_PASSWORD_FILE",
                r.password_file.display().to_string(),
            ),
        ],
        None => Vec::new(),
    }
}

#[async_trait::async_trait]
impl ActionHandler for LiveActions {
    async fn preview(&self, spec: &ActionSpec) -> Result<Preview, crate::action::ActionError> {
        match spec {
            ActionSpec::VerifyBackup { source, point } => {
                let src = self.source(source)?;
                let data = src.fetch().await?;
                Ok(match plan::plan_verify(&src.cfg, &data, point.as_deref()) {
                    Ok(plan) => {
                        let mut p = plan::verify_preview(&src.cfg, &plan);
                        if let plan::VerifyPlan::Command { point, .. }
                        | plan::VerifyPlan::File { point, .. } = &plan
                        {
                            p.pinned = Some(ActionSpec::VerifyBackup {
                                source: source.clone(),
                                point: Some(point.id.clone()),
                            });
                        }
                        p
                    }
                    Err(e) => blocked(format!("Verify {source}"), source, e),
                })
            }
            ActionSpec::Restore { source, point } => {
                let src = self.source(source)?;
                let data = src.fetch().await?;
                Ok(
                    match plan::plan_restore(&src.cfg, &data, point.as_deref()) {
                        Ok(plan) => {
                            let mut p =
                                plan::restore_preview(&src.cfg, &plan, jiff::Timestamp::now());
                            // A dump landing between preview and confirmation
                            // must not be restored instead of the one shown.
                            p.pinned = Some(ActionSpec::Restore {
                                source: source.clone(),
                                point: Some(plan.point.id.clone()),
                            });
                            p
                        }
                        Err(e) => blocked(format!("Restore {source}"), source, e),
                    },
                )
            }
            other => Err(crate::action::ActionError::Unsupported {
                handler: "backups",
                verb: other.verb(),
            }),
        }
    }

    async fn execute(
        &self,
        spec: &ActionSpec,
        progress: Progress,
    ) -> Result<ActionOutcome, crate::action::ActionError> {
        match spec {
            ActionSpec::VerifyBackup { source, point } => Ok(self
                .verify(self.source(source)?, point.as_deref(), &progress)
                .await?),
            ActionSpec::Restore { source, point } => Ok(self
                .restore(self.source(source)?, point.as_deref(), &progress)
                .await?),
            other => Err(crate::action::ActionError::Unsupported {
                handler: "backups",
                verb: other.verb(),
            }),
        }
    }
}

pub fn blocked(title: String, source: &str, reason: String) -> Preview {
    let mut p = Preview::new(title, format!("backups:{source}"));
    p.blocked = Some(reason);
    p
}
