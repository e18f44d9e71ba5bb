//! The simulated backup estate for `--demo`, modelled on the seeds: PostgreSQL
//! dumps `app_YYYYMMDD_HHMMSS.sql.gz` every 15 minutes (one source stale, in
//! breach of its RPO), a restic files repository and a Kubernetes CronJob.
//! New dumps "arrive" on schedule; verify and restore act on the simulation.

use super::model::{Failure, RestorePoint, SourceData, Verification};
use super::plan::{self, VerifyPlan};
use super::{Command, Update};
use crate::action::{ActionHandler, ActionOutcome, ActionSpec, Preview, Progress};
use crate::config::{BackupKind, BackupSource};
use crate::source::{Backend, Probe, SourceId, SourceKind, SourceStatus, Worker, WorkerCtx};
use jiff::{SignedDuration, Timestamp};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The dump in the stale source that fails verification (a truncated upload).
pub const CORRUPT_POINT: &str = "app_corrupt";

struct Sim {
    cfg: BackupSource,
    data: SourceData,
    /// New points arrive this often (None: the job is broken, nothing arrives).
    period: Option<SignedDuration>,
}

type State = Arc<Mutex<Vec<Sim>>>;

fn mins(m: i64) -> SignedDuration {
    SignedDuration::from_mins(m)
}

fn src(name: &str, rpo_mins: u64, kind: BackupKind) -> BackupSource {
    BackupSource {
        name: name.into(),
        rpo: Duration::from_secs(rpo_mins * 60),
        kind,
        verify: None,
        restore: None,
        pre_restore: None,
        target: None,
    }
}

fn dump_name(t: Timestamp) -> String {
    format!("app_{}.sql.gz", t.strftime("%Y%m%d_%H%M%S"))
}

fn dump(dir: &str, t: Timestamp, i: usize) -> RestorePoint {
    let name = dump_name(t);
    let mut p = RestorePoint::ok(name.clone(), t);
    // A database that grows a little every day, with a nightly vacuum dip.
    p.size = Some(40 * 1024 * 1024 + i as u64 * 45_000 + (i as u64 * 7919 % 150_000));
    p.path = Some(format!("{dir}/{name}").into());
    p
}

/// Round down to the quarter hour, as a cron schedule would run.
fn quarter(t: Timestamp) -> Timestamp {
    let s = t.as_second();
    Timestamp::from_second(s - s.rem_euclid(900)).unwrap_or(t)
}

