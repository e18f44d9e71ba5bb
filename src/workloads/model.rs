//! Projected summaries of Kubernetes objects: only what the views, the health
//! classifier and the report need. Watchers convert each object on arrival, so
//! the full objects (managed fields, specs, volumes…) are never kept — memory
//! stays small at 10k pods.

use jiff::Timestamp;
use k8s_openapi::api::core::v1::{ContainerState, ContainerStatus, Node, Pod, PodSpec, Probe};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use std::collections::BTreeMap;

/// The kinds the workloads pane watches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Pod,
    Deployment,
    ReplicaSet,
    StatefulSet,
    DaemonSet,
    Job,
    CronJob,
    Event,
    Node,
}

impl Kind {
    /// The kinds `scale` works on. A DaemonSet runs one pod per node, and
    /// patching its `spec.replicas` "succeeds" while changing nothing.
    pub const SCALABLE: [Kind; 2] = [Kind::Deployment, Kind::StatefulSet];

    pub fn is_scalable(self) -> bool {
        Self::SCALABLE.contains(&self)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Pod => "Pod",
            Self::Deployment => "Deployment",
            Self::ReplicaSet => "ReplicaSet",
            Self::StatefulSet => "StatefulSet",
            Self::DaemonSet => "DaemonSet",
            Self::Job => "Job",
            Self::CronJob => "CronJob",
            Self::Event => "Event",
            Self::Node => "Node",
        }
    }

    /// `kubectl`-style lower-case name used in action targets.
    pub fn arg(self) -> &'static str {
        match self {
            Self::Pod => "pod",
            Self::Deployment => "deployment",
            Self::ReplicaSet => "replicaset",
            Self::StatefulSet => "statefulset",
            Self::DaemonSet => "daemonset",
            Self::Job => "job",
            Self::CronJob => "cronjob",
            Self::Event => "event",
            Self::Node => "node",
        }
    }

    pub fn from_label(s: &str) -> Option<Self> {
        [
            Self::Pod,
            Self::Deployment,
            Self::ReplicaSet,
            Self::StatefulSet,
            Self::DaemonSet,
            Self::Job,
            Self::CronJob,
            Self::Event,
            Self::Node,
        ]
        .into_iter()
        .find(|k| k.label().eq_ignore_ascii_case(s) || k.arg() == s)
    }
}

/// Namespace + name (namespace empty for cluster-scoped objects).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Key {
    pub namespace: String,
    pub name: String,
}

impl Key {
    pub fn new(ns: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            namespace: ns.into(),
            name: name.into(),
        }
    }
}

