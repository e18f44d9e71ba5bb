//! The health classifier: a pure function from a projected object to a
//! severity, a reason, a one-line explanation and a suggested next step.
//!
//! It reads what `kubectl get` hides: a pod in `CrashLoopBackOff` is explained
//! with its *last termination* (OOMKilled / 137) and restart count; a config
//! error names the missing Secret; an unschedulable pod carries the scheduler's
//! message. Completed pods are healthy, never problems.

use super::model::{
    ContainerSummary, Kind, NodeSummary, PodSummary, State, Terminated, WorkloadSummary,
};
use crate::report::Severity;
use jiff::Timestamp;
use std::sync::LazyLock;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Health {
    /// `None`: healthy. `Info`: in progress (creating, terminating), not a problem.
    pub severity: Option<Severity>,
    /// Short reason: `CrashLoopBackOff`, `Unschedulable`, `Running`.
    pub reason: String,
    /// Compact facts for lists and the report: `last exit OOMKilled (137), 14 restarts`.
    pub detail: String,
    /// One line for a human at 3 a.m.
    pub explanation: String,
    /// What to do next.
    pub next_step: String,
}

impl Health {
    pub fn healthy(reason: impl Into<String>) -> Self {
        Self {
            severity: None,
            reason: reason.into(),
            detail: String::new(),
            explanation: String::new(),
            next_step: String::new(),
        }
    }

    fn new(
        severity: Severity,
        reason: impl Into<String>,
        detail: impl Into<String>,
        explanation: impl Into<String>,
        next_step: impl Into<String>,
    ) -> Self {
        Self {
            severity: Some(severity),
            reason: reason.into(),
            detail: detail.into(),
            explanation: explanation.into(),
            next_step: next_step.into(),
        }
    }

    /// A problem worth listing (critical or warning).
    pub fn is_problem(&self) -> bool {
        matches!(
            self.severity,
            Some(Severity::Critical) | Some(Severity::Warning)
        )
    }
}

fn restarts(n: i32) -> String {
    if n == 1 {
        "1 restart".into()
    } else {
        format!("{n} restarts")
    }
}

fn termination_hint(t: &Terminated, c: &ContainerSummary) -> String {
    match (t.reason.as_deref(), t.exit_code) {
        (Some("OOMKilled"), _) => {
            match &c.memory_limit {
                Some(l) => format!(
                    "raise resources.limits.memory (now {l}) or find the leak; read the previous container's logs (p)"
                ),
                None => "set or raise resources.limits.memory, or find the leak; read the previous container's logs (p)".into(),
            }
        }
        (_, 137) => "killed by SIGKILL (liveness probe or OOM on the node?): check events and the previous container's logs (p)".into(),
        (_, 143) => "stopped by SIGTERM: check liveness probes and events; read the previous container's logs (p)".into(),
        _ => "read the previous container's logs (p) for the crash".into(),
    }
}

fn why_terminated(t: &Terminated) -> &'static str {
    match (t.reason.as_deref(), t.exit_code) {
        (Some("OOMKilled"), _) => "it was killed for exceeding its memory limit",
        (_, 137) => "it was killed (SIGKILL)",
        (_, 143) => "it was terminated (SIGTERM)",
        (_, 0) => "it exited cleanly but is expected to keep running",
        _ => "it exited with an error",
    }
}

static MISSING_REF: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(r#"(?i)(secret|configmap)s? "([^"]+)" not found"#).expect("valid regex")
});
static MISSING_KEY: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(r"(?i)couldn't find key (\S+) in (Secret|ConfigMap) (\S+)")
        .expect("valid regex")
});

