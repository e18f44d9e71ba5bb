//! What a verify or restore will do, worked out before anything runs: the
//! restore point, the exact shell-quoted commands, and the preview text.
//! Pure, so the live handler and the demo produce identical previews.

use super::exec::{TemplateError, render};
use super::model::{RestorePoint, SourceData};
use crate::action::{Confirm, Preview, PreviewLine};
use crate::config::{BackupKind, BackupSource};
use jiff::Timestamp;
use std::path::PathBuf;

/// restic's own restore when no `restore` template is configured.
pub const RESTIC_RESTORE: &str = "restic restore {snapshot} --target {target}";

/// Why a verify or restore cannot be planned: the preview shows it as the
/// reason the action is blocked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error("no restore point {point:?} in {name}")]
    NoSuchPoint { name: String, point: String },
    #[error("{name} has no successful restore point")]
    NoGoodPoint { name: String },
    #[error("{name} has no restore point to verify")]
    NoPointToVerify { name: String },
    #[error("restore point {point} did not succeed ({message}); choose another")]
    PointFailed { point: String, message: String },
    #[error(
        "no `restore` command configured for [[backups]] {name} (e.g. restore = \"gunzip -c {{path}} | psql -d shop\")"
    )]
    NoRestoreCommand { name: String },
    #[error("set `target` (the directory to restore into) for [[backups]] {name}")]
    NoTarget { name: String },
    #[error(
        "{kind} sources have no built-in verification: configure `verify` for [[backups]] {name}"
    )]
    NoVerification { kind: &'static str, name: String },
    #[error(transparent)]
    Template(#[from] TemplateError),
}

/// The point does not exist (any more), or the config cannot run the action.
impl From<PlanError> for crate::action::ActionError {
    fn from(e: PlanError) -> Self {
        let message = e.to_string();
        match e {
            PlanError::NoSuchPoint { .. }
            | PlanError::NoGoodPoint { .. }
            | PlanError::NoPointToVerify { .. } => Self::NotFound(message),
            _ => Self::Invalid(message),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct RestorePlan {
    pub point: RestorePoint,
    pub pre_restore: Option<String>,
    pub command: String,
    pub target: String,
    /// Where commands run: the backup directory for directory sources.
    pub cwd: Option<PathBuf>,
}

fn vars<'a>(
    cfg: &'a BackupSource,
    point: &'a RestorePoint,
    path: &'a str,
    time: &'a str,
) -> Vec<(&'static str, &'a str)> {
    let mut v = vec![
        ("path", path),
        ("point", point.id.as_str()),
        ("source", cfg.name.as_str()),
        ("target", cfg.target.as_deref().unwrap_or("")),
        ("time", time),
    ];
    match &cfg.kind {
        BackupKind::Restic { repository, .. } => {
            v.push(("snapshot", point.id.as_str()));
            v.push(("repository", repository.as_str()));
        }
        BackupKind::Cronjob { namespace, .. } | BackupKind::Velero { namespace, .. } => {
            v.push(("namespace", namespace.as_str()));
        }
        BackupKind::Directory { .. } => {}
    }
    v
}

fn point_path(point: &RestorePoint) -> String {
    point
        .path
        .as_ref()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| point.id.clone())
}

fn cwd(cfg: &BackupSource) -> Option<PathBuf> {
    match &cfg.kind {
        BackupKind::Directory { path, .. } => Some(path.clone()),
        _ => None,
    }
}

/// Choose the point (default: newest successful) and render the commands.
pub fn plan_restore(
    cfg: &BackupSource,
    data: &SourceData,
    point: Option<&str>,
) -> Result<RestorePlan, PlanError> {
    let name = || cfg.name.clone();
    let p = data.find(point).ok_or_else(|| match point {
        Some(id) => PlanError::NoSuchPoint {
            name: name(),
            point: id.to_string(),
        },
        None => PlanError::NoGoodPoint { name: name() },
    })?;
    if !p.ok {
        return Err(PlanError::PointFailed {
            point: p.id.clone(),
            message: p.message.clone().unwrap_or_else(|| "failed".into()),
        });
    }
    let template = match (&cfg.restore, &cfg.kind) {
        (Some(t), _) => t.as_str(),
        (None, BackupKind::Restic { .. }) => RESTIC_RESTORE,
        (None, _) => return Err(PlanError::NoRestoreCommand { name: name() }),
    };
    let target = cfg.target.clone().unwrap_or_default();
    if matches!(cfg.kind, BackupKind::Restic { .. }) && cfg.restore.is_none() && target.is_empty() {
        return Err(PlanError::NoTarget { name: name() });
    }
    let path = point_path(p);
    let time = p.time.to_string();
    let v = vars(cfg, p, &path, &time);
    Ok(RestorePlan {
        point: p.clone(),
        pre_restore: cfg
            .pre_restore
            .as_deref()
            .map(|t| render(t, &v))
            .transpose()?,
        command: render(template, &v)?,
        target,
        cwd: cwd(cfg),
    })
}

/// The dry-run preview of a restore (also what `--dry-run` prints).
pub fn restore_preview(cfg: &BackupSource, plan: &RestorePlan, now: Timestamp) -> Preview {
    let p = &plan.point;
    let target = if plan.target.is_empty() {
        "(no `target` configured)".to_string()
    } else {
        plan.target.clone()
    };
    let mut pv = Preview::new(
        format!("Restore {} from {}", cfg.name, p.id),
        format!("backups:{} → {target}", cfg.name),
    );
    let age = crate::text::age(p.time, now);
    let secs = (now - p.time).get_seconds().max(0) as u64;
    pv.summary = format!(
        "restore {} point {} (captured {}) into {target}",
        cfg.name,
        p.id,
        p.time.strftime("%Y-%m-%d %H:%M:%S UTC")
    );
    pv.lines.push(PreviewLine::Heading("Restore point".into()));
    pv.lines.push(PreviewLine::Text(format!(
        "{} captured {} ({age} ago){}",
        p.id,
        p.time.strftime("%Y-%m-%d %H:%M:%S UTC"),
        p.size
            .map(|s| format!(", {}", crate::text::human_bytes(s)))
            .unwrap_or_default()
    )));
    let rpo = crate::text::human_duration(cfg.rpo);
    let achieved = format!("RPO achieved if restored now: {age} (target {rpo})");
    pv.lines.push(if secs > cfg.rpo.as_secs() {
        PreviewLine::Warning(format!("{achieved}: up to {age} of data will be lost"))
    } else {
        PreviewLine::Text(achieved)
    });
    pv.lines
        .push(PreviewLine::Heading("Target (overwritten)".into()));
    pv.lines.push(PreviewLine::Text(target));
    pv.lines.push(PreviewLine::Heading(
        "1. Safety backup of the target".into(),
    ));
    match &plan.pre_restore {
        Some(c) => pv.lines.push(PreviewLine::Added(c.clone())),
        None => pv.lines.push(PreviewLine::Warning(
            "none: no `pre_restore` configured, the current state cannot be recovered".into(),
        )),
    }
    pv.lines
        .push(PreviewLine::Heading("2. Restore command (bash -c)".into()));
    pv.lines.push(PreviewLine::Added(plan.command.clone()));
    if let Some(d) = &plan.cwd {
        pv.lines
            .push(PreviewLine::Text(format!("runs in {}", d.display())));
    }
    pv.confirm = Confirm::Typed(cfg.name.clone());
    pv
}

/// How a verification will be done.
#[derive(Debug, Clone, PartialEq)]
pub enum VerifyPlan {
    /// The configured `verify` template, rendered.
    Command {
        point: RestorePoint,
        command: String,
        cwd: Option<PathBuf>,
    },
    /// Built-in checks of a dump file (sidecar checksum, gzip integrity).
    File { point: RestorePoint, path: PathBuf },
    /// `restic check`.
    Restic { subset: Option<String> },
}

pub fn plan_verify(
    cfg: &BackupSource,
    data: &SourceData,
    point: Option<&str>,
) -> Result<VerifyPlan, PlanError> {
    if let BackupKind::Restic {
        read_data_subset, ..
    } = &cfg.kind
        && cfg.verify.is_none()
    {
        return Ok(VerifyPlan::Restic {
            subset: read_data_subset.clone(),
        });
    }
    let p = data
        .find(point)
        .or_else(|| {
            if point.is_none() {
                data.points.first()
            } else {
                None
            }
        })
        .ok_or_else(|| match point {
            Some(id) => PlanError::NoSuchPoint {
                name: cfg.name.clone(),
                point: id.to_string(),
            },
            None => PlanError::NoPointToVerify {
                name: cfg.name.clone(),
            },
        })?
        .clone();
    if let Some(t) = &cfg.verify {
        let path = point_path(&p);
        let time = p.time.to_string();
        let command = render(t, &vars(cfg, &p, &path, &time))?;
        return Ok(VerifyPlan::Command {
            point: p,
            command,
            cwd: cwd(cfg),
        });
    }
    match (&cfg.kind, &p.path) {
        (BackupKind::Directory { .. }, Some(path)) => Ok(VerifyPlan::File {
            path: path.clone(),
            point: p,
        }),
        _ => Err(PlanError::NoVerification {
            kind: data.kind,
            name: cfg.name.clone(),
        }),
    }
}

pub fn verify_preview(cfg: &BackupSource, plan: &VerifyPlan) -> Preview {
    let (what, how) = match plan {
        VerifyPlan::Command { point, command, .. } => {
            (point.id.clone(), format!("runs: {command}"))
        }
        VerifyPlan::File { point, path } => (
            point.id.clone(),
            format!(
                "checks {}: .sha256 sidecar if present, gzip stream decoded to the end for .gz",
                path.display()
            ),
        ),
        VerifyPlan::Restic { subset } => (
            "repository".to_string(),
            match subset {
                Some(s) => format!("runs: restic check --read-data-subset={s}"),
                None => "runs: restic check".to_string(),
            },
        ),
    };
    let mut pv = Preview::new(
        format!("Verify {}/{what}", cfg.name),
        format!("backups:{}", cfg.name),
    );
    pv.summary = format!("verify {} {what}", cfg.name);
    pv.lines.push(PreviewLine::Text(how));
    pv.lines.push(PreviewLine::Text(
        "read-only: nothing is changed; the result is recorded".into(),
    ));
    pv.confirm = Confirm::None;
    pv
}
