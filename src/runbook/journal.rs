//! The run journal: one append-only JSONL file per run in the data dir
//! (`journals/<run-id>.jsonl`), step outputs in files beside it
//! (`journals/<run-id>/step-N-A.log`) with their sha256 in the journal.
//!
//! Each entry is one `write` of a whole line on an `O_APPEND` descriptor,
//! followed by fsync, before the caller moves on — so a crash or `kill -9`
//! loses at most the entry being written, and [`load`] skips a torn last line.

use super::walker::StepStatus;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepRef {
    pub title: String,
    pub hash: String,
    #[serde(default)]
    pub manual: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckResult {
    /// The command as shown (secrets masked).
    pub command: String,
    pub passed: bool,
    pub exit: Option<i32>,
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Entry {
    /// First line of every journal. `runbook` is empty for a free-standing incident.
    RunStarted {
        run: String,
        ts: jiff::Timestamp,
        operator: String,
        runbook: String,
        runbook_hash: String,
        title: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        rto_secs: Option<u64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        rpo_secs: Option<u64>,
        /// Values of non-secret params.
        params: BTreeMap<String, String>,
        /// Names of secret params (values never written).
        #[serde(default)]
        secret_params: Vec<String>,
        steps: Vec<StepRef>,
        /// The alert the run was opened from, when it was.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        alert: Option<Box<crate::target::AlertContext>>,
    },
    Resumed {
        ts: jiff::Timestamp,
        operator: String,
        runbook_hash: String,
        forced: bool,
    },
    StepStarted {
        ts: jiff::Timestamp,
        operator: String,
        step: usize,
        title: String,
        hash: String,
        /// Rendered commands / action lines, secrets masked.
        commands: Vec<String>,
    },
    /// A command of the running step started in its own process group
    /// (`pgid`). Written right after the spawn, so that after a crash a resume
    /// can tell whether that command is still running.
    StepProcess {
        ts: jiff::Timestamp,
        step: usize,
        pgid: i32,
    },
    StepFinished {
        ts: jiff::Timestamp,
        operator: String,
        step: usize,
        status: StepStatus,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        exit: Option<i32>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        output_file: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        output_sha256: Option<String>,
        #[serde(default)]
        checks: Vec<CheckResult>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        error: Option<String>,
    },
    StepSkipped {
        ts: jiff::Timestamp,
        operator: String,
        step: usize,
        reason: String,
    },
    StepDone {
        ts: jiff::Timestamp,
        operator: String,
        step: usize,
    },
    Note {
        ts: jiff::Timestamp,
        operator: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        step: Option<usize>,
        text: String,
    },
    /// A console action: from a runbook step or taken anywhere in warroom
    /// while the run is open.
    Action {
        ts: jiff::Timestamp,
        operator: String,
        origin: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        step: Option<usize>,
        command: String,
        ok: bool,
        message: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        restore_point_time: Option<jiff::Timestamp>,
    },
    RunFinished {
        ts: jiff::Timestamp,
        operator: String,
        /// `completed` or `aborted`.
        status: String,
    },
    /// A change the console saw while the timeline was open
    /// (`crate::observed`), de-duplicated by `super::coalesce`: the first
    /// occurrence of a change at a place is written at once (`count` 1);
    /// repeats within the window are counted and written as one entry when
    /// it closes (`count` repeats, the first at `ts`, the last at `last`).
    /// Strings are sanitised before they are written.
    Observed {
        ts: jiff::Timestamp,
        change: crate::observed::Change,
        place: crate::observed::Place,
        #[serde(default)]
        detail: String,
        #[serde(default = "one")]
        count: u64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        last: Option<jiff::Timestamp>,
        /// When it was written: `ts` is the source's time, which a source
        /// can send again, and a line equal to an earlier one is a bad line.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        seen: Option<jiff::Timestamp>,
    },
    /// The cap on new timeline lines per minute dropped `count` observations
    /// seen between `since` and `ts`.
    ObservedDropped {
        ts: jiff::Timestamp,
        since: jiff::Timestamp,
        count: u64,
        /// When it was written (see `observed`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        seen: Option<jiff::Timestamp>,
    },
    /// The journal was repaired before it was continued. `original` (a file
    /// beside it, `RUN.jsonl.orig-<UTC time>`) holds it as it was, byte for
    /// byte; `cut_bytes` were cut off its end (a torn last line, starting at
    /// byte `cut_at`); `skipped_lines` are lines that are not entries, left
    /// where they are and skipped by the operator's choice (`--skip-bad-lines`).
    Repaired {
        ts: jiff::Timestamp,
        operator: String,
        original: String,
        #[serde(default)]
        cut_at: u64,
        #[serde(default)]
        cut_bytes: u64,
        #[serde(default)]
        skipped_lines: Vec<usize>,
    },
}

impl Entry {
    pub fn ts(&self) -> jiff::Timestamp {
        match self {
            Self::RunStarted { ts, .. }
            | Self::Resumed { ts, .. }
            | Self::StepStarted { ts, .. }
            | Self::StepProcess { ts, .. }
            | Self::StepFinished { ts, .. }
            | Self::StepSkipped { ts, .. }
            | Self::StepDone { ts, .. }
            | Self::Note { ts, .. }
            | Self::Action { ts, .. }
            | Self::RunFinished { ts, .. }
            | Self::Observed { ts, .. }
            | Self::ObservedDropped { ts, .. }
            | Self::Repaired { ts, .. } => *ts,
        }
    }
}

/// An `observed` entry without a count is one occurrence.
fn one() -> u64 {
    1
}

/// Why a journal could not be read or written. Each names the file (and the
/// line, for a bad entry) so the operator knows what to fix.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum JournalError {
    #[error("cannot create journal dir {}: {reason}", dir.display())]
    CreateDir { dir: PathBuf, reason: String },
    #[error("cannot open journal {}: {reason}", path.display())]
    Open { path: PathBuf, reason: String },
    #[error("cannot repair journal {}: {reason}", path.display())]
    Repair { path: PathBuf, reason: String },
    #[error("cannot write journal {}: {reason}", path.display())]
    Write { path: PathBuf, reason: String },
    #[error("cannot encode journal entry: {0}")]
    Encode(String),
    /// A step's output file (or its directory) beside the journal.
    #[error("cannot {} {}: {reason}", if *dir { "create" } else { "write" }, path.display())]
    Output {
        path: PathBuf,
        dir: bool,
        reason: String,
    },
    #[error("{}: not a journal file", path.display())]
    NotAJournal { path: PathBuf },
    #[error(
        "run {run} is open in another warroom process (still running a step?); \
         wait for it or stop it before resuming"
    )]
    Locked { run: String },
    #[error("cannot read {}: {reason}", path.display())]
    Read { path: PathBuf, reason: String },
    /// A line in the middle does not parse (a torn last line is skipped instead).
    #[error("{}:{line}: bad journal entry: {reason}", path.display())]
    BadEntry {
        path: PathBuf,
        line: usize,
        reason: String,
    },
    #[error("{}: not a runbook journal (no run_started entry)", path.display())]
    NoStart { path: PathBuf },
    #[error("no run {run:?} in {}", dir.display())]
    NoSuchRun { run: String, dir: PathBuf },
    /// The latest unfinished run of a runbook has bad lines.
    #[error(
        "{}\nrefusing to start a fresh run of {}: the journal of its unfinished run {run} is damaged, \
         and a fresh run would repeat steps it records as done. Resume from the entries that parse \
         with --resume --skip-bad-lines (the journal is copied beside itself first and the bad lines \
         stay in it), or start a fresh run anyway with --force",
        listed(lines),
        runbook.display()
    )]
    Damaged {
        runbook: PathBuf,
        run: String,
        /// `FILE:LINE: bad journal entry: REASON`, one per bad line.
        lines: Vec<String>,
    },
}