/// What a CreateContainerConfigError message says is missing.
fn missing_config(message: &str, ns: &str) -> (String, String) {
    if let Some(c) = MISSING_REF.captures(message) {
        let kind = if c[1].eq_ignore_ascii_case("secret") {
            "Secret"
        } else {
            "ConfigMap"
        };
        let name = &c[2];
        return (
            format!("{kind} {name} not found"),
            format!(
                "create {kind} {ns}/{name} (or fix the reference in the pod template); the pod starts once it exists"
            ),
        );
    }
    if let Some(c) = MISSING_KEY.captures(message) {
        return (
            format!("key {} missing in {} {}", &c[1], &c[2], &c[3]),
            format!("add key {} to {} {}", &c[1], &c[2], &c[3]),
        );
    }
    (
        message.to_string(),
        "fix the container's env/volume references to Secrets and ConfigMaps".into(),
    )
}

/// Classify one container's waiting/terminated state; `prefix` is `Init:` for init containers.
fn classify_container(c: &ContainerSummary, p: &PodSummary, init: bool) -> Option<Health> {
    let prefix = if init { "Init:" } else { "" };
    let role = if init { "init container" } else { "container" };
    match &c.state {
        State::Waiting { reason, message } => {
            let reason = reason.as_deref().unwrap_or("");
            let message = message.as_deref().unwrap_or("");
            match reason {
                "CrashLoopBackOff" => {
                    let (detail, why, next) = match &c.last {
                        Some(t) => (
                            format!("last exit {}, {}", t.describe(), restarts(c.restarts)),
                            format!(
                                "{role} {} keeps crashing: {} ({}), restarted {} times",
                                c.name,
                                why_terminated(t),
                                t.describe(),
                                c.restarts
                            ),
                            termination_hint(t, c),
                        ),
                        None => (
                            restarts(c.restarts),
                            format!(
                                "{role} {} keeps crashing, restarted {} times",
                                c.name, c.restarts
                            ),
                            "read the previous container's logs (p)".to_string(),
                        ),
                    };
                    Some(Health::new(
                        Severity::Critical,
                        format!("{prefix}CrashLoopBackOff"),
                        detail,
                        why,
                        next,
                    ))
                }
                "ImagePullBackOff" | "ErrImagePull" | "InvalidImageName" | "ErrImageNeverPull" => {
                    Some(Health::new(
                        Severity::Critical,
                        format!("{prefix}{reason}"),
                        format!("image {}", c.image),
                        format!("{role} {} cannot pull image {}", c.name, c.image),
                        if message.contains("unauthorized") || message.contains("denied") {
                            "check the pod's imagePullSecrets and registry credentials".to_string()
                        } else {
                            "check that the image name and tag exist in the registry, and imagePullSecrets; or roll back (U)".to_string()
                        },
                    ))
                }
                "CreateContainerConfigError" | "CreateContainerError" => {
                    let (what, next) = missing_config(message, &p.key.namespace);
                    Some(Health::new(
                        Severity::Critical,
                        format!("{prefix}{reason}"),
                        what.clone(),
                        format!("{role} {} cannot be created: {what}", c.name),
                        next,
                    ))
                }
                "RunContainerError" | "PostStartHookError" => Some(Health::new(
                    Severity::Critical,
                    format!("{prefix}{reason}"),
                    message.to_string(),
                    format!("{role} {} failed to start: {message}", c.name),
                    "check the command, entrypoint and mounts of the container",
                )),
                _ => None,
            }
        }
        State::Terminated(t) if init && t.exit_code != 0 => Some(Health::new(
            Severity::Critical,
            "Init:Error",
            format!("exit {}, {}", t.describe(), restarts(c.restarts)),
            format!(
                "init container {} failed ({}); the app containers will not start",
                c.name,
                t.describe()
            ),
            "read the init container's logs (l, choose the container)",
        )),
        State::Terminated(t)
            if !init && t.exit_code != 0 && p.phase != "Succeeded" && p.deletion.is_none() =>
        {
            Some(Health::new(
                Severity::Critical,
                "Error",
                format!("exit {}", t.describe()),
                format!("container {} exited: {}", c.name, why_terminated(t)),
                termination_hint(t, c),
            ))
        }
        _ => None,
    }
}

