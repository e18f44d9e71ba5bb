//! The walk through a runbook as a pure state machine: which step is current,
//! what each step's status is, what the operator may do next, and the clock
//! against the RTO. The headless runner, the worker and the pane all drive it;
//! the journal replays into it on resume.

use serde::{Deserialize, Serialize};
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StepStatus {
    Pending,
    Running,
    Passed,
    Failed,
    Skipped,
    ManualDone,
}

impl StepStatus {
    /// Finished for the purpose of moving on.
    pub fn is_settled(self) -> bool {
        matches!(self, Self::Passed | Self::Skipped | Self::ManualDone)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Running => "running",
            Self::Passed => "passed",
            Self::Failed => "failed",
            Self::Skipped => "skipped",
            Self::ManualDone => "done",
        }
    }

    /// A symbol that reads without colour.
    pub fn symbol(self) -> &'static str {
        match self {
            Self::Pending => "·",
            Self::Running => "▶",
            Self::Passed => "✓",
            Self::Failed => "✗",
            Self::Skipped => "↷",
            Self::ManualDone => "✓",
        }
    }
}

/// Why the walker refused a move. Each variant keeps the step (0-based) and
/// its status, so callers can tell a busy run from an operator's mistake.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WalkError {
    #[error("there is no step {}", .0 + 1)]
    NoSuchStep(usize),
    #[error("step {} is still running", .0 + 1)]
    Busy(usize),
    #[error("the run was aborted")]
    Aborted,
    #[error("step {} is manual: do it, then mark it done", step + 1)]
    Manual { step: usize },
    #[error("step {} has commands: run it (or skip it with a reason)", step + 1)]
    HasCommands { step: usize },
    #[error("step {} is already {}", step + 1, status.label())]
    Already { step: usize, status: StepStatus },
    #[error("step {} is not running", step + 1)]
    NotRunning { step: usize },
    #[error("only a failed step can be retried (step {} is {})", step + 1, status.label())]
    NotFailed { step: usize, status: StepStatus },
    #[error("step {} is {} and cannot be skipped", step + 1, status.label())]
    CannotSkip { step: usize, status: StepStatus },
    #[error("a skip needs a reason")]
    NoSkipReason,
    #[error("the note is empty")]
    EmptyNote,
}

/// Per-step facts the walker needs from the runbook.
#[derive(Debug, Clone, PartialEq)]
pub struct StepInfo {
    pub manual: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Walker {
    steps: Vec<StepInfo>,
    statuses: Vec<StepStatus>,
    skip_reasons: Vec<Option<String>>,
    notes: Vec<(Option<usize>, String)>,
    pub started: Option<jiff::Timestamp>,
    /// When the last check passed: the achieved recovery time.
    pub recovered: Option<jiff::Timestamp>,
    pub rto: Option<Duration>,
    aborted: bool,
}

pub type Result<T> = std::result::Result<T, WalkError>;

impl Walker {
    pub fn new(steps: Vec<StepInfo>, rto: Option<Duration>) -> Self {
        let n = steps.len();
        Self {
            steps,
            statuses: vec![StepStatus::Pending; n],
            skip_reasons: vec![None; n],
            notes: Vec::new(),
            started: None,
            recovered: None,
            rto,
            aborted: false,
        }
    }

    pub fn for_runbook(rb: &super::model::Runbook) -> Self {
        Self::new(
            rb.steps
                .iter()
                .map(|s| StepInfo {
                    manual: s.is_manual(),
                })
                .collect(),
            rb.meta.rto,
        )
    }

    pub fn len(&self) -> usize {
        self.steps.len()
    }

    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    pub fn status(&self, i: usize) -> StepStatus {
        self.statuses.get(i).copied().unwrap_or(StepStatus::Pending)
    }

    pub fn statuses(&self) -> &[StepStatus] {
        &self.statuses
    }

    pub fn skip_reason(&self, i: usize) -> Option<&str> {
        self.skip_reasons.get(i).and_then(|r| r.as_deref())
    }

    pub fn notes(&self) -> &[(Option<usize>, String)] {
        &self.notes
    }

    pub fn is_aborted(&self) -> bool {
        self.aborted
    }

    /// The first step not yet settled: where the operator is.
    pub fn current(&self) -> Option<usize> {
        self.statuses.iter().position(|s| !s.is_settled())
    }

    pub fn running(&self) -> Option<usize> {
        self.statuses.iter().position(|s| *s == StepStatus::Running)
    }

