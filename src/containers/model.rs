//! The container model the pane renders, built from bollard's inspect response.
//!
//! The engine's types are all `Option`s and strings; this flattens them once
//! (in the worker) into what an on-call engineer reads: state, health, the
//! failing streak, the probe log, restart policy, ports and Compose labels.

use bollard::models::{
    ContainerInspectResponse, ContainerStateStatusEnum, HealthStatusEnum, RestartPolicyNameEnum,
};
use std::time::Duration;

pub const COMPOSE_PROJECT: &str = "com.docker.compose.project";
pub const COMPOSE_SERVICE: &str = "com.docker.compose.service";

/// The engine's `State.Status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum RunState {
    Created,
    Running,
    Paused,
    Restarting,
    Removing,
    Exited,
    Dead,
    #[default]
    Unknown,
}

impl RunState {
    pub fn label(self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::Running => "running",
            Self::Paused => "paused",
            Self::Restarting => "restarting",
            Self::Removing => "removing",
            Self::Exited => "exited",
            Self::Dead => "dead",
            Self::Unknown => "unknown",
        }
    }
}

/// `State.Health.Status`; `None` when the image/compose file defines no health check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Health {
    #[default]
    None,
    Starting,
    Healthy,
    Unhealthy,
}

impl Health {
    pub fn label(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Starting => "starting",
            Self::Healthy => "healthy",
            Self::Unhealthy => "unhealthy",
        }
    }
}

/// One health-probe run from `State.Health.Log` (the engine keeps the last five).
#[derive(Debug, Clone, PartialEq)]
pub struct ProbeRun {
    pub start: Option<jiff::Timestamp>,
    pub end: Option<jiff::Timestamp>,
    pub exit_code: i64,
    /// Raw output (unsanitised; sanitised when drawn).
    pub output: String,
}

/// `Config.Healthcheck`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct HealthCheck {
    /// e.g. `["CMD-SHELL", "pg_isready -U app"]`.
    pub test: Vec<String>,
    pub interval: Option<Duration>,
    pub timeout: Option<Duration>,
    pub retries: Option<i64>,
    pub start_period: Option<Duration>,
}

impl HealthCheck {
    /// The command as a human reads it (`CMD-SHELL x` → `x`).
    pub fn command(&self) -> String {
        match self.test.split_first() {
            Some((kind, rest)) if kind == "CMD-SHELL" => rest.join(" "),
            Some((kind, rest)) if kind == "CMD" => {
                shlex::try_join(rest.iter().map(|s| s.as_str())).unwrap_or_else(|_| rest.join(" "))
            }
            Some((kind, _)) if kind == "NONE" => "disabled (NONE)".into(),
            _ => self.test.join(" "),
        }
    }

    /// Failures in a row before the engine says unhealthy (Docker's default is 3).
    pub fn retries_or_default(&self) -> i64 {
        self.retries.filter(|r| *r > 0).unwrap_or(3)
    }
}

/// `HostConfig.RestartPolicy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RestartPolicy {
    #[default]
    No,
    Always,
    UnlessStopped,
    OnFailure {
        max_retries: i64,
    },
}

impl RestartPolicy {
    pub fn label(self) -> String {
        match self {
            Self::No => "no".into(),
            Self::Always => "always".into(),
            Self::UnlessStopped => "unless-stopped".into(),
            Self::OnFailure { max_retries: 0 } => "on-failure".into(),
            Self::OnFailure { max_retries } => format!("on-failure:{max_retries}"),
        }
    }
}

/// CPU and memory from the stats stream (only for containers on screen).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Stats {
    pub cpu_percent: f64,
    pub mem_used: u64,
    /// 0 when the engine reports no limit.
    pub mem_limit: u64,
}