fn build(now: Timestamp) -> Vec<Sim> {
    let mut out = Vec::new();
    // 1. The orders database: dumps every 15 minutes, 2 days kept, fresh.
    let dir = "/var/backups/postgres";
    let mut cfg = src(
        "postgres-orders",
        15,
        BackupKind::Directory {
            path: dir.into(),
            pattern: "app_*.sql.gz".into(),
            time_format: None,
        },
    );
    cfg.restore = Some("gunzip -c {path} | psql -h db.shop.internal -d orders".into());
    cfg.pre_restore = Some(
        "pg_dump -h db.shop.internal -d orders | gzip > /var/backups/postgres/pre-restore.sql.gz"
            .into(),
    );
    cfg.target = Some("postgres orders@db.shop.internal".into());
    let mut d = SourceData::new(&cfg.name, "directory", cfg.rpo);
    d.location = format!("{dir}/app_*.sql.gz");
    let last = quarter(now);
    d.points = (0..192)
        .map(|i| dump(dir, last - mins(15 * i as i64), 192 - i))
        .collect();
    d.verification = Some(Verification {
        at: now - mins(130),
        point: dump_name(last - mins(135)),
        ok: true,
        message: format!(
            "{}: gzip stream intact (212.4 MiB uncompressed)",
            dump_name(last - mins(135))
        ),
    });
    d.normalise();
    out.push(Sim {
        cfg,
        data: d,
        period: Some(mins(15)),
    });

    // 2. Analytics: the dump job broke 3 hours ago (RPO 1h: breach).
    let dir = "/var/backups/analytics";
    let mut cfg = src(
        "postgres-analytics",
        60,
        BackupKind::Directory {
            path: dir.into(),
            pattern: "app_*.sql.gz".into(),
            time_format: None,
        },
    );
    cfg.restore = Some("gunzip -c {path} | psql -h analytics-db.internal -d analytics".into());
    cfg.target = Some("postgres analytics@analytics-db.internal".into());
    let mut d = SourceData::new(&cfg.name, "directory", cfg.rpo);
    d.location = format!("{dir}/app_*.sql.gz");
    let newest = quarter(now) - mins(190);
    d.points = (0..48)
        .map(|i| dump(dir, newest - mins(60 * i as i64), 48 - i))
        .collect();
    let mut corrupt = dump(dir, newest - mins(60 * 48), 0);
    corrupt.id = CORRUPT_POINT.to_string();
    d.points.push(corrupt);
    for k in 1..=3 {
        let mut empty = RestorePoint::ok(dump_name(newest + mins(60 * k)), newest + mins(60 * k));
        empty.ok = false;
        empty.size = Some(0);
        empty.message = Some("empty file".into());
        d.points.push(empty);
    }
    d.failure = Some(Failure {
        at: newest + mins(180),
        message: "pg_dump: error: connection to server at \"analytics-db.internal\" (10.0.4.12), port 5432 failed: Connection refused".into(),
    });
    d.normalise();
    out.push(Sim {
        cfg,
        data: d,
        period: None,
    });

    // 3. Files in restic, every 4 hours.
    let mut cfg = src(
        "files",
        240,
        BackupKind::Restic {
            repository: "sftp:backup@vault.internal:/srv/restic/files".into(),
            password_file: "/run/secrets/restic-files".into(),
            read_data_subset: Some("5%".into()),
        },
    );
    cfg.target = Some("/srv/files".into());
    let mut d = SourceData::new(&cfg.name, "restic", cfg.rpo);
    d.location = "restic sftp:backup@vault.internal:/srv/restic/files".into();
    let newest = now - mins(62);
    d.points = (0..42)
        .map(|i| {
            let t = newest - mins(240 * i as i64);
            let mut p = RestorePoint::ok(
                format!("{:08x}", 0x4f2a_9c1e_u32.wrapping_mul(i as u32 + 7)),
                t,
            );
            p.size = Some(3_200_000_000 + (42 - i as u64) * 11_000_000);
            p.message = Some("files-1 /srv/files".into());
            p
        })
        .collect();
    d.verification = Some(Verification {
        at: now - mins(20 * 60),
        point: "repository".into(),
        ok: true,
        message: "restic check: no errors were found".into(),
    });
    d.normalise();
    out.push(Sim {
        cfg,
        data: d,
        period: Some(mins(240)),
    });

    // 4. A Kubernetes CronJob whose last run failed: near its RPO.
    let cfg = src(
        "orders-db-cronjob",
        60,
        BackupKind::Cronjob {
            namespace: "shop".into(),
            cronjob: "orders-db-backup".into(),
            context: None,
        },
    );
    let mut d = SourceData::new(&cfg.name, "cronjob", cfg.rpo);
    d.location = "cronjob shop/orders-db-backup".into();
    let last_ok = now - mins(51);
    d.points = (0..3)
        .map(|i| {
            RestorePoint::ok(
                format!("orders-db-backup-{}", 29_475_840 - i * 60),
                last_ok - mins(60 * i as i64),
            )
        })
        .collect();
    let mut failed = RestorePoint::ok("orders-db-backup-29475900", now - mins(8));
    failed.ok = false;
    failed.message =
        Some("BackoffLimitExceeded: Job has reached the specified backoff limit".into());
    d.points.push(failed);
    d.flags
        .push("scheduled 11m ago but not succeeded (not succeeded since 51m ago)".into());
    d.normalise();
    out.push(Sim {
        cfg,
        data: d,
        period: None,
    });
    out
}

