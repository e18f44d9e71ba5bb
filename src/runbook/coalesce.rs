//! De-duplication and rate limiting of observed changes on their way into a
//! timeline's journal. Pure: fed observations and the time, it answers the
//! entries to write, so a crash-looping pod costs a handful of lines, not one
//! per restart, and a storm of new changes cannot flood the journal.
//!
//! The rule, per key (`Observed::key()`: the change and its place):
//! - the first occurrence is written at once (an `observed` entry, count 1)
//!   and opens a window of [`WINDOW`];
//! - repeats inside the window are counted, not written; the count is
//!   written as one entry when the window closes: on the key's next
//!   occurrence after it, on a periodic [`Coalescer::flush`], or when the
//!   timeline is exported or closed ([`Coalescer::flush_all`]);
//! - at most [`CAP_PER_MINUTE`] new lines (first occurrences) per minute:
//!   the rest are dropped and their number written as one `observed_dropped`
//!   entry once that minute is over. Repeats of open keys are not capped
//!   (they cost at most one entry per window).

use super::journal::Entry;
use crate::observed::{Change, Observed, Place};
use jiff::{SignedDuration, Timestamp};
use std::collections::BTreeMap;

/// How long repeats of one change at one place are counted into one entry.
pub const WINDOW: SignedDuration = SignedDuration::from_mins(10);
/// New timeline lines per minute, at most.
pub const CAP_PER_MINUTE: u32 = 30;
const MINUTE: SignedDuration = SignedDuration::from_mins(1);
/// Longest detail kept (a kubelet message or an alert summary can be long).
const DETAIL_MAX: usize = 300;
/// Longest context, namespace or object name kept.
const PLACE_MAX: usize = 200;

type Key = (Change, Place);

#[derive(Debug)]
struct Open {
    opened: Timestamp,
    /// Counted since the last entry written for this key.
    repeats: u64,
    first: Option<Timestamp>,
    last: Timestamp,
    detail: String,
}

#[derive(Debug)]
struct Dropped {
    since: Timestamp,
    last: Timestamp,
    count: u64,
}

#[derive(Debug)]
pub struct Coalescer {
    window: SignedDuration,
    cap: u32,
    // Ordered so that a flush writes its entries in a stable order.
    open: BTreeMap<Key, Open>,
    /// The cap's minute: when it began and the new lines written in it.
    minute: Option<(Timestamp, u32)>,
    dropped: Option<Dropped>,
}

impl Default for Coalescer {
    fn default() -> Self {
        Self::new(WINDOW, CAP_PER_MINUTE)
    }
}

/// One line of text, safe for a journal and a screen, at most `max` columns.
fn clean(s: &str, max: usize) -> String {
    let s = crate::text::sanitize(s);
    crate::text::truncate(s.trim(), max).into_owned()
}

/// The observation as the timeline may keep it: every string a source sent
/// sanitised (no escape sequence reaches a journal, an export or the
/// screen) and bounded.
pub fn sanitized(o: Observed) -> Observed {
    let place = Place {
        context: o.place.context.as_deref().map(|c| clean(c, PLACE_MAX)),
        namespace: o.place.namespace.as_deref().map(|n| clean(n, PLACE_MAX)),
        object: clean(&o.place.object, PLACE_MAX),
    };
    Observed {
        detail: clean(&o.detail, DETAIL_MAX),
        place,
        ..o
    }
}

impl Coalescer {
    pub fn new(window: SignedDuration, cap: u32) -> Self {
        Self {
            window,
            cap,
            open: BTreeMap::new(),
            minute: None,
            dropped: None,
        }
    }

    /// Take one observation (sanitise it first: [`sanitized`]); the entries
    /// to write go to `out` (the writer stamps their `seen`). `true` when it is in the timeline (written or
    /// counted), `false` when the cap dropped it.
    pub fn push(&mut self, o: Observed, out: &mut Vec<Entry>) -> bool {
        let at = o.at;
        self.close_minute(at, out);
        let key = (o.change, o.place);
        if let Some(w) = self.open.get_mut(&key) {
            if at < w.opened + self.window {
                w.repeats += 1;
                w.first.get_or_insert(at);
                w.last = w.last.max(at);
                w.detail = o.detail;
                return true;
            }
            if let Some(w) = self.open.remove(&key) {
                out.extend(repeats(&key, &w));
            }
        }
        let (_, used) = self.minute.get_or_insert((at, 0));
        if *used >= self.cap {
            let d = self.dropped.get_or_insert(Dropped {
                since: at,
                last: at,
                count: 0,
            });
            d.count += 1;
            d.since = d.since.min(at);
            d.last = d.last.max(at);
            return false;
        }
        *used += 1;
        out.push(Entry::Observed {
            ts: at,
            change: key.0,
            place: key.1.clone(),
            detail: o.detail.clone(),
            count: 1,
            last: None,
            seen: None,
        });
        self.open.insert(
            key,
            Open {
                opened: at,
                repeats: 0,
                first: None,
                last: at,
                detail: o.detail,
            },
        );
        true
    }

    /// Close what ended by `now`: windows (their counts are written and the
    /// key's next occurrence is a new line) and the cap's minute.
    pub fn flush(&mut self, now: Timestamp, out: &mut Vec<Entry>) {
        self.close_minute(now, out);
        let window = self.window;
        let ended: Vec<Key> = self
            .open
            .iter()
            .filter(|(_, w)| w.opened + window <= now)
            .map(|(k, _)| k.clone())
            .collect();
        for k in ended {
            if let Some(w) = self.open.remove(&k) {
                out.extend(repeats(&k, &w));
            }
        }
    }

    /// Write every count not written yet (an export, the incident's end):
    /// the windows stay open, so later repeats are still counted, not
    /// written one by one.
    pub fn flush_all(&mut self, now: Timestamp, out: &mut Vec<Entry>) {
        self.flush(now, out);
        for (k, w) in &mut self.open {
            out.extend(repeats(k, w));
            w.repeats = 0;
            w.first = None;
        }
        if let Some(d) = self.dropped.take() {
            out.push(dropped_entry(d));
        }
    }

    /// The cap's minute is over at `now`: say what it dropped, start afresh.
    fn close_minute(&mut self, now: Timestamp, out: &mut Vec<Entry>) {
        if let Some((start, _)) = self.minute
            && now >= start + MINUTE
        {
            self.minute = None;
            if let Some(d) = self.dropped.take() {
                out.push(dropped_entry(d));
            }
        }
    }
}

fn repeats(key: &Key, w: &Open) -> Option<Entry> {
    let first = w.first?;
    (w.repeats > 0).then(|| Entry::Observed {
        ts: first,
        change: key.0,
        place: key.1.clone(),
        detail: w.detail.clone(),
        count: w.repeats,
        last: Some(w.last),
        seen: None,
    })
}

fn dropped_entry(d: Dropped) -> Entry {
    Entry::ObservedDropped {
        ts: d.last,
        since: d.since,
        count: d.count,
        seen: None,
    }
}

#[cfg(test)]
#[path = "coalesce_tests.rs"]
mod tests;
