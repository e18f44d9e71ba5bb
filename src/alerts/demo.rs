//! The `--demo` estate: RideNDine's services (names from the seed reports)
//! with the alerts their rules would raise — a bad `api` deploy raising the
//! error rate and latency first, then dispatch and routing going down —
//! one pending alert, one already silenced, one broken recording rule.
//! Silences created, acked or expired here change what the next poll shows.

use super::actions::{AmApi, SilenceError, SilenceHandler};
use super::api::PostableSilence;
use super::client::ClientError;
use super::model::{Alert, AlertState, BrokenRule, Labels, Silence, SilenceState, Snapshot};
use super::worker::{Poll, PollWorker};
use super::{Command, Update};
use crate::demo::DEMO_DETAIL;
use crate::source::{Backend, SourceId, SourceKind};
use jiff::Timestamp;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;

const AM: &str = "main";
const PROM: &str = "main";
const POLL: Duration = Duration::from_secs(5);
/// History replayed at start so the sparklines show how the incident unfolded.
const HISTORY_MINUTES: i64 = 20;

struct Def {
    /// Seconds before the session started that it began.
    started: i64,
    /// Seconds of `for:` before firing (pending until then).
    pending_for: i64,
    /// Flapping alerts resolve for 2 minutes out of every 10.
    flaps: bool,
    labels: &'static [(&'static str, &'static str)],
    summary: &'static str,
    description: &'static str,
    runbook: &'static str,
    /// The alerting rule's expression (what `graph` draws).
    expr: &'static str,
}

