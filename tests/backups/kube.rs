//! `kind = "cronjob"` and `kind = "velero"` sources read from a Kubernetes API
//! (the kmock emulator over real HTTP), end to end through `warroom report`.

#[path = "../support/kmock.rs"]
mod kmock;

use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};

fn ago(mins: i64) -> String {
    let t = Timestamp::now() - SignedDuration::from_mins(mins);
    Timestamp::from_second(t.as_second()).unwrap().to_string()
}

fn job(name: &str, owner: &str, started_mins_ago: i64, outcome: &str) -> Value {
    let conditions = match outcome {
        "complete" => json!([{"type": "Complete", "status": "True",
                              "lastTransitionTime": ago(started_mins_ago - 2)}]),
        _ => json!([{"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded",
                     "message": "Job has reached the specified backoff limit",
                     "lastTransitionTime": ago(started_mins_ago - 3)}]),
    };
    json!({
        "apiVersion": "batch/v1", "kind": "Job",
        "metadata": {"name": name, "namespace": "shop",
                     "ownerReferences": [{"apiVersion": "batch/v1", "kind": "CronJob",
                                          "name": owner, "uid": format!("uid-{owner}")}]},
        "spec": {"template": {"spec": {"containers": [], "restartPolicy": "Never"}}},
        "status": {"startTime": ago(started_mins_ago), "conditions": conditions}
    })
}

fn estate() -> Value {
    json!([
        {"apiVersion": "batch/v1", "kind": "CronJob",
         "metadata": {"name": "pg-backup", "namespace": "shop"},
         "spec": {"schedule": "*/30 * * * *",
                  "jobTemplate": {"spec": {"template": {"spec": {"containers": []}}}}},
         "status": {"lastScheduleTime": ago(10), "lastSuccessfulTime": ago(130)}},
        job("pg-backup-1", "pg-backup", 130, "complete"),
        job("pg-backup-2", "pg-backup", 10, "failed"),
        // Another CronJob's fresh success must not count for pg-backup.
        job("other-1", "redis-backup", 5, "complete"),
        {"apiVersion": "velero.io/v1", "kind": "Backup",
         "metadata": {"name": "daily-new", "namespace": "velero",
                      "labels": {"velero.io/schedule-name": "daily"}},
         "status": {"phase": "Completed", "startTimestamp": ago(300),
                    "completionTimestamp": ago(296), "warnings": 1}},
        {"apiVersion": "velero.io/v1", "kind": "Backup",
         "metadata": {"name": "daily-old", "namespace": "velero",
                      "labels": {"velero.io/schedule-name": "daily"}},
         "status": {"phase": "PartiallyFailed", "startTimestamp": ago(1740),
                    "completionTimestamp": ago(1730), "errors": 2}},
        {"apiVersion": "velero.io/v1", "kind": "Schedule",
         "metadata": {"name": "daily", "namespace": "velero"},
         "spec": {"schedule": "0 2 * * *"},
         "status": {"phase": "Enabled", "lastBackup": ago(300)}}
    ])
}

fn source<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["backups"]["problems"]
        .as_array()
        .unwrap_or_else(|| panic!("no backups section: {report}"))
        .iter()
        .find(|p| p["name"] == name)
        .unwrap_or_else(|| panic!("{name} missing: {report}"))
}

/// `warroom report --format json` with these `[[backups]]` entries and a
/// kubeconfig pointing at the emulator.
fn report(k: &kmock::Kmock, data: &std::path::Path, backups: &str) -> std::process::Output {
    let cfg = data.join("config.toml");
    std::fs::write(
        &cfg,
        format!("[kubernetes]\nenabled = false\n[docker]\nenabled = false\n{backups}"),
    )
    .unwrap();
    std::process::Command::new(env!("CARGO_BIN_EXE_warroom"))
        .args([
            "--config",
            cfg.to_str().unwrap(),
            "report",
            "--format",
            "json",
        ])
        .env("WARROOM_DATA_DIR", data)
        .env("KUBECONFIG", k.kubeconfig())
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

fn cronjob_source() -> String {
    format!(
        "[[backups]]\nname = \"pg-k8s\"\nkind = \"cronjob\"\nrpo = \"1h\"\n\
         namespace = \"shop\"\ncronjob = \"pg-backup\"\ncontext = \"{}\"\n",
        kmock::CONTEXT
    )
}

#[test]
fn cronjob_and_velero_sources_report_freshness_from_the_cluster() {
    let k = kmock::Kmock::start(&estate());
    let data = tempfile::tempdir().unwrap();
    let velero = format!(
        "[[backups]]\nname = \"cluster\"\nkind = \"velero\"\nrpo = \"24h\"\n\
         schedule = \"daily\"\ncontext = \"{}\"\n",
        kmock::CONTEXT
    );
    let out = report(&k, data.path(), &(cronjob_source() + &velero));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let report: Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("{e}: {stdout}\n{}", String::from_utf8_lossy(&out.stderr)));

    // The newest *successful* Job is 130 min old against a 1 h RPO: breach,
    // even though the CronJob ran 10 min ago (it failed) and another
    // CronJob's Job succeeded 5 min ago.
    let pg = source(&report, "pg-k8s");
    assert_eq!(pg["status"], "breach", "{pg}");
    assert_eq!(pg["newest_point"], "pg-backup-1", "{pg}");
    assert_eq!(pg["age_seconds"].as_u64().unwrap() / 60, 130, "{pg}");
    assert_eq!(out.status.code(), Some(1), "a breach fails the report");

    // Velero: the PartiallyFailed backup is not a restore point.
    let v = source(&report, "cluster");
    assert_eq!(v["status"], "ok", "{v}");
    assert_eq!(v["newest_point"], "daily-new", "{v}");
    assert_eq!(v["kind"], "velero");

    // Both were read from the API, not invented.
    let paths: Vec<String> = k
        .requests()
        .iter()
        .filter_map(|r| r["path"].as_str().map(String::from))
        .collect();
    assert!(
        paths.iter().any(|p| p.ends_with("/cronjobs/pg-backup"))
            && paths
                .iter()
                .any(|p| p.contains("/velero.io/v1/namespaces/velero/backups")),
        "{paths:?}"
    );
}

#[test]
fn an_unreachable_cluster_names_the_source_and_the_cause() {
    let mut k = kmock::Kmock::start(&estate());
    k.stop();
    let data = tempfile::tempdir().unwrap();
    let out = report(&k, data.path(), &cronjob_source());
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_ne!(out.status.code(), Some(0), "{all}");
    assert!(all.contains("pg-k8s"), "{all}");
    assert!(all.contains("cronjob shop/pg-backup"), "{all}");
}
