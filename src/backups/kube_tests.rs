//! CronJob and Velero sources from realistic JSON; API errors keep their
//! status and choose the hint.

use super::*;
use std::time::Duration;

fn now() -> Timestamp {
    "2026-01-31T14:30:00Z".parse().unwrap()
}

#[test]
fn cronjob_jobs_become_points_and_unsucceeded_schedules_are_flagged() {
    let cj: CronJob = serde_json::from_value(serde_json::json!({
        "metadata": {"name": "pg-backup", "namespace": "shop"},
        "spec": {"schedule": "0 * * * *", "jobTemplate": {"spec": {"template": {"spec": {"containers": []}}}}},
        "status": {"lastScheduleTime": "2026-01-31T14:00:00Z", "lastSuccessfulTime": "2026-01-31T13:00:42Z"}
    }))
    .unwrap();
    let owner = serde_json::json!([{"apiVersion": "batch/v1", "kind": "CronJob", "name": "pg-backup", "uid": "u1"}]);
    let jobs: Vec<Job> = serde_json::from_value(serde_json::json!([
        {"metadata": {"name": "pg-backup-29475840", "namespace": "shop", "ownerReferences": owner},
         "status": {"startTime": "2026-01-31T13:00:00Z", "completionTime": "2026-01-31T13:00:42Z", "succeeded": 1,
                    "conditions": [{"type": "Complete", "status": "True"}]}},
        {"metadata": {"name": "pg-backup-29475900", "namespace": "shop", "ownerReferences": owner},
         "status": {"startTime": "2026-01-31T14:00:00Z", "failed": 3,
                    "conditions": [{"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded",
                                    "message": "Job has reached the specified backoff limit",
                                    "lastTransitionTime": "2026-01-31T14:03:10Z"}]}},
        {"metadata": {"name": "other-1", "namespace": "shop"},
         "status": {"startTime": "2026-01-31T14:20:00Z", "succeeded": 1}}
    ]))
    .unwrap();
    let s = cronjob_source("orders-db", Duration::from_secs(3600), &cj, &jobs, now());
    assert_eq!(s.points.len(), 2, "{:?}", s.points);
    assert_eq!(s.newest_good().unwrap().id, "pg-backup-29475840");
    assert_eq!(
        s.newest_good().unwrap().time,
        "2026-01-31T13:00:00Z".parse::<Timestamp>().unwrap()
    );
    let f = s.failure.as_ref().unwrap();
    assert!(
        f.message.contains("BackoffLimitExceeded: Job has reached"),
        "{}",
        f.message
    );
    assert!(
        s.flags[0].contains("scheduled 30m ago but not succeeded"),
        "{:?}",
        s.flags
    );
    assert_eq!(s.location, "cronjob shop/pg-backup");
}

#[test]
fn cronjob_without_job_history_uses_last_successful_time() {
    let cj: CronJob = serde_json::from_value(serde_json::json!({
        "metadata": {"name": "pg-backup", "namespace": "shop"},
        "spec": {"schedule": "0 * * * *", "suspend": true, "jobTemplate": {"spec": {"template": {"spec": {"containers": []}}}}},
        "status": {"lastScheduleTime": "2026-01-31T14:00:00Z", "lastSuccessfulTime": "2026-01-31T14:01:00Z"}
    }))
    .unwrap();
    let s = cronjob_source("db", Duration::from_secs(3600), &cj, &[], now());
    assert_eq!(
        s.newest_good().unwrap().time,
        "2026-01-31T14:01:00Z".parse::<Timestamp>().unwrap()
    );
    assert_eq!(s.flags, ["suspended: no new backups will run"]);
}

