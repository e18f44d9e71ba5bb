//! `kind = "cronjob"` and `kind = "velero"`: backups run by Kubernetes.
//! Parsing is pure (tested on realistic JSON); fetching is a thin layer on kube.

use super::model::{Failure, RestorePoint, SourceData};
use jiff::Timestamp;
use k8s_openapi::api::batch::v1::{CronJob, Job};
use serde_json::Value;

fn ts(t: &k8s_openapi::apimachinery::pkg::apis::meta::v1::Time) -> Option<Timestamp> {
    Some(t.0)
}

/// One Job run of a CronJob as a restore point (`None` while it is still running).
fn job_point(job: &Job) -> Option<RestorePoint> {
    let name = job.metadata.name.clone().unwrap_or_default();
    let status = job.status.as_ref()?;
    let conds = status.conditions.as_deref().unwrap_or_default();
    let failed = conds
        .iter()
        .find(|c| c.type_ == "Failed" && c.status == "True");
    let complete = conds
        .iter()
        .any(|c| c.type_ == "Complete" && c.status == "True")
        || status.succeeded.unwrap_or(0) > 0 && failed.is_none();
    let started = status
        .start_time
        .as_ref()
        .and_then(ts)
        .or_else(|| job.metadata.creation_timestamp.as_ref().and_then(ts));
    if let Some(f) = failed {
        let mut p = RestorePoint::ok(
            name,
            f.last_transition_time.as_ref().and_then(ts).or(started)?,
        );
        p.ok = false;
        let reason = f.reason.clone().unwrap_or_else(|| "Failed".into());
        p.message = Some(match &f.message {
            Some(m) if !m.is_empty() => format!("{reason}: {m}"),
            _ => reason,
        });
        return Some(p);
    }
    if complete {
        // The dump reflects the data as of when the Job started.
        let t = started.or_else(|| status.completion_time.as_ref().and_then(ts))?;
        return Some(RestorePoint::ok(name, t));
    }
    None
}

/// Build a cronjob source from the CronJob and the Jobs in its namespace
/// (only those it owns are used).
pub fn cronjob_source(
    name: &str,
    rpo: std::time::Duration,
    cj: &CronJob,
    jobs: &[Job],
    now: Timestamp,
) -> SourceData {
    let cj_name = cj.metadata.name.clone().unwrap_or_default();
    let ns = cj.metadata.namespace.clone().unwrap_or_default();
    let mut data = SourceData::new(name, "cronjob", rpo);
    data.location = format!("cronjob {ns}/{cj_name}");
    let owned = jobs.iter().filter(|j| {
        j.metadata
            .owner_references
            .as_deref()
            .unwrap_or_default()
            .iter()
            .any(|o| o.kind == "CronJob" && o.name == cj_name)
    });
    data.points = owned.filter_map(job_point).collect();
    let status = cj.status.as_ref();
    let last_success = status
        .and_then(|s| s.last_successful_time.as_ref())
        .and_then(ts);
    let last_schedule = status
        .and_then(|s| s.last_schedule_time.as_ref())
        .and_then(ts);
    // Jobs are garbage-collected (successfulJobsHistoryLimit); the status
    // still remembers the last success.
    if let Some(t) = last_success
        && !data.points.iter().any(|p| p.ok && p.time >= t)
        && data.points.iter().all(|p| !p.ok)
    {
        data.points
            .push(RestorePoint::ok(format!("{cj_name}@lastSuccessfulTime"), t));
    }
    let active = status
        .and_then(|s| s.active.as_ref())
        .map_or(0, |a| a.len());
    if let Some(sched) = last_schedule
        && last_success.is_none_or(|s| s < sched)
    {
        let since = last_success
            .map(|s| format!("not succeeded since {}", crate::text::age(s, now) + " ago"))
            .unwrap_or_else(|| "never succeeded".into());
        if active > 0 {
            data.flags.push(format!(
                "running: scheduled {} ago, {since}",
                crate::text::age(sched, now)
            ));
        } else {
            data.flags.push(format!(
                "scheduled {} ago but not succeeded ({since})",
                crate::text::age(sched, now)
            ));
        }
    }
    if cj.spec.suspend == Some(true) {
        data.flags.push("suspended: no new backups will run".into());
    }
    data.normalise();
    data
}

fn vts(v: &Value, ptr: &str) -> Option<Timestamp> {
    v.pointer(ptr)?.as_str()?.parse().ok()
}

