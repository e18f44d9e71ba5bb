use std::collections::BTreeMap;
use warroom::runbook::journal::{CheckResult, Entry, Journal, StepRef, load};
use warroom::runbook::walker::StepStatus;

fn t(s: &str) -> jiff::Timestamp {
    s.parse().unwrap()
}

#[test]
fn export_snapshot_of_a_restore_run() {
    let dir = tempfile::tempdir().unwrap();
    let run = "20260131T143500Z-0a1b";
    let op = "alice@bastion-1".to_string();
    let mut params = BTreeMap::new();
    params.insert("app".to_string(), "backend".to_string());
    params.insert("namespace".to_string(), "toolboxai".to_string());
    let j = Journal::create(
        dir.path(),
        run,
        &Entry::RunStarted {
            run: run.into(),
            ts: t("2026-01-31T14:35:00Z"),
            operator: op.clone(),
            runbook: "/srv/runbooks/restore-database.md".into(),
            runbook_hash: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08".into(),
            title: "Restore a corrupted database from the newest verified backup".into(),
            rto_secs: Some(7200),
            rpo_secs: Some(900),
            params,
            secret_params: vec!["database_url".into()],
            steps: [
                "Assess the damage",
                "Restore the newest verified backup",
                "Check the restored data",
                "Bring the app back",
            ]
            .iter()
            .map(|s| StepRef {
                title: s.to_string(),
                hash: "h".into(),
                manual: false,
            })
            .collect(),
            alert: None,
        },
    )
    .unwrap();
    let (file, sha) = j
        .write_output(2, b"$ psql '***' -Atc 'select count(*) ...'\n12\n")
        .unwrap();
    let entries = vec![
        Entry::StepDone {
            ts: t("2026-01-31T14:41:10Z"),
            operator: op.clone(),
            step: 0,
        },
        Entry::Note {
            ts: t("2026-01-31T14:42:00Z"),
            operator: op.clone(),
            step: Some(0),
            text: "orders table unreadable since ~14:20;\nrestore approved by bob".into(),
        },
        Entry::Action {
            ts: t("2026-01-31T14:44:30Z"),
            operator: "bob@laptop".into(),
            origin: "tui".into(),
            step: None,
            command: "silence alertname=PostgresDown --duration 2h --comment 'restore in progress'"
                .into(),
            ok: true,
            message: "silence 5f1c created".into(),
            restore_point_time: None,
        },
        Entry::StepStarted {
            ts: t("2026-01-31T14:45:00Z"),
            operator: op.clone(),
            step: 1,
            title: "Restore the newest verified backup".into(),
            hash: "h".into(),
            commands: vec!["warroom: restore postgres".into()],
        },
        Entry::Action {
            ts: t("2026-01-31T15:02:00Z"),
            operator: op.clone(),
            origin: format!("runbook:{run}"),
            step: Some(1),
            command: "restore postgres".into(),
            ok: true,
            message: "restored app_20260131_143000.sql.gz into postgres database shop".into(),
            restore_point_time: Some(t("2026-01-31T14:30:00Z")),
        },
        Entry::StepFinished {
            ts: t("2026-01-31T15:02:01Z"),
            operator: op.clone(),
            step: 1,
            status: StepStatus::Passed,
            exit: None,
            output_file: None,
            output_sha256: None,
            checks: vec![],
            error: None,
        },
        Entry::StepStarted {
            ts: t("2026-01-31T15:03:00Z"),
            operator: op.clone(),
            step: 2,
            title: "Check the restored data".into(),
            hash: "h".into(),
            commands: vec!["check: psql '***' -Atc 'select count(*) ...'".into()],
        },
        Entry::StepFinished {
            ts: t("2026-01-31T15:03:02Z"),
            operator: op.clone(),
            step: 2,
            status: StepStatus::Passed,
            exit: Some(0),
            output_file: Some(file),
            output_sha256: Some(sha),
            checks: vec![CheckResult {
                command: "psql '***' -Atc 'select count(*) ...'".into(),
                passed: true,
                exit: Some(0),
                detail: "exit status 0".into(),
            }],
            error: None,
        },
        Entry::StepSkipped {
            ts: t("2026-01-31T15:04:00Z"),
            operator: op.clone(),
            step: 3,
            reason: "app team scales it back after their own checks".into(),
        },
        Entry::RunFinished {
            ts: t("2026-01-31T15:05:00Z"),
            operator: op,
            status: "completed".into(),
        },
    ];
    for e in &entries {
        j.append(e).unwrap();
    }
    let loaded = load(&j.path).unwrap();
    let md = warroom::runbook::export::markdown(&loaded);
    insta::assert_snapshot!("restore_run_timeline", md);
    let a = warroom::runbook::export::achieved(&loaded);
    assert_eq!(
        a.rto,
        Some(std::time::Duration::from_secs(28 * 60 + 2)),
        "start → last passing check"
    );
    assert_eq!(
        a.rpo,
        Some(std::time::Duration::from_secs(5 * 60)),
        "restore point → incident start"
    );
}

