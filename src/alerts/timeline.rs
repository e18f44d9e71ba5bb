//! Per-group firing counts over the session, drawn as sparklines.
//!
//! Every group shares one time axis (bucket `i` is the same moment for all), so
//! comparing the sparklines shows which problem started first. Each source
//! records its own series (sources poll at different times and the demo replays
//! history), and a group's sparkline is the maximum over its sources. Memory is
//! bounded: when the axis is full, neighbouring buckets merge (keeping the
//! maximum) and the bucket width doubles, so the whole session always fits.

use jiff::Timestamp;
use std::collections::HashMap;

/// Buckets kept per series before they are merged pairwise.
pub const MAX_BUCKETS: usize = 120;
/// Groups remembered; beyond this the histories that never fired are dropped.
const MAX_GROUPS: usize = 500;

#[derive(Debug, Clone, Default)]
struct Series {
    values: Vec<u16>,
    /// The last bucket a sample landed in; later buckets repeat its value.
    last: usize,
}

#[derive(Debug, Clone)]
pub struct Timeline {
    start: Option<Timestamp>,
    bucket_secs: i64,
    len: usize,
    /// group key → source → series.
    series: HashMap<Vec<String>, HashMap<String, Series>>,
}

impl Default for Timeline {
    fn default() -> Self {
        Self::new(10)
    }
}

impl Timeline {
    pub fn new(bucket_secs: i64) -> Self {
        Self {
            start: None,
            bucket_secs: bucket_secs.max(1),
            len: 0,
            series: HashMap::new(),
        }
    }

    fn index(&self, start: Timestamp, now: Timestamp) -> usize {
        ((now.as_second() - start.as_second()).max(0) / self.bucket_secs) as usize
    }

    /// Record what `source` reported at `now`: the firing count of each group;
    /// the source's groups not listed have 0 firing.
    pub fn record(&mut self, source: &str, now: Timestamp, counts: &HashMap<Vec<String>, u16>) {
        // The axis starts at the earliest sample, even one that arrives late.
        let start = match self.start {
            Some(s) if s <= now => s,
            Some(s) => {
                self.shift(s, now);
                now
            }
            None => now,
        };
        self.start = Some(start);
        let mut idx = self.index(start, now);
        while idx >= MAX_BUCKETS {
            self.compact();
            idx = self.index(start, now);
        }
        for (key, n) in counts {
            if *n > 0 {
                self.series
                    .entry(key.clone())
                    .or_default()
                    .entry(source.to_string())
                    .or_default();
            }
        }
        for (key, by_source) in self.series.iter_mut() {
            let Some(s) = by_source.get_mut(source) else {
                continue;
            };
            let n = counts.get(key).copied().unwrap_or(0);
            if s.values.len() <= idx {
                let carry = s.values.get(s.last).copied().unwrap_or(0);
                s.values.resize(idx + 1, carry);
            }
            let same_bucket = s.last == idx && !s.values.is_empty();
            s.values[idx] = if same_bucket { s.values[idx].max(n) } else { n };
            s.last = s.last.max(idx);
        }
        self.len = self.len.max(idx + 1);
        if self.series.len() > MAX_GROUPS {
            self.series
                .retain(|_, m| m.values().any(|s| s.values.iter().any(|&v| v > 0)));
        }
    }

    /// A sample older than the axis start: move everything right.
    fn shift(&mut self, old: Timestamp, new: Timestamp) {
        let by = self.index(new, old);
        for s in self.series.values_mut().flat_map(|m| m.values_mut()) {
            let mut v = vec![0; by];
            v.extend_from_slice(&s.values);
            s.values = v;
            s.last += by;
        }
        self.len += by;
        while self.len > MAX_BUCKETS {
            self.compact();
        }
    }

    fn compact(&mut self) {
        self.bucket_secs *= 2;
        for s in self.series.values_mut().flat_map(|m| m.values_mut()) {
            s.values = s
                .values
                .chunks(2)
                .map(|c| c.iter().copied().max().unwrap_or(0))
                .collect();
            s.last /= 2;
        }
        self.len = self.len.div_ceil(2);
    }

