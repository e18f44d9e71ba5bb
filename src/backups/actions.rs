//! Verify and restore against the real backends.

use super::directory::VerifyFileError;
use super::exec::CommandError;
use super::model::Verification;
use super::plan::{self, PlanError, VerifyPlan};
use super::restic::ResticError;
use super::source::{LiveSource, SourceError};
use super::store::StoreError;
use crate::action::{ActionError, ActionHandler, ActionOutcome, ActionSpec, Preview, Progress};

/// Why a verification found the backup bad.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum VerifyFailure {
    /// `restic check` failed or found problems.
    #[error(transparent)]
    Restic(#[from] ResticError),
    /// The built-in checks of a dump file.
    #[error(transparent)]
    File(#[from] VerifyFileError),
    /// The configured `verify` command failed.
    #[error("{point}: verification failed: {error}")]
    Command { point: String, error: CommandError },
}

impl VerifyFailure {
    pub fn exit_code(&self) -> Option<i32> {
        match self {
            Self::Restic(e) => e.exit_code(),
            Self::File(_) => None,
            Self::Command { error, .. } => error.exit_code(),
        }
    }
}

/// Why a verify or restore failed, and what was (not) changed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BackupActionError {
    #[error(
        "no [[backups]] source named {name:?} (configured: {})",
        if configured.is_empty() { "none".to_string() } else { configured.join(", ") }
    )]
    UnknownSource {
        name: String,
        configured: Vec<String>,
    },
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error(transparent)]
    Plan(#[from] PlanError),
    #[error("not a restic source")]
    NotRestic,
    #[error("verify task: {0}")]
    Task(String),
    #[error(transparent)]
    Verify(#[from] VerifyFailure),
    /// It verified, but the result is not on disk for the view.
    #[error("{summary}, but the result could not be recorded: {error}")]
    NotRecorded { summary: String, error: StoreError },
    /// `pre_restore` failed: nothing was restored.
    #[error("safety backup failed, nothing was restored: {0}")]
    SafetyBackup(CommandError),
    #[error(
        "restore of {point} failed after {took}: {error} — the target may be partially restored"
    )]
    Restore {
        point: String,
        took: String,
        error: CommandError,
    },
}

impl From<BackupActionError> for ActionError {
    fn from(e: BackupActionError) -> Self {
        let message = e.to_string();
        match e {
            BackupActionError::UnknownSource { .. } => Self::NotFound(message),
            BackupActionError::Source(e) => e.into(),
            BackupActionError::Plan(e) => e.into(),
            BackupActionError::NotRestic => Self::Invalid(message),
            BackupActionError::Task(_) | BackupActionError::NotRecorded { .. } => Self::Backend {
                message,
                status: None,
            },
            BackupActionError::Verify(v) => Self::Command {
                message,
                exit_code: v.exit_code(),
            },
            BackupActionError::SafetyBackup(error) | BackupActionError::Restore { error, .. } => {
                Self::Command {
                    message,
                    exit_code: error.exit_code(),
                }
            }
        }
    }
}

pub struct LiveActions {
    pub sources: Vec<LiveSource>,
}

impl LiveActions {
    fn source(&self, name: &str) -> Result<&LiveSource, BackupActionError> {
        self.sources
            .iter()
            .find(|s| s.cfg.name == name)
            .ok_or_else(|| BackupActionError::UnknownSource {
                name: name.to_string(),
                configured: self.sources.iter().map(|s| s.cfg.name.clone()).collect(),
            })
    }

