//! The last verification per source, kept in the data dir so the view still
//! shows "verified 3d ago: ok" after a restart.

use super::model::Verification;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The verification file could not be written; names the file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    #[error("{}: {reason}", path.display())]
    Io { path: PathBuf, reason: String },
    #[error("cannot encode verifications: {0}")]
    Encode(String),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
    move |e| StoreError::Io {
        path: path.to_path_buf(),
        reason: e.to_string(),
    }
}

#[derive(Debug, Clone)]
pub struct VerificationStore {
    path: PathBuf,
}

impl VerificationStore {
    pub fn new(data_dir: &Path) -> Self {
        Self {
            path: data_dir.join("backup-verifications.json"),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Every recorded verification; a missing or corrupt file reads as none
    /// (the worst outcome is "never verified", which is the honest default).
    pub fn load(&self) -> BTreeMap<String, Verification> {
        std::fs::read_to_string(&self.path)
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or_default()
    }

    pub fn get(&self, source: &str) -> Option<Verification> {
        self.load().remove(source)
    }

    /// Record a result, replacing the file atomically (write + rename).
    pub fn record(&self, source: &str, v: Verification) -> Result<(), StoreError> {
        let mut all = self.load();
        all.insert(source.to_string(), v);
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir).map_err(io(dir))?;
        }
        let tmp = self.path.with_extension("json.tmp");
        let text =
            serde_json::to_string_pretty(&all).map_err(|e| StoreError::Encode(e.to_string()))?;
        std::fs::write(&tmp, text).map_err(io(&tmp))?;
        std::fs::rename(&tmp, &self.path).map_err(io(&self.path))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verifications_survive_a_reload_and_corruption_reads_as_none() {
        let dir = tempfile::tempdir().unwrap();
        let store = VerificationStore::new(&dir.path().join("data"));
        assert!(store.get("pg").is_none());
        let v = Verification {
            at: "2026-01-31T14:30:00Z".parse().unwrap(),
            point: "app_20260131_143000.sql.gz".into(),
            ok: false,
            message: "gzip integrity check failed".into(),
        };
        store.record("pg", v.clone()).unwrap();
        assert_eq!(
            VerificationStore::new(&dir.path().join("data")).get("pg"),
            Some(v)
        );
        std::fs::write(store.path(), "{not json").unwrap();
        assert!(store.get("pg").is_none());
    }
}
