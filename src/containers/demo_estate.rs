//! The simulated Docker engine behind `--demo`: the containers of the estate
//! and how they change over time and under restart/stop/start.

use super::error::ContainerError;
use super::model::{Container, Health, HealthCheck, ProbeRun, RestartPolicy, RunState, Stats};
use std::collections::BTreeSet;
use std::time::Duration;

/// The backend starts failing this long after the demo starts (or a restart).
const DEGRADE_AFTER: i64 = 40;
const TIMEOUT_OUTPUT: &str =
    "curl: (28) Operation timed out after 3001 milliseconds with 0 bytes received";

pub struct Sim {
    pub containers: Vec<Container>,
    /// Ids changed by actions, for the worker to send.
    changed: BTreeSet<String>,
    /// When the backend's probes start timing out.
    degrade_at: i64,
    /// Containers in "starting" that pass their first probe at this second.
    healthy_at: Vec<(String, i64)>,
    /// The backend's next probe run (every 10 s).
    next_probe: i64,
    pub(super) tick: u64,
}

fn hc(cmd: &str, interval: u64, retries: i64, start: u64) -> Option<HealthCheck> {
    Some(HealthCheck {
        test: vec!["CMD-SHELL".into(), cmd.into()],
        interval: Some(Duration::from_secs(interval)),
        timeout: Some(Duration::from_secs(3)),
        retries: Some(retries),
        start_period: Some(Duration::from_secs(start)),
    })
}

fn ok_probe(at: jiff::Timestamp, output: &str) -> ProbeRun {
    ProbeRun {
        start: Some(at),
        end: Some(at),
        exit_code: 0,
        output: output.into(),
    }
}

#[allow(clippy::too_many_arguments)]
fn svc(
    project: &str,
    service: &str,
    image: &str,
    ports: &[&str],
    check: Option<HealthCheck>,
    probe_out: &str,
    up_secs: i64,
    now: jiff::Timestamp,
) -> Container {
    let started = jiff::Timestamp::from_second(now.as_second() - up_secs).unwrap_or(now);
    let name = format!("{project}-{service}-1");
    let health = if check.is_some() {
        Health::Healthy
    } else {
        Health::None
    };
    let probes = if check.is_some() {
        (0..5)
            .map(|i| {
                ok_probe(
                    jiff::Timestamp::from_second(now.as_second() - 30 * (5 - i)).unwrap_or(now),
                    probe_out,
                )
            })
            .collect()
    } else {
        Vec::new()
    };
    Container {
        id: format!("{:0<64}", hex::encode(name.as_bytes())),
        name,
        image: image.into(),
        state: RunState::Running,
        health,
        failing_streak: 0,
        probes,
        restart_count: 0,
        oom_killed: false,
        exit_code: 0,
        error: String::new(),
        started_at: Some(started),
        finished_at: None,
        ports: ports.iter().map(|s| s.to_string()).collect(),
        project: Some(project.into()),
        service: Some(service.into()),
        healthcheck: check,
        restart_policy: RestartPolicy::UnlessStopped,
        stop_timeout: 10,
        memory_limit: 0,
        stats: None,
    }
}