/// One container, as the pane shows it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Container {
    pub id: String,
    pub name: String,
    pub image: String,
    pub state: RunState,
    pub health: Health,
    pub failing_streak: i64,
    /// Oldest first, as the engine keeps them.
    pub probes: Vec<ProbeRun>,
    pub restart_count: i64,
    pub oom_killed: bool,
    pub exit_code: i64,
    /// `State.Error` (e.g. a port already allocated).
    pub error: String,
    pub started_at: Option<jiff::Timestamp>,
    pub finished_at: Option<jiff::Timestamp>,
    /// `127.0.0.1:8080->8080/tcp`, `5432/tcp`.
    pub ports: Vec<String>,
    pub project: Option<String>,
    pub service: Option<String>,
    pub healthcheck: Option<HealthCheck>,
    pub restart_policy: RestartPolicy,
    /// Seconds `docker stop` waits before SIGKILL (`Config.StopTimeout`, default 10).
    pub stop_timeout: i64,
    /// `HostConfig.Memory`, 0 = unlimited.
    pub memory_limit: i64,
    pub stats: Option<Stats>,
}

impl Container {
    pub fn is_running(&self) -> bool {
        matches!(self.state, RunState::Running | RunState::Restarting)
    }

    /// The newest probe run, if the engine has any.
    pub fn last_probe(&self) -> Option<&ProbeRun> {
        self.probes.last()
    }

    /// The newest failing probe's output, trimmed (what `report` calls `detail`).
    pub fn last_failed_output(&self) -> Option<String> {
        self.probes
            .iter()
            .rev()
            .find(|p| p.exit_code != 0)
            .map(|p| p.output.trim().to_string())
    }

    pub fn uptime(&self, now: jiff::Timestamp) -> Option<Duration> {
        if self.state != RunState::Running {
            return None;
        }
        let started = self.started_at?;
        let secs = now.as_second().saturating_sub(started.as_second()).max(0);
        Some(Duration::from_secs(secs as u64))
    }

    /// Grouping key: the Compose project, else none (standalone containers).
    pub fn group(&self) -> &str {
        self.project.as_deref().unwrap_or("")
    }

    /// What the filter matches against.
    pub fn matches(&self, needle: &str) -> bool {
        if needle.is_empty() {
            return true;
        }
        let n = needle.to_lowercase();
        [
            Some(self.name.as_str()),
            Some(self.image.as_str()),
            self.project.as_deref(),
            self.service.as_deref(),
            Some(self.state.label()),
            Some(self.health.label()),
        ]
        .into_iter()
        .flatten()
        .any(|h| h.to_lowercase().contains(&n))
    }
}

/// Engine timestamps: RFC 3339 with nanoseconds; `0001-01-01T00:00:00Z` means never.
pub fn parse_time(s: Option<&str>) -> Option<jiff::Timestamp> {
    let ts: jiff::Timestamp = s?.parse().ok()?;
    (ts.as_second() > 0).then_some(ts)
}

fn nanos(v: Option<i64>) -> Option<Duration> {
    v.filter(|n| *n > 0).map(|n| Duration::from_nanos(n as u64))
}

