//! The time, injected: the console, the panes and `report` read "now" from a
//! [`Clock`] they are given, so tests move time forward instead of sleeping.

use jiff::{SignedDuration, Timestamp};
use std::sync::{Arc, Mutex};

/// A source of "now". Cheap to clone; clones of a manual clock share its time.
#[derive(Clone)]
pub struct Clock(Source);

#[derive(Clone)]
enum Source {
    System,
    Manual(Arc<Mutex<Timestamp>>),
}

impl Clock {
    /// The real time.
    pub fn system() -> Self {
        Self(Source::System)
    }

    /// A clock that stands at `t` until moved with [`Clock::advance`] or [`Clock::set`].
    pub fn manual(t: Timestamp) -> Self {
        Self(Source::Manual(Arc::new(Mutex::new(t))))
    }

    pub fn now(&self) -> Timestamp {
        match &self.0 {
            Source::System => Timestamp::now(),
            Source::Manual(t) => *t.lock().unwrap_or_else(|e| e.into_inner()),
        }
    }

    /// Move a manual clock forward (no effect on the system clock).
    pub fn advance(&self, by: SignedDuration) {
        if let Source::Manual(t) = &self.0 {
            let mut t = t.lock().unwrap_or_else(|e| e.into_inner());
            *t = t.saturating_add(by).unwrap_or(*t);
        }
    }

    pub fn set(&self, to: Timestamp) {
        if let Source::Manual(t) = &self.0 {
            *t.lock().unwrap_or_else(|e| e.into_inner()) = to;
        }
    }
}

impl Default for Clock {
    fn default() -> Self {
        Self::system()
    }
}

impl std::fmt::Debug for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0 {
            Source::System => f.write_str("Clock::system"),
            Source::Manual(_) => write!(f, "Clock::manual({})", self.now()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manual_clock_moves_only_when_told_and_clones_share_it() {
        let t0: Timestamp = "2026-12-02T03:00:00Z".parse().unwrap();
        let c = Clock::manual(t0);
        let other = c.clone();
        assert_eq!(c.now(), t0);
        other.advance(SignedDuration::from_mins(5));
        assert_eq!(c.now(), "2026-12-02T03:05:00Z".parse().unwrap());
        c.set(t0);
        assert_eq!(other.now(), t0);
    }
}
