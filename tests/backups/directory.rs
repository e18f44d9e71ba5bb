//! Directory sources: generated dumps of known ages, verification of a
//! truncated dump, restore with a hostile file name, and the headless CLI.

use crate::support::{actions, capture, config, dump_name, gzip};
use std::process::Command as Proc;
use std::time::Duration;
use tokio::sync::mpsc;
use warroom::action::{ActionError, ActionSpec, Confirm, Progress};
use warroom::backups::model::{Freshness, SourceData};
use warroom::source::Report;
use warroom::source::{SourceStatus, WorkerCtx};

fn dir_config(dir: &std::path::Path, extra: &str) -> String {
    format!(
        "[kubernetes]\nenabled = false\n[docker]\nenabled = false\n[general]\nsource_timeout = \"5s\"\n\
         [[backups]]\nname = \"pg\"\nkind = \"directory\"\npath = {:?}\npattern = \"app_*\"\nrpo = \"15m\"\n{extra}\n",
        dir.display().to_string()
    )
}

/// Wait for the next full scan of a source from a running worker.
async fn next_scan(
    rx: &mut mpsc::Receiver<Report<warroom::backups::Update>>,
) -> (SourceData, Option<SourceStatus>) {
    let mut data = None;
    loop {
        let u = tokio::time::timeout(Duration::from_secs(10), rx.recv())
            .await
            .expect("worker sent nothing within 10s")
            .expect("worker channel closed");
        match u {
            Report::Data(warroom::backups::Update::Source(d)) => {
                data = Some(*d);
                // A status follows only when it changed; give it a moment.
                if let Ok(Some(Report::Status { status, .. })) =
                    tokio::time::timeout(Duration::from_millis(300), rx.recv()).await
                {
                    return (data.unwrap(), Some(status));
                }
                return (data.unwrap(), None);
            }
            Report::Status {
                status: SourceStatus::Loading,
                ..
            } => {}
            Report::Status { status, .. } if data.is_none() => {
                panic!("status before data: {status:?}")
            }
            _ => {}
        }
    }
}

#[tokio::test]
async fn generated_dumps_of_known_ages_are_classified_against_the_rpo() {
    let dir = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let mut names = Vec::new();
    for (i, mins) in [5, 20, 35, 50].into_iter().enumerate() {
        let (name, _) = dump_name(mins);
        std::fs::write(dir.path().join(&name), gzip(&vec![b'x'; 1000 * (i + 1)])).unwrap();
        names.push(name);
    }
    let cfg = config(&dir_config(dir.path(), ""));
    let mut backend = warroom::backups::live_with(&cfg, data.path());
    let worker = backend.workers.remove(0);
    let (ctx, mut rx, ctx_tx) = WorkerCtx::detached(64);
    let task = tokio::spawn(worker.run(ctx));

    let (scan, status) = next_scan(&mut rx).await;
    assert!(
        matches!(status, Some(SourceStatus::Connected { .. })),
        "{status:?}"
    );
    let now = jiff::Timestamp::now();
    let sum = scan.summary(now);
    assert_eq!(sum.newest_id.as_deref(), Some(names[0].as_str()));
    assert_eq!(sum.freshness, Freshness::Ok);
    assert_eq!(sum.count, 4);
    assert_eq!(sum.age.unwrap().as_secs() / 60, 5);
    assert_eq!(sum.sizes.len(), 4);
    assert!(
        sum.oldest
            .is_some_and(|o| (now - o).get_seconds() / 60 == 50)
    );

    // The newest two dumps disappear: 35 minutes old against 15 → breach.
    std::fs::remove_file(dir.path().join(&names[0])).unwrap();
    std::fs::remove_file(dir.path().join(&names[1])).unwrap();
    ctx_tx
        .send(warroom::backups::Command::Rescan { source: None })
        .unwrap();
    let (scan, _) = next_scan(&mut rx).await;
    let sum = scan.summary(jiff::Timestamp::now());
    assert_eq!(sum.freshness, Freshness::Breach);
    assert_eq!(sum.newest_id.as_deref(), Some(names[2].as_str()));
    task.abort();
}

