//! Reading journals: bytes split into entries, bad lines kept and named
//! (never dropped), and finding a runbook's latest, damaged or named run.

use super::*;
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
    pub(super) good_len: u64,
    /// The last line is a whole entry without its newline.
    pub(super) unterminated: bool,
    /// The runbook named by the first line, read from its raw bytes when that
    /// line is damaged (so a damaged run still belongs to its runbook).
    pub(super) runbook_key: String,
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

    /// Each unacknowledged bad line as the operator reads it
    /// (`FILE:LINE: bad journal entry …`).
    pub fn unacknowledged_messages(&self) -> Vec<String> {
        self.unacknowledged()
            .iter()
            .map(|b| {
                JournalError::BadEntry {
                    path: self.path.clone(),
                    line: b.line,
                    reason: b.reason.clone(),
                }
                .to_string()
            })
            .collect()
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
