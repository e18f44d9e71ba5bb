//! The runbooks in docs/runbooks: each lints, and each runs to completion
//! against a simulated estate (a test-local action handler registered on the
//! action door), a loopback health endpoint, and a real PostgreSQL server.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};
use warroom::action::{
    ActionHandler, ActionOutcome, ActionSpec, Actions, Confirm, Domain, Preview, Progress,
};
use warroom::runbook::journal::{self, Entry};
use warroom::runbook::session::Session;

fn shipped(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("docs/runbooks")
        .join(name)
}

const ALL: [&str; 4] = [
    "restart-service.md",
    "rollback-deployment.md",
    "restore-database.md",
    "dr-drill.md",
];

#[test]
fn every_shipped_runbook_lints_clean() {
    for name in ALL {
        let rb = warroom::runbook::parse::load(&shipped(name)).unwrap_or_else(|e| panic!("{e}"));
        assert!(rb.steps.len() >= 4, "{name}");
        assert!(rb.meta.rto.is_some(), "{name} states its RTO");
    }
    let rto = |n| warroom::runbook::parse::load(&shipped(n)).unwrap().meta;
    assert_eq!(
        rto("rollback-deployment.md").rto,
        Some(std::time::Duration::from_secs(1800))
    );
    let m = rto("restore-database.md");
    assert_eq!(m.rto, Some(std::time::Duration::from_secs(7200)));
    assert_eq!(m.rpo, Some(std::time::Duration::from_secs(900)));
}

/// The simulated estate: records every action, answers like the real handlers
/// (typed confirmation for restores, a restore point time).
#[derive(Default)]
struct Estate {
    done: Mutex<Vec<String>>,
}

#[async_trait::async_trait]
impl ActionHandler for Estate {
    async fn preview(&self, spec: &ActionSpec) -> Result<Preview, warroom::action::ActionError> {
        let mut p = Preview::new(format!("simulated {}", spec.verb()), "test estate");
        p.confirm = match spec {
            ActionSpec::Restore { source, .. } => Confirm::Typed(source.clone()),
            ActionSpec::VerifyBackup { .. } => Confirm::None,
            _ => Confirm::Yes,
        };
        Ok(p)
    }
    async fn execute(
        &self,
        spec: &ActionSpec,
        progress: Progress,
    ) -> Result<ActionOutcome, warroom::action::ActionError> {
        progress.line(format!("simulating {spec}"));
        self.done.lock().unwrap().push(spec.to_string());
        Ok(ActionOutcome {
            summary: format!("{} done", spec.verb()),
            restore_point_time: matches!(spec, ActionSpec::Restore { .. })
                .then(|| jiff::Timestamp::now() - jiff::SignedDuration::from_mins(7)),
        })
    }
}

fn door(dir: &Path) -> (Actions, Arc<Estate>) {
    let estate = Arc::new(Estate::default());
    let mut a = Actions::new(
        warroom::audit::AuditLog::new(dir.join("audit.jsonl")),
        false,
        true,
    );
    for d in [
        Domain::Kubernetes,
        Domain::Docker,
        Domain::Alertmanager,
        Domain::Backups,
    ] {
        a.register(d, estate.clone());
    }
    (a, estate)
}

/// A loopback HTTP server answering 200 to everything (the health endpoint).
fn health_server() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/health", l.local_addr().unwrap());
    std::thread::spawn(move || {
        for mut s in l.incoming().flatten() {
            let mut buf = [0u8; 2048];
            let _ = s.read(&mut buf);
            let _ = s.write_all(
                b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n",
            );
        }
    });
    url
}

/// A throwaway PostgreSQL 15 cluster on a free loopback port; stopped on drop.
struct Postgres {
    dir: tempfile::TempDir,
    port: u16,
}

const PG_BIN: &str = "/usr/lib/postgresql/15/bin";

