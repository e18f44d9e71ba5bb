//! Restarts seen recently, per container: what a restart loop is judged by.
//!
//! Docker's `RestartCount` only ever grows (for the life of the container),
//! and `StartedAt` moves on every start, manual or not, so "many restarts and
//! a young run" flags any old, long-healthy container for minutes after an
//! operator restarts it. Instead the pane remembers the count it last saw per
//! id and dates each increase it observes; the classifier is told how many
//! fell inside [`WINDOW_SECS`] of now.
//!
//! The first sighting of a container (warroom just started, or a new
//! container) is a baseline: restarts before it are history, not a loop. A
//! loop still shows at once through `State.Restarting`, and through this log
//! after the next few restarts.

use super::model::Container;
use std::collections::{HashMap, HashSet};

/// Restarts older than this no longer count towards a loop.
pub const WINDOW_SECS: i64 = 600;

#[derive(Debug, Clone, Default)]
struct Seen {
    /// `RestartCount` at the last observation.
    count: i64,
    /// The newest engine time of that observation (`StartedAt`/`FinishedAt`).
    last: Option<jiff::Timestamp>,
    /// When each observed restart happened, oldest first, pruned to the window.
    at: Vec<jiff::Timestamp>,
}

#[derive(Debug, Clone, Default)]
pub struct RestartLog {
    seen: HashMap<String, Seen>,
}

/// The newest moment the engine reports for this container's runs.
fn latest(c: &Container) -> Option<jiff::Timestamp> {
    match (c.started_at, c.finished_at) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

impl RestartLog {
    /// Record one inspect result (list or event-driven).
    pub fn observe(&mut self, c: &Container) {
        let when = latest(c);
        let Some(s) = self.seen.get_mut(&c.id) else {
            self.seen.insert(
                c.id.clone(),
                Seen {
                    count: c.restart_count,
                    last: when,
                    at: Vec::new(),
                },
            );
            return;
        };
        let delta = c.restart_count - s.count;
        if delta > 0
            && let Some(when) = when
        {
            // The newest restart is the run that started at `when`. Any
            // others happened since the previous observation, at times we
            // did not see: date them at that observation (the earliest they
            // could be), so they age out first and never inflate a loop.
            let earlier = s.last.filter(|l| *l <= when).unwrap_or(when);
            let extra = (delta - 1).min(LOOP_CAP) as usize;
            s.at.extend(std::iter::repeat_n(earlier, extra));
            s.at.push(when);
            s.at.sort();
            let horizon = when.as_second() - WINDOW_SECS;
            s.at.retain(|t| t.as_second() >= horizon);
        }
        s.count = c.restart_count;
        s.last = when.or(s.last);
    }

    pub fn forget(&mut self, id: &str) {
        self.seen.remove(id);
    }

    /// Drop everything about containers no longer listed.
    pub fn retain(&mut self, ids: &HashSet<&str>) {
        self.seen.retain(|id, _| ids.contains(id.as_str()));
    }

    /// Restarts observed within [`WINDOW_SECS`] before `now`.
    pub fn recent(&self, id: &str, now: jiff::Timestamp) -> usize {
        let horizon = now.as_second() - WINDOW_SECS;
        self.seen.get(id).map_or(0, |s| {
            s.at.iter().filter(|t| t.as_second() >= horizon).count()
        })
    }
}

/// More unseen restarts than this between two observations add nothing to
/// the verdict; the cap only bounds memory.
const LOOP_CAP: i64 = 64;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::containers::testdata::container;

    fn ts(s: &str) -> jiff::Timestamp {
        s.parse().unwrap()
    }

    fn restarted(c: &Container, count: i64, at: &str) -> Container {
        let mut c = c.clone();
        c.restart_count = count;
        c.started_at = Some(ts(at));
        c
    }

    #[test]
    fn lifetime_restarts_before_the_first_sighting_do_not_count() {
        let mut log = RestartLog::default();
        let c = restarted(&container("healthy"), 42, "2026-11-23T09:00:00Z");
        log.observe(&c);
        assert_eq!(log.recent(&c.id, ts("2026-11-23T09:00:30Z")), 0);
        // The operator restarts it: StartedAt moves, RestartCount does not.
        let again = restarted(&c, 42, "2026-11-23T09:05:00Z");
        log.observe(&again);
        assert_eq!(log.recent(&c.id, ts("2026-11-23T09:05:10Z")), 0);
    }

    #[test]
    fn increases_are_dated_and_age_out_of_the_window() {
        let mut log = RestartLog::default();
        let c = restarted(&container("healthy"), 5, "2026-11-23T09:00:00Z");
        log.observe(&c);
        log.observe(&restarted(&c, 6, "2026-11-23T09:01:00Z"));
        log.observe(&restarted(&c, 7, "2026-11-23T09:02:00Z"));
        // Seen again unchanged (a health event): nothing is added.
        log.observe(&restarted(&c, 7, "2026-11-23T09:02:00Z"));
        log.observe(&restarted(&c, 8, "2026-11-23T09:04:00Z"));
        assert_eq!(log.recent(&c.id, ts("2026-11-23T09:04:05Z")), 3);
        // Ten minutes after the first restart it drops out.
        assert_eq!(log.recent(&c.id, ts("2026-11-23T09:11:30Z")), 2);
        assert_eq!(log.recent(&c.id, ts("2026-11-23T09:20:00Z")), 0);
    }

    #[test]
    fn a_jump_after_a_long_gap_counts_only_what_fits_the_window() {
        let mut log = RestartLog::default();
        let c = restarted(&container("healthy"), 5, "2026-11-23T08:00:00Z");
        log.observe(&c);
        // Reconnected an hour later: 4 more restarts, when unknown but the last.
        log.observe(&restarted(&c, 9, "2026-11-23T09:00:00Z"));
        assert_eq!(log.recent(&c.id, ts("2026-11-23T09:00:05Z")), 1);
        log.forget(&c.id);
        assert_eq!(log.recent(&c.id, ts("2026-11-23T09:00:05Z")), 0);
    }
}
