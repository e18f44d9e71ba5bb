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
            | Self::RunFinished { ts, .. } => *ts,
        }
    }
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

    /// Reopen a loaded journal to continue it, cutting off a torn last line
    /// first so the next entry starts on a line of its own.
    pub fn reopen(loaded: &Loaded) -> Result<Self, JournalError> {
        if loaded.torn {
            let path = || loaded.path.clone();
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
        }
        Self::open(&loaded.path)
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

fn sync_dir(dir: &Path) {
    // Makes the new file's directory entry durable too; best effort.
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

/// A loaded journal.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub path: PathBuf,
    pub entries: Vec<Entry>,
    /// A torn last line (crash mid-write) was skipped.
    pub torn: bool,
    /// Bytes up to the end of the last good line.
    good_len: u64,
}

impl Loaded {
    pub fn run_id(&self) -> &str {
        match self.entries.first() {
            Some(Entry::RunStarted { run, .. }) => run,
            _ => "",
        }
    }

    pub fn runbook(&self) -> &str {
        match self.entries.first() {
            Some(Entry::RunStarted { runbook, .. }) => runbook,
            _ => "",
        }
    }

    pub fn started(&self) -> Option<jiff::Timestamp> {
        self.entries.first().map(Entry::ts)
    }

    /// `completed`/`aborted`, or None while the run is open (resumable).
    pub fn finished(&self) -> Option<&str> {
        self.entries.iter().rev().find_map(|e| match e {
            Entry::RunFinished { status, .. } => Some(status.as_str()),
            _ => None,
        })
    }

    pub fn step_refs(&self) -> &[StepRef] {
        match self.entries.first() {
            Some(Entry::RunStarted { steps, .. }) => steps,
            _ => &[],
        }
    }

    /// Process groups of steps that were started and never finished (the
    /// run died mid-step): `(step, pgid, when it was journaled)`, in the
    /// order they were started.
    pub fn unfinished_groups(&self) -> Vec<(usize, i32, jiff::Timestamp)> {
        let mut open: BTreeMap<usize, Vec<(i32, jiff::Timestamp)>> = BTreeMap::new();
        for e in &self.entries {
            match e {
                Entry::StepStarted { step, .. } => {
                    open.insert(*step, Vec::new());
                }
                Entry::StepProcess { step, pgid, ts } => {
                    open.entry(*step).or_default().push((*pgid, *ts));
                }
                Entry::StepFinished { step, .. }
                | Entry::StepSkipped { step, .. }
                | Entry::StepDone { step, .. } => {
                    open.remove(step);
                }
                _ => {}
            }
        }
        open.into_iter()
            .flat_map(|(step, g)| g.into_iter().map(move |(p, ts)| (step, p, ts)))
            .collect()
    }

    /// Each step's last recorded status (and skip reason).
    pub fn statuses(&self) -> BTreeMap<usize, (StepStatus, Option<String>)> {
        let mut out = BTreeMap::new();
        for e in &self.entries {
            match e {
                Entry::StepStarted { step, .. } => {
                    out.insert(*step, (StepStatus::Running, None));
                }
                Entry::StepFinished { step, status, .. } => {
                    out.insert(*step, (*status, None));
                }
                Entry::StepSkipped { step, reason, .. } => {
                    out.insert(*step, (StepStatus::Skipped, Some(reason.clone())));
                }
                Entry::StepDone { step, .. } => {
                    out.insert(*step, (StepStatus::ManualDone, None));
                }
                _ => {}
            }
        }
        out
    }
}

/// Read a journal. A last line that does not parse (torn by a crash) is
/// skipped; a bad line in the middle is an error naming it.
pub fn load(path: &Path) -> Result<Loaded, JournalError> {
    let text = std::fs::read(path).map_err(|e| JournalError::Read {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    let text = String::from_utf8_lossy(&text);
    let lines: Vec<&str> = text.split('\n').collect();
    let mut entries = Vec::new();
    let mut torn = false;
    let mut good_len = 0u64;
    let mut offset = 0u64;
    let last_nonempty = lines.iter().rposition(|l| !l.trim().is_empty());
    for (i, line) in lines.iter().enumerate() {
        let start = offset;
        offset += line.len() as u64 + 1;
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Entry>(line) {
            Ok(e) => {
                entries.push(e);
                good_len = (start + line.len() as u64 + 1).min(text.len() as u64);
            }
            Err(_) if Some(i) == last_nonempty => torn = true,
            Err(e) => {
                return Err(JournalError::BadEntry {
                    path: path.to_path_buf(),
                    line: i + 1,
                    reason: e.to_string(),
                });
            }
        }
    }
    if !matches!(entries.first(), Some(Entry::RunStarted { .. })) {
        return Err(JournalError::NoStart {
            path: path.to_path_buf(),
        });
    }
    Ok(Loaded {
        path: path.to_path_buf(),
        entries,
        torn,
        good_len,
    })
}

/// Every journal in `dir`, oldest first. Unreadable ones are skipped.
pub fn all(dir: &Path) -> Vec<Loaded> {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<Loaded> = rd
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .filter_map(|p| load(&p).ok())
        .collect();
    out.sort_by(|a, b| a.started().cmp(&b.started()).then(a.path.cmp(&b.path)));
    out
}

/// How a runbook is named in journals: its absolute path.
pub fn runbook_key(path: &Path) -> String {
    std::fs::canonicalize(path)
        .unwrap_or_else(|_| path.to_path_buf())
        .to_string_lossy()
        .into_owned()
}

/// The latest run of `runbook` (optionally only unfinished ones).
pub fn latest(dir: &Path, runbook: &Path, unfinished: bool) -> Option<Loaded> {
    let key = runbook_key(runbook);
    all(dir)
        .into_iter()
        .rev()
        .find(|l| l.runbook() == key && (!unfinished || l.finished().is_none()))
}

/// A run by id.
pub fn by_id(dir: &Path, run: &str) -> Result<Loaded, JournalError> {
    let path = dir.join(format!("{run}.jsonl"));
    if !path.exists() {
        return Err(JournalError::NoSuchRun {
            run: run.to_string(),
            dir: dir.to_path_buf(),
        });
    }
    load(&path)
}

#[cfg(test)]
#[path = "journal_tests.rs"]
mod tests;