#[tokio::test]
async fn a_truncated_dump_fails_verification_by_name_and_the_result_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let body = gzip(&vec![b'y'; 200_000]);
    let (good, _) = dump_name(30);
    let (bad, _) = dump_name(2);
    std::fs::write(dir.path().join(&good), &body).unwrap();
    std::fs::write(dir.path().join(&bad), &body[..body.len() / 3]).unwrap();
    let cfg = config(&dir_config(dir.path(), ""));
    let door = actions(&cfg, data.path());

    let spec = ActionSpec::VerifyBackup {
        source: "pg".into(),
        point: None,
    };
    let preview = door.preview(&spec).await.unwrap();
    assert_eq!(preview.confirm, Confirm::None, "verification only reads");
    assert!(preview.title.contains(&bad), "{}", preview.title);
    let (progress, _) = capture();
    let err = door
        .execute(&spec, &preview, "test", progress)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains(&bad) && err.contains("gzip"), "{err}");

    // The view (a fresh scan, even after a restart) shows the failed verification.
    let backend = warroom::backups::live_with(&cfg, data.path());
    let probe = backend.workers[0].probe().await;
    assert!(probe.ok, "{}", probe.detail);
    let store = warroom::backups::store::VerificationStore::new(data.path());
    let v = store.get("pg").expect("verification recorded");
    assert!(!v.ok && v.message.contains(&bad), "{v:?}");

    let spec = ActionSpec::VerifyBackup {
        source: "pg".into(),
        point: Some(good.clone()),
    };
    let preview = door.preview(&spec).await.unwrap();
    let ok = door
        .execute(&spec, &preview, "test", Progress::discard())
        .await
        .unwrap();
    assert!(ok.summary.contains("gzip stream intact"), "{}", ok.summary);
    assert!(store.get("pg").unwrap().ok);

    let audit = std::fs::read_to_string(data.path().join("audit.jsonl")).unwrap();
    assert_eq!(audit.lines().count(), 2, "{audit}");
    assert!(audit.contains("\"result\":\"error\""), "{audit}");
}

#[tokio::test]
async fn restore_quotes_a_hostile_file_name_and_takes_a_safety_backup_first() {
    let dir = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let (name, time) = dump_name(4);
    let evil = format!("{name};touch pwned");
    std::fs::write(dir.path().join(&evil), gzip(b"CREATE TABLE t();\n")).unwrap();
    let target = out.path().join("restored.sql");
    let safety = out.path().join("safety.txt");
    let extra = format!(
        "restore = \"gunzip -c {{path}} > {{target}}\"\npre_restore = \"echo before > {}\"\ntarget = {:?}\n",
        safety.display(),
        target.display().to_string()
    );
    let cfg = config(&dir_config(dir.path(), &extra));
    let door = actions(&cfg, data.path());
    let spec = ActionSpec::Restore {
        source: "pg".into(),
        point: None,
    };
    let preview = door.preview(&spec).await.unwrap();
    assert_eq!(preview.confirm, Confirm::Typed("pg".into()));
    let text = preview.to_text();
    let quoted_path = shlex::try_quote(&dir.path().join(&evil).display().to_string())
        .unwrap()
        .into_owned();
    assert!(
        text.contains(&format!("gunzip -c {quoted_path} > ")),
        "{text}"
    );
    assert!(
        text.contains("RPO achieved if restored now: 4m (target 15m)"),
        "{text}"
    );
    assert!(text.contains(&target.display().to_string()), "{text}");
    assert!(text.contains("echo before >"), "{text}");
    // The preview changed nothing.
    assert!(!target.exists() && !safety.exists());

    let (progress, lines) = capture();
    let outcome = door
        .execute(&spec, &preview, "test", progress)
        .await
        .unwrap();
    assert_eq!(outcome.restore_point_time, Some(time));
    assert_eq!(
        std::fs::read_to_string(&target).unwrap(),
        "CREATE TABLE t();\n"
    );
    assert_eq!(std::fs::read_to_string(&safety).unwrap(), "before\n");
    assert!(
        !dir.path().join("pwned").exists(),
        "the file name ran as a command"
    );
    assert!(!std::path::Path::new("pwned").exists());
    let lines = lines.lock().unwrap().join("\n");
    let pre = lines.find("$ echo before").expect("safety backup streamed");
    let main = lines.find("$ gunzip").expect("restore streamed");
    assert!(pre < main, "{lines}");

    // The audit entry records start, end, exit code and the point's capture time.
    let e = last_audit(data.path());
    assert_eq!((e.action.as_str(), e.result.as_str()), ("restore", "ok"));
    assert_eq!(e.exit_code, Some(0));
    assert_eq!(e.restore_point_time, Some(time));
    let started = e.started.expect("start time");
    assert!(started <= e.ts, "{started} .. {}", e.ts);
}

/// The newest entry of the audit log in `data`.
fn last_audit(data: &std::path::Path) -> warroom::audit::AuditEntry {
    warroom::audit::AuditLog::new(data.join("audit.jsonl"))
        .read_all()
        .pop()
        .expect("an audit entry")
}

