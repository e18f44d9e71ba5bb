//! Projections of the controllers (Deployment, ReplicaSet, StatefulSet,
//! DaemonSet, Job, CronJob) into [`WorkloadSummary`].

use super::model::{Condition, Kind, WorkloadSummary};
use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::batch::v1::{CronJob, Job};

/// Condition fields are `String` on some kinds and `Option<String>` on others.
trait OptStr {
    fn s(&self) -> String;
}
impl OptStr for String {
    fn s(&self) -> String {
        self.clone()
    }
}
impl OptStr for Option<String> {
    fn s(&self) -> String {
        self.clone().unwrap_or_default()
    }
}

macro_rules! conditions {
    ($conds:expr) => {
        $conds
            .map(|cs| {
                cs.iter()
                    .map(|c| Condition {
                        type_: OptStr::s(&c.type_),
                        status: OptStr::s(&c.status),
                        reason: c.reason.clone(),
                        message: c.message.clone(),
                        since: c.last_transition_time.as_ref().map(|t| t.0),
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
}

impl From<&Deployment> for WorkloadSummary {
    fn from(d: &Deployment) -> Self {
        let spec = Some(&d.spec);
        let mut w = Self::base(
            Kind::Deployment,
            &d.metadata,
            spec.and_then(|s| s.template.spec.as_ref()),
        );
        let st = d.status.as_ref();
        w.desired = spec.and_then(|s| s.replicas).unwrap_or(1);
        w.ready = st.and_then(|s| s.ready_replicas).unwrap_or(0);
        w.available = st.and_then(|s| s.available_replicas).unwrap_or(0);
        w.updated = st.and_then(|s| s.updated_replicas).unwrap_or(0);
        w.unavailable = st.and_then(|s| s.unavailable_replicas).unwrap_or(0);
        w.paused = spec.and_then(|s| s.paused).unwrap_or(false);
        w.conditions = conditions!(st.and_then(|s| s.conditions.as_ref()));
        w
    }
}

impl From<&ReplicaSet> for WorkloadSummary {
    fn from(r: &ReplicaSet) -> Self {
        let spec = Some(&r.spec);
        let mut w = Self::base(
            Kind::ReplicaSet,
            &r.metadata,
            spec.and_then(|s| s.template.as_ref())
                .and_then(|t| t.spec.as_ref()),
        );
        let st = r.status.as_ref();
        w.desired = spec.and_then(|s| s.replicas).unwrap_or(1);
        w.ready = st.and_then(|s| s.ready_replicas).unwrap_or(0);
        w.available = st.and_then(|s| s.available_replicas).unwrap_or(0);
        w
    }
}

impl From<&StatefulSet> for WorkloadSummary {
    fn from(s: &StatefulSet) -> Self {
        let spec = Some(&s.spec);
        let mut w = Self::base(
            Kind::StatefulSet,
            &s.metadata,
            spec.and_then(|s| s.template.spec.as_ref()),
        );
        let st = s.status.as_ref();
        w.desired = spec.and_then(|s| s.replicas).unwrap_or(1);
        w.ready = st.and_then(|s| s.ready_replicas).unwrap_or(0);
        w.available = st.and_then(|s| s.available_replicas).unwrap_or(0);
        w.updated = st.and_then(|s| s.updated_replicas).unwrap_or(0);
        w.unavailable = (w.desired - w.ready).max(0);
        w
    }
}

impl From<&DaemonSet> for WorkloadSummary {
    fn from(d: &DaemonSet) -> Self {
        let mut w = Self::base(Kind::DaemonSet, &d.metadata, d.spec.template.spec.as_ref());
        if let Some(st) = &d.status {
            w.desired = st.desired_number_scheduled;
            w.ready = st.number_ready;
            w.available = st.number_available.unwrap_or(0);
            w.updated = st.updated_number_scheduled.unwrap_or(0);
            w.unavailable = st.number_unavailable.unwrap_or(0);
        }
        w
    }
}

impl From<&Job> for WorkloadSummary {
    fn from(j: &Job) -> Self {
        let spec = j.spec.as_ref();
        let mut w = Self::base(
            Kind::Job,
            &j.metadata,
            spec.and_then(|s| s.template.spec.as_ref()),
        );
        let st = j.status.as_ref();
        w.desired = spec.and_then(|s| s.completions).unwrap_or(1);
        w.ready = st.and_then(|s| s.succeeded).unwrap_or(0);
        w.available = st.and_then(|s| s.active).unwrap_or(0);
        w.failed = st.and_then(|s| s.failed).unwrap_or(0);
        w.conditions = conditions!(st.and_then(|s| s.conditions.as_ref()));
        w
    }
}

impl From<&CronJob> for WorkloadSummary {
    fn from(c: &CronJob) -> Self {
        let spec = Some(&c.spec);
        let mut w = Self::base(
            Kind::CronJob,
            &c.metadata,
            spec.and_then(|s| s.job_template.spec.as_ref())
                .and_then(|j| j.template.spec.as_ref()),
        );
        w.schedule = spec.map(|s| s.schedule.clone());
        w.paused = spec.and_then(|s| s.suspend).unwrap_or(false);
        let st = c.status.as_ref();
        w.failed = st
            .and_then(|s| s.active.as_ref())
            .map_or(0, |a| a.len() as i32);
        w.last_schedule = st.and_then(|s| s.last_schedule_time.as_ref()).map(|t| t.0);
        w
    }
}