/// Flatten an inspect response. Never fails: missing fields become defaults.
pub fn from_inspect(r: &ContainerInspectResponse) -> Container {
    let state = r.state.clone().unwrap_or_default();
    let config = r.config.clone().unwrap_or_default();
    let host = r.host_config.clone().unwrap_or_default();
    let labels = config.labels.clone().unwrap_or_default();
    let run_state = match state.status {
        Some(ContainerStateStatusEnum::CREATED) => RunState::Created,
        Some(ContainerStateStatusEnum::RUNNING) => RunState::Running,
        Some(ContainerStateStatusEnum::PAUSED) => RunState::Paused,
        Some(ContainerStateStatusEnum::RESTARTING) => RunState::Restarting,
        Some(ContainerStateStatusEnum::REMOVING) => RunState::Removing,
        Some(ContainerStateStatusEnum::EXITED) => RunState::Exited,
        Some(ContainerStateStatusEnum::DEAD) => RunState::Dead,
        _ => RunState::Unknown,
    };
    let (health, failing_streak, probes) = match &state.health {
        Some(h) => (
            match h.status {
                Some(HealthStatusEnum::STARTING) => Health::Starting,
                Some(HealthStatusEnum::HEALTHY) => Health::Healthy,
                Some(HealthStatusEnum::UNHEALTHY) => Health::Unhealthy,
                _ => Health::None,
            },
            h.failing_streak.unwrap_or(0),
            h.log
                .iter()
                .flatten()
                .map(|p| ProbeRun {
                    start: parse_time(p.start.as_deref()),
                    end: parse_time(p.end.as_deref()),
                    exit_code: p.exit_code.unwrap_or(0),
                    output: p.output.clone().unwrap_or_default(),
                })
                .collect(),
        ),
        None => (Health::None, 0, Vec::new()),
    };
    let healthcheck = config
        .healthcheck
        .as_ref()
        .filter(|h| {
            h.test
                .as_ref()
                .is_some_and(|t| t.first().is_some_and(|k| k != "NONE"))
        })
        .map(|h| HealthCheck {
            test: h.test.clone().unwrap_or_default(),
            interval: nanos(h.interval),
            timeout: nanos(h.timeout),
            retries: h.retries,
            start_period: nanos(h.start_period),
        });
    let restart_policy = match host.restart_policy.as_ref().and_then(|p| p.name) {
        Some(RestartPolicyNameEnum::ALWAYS) => RestartPolicy::Always,
        Some(RestartPolicyNameEnum::UNLESS_STOPPED) => RestartPolicy::UnlessStopped,
        Some(RestartPolicyNameEnum::ON_FAILURE) => RestartPolicy::OnFailure {
            max_retries: host
                .restart_policy
                .as_ref()
                .and_then(|p| p.maximum_retry_count)
                .unwrap_or(0),
        },
        _ => RestartPolicy::No,
    };
    let mut ports: Vec<String> = Vec::new();
    if let Some(map) = r.network_settings.as_ref().and_then(|n| n.ports.as_ref()) {
        for (port, bindings) in map {
            match bindings.as_deref() {
                Some(list) if !list.is_empty() => {
                    for b in list {
                        let ip = b.host_ip.as_deref().unwrap_or("");
                        let hp = b.host_port.as_deref().unwrap_or("");
                        let ip = if ip.is_empty() { "0.0.0.0" } else { ip };
                        ports.push(format!("{ip}:{hp}->{port}"));
                    }
                }
                _ => ports.push(port.clone()),
            }
        }
    }
    ports.sort();
    ports.dedup();
    Container {
        id: r.id.clone().unwrap_or_default(),
        name: r
            .name
            .as_deref()
            .unwrap_or("")
            .trim_start_matches('/')
            .to_string(),
        image: config
            .image
            .clone()
            .or_else(|| r.image.clone())
            .unwrap_or_default(),
        state: run_state,
        health,
        failing_streak,
        probes,
        restart_count: r.restart_count.unwrap_or(0),
        oom_killed: state.oom_killed.unwrap_or(false),
        exit_code: state.exit_code.unwrap_or(0),
        error: state.error.clone().unwrap_or_default(),
        started_at: parse_time(state.started_at.as_deref()),
        finished_at: parse_time(state.finished_at.as_deref()),
        ports,
        project: labels.get(COMPOSE_PROJECT).cloned(),
        service: labels.get(COMPOSE_SERVICE).cloned(),
        healthcheck,
        restart_policy,
        stop_timeout: config.stop_timeout.unwrap_or(10),
        memory_limit: host.memory.unwrap_or(0),
        stats: None,
    }
}