#[test]
fn velero_backups_map_phase_times_counts_and_schedules() {
    let backups: Vec<Value> = serde_json::from_value(serde_json::json!([
        {"apiVersion": "velero.io/v1", "kind": "Backup",
         "metadata": {"name": "daily-20260131020000", "namespace": "velero", "labels": {"velero.io/schedule-name": "daily"}},
         "spec": {"ttl": "720h0m0s"},
         "status": {"phase": "Completed", "startTimestamp": "2026-01-31T02:00:00Z", "completionTimestamp": "2026-01-31T02:04:10Z",
                    "expiration": "2026-03-02T02:00:00Z", "warnings": 2, "version": 1}},
        {"apiVersion": "velero.io/v1", "kind": "Backup",
         "metadata": {"name": "daily-20260130020000", "namespace": "velero", "labels": {"velero.io/schedule-name": "daily"}},
         "status": {"phase": "PartiallyFailed", "startTimestamp": "2026-01-30T02:00:00Z", "completionTimestamp": "2026-01-30T02:09:00Z",
                    "errors": 3, "expiration": "2026-03-01T02:00:00Z"}},
        {"metadata": {"name": "manual-1", "namespace": "velero"},
         "status": {"phase": "InProgress", "startTimestamp": "2026-01-31T14:00:00Z"}},
        {"metadata": {"name": "adhoc", "namespace": "velero"},
         "status": {"phase": "Completed", "startTimestamp": "2026-01-31T10:00:00Z"}}
    ]))
    .unwrap();
    let schedules: Vec<Value> = serde_json::from_value(serde_json::json!([
        {"metadata": {"name": "daily"}, "spec": {"schedule": "0 2 * * *"}, "status": {"phase": "Enabled", "lastBackup": "2026-01-31T02:00:00Z"}}
    ]))
    .unwrap();
    let s = velero_source(
        "cluster",
        Duration::from_secs(86400),
        "velero",
        Some("daily"),
        &backups,
        &schedules,
        now(),
    );
    assert_eq!(s.points.len(), 2);
    let newest = s.newest_good().unwrap();
    assert_eq!(newest.id, "daily-20260131020000");
    assert_eq!(
        newest.expires,
        Some("2026-03-02T02:00:00Z".parse().unwrap())
    );
    assert_eq!(
        newest.message.as_deref(),
        Some("Completed, 2 warnings, took 4m")
    );
    assert!(
        s.failure
            .as_ref()
            .unwrap()
            .message
            .contains("PartiallyFailed, 3 errors")
    );
    assert_eq!(s.flags, ["schedule daily: last backup 12h30m ago"]);
    let all = velero_source(
        "c",
        Duration::from_secs(86400),
        "velero",
        None,
        &backups,
        &[],
        now(),
    );
    assert_eq!(all.newest_good().unwrap().id, "adhoc");
    // Garbage never panics.
    assert!(velero_points(&[Value::Null, serde_json::json!({"status": 5})]).is_empty());
}

fn api_error(code: u16, reason: &str, message: &str) -> kube::Error {
    kube::Error::Api(Box::new(
        serde_json::from_value(serde_json::json!({
            "kind": "Status", "apiVersion": "v1", "metadata": {},
            "status": "Failure", "message": message, "reason": reason, "code": code
        }))
        .unwrap(),
    ))
}

#[test]
fn api_answers_keep_their_status_and_choose_the_hint() {
    use crate::action::ActionError;
    let cfg = "`context`/`namespace` of [[backups]] pg-k8s";
    let forbidden = "cronjobs.batch \"pg-backup\" is forbidden: User \"system:serviceaccount:ops:warroom\" cannot get resource \"cronjobs\" in API group \"batch\" in the namespace \"shop\"";
    let cases = [
        (403, "Forbidden", forbidden, false, "RBAC"),
        (401, "Unauthorized", "Unauthorized", false, "log in again"),
        (
            404,
            "NotFound",
            "the server could not find the requested resource",
            true,
            "install Velero",
        ),
    ];
    for (code, reason, message, velero, hint) in cases {
        let e = KubeError::request("cronjob shop/pg-backup".into(), velero)(api_error(
            code, reason, message,
        ));
        assert!(
            matches!(&e, KubeError::Request { status: Some(c), api_reason, .. } if *c == code && api_reason == reason),
            "{e:?}"
        );
        assert!(e.to_string().starts_with("cronjob shop/pg-backup: "), "{e}");
        assert_eq!(
            e.to_string().ends_with("(is Velero installed?)"),
            velero,
            "{e}"
        );
        assert!(e.hint(cfg).contains(hint), "{code}: {}", e.hint(cfg));
        let kind = match ActionError::from(e) {
            ActionError::Denied { status, .. } => status,
            ActionError::NotFound(_) => 404,
            other => panic!("{code}: {other:?}"),
        };
        assert_eq!(kind, code);
    }

    // No answer at all: the reach/config hint.
    let e = KubeError::Request {
        what: "cronjob shop/pg-backup".into(),
        status: None,
        api_reason: String::new(),
        reason: "ServiceError: client error (Connect): tcp connect error: Connection refused (os error 111)".into(),
        velero: false,
    };
    assert!(e.hint(cfg).contains("kubeconfig"), "{}", e.hint(cfg));
    assert!(matches!(ActionError::from(e), ActionError::Unreachable(_)));
}