/// Velero `Backup` objects (as JSON) to restore points.
pub fn velero_points(backups: &[Value]) -> Vec<RestorePoint> {
    let mut out = Vec::new();
    for b in backups {
        let name = b
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or("?")
            .to_string();
        let phase = b
            .pointer("/status/phase")
            .and_then(Value::as_str)
            .unwrap_or("New");
        if matches!(
            phase,
            "New" | "InProgress" | "WaitingForPluginOperations" | "Finalizing" | "Deleting"
        ) {
            continue;
        }
        let Some(time) =
            vts(b, "/status/startTimestamp").or_else(|| vts(b, "/metadata/creationTimestamp"))
        else {
            continue;
        };
        let errors = b
            .pointer("/status/errors")
            .and_then(Value::as_u64)
            .unwrap_or(0);
        let warnings = b
            .pointer("/status/warnings")
            .and_then(Value::as_u64)
            .unwrap_or(0);
        let mut p = RestorePoint::ok(name, time);
        p.ok = phase == "Completed";
        p.expires = vts(b, "/status/expiration");
        let mut msg = vec![phase.to_string()];
        if errors > 0 {
            msg.push(format!("{errors} errors"));
        }
        if warnings > 0 {
            msg.push(format!("{warnings} warnings"));
        }
        if let Some(f) = b.pointer("/status/failureReason").and_then(Value::as_str) {
            msg.push(f.to_string());
        }
        if let Some(done) = vts(b, "/status/completionTimestamp") {
            msg.push(format!("took {}", crate::text::age(time, done)));
        }
        p.message = Some(msg.join(", "));
        out.push(p);
    }
    out
}

/// A velero source from its Backups (filtered to `schedule` when set) and Schedules.
pub fn velero_source(
    name: &str,
    rpo: std::time::Duration,
    namespace: &str,
    schedule: Option<&str>,
    backups: &[Value],
    schedules: &[Value],
    now: Timestamp,
) -> SourceData {
    let mut data = SourceData::new(name, "velero", rpo);
    data.location = match schedule {
        Some(s) => format!("velero {namespace} schedule {s}"),
        None => format!("velero {namespace}"),
    };
    let mine: Vec<Value> = backups
        .iter()
        .filter(|b| {
            schedule.is_none_or(|s| {
                b.pointer("/metadata/labels/velero.io~1schedule-name")
                    .and_then(Value::as_str)
                    == Some(s)
            })
        })
        .cloned()
        .collect();
    data.points = velero_points(&mine);
    for s in schedules {
        let sname = s
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or("?");
        if schedule.is_some_and(|want| want != sname) {
            continue;
        }
        if s.pointer("/spec/paused").and_then(Value::as_bool) == Some(true) {
            data.flags.push(format!("schedule {sname} is paused"));
        }
        match vts(s, "/status/lastBackup") {
            Some(t) => data.flags.push(format!(
                "schedule {sname}: last backup {} ago",
                crate::text::age(t, now)
            )),
            None => data.flags.push(format!("schedule {sname}: no backup yet")),
        }
    }
    data.normalise();
    if let Some(p) = data.points.iter().find(|p| !p.ok) {
        data.failure = Some(Failure {
            at: p.time,
            message: format!("{}: {}", p.id, p.message.clone().unwrap_or_default()),
        });
    }
    data
}

/// Why a CronJob or Velero source could not be read. An API answer keeps its
/// HTTP status and the `Status` reason (`Forbidden`, `NotFound`…) as data.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KubeError {
    #[error("kubeconfig context {context}: {reason}")]
    Context { context: String, reason: String },
    #[error("no Kubernetes config found: {reason}")]
    NoConfig { reason: String },
    #[error("Kubernetes client: {reason}")]
    Client { reason: String },
    /// A request failed: `status` is `None` when no answer came (connection refused, timeout).
    #[error("{what}: {reason}{}", if *velero { " (is Velero installed?)" } else { "" })]
    Request {
        /// `cronjob shop/pg-backup`, `jobs in shop`, `velero backups in velero`.
        what: String,
        status: Option<u16>,
        /// The API's machine-readable reason (`Forbidden`, `NotFound`), empty without one.
        api_reason: String,
        reason: String,
        /// Reading Velero's CRDs (a 404 means Velero is not installed).
        velero: bool,
    },
}

impl KubeError {
    fn request(what: String, velero: bool) -> impl FnOnce(kube::Error) -> Self {
        move |e| {
            let (status, api_reason) = match &e {
                kube::Error::Api(s) => (Some(s.code), s.reason.clone()),
                _ => (None, String::new()),
            };
            Self::Request {
                what,
                status,
                api_reason,
                reason: e.to_string(),
                velero,
            }
        }
    }