    async fn verify(
        &self,
        src: &LiveSource,
        point: Option<&str>,
        progress: &Progress,
    ) -> Result<ActionOutcome, BackupActionError> {
        let data = src.fetch().await?;
        let plan = plan::plan_verify(&src.cfg, &data, point)?;
        let (label, result): (String, Result<String, VerifyFailure>) = match &plan {
            VerifyPlan::Restic { subset } => {
                let r = src.restic().ok_or(BackupActionError::NotRestic)?;
                progress.line(format!(
                    "$ restic check{}",
                    subset
                        .as_ref()
                        .map(|s| format!(" --read-data-subset={s}"))
                        .unwrap_or_default()
                ));
                (
                    "repository".to_string(),
                    r.check(subset.as_deref()).await.map_err(Into::into),
                )
            }
            VerifyPlan::File { point, path } => {
                let path = path.clone();
                let res = tokio::task::spawn_blocking(move || super::directory::verify_file(&path))
                    .await
                    .map_err(|e| BackupActionError::Task(e.to_string()))?;
                (point.id.clone(), res.map_err(Into::into))
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
                    .map_err(|error| VerifyFailure::Command {
                        point: point.id.clone(),
                        error,
                    });
                (point.id.clone(), res)
            }
        };
        let v = Verification {
            at: jiff::Timestamp::now(),
            point: label,
            ok: result.is_ok(),
            message: match &result {
                Ok(m) => m.clone(),
                Err(e) => e.to_string(),
            },
        };
        let stored = src.store.record(&src.cfg.name, v);
        src.rescan.notify_one();
        let msg = result?;
        progress.line(msg.clone());
        if let Err(error) = stored {
            return Err(BackupActionError::NotRecorded {
                summary: msg,
                error,
            });
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
    ) -> Result<ActionOutcome, BackupActionError> {
        let data = src.fetch().await?;
        let plan = plan::plan_restore(&src.cfg, &data, point)?;
        progress.restore_point(plan.point.time);
        let env = env(src);
        let started = jiff::Timestamp::now();
        if let Some(pre) = &plan.pre_restore {
            progress.line(format!("$ {pre}"));
            super::exec::run_shell(pre, plan.cwd.as_deref(), &env, progress)
                .await
                .map_err(BackupActionError::SafetyBackup)?;
            progress.line("safety backup done");
        }
        progress.line(format!("$ {}", plan.command));
        let res = super::exec::run_shell(&plan.command, plan.cwd.as_deref(), &env, progress).await;
        let took = crate::text::age(started, jiff::Timestamp::now());
        src.rescan.notify_one();
        res.map_err(|error| BackupActionError::Restore {
            point: plan.point.id.clone(),
            took: took.clone(),
            error,
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
    async fn preview(&self, spec: &ActionSpec) -> Result<Preview, ActionError> {
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
                    Err(e) => blocked(format!("Verify {source}"), source, &e),
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
                        Err(e) => blocked(format!("Restore {source}"), source, &e),
                    },
                )
            }
            other => Err(ActionError::Unsupported {
                handler: "backups",
                verb: other.verb(),
            }),
        }
    }

    async fn execute(
        &self,
        spec: &ActionSpec,
        progress: Progress,
    ) -> Result<ActionOutcome, ActionError> {
        match spec {
            ActionSpec::VerifyBackup { source, point } => Ok(self
                .verify(self.source(source)?, point.as_deref(), &progress)
                .await?),
            ActionSpec::Restore { source, point } => Ok(self
                .restore(self.source(source)?, point.as_deref(), &progress)
                .await?),
            other => Err(ActionError::Unsupported {
                handler: "backups",
                verb: other.verb(),
            }),
        }
    }
}

/// A preview that says why the action cannot run.
pub fn blocked(title: String, source: &str, reason: &PlanError) -> Preview {
    let mut p = Preview::new(title, format!("backups:{source}"));
    p.blocked = Some(reason.to_string());
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_failure_becomes_the_action_error_of_its_kind() {
        let e = BackupActionError::UnknownSource {
            name: "nope".into(),
            configured: vec!["pg".into(), "files".into()],
        };
        assert_eq!(
            ActionError::from(e),
            ActionError::NotFound(
                "no [[backups]] source named \"nope\" (configured: pg, files)".into()
            )
        );
        let gone = PlanError::NoSuchPoint {
            name: "pg".into(),
            point: "gone.sql.gz".into(),
        };
        assert!(matches!(
            ActionError::from(BackupActionError::from(gone)),
            ActionError::NotFound(m) if m == "no restore point \"gone.sql.gz\" in pg"
        ));
        let unset = PlanError::NoRestoreCommand { name: "pg".into() };
        assert!(matches!(
            ActionError::from(BackupActionError::from(unset)),
            ActionError::Invalid(_)
        ));
        let failed = CommandError::Failed {
            exit_code: Some(4),
            stderr: "disk full".into(),
        };
        assert_eq!(
            ActionError::from(BackupActionError::SafetyBackup(failed.clone())),
            ActionError::Command {
                message: "safety backup failed, nothing was restored: exit code 4: disk full"
                    .into(),
                exit_code: Some(4)
            }
        );
        let e = ActionError::from(BackupActionError::Restore {
            point: "app.sql.gz".into(),
            took: "3s".into(),
            error: failed,
        });
        assert!(
            matches!(
                e,
                ActionError::Command {
                    exit_code: Some(4),
                    ..
                }
            ),
            "{e:?}"
        );
        let check = VerifyFailure::Restic(ResticError::CheckFailed {
            repository: "/srv/restic".into(),
            exit_code: Some(1),
            detail: "Pack ID does not match".into(),
        });
        assert!(matches!(
            ActionError::from(BackupActionError::Verify(check)),
            ActionError::Command { exit_code: Some(1), message } if message.starts_with("restic check found problems in /srv/restic")
        ));
    }
}