impl Postgres {
    fn start() -> Self {
        assert!(
            Path::new(PG_BIN).join("initdb").exists(),
            "PostgreSQL 15 server binaries are needed in {PG_BIN} (apt-get install postgresql-15)"
        );
        let dir = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let data = dir.path().join("data");
        std::fs::create_dir(&data).unwrap();
        let base = dir.path().to_path_buf();
        let run = |args: &[&str]| {
            // initdb refuses to run as root: run the server tools as postgres.
            let out = Command::new("chown")
                .args(["-R", "postgres:postgres", base.to_str().unwrap()])
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "chown: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            let out = Command::new("runuser")
                .args(["-u", "postgres", "--"])
                .args(args)
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "PostgreSQL could not start ({args:?}): {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        };
        std::fs::set_permissions(
            dir.path(),
            std::os::unix::fs::PermissionsExt::from_mode(0o755),
        )
        .unwrap();
        run(&[
            &format!("{PG_BIN}/initdb"),
            "-D",
            data.to_str().unwrap(),
            "-A",
            "trust",
            "-U",
            "postgres",
            "--no-sync",
        ]);
        let sock = base.display().to_string();
        run(&[
            &format!("{PG_BIN}/pg_ctl"),
            "-D",
            data.to_str().unwrap(),
            "-o",
            &format!("-p {port} -k {sock} -c listen_addresses=127.0.0.1 -c fsync=off"),
            "-l",
            base.join("log").to_str().unwrap(),
            "-w",
            "start",
        ]);
        Self { dir, port }
    }

    fn url(&self, db: &str) -> String {
        format!("postgresql://postgres@127.0.0.1:{}/{db}", self.port)
    }

    fn psql(&self, db: &str, sql: &str) -> String {
        let out = Command::new("psql")
            .args([&self.url(db), "-v", "ON_ERROR_STOP=1", "-Atc", sql])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "psql {sql}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let _ = Command::new("runuser")
            .args(["-u", "postgres", "--", &format!("{PG_BIN}/pg_ctl"), "-D"])
            .arg(self.dir.path().join("data"))
            .args(["-m", "immediate", "stop"])
            .output();
    }
}

/// Run a shipped runbook headless with `--yes` through the given door;
/// returns the finished journal.
fn run(name: &str, params: &[(&str, String)], actions: &Actions, data: &Path) -> journal::Loaded {
    let rb = warroom::runbook::parse::load(&shipped(name)).unwrap();
    let given: Vec<(String, String)> = params
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    let values: BTreeMap<String, String> =
        warroom::runbook::subst::resolve(&rb.params, &given).unwrap_or_else(|e| panic!("{e}"));
    let dir = data.join("journals");
    let session = Session::start(rb, values, &dir).unwrap();
    let path = session.journal.path.clone();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (out, printed) = warroom::out::Out::capture();
    let code = rt
        .block_on(warroom::headless::runbook::walk(
            session, actions, true, &out,
        ))
        .unwrap();
    let loaded = journal::load(&path).unwrap();
    assert_eq!(
        code,
        std::process::ExitCode::SUCCESS,
        "{name} did not complete:\n{}{}\n{}",
        printed.stdout.text(),
        printed.stderr.text(),
        warroom::runbook::export::markdown(&loaded)
    );
    assert_eq!(loaded.finished(), Some("completed"), "{name}");
    loaded
}

fn actions_in(l: &journal::Loaded) -> Vec<String> {
    l.entries
        .iter()
        .filter_map(|e| match e {
            Entry::Action {
                command, ok: true, ..
            } => Some(command.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn restart_service_and_rollback_complete_in_the_simulated_estate() {
    let tmp = tempfile::tempdir().unwrap();
    let (door, estate) = door(tmp.path());
    let health = health_server();
    let l = run(
        "restart-service.md",
        &[
            ("container", "toolboxai-backend-1".into()),
            ("health_url", health.clone()),
        ],
        &door,
        tmp.path(),
    );
    assert_eq!(
        actions_in(&l),
        [
            "silence 'alertname=ServiceDown' 'container=toolboxai-backend-1' --duration 30m --comment 'restart in progress (runbook restart-service)'",
            "restart container/toolboxai-backend-1",
        ]
    );
    let l = run(
        "rollback-deployment.md",
        &[("health_url", health)],
        &door,
        tmp.path(),
    );
    assert_eq!(
        actions_in(&l),
        ["rollout-undo deployment/backend -n toolboxai"]
    );
    let md = warroom::runbook::export::markdown(&l);
    assert!(md.contains("(target 30m: met)"), "{md}");
    // Every action went through the door, so the audit log has them with the run as origin.
    let audit = std::fs::read_to_string(tmp.path().join("audit.jsonl")).unwrap();
    assert!(
        audit.contains(&format!("\"origin\":\"runbook:{}\"", l.run_id())),
        "{audit}"
    );
    assert_eq!(estate.done.lock().unwrap().len(), 3);
}

#[test]
fn restore_database_and_the_dr_drill_complete_against_real_postgres() {
    let tmp = tempfile::tempdir().unwrap();
    let (door, estate) = door(tmp.path());
    let health = health_server();
    let pg = Postgres::start();
    // The "restored" database the check inspects.
    pg.psql(
        "postgres",
        "create table orders (id int primary key, total numeric)",
    );
    let l = run(
        "restore-database.md",
        &[
            ("database_url", pg.url("postgres")),
            ("health_url", health.clone()),
        ],
        &door,
        tmp.path(),
    );
    assert_eq!(
        actions_in(&l),
        [
            "scale deployment/backend -n toolboxai --replicas 0",
            "verify-backup postgres",
            "restore postgres",
            "scale deployment/backend -n toolboxai --replicas 3",
        ]
    );
    let journal_text = std::fs::read_to_string(&l.path).unwrap();
    assert!(
        !journal_text.contains(&pg.url("postgres")),
        "the secret URL is never journaled"
    );
    let md = warroom::runbook::export::markdown(&l);
    assert!(md.contains("Achieved RPO (restore point"), "{md}");
    assert!(md.contains("(target 15m: met)"), "{md}");
    assert!(md.contains("(target 2h: met)"), "{md}");

    // The drill restores the newest dump into a scratch database for real.
    let backups = tmp.path().join("backups");
    std::fs::create_dir(&backups).unwrap();
    let sql = "create table customers (id int primary key, name text);\ninsert into customers values (1, 'ada'), (2, 'grace');\n";
    let gz = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "printf %s \"$SQL\" | gzip > {}/app_20260131_143000.sql.gz",
            backups.display()
        ))
        .env("SQL", sql)
        .status()
        .unwrap();
    assert!(gz.success());
    pg.psql("postgres", "create database scratch");
    let l = run(
        "dr-drill.md",
        &[
            ("backup_dir", backups.display().to_string()),
            ("scratch_url", pg.url("scratch")),
            ("health_url", health),
        ],
        &door,
        tmp.path(),
    );
    assert_eq!(pg.psql("scratch", "select count(*) from customers"), "2");
    assert_eq!(
        actions_in(&l),
        [
            "verify-backup postgres",
            "restart container/toolboxai-backend-1"
        ]
    );
    assert_eq!(estate.done.lock().unwrap().len(), 6);
}

/// The copies `--demo` writes (src/runbook/demo): one per shipped runbook,
/// labelled DEMO, lint clean, and running nothing the simulated estate lacks.
#[test]
fn every_shipped_runbook_has_a_demo_copy_that_needs_no_real_estate() {
    let demo = warroom::runbook::worker::DEMO_RUNBOOKS;
    assert_eq!(
        demo.iter().map(|(n, _)| *n).collect::<Vec<_>>(),
        ALL,
        "one demo copy per shipped runbook"
    );
    let tmp = tempfile::tempdir().unwrap();
    for (name, text) in demo {
        let p = tmp.path().join(name);
        std::fs::write(&p, text).unwrap();
        let rb = warroom::runbook::parse::load(&p).unwrap_or_else(|e| panic!("{e}"));
        let real = warroom::runbook::parse::load(&shipped(name)).unwrap();
        assert_eq!(rb.meta.title, format!("{} (DEMO)", real.meta.title));
        assert_eq!((rb.meta.rto, rb.meta.rpo), (real.meta.rto, real.meta.rpo));
        assert!(rb.intro.contains("DEMO:"), "{name} says what is simulated");
        // Every param has a default that names something in the demo estate.
        assert!(rb.params.iter().all(|p| p.default.is_some()), "{name}");
        for b in rb.steps.iter().flat_map(|s| s.runnable()) {
            for tool in ["docker", "curl", "psql", "kubectl", "true"] {
                assert!(
                    !b.body.split_whitespace().any(|w| w == tool),
                    "{name}:{}: the demo has no `{tool}` (and checks fake nothing)",
                    b.line
                );
            }
            assert!(!b.body.contains("exit 0"), "{name}:{}", b.line);
        }
    }
}