/// Let time pass: sources with a schedule gain the points that are now due.
fn advance(sim: &mut Sim, now: Timestamp) {
    let Some(period) = sim.period else { return };
    let Some(newest) = sim.data.newest_good().cloned() else {
        return;
    };
    let mut t = newest.time + period;
    let mut i = sim.data.points.len();
    while t <= now {
        let mut p = newest.clone();
        if sim.data.kind == "directory" {
            p = dump("/var/backups/postgres", t, i);
        } else {
            p.id = format!("{:08x}", (t.as_second() as u32).wrapping_mul(2_654_435_761));
            p.time = t;
        }
        sim.data.points.insert(0, p);
        i += 1;
        t += period;
    }
}

struct DemoWorker {
    index: usize,
    name: String,
    state: State,
    poke: Arc<tokio::sync::Notify>,
}

#[async_trait::async_trait]
impl Worker for DemoWorker {
    type Update = crate::backups::Update;
    type Command = crate::backups::Command;

    fn id(&self) -> SourceId {
        SourceId::new(SourceKind::Backups, self.name.clone())
    }

    async fn run(self: Box<Self>, mut ctx: WorkerCtx<Self::Update, Self::Command>) {
        let id = self.id();
        let mut first = true;
        loop {
            let data = {
                let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
                let sim = &mut st[self.index];
                advance(sim, Timestamp::now());
                sim.data.clone()
            };
            if ctx
                .updates
                .send(Update::Source(Box::new(data)))
                .await
                .is_err()
            {
                return;
            }
            if first {
                let detail = crate::demo::DEMO_DETAIL.to_string();
                if !ctx.status(&id, SourceStatus::Connected { detail }).await {
                    return;
                }
                first = false;
            }
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_secs(30)) => {}
                _ = self.poke.notified() => {}
                c = ctx.commands.recv() => match c {
                    Some(Command::Rescan { .. }) => {}
                    None => {
                        tokio::time::sleep(Duration::from_secs(30)).await;
                    }
                },
            }
        }
    }

    async fn probe(&self) -> Probe {
        Probe {
            source: self.id().to_string(),
            ok: true,
            detail: crate::demo::DEMO_DETAIL.into(),
            hint: String::new(),
        }
    }
}

pub struct DemoActions {
    state: State,
    pokes: Vec<Arc<tokio::sync::Notify>>,
}

impl DemoActions {
    fn with<T>(
        &self,
        source: &str,
        f: impl FnOnce(&mut Sim) -> Result<T, super::actions::BackupActionError>,
    ) -> Result<T, crate::action::ActionError> {
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let sim = st
            .iter_mut()
            .find(|s| s.cfg.name == source)
            .ok_or_else(|| {
                crate::action::ActionError::NotFound(format!(
                    "no [[backups]] source named {source:?} in the demo estate"
                ))
            })?;
        Ok(f(sim)?)
    }

    fn poke_all(&self) {
        for p in &self.pokes {
            p.notify_one();
        }
    }
}

#[async_trait::async_trait]
impl ActionHandler for DemoActions {
    async fn preview(&self, spec: &ActionSpec) -> Result<Preview, crate::action::ActionError> {
        let now = Timestamp::now();
        match spec {
            ActionSpec::VerifyBackup { source, point } => self.with(source, |sim| {
                Ok(
                    match plan::plan_verify(&sim.cfg, &sim.data, point.as_deref()) {
                        Ok(p) => plan::verify_preview(&sim.cfg, &p),
                        Err(e) => super::actions::blocked(format!("Verify {source}"), source, &e),
                    },
                )
            }),
            ActionSpec::Restore { source, point } => self.with(source, |sim| {
                advance(sim, now);
                Ok(
                    match plan::plan_restore(&sim.cfg, &sim.data, point.as_deref()) {
                        Ok(p) => plan::restore_preview(&sim.cfg, &p, now),
                        Err(e) => super::actions::blocked(format!("Restore {source}"), source, &e),
                    },
                )
            }),
            other => Err(crate::action::ActionError::Unsupported {
                handler: "backups",
                verb: other.verb(),
            }),
        }
    }

