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
            | Self::Repaired { ts, .. } => *ts,
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

/// A line of a journal that is not an entry (bytes that are not UTF-8, not
/// JSON, not a known entry, or a byte-for-byte copy of an earlier line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadLine {
    /// 1-based line number.
    pub line: usize,
    /// Byte offset of the line's first byte in the file.
    pub offset: u64,
    /// Its length in bytes, without the newline.
    pub len: u64,
    pub reason: String,
}

/// A loaded journal.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub path: PathBuf,
    /// The entries that parse, in file order.
    pub entries: Vec<Entry>,
    /// A torn last line (crash mid-write) was skipped.
    pub torn: bool,
    /// Lines that are not entries (the torn last line aside), in file order;
    /// those named by a `repaired` entry ([`Loaded::acknowledged`]) included.
    pub bad: Vec<BadLine>,
    /// The file's length in bytes when it was read.
    pub len: u64,
    /// Bytes up to the end of the last line kept (where a torn tail starts).
    good_len: u64,
    /// The last line is a whole entry without its newline.
    unterminated: bool,
    /// The runbook named by the first line, read from its raw bytes when that
    /// line is damaged (so a damaged run still belongs to its runbook).
    runbook_key: String,
}

impl Loaded {
    pub fn run_id(&self) -> &str {
        match self.entries.first() {
            Some(Entry::RunStarted { run, .. }) => run,
            _ => self.path.file_stem().and_then(|s| s.to_str()).unwrap_or(""),
        }
    }

    pub fn runbook(&self) -> &str {
        &self.runbook_key
    }

    /// The first line (`run_started`) is there and parses.
    pub fn has_start(&self) -> bool {
        matches!(self.entries.first(), Some(Entry::RunStarted { .. }))
            && !self.bad.iter().any(|b| b.line == 1)
    }

    /// Bad lines a `repaired` entry already named (a resume chose to skip
    /// them): still reported, no longer a reason to refuse.
    pub fn acknowledged(&self) -> std::collections::BTreeSet<usize> {
        self.entries
            .iter()
            .filter_map(|e| match e {
                Entry::Repaired { skipped_lines, .. } => Some(skipped_lines.iter().copied()),
                _ => None,
            })
            .flatten()
            .collect()
    }

    /// Bad lines no operator has chosen to skip yet.
    pub fn unacknowledged(&self) -> Vec<&BadLine> {
        let ack = self.acknowledged();
        self.bad.iter().filter(|b| !ack.contains(&b.line)).collect()
    }

    /// Damaged: a bad line nobody chose to skip yet.
    pub fn is_damaged(&self) -> bool {
        !self.unacknowledged().is_empty()
    }

    /// Each bad line as the error the operator reads: `FILE:LINE: bad journal entry: REASON`.
    pub fn bad_entry_errors(&self) -> Vec<JournalError> {
        self.bad
            .iter()
            .map(|b| JournalError::BadEntry {
                path: self.path.clone(),
                line: b.line,
                reason: b.reason.clone(),
            })
            .collect()
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
        let mut out: BTreeMap<usize, (StepStatus, Option<String>)> = BTreeMap::new();
        for e in &self.entries {
            let (step, status) = match e {
                Entry::StepStarted { step, .. } => (step, (StepStatus::Running, None)),
                Entry::StepFinished { step, status, .. } => (step, (*status, None)),
                Entry::StepSkipped { step, reason, .. } => {
                    (step, (StepStatus::Skipped, Some(reason.clone())))
                }
                Entry::StepDone { step, .. } => (step, (StepStatus::ManualDone, None)),
                _ => continue,
            };
            // The walker never starts, fails or skips a step again once it
            // passed, was skipped or marked done: a later entry saying so is
            // damage (a flipped step number), and must not make a resume
            // run a step that is done.
            if out.get(step).is_some_and(|(s, _)| s.is_settled()) {
                continue;
            }
            out.insert(*step, status);
        }
        out
    }
}

/// Read a journal, strictly: a torn last line (crash mid-write) is skipped,
/// any other line that is not an entry is an error naming its line — unless
/// a resume already chose to skip it (a `repaired` entry names it).
pub fn load(path: &Path) -> Result<Loaded, JournalError> {
    let l = read(path)?;
    if let Some(b) = l.unacknowledged().first() {
        return Err(JournalError::BadEntry {
            path: path.to_path_buf(),
            line: b.line,
            reason: b.reason.clone(),
        });
    }
    if !l.has_start() {
        return Err(JournalError::NoStart {
            path: path.to_path_buf(),
        });
    }
    Ok(l)
}