impl Sim {
    pub fn new(now: jiff::Timestamp) -> Self {
        let day = 86_400;
        let t = "toolboxai";
        let m = "monitoring";
        let mut containers = vec![
            svc(
                t,
                "backend",
                "toolboxai/backend:1.8.3",
                &["0.0.0.0:8009->8009/tcp"],
                hc(
                    "curl -fsS --max-time 3 http://localhost:8009/health",
                    10,
                    3,
                    30,
                ),
                "{\"status\":\"ok\",\"db\":\"ok\",\"redis\":\"ok\"}",
                3 * day,
                now,
            ),
            svc(
                t,
                "dashboard",
                "toolboxai/dashboard:1.8.3",
                &["0.0.0.0:5179->80/tcp"],
                hc("wget -qO- http://localhost/health", 30, 3, 10),
                "ok",
                3 * day,
                now,
            ),
            svc(
                t,
                "postgres",
                "postgres:15-alpine",
                &["127.0.0.1:5432->5432/tcp"],
                hc("pg_isready -U toolboxai -d toolboxai", 10, 5, 30),
                "/var/run/postgresql:5432 - accepting connections",
                12 * day,
                now,
            ),
            svc(
                t,
                "redis",
                "redis:7-alpine",
                &["127.0.0.1:6379->6379/tcp"],
                hc("redis-cli ping", 10, 3, 5),
                "PONG",
                12 * day,
                now,
            ),
            svc(
                t,
                "celery-worker",
                "toolboxai/backend:1.8.3",
                &[],
                hc(
                    "celery -A app.worker inspect ping -d celery@$HOSTNAME",
                    30,
                    3,
                    60,
                ),
                "-> celery@worker: OK\n        pong",
                3 * day,
                now,
            ),
            svc(
                t,
                "celery-beat",
                "toolboxai/backend:1.8.3",
                &[],
                None,
                "",
                3 * day,
                now,
            ),
            svc(
                t,
                "flower",
                "mher/flower:2.0",
                &["0.0.0.0:5555->5555/tcp"],
                hc("wget -qO- http://localhost:5555/healthcheck", 30, 3, 10),
                "OK",
                3 * day,
                now,
            ),
            svc(
                t,
                "mcp-server",
                "toolboxai/mcp:0.9.1",
                &["0.0.0.0:9877->9877/tcp"],
                hc("curl -fsS http://localhost:9877/health", 15, 3, 20),
                "{\"status\":\"healthy\"}",
                2 * day,
                now,
            ),
            svc(
                t,
                "agent-coordinator",
                "toolboxai/agents:0.9.1",
                &["0.0.0.0:8888->8888/tcp"],
                hc("curl -fsS http://localhost:8888/health", 15, 3, 20),
                "{\"status\":\"healthy\",\"agents\":4}",
                2 * day,
                now,
            ),
            svc(
                t,
                "backup-coordinator",
                "toolboxai/backup:1.2.0",
                &[],
                hc("test -f /var/run/backup/last_success", 60, 3, 120),
                "",
                day,
                now,
            ),
            svc(
                m,
                "prometheus",
                "prom/prometheus:v2.48.0",
                &["0.0.0.0:9090->9090/tcp"],
                hc("wget -qO- http://localhost:9090/-/healthy", 15, 3, 10),
                "Prometheus Server is Healthy.",
                20 * day,
                now,
            ),
            svc(
                m,
                "grafana",
                "grafana/grafana:10.2.2",
                &["0.0.0.0:3000->3000/tcp"],
                hc("wget -qO- http://localhost:3000/api/health", 15, 3, 30),
                "{\"database\":\"ok\",\"version\":\"10.2.2\"}",
                20 * day,
                now,
            ),
            svc(
                m,
                "loki",
                "grafana/loki:2.9.2",
                &["0.0.0.0:3100->3100/tcp"],
                hc("wget -qO- http://localhost:3100/ready", 15, 3, 30),
                "ready",
                20 * day,
                now,
            ),
            svc(
                m,
                "node-exporter",
                "prom/node-exporter:v1.7.0",
                &["0.0.0.0:9100->9100/tcp"],
                None,
                "",
                20 * day,
                now,
            ),
        ];
        // The backup coordinator's last three runs could not reach postgres;
        // on-failure:3 has given up.
        if let Some(b) = containers
            .iter_mut()
            .find(|c| c.service.as_deref() == Some("backup-coordinator"))
        {
            b.state = RunState::Exited;
            b.exit_code = 1;
            b.restart_count = 3;
            b.restart_policy = RestartPolicy::OnFailure { max_retries: 3 };
            b.health = Health::None;
            b.finished_at =
                Some(jiff::Timestamp::from_second(now.as_second() - 1800).unwrap_or(now));
            b.probes.clear();
        }
        let mut cadvisor = svc(
            "",
            "cadvisor",
            "gcr.io/cadvisor/cadvisor:v0.47.2",
            &["0.0.0.0:8080->8080/tcp"],
            None,
            "",
            20 * day,
            now,
        );
        cadvisor.name = "cadvisor".into();
        cadvisor.project = None;
        cadvisor.service = None;
        cadvisor.restart_policy = RestartPolicy::Always;
        containers.push(cadvisor);
        containers.sort_by(|a, b| crate::text::natural_cmp(&a.name, &b.name));
        Self {
            containers,
            changed: BTreeSet::new(),
            degrade_at: now.as_second() + DEGRADE_AFTER,
            healthy_at: Vec::new(),
            next_probe: now.as_second() + DEGRADE_AFTER,
            tick: 0,
        }
    }

    fn find(&mut self, name: &str) -> Option<&mut Container> {
        self.containers.iter_mut().find(|c| c.name == name)
    }

    /// Advance one second; returns the containers that changed.
    pub fn step(&mut self, now: jiff::Timestamp) -> Vec<Container> {
        self.tick += 1;
        let secs = now.as_second();
        let mut changed: BTreeSet<String> = std::mem::take(&mut self.changed);
        let due: Vec<String> = self
            .healthy_at
            .iter()
            .filter(|(_, at)| *at <= secs)
            .map(|(n, _)| n.clone())
            .collect();
        self.healthy_at.retain(|(_, at)| *at > secs);
        for name in due {
            if let Some(c) = self.find(&name).filter(|c| c.state == RunState::Running) {
                c.health = Health::Healthy;
                c.failing_streak = 0;
                let out = c
                    .probes
                    .iter()
                    .rev()
                    .find(|p| p.exit_code == 0)
                    .map(|p| p.output.clone())
                    .unwrap_or_else(|| "ok".into());
                push_probe(c, ok_probe(now, &out));
                changed.insert(name);
            }
        }
        // The backend's probe runs every 10 s; once degraded, each one times out.
        let probe_now = secs >= self.degrade_at && secs >= self.next_probe;
        if probe_now {
            self.next_probe = secs + 10;
        }
        if let Some(b) = self.find("toolboxai-backend-1")
            && b.state == RunState::Running
            && b.health != Health::Starting
            && probe_now
        {
            b.failing_streak += 1;
            push_probe(
                b,
                ProbeRun {
                    start: Some(now),
                    end: Some(now),
                    exit_code: 1,
                    output: format!("{TIMEOUT_OUTPUT}\n"),
                },
            );
            if b.failing_streak >= 3 {
                b.health = Health::Unhealthy;
            }
            changed.insert(b.name.clone());
        }
        self.containers
            .iter()
            .filter(|c| changed.contains(&c.name))
            .cloned()
            .collect()
    }

