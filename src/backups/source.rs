//! One configured `[[backups]]` entry, and how to read its current state.
//! Shared by the worker (periodic scans) and the action handler (which
//! re-reads before it previews or acts, so it never restores stale choices).

use super::directory::ScanError;
use super::kube::KubeError;
use super::model::{SourceData, Verification};
use super::restic::{Restic, ResticError};
use super::store::VerificationStore;
use crate::config::{BackupKind, BackupSource};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;

/// How often restic runs a full `check` on its own (it reads the whole index).
const RESTIC_CHECK_EVERY: Duration = Duration::from_secs(3600);
/// restic snapshot sizes fetched per scan (one `stats` call each; sizes never change).
const RESTIC_SIZES_PER_SCAN: usize = 20;

/// Why a source could not be read now.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SourceError {
    #[error(transparent)]
    Scan(#[from] ScanError),
    #[error(transparent)]
    Restic(#[from] ResticError),
    #[error(transparent)]
    Kube(#[from] KubeError),
    /// The blocking scan task died (a panic in it).
    #[error("scan task: {0}")]
    Task(String),
}

/// A source that cannot be read blocks a preview or an action.
impl From<SourceError> for crate::action::ActionError {
    fn from(e: SourceError) -> Self {
        match e {
            SourceError::Restic(e) => e.into(),
            SourceError::Kube(e) => e.into(),
            SourceError::Scan(ScanError::ReadDir {
                kind: std::io::ErrorKind::NotFound,
                ..
            }) => Self::NotFound(e.to_string()),
            SourceError::Scan(_) => Self::Invalid(e.to_string()),
            SourceError::Task(_) => Self::Backend {
                message: e.to_string(),
                status: None,
            },
        }
    }
}

#[derive(Clone)]
pub struct LiveSource {
    pub cfg: BackupSource,
    pub store: VerificationStore,
    /// Poked after a verify/restore so the view updates at once.
    pub rescan: Arc<Notify>,
    restic_sizes: Arc<Mutex<HashMap<String, u64>>>,
}

impl LiveSource {
    pub fn new(cfg: BackupSource, store: VerificationStore) -> Self {
        Self {
            cfg,
            store,
            rescan: Arc::new(Notify::new()),
            restic_sizes: Arc::default(),
        }
    }

    pub fn kind(&self) -> &'static str {
        match self.cfg.kind {
            BackupKind::Directory { .. } => "directory",
            BackupKind::Restic { .. } => "restic",
            BackupKind::Cronjob { .. } => "cronjob",
            BackupKind::Velero { .. } => "velero",
        }
    }

    /// How often to re-scan: these backends have no event stream.
    pub fn interval(&self) -> Duration {
        match self.cfg.kind {
            BackupKind::Directory { .. } => Duration::from_secs(30),
            BackupKind::Restic { .. } => Duration::from_secs(300),
            BackupKind::Cronjob { .. } | BackupKind::Velero { .. } => Duration::from_secs(60),
        }
    }

    /// The config keys that fix a failing source.
    pub fn hint(&self) -> String {
        let n = &self.cfg.name;
        match self.cfg.kind {
            BackupKind::Directory { .. } => format!("check `path` of [[backups]] {n}"),
            BackupKind::Restic { .. } => {
                format!("check `repository` and `password_file` of [[backups]] {n}")
            }
            BackupKind::Cronjob { .. } | BackupKind::Velero { .. } => format!(
                "check `context`/`namespace` of [[backups]] {n} and your kubeconfig (`kubectl config get-contexts`)"
            ),
        }
    }

    /// The fix for this failure, naming this source's config keys: chosen
    /// from the kind of error, else the source kind's [`hint`](Self::hint).
    pub fn hint_for(&self, e: &SourceError) -> String {
        let n = &self.cfg.name;
        match e {
            SourceError::Restic(
                ResticError::WrongPassword { .. } | ResticError::PasswordFile { .. },
            ) => format!(
                "check `password_file` of [[backups]] {n} (restic reads the password from it)"
            ),
            SourceError::Restic(ResticError::NoRepository { .. }) => {
                format!("check `repository` of [[backups]] {n}, or `restic init` it")
            }
            SourceError::Restic(r @ (ResticError::NotInstalled | ResticError::Locked { .. })) => {
                r.hint().unwrap_or_default().to_string()
            }
            SourceError::Scan(ScanError::Pattern { .. }) => {
                format!("fix `pattern` of [[backups]] {n} (a glob such as app_*.sql.gz)")
            }
            SourceError::Kube(k) => {
                let keys = match self.cfg.kind {
                    BackupKind::Velero { .. } => "`context`/`namespace`/`schedule`",
                    _ => "`context`/`namespace`/`cronjob`",
                };
                k.hint(&format!("{keys} of [[backups]] {n}"))
            }
            _ => self.hint(),
        }
    }

    pub fn restic(&self) -> Option<Restic> {
        match &self.cfg.kind {
            BackupKind::Restic {
                repository,
                password_file,
                ..
            } => Some(Restic {
                repository: repository.clone(),
                password_file: password_file.clone(),
            }),
            _ => None,
        }
    }

    /// Read the backend now.
    pub async fn fetch(&self) -> Result<SourceData, SourceError> {
        let c = &self.cfg;
        let mut data = match &c.kind {
            BackupKind::Directory {
                path,
                pattern,
                time_format,
            } => {
                let (path, pattern, tf) = (path.clone(), pattern.clone(), time_format.clone());
                let (name, rpo) = (c.name.clone(), c.rpo);
                tokio::task::spawn_blocking(move || {
                    super::directory::load(&name, rpo, &path, &pattern, tf.as_deref())
                })
                .await
                .map_err(|e| SourceError::Task(e.to_string()))??
            }
            BackupKind::Restic { .. } => self.fetch_restic().await?,
            BackupKind::Cronjob {
                namespace,
                cronjob,
                context,
            } => {
                let client = super::kube::client(context.as_deref()).await?;
                super::kube::fetch_cronjob(client, &c.name, c.rpo, namespace, cronjob).await?
            }
            BackupKind::Velero {
                namespace,
                schedule,
                context,
            } => {
                let client = super::kube::client(context.as_deref()).await?;
                super::kube::fetch_velero(client, &c.name, c.rpo, namespace, schedule.as_deref())
                    .await?
            }
        };
        data.set_verification(self.store.get(&c.name));
        Ok(data)
    }

    async fn fetch_restic(&self) -> Result<SourceData, ResticError> {
        let r = self.restic().expect("restic source");
        let mut data = SourceData::new(&self.cfg.name, "restic", self.cfg.rpo);
        data.location = format!("restic {}", r.repository);
        data.points = r.snapshots().await?;
        data.normalise();
        let missing: Vec<String> = {
            let sizes = self.restic_sizes.lock().unwrap_or_else(|e| e.into_inner());
            data.points
                .iter()
                .filter(|p| p.size.is_none() && !sizes.contains_key(&p.id))
                .take(RESTIC_SIZES_PER_SCAN)
                .map(|p| p.id.clone())
                .collect()
        };
        for id in missing {
            match r.snapshot_size(&id).await {
                Ok(n) => {
                    self.restic_sizes
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .insert(id, n);
                }
                Err(e) => tracing::debug!("restic stats {id}: {e}"),
            }
        }
        {
            let sizes = self.restic_sizes.lock().unwrap_or_else(|e| e.into_inner());
            for p in &mut data.points {
                if p.size.is_none() {
                    p.size = sizes.get(&p.id).copied();
                }
            }
        }
        // The repository's own integrity check counts as its verification;
        // run it when there is none recent.
        let stale = self.store.get(&self.cfg.name).is_none_or(|v| {
            (jiff::Timestamp::now() - v.at).get_seconds() > RESTIC_CHECK_EVERY.as_secs() as i64
        });
        if stale {
            let subset = match &self.cfg.kind {
                BackupKind::Restic {
                    read_data_subset, ..
                } => read_data_subset.clone(),
                _ => None,
            };
            let v = verify_restic(&r, subset.as_deref()).await;
            if let Err(e) = self.store.record(&self.cfg.name, v) {
                tracing::warn!("recording restic check: {e}");
            }
        }
        Ok(data)
    }
}

/// Run `restic check` and turn it into a verification record.
pub async fn verify_restic(r: &Restic, subset: Option<&str>) -> Verification {
    let res = r.check(subset).await;
    Verification {
        at: jiff::Timestamp::now(),
        point: "repository".into(),
        ok: res.is_ok(),
        message: res.unwrap_or_else(|e| e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(kind: &str) -> LiveSource {
        let text = format!("[[backups]]\nname = \"files\"\nrpo = \"4h\"\n{kind}\n");
        let cfg = crate::config::Config::parse(&text, std::path::Path::new("t.toml")).unwrap();
        let dir = tempfile::tempdir().unwrap();
        LiveSource::new(cfg.backups[0].clone(), VerificationStore::new(dir.path()))
    }

    #[test]
    fn the_hint_is_chosen_from_the_error_and_names_the_source() {
        use crate::action::ActionError;
        let s =
            source("kind = \"restic\"\nrepository = \"/srv/restic\"\npassword_file = \"/run/pw\"");
        let r = s.restic().unwrap();
        let wrong =
            SourceError::from(r.classify(Some(12), "Fatal: wrong password or no key found"));
        assert_eq!(
            s.hint_for(&wrong),
            "check `password_file` of [[backups]] files (restic reads the password from it)"
        );
        let missing = SourceError::from(r.classify(Some(10), ""));
        assert!(
            s.hint_for(&missing)
                .starts_with("check `repository` of [[backups]] files")
        );
        assert!(matches!(
            ActionError::from(missing),
            ActionError::NotFound(_)
        ));
        assert!(
            s.hint_for(&ResticError::NotInstalled.into())
                .contains("apt-get install restic")
        );
        // Nothing more specific: the kind's keys.
        let other = SourceError::from(r.classify(Some(3), "Fatal: boom"));
        assert_eq!(s.hint_for(&other), s.hint());

        let d = source("kind = \"directory\"\npath = \"/nonexistent\"");
        let e = SourceError::from(
            super::super::directory::scan(std::path::Path::new("/nonexistent"), "*", None)
                .unwrap_err(),
        );
        assert_eq!(d.hint_for(&e), "check `path` of [[backups]] files");
        assert!(matches!(ActionError::from(e), ActionError::NotFound(_)));

        let k = source("kind = \"cronjob\"\nnamespace = \"shop\"\ncronjob = \"pg-backup\"");
        let refused = SourceError::Kube(KubeError::Request {
            what: "cronjob shop/pg-backup".into(),
            status: None,
            api_reason: String::new(),
            reason: "tcp connect error: Connection refused".into(),
            velero: false,
        });
        assert!(
            k.hint_for(&refused).starts_with(
                "check `context`/`namespace`/`cronjob` of [[backups]] files and your kubeconfig"
            ),
            "{}",
            k.hint_for(&refused)
        );
    }
}
