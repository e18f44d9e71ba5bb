//! The bounded store behind every log view.
//!
//! Lines are addressed by a sequence number that never changes while the line
//! is kept: appending takes the next number at the back, paging older lines in
//! takes numbers below the front, and eviction drops the front. Views hold
//! sequence numbers, so an eviction never makes them point at the wrong line.
//! Memory is bounded by `capacity` (k9s users saw an unbounded tail reach 30 GB).

use super::{Level, LogLine};
use std::collections::VecDeque;

/// A stored line with what was worked out about it at ingest.
#[derive(Debug, Clone)]
pub struct Entry {
    pub line: LogLine,
    pub level: Level,
}

#[derive(Debug)]
pub struct LogRing {
    lines: VecDeque<Entry>,
    capacity: usize,
    /// Sequence number of `lines[0]`.
    front: i64,
    evicted: u64,
    errors: u64,
}

impl LogRing {
    pub fn new(capacity: usize) -> Self {
        Self {
            lines: VecDeque::new(),
            capacity: capacity.max(1),
            front: 0,
            evicted: 0,
            errors: 0,
        }
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }
    pub fn len(&self) -> usize {
        self.lines.len()
    }
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }
    /// Lines dropped from the front to keep within capacity, since the last clear.
    pub fn evicted(&self) -> u64 {
        self.evicted
    }
    /// Error-or-worse lines currently kept.
    pub fn errors(&self) -> u64 {
        self.errors
    }
    pub fn first_seq(&self) -> i64 {
        self.front
    }
    /// One past the last sequence number.
    pub fn end_seq(&self) -> i64 {
        self.front + self.lines.len() as i64
    }

    pub fn clear(&mut self) {
        self.lines.clear();
        self.front = 0;
        self.evicted = 0;
        self.errors = 0;
    }

    pub fn get(&self, seq: i64) -> Option<&Entry> {
        let i = seq.checked_sub(self.front)?;
        if i < 0 {
            return None;
        }
        self.lines.get(i as usize)
    }

    /// Append a line; returns its sequence number and whether the front line
    /// was evicted to make room.
    pub fn push_back(&mut self, line: LogLine) -> (i64, bool) {
        let level = super::level::detect(&line.labels, &line.text);
        let mut evicted = false;
        if self.lines.len() >= self.capacity {
            if let Some(old) = self.lines.pop_front()
                && old.level.is_error()
            {
                self.errors -= 1;
            }
            self.front += 1;
            self.evicted += 1;
            evicted = true;
        }
        if level.is_error() {
            self.errors += 1;
        }
        self.lines.push_back(Entry { line, level });
        (self.end_seq() - 1, evicted)
    }

    /// Put an older line in front. Refused (false) when full: paging back must
    /// not evict the newest lines the operator is looking at.
    pub fn push_front(&mut self, line: LogLine) -> bool {
        if self.lines.len() >= self.capacity {
            return false;
        }
        let level = super::level::detect(&line.labels, &line.text);
        if level.is_error() {
            self.errors += 1;
        }
        self.lines.push_front(Entry { line, level });
        self.front -= 1;
        true
    }

    /// Entries with their sequence numbers, oldest first.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (i64, &Entry)> + '_ {
        let front = self.front;
        self.lines
            .iter()
            .enumerate()
            .map(move |(i, e)| (front + i as i64, e))
    }

    /// Approximate heap bytes held (for the benchmark and the status line).
    pub fn approx_bytes(&self) -> usize {
        self.lines.capacity() * std::mem::size_of::<Entry>()
            + self
                .lines
                .iter()
                .map(|e| e.line.text.capacity())
                .sum::<usize>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capacity_bounds_memory_and_evictions_are_counted() {
        let mut r = LogRing::new(3);
        for i in 0..5 {
            r.push_back(LogLine::new(Some(i), format!("line {i}")));
        }
        assert_eq!(r.len(), 3);
        assert_eq!(r.evicted(), 2);
        assert_eq!(r.first_seq(), 2);
        assert_eq!(r.get(2).unwrap().line.text, "line 2");
        assert!(r.get(1).is_none());
        assert_eq!(r.get(4).unwrap().line.text, "line 4");
    }

    #[test]
    fn older_lines_go_in_front_but_never_evict_newer_ones() {
        let mut r = LogRing::new(3);
        r.push_back(LogLine::new(Some(10), "new"));
        assert!(r.push_front(LogLine::new(Some(5), "old")));
        assert_eq!(r.first_seq(), -1);
        assert_eq!(r.get(-1).unwrap().line.text, "old");
        assert!(r.push_front(LogLine::new(Some(4), "older")));
        assert!(!r.push_front(LogLine::new(Some(3), "too old")));
        assert_eq!(r.len(), 3);
        assert_eq!(r.evicted(), 0);
    }

    #[test]
    fn error_count_follows_evictions() {
        let mut r = LogRing::new(2);
        r.push_back(LogLine::new(None, "ERROR one"));
        r.push_back(LogLine::new(None, "ERROR two"));
        assert_eq!(r.errors(), 2);
        r.push_back(LogLine::new(None, "INFO fine"));
        assert_eq!(r.errors(), 1);
    }
}