/// `nodes` looks up the node a pod runs on (to flag pods on NotReady nodes).
pub fn classify_pod(
    p: &PodSummary,
    now: Timestamp,
    node: &dyn Fn(&str) -> Option<NodeSummary>,
) -> Health {
    if let Some(del) = p.deletion {
        // deletionTimestamp is the deadline: request time + grace period.
        let over = now.duration_since(del);
        if over.as_secs() > 0 {
            let grace = p.grace_seconds.unwrap_or(30);
            return Health::new(
                Severity::Warning,
                "Terminating",
                format!(
                    "{} past its {grace}s grace period",
                    crate::text::human_duration(over.unsigned_abs())
                ),
                format!(
                    "stuck terminating for {} beyond its {grace}s grace period: a finalizer or an unreachable node is holding it",
                    crate::text::human_duration(over.unsigned_abs())
                ),
                "check metadata.finalizers and the node; as a last resort force-delete the pod",
            );
        }
        let mut h = Health::healthy("Terminating");
        h.severity = Some(Severity::Info);
        return h;
    }
    if p.phase == "Failed" && p.reason.as_deref() == Some("Evicted") {
        let msg = p.message.clone().unwrap_or_default();
        return Health::new(
            Severity::Warning,
            "Evicted",
            msg.clone(),
            format!("the kubelet evicted this pod: {msg}"),
            "check the node's memory/disk pressure; delete the evicted pod once understood (D)",
        );
    }
    if p.phase == "Succeeded" {
        return Health::healthy("Completed");
    }
    if let Some(name) = &p.node
        && let Some(n) = node(name)
        && !n.ready
    {
        return Health::new(
            Severity::Critical,
            "NodeNotReady",
            format!("node {name} NotReady"),
            format!(
                "its node {name} is NotReady ({}); the pod will be evicted when the node timeout passes",
                n.message.as_deref().unwrap_or("no status")
            ),
            format!(
                "check node {name} (kubelet, network, pressure); cordon and drain it if it will not recover"
            ),
        );
    }
    for c in &p.init_containers {
        if let Some(h) = classify_container(c, p, true) {
            return h;
        }
    }
    for c in &p.containers {
        if let Some(h) = classify_container(c, p, false) {
            return h;
        }
    }
    if p.phase == "Failed" {
        let msg = p.message.clone().unwrap_or_default();
        return Health::new(
            Severity::Critical,
            p.reason.clone().unwrap_or_else(|| "Failed".into()),
            msg.clone(),
            format!("the pod failed: {msg}"),
            "read the pod's logs (l) and events (enter)",
        );
    }
    if p.phase == "Pending" {
        if let Some(c) = p.condition("PodScheduled")
            && c.status == "False"
        {
            let msg = c.message.clone().unwrap_or_default();
            let next = if msg.contains("Insufficient") {
                "free capacity (scale down, add nodes) or lower the pod's resource requests"
            } else if msg.contains("taint") || msg.contains("affinity") || msg.contains("selector")
            {
                "check the pod's nodeSelector, affinity and tolerations against the nodes' labels and taints"
            } else if msg.contains("persistentvolumeclaim") || msg.contains("PersistentVolumeClaim")
            {
                "check the PersistentVolumeClaim is bound"
            } else {
                "read the scheduler message and the pod's events"
            };
            return Health::new(
                Severity::Critical,
                c.reason.clone().unwrap_or_else(|| "Unschedulable".into()),
                msg.clone(),
                format!("no node can run this pod: {msg}"),
                next,
            );
        }
        let mut h = Health::healthy("Pending");
        if let Some(w) = p.containers.iter().find_map(|c| match &c.state {
            State::Waiting {
                reason: Some(r), ..
            } => Some(r.clone()),
            _ => None,
        }) {
            h.reason = w;
        }
        h.severity = Some(Severity::Info);
        return h;
    }
    if p.phase == "Running" {
        let ready = p.condition("Ready").is_none_or(|c| c.status == "True");
        if !ready {
            let not_ready: Vec<&ContainerSummary> =
                p.containers.iter().filter(|c| !c.ready).collect();
            let names = not_ready
                .iter()
                .map(|c| c.name.as_str())
                .collect::<Vec<_>>()
                .join(", ");
            let probe = not_ready
                .iter()
                .flat_map(|c| c.probes.iter())
                .find(|p| p.starts_with("readiness"))
                .cloned();
            let detail = match &probe {
                Some(pr) => format!("{names} not ready ({pr})"),
                None => format!("{names} not ready"),
            };
            return Health::new(
                Severity::Warning,
                "NotReady",
                detail,
                format!(
                    "running but not ready: the readiness check of {names} fails, so it receives no traffic"
                ),
                "see the Unhealthy events (enter) and the logs (l); check what the readiness probe calls",
            );
        }
        return Health::healthy("Running");
    }
    Health::healthy(p.phase.clone())
}

