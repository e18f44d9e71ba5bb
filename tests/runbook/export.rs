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
