//! A real PostgreSQL round trip: dump with `pg_dump | gzip` into a backup
//! directory, lose the data, restore it through warroom's action handler.

use crate::support::{actions, capture, config};
use std::path::{Path, PathBuf};
use std::process::Command;
use warroom::action::{ActionSpec, Confirm};

const BIN: &str = "/usr/lib/postgresql/15/bin";

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

/// Run a PostgreSQL server binary as `postgres` (initdb refuses root).
fn as_postgres(program: &str, args: &[&str]) -> std::process::Output {
    let mut cmd = if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--", &format!("{BIN}/{program}")]);
        c
    } else {
        Command::new(format!("{BIN}/{program}"))
    };
    cmd.args(args).output().unwrap_or_else(|e| {
        panic!("PostgreSQL: cannot run {program}: {e} (is postgresql-15 installed?)")
    })
}

/// A throwaway server on a free loopback port; stopped and removed on drop.
struct Pg {
    dir: tempfile::TempDir,
    port: u16,
}

impl Pg {
    fn start() -> Self {
        assert!(
            Path::new(&format!("{BIN}/initdb")).exists(),
            "PostgreSQL 15 is not installed at {BIN} (.ci/setup.d/backups.sh installs postgresql-15)"
        );
        let dir = tempfile::tempdir().unwrap();
        if is_root() {
            let st = Command::new("chown")
                .args(["-R", "postgres:postgres", dir.path().to_str().unwrap()])
                .status()
                .unwrap();
            assert!(st.success(), "chown temp dir to postgres");
        }
        let data = dir.path().join("data");
        let out = as_postgres(
            "initdb",
            &[
                "-D",
                data.to_str().unwrap(),
                "-A",
                "trust",
                "-U",
                "postgres",
                "--no-sync",
            ],
        );
        assert!(
            out.status.success(),
            "PostgreSQL initdb failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let opts = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            dir.path().display()
        );
        let log = dir.path().join("log");
        let pg = Pg { dir, port };
        let out = as_postgres(
            "pg_ctl",
            &[
                "-D",
                data.to_str().unwrap(),
                "-o",
                &opts,
                "-l",
                log.to_str().unwrap(),
                "-w",
                "start",
            ],
        );
        assert!(
            out.status.success(),
            "PostgreSQL server did not start: {} {}",
            String::from_utf8_lossy(&out.stderr),
            std::fs::read_to_string(&log).unwrap_or_default()
        );
        pg
    }

    fn conn(&self, db: &str) -> String {
        format!("-h 127.0.0.1 -p {} -U postgres -d {db}", self.port)
    }

    fn psql(&self, db: &str, sql: &str) -> String {
        let out = Command::new(format!("{BIN}/psql"))
            .args([
                "-h",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-U",
                "postgres",
                "-d",
                db,
            ])
            .args(["-v", "ON_ERROR_STOP=1", "-At", "-c", sql])
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

impl Drop for Pg {
    fn drop(&mut self) {
        let data = self.dir.path().join("data");
        let _ = as_postgres(
            "pg_ctl",
            &[
                "-D",
                data.to_str().unwrap(),
                "-m",
                "immediate",
                "-w",
                "stop",
            ],
        );
    }
}

fn shell(cmd: &str) {
    let out = Command::new("bash").args(["-c", cmd]).output().unwrap();
    assert!(
        out.status.success(),
        "{cmd}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test]
async fn postgres_dump_is_restored_through_warroom_and_the_rows_come_back() {
    let pg = Pg::start();
    pg.psql("postgres", "CREATE DATABASE shop");
    pg.psql(
        "shop",
        "CREATE TABLE orders (id int primary key, item text); \
         INSERT INTO orders VALUES (1, 'espresso'), (2, 'croissant'), (3, 'o''brien tea')",
    );

    let backups = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let t = jiff::Timestamp::now() - jiff::SignedDuration::from_mins(3);
    let name = format!("app_{}.sql.gz", t.strftime("%Y%m%d_%H%M%S"));
    let dump = backups.path().join(&name);
    shell(&format!(
        "{BIN}/pg_dump --clean --if-exists {} | gzip > {}",
        pg.conn("shop"),
        shlex::try_quote(dump.to_str().unwrap()).unwrap()
    ));

    // The incident: the data is gone.
    pg.psql(
        "shop",
        "DROP TABLE orders; CREATE TABLE orders (id int, item text)",
    );
    assert_eq!(pg.psql("shop", "SELECT count(*) FROM orders"), "0");

    let safety: PathBuf = data.path().join("pre-restore.sql.gz");
    let cfg = config(&format!(
        "[[backups]]\nname = \"shop-db\"\nkind = \"directory\"\npath = {:?}\npattern = \"app_*.sql.gz\"\nrpo = \"15m\"\n\
         restore = \"gunzip -c {{path}} | {BIN}/psql {} -v ON_ERROR_STOP=1 -q\"\n\
         pre_restore = \"{BIN}/pg_dump {} | gzip > {}\"\n\
         target = \"postgres db shop on 127.0.0.1:{}\"\n",
        backups.path().display().to_string(),
        pg.conn("shop"),
        pg.conn("shop"),
        safety.display(),
        pg.port
    ));
    let door = actions(&cfg, data.path());

    // Verification of the real dump passes (gzip read to the end).
    let verify = ActionSpec::VerifyBackup {
        source: "shop-db".into(),
        point: None,
    };
    let pv = door.preview(&verify).await.unwrap();
    door.execute(&verify, &pv, "test", capture().0)
        .await
        .unwrap();

    let spec = ActionSpec::Restore {
        source: "shop-db".into(),
        point: None,
    };
    let preview = door.preview(&spec).await.unwrap();
    assert_eq!(preview.confirm, Confirm::Typed("shop-db".into()));
    assert!(preview.to_text().contains(&name), "{}", preview.to_text());
    let (progress, lines) = capture();
    let outcome = door
        .execute(&spec, &preview, "test", progress)
        .await
        .unwrap_or_else(|e| panic!("restore failed: {e}\n{}", lines.lock().unwrap().join("\n")));

    assert_eq!(
        pg.psql(
            "shop",
            "SELECT string_agg(item, ',' ORDER BY id) FROM orders"
        ),
        "espresso,croissant,o'brien tea"
    );
    assert_eq!(
        outcome.restore_point_time.map(|t| t.as_second()),
        Some(
            jiff::Timestamp::from_second(t.as_second())
                .unwrap()
                .as_second()
        )
    );
    assert!(
        safety.metadata().unwrap().len() > 0,
        "safety backup taken before the restore"
    );
    let audit = std::fs::read_to_string(data.path().join("audit.jsonl")).unwrap();
    assert!(
        audit
            .lines()
            .last()
            .unwrap()
            .contains("\"action\":\"restore\""),
        "{audit}"
    );
    assert!(
        audit.lines().last().unwrap().contains("\"result\":\"ok\""),
        "{audit}"
    );
}