pub fn classify_workload(w: &WorkloadSummary) -> Health {
    let kind = w.kind();
    match kind {
        Kind::Deployment => {
            if let Some(c) = w.condition("Progressing")
                && c.reason.as_deref() == Some("ProgressDeadlineExceeded")
            {
                let msg = c.message.clone().unwrap_or_default();
                return Health::new(
                    Severity::Critical,
                    "ProgressDeadlineExceeded",
                    format!("{}/{} available; {msg}", w.available, w.desired),
                    format!("the rollout is stuck: {msg}"),
                    "look at the new ReplicaSet's pods (t for the tree); roll back with U",
                );
            }
            if w.desired > 0 && w.available < w.desired {
                let sev = if w.available == 0 {
                    Severity::Critical
                } else {
                    Severity::Warning
                };
                return Health::new(
                    sev,
                    "Unavailable",
                    format!(
                        "{}/{} available, {} unavailable",
                        w.available,
                        w.desired,
                        w.unavailable.max(w.desired - w.available)
                    ),
                    format!(
                        "only {} of {} replicas are available",
                        w.available, w.desired
                    ),
                    "see which pods are failing (t for the tree, enter for detail)",
                );
            }
            Health::healthy(if w.desired == 0 {
                "ScaledToZero"
            } else {
                "Available"
            })
        }
        Kind::StatefulSet | Kind::DaemonSet => {
            if w.desired > 0 && w.ready < w.desired {
                return Health::new(
                    if w.ready == 0 {
                        Severity::Critical
                    } else {
                        Severity::Warning
                    },
                    "Unavailable",
                    format!("{}/{} ready", w.ready, w.desired),
                    format!("only {} of {} pods are ready", w.ready, w.desired),
                    "see which pods are failing (t for the tree, enter for detail)",
                );
            }
            Health::healthy("Ready")
        }
        Kind::Job => {
            if let Some(c) = w
                .conditions
                .iter()
                .find(|c| c.type_ == "Failed" && c.status == "True")
            {
                let reason = c.reason.clone().unwrap_or_else(|| "Failed".into());
                let msg = c.message.clone().unwrap_or_default();
                return Health::new(
                    Severity::Critical,
                    reason.clone(),
                    format!("{} failed pods; {msg}", w.failed),
                    format!("the job failed ({reason}): {msg}"),
                    "read the failed pods' logs (t for the tree)",
                );
            }
            if w.conditions
                .iter()
                .any(|c| c.type_ == "Complete" && c.status == "True")
            {
                return Health::healthy("Complete");
            }
            Health::healthy("Running")
        }
        _ => Health::healthy(if w.paused { "Suspended" } else { "Active" }),
    }
}

/// A NotReady node is critical when it hosts pods.
pub fn classify_node(n: &NodeSummary, pods: usize) -> Health {
    if n.ready {
        return Health::healthy("Ready");
    }
    let msg = n.message.clone().unwrap_or_default();
    Health::new(
        if pods > 0 {
            Severity::Critical
        } else {
            Severity::Warning
        },
        "NodeNotReady",
        format!("{pods} pods on it; {msg}"),
        format!("node {} is NotReady ({msg}) and hosts {pods} pods", n.name),
        "check the kubelet and network on the node; cordon and drain it if it does not recover",
    )
}

#[cfg(test)]
#[path = "health_tests.rs"]
mod tests;
