//! The audit log: one append-only JSONL file in the data dir. Every incident
//! action — from the TUI, a runbook, or `warroom action` — appends one entry:
//! who, when, where, what, the preview summary, and the result.
//!
//! Each entry is written with a single `write` on an `O_APPEND` descriptor and
//! fsynced, so concurrent warroom processes interleave whole lines and a crash
//! never leaves a torn entry in the middle of the file. Entries are built from
//! action specs and previews, which never hold secret values.

use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AuditEntry {
    /// RFC 3339 time the entry was written.
    pub ts: jiff::Timestamp,
    /// `user@host`.
    pub who: String,
    /// `tui`, `cli`, or `runbook:<run-id>`.
    pub origin: String,
    /// Action verb as in `warroom action VERB`.
    pub action: String,
    /// The object acted on, e.g. `deployment/web`.
    pub target: String,
    /// Where: Kubernetes context/namespace, Docker host, Alertmanager name, backup source.
    #[serde(rename = "where")]
    pub location: String,
    /// One line from the preview: what was going to change.
    pub preview: String,
    /// `ok`, `error`, `refused`, `dry-run` or `cancelled`.
    pub result: String,
    /// Error text or outcome summary.
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub demo: Option<bool>,
    /// When execution began (`ts` is when it ended); absent when nothing ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started: Option<jiff::Timestamp>,
    /// Exit code of the last command the action ran (restore, verify, safety backup).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i32>,
    /// For restores: when the restored data was captured (achieved RPO =
    /// `ts` − this), recorded even when the restore failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restore_point_time: Option<jiff::Timestamp>,
}

/// Why an entry could not be written. Each names the file, so the operator
/// knows what to fix (a full disk, a read-only data dir).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AuditError {
    #[error("cannot create {}: {reason}", dir.display())]
    CreateDir { dir: PathBuf, reason: String },
    #[error("cannot open audit log {}: {reason}", path.display())]
    Open { path: PathBuf, reason: String },
    #[error("cannot write audit log {}: {reason}", path.display())]
    Write { path: PathBuf, reason: String },
    #[error("cannot encode audit entry: {0}")]
    Encode(String),
}

#[derive(Debug, Clone)]
pub struct AuditLog {
    path: PathBuf,
}

impl AuditLog {
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    /// The log at the default location in the data dir.
    pub fn default_location() -> Self {
        Self::new(crate::paths::audit_log())
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Append one entry durably. Errors name the file so the operator can fix it.
    pub fn append(&self, entry: &AuditEntry) -> Result<(), AuditError> {
        let mut line = serde_json::to_vec(entry).map_err(|e| AuditError::Encode(e.to_string()))?;
        line.push(b'\n');
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| AuditError::CreateDir {
                dir: dir.to_path_buf(),
                reason: e.to_string(),
            })?;
        }
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .map_err(|e| AuditError::Open {
                path: self.path.clone(),
                reason: e.to_string(),
            })?;
        file.write_all(&line)
            .and_then(|_| file.sync_data())
            .map_err(|e| AuditError::Write {
                path: self.path.clone(),
                reason: e.to_string(),
            })
    }

    /// Read every entry; lines that do not parse (e.g. a partial last line after a
    /// power cut) are skipped, never fatal.
    pub fn read_all(&self) -> Vec<AuditEntry> {
        std::fs::read_to_string(&self.path)
            .unwrap_or_default()
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(action: &str) -> AuditEntry {
        AuditEntry {
            ts: jiff::Timestamp::now(),
            who: "alice@bastion".into(),
            origin: "cli".into(),
            action: action.into(),
            target: "deployment/web".into(),
            location: "prod/shop".into(),
            preview: "revision 7 -> 6".into(),
            result: "ok".into(),
            message: String::new(),
            demo: None,
            started: None,
            exit_code: None,
            restore_point_time: None,
        }
    }

    #[test]
    fn appends_whole_lines_and_survives_a_torn_tail() {
        let dir = tempfile::tempdir().unwrap();
        let log = AuditLog::new(dir.path().join("sub/audit.jsonl"));
        log.append(&entry("rollout-undo")).unwrap();
        log.append(&entry("scale")).unwrap();
        // Simulate a crash that left half a line behind.
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(log.path())
            .unwrap();
        f.write_all(b"{\"ts\":\"2026-").unwrap();
        let all = log.read_all();
        assert_eq!(
            all.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(),
            ["rollout-undo", "scale"]
        );
        let text = std::fs::read_to_string(log.path()).unwrap();
        assert!(text.contains("\"where\":\"prod/shop\""));
    }
}