#[tokio::test]
async fn a_failing_safety_backup_stops_the_restore() {
    let dir = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let (name, _) = dump_name(4);
    std::fs::write(dir.path().join(&name), gzip(b"data")).unwrap();
    let target = out.path().join("restored");
    let extra = format!(
        "restore = \"gunzip -c {{path}} > {{target}}\"\npre_restore = \"echo disk full >&2; exit 4\"\ntarget = {:?}\n",
        target.display().to_string()
    );
    let cfg = config(&dir_config(dir.path(), &extra));
    let door = actions(&cfg, data.path());
    let spec = ActionSpec::Restore {
        source: "pg".into(),
        point: Some(name),
    };
    let preview = door.preview(&spec).await.unwrap();
    let err = door
        .execute(&spec, &preview, "test", Progress::discard())
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            ActionError::Command {
                exit_code: Some(4),
                ..
            }
        ),
        "the failing command's exit code: {err:?}"
    );
    let err = err.to_string();
    assert!(
        err.contains("safety backup failed, nothing was restored") && err.contains("disk full"),
        "{err}"
    );
    assert!(!target.exists());
    let e = last_audit(data.path());
    assert_eq!(e.result, "error");
    assert_eq!(e.exit_code, Some(4), "the failing command's exit code");
    assert!(e.restore_point_time.is_some() && e.started.is_some());

    // Unknown sources and points are refused with what exists.
    let err = door
        .preview(&ActionSpec::Restore {
            source: "nope".into(),
            point: None,
        })
        .await
        .unwrap_err();
    assert!(matches!(err, ActionError::NotFound(_)), "{err:?}");
    assert!(err.to_string().contains("configured: pg"), "{err}");
    let p = door
        .preview(&ActionSpec::Restore {
            source: "pg".into(),
            point: Some("gone.sql.gz".into()),
        })
        .await
        .unwrap();
    assert!(p.blocked.unwrap().contains("gone.sql.gz"));
}

fn warroom(
    cfg_path: &std::path::Path,
    data: &std::path::Path,
    args: &[&str],
) -> std::process::Output {
    Proc::new(env!("CARGO_BIN_EXE_warroom"))
        .args(["--config", cfg_path.to_str().unwrap()])
        .args(args)
        .env("WARROOM_DATA_DIR", data)
        .env_remove("KUBECONFIG")
        .env("NO_COLOR", "1")
        .output()
        .expect("run warroom")
}

#[test]
fn headless_verify_exits_non_zero_naming_the_bad_file_and_report_marks_the_breach() {
    let dir = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let body = gzip(&vec![b'z'; 100_000]);
    let (bad, _) = dump_name(40);
    std::fs::write(dir.path().join(&bad), &body[..body.len() - 20]).unwrap();
    let (good, _) = dump_name(50);
    std::fs::write(dir.path().join(&good), &body).unwrap();
    let cfg_path = data.path().join("config.toml");
    std::fs::write(
        &cfg_path,
        dir_config(
            dir.path(),
            "restore = \"gunzip -c {path} | psql -d shop\"\ntarget = \"postgres db shop\"",
        ),
    )
    .unwrap();

    let out = warroom(
        &cfg_path,
        data.path(),
        &["action", "verify-backup", &format!("pg/{bad}"), "--yes"],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success(),
        "verification of a truncated dump must fail"
    );
    assert!(stderr.contains(&bad), "stderr names the file: {stderr}");

    let out = warroom(
        &cfg_path,
        data.path(),
        &["action", "restore", "pg", "--dry-run"],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("| psql -d shop"), "{stdout}");
    // The dump that failed verification is no longer a restore point: the
    // default is the older good one.
    assert!(stdout.contains(&good) && !stdout.contains(&bad), "{stdout}");
    assert!(
        stdout.contains("RPO achieved if restored now: 50m (target 15m)"),
        "{stdout}"
    );
    assert!(stdout.contains("dry run: nothing was changed"), "{stdout}");

    let out = warroom(&cfg_path, data.path(), &["report", "--format", "json"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let v: serde_json::Value =
        serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    let pg = &v["backups"]["problems"][0];
    assert_eq!(pg["name"], "pg", "{stdout}");
    assert_eq!(pg["status"], "breach", "{stdout}");
    assert_eq!(pg["breach"], true);
    assert_eq!(pg["rpo"], "15m");
    assert_eq!(pg["newest_point"], good.as_str());
    assert_eq!(pg["last_verification"]["ok"], false);
    assert_eq!(out.status.code(), Some(1), "a breach makes the report fail");
}

#[tokio::test]
async fn restore_runs_the_previewed_point_even_if_a_newer_dump_lands_meanwhile() {
    let dir = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let (shown, shown_time) = dump_name(30);
    std::fs::write(dir.path().join(&shown), gzip(b"-- the good one\n")).unwrap();
    let target = out.path().join("restored.sql");
    let extra = format!(
        "restore = \"gunzip -c {{path}} > {{target}}\"\ntarget = {:?}\n",
        target.display().to_string()
    );
    let cfg = config(&dir_config(dir.path(), &extra));
    let door = actions(&cfg, data.path());
    let spec = ActionSpec::Restore {
        source: "pg".into(),
        point: None,
    };
    let preview = door.preview(&spec).await.unwrap();
    assert!(preview.to_text().contains(&shown), "{}", preview.to_text());

    // A new (possibly bad) dump is written while the operator types "pg".
    let (newer, _) = dump_name(1);
    std::fs::write(dir.path().join(&newer), gzip(b"-- half written\n")).unwrap();

    let outcome = door
        .execute(&spec, &preview, "test", Progress::discard())
        .await
        .unwrap();
    assert_eq!(outcome.restore_point_time, Some(shown_time));
    assert_eq!(
        std::fs::read_to_string(&target).unwrap(),
        "-- the good one\n"
    );
    let audit = std::fs::read_to_string(data.path().join("audit.jsonl")).unwrap();
    assert!(audit.contains(&shown), "the audit names the point: {audit}");
}