    /// Every step passed, was skipped or marked done.
    pub fn is_complete(&self) -> bool {
        !self.aborted && self.current().is_none()
    }

    fn check(&self, i: usize) -> Result<()> {
        if self.aborted {
            return Err(WalkError::Aborted);
        }
        if i >= self.steps.len() {
            return Err(WalkError::NoSuchStep(i));
        }
        if let Some(r) = self.running()
            && r != i
        {
            return Err(WalkError::Busy(r));
        }
        Ok(())
    }

    /// Begin running step `i` (pending or failed: a retry).
    pub fn start(&mut self, i: usize, now: jiff::Timestamp) -> Result<()> {
        self.check(i)?;
        if self.steps[i].manual {
            return Err(WalkError::Manual { step: i });
        }
        match self.statuses[i] {
            StepStatus::Pending | StepStatus::Failed => {}
            StepStatus::Running => return Err(WalkError::Busy(i)),
            status => return Err(WalkError::Already { step: i, status }),
        }
        self.started.get_or_insert(now);
        self.statuses[i] = StepStatus::Running;
        Ok(())
    }

    /// The running step `i` ended. `checked`: a check or wait passed in it.
    pub fn finish(
        &mut self,
        i: usize,
        passed: bool,
        checked: bool,
        now: jiff::Timestamp,
    ) -> Result<()> {
        if i >= self.steps.len() {
            return Err(WalkError::NoSuchStep(i));
        }
        if self.statuses[i] != StepStatus::Running {
            return Err(WalkError::NotRunning { step: i });
        }
        self.statuses[i] = if passed {
            StepStatus::Passed
        } else {
            StepStatus::Failed
        };
        if passed && checked {
            self.recovered = Some(now);
        }
        Ok(())
    }

    /// A failed step goes back to pending, ready to run again.
    pub fn retry(&mut self, i: usize) -> Result<()> {
        self.check(i)?;
        if self.statuses[i] != StepStatus::Failed {
            return Err(WalkError::NotFailed {
                step: i,
                status: self.statuses[i],
            });
        }
        self.statuses[i] = StepStatus::Pending;
        Ok(())
    }

    pub fn skip(&mut self, i: usize, reason: &str, now: jiff::Timestamp) -> Result<()> {
        self.check(i)?;
        if reason.trim().is_empty() {
            return Err(WalkError::NoSkipReason);
        }
        match self.statuses[i] {
            StepStatus::Pending | StepStatus::Failed => {}
            status => return Err(WalkError::CannotSkip { step: i, status }),
        }
        self.started.get_or_insert(now);
        self.statuses[i] = StepStatus::Skipped;
        self.skip_reasons[i] = Some(reason.trim().to_string());
        Ok(())
    }

    pub fn mark_done(&mut self, i: usize, now: jiff::Timestamp) -> Result<()> {
        self.check(i)?;
        if !self.steps[i].manual {
            return Err(WalkError::HasCommands { step: i });
        }
        if self.statuses[i] != StepStatus::Pending {
            return Err(WalkError::Already {
                step: i,
                status: self.statuses[i],
            });
        }
        self.started.get_or_insert(now);
        self.statuses[i] = StepStatus::ManualDone;
        Ok(())
    }

    pub fn note(&mut self, step: Option<usize>, text: &str) -> Result<()> {
        if text.trim().is_empty() {
            return Err(WalkError::EmptyNote);
        }
        self.notes.push((step, text.to_string()));
        Ok(())
    }

    pub fn abort(&mut self) -> Result<()> {
        if let Some(r) = self.running() {
            return Err(WalkError::Busy(r));
        }
        self.aborted = true;
        Ok(())
    }

    /// Restore a status from the journal (resume).
    pub fn restore(&mut self, i: usize, status: StepStatus, reason: Option<String>) {
        if i < self.statuses.len() {
            // A step that was running when the process died did not pass.
            self.statuses[i] = if status == StepStatus::Running {
                StepStatus::Failed
            } else {
                status
            };
            self.skip_reasons[i] = reason;
        }
    }

    pub fn elapsed(&self, now: jiff::Timestamp) -> Duration {
        self.started
            .map(|s| {
                Duration::from_secs(now.as_second().saturating_sub(s.as_second()).max(0) as u64)
            })
            .unwrap_or_default()
    }

    /// Elapsed time is past the RTO.
    pub fn over_rto(&self, now: jiff::Timestamp) -> bool {
        self.rto.is_some_and(|r| self.elapsed(now) > r)
    }