    /// Plausible CPU/memory for the running containers.
    pub fn stats(&self) -> Vec<(String, Stats)> {
        let t = self.tick as f64;
        self.containers
            .iter()
            .enumerate()
            .filter(|(_, c)| c.is_running())
            .map(|(i, c)| {
                let base = 2.0 + (i as f64 * 3.7) % 17.0;
                let busy = c.health == Health::Unhealthy || c.failing_streak > 0;
                let cpu = if busy {
                    96.0 + (t * 0.7).sin() * 3.0
                } else {
                    base + (t * 0.3 + i as f64).sin() * base * 0.3
                };
                let mem = ((60 + i * 37) as u64) << 20;
                (
                    c.id.clone(),
                    Stats {
                        cpu_percent: cpu.max(0.0),
                        mem_used: mem,
                        mem_limit: if i % 3 == 0 { 1 << 30 } else { 0 },
                    },
                )
            })
            .collect()
    }

    /// Do what the engine would do for `verb`.
    pub(super) fn act(
        &mut self,
        verb: &str,
        name: &str,
        now: jiff::Timestamp,
    ) -> Result<String, ContainerError> {
        let secs = now.as_second();
        let c = self
            .find(name)
            .ok_or_else(|| ContainerError::NoSuchContainer {
                name: name.to_string(),
                after: None,
            })?;
        match verb {
            "stop" => {
                c.state = RunState::Exited;
                c.exit_code = 143;
                c.finished_at = Some(now);
                c.health = Health::None;
                c.stats = None;
            }
            _ => {
                c.state = RunState::Running;
                c.exit_code = 0;
                c.oom_killed = false;
                c.started_at = Some(now);
                c.failing_streak = 0;
                if c.healthcheck.is_some() {
                    c.health = Health::Starting;
                }
            }
        }
        let summary = format!("{verb} {name}: now {}", c.state.label());
        let has_check = c.healthcheck.is_some();
        let name = c.name.clone();
        if verb != "stop" && has_check {
            self.healthy_at.push((name.clone(), secs + 3));
        }
        if name == "toolboxai-backend-1" && verb != "stop" {
            // Healthy again for a couple of minutes, then the timeouts return.
            self.degrade_at = secs + 120;
            self.next_probe = self.degrade_at;
        }
        self.changed.insert(name);
        Ok(summary)
    }
}

fn push_probe(c: &mut Container, p: ProbeRun) {
    c.probes.push(p);
    if c.probes.len() > 5 {
        c.probes.remove(0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::containers::health::classify;

    fn at(base: jiff::Timestamp, s: i64) -> jiff::Timestamp {
        jiff::Timestamp::from_second(base.as_second() + s).unwrap()
    }

    #[test]
    fn the_backend_turns_unhealthy_over_time_and_a_restart_heals_it() {
        let t0: jiff::Timestamp = "2026-11-23T10:00:00Z".parse().unwrap();
        let mut sim = Sim::new(t0);
        let backend = |s: &Sim| {
            s.containers
                .iter()
                .find(|c| c.name == "toolboxai-backend-1")
                .unwrap()
                .clone()
        };
        assert_eq!(backend(&sim).health, Health::Healthy);
        for s in 1..=DEGRADE_AFTER + 40 {
            sim.step(at(t0, s));
        }
        let b = backend(&sim);
        assert_eq!(b.health, Health::Unhealthy);
        let v = classify(&b, 0, at(t0, 100));
        assert_eq!(v.reason, "unhealthy");
        assert!(
            v.explanation.contains("Operation timed out"),
            "{}",
            v.explanation
        );
        sim.act("restart", "toolboxai-backend-1", at(t0, 100))
            .unwrap();
        assert_eq!(backend(&sim).health, Health::Starting);
        for s in 101..=110 {
            sim.step(at(t0, s));
        }
        let b = backend(&sim);
        assert_eq!(b.health, Health::Healthy);
        assert_eq!(b.failing_streak, 0);
        sim.act("stop", "toolboxai-redis-1", at(t0, 111)).unwrap();
        let r = sim
            .containers
            .iter()
            .find(|c| c.name == "toolboxai-redis-1")
            .unwrap();
        assert_eq!(r.state, RunState::Exited);
        let exited = sim
            .containers
            .iter()
            .find(|c| c.name == "toolboxai-backup-coordinator-1")
            .unwrap();
        assert_eq!(classify(exited, 0, t0).reason, "exited non-zero");
    }
}
