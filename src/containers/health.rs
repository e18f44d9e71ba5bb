//! Health classification: what is wrong with a container, in one word and one
//! sentence, the way the workloads pane explains a CrashLoopBackOff.
//!
//! Pure: a [`Container`], the restarts seen recently and the clock in, a
//! [`Verdict`] out. The order of the
//! checks is the order an on-call engineer cares about: a dead or OOM-killed
//! container first, then restart loops, failing health checks, bad exits.

use super::model::{Container, Health, RestartPolicy, RunState};
use crate::report::Severity;

/// A restart loop: this many restarts observed within
/// [`restarts::WINDOW_SECS`](super::restarts::WINDOW_SECS). Not the lifetime
/// `RestartCount`, which Docker never resets.
const LOOP_RESTARTS: usize = 3;

#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    /// `None`: nothing to worry about.
    pub severity: Option<Severity>,
    /// One word or two: `unhealthy`, `OOMKilled`, `restarting loop`.
    pub reason: String,
    /// One sentence that says why, with the numbers.
    pub explanation: String,
}

impl Verdict {
    fn ok(reason: &str, explanation: impl Into<String>) -> Self {
        Self {
            severity: None,
            reason: reason.into(),
            explanation: explanation.into(),
        }
    }

    fn problem(sev: Severity, reason: &str, explanation: impl Into<String>) -> Self {
        Self {
            severity: Some(sev),
            reason: reason.into(),
            explanation: explanation.into(),
        }
    }

    /// Critical or warning: it belongs in the problems list and the report.
    pub fn is_problem(&self) -> bool {
        matches!(
            self.severity,
            Some(Severity::Critical) | Some(Severity::Warning)
        )
    }
}

/// `"probe: timeout"` → ` — last probe (exit 1): probe: timeout`.
fn probe_suffix(c: &Container) -> String {
    match c.probes.iter().rev().find(|p| p.exit_code != 0) {
        Some(p) => {
            let out = p.output.trim();
            let out = if out.is_empty() { "(no output)" } else { out };
            format!(" — last probe (exit {}): {}", p.exit_code, first_line(out))
        }
        None => String::new(),
    }
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or("")
}

/// What the restart policy will do after this container stops on its own.
fn comes_back(c: &Container) -> &'static str {
    match c.restart_policy {
        RestartPolicy::No => "restart policy \"no\": it stays down",
        RestartPolicy::OnFailure { max_retries } if max_retries > 0 => {
            if c.restart_count >= max_retries {
                "restart policy on-failure gave up (retries used up)"
            } else {
                "restart policy on-failure will retry"
            }
        }
        RestartPolicy::OnFailure { .. } => "restart policy on-failure will retry",
        RestartPolicy::Always | RestartPolicy::UnlessStopped => {
            "restart policy would restart it unless it was stopped by hand"
        }
    }
}

/// A health check that flipped between healthy and unhealthy (starting and
/// no check are not flips), for an incident's timeline: the new state and
/// the last probe's first line.
pub fn flip(
    old: &Container,
    new: &Container,
    now: jiff::Timestamp,
) -> Option<crate::observed::Observed> {
    let word = |h: Health| match h {
        Health::Healthy => Some("healthy"),
        Health::Unhealthy => Some("unhealthy"),
        Health::None | Health::Starting => None,
    };
    let (from, to) = (word(old.health)?, word(new.health)?);
    if from == to {
        return None;
    }
    let probe = new
        .probes
        .last()
        .map(|p| first_line(&p.output))
        .unwrap_or("");
    let detail = if probe.is_empty() {
        format!("{from} → {to}")
    } else {
        format!("{from} → {to}: {probe}")
    };
    Some(crate::observed::Observed::new(
        now,
        crate::observed::Change::HealthChanged,
        crate::observed::Place::object(format!("container/{}", new.name)),
        detail,
    ))
}

