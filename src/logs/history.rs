//! LogQL query history, one query per line in `logql_history` in the data dir.
//! The pane keeps the list; the worker reads and writes the file.

use std::path::{Path, PathBuf};

/// A file the logs domain reads or writes (the query history, a saved view)
/// could not be: the path is data, the OS error its words.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FileError {
    #[error("cannot read {}: {reason}", .path.display())]
    Read { path: PathBuf, reason: String },
    #[error("cannot create {}: {reason}", .dir.display())]
    CreateDir { dir: PathBuf, reason: String },
    #[error("cannot write {}: {reason}", .path.display())]
    Write { path: PathBuf, reason: String },
    /// The blocking task doing the I/O did not finish (panicked, cancelled).
    #[error("{0}")]
    Task(String),
}

impl FileError {
    pub fn read(path: &Path, e: &std::io::Error) -> Self {
        Self::Read {
            path: path.to_path_buf(),
            reason: e.to_string(),
        }
    }
    pub fn create(dir: &Path, e: &std::io::Error) -> Self {
        Self::CreateDir {
            dir: dir.to_path_buf(),
            reason: e.to_string(),
        }
    }
    pub fn write(path: &Path, e: &std::io::Error) -> Self {
        Self::Write {
            path: path.to_path_buf(),
            reason: e.to_string(),
        }
    }

    /// The file (or directory) at fault.
    pub fn path(&self) -> Option<&Path> {
        match self {
            Self::Read { path, .. } | Self::Write { path, .. } => Some(path),
            Self::CreateDir { dir, .. } => Some(dir),
            Self::Task(_) => None,
        }
    }
}

/// Entries kept (oldest dropped first).
pub const MAX: usize = 200;

pub fn default_path() -> PathBuf {
    crate::paths::data_dir().join("logql_history")
}

/// Add `query` as the newest entry (moving it if it was there already).
pub fn push(entries: &mut Vec<String>, query: &str) {
    let q = one_line(query);
    if q.is_empty() {
        return;
    }
    entries.retain(|e| *e != q);
    entries.push(q);
    if entries.len() > MAX {
        let cut = entries.len() - MAX;
        entries.drain(..cut);
    }
}

fn one_line(q: &str) -> String {
    q.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Read the history; a missing file is an empty history.
pub fn load(path: &Path) -> Result<Vec<String>, FileError> {
    match std::fs::read_to_string(path) {
        Ok(s) => Ok(s
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(str::to_string)
            .collect()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(FileError::read(path, &e)),
    }
}

/// Write atomically (temp file + rename) so a crash never leaves half a history.
pub fn save(path: &Path, entries: &[String]) -> Result<(), FileError> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| FileError::create(dir, &e))?;
    }
    let tmp = path.with_extension("tmp");
    let mut text = entries.join("\n");
    text.push('\n');
    std::fs::write(&tmp, text).map_err(|e| FileError::write(&tmp, &e))?;
    std::fs::rename(&tmp, path).map_err(|e| FileError::write(path, &e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_dedups_bounds_and_round_trips() {
        let mut h = Vec::new();
        push(&mut h, "{app=\"a\"}");
        push(&mut h, "{app=\"b\"}\n  |= \"x\"");
        push(&mut h, "{app=\"a\"}");
        assert_eq!(h, ["{app=\"b\"} |= \"x\"", "{app=\"a\"}"]);
        for i in 0..300 {
            push(&mut h, &format!("{{n=\"{i}\"}}"));
        }
        assert_eq!(h.len(), MAX);
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("sub/logql_history");
        save(&p, &h).unwrap();
        assert_eq!(load(&p).unwrap(), h);
        assert!(load(&dir.path().join("none")).unwrap().is_empty());
        // A directory where the file should be: the error names it.
        let e = load(dir.path()).unwrap_err();
        assert!(
            matches!(&e, FileError::Read { path, .. } if path == dir.path()),
            "{e:?}"
        );
        assert_eq!(e.path(), Some(dir.path()));
        let blocker = dir.path().join("file");
        std::fs::write(&blocker, "x").unwrap();
        let e = save(&blocker.join("h"), &h).unwrap_err();
        assert!(
            matches!(&e, FileError::CreateDir { dir, .. } if *dir == blocker),
            "{e:?}"
        );
        assert!(e.to_string().starts_with("cannot create "), "{e}");
    }
}
