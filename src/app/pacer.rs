//! When to draw. Keys, resizes and action results draw at once: the
//! operator is waiting on them. Worker updates only mark the frame stale and
//! draw at most once per interval, so a burst of a thousand watch events
//! costs one render, not a thousand (and an update arriving while nothing
//! changed on screen costs none: the loop compares frames before writing).

use std::time::{Duration, Instant};

#[derive(Debug)]
pub struct FramePacer {
    interval: Duration,
    /// When the last frame was drawn.
    drawn: Option<Instant>,
    /// Something the operator did needs a frame now.
    urgent: bool,
    /// Worker updates changed the state since the last frame.
    stale: bool,
}

impl FramePacer {
    pub fn new(interval: Duration) -> Self {
        Self {
            interval,
            drawn: None,
            urgent: true,
            stale: false,
        }
    }

    /// A key, a resize or an action result: draw on the next turn.
    pub fn urgent(&mut self) {
        self.urgent = true;
    }

    /// A worker update changed what is shown.
    pub fn stale(&mut self) {
        self.stale = true;
    }

    /// Whether to draw now.
    pub fn due(&self, now: Instant) -> bool {
        self.urgent || (self.stale && self.deadline().is_none_or(|d| now >= d))
    }

    /// When a pending update frame falls due; `None` when nothing waits or
    /// nothing was drawn yet.
    pub fn deadline(&self) -> Option<Instant> {
        self.drawn.map(|t| t + self.interval)
    }

    /// Whether an update frame is waiting for its deadline (the loop then
    /// wakes at [`Self::deadline`]).
    pub fn waiting(&self) -> bool {
        self.stale && !self.urgent
    }

    pub fn drawn(&mut self, now: Instant) {
        self.drawn = Some(now);
        self.urgent = false;
        self.stale = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_of_updates_costs_one_frame_per_interval() {
        let t0 = Instant::now();
        let mut p = FramePacer::new(Duration::from_millis(50));
        assert!(p.due(t0), "the first frame draws at once");
        p.drawn(t0);
        let mut frames = 0;
        // 1,000 updates over 100 ms, one every 100 µs.
        for i in 0..1000u64 {
            let now = t0 + Duration::from_micros(100 * i);
            p.stale();
            if p.due(now) {
                frames += 1;
                p.drawn(now);
            }
        }
        assert_eq!(frames, 1, "50 ms and 100 ms: the one at 50 ms drew");
        assert!(p.waiting());
        assert_eq!(p.deadline(), Some(t0 + Duration::from_millis(100)));
    }

    #[test]
    fn keys_draw_at_once_even_right_after_a_frame() {
        let t0 = Instant::now();
        let mut p = FramePacer::new(Duration::from_millis(50));
        p.drawn(t0);
        p.stale();
        assert!(!p.due(t0 + Duration::from_millis(1)));
        p.urgent();
        assert!(p.due(t0 + Duration::from_millis(1)));
        p.drawn(t0 + Duration::from_millis(1));
        assert!(!p.waiting(), "the key's frame carried the update too");
    }

    #[test]
    fn nothing_changed_means_nothing_due() {
        let t0 = Instant::now();
        let mut p = FramePacer::new(Duration::from_millis(50));
        p.drawn(t0);
        assert!(!p.due(t0 + Duration::from_secs(10)));
        assert!(!p.waiting());
    }
}