/// `recent_restarts`: restarts seen within the loop window
/// ([`RestartLog::recent`](super::restarts::RestartLog::recent)).
pub fn classify(c: &Container, recent_restarts: usize, now: jiff::Timestamp) -> Verdict {
    use Severity::{Critical, Info, Warning};
    match c.state {
        RunState::Dead => {
            let why = if c.error.is_empty() {
                "the engine could not stop or remove it cleanly".to_string()
            } else {
                first_line(&c.error).to_string()
            };
            return Verdict::problem(Critical, "dead", format!("container is dead: {why}"));
        }
        RunState::Exited | RunState::Restarting if c.oom_killed => {
            let limit = if c.memory_limit > 0 {
                format!(
                    " (memory limit {})",
                    crate::text::human_bytes(c.memory_limit as u64)
                )
            } else {
                String::new()
            };
            return Verdict::problem(
                Critical,
                "OOMKilled",
                format!(
                    "killed by the kernel OOM killer{limit}, exit code {}; {}",
                    c.exit_code,
                    comes_back(c)
                ),
            );
        }
        RunState::Restarting => {
            return Verdict::problem(
                Critical,
                "restarting loop",
                format!(
                    "restarting: {} restarts so far, last exit code {}{}",
                    c.restart_count,
                    c.exit_code,
                    if c.error.is_empty() {
                        String::new()
                    } else {
                        format!(" ({})", first_line(&c.error))
                    }
                ),
            );
        }
        _ => {}
    }
    if c.state == RunState::Running {
        if c.health == Health::Unhealthy {
            let retries = c
                .healthcheck
                .as_ref()
                .map(|h| h.retries_or_default())
                .unwrap_or(3);
            return Verdict::problem(
                Critical,
                "unhealthy",
                format!(
                    "health check failed {} times in a row (unhealthy after {retries}){}",
                    c.failing_streak,
                    probe_suffix(c)
                ),
            );
        }
        if recent_restarts >= LOOP_RESTARTS {
            return Verdict::problem(
                Warning,
                "restarting loop",
                format!(
                    "restarted {recent_restarts} times in the last {} ({} in all), up only {}; last exit code {}",
                    crate::text::human_duration(std::time::Duration::from_secs(
                        super::restarts::WINDOW_SECS as u64
                    )),
                    c.restart_count,
                    c.uptime(now)
                        .map(crate::text::human_duration)
                        .unwrap_or_default(),
                    c.exit_code
                ),
            );
        }
        if c.failing_streak > 0 {
            let retries = c
                .healthcheck
                .as_ref()
                .map(|h| h.retries_or_default())
                .unwrap_or(3);
            return Verdict::problem(
                Warning,
                "health failing",
                format!(
                    "health check failed {} of {retries} times allowed (still {}){}",
                    c.failing_streak,
                    c.health.label(),
                    probe_suffix(c)
                ),
            );
        }
        return match c.health {
            Health::Starting => Verdict::ok(
                "starting",
                "health check has not passed yet (start period)".to_string(),
            ),
            Health::Healthy => Verdict::ok("healthy", "running, health check passing"),
            _ => Verdict::ok("running", "running (no health check defined)"),
        };
    }
    match c.state {
        RunState::Exited if c.exit_code == 0 => {
            Verdict::ok("exited (0)", "exited cleanly with code 0")
        }
        // 143 = SIGTERM, 130 = SIGINT: what `docker stop` and Ctrl-C leave behind.
        RunState::Exited if c.exit_code == 143 || c.exit_code == 130 => Verdict::problem(
            Info,
            "stopped",
            format!("stopped by a signal (exit code {})", c.exit_code),
        ),
        // 137 without OOMKilled: SIGKILL, usually the `docker stop` timeout.
        RunState::Exited if c.exit_code == 137 => Verdict::problem(
            Warning,
            "killed",
            format!(
                "killed by SIGKILL (exit code 137): the docker stop timeout or docker kill; {}",
                comes_back(c)
            ),
        ),
        RunState::Exited => Verdict::problem(
            Critical,
            "exited non-zero",
            format!("exited with code {}; {}", c.exit_code, comes_back(c)),
        ),
        RunState::Paused => Verdict::problem(
            Warning,
            "paused",
            "paused: its processes are frozen (docker unpause)",
        ),
        RunState::Created => Verdict::problem(Info, "created", "created but never started"),
        RunState::Removing => Verdict::problem(Info, "removing", "being removed"),
        _ => Verdict::problem(Warning, "unknown", "the engine reports no known state"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::containers::testdata::container;

    fn at(c: &Container, secs_after_start: i64) -> jiff::Timestamp {
        let base = c
            .started_at
            .unwrap_or_else(|| "2026-11-23T09:00:00Z".parse().unwrap());
        jiff::Timestamp::from_second(base.as_second() + secs_after_start).unwrap()
    }

    #[test]
    fn a_health_flip_is_observed_with_the_probe_and_a_start_is_not() {
        let sick = container("unhealthy");
        let mut well = sick.clone();
        well.health = Health::Healthy;
        let now = at(&sick, 60);
        let o = flip(&well, &sick, now).expect("healthy → unhealthy");
        assert_eq!(o.change, crate::observed::Change::HealthChanged);
        assert_eq!(o.place.to_string(), format!("container/{}", sick.name));
        assert!(
            o.detail
                .starts_with("healthy → unhealthy: probe: /tmp/h missing"),
            "{}",
            o.detail
        );
        assert!(
            flip(&sick, &well, now).is_some_and(|o| o.detail.starts_with("unhealthy → healthy"))
        );
        let mut starting = sick.clone();
        starting.health = Health::Starting;
        assert!(
            flip(&starting, &sick, now).is_none(),
            "the first verdict is not a flip"
        );
        assert!(flip(&sick, &sick, now).is_none());
    }

    #[test]
    fn unhealthy_explains_with_the_probe_output() {
        let c = container("unhealthy");
        let v = classify(&c, 0, at(&c, 60));
        assert_eq!(v.severity, Some(Severity::Critical));
        assert_eq!(v.reason, "unhealthy");
        assert!(
            v.explanation.contains("failed 4 times"),
            "{}",
            v.explanation
        );
        assert!(
            v.explanation.contains("unhealthy after 2"),
            "{}",
            v.explanation
        );
        assert!(
            v.explanation
                .contains("last probe (exit 1): probe: /tmp/h missing"),
            "{}",
            v.explanation
        );
    }

    #[test]
    fn healthy_is_not_a_problem_but_a_failing_streak_is_a_warning() {
        let mut c = container("healthy");
        let v = classify(&c, 0, at(&c, 600));
        assert_eq!(v.severity, None);
        assert_eq!(v.reason, "healthy");
        c.failing_streak = 1;
        c.probes.push(super::super::model::ProbeRun {
            start: None,
            end: None,
            exit_code: 1,
            output: "curl: (7) Failed to connect to localhost port 8009: Connection refused\n"
                .into(),
        });
        let v = classify(&c, 0, at(&c, 600));
        assert_eq!(v.severity, Some(Severity::Warning));
        assert!(v.explanation.contains("1 of 2"), "{}", v.explanation);
        assert!(v.explanation.contains("Connection refused"));
    }

    #[test]
    fn restarting_is_a_loop_with_the_count_and_exit_code() {
        let c = container("restarting");
        let v = classify(&c, 0, at(&c, 10));
        assert_eq!(v.severity, Some(Severity::Critical));
        assert_eq!(v.reason, "restarting loop");
        assert!(v.explanation.contains("17 restarts"), "{}", v.explanation);
        assert!(v.explanation.contains("exit code 1"), "{}", v.explanation);
        // Running again after the 17th restart: a loop only if the restarts
        // were seen recently, never for the lifetime count alone.
        let mut c = c;
        c.state = RunState::Running;
        let v = classify(&c, 3, at(&c, 20));
        assert_eq!(v.reason, "restarting loop");
        assert_eq!(v.severity, Some(Severity::Warning));
        assert!(
            v.explanation
                .contains("3 times in the last 10m (17 in all)"),
            "{}",
            v.explanation
        );
        assert_eq!(classify(&c, 2, at(&c, 20)).severity, None);
    }

    /// An inspect response as the engine sends it, with the restart count
    /// and start time set through bollard's own types.
    fn inspected(fixture_name: &str, restart_count: i64, started: &str) -> Container {
        let mut r = crate::containers::testdata::fixture(fixture_name);
        r.restart_count = Some(restart_count);
        let state = r.state.get_or_insert_with(Default::default);
        state.started_at = Some(started.to_string());
        super::super::model::from_inspect(&r)
    }

    #[test]
    fn an_operator_restart_of_a_long_lived_container_is_not_a_loop() {
        use crate::containers::restarts::RestartLog;
        let mut log = RestartLog::default();
        // Up for weeks, 42 restarts over its life (old crashes, daemon upgrades).
        let before = inspected("healthy", 42, "2026-11-01T08:00:00.1Z");
        log.observe(&before);
        // The operator restarts it: StartedAt moves, RestartCount stays.
        let after = inspected("healthy", 42, "2026-11-23T09:30:00.5Z");
        log.observe(&after);
        let now: jiff::Timestamp = "2026-11-23T09:30:20Z".parse().unwrap();
        let v = classify(&after, log.recent(&after.id, now), now);
        assert_eq!(v.severity, None, "{v:?}");
        assert_eq!(v.reason, "healthy");
    }

    #[test]
    fn restarts_seen_within_the_window_are_a_loop() {
        use crate::containers::restarts::RestartLog;
        let mut log = RestartLog::default();
        let mut c = inspected("healthy", 42, "2026-11-23T09:20:00Z");
        log.observe(&c);
        for (n, t) in [
            (43, "2026-11-23T09:22:00Z"),
            (44, "2026-11-23T09:25:00Z"),
            (45, "2026-11-23T09:29:00Z"),
        ] {
            c = inspected("healthy", n, t);
            log.observe(&c);
        }
        let now: jiff::Timestamp = "2026-11-23T09:29:30Z".parse().unwrap();
        let v = classify(&c, log.recent(&c.id, now), now);
        assert_eq!(v.reason, "restarting loop", "{v:?}");
        assert!(v.explanation.contains("up only 30s"), "{}", v.explanation);
        // Quiet for ten minutes after the last one: over.
        let later: jiff::Timestamp = "2026-11-23T09:39:30Z".parse().unwrap();
        assert_eq!(classify(&c, log.recent(&c.id, later), later).severity, None);
    }

    #[test]
    fn oom_killed_names_the_limit_and_what_the_policy_does() {
        let c = container("oomkilled");
        let v = classify(&c, 0, at(&c, 10));
        assert_eq!(v.reason, "OOMKilled");
        assert_eq!(v.severity, Some(Severity::Critical));
        assert!(v.explanation.contains("256.0 MiB"), "{}", v.explanation);
        assert!(v.explanation.contains("exit code 137"), "{}", v.explanation);
        assert!(v.explanation.contains("stays down"), "{}", v.explanation);
    }

    #[test]
    fn exited_non_zero_says_the_policy_gave_up() {
        let c = container("exited");
        let v = classify(&c, 0, at(&c, 10));
        assert_eq!(v.reason, "exited non-zero");
        assert!(v.explanation.contains("code 2"), "{}", v.explanation);
        assert!(v.explanation.contains("gave up"), "{}", v.explanation);
        let mut clean = c.clone();
        clean.exit_code = 0;
        assert_eq!(classify(&clean, 0, at(&c, 10)).severity, None);
        let mut stopped = c;
        stopped.exit_code = 143;
        assert!(!classify(&stopped, 0, at(&stopped, 10)).is_problem());
    }

    #[test]
    fn dead_carries_the_engine_error() {
        let c = container("dead");
        let v = classify(&c, 0, at(&c, 10));
        assert_eq!(v.reason, "dead");
        assert!(v.explanation.contains("port is already allocated"));
    }
}