const DEFS: &[Def] = &[
    Def {
        started: 18 * 60,
        pending_for: 0,
        flaps: false,
        labels: &[
            ("alertname", "HighErrorRate"),
            ("severity", "critical"),
            ("job", "backend"),
            ("namespace", "toolboxai"),
            ("deployment", "backend"),
            ("service", "backend"),
        ],
        summary: "5xx error rate 7.2% on backend (threshold 5%)",
        description: "More than 5% of requests to backend failed over the last 5 minutes since revision 8 rolled out.",
        runbook: "docs/runbooks/rollback-deployment.md",
        expr: r#"sum(rate(http_requests_total{job="backend",code=~"5.."}[5m])) / sum(rate(http_requests_total{job="backend"}[5m])) > 0.05"#,
    },
    Def {
        started: 16 * 60,
        pending_for: 0,
        flaps: true,
        labels: &[
            ("alertname", "HighLatency"),
            ("severity", "warning"),
            ("job", "backend"),
            ("namespace", "toolboxai"),
            ("deployment", "backend"),
            ("service", "backend"),
        ],
        summary: "p95 latency 2.4s on backend (threshold 1s)",
        description: "histogram_quantile(0.95, http_request_duration_seconds) above 1s for 5 minutes.",
        runbook: "docs/runbooks/rollback-deployment.md",
        expr: r#"histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{job="backend"}[5m]))) > 1"#,
    },
    Def {
        started: 14 * 60,
        pending_for: 0,
        flaps: false,
        labels: &[
            ("alertname", "KubePodCrashLooping"),
            ("severity", "warning"),
            ("namespace", "ridendine"),
            ("pod", "api-7d9f8c6b5-x2x4q"),
            ("container", "api"),
        ],
        summary: "Pod ridendine/api-7d9f8c6b5-x2x4q (api) is restarting 4 times / 10 minutes",
        description: "Last termination: OOMKilled, exit code 137.",
        runbook: "docs/runbooks/restart-service.md",
        expr: r#"increase(kube_pod_container_status_restarts_total{namespace="ridendine"}[15m]) > 3"#,
    },
    Def {
        started: 12 * 60,
        pending_for: 0,
        flaps: false,
        labels: &[
            ("alertname", "ServiceDown"),
            ("severity", "critical"),
            ("job", "dispatch"),
            ("instance", "dispatch:3002"),
            ("namespace", "ridendine"),
            ("deployment", "dispatch"),
        ],
        summary: "dispatch is down",
        description: "Target dispatch:3002 has been unreachable for more than 1 minute.",
        runbook: "docs/runbooks/restart-service.md",
        expr: r#"up == 0"#,
    },
    Def {
        started: 9 * 60,
        pending_for: 0,
        flaps: false,
        labels: &[
            ("alertname", "ServiceDown"),
            ("severity", "critical"),
            ("job", "routing"),
            ("instance", "routing:3003"),
            ("namespace", "ridendine"),
            ("deployment", "routing"),
        ],
        summary: "routing is down",
        description: "Target routing:3003 has been unreachable for more than 1 minute.",
        runbook: "docs/runbooks/restart-service.md",
        expr: r#"up == 0"#,
    },
    Def {
        started: 7 * 60,
        pending_for: 0,
        flaps: false,
        labels: &[
            ("alertname", "PostgresDown"),
            ("severity", "critical"),
            ("job", "postgres"),
            ("instance", "postgres-exporter:9187"),
            ("container", "ridendine-postgres"),
        ],
        summary: "PostgreSQL is not answering on ridendine-postgres",
        description: "pg_up == 0 for 1 minute: the exporter cannot connect to the database.",
        runbook: "docs/runbooks/restore-database.md",
        expr: r#"pg_up == 0"#,
    },
    Def {
        started: 3 * 3600,
        pending_for: 0,
        flaps: false,
        labels: &[
            ("alertname", "DiskSpaceLow"),
            ("severity", "warning"),
            ("job", "node"),
            ("instance", "db-1:9100"),
            ("mountpoint", "/var/lib/postgresql"),
        ],
        summary: "Disk /var/lib/postgresql on db-1 is 91% full",
        description: "Less than 10% free space left; at the current rate it fills in 9 hours.",
        runbook: "docs/runbooks/restore-database.md",
        expr: r#"node_filesystem_avail_bytes / node_filesystem_size_bytes < 0.1"#,
    },
    Def {
        started: 2 * 60,
        pending_for: 5 * 60 + HISTORY_MINUTES * 60,
        flaps: false,
        labels: &[
            ("alertname", "HighMemoryUsage"),
            ("severity", "warning"),
            ("job", "realtime"),
            ("namespace", "ridendine"),
            ("deployment", "realtime"),
        ],
        summary: "realtime uses 88% of its memory limit",
        description: "container_memory_working_set_bytes / limit > 0.85 (pending for 5m).",
        runbook: "docs/runbooks/restart-service.md",
        expr: r#"container_memory_working_set_bytes{namespace="ridendine"} / container_spec_memory_limit_bytes > 0.9"#,
    },
    Def {
        started: 26 * 3600,
        pending_for: 0,
        flaps: false,
        labels: &[
            ("alertname", "DRDrillOverdue"),
            ("severity", "info"),
            ("job", "backup-coordinator"),
        ],
        summary: "Last disaster-recovery drill ran 97 days ago (policy: every 90 days)",
        description: "Schedule the quarterly restore drill.",
        runbook: "docs/runbooks/dr-drill.md",
        expr: r#"time() - dr_drill_last_success_timestamp_seconds > 90 * 86400"#,
    },
];

struct State {
    session_start: Timestamp,
    silences: Vec<Silence>,
    next_id: u64,
}