/// An open journal, appended to.
#[derive(Debug, Clone)]
pub struct Journal {
    pub path: PathBuf,
    pub run: String,
}

/// A fresh run id: sortable time plus a little randomness.
pub fn new_run_id(now: jiff::Timestamp) -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(now.as_nanosecond() as u128);
    h.write_u32(std::process::id());
    format!(
        "{}-{:04x}",
        now.strftime("%Y%m%dT%H%M%SZ"),
        h.finish() & 0xffff
    )
}

impl Journal {
    /// Create `dir/<run>.jsonl` and write its first entry.
    pub fn create(dir: &Path, run: &str, first: &Entry) -> Result<Self, JournalError> {
        std::fs::create_dir_all(dir).map_err(|e| JournalError::CreateDir {
            dir: dir.to_path_buf(),
            reason: e.to_string(),
        })?;
        let j = Self {
            path: dir.join(format!("{run}.jsonl")),
            run: run.to_string(),
        };
        j.append(first)?;
        sync_dir(dir);
        Ok(j)
    }

    /// Reopen a loaded journal to continue it. A journal is never rewritten:
    /// if it has a torn last line or bad lines nobody chose to skip yet, it
    /// is first copied beside itself ([`keep_original`]), then the torn tail
    /// (only that) is cut at its byte offset, and a `repaired` entry names the
    /// copy, the cut and the skipped lines. The caller decides whether bad
    /// lines may be skipped (`--skip-bad-lines`) before calling this.
    pub fn reopen(loaded: &Loaded) -> Result<Self, JournalError> {
        let j = Self::open(&loaded.path)?;
        let skipped: Vec<usize> = loaded.unacknowledged().iter().map(|b| b.line).collect();
        if !loaded.torn && skipped.is_empty() {
            if loaded.unterminated {
                // The last entry is whole but lacks its newline: end it, so
                // the next entry starts on a line of its own. Nothing is cut.
                j.append_raw(b"\n")?;
            }
            return Ok(j);
        }
        let path = || loaded.path.clone();
        let bytes = std::fs::read(&loaded.path).map_err(|e| JournalError::Read {
            path: path(),
            reason: e.to_string(),
        })?;
        if bytes.len() as u64 != loaded.len {
            return Err(JournalError::Repair {
                path: path(),
                reason: format!(
                    "it is {} bytes now, {} when it was read (another process is writing it?); nothing was changed",
                    bytes.len(),
                    loaded.len
                ),
            });
        }
        let copy = keep_original(&loaded.path, &bytes)?;
        let cut_bytes = if loaded.torn {
            loaded.len - loaded.good_len
        } else {
            0
        };
        if loaded.torn {
            let f = std::fs::OpenOptions::new()
                .write(true)
                .open(&loaded.path)
                .map_err(|e| JournalError::Open {
                    path: path(),
                    reason: e.to_string(),
                })?;
            f.set_len(loaded.good_len)
                .and_then(|_| f.sync_all())
                .map_err(|e| JournalError::Repair {
                    path: path(),
                    reason: e.to_string(),
                })?;
        } else if loaded.unterminated {
            j.append_raw(b"\n")?;
        }
        let original = copy
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        tracing::warn!(
            journal = %loaded.path.display(),
            copy = %copy.display(),
            cut_at = loaded.good_len,
            cut_bytes,
            skipped_lines = ?skipped,
            "journal repaired before it is continued; the original is kept beside it"
        );
        j.append(&Entry::Repaired {
            ts: jiff::Timestamp::now(),
            operator: crate::identity::operator(),
            original,
            cut_at: if loaded.torn { loaded.good_len } else { 0 },
            cut_bytes,
            skipped_lines: skipped,
        })?;
        Ok(j)
    }

