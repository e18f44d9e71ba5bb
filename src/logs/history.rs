//! LogQL query history, one query per line in `logql_history` in the data dir.
//! The pane keeps the list; the worker reads and writes the file.

use std::path::{Path, PathBuf};

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
pub fn load(path: &Path) -> Result<Vec<String>, String> {
    match std::fs::read_to_string(path) {
        Ok(s) => Ok(s
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(str::to_string)
            .collect()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(format!("cannot read {}: {e}", path.display())),
    }
}

/// Write atomically (temp file + rename) so a crash never leaves half a history.
pub fn save(path: &Path, entries: &[String]) -> Result<(), String> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let tmp = path.with_extension("tmp");
    let mut text = entries.join("\n");
    text.push('\n');
    std::fs::write(&tmp, text).map_err(|e| format!("cannot write {}: {e}", tmp.display()))?;
    std::fs::rename(&tmp, path).map_err(|e| format!("cannot write {}: {e}", path.display()))
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
    }
}