fn labels(pairs: &[(&str, &str)]) -> Labels {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn at(base: Timestamp, secs: i64) -> Timestamp {
    Timestamp::from_second(base.as_second() + secs).unwrap_or(base)
}

impl State {
    fn new(now: Timestamp) -> Self {
        let sil =
            |id: &str, ms: &[(&str, &str)], state, by: &str, comment: &str, s: i64, e: i64| {
                Silence {
                    id: id.into(),
                    matchers: ms
                        .iter()
                        .map(|(k, v)| super::matcher::Matcher::eq(k, v))
                        .collect(),
                    state,
                    created_by: by.into(),
                    comment: comment.into(),
                    starts_at: Some(at(now, s)),
                    ends_at: Some(at(now, e)),
                    alertmanager: AM.into(),
                }
            };
        Self {
            session_start: now,
            silences: vec![
                sil(
                    "4b1e7c2a-9f0d-4e55-8a61-2f3c9d7e1a01",
                    &[("alertname", "DiskSpaceLow"), ("instance", "db-1:9100")],
                    SilenceState::Active,
                    "bob@ops-bastion",
                    "disk expansion scheduled tonight (OPS-412)",
                    -3600,
                    3 * 3600,
                ),
                sil(
                    "8c0f2d11-47a3-4b9e-b1d2-6e5a4c3b2f02",
                    &[("job", "node")],
                    SilenceState::Pending,
                    "carol@ops-bastion",
                    "kernel patching window",
                    6 * 3600,
                    8 * 3600,
                ),
                sil(
                    "1d9a6b3e-2c7f-4f08-9e4d-7b2c1a0f9e03",
                    &[("alertname", "HighLatency"), ("deployment", "api")],
                    SilenceState::Expired,
                    "alice@laptop",
                    "load test in staging hit prod metrics",
                    -5 * 3600,
                    -2 * 3600,
                ),
            ],
            next_id: 1,
        }
    }

    /// Silence states as they stand at `now`.
    fn settle(&mut self, now: Timestamp) {
        for s in &mut self.silences {
            let (start, end) = (s.starts_at.unwrap_or(now), s.ends_at.unwrap_or(now));
            s.state = if end <= now {
                SilenceState::Expired
            } else if start > now {
                SilenceState::Pending
            } else {
                SilenceState::Active
            };
        }
    }

    /// What Prometheus (`with_pending`) or Alertmanager would report at `t`.
    fn alerts(&self, t: Timestamp, with_pending: bool) -> Vec<Alert> {
        let mut out = Vec::new();
        for d in DEFS {
            let start = at(self.session_start, -d.started);
            // A flapping alert resolves for 2 of every 10 minutes, counted
            // from the session start (not the wall clock) so that the first
            // minutes of every demo — and every snapshot of it — look alike.
            let session_secs = t.as_second() - self.session_start.as_second();
            if t < start || (d.flaps && (session_secs.div_euclid(120)).rem_euclid(5) == 4) {
                continue;
            }
            let firing = t.as_second() - start.as_second() >= d.pending_for;
            if !firing && !with_pending {
                continue;
            }
            let mut a = Alert::new(
                labels(d.labels),
                if firing {
                    AlertState::Firing
                } else {
                    AlertState::Pending
                },
            );
            a.annotations = labels(&[
                ("summary", d.summary),
                ("description", d.description),
                ("runbook_url", d.runbook),
            ]);
            a.active_at = Some(start);
            a.expr = Some(d.expr.to_string());
            if firing {
                a.silenced_by = self
                    .silences
                    .iter()
                    .filter(|s| s.state == SilenceState::Active && s.matches(&a.labels))
                    .map(|s| s.id.clone())
                    .collect();
                if !a.silenced_by.is_empty() && !with_pending {
                    a.state = AlertState::Silenced;
                }
            }
            out.push(a);
        }
        out
    }

    fn snapshot(&mut self, kind: SourceKind, t: Timestamp) -> Snapshot {
        self.settle(t);
        let name = if kind == SourceKind::Prometheus {
            PROM
        } else {
            AM
        };
        let mut snap = Snapshot::new(SourceId::new(kind, name), t);
        snap.alerts = self.alerts(t, kind == SourceKind::Prometheus);
        if kind == SourceKind::Alertmanager {
            snap.silences = self.silences.clone();
        } else {
            snap.rules_total = 24;
            snap.broken_rules = vec![BrokenRule {
                group: "redis.rules".into(),
                name: "redis:memory_used:ratio".into(),
                health: "err".into(),
                last_error:
                    "vector contains metrics with the same labelset after applying rule labels"
                        .into(),
            }];
        }
        snap
    }
}

type Shared = Arc<Mutex<State>>;

fn lock(s: &Shared) -> std::sync::MutexGuard<'_, State> {
    s.lock().unwrap_or_else(|p| p.into_inner())
}