    async fn execute(
        &self,
        spec: &ActionSpec,
        progress: Progress,
    ) -> Result<ActionOutcome, crate::action::ActionError> {
        let now = Timestamp::now();
        let result = match spec {
            ActionSpec::VerifyBackup { source, point } => self.with(source, |sim| {
                let plan = plan::plan_verify(&sim.cfg, &sim.data, point.as_deref())?;
                let (label, res) = match plan {
                    VerifyPlan::Restic { subset } => {
                        progress.line(format!(
                            "$ restic check --read-data-subset={}",
                            subset.unwrap_or_default()
                        ));
                        progress.line(
                            "using temporary cache in /tmp/restic-check-cache-1234".to_string(),
                        );
                        progress.line("check snapshots, trees and blobs".to_string());
                        (
                            "repository".to_string(),
                            Ok("restic check: no errors were found".to_string()),
                        )
                    }
                    VerifyPlan::File { point, .. } | VerifyPlan::Command { point, .. } => {
                        let res = if point.id == CORRUPT_POINT {
                            Err(super::actions::VerifyFailure::File(
                                super::directory::VerifyFileError::Gzip {
                                    name: point.id.clone(),
                                    reason: "unexpected end of file".into(),
                                },
                            ))
                        } else {
                            Ok(format!(
                                "{}: gzip stream intact (212.4 MiB uncompressed)",
                                point.id
                            ))
                        };
                        (point.id, res)
                    }
                };
                sim.data.verification = Some(Verification {
                    at: now,
                    point: label,
                    ok: res.is_ok(),
                    message: match &res {
                        Ok(m) => m.clone(),
                        Err(e) => e.to_string(),
                    },
                });
                let msg = res?;
                progress.line(msg.clone());
                Ok(ActionOutcome {
                    summary: format!("verified {source}: {msg}"),
                    restore_point_time: None,
                })
            }),
            ActionSpec::Restore { source, point } => self.with(source, |sim| {
                let plan = plan::plan_restore(&sim.cfg, &sim.data, point.as_deref())?;
                if let Some(pre) = &plan.pre_restore {
                    progress.line(format!("$ {pre}"));
                    progress.line("safety backup done".to_string());
                }
                progress.line(format!("$ {}", plan.command));
                for l in [
                    "SET",
                    "DROP TABLE",
                    "CREATE TABLE",
                    "COPY 48213",
                    "COPY 1920",
                    "ALTER TABLE",
                    "CREATE INDEX",
                ] {
                    progress.line(l.to_string());
                }
                Ok(ActionOutcome {
                    summary: format!(
                        "restored {source} from {} (captured {}), exit code 0 (DEMO: simulated)",
                        plan.point.id,
                        plan.point.time.strftime("%Y-%m-%d %H:%M:%S UTC")
                    ),
                    restore_point_time: Some(plan.point.time),
                })
            }),
            other => Err(crate::action::ActionError::Unsupported {
                handler: "backups",
                verb: other.verb(),
            }),
        };
        self.poke_all();
        result
    }
}

pub fn backend() -> Backend<Update, Command> {
    let state: State = Arc::new(Mutex::new(build(Timestamp::now())));
    let names: Vec<String> = state
        .lock()
        .map(|s| s.iter().map(|x| x.cfg.name.clone()).collect())
        .unwrap_or_default();
    let pokes: Vec<Arc<tokio::sync::Notify>> = names.iter().map(|_| Arc::default()).collect();
    let workers = names
        .into_iter()
        .enumerate()
        .map(|(index, name)| {
            Box::new(DemoWorker {
                index,
                name,
                state: state.clone(),
                poke: pokes[index].clone(),
            })
                as crate::source::DynWorker<crate::backups::Update, crate::backups::Command>
        })
        .collect();
    Backend {
        workers,
        actions: Some(Arc::new(DemoActions { state, pokes })),
        idle: Vec::new(),
    }
}

/// The demo sources as they stand at `now` (pane snapshot tests).
pub fn sources_at(now: Timestamp) -> Vec<SourceData> {
    build(now).into_iter().map(|s| s.data).collect()
}