/// CPU % the way `docker stats` computes it: the container's share of the
/// host's CPU time since the previous sample, times the number of CPUs.
pub fn stats_from(s: &bollard::models::ContainerStatsResponse) -> Option<Stats> {
    let cpu = s.cpu_stats.as_ref()?;
    let pre = s.precpu_stats.as_ref();
    let total = cpu
        .cpu_usage
        .as_ref()
        .and_then(|u| u.total_usage)
        .unwrap_or(0);
    let pre_total = pre
        .and_then(|p| p.cpu_usage.as_ref())
        .and_then(|u| u.total_usage)
        .unwrap_or(0);
    let system = cpu.system_cpu_usage.unwrap_or(0);
    let pre_system = pre.and_then(|p| p.system_cpu_usage).unwrap_or(0);
    let cpus = cpu
        .online_cpus
        .filter(|n| *n > 0)
        .or_else(|| {
            cpu.cpu_usage
                .as_ref()
                .and_then(|u| u.percpu_usage.as_ref())
                .map(|v| v.len() as u32)
        })
        .unwrap_or(1)
        .max(1);
    let cpu_delta = total.saturating_sub(pre_total) as f64;
    let sys_delta = system.saturating_sub(pre_system) as f64;
    let cpu_percent = if sys_delta > 0.0 && cpu_delta > 0.0 {
        cpu_delta / sys_delta * f64::from(cpus) * 100.0
    } else {
        0.0
    };
    let mem = s.memory_stats.as_ref()?;
    let usage = mem.usage.unwrap_or(0);
    // Page cache is reclaimable: `docker stats` subtracts it (cgroup v1
    // `total_inactive_file`, v2 `inactive_file`).
    let cache = mem
        .stats
        .as_ref()
        .and_then(|st| {
            st.get("total_inactive_file")
                .or_else(|| st.get("inactive_file"))
                .copied()
        })
        .filter(|c| *c < usage)
        .unwrap_or(0);
    let limit = mem.limit.unwrap_or(0);
    // An unlimited container reports the host's memory (or a huge number) as its limit.
    let limit = if limit >= i64::MAX as u64 / 2 {
        0
    } else {
        limit
    };
    Some(Stats {
        cpu_percent,
        mem_used: usage - cache,
        mem_limit: limit,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::containers::testdata::fixture;

    #[test]
    fn inspect_json_from_a_1_41_engine_flattens_into_the_model() {
        let c = from_inspect(&fixture("unhealthy"));
        assert_eq!(c.name, "shop-api-1");
        assert_eq!(c.image, "shop/api:1.4.2");
        assert_eq!(c.state, RunState::Running);
        assert_eq!(c.health, Health::Unhealthy);
        assert_eq!(c.failing_streak, 4);
        assert_eq!(c.probes.len(), 5);
        assert_eq!(c.probes[4].exit_code, 1);
        assert_eq!(
            c.last_failed_output().as_deref(),
            Some("probe: /tmp/h missing")
        );
        assert_eq!(c.project.as_deref(), Some("shop"));
        assert_eq!(c.service.as_deref(), Some("api"));
        assert_eq!(c.restart_policy, RestartPolicy::UnlessStopped);
        assert_eq!(c.ports, ["127.0.0.1:18080->8080/tcp"]);
        let hc = c.healthcheck.unwrap();
        assert_eq!(hc.interval, Some(Duration::from_secs(1)));
        assert_eq!(hc.retries, Some(2));
        assert_eq!(hc.start_period, Some(Duration::from_secs(2)));
        assert!(hc.command().starts_with("test -f /tmp/h"));
        assert!(c.started_at.is_some());
        assert!(c.finished_at.is_none(), "0001-01-01 means never");
    }

    #[test]
    fn cpu_percent_and_memory_follow_docker_stats() {
        let s: bollard::models::ContainerStatsResponse = serde_json::from_value(serde_json::json!({
            "cpu_stats": {"cpu_usage": {"total_usage": 2_000_000_000u64}, "system_cpu_usage": 20_000_000_000u64, "online_cpus": 2},
            "precpu_stats": {"cpu_usage": {"total_usage": 1_000_000_000u64}, "system_cpu_usage": 10_000_000_000u64},
            "memory_stats": {"usage": 150_000_000u64, "limit": 536_870_912u64, "stats": {"total_inactive_file": 50_000_000u64}}
        }))
        .unwrap();
        let st = stats_from(&s).unwrap();
        assert!((st.cpu_percent - 20.0).abs() < 0.001, "{}", st.cpu_percent);
        assert_eq!(st.mem_used, 100_000_000);
        assert_eq!(st.mem_limit, 536_870_912);
    }
}