struct DemoPoller {
    kind: SourceKind,
    state: Shared,
}

#[async_trait::async_trait]
impl Poll for DemoPoller {
    async fn poll(&self) -> Result<(Snapshot, String), ClientError> {
        Ok((
            lock(&self.state).snapshot(self.kind, Timestamp::now()),
            DEMO_DETAIL.to_string(),
        ))
    }

    fn history(&self) -> Vec<Snapshot> {
        let mut st = lock(&self.state);
        let now = st.session_start;
        (1..=HISTORY_MINUTES)
            .rev()
            .map(|m| st.snapshot(self.kind, at(now, -m * 60)))
            .collect()
    }

    fn hint(&self, _error: &ClientError) -> String {
        "demo sources never fail".into()
    }
}

struct DemoAm {
    state: Shared,
    nudge: Arc<Notify>,
}

#[async_trait::async_trait]
impl AmApi for DemoAm {
    fn names(&self) -> Vec<String> {
        vec![AM.into()]
    }

    async fn alerts(&self, _am: &str) -> Result<Vec<Alert>, SilenceError> {
        let mut st = lock(&self.state);
        let now = Timestamp::now();
        st.settle(now);
        Ok(st.alerts(now, false))
    }

    async fn silences(&self, _am: &str) -> Result<Vec<Silence>, SilenceError> {
        let mut st = lock(&self.state);
        st.settle(Timestamp::now());
        Ok(st.silences.clone())
    }

    async fn create(&self, am: &str, s: &PostableSilence) -> Result<String, SilenceError> {
        let mut st = lock(&self.state);
        let id = format!(
            "demo-{:04}-{}",
            st.next_id,
            Timestamp::now().as_second() % 100_000
        );
        st.next_id += 1;
        st.silences.push(Silence {
            id: id.clone(),
            matchers: s.matchers.iter().map(|m| m.to_matcher()).collect(),
            state: SilenceState::Active,
            created_by: s.created_by.clone(),
            comment: s.comment.clone(),
            starts_at: s.starts_at.parse().ok(),
            ends_at: s.ends_at.parse().ok(),
            alertmanager: am.into(),
        });
        Ok(id)
    }

    async fn expire(&self, am: &str, id: &str) -> Result<(), SilenceError> {
        let mut st = lock(&self.state);
        let now = Timestamp::now();
        let s =
            st.silences
                .iter_mut()
                .find(|s| s.id == id)
                .ok_or_else(|| SilenceError::NotFound {
                    id: id.to_string(),
                    on: vec![am.to_string()],
                    errors: Vec::new(),
                })?;
        s.ends_at = Some(now);
        if s.starts_at.is_none_or(|x| x > now) {
            s.starts_at = Some(now);
        }
        st.settle(now);
        Ok(())
    }

    fn changed(&self, _am: &str) {
        self.nudge.notify_waiters();
        self.nudge.notify_one();
    }
}

pub fn backend() -> Backend<Update, Command> {
    let state: Shared = Arc::new(Mutex::new(State::new(Timestamp::now())));
    let nudge = Arc::new(Notify::new());
    let worker = |kind, nudge| {
        Box::new(PollWorker::new(
            SourceId::new(
                kind,
                if kind == SourceKind::Prometheus {
                    PROM
                } else {
                    AM
                },
            ),
            POLL,
            DemoPoller {
                kind,
                state: state.clone(),
            },
            nudge,
        )) as crate::source::DynWorker<crate::alerts::Update, crate::alerts::Command>
    };
    Backend {
        // Both demo workers wake on a change: the Prometheus view of pending
        // alerts does not change, but it keeps the two snapshots in step.
        workers: vec![
            worker(SourceKind::Prometheus, nudge.clone()),
            worker(SourceKind::Alertmanager, nudge.clone()),
        ],
        actions: Some(Arc::new(SilenceHandler::new(DemoAm {
            state: state.clone(),
            nudge,
        }))),
        idle: Vec::new(),
    }
}