    /// The group's firing counts over the axis (max over its sources).
    pub fn series(&self, key: &[String]) -> Option<Vec<u16>> {
        let by_source = self.series.get(key)?;
        let mut out = vec![0u16; self.len];
        for s in by_source.values() {
            let carry = s.values.get(s.last).copied().unwrap_or(0);
            for (i, o) in out.iter_mut().enumerate() {
                let v = if i <= s.last {
                    s.values.get(i).copied().unwrap_or(0)
                } else {
                    carry
                };
                *o = (*o).max(v);
            }
        }
        Some(out)
    }

    /// The session so far in `width` cells, newest on the right. Blank where
    /// nothing fired; bar heights are relative to the group's own peak.
    pub fn sparkline(&self, key: &[String], width: usize) -> String {
        const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
        let Some(s) = self.series(key) else {
            return " ".repeat(width);
        };
        let cells: Vec<u16> = if s.len() <= width {
            s
        } else {
            (0..width)
                .map(|c| {
                    let a = c * s.len() / width;
                    let b = ((c + 1) * s.len() / width).max(a + 1).min(s.len());
                    // The newest cell shows the current count, older ones the peak.
                    if c + 1 == width {
                        s[s.len() - 1]
                    } else {
                        s[a..b].iter().copied().max().unwrap_or(0)
                    }
                })
                .collect()
        };
        let peak = cells.iter().copied().max().unwrap_or(0).max(1) as usize;
        let mut out = " ".repeat(width.saturating_sub(cells.len()));
        for v in cells {
            if v == 0 {
                out.push(' ');
            } else {
                out.push(BARS[(v as usize * BARS.len()).div_ceil(peak).clamp(1, 8) - 1]);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: i64) -> Timestamp {
        Timestamp::from_second(1_800_000_000 + s).unwrap()
    }

    fn counts(items: &[(&str, u16)]) -> HashMap<Vec<String>, u16> {
        items
            .iter()
            .map(|(k, v)| (vec![k.to_string()], *v))
            .collect()
    }

    fn key(k: &str) -> Vec<String> {
        vec![k.to_string()]
    }

    #[test]
    fn groups_share_one_axis_so_the_first_to_start_is_visible() {
        let mut t = Timeline::new(10);
        t.record("am", at(0), &counts(&[("PostgresDown", 1)]));
        t.record(
            "am",
            at(10),
            &counts(&[("PostgresDown", 1), ("ServiceDown", 1)]),
        );
        t.record(
            "am",
            at(20),
            &counts(&[("PostgresDown", 1), ("ServiceDown", 3)]),
        );
        assert_eq!(t.sparkline(&key("PostgresDown"), 5), "  ███");
        assert_eq!(t.sparkline(&key("ServiceDown"), 5), "   ▃█");
        assert_eq!(t.sparkline(&key("Unknown"), 3), "   ");
    }

    #[test]
    fn a_resolved_group_drops_to_blank_and_gaps_carry_the_last_count() {
        let mut t = Timeline::new(10);
        t.record("am", at(0), &counts(&[("A", 2)]));
        t.record("am", at(30), &counts(&[("A", 2)]));
        t.record("am", at(40), &counts(&[]));
        assert_eq!(t.series(&key("A")).unwrap(), [2, 2, 2, 2, 0]);
    }

    #[test]
    fn sources_are_recorded_apart_and_late_history_is_placed_in_time() {
        let mut t = Timeline::new(10);
        t.record("prom", at(100), &counts(&[("A", 1)]));
        // Another source replays older samples after the first one reported.
        t.record("am", at(60), &counts(&[]));
        t.record("am", at(80), &counts(&[("B", 2)]));
        t.record("am", at(100), &counts(&[("B", 2)]));
        assert_eq!(t.series(&key("A")).unwrap(), [0, 0, 0, 0, 1]);
        assert_eq!(t.series(&key("B")).unwrap(), [0, 0, 2, 2, 2]);
    }

    #[test]
    fn memory_stays_bounded_over_a_long_session() {
        let mut t = Timeline::new(1);
        for s in 0..100_000 {
            t.record("am", at(s), &counts(&[("A", (s % 7) as u16)]));
        }
        let s = t.series(&key("A")).unwrap();
        assert!(s.len() <= MAX_BUCKETS, "{}", s.len());
        assert!(
            s[..s.len() - 1].iter().all(|&v| v == 6),
            "merging keeps the peak"
        );
        assert_eq!(t.sparkline(&key("A"), 10).chars().count(), 10);
    }
}