/// `warroom runbook export --run` of an incident whose journal holds
/// observed changes: one merged line per change and place (count, first and
/// last time), interleaved with the notes, the dropped count said, as the
/// console's `E` writes it (the same `export::markdown`).
#[test]
fn the_headless_export_merges_observed_changes_of_an_incident() {
    use warroom::observed::{Change, Place};
    let env = crate::common::Env::new();
    let run = "20261203T031000Z-0c0d";
    let op = "tester".to_string();
    let j = Journal::create(
        &env.journals(),
        run,
        &Entry::RunStarted {
            run: run.into(),
            ts: t("2026-12-03T03:10:00Z"),
            operator: op.clone(),
            runbook: String::new(),
            runbook_hash: String::new(),
            title: "checkout down".into(),
            rto_secs: None,
            rpo_secs: None,
            params: BTreeMap::new(),
            secret_params: Vec::new(),
            steps: Vec::new(),
            alert: None,
        },
    )
    .unwrap();
    let pod = Place::in_namespace("shop", "pod/api-1").with_context(Some("prod".into()));
    let crash = |ts: &str, count: u64, last: Option<&str>| Entry::Observed {
        ts: t(ts),
        change: Change::PodCrashed,
        place: pod.clone(),
        detail: "OOMKilled, exit 137".into(),
        count,
        last: last.map(t),
        seen: None,
    };
    for e in [
        crash("2026-12-03T03:10:02Z", 1, None),
        Entry::Note {
            ts: t("2026-12-03T03:12:00Z"),
            operator: op.clone(),
            step: None,
            text: "scaling up".into(),
        },
        // The window's repeats, then the next window's first and repeats.
        crash("2026-12-03T03:10:11Z", 65, Some("2026-12-03T03:19:58Z")),
        crash("2026-12-03T03:20:07Z", 1, None),
        crash("2026-12-03T03:20:16Z", 133, Some("2026-12-03T03:40:11Z")),
        Entry::ObservedDropped {
            ts: t("2026-12-03T03:21:00Z"),
            since: t("2026-12-03T03:20:30Z"),
            count: 12,
            seen: None,
        },
    ] {
        j.append(&e).unwrap();
    }
    let out = env.run(&["runbook", "export", "none.md", "--run", run]);
    assert_eq!(out.code(), 0, "{}", out.all());
    let md = out.stdout();
    assert_eq!(md.matches("pod crashed").count(), 1, "{md}");
    let crash_at = md
        .find("### 2026-12-03 03:10:02Z — pod crashed ×200 (2026-12-03 03:10:02Z – 2026-12-03 03:40:11Z): prod:shop/pod/api-1")
        .unwrap_or_else(|| panic!("{md}"));
    let note_at = md.find("note by tester").unwrap_or_else(|| panic!("{md}"));
    assert!(crash_at < note_at, "in time order: {md}");
    assert!(md.contains("- OOMKilled, exit 137"), "{md}");
    assert!(
        md.contains("12 observed changes not recorded (over 30 new lines a minute"),
        "{md}"
    );
    assert!(load(&j.path).is_ok());
}