/// The controlling owner of an object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owner {
    pub kind: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Terminated {
    pub reason: Option<String>,
    pub exit_code: i32,
    pub signal: Option<i32>,
    pub message: Option<String>,
    pub finished: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum State {
    Waiting {
        reason: Option<String>,
        message: Option<String>,
    },
    Running {
        started: Option<Timestamp>,
    },
    Terminated(Terminated),
    Unknown,
}

impl State {
    fn from_k8s(s: Option<&ContainerState>) -> Self {
        let Some(s) = s else { return Self::Unknown };
        if let Some(w) = &s.waiting {
            return Self::Waiting {
                reason: w.reason.clone(),
                message: w.message.clone(),
            };
        }
        if let Some(r) = &s.running {
            return Self::Running {
                started: r.started_at.as_ref().map(|t| t.0),
            };
        }
        if let Some(t) = &s.terminated {
            return Self::Terminated(Terminated {
                reason: t.reason.clone(),
                exit_code: t.exit_code,
                signal: t.signal,
                message: t.message.clone(),
                finished: t.finished_at.as_ref().map(|t| t.0),
            });
        }
        Self::Unknown
    }

    /// `Running`, `Waiting: CrashLoopBackOff`, `Terminated: OOMKilled (137)`.
    pub fn describe(&self) -> String {
        match self {
            Self::Waiting { reason, .. } => {
                format!("Waiting: {}", reason.as_deref().unwrap_or("-"))
            }
            Self::Running { .. } => "Running".into(),
            Self::Terminated(t) => format!("Terminated: {}", t.describe()),
            Self::Unknown => "Unknown".into(),
        }
    }
}

impl Terminated {
    /// `OOMKilled (137)`, `Error (1)`.
    pub fn describe(&self) -> String {
        format!(
            "{} ({})",
            self.reason.as_deref().unwrap_or("exit"),
            self.exit_code
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerSummary {
    pub name: String,
    pub image: String,
    pub ready: bool,
    pub restarts: i32,
    pub state: State,
    pub last: Option<Terminated>,
    /// `readiness http-get :8080/healthz every 10s`, one per probe.
    pub probes: Vec<String>,
    pub memory_limit: Option<String>,
    /// Declared container ports (what a port-forward form offers).
    pub ports: Vec<u16>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Condition {
    pub type_: String,
    pub status: String,
    pub reason: Option<String>,
    pub message: Option<String>,
    pub since: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodSummary {
    pub key: Key,
    pub labels: BTreeMap<String, String>,
    pub owner: Option<Owner>,
    pub created: Option<Timestamp>,
    pub deletion: Option<Timestamp>,
    pub grace_seconds: Option<i64>,
    pub phase: String,
    pub reason: Option<String>,
    pub message: Option<String>,
    pub node: Option<String>,
    pub conditions: Vec<Condition>,
    pub init_containers: Vec<ContainerSummary>,
    pub containers: Vec<ContainerSummary>,
    /// Ephemeral (debug) containers, from their statuses: a shell or exec
    /// may join one while it runs.
    pub ephemeral_containers: Vec<ContainerSummary>,
    /// The `kubectl.kubernetes.io/default-container` annotation (what exec
    /// and a shell use without a choice).
    pub default_container: Option<String>,
    /// Its containers' requests, summed (what it holds of its node).
    pub requests: super::quantity::Resources,
}

impl PodSummary {
    /// Restarts of every container, init containers included (what the
    /// RESTARTS column of `kubectl get pods` counts): a pod stuck in
    /// `Init:CrashLoopBackOff` must not read 0.
    pub fn restarts(&self) -> i32 {
        self.init_containers
            .iter()
            .chain(&self.containers)
            .map(|c| c.restarts)
            .sum()
    }

    pub fn condition(&self, type_: &str) -> Option<&Condition> {
        self.conditions.iter().find(|c| c.type_ == type_)
    }

    /// The most recent termination of any container (for the problems list).
    pub fn last_termination(&self) -> Option<(&str, &Terminated)> {
        self.containers
            .iter()
            .chain(&self.init_containers)
            .filter_map(|c| c.last.as_ref().map(|t| (c.name.as_str(), t)))
            .max_by_key(|(_, t)| t.finished)
    }
}

fn meta_key(m: &ObjectMeta) -> Key {
    Key::new(
        m.namespace.clone().unwrap_or_default(),
        m.name.clone().unwrap_or_default(),
    )
}

fn owner(m: &ObjectMeta) -> Option<Owner> {
    let refs = m.owner_references.as_ref()?;
    let r = refs
        .iter()
        .find(|r| r.controller == Some(true))
        .or(refs.first())?;
    Some(Owner {
        kind: r.kind.clone(),
        name: r.name.clone(),
    })
}

fn probe_text(kind: &str, p: &Probe) -> String {
    let how = if let Some(h) = &p.http_get {
        let port = match &h.port {
            k8s_openapi::apimachinery::pkg::util::intstr::IntOrString::Int(i) => i.to_string(),
            k8s_openapi::apimachinery::pkg::util::intstr::IntOrString::String(s) => s.clone(),
        };
        format!("http-get :{port}{}", h.path.as_deref().unwrap_or("/"))
    } else if let Some(t) = &p.tcp_socket {
        let port = match &t.port {
            k8s_openapi::apimachinery::pkg::util::intstr::IntOrString::Int(i) => i.to_string(),
            k8s_openapi::apimachinery::pkg::util::intstr::IntOrString::String(s) => s.clone(),
        };
        format!("tcp :{port}")
    } else if let Some(e) = &p.exec {
        format!("exec {}", e.command.clone().unwrap_or_default().join(" "))
    } else if let Some(g) = &p.grpc {
        format!("grpc :{}", g.port)
    } else {
        "?".into()
    };
    format!(
        "{kind} {how} every {}s, {} failures",
        p.period_seconds.unwrap_or(10),
        p.failure_threshold.unwrap_or(3)
    )
}

fn containers(
    spec: Option<&PodSpec>,
    statuses: Option<&Vec<ContainerStatus>>,
    init: bool,
) -> Vec<ContainerSummary> {
    let specs = spec.map(|s| {
        if init {
            s.init_containers.clone().unwrap_or_default()
        } else {
            s.containers.clone()
        }
    });
    let specs = specs.unwrap_or_default();
    let statuses = statuses.cloned().unwrap_or_default();
    let mut out: Vec<ContainerSummary> = specs
        .iter()
        .map(|c| {
            let st = statuses.iter().find(|s| s.name == c.name);
            let mut probes = Vec::new();
            if let Some(p) = &c.readiness_probe {
                probes.push(probe_text("readiness", p));
            }
            if let Some(p) = &c.liveness_probe {
                probes.push(probe_text("liveness", p));
            }
            if let Some(p) = &c.startup_probe {
                probes.push(probe_text("startup", p));
            }
            ContainerSummary {
                name: c.name.clone(),
                image: c.image.clone().unwrap_or_default(),
                ready: st.is_some_and(|s| s.ready),
                restarts: st.map_or(0, |s| s.restart_count),
                state: State::from_k8s(st.and_then(|s| s.state.as_ref())),
                last: st.and_then(|s| match State::from_k8s(s.last_state.as_ref()) {
                    State::Terminated(t) => Some(t),
                    _ => None,
                }),
                probes,
                memory_limit: c
                    .resources
                    .as_ref()
                    .and_then(|r| r.limits.as_ref())
                    .and_then(|l| l.get("memory"))
                    .map(|q| q.0.clone()),
                ports: c
                    .ports
                    .iter()
                    .flatten()
                    .filter_map(|p| u16::try_from(p.container_port).ok())
                    .collect(),
            }
        })
        .collect();
    // Statuses for containers the spec does not list (should not happen, but
    // a partial object must not hide a crashing container).
    for s in &statuses {
        if !out.iter().any(|c| c.name == s.name) {
            out.push(ContainerSummary {
                name: s.name.clone(),
                image: s.image.clone(),
                ready: s.ready,
                restarts: s.restart_count,
                state: State::from_k8s(s.state.as_ref()),
                last: match State::from_k8s(s.last_state.as_ref()) {
                    State::Terminated(t) => Some(t),
                    _ => None,
                },
                probes: Vec::new(),
                memory_limit: None,
                ports: Vec::new(),
            });
        }
    }
    out
}

impl From<&Pod> for PodSummary {
    fn from(p: &Pod) -> Self {
        let m = &p.metadata;
        let st = p.status.as_ref();
        PodSummary {
            key: meta_key(m),
            labels: m.labels.clone().unwrap_or_default(),
            owner: owner(m),
            created: m.creation_timestamp.as_ref().map(|t| t.0),
            deletion: m.deletion_timestamp.as_ref().map(|t| t.0),
            grace_seconds: m.deletion_grace_period_seconds.or(p
                .spec
                .as_ref()
                .and_then(|s| s.termination_grace_period_seconds)),
            phase: st
                .and_then(|s| s.phase.clone())
                .unwrap_or_else(|| "Unknown".into()),
            reason: st.and_then(|s| s.reason.clone()),
            message: st.and_then(|s| s.message.clone()),
            node: p.spec.as_ref().and_then(|s| s.node_name.clone()),
            default_container: m
                .annotations
                .as_ref()
                .and_then(|a| a.get(super::exec::DEFAULT_CONTAINER).cloned()),
            conditions: st
                .and_then(|s| s.conditions.as_ref())
                .map(|cs| {
                    cs.iter()
                        .map(|c| Condition {
                            type_: c.type_.clone(),
                            status: c.status.clone(),
                            reason: c.reason.clone(),
                            message: c.message.clone(),
                            since: c.last_transition_time.as_ref().map(|t| t.0),
                        })
                        .collect()
                })
                .unwrap_or_default(),
            init_containers: containers(
                p.spec.as_ref(),
                st.and_then(|s| s.init_container_statuses.as_ref()),
                true,
            ),
            containers: containers(
                p.spec.as_ref(),
                st.and_then(|s| s.container_statuses.as_ref()),
                false,
            ),
            // Their spec is another type (EphemeralContainer); the statuses
            // say all a session needs: name, image, state.
            ephemeral_containers: containers(
                None,
                st.and_then(|s| s.ephemeral_container_statuses.as_ref()),
                false,
            ),
            requests: p.spec.iter().flat_map(|s| &s.containers).fold(
                super::quantity::Resources::default(),
                |mut sum, c| {
                    sum.add(super::quantity::Resources::of(
                        c.resources.as_ref().and_then(|r| r.requests.as_ref()),
                    ));
                    sum
                },
            ),
        }
    }
}

/// A controller: Deployment, ReplicaSet, StatefulSet, DaemonSet, Job or CronJob.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WorkloadSummary {
    pub kind: Option<Kind>,
    pub key: Key,
    pub labels: BTreeMap<String, String>,
    pub owner: Option<Owner>,
    pub created: Option<Timestamp>,
    /// Desired replicas (Job: completions; DaemonSet: desired scheduled).
    pub desired: i32,
    pub ready: i32,
    pub available: i32,
    pub updated: i32,
    pub unavailable: i32,
    /// Job: failed pods; CronJob: active jobs.
    pub failed: i32,
    /// `deployment.kubernetes.io/revision`.
    pub revision: Option<i64>,
    pub conditions: Vec<Condition>,
    /// Images of the pod template, `name=image`.
    pub images: Vec<String>,
    pub paused: bool,
    /// CronJob schedule.
    pub schedule: Option<String>,
    pub last_schedule: Option<Timestamp>,
}

impl WorkloadSummary {
    pub fn kind(&self) -> Kind {
        self.kind.unwrap_or(Kind::Deployment)
    }

    pub fn condition(&self, type_: &str) -> Option<&Condition> {
        self.conditions.iter().find(|c| c.type_ == type_)
    }

    pub(super) fn base(kind: Kind, m: &ObjectMeta, spec: Option<&PodSpec>) -> Self {
        Self {
            kind: Some(kind),
            key: meta_key(m),
            labels: m.labels.clone().unwrap_or_default(),
            owner: owner(m),
            created: m.creation_timestamp.as_ref().map(|t| t.0),
            revision: m
                .annotations
                .as_ref()
                .and_then(|a| a.get("deployment.kubernetes.io/revision"))
                .and_then(|r| r.parse().ok()),
            images: spec
                .map(|s| {
                    s.containers
                        .iter()
                        .map(|c| format!("{}={}", c.name, c.image.as_deref().unwrap_or("")))
                        .collect()
                })
                .unwrap_or_default(),
            ..Default::default()
        }
    }
}

#[path = "model_events.rs"]
mod events;
pub use events::{EVENT_MESSAGE_MAX, EventSummary};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NodeSummary {
    pub name: String,
    pub ready: bool,
    /// Why Ready is not True (`NodeStatusUnknown: Kubelet stopped posting node status.`).
    pub message: Option<String>,
    pub since: Option<Timestamp>,
    /// Cordoned (`spec.unschedulable`).
    pub unschedulable: bool,
    /// Pressure conditions that are True (`MemoryPressure`, `DiskPressure`,
    /// `PIDPressure`, `NetworkUnavailable`) and since when.
    pub pressure: Vec<(String, Option<Timestamp>)>,
    /// `key=value:Effect`.
    pub taints: Vec<String>,
    /// `v1.30.4`.
    pub kubelet: String,
    /// What the scheduler may place on it (`status.allocatable`).
    pub allocatable: super::quantity::Resources,
}

impl From<&Node> for NodeSummary {
    fn from(n: &Node) -> Self {
        let conditions = n.status.as_ref().and_then(|s| s.conditions.as_ref());
        let ready = conditions.and_then(|cs| cs.iter().find(|c| c.type_ == "Ready"));
        let spec = n.spec.as_ref();
        NodeSummary {
            name: n.metadata.name.clone().unwrap_or_default(),
            // No Ready condition yet: a node still registering, not a broken one.
            ready: ready.is_none_or(|c| c.status == "True"),
            message: ready.map(|c| {
                format!(
                    "{}{}",
                    c.reason.as_deref().unwrap_or(""),
                    c.message
                        .as_deref()
                        .map(|m| format!(": {m}"))
                        .unwrap_or_default()
                )
            }),
            since: ready.and_then(|c| c.last_transition_time.as_ref().map(|t| t.0)),
            unschedulable: spec.and_then(|s| s.unschedulable) == Some(true),
            pressure: conditions
                .into_iter()
                .flatten()
                .filter(|c| c.type_ != "Ready" && c.status == "True")
                .map(|c| {
                    (
                        c.type_.clone(),
                        c.last_transition_time.as_ref().map(|t| t.0),
                    )
                })
                .collect(),
            taints: spec
                .and_then(|s| s.taints.as_ref())
                .into_iter()
                .flatten()
                .map(|t| match &t.value {
                    Some(v) if !v.is_empty() => format!("{}={v}:{}", t.key, t.effect),
                    _ => format!("{}:{}", t.key, t.effect),
                })
                .collect(),
            kubelet: n
                .status
                .as_ref()
                .and_then(|s| s.node_info.as_ref())
                .map(|i| i.kubelet_version.clone())
                .unwrap_or_default(),
            allocatable: super::quantity::Resources::of(
                n.status.as_ref().and_then(|s| s.allocatable.as_ref()),
            ),
        }
    }
}

/// One projected object of any watched kind.
#[derive(Debug, Clone, PartialEq)]
pub enum Object {
    Pod(Box<PodSummary>),
    Workload(Box<WorkloadSummary>),
    Event(EventSummary),
    Node(NodeSummary),
}

impl Object {
    pub fn kind(&self) -> Kind {
        match self {
            Self::Pod(_) => Kind::Pod,
            Self::Workload(w) => w.kind(),
            Self::Event(_) => Kind::Event,
            Self::Node(_) => Kind::Node,
        }
    }

    pub fn key(&self) -> Key {
        match self {
            Self::Pod(p) => p.key.clone(),
            Self::Workload(w) => w.key.clone(),
            Self::Event(e) => e.key.clone(),
            Self::Node(n) => Key::new("", n.name.clone()),
        }
    }
}