    /// Raw bytes at the end, one write, fsync.
    fn append_raw(&self, bytes: &[u8]) -> Result<(), JournalError> {
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&self.path)
            .map_err(|e| JournalError::Open {
                path: self.path.clone(),
                reason: e.to_string(),
            })?;
        f.write_all(bytes)
            .and_then(|_| f.sync_data())
            .map_err(|e| JournalError::Write {
                path: self.path.clone(),
                reason: e.to_string(),
            })
    }

    pub fn open(path: &Path) -> Result<Self, JournalError> {
        let run = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .ok_or_else(|| JournalError::NotAJournal {
                path: path.to_path_buf(),
            })?;
        Ok(Self {
            path: path.to_path_buf(),
            run,
        })
    }

    /// One line, one write, fsync: durable before the caller continues.
    pub fn append(&self, entry: &Entry) -> Result<(), JournalError> {
        let mut line =
            serde_json::to_vec(entry).map_err(|e| JournalError::Encode(e.to_string()))?;
        line.push(b'\n');
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .map_err(|e| JournalError::Open {
                path: self.path.clone(),
                reason: e.to_string(),
            })?;
        f.write_all(&line)
            .and_then(|_| f.sync_data())
            .map_err(|e| JournalError::Write {
                path: self.path.clone(),
                reason: e.to_string(),
            })
    }

    /// Directory for this run's output files.
    pub fn output_dir(&self) -> PathBuf {
        self.path.with_extension("")
    }

    /// Store a step's output beside the journal; returns its name relative to
    /// the journal dir and its sha256.
    pub fn write_output(
        &self,
        step: usize,
        output: &[u8],
    ) -> Result<(String, String), JournalError> {
        let dir = self.output_dir();
        fn failed(path: &Path, dir: bool) -> impl FnOnce(std::io::Error) -> JournalError + '_ {
            move |e| JournalError::Output {
                path: path.to_path_buf(),
                dir,
                reason: e.to_string(),
            }
        }
        std::fs::create_dir_all(&dir).map_err(failed(&dir, true))?;
        let mut attempt = 1;
        let name = loop {
            let n = format!("step-{}-{attempt}.log", step + 1);
            if !dir.join(&n).exists() {
                break n;
            }
            attempt += 1;
        };
        let path = dir.join(&name);
        let mut f = std::fs::File::create(&path).map_err(failed(&path, false))?;
        f.write_all(output)
            .and_then(|_| f.sync_all())
            .map_err(failed(&path, false))?;
        sync_dir(&dir);
        Ok((
            format!("{}/{name}", self.run),
            super::parse::sha256_hex(output),
        ))
    }
}

