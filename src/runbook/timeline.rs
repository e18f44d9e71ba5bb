//! The timeline as the pane shows it and the export merges it: one line per
//! action and note, and one per run of one change at one place (its count and
//! first/last time), bounded to the newest [`KEEP`] lines (the journal has
//! them all). Fed journal entries (a resume, the export) or live observations
//! (the worker, which counts repeats the journal writes only when their
//! window closes); both merge the same way, so the screen before a restart
//! and after it agree.

use super::coalesce::WINDOW;
use super::journal::Entry;
use crate::observed::{Change, Observed, Place};
use jiff::Timestamp;
use std::collections::{BTreeSet, HashMap, VecDeque};

/// Lines kept for the view.
pub const KEEP: usize = 2000;

/// How a line is coloured (the pane picks the theme's style).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Bad,
    Warn,
    Good,
    Info,
    Plain,
    Muted,
}

/// One timeline line, its strings sanitised.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub at: Timestamp,
    /// The last occurrence merged into it (`at` for a single one).
    pub last: Timestamp,
    pub count: u64,
    /// `pod crashed`, `action ✓`, `note`…
    pub what: String,
    pub place: String,
    pub detail: String,
    pub tone: Tone,
}

impl Line {
    /// `pod crashed ×200` for a merged line.
    pub fn what_counted(&self) -> String {
        if self.count > 1 {
            format!("{} ×{}", self.what, self.count)
        } else {
            self.what.clone()
        }
    }

    /// `03:10:02–03:40:11` for a merged line, empty for one occurrence.
    pub fn span(&self, fmt: &str) -> String {
        if self.count > 1 && self.last != self.at {
            format!("{}–{}", self.at.strftime(fmt), self.last.strftime(fmt))
        } else {
            String::new()
        }
    }
}

fn tone(c: Change) -> Tone {
    use Change::*;
    match c {
        AlertFired | PodCrashed | RolloutStuck | BackupLate | SourceDown => Tone::Bad,
        HealthChanged => Tone::Warn,
        AlertResolved | RolloutCompleted | BackupOnTime | SourceBack => Tone::Good,
        AlertSilenced | AlertAcked | RolloutStarted => Tone::Info,
    }
}

fn s(t: &str) -> String {
    crate::text::sanitize(t).into_owned()
}

/// Where an entry went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placed {
    /// A new line, with this sequence number.
    New(u64),
    /// Merged into this line.
    Merged(u64),
    /// Not a timeline line (step entries are the walker's).
    Skipped,
}

#[derive(Debug, Clone)]
pub struct Timeline {
    lines: VecDeque<Line>,
    /// The sequence number of `lines[0]`.
    base: u64,
    keep: usize,
    /// The line each change at a place last went to.
    open: HashMap<(Change, Place), u64>,
    /// Lines added or changed since [`Timeline::take_changes`].
    dirty: BTreeSet<u64>,
}

impl Default for Timeline {
    fn default() -> Self {
        Self::new(KEEP)
    }
}

impl Timeline {
    pub fn new(keep: usize) -> Self {
        Self {
            lines: VecDeque::new(),
            base: 0,
            keep: keep.max(1),
            open: HashMap::new(),
            dirty: BTreeSet::new(),
        }
    }

    pub fn from_entries(entries: &[Entry]) -> Self {
        let mut t = Self::default();
        for e in entries {
            t.entry(e);
        }
        t
    }