    /// `12m / RTO 30m`.
    pub fn clock(&self, now: jiff::Timestamp) -> String {
        let e = crate::text::human_duration(self.elapsed(now));
        match self.rto {
            Some(r) => format!("{e} / RTO {}", crate::text::human_duration(r)),
            None => e,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: i64) -> jiff::Timestamp {
        jiff::Timestamp::from_second(1_800_000_000 + s).unwrap()
    }

    fn walker() -> Walker {
        Walker::new(
            vec![
                StepInfo { manual: true },
                StepInfo { manual: false },
                StepInfo { manual: false },
            ],
            Some(Duration::from_secs(600)),
        )
    }

    #[test]
    fn a_walk_through_every_status() {
        let mut w = walker();
        assert_eq!(w.current(), Some(0));
        assert_eq!(
            w.start(0, ts(0)),
            Err(WalkError::Manual { step: 0 }),
            "manual steps are not run"
        );
        w.mark_done(0, ts(0)).unwrap();
        assert_eq!(w.status(0), StepStatus::ManualDone);
        assert_eq!(w.current(), Some(1));
        w.start(1, ts(10)).unwrap();
        assert_eq!(w.running(), Some(1));
        assert_eq!(w.start(2, ts(10)), Err(WalkError::Busy(1)));
        assert_eq!(w.abort(), Err(WalkError::Busy(1)));
        w.finish(1, false, false, ts(20)).unwrap();
        assert_eq!(w.status(1), StepStatus::Failed);
        assert_eq!(w.current(), Some(1));
        w.retry(1).unwrap();
        assert_eq!(w.status(1), StepStatus::Pending);
        w.start(1, ts(30)).unwrap();
        w.finish(1, true, true, ts(40)).unwrap();
        assert_eq!(w.recovered, Some(ts(40)));
        assert_eq!(w.skip(2, "  ", ts(50)), Err(WalkError::NoSkipReason));
        w.skip(2, "db already healthy", ts(50)).unwrap();
        assert_eq!(w.skip_reason(2), Some("db already healthy"));
        assert!(w.is_complete());
    }

    #[test]
    fn invalid_transitions_are_refused() {
        let mut w = walker();
        assert_eq!(
            w.mark_done(1, ts(0)),
            Err(WalkError::HasCommands { step: 1 }),
            "command steps are run, not marked"
        );
        let e = w.retry(1).unwrap_err();
        assert_eq!(
            e,
            WalkError::NotFailed {
                step: 1,
                status: StepStatus::Pending
            },
            "only failed steps retry"
        );
        assert_eq!(
            e.to_string(),
            "only a failed step can be retried (step 2 is pending)"
        );
        assert_eq!(
            w.finish(1, true, false, ts(0)),
            Err(WalkError::NotRunning { step: 1 })
        );
        assert_eq!(w.start(7, ts(0)), Err(WalkError::NoSuchStep(7)));
        w.start(1, ts(0)).unwrap();
        w.finish(1, true, false, ts(1)).unwrap();
        assert_eq!(
            w.start(1, ts(2)),
            Err(WalkError::Already {
                step: 1,
                status: StepStatus::Passed
            }),
            "passed steps are not re-run"
        );
        assert!(matches!(
            w.skip(1, "x", ts(2)),
            Err(WalkError::CannotSkip { step: 1, .. })
        ));
        assert_eq!(w.note(Some(1), ""), Err(WalkError::EmptyNote));
        w.note(Some(1), "paged the DBA").unwrap();
        assert_eq!(w.notes().len(), 1);
        w.abort().unwrap();
        assert!(w.is_aborted() && !w.is_complete());
        assert_eq!(w.start(2, ts(3)), Err(WalkError::Aborted));
    }

    #[test]
    fn clock_runs_from_the_first_action_against_the_rto() {
        let mut w = walker();
        assert_eq!(w.elapsed(ts(100)), Duration::ZERO);
        w.mark_done(0, ts(100)).unwrap();
        assert_eq!(w.clock(ts(400)), "5m / RTO 10m");
        assert!(!w.over_rto(ts(700)));
        assert!(w.over_rto(ts(701)));
    }

    #[test]
    fn restoring_a_running_step_makes_it_failed() {
        let mut w = walker();
        w.restore(1, StepStatus::Running, None);
        assert_eq!(w.status(1), StepStatus::Failed);
        w.restore(0, StepStatus::ManualDone, None);
        assert_eq!(w.current(), Some(1));
    }
}