/// An exclusive lock on a journal, held while a process has its run open, so
/// a second warroom (a new SSH session while the old one still runs) cannot
/// resume the same run and execute its steps twice. The OS drops it when the
/// process ends, even by `kill -9`.
#[derive(Debug)]
pub struct RunLock(#[allow(dead_code)] std::fs::File);

impl Journal {
    pub fn lock(&self) -> Result<RunLock, JournalError> {
        use std::os::fd::AsRawFd;
        let f = std::fs::File::open(&self.path).map_err(|e| JournalError::Open {
            path: self.path.clone(),
            reason: e.to_string(),
        })?;
        // SAFETY: flock on a descriptor we own.
        let r = unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
        if r != 0 {
            return Err(JournalError::Locked {
                run: self.run.clone(),
            });
        }
        Ok(RunLock(f))
    }
}

/// Copy `bytes` (the journal at `path` as read) to a new file beside it,
/// `RUN.jsonl.orig-<UTC time>`, fsynced (and its directory entry too) before
/// anything touches the journal. Never overwrites an earlier copy.
pub fn keep_original(path: &Path, bytes: &[u8]) -> Result<PathBuf, JournalError> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let stamp = jiff::Timestamp::now()
        .strftime("%Y%m%dT%H%M%SZ")
        .to_string();
    let failed = |p: &Path, e: std::io::Error| JournalError::Repair {
        path: path.to_path_buf(),
        reason: format!("cannot keep the original as {}: {e}", p.display()),
    };
    for n in 1.. {
        let copy = path.with_file_name(if n == 1 {
            format!("{name}.orig-{stamp}")
        } else {
            format!("{name}.orig-{stamp}-{n}")
        });
        let mut f = match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&copy)
        {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(failed(&copy, e)),
        };
        f.write_all(bytes)
            .and_then(|_| f.sync_all())
            .map_err(|e| failed(&copy, e))?;
        if let Some(dir) = path.parent() {
            sync_dir(dir);
        }
        return Ok(copy);
    }
    unreachable!("an unbounded range ends only by return")
}

fn sync_dir(dir: &Path) {
    // Makes the new file's directory entry durable too; best effort.
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

#[path = "journal_read.rs"]
mod read;
pub use read::*;

#[cfg(test)]
#[path = "journal_tests.rs"]
mod tests;