    pub fn len(&self) -> usize {
        self.lines.len()
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    pub fn get(&self, seq: u64) -> Option<&Line> {
        seq.checked_sub(self.base)
            .and_then(|i| self.lines.get(usize::try_from(i).ok()?))
    }

    pub fn lines(&self) -> impl DoubleEndedIterator<Item = &Line> + ExactSizeIterator {
        self.lines.iter()
    }

    /// Every kept line with its sequence number (a fresh view).
    pub fn all(&self) -> Vec<(u64, Line)> {
        (self.base..).zip(self.lines.iter().cloned()).collect()
    }

    /// The lines added or changed since the last call, still kept.
    pub fn take_changes(&mut self) -> Vec<(u64, Line)> {
        let dirty = std::mem::take(&mut self.dirty);
        dirty
            .into_iter()
            .filter_map(|seq| self.get(seq).map(|l| (seq, l.clone())))
            .collect()
    }

    fn push(&mut self, line: Line) -> u64 {
        if self.lines.len() >= self.keep {
            self.lines.pop_front();
            self.base += 1;
            let base = self.base;
            self.open.retain(|_, seq| *seq >= base);
            self.dirty.retain(|seq| *seq >= base);
        }
        let seq = self.base + self.lines.len() as u64;
        self.lines.push_back(line);
        self.dirty.insert(seq);
        seq
    }

    /// One change at one place, `count` times from `at` to `last`: merged
    /// into the key's line when it is within a window of that line's last
    /// occurrence (a crash loop stays one line), else a new line.
    fn observed(
        &mut self,
        change: Change,
        place: &Place,
        detail: &str,
        (at, last, count): (Timestamp, Timestamp, u64),
    ) -> Placed {
        let key = (change, place.clone());
        if let Some(&seq) = self.open.get(&key)
            && let Some(i) = seq.checked_sub(self.base)
            && let Some(line) = self.lines.get_mut(i as usize)
            && at <= line.last + WINDOW
        {
            line.count += count;
            line.at = line.at.min(at);
            line.last = line.last.max(last);
            if !detail.is_empty() {
                line.detail = s(detail);
            }
            self.dirty.insert(seq);
            return Placed::Merged(seq);
        }
        let seq = self.push(Line {
            at,
            last,
            count,
            what: change.label().to_string(),
            place: s(&place.to_string()),
            detail: s(detail),
            tone: tone(change),
        });
        self.open.insert(key, seq);
        Placed::New(seq)
    }

    /// A live observation the coalescer took (written or counted).
    pub fn observe(&mut self, o: &Observed) -> Placed {
        self.observed(o.change, &o.place, &o.detail, (o.at, o.at, 1))
    }

    /// A journal entry.
    pub fn entry(&mut self, e: &Entry) -> Placed {
        let line = |at: Timestamp, what: &str, place: &str, detail: String, tone: Tone| Line {
            at,
            last: at,
            count: 1,
            what: what.to_string(),
            place: s(place),
            detail,
            tone,
        };
        let l = match e {
            Entry::Observed {
                ts,
                change,
                place,
                detail,
                count,
                last,
                ..
            } => return self.observed(*change, place, detail, (*ts, last.unwrap_or(*ts), *count)),
            Entry::RunStarted { ts, title, .. } => line(*ts, "opened", "", s(title), Tone::Muted),
            Entry::Resumed { ts, operator, .. } => line(
                *ts,
                "resumed",
                "",
                format!("by {}", s(operator)),
                Tone::Muted,
            ),
            Entry::Note {
                ts, operator, text, ..
            } => {
                let text = crate::text::sanitize_multiline(text);
                let text: Vec<&str> = text.lines().collect();
                line(*ts, "note", operator, text.join(" / "), Tone::Plain)
            }
            Entry::Action {
                ts,
                command,
                ok,
                message,
                ..
            } => line(
                *ts,
                if *ok { "action ✓" } else { "action ✗" },
                command,
                s(message),
                if *ok { Tone::Info } else { Tone::Bad },
            ),
            Entry::ObservedDropped { ts, count, .. } => line(
                *ts,
                "dropped",
                "",
                format!(
                    "{count} changes not recorded (over {} new lines a minute)",
                    super::coalesce::CAP_PER_MINUTE
                ),
                Tone::Warn,
            ),
            Entry::Repaired { ts, original, .. } => line(
                *ts,
                "journal repaired",
                "",
                format!("original kept as {}", s(original)),
                Tone::Muted,
            ),
            Entry::RunFinished { ts, status, .. } => {
                line(*ts, "closed", "", s(status), Tone::Muted)
            }
            Entry::StepStarted { .. }
            | Entry::StepProcess { .. }
            | Entry::StepFinished { .. }
            | Entry::StepSkipped { .. }
            | Entry::StepDone { .. } => return Placed::Skipped,
        };
        Placed::New(self.push(l))
    }
}

/// For the export: each `observed` entry that begins a merged line, by its
/// index in `entries`, with the line as merged over the whole journal (the
/// entries merged into it are not printed again).
pub fn observed_heads(entries: &[Entry]) -> HashMap<usize, Line> {
    let mut t = Timeline::new(usize::MAX);
    let mut heads = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        if matches!(e, Entry::Observed { .. })
            && let Placed::New(seq) = t.entry(e)
        {
            heads.push((i, seq));
        }
    }
    heads
        .into_iter()
        .filter_map(|(i, seq)| t.get(seq).map(|l| (i, l.clone())))
        .collect()
}

/// The pane's copy of the worker's timeline, kept in step by the changed
/// lines the worker sends (bounded like the worker's).
#[derive(Debug, Clone, Default)]
pub struct Shown {
    pub run_id: String,
    pub lines: VecDeque<Line>,
    base: u64,
}

impl Shown {
    /// Apply changed lines (`reset`: they are the whole timeline of
    /// `run_id`). Returns how many lines were appended.
    pub fn apply(&mut self, run_id: &str, reset: bool, changes: Vec<(u64, Line)>) -> usize {
        if reset || self.run_id != run_id {
            self.run_id = run_id.to_string();
            self.lines.clear();
            self.base = changes.first().map_or(0, |(seq, _)| *seq);
        }
        let mut appended = 0;
        for (seq, line) in changes {
            let Some(i) = seq.checked_sub(self.base) else {
                continue;
            };
            let i = i as usize;
            if i < self.lines.len() {
                self.lines[i] = line;
            } else if i == self.lines.len() {
                if self.lines.len() >= KEEP {
                    self.lines.pop_front();
                    self.base += 1;
                }
                self.lines.push_back(line);
                appended += 1;
            }
        }
        appended
    }
}

#[cfg(test)]
#[path = "timeline_tests.rs"]
mod tests;