    /// The API's HTTP status, when it answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Request { status, .. } => *status,
            _ => None,
        }
    }

    /// What to fix, by kind of failure; `config` names the source's keys
    /// (`context`/`namespace`/`cronjob` of [[backups]] NAME).
    pub fn hint(&self, config: &str) -> String {
        match self {
            Self::Request {
                status: Some(401), ..
            } => "log in again: the cluster refused the kubeconfig's credentials".into(),
            Self::Request {
                status: Some(403), ..
            } => "check RBAC: the account needs get/list on the CronJob's or Velero's objects (`kubectl auth can-i list jobs -n NS`)".into(),
            Self::Request {
                status: Some(404),
                velero: true,
                ..
            } => format!("install Velero, or fix {config}"),
            Self::Request {
                status: Some(404), ..
            } => format!("check {config}: the object does not exist"),
            _ => format!(
                "check {config} and your kubeconfig (`kubectl config get-contexts`)"
            ),
        }
    }
}

/// A Kubernetes failure of a preview or an action.
impl From<KubeError> for crate::action::ActionError {
    fn from(e: KubeError) -> Self {
        use crate::action::ActionError;
        let message = e.to_string();
        match e.status() {
            Some(status @ (401 | 403)) => ActionError::Denied { message, status },
            Some(404) => ActionError::NotFound(message),
            Some(status) => ActionError::Backend {
                message,
                status: Some(status),
            },
            None => ActionError::Unreachable(message),
        }
    }
}

/// A client for `context` (or the kubeconfig's current context / in-cluster).
pub async fn client(context: Option<&str>) -> Result<kube::Client, KubeError> {
    let config = match context {
        Some(c) => kube::Config::from_kubeconfig(&kube::config::KubeConfigOptions {
            context: Some(c.to_string()),
            ..Default::default()
        })
        .await
        .map_err(|e| KubeError::Context {
            context: c.to_string(),
            reason: e.to_string(),
        })?,
        None => kube::Config::infer()
            .await
            .map_err(|e| KubeError::NoConfig {
                reason: e.to_string(),
            })?,
    };
    kube::Client::try_from(config).map_err(|e| KubeError::Client {
        reason: e.to_string(),
    })
}

pub async fn fetch_cronjob(
    client: kube::Client,
    name: &str,
    rpo: std::time::Duration,
    namespace: &str,
    cronjob: &str,
) -> Result<SourceData, KubeError> {
    use kube::api::{Api, ListParams};
    let cj = Api::<CronJob>::namespaced(client.clone(), namespace)
        .get(cronjob)
        .await
        .map_err(KubeError::request(
            format!("cronjob {namespace}/{cronjob}"),
            false,
        ))?;
    let jobs = Api::<Job>::namespaced(client, namespace)
        .list(&ListParams::default())
        .await
        .map_err(KubeError::request(format!("jobs in {namespace}"), false))?;
    Ok(cronjob_source(
        name,
        rpo,
        &cj,
        &jobs.items,
        Timestamp::now(),
    ))
}

pub async fn fetch_velero(
    client: kube::Client,
    name: &str,
    rpo: std::time::Duration,
    namespace: &str,
    schedule: Option<&str>,
) -> Result<SourceData, KubeError> {
    use kube::api::{Api, ApiResource, DynamicObject, GroupVersionKind, ListParams};
    let list = |kind: &str, plural: &str| {
        let ar = ApiResource::from_gvk_with_plural(
            &GroupVersionKind::gvk("velero.io", "v1", kind),
            plural,
        );
        Api::<DynamicObject>::namespaced_with(client.clone(), namespace, &ar)
    };
    let backups = list("Backup", "backups")
        .list(&ListParams::default())
        .await
        .map_err(KubeError::request(
            format!("velero backups in {namespace}"),
            true,
        ))?;
    // Schedules are optional context; a missing CRD is not an error.
    let schedules = list("Schedule", "schedules")
        .list(&ListParams::default())
        .await
        .map(|l| l.items)
        .unwrap_or_default();
    let to_json = |o: &DynamicObject| serde_json::to_value(o).unwrap_or(Value::Null);
    let b: Vec<Value> = backups.items.iter().map(to_json).collect();
    let s: Vec<Value> = schedules.iter().map(to_json).collect();
    Ok(velero_source(
        name,
        rpo,
        namespace,
        schedule,
        &b,
        &s,
        Timestamp::now(),
    ))
}

#[cfg(test)]
#[path = "kube_tests.rs"]
mod tests;