/// Read a journal, keeping every entry that parses and naming every line
/// that does not ([`Loaded::bad`]); fails only if the file cannot be read or
/// holds nothing of a journal (no entry and no bad line).
pub fn read(path: &Path) -> Result<Loaded, JournalError> {
    let bytes = std::fs::read(path).map_err(|e| JournalError::Read {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    let l = parse_bytes(path, &bytes);
    if l.entries.is_empty() && l.bad.is_empty() {
        return Err(JournalError::NoStart {
            path: path.to_path_buf(),
        });
    }
    Ok(l)
}

/// Split on `\n` and parse each line, on bytes: offsets are byte offsets in
/// the file, and a line that is not UTF-8 is a bad line, never decoded lossily.
pub fn parse_bytes(path: &Path, bytes: &[u8]) -> Loaded {
    let mut entries = Vec::new();
    let mut bad = Vec::new();
    let mut torn = false;
    let mut unterminated = false;
    let mut good_len = bytes.len() as u64;
    let mut seen: std::collections::HashMap<&[u8], usize> = std::collections::HashMap::new();
    let mut first_line: &[u8] = &[];
    let (mut offset, mut line_no) = (0usize, 0usize);
    while offset < bytes.len() {
        line_no += 1;
        let start = offset;
        let (line, terminated) = match memchr::memchr(b'\n', &bytes[start..]) {
            Some(n) => (&bytes[start..start + n], true),
            None => (&bytes[start..], false),
        };
        offset = start + line.len() + usize::from(terminated);
        if line_no == 1 {
            first_line = line;
        }
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let parsed = match std::str::from_utf8(line) {
            Err(e) => Err(format!(
                "not UTF-8 (invalid byte at column {})",
                e.valid_up_to() + 1
            )),
            Ok(text) => serde_json::from_str::<Entry>(text).map_err(|e| json_reason(&e)),
        };
        match parsed {
            Ok(_) if seen.contains_key(line) => bad.push(BadLine {
                line: line_no,
                offset: start as u64,
                len: line.len() as u64,
                reason: format!("a byte-for-byte copy of line {}", seen[line]),
            }),
            Ok(e) => {
                seen.insert(line, line_no);
                entries.push(e);
                unterminated = !terminated;
            }
            // Cut off mid-write: the last line, without its newline.
            Err(_) if !terminated => {
                torn = true;
                good_len = start as u64;
            }
            Err(reason) => bad.push(BadLine {
                line: line_no,
                offset: start as u64,
                len: line.len() as u64,
                reason,
            }),
        }
    }
    let runbook_key = match entries.first() {
        Some(Entry::RunStarted { runbook, .. }) if !bad.iter().any(|b| b.line == 1) => {
            runbook.clone()
        }
        _ => runbook_in_raw(first_line).unwrap_or_default(),
    };
    Loaded {
        path: path.to_path_buf(),
        entries,
        torn,
        bad,
        len: bytes.len() as u64,
        good_len,
        unterminated,
        runbook_key,
    }
}

/// serde_json's message without its `at line 1 column N` (always line 1
/// here: the line number that matters is the journal's).
fn json_reason(e: &serde_json::Error) -> String {
    let msg = e.to_string();
    match msg.rfind(" at line ") {
        Some(i) => format!("{} (column {})", &msg[..i], e.column()),
        None => msg,
    }
}

/// The `"runbook":"..."` value of a damaged first line, if it is still whole.
fn runbook_in_raw(line: &[u8]) -> Option<String> {
    const KEY: &[u8] = b"\"runbook\":\"";
    let at = memchr::memmem::find(line, KEY)? + KEY.len() - 1;
    let rest = &line[at + 1..];
    let mut i = 0;
    while i < rest.len() {
        match rest[i] {
            b'\\' => i += 2,
            b'"' => return serde_json::from_slice::<String>(&line[at..at + i + 2]).ok(),
            _ => i += 1,
        }
    }
    None
}

/// Every journal in `dir`, oldest first, damaged ones included (with their
/// bad lines). A file that cannot be read, or holds no journal at all, is
/// logged and left out.
pub fn all(dir: &Path) -> Vec<Loaded> {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<Loaded> = rd
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .filter_map(|p| match read(&p) {
            Ok(l) => Some(l),
            Err(e) => {
                tracing::warn!("journal left out: {e}");
                None
            }
        })
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

/// The latest run of `runbook` (optionally only unfinished ones), damaged or not.
pub fn latest(dir: &Path, runbook: &Path, unfinished: bool) -> Option<Loaded> {
    let key = runbook_key(runbook);
    all(dir)
        .into_iter()
        .rev()
        .find(|l| l.runbook() == key && (!unfinished || l.finished().is_none()))
}

/// The latest unfinished run of `runbook` if its journal is damaged (a bad
/// line no resume chose to skip yet): a fresh run would repeat steps it
/// records as done, so starting one needs the operator's say-so.
pub fn damaged(dir: &Path, runbook: &Path) -> Option<Loaded> {
    latest(dir, runbook, true).filter(Loaded::is_damaged)
}

/// The refusal to start afresh over a damaged run.
pub fn damaged_error(runbook: &Path, l: &Loaded) -> JournalError {
    JournalError::Damaged {
        runbook: runbook.to_path_buf(),
        run: l.run_id().to_string(),
        lines: l
            .unacknowledged()
            .iter()
            .map(|b| {
                JournalError::BadEntry {
                    path: l.path.clone(),
                    line: b.line,
                    reason: b.reason.clone(),
                }
                .to_string()
            })
            .collect(),
    }
}

/// Bad lines as one message: one `FILE:LINE: bad journal entry: REASON` a
/// line, the first few of them.
pub(crate) fn listed(lines: &[String]) -> String {
    const SHOWN: usize = 5;
    let mut s = lines
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join("\n");
    if lines.len() > SHOWN {
        s.push_str(&format!("\n(and {} more bad lines)", lines.len() - SHOWN));
    }
    s
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
