//! The drain planner: which pods on a node a drain evicts and which it
//! leaves, with kubectl's rules (`kubectl drain --ignore-daemonsets
//! --delete-emptydir-data`): DaemonSet pods, mirror (static) pods and pods
//! already finished stay; pods no controller owns block the drain (deleted,
//! they are gone for good — kubectl refuses them without `--force`); pods
//! with `emptyDir` volumes are evicted, named with the data that goes with
//! them; and every PodDisruptionBudget that selects a pod is named with the
//! disruptions it allows now. Pure: the handler fetches, this decides.

pub use crate::action::PodRef;
use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use std::collections::BTreeMap;

/// The annotation the kubelet puts on the API copy of a static pod.
pub const MIRROR_ANNOTATION: &str = "kubernetes.io/config.mirror";

/// A budget selecting a pod, as it stood when the plan was made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Budget {
    pub name: String,
    /// `status.disruptionsAllowed`: 0 means an eviction waits.
    pub allowed: i32,
}

/// A pod the drain evicts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evict {
    pub pod: PodRef,
    /// `ReplicaSet api-7d9`, `StatefulSet db`.
    pub owner: String,
    /// Names of its `emptyDir` volumes: their data is lost.
    pub empty_dirs: Vec<String>,
    pub budgets: Vec<Budget>,
}

/// Why a pod on the node is not evicted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Keep {
    DaemonSet(String),
    Mirror,
    /// `Succeeded` or `Failed`.
    Finished(String),
}

impl std::fmt::Display for Keep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::DaemonSet(name) => write!(
                f,
                "managed by DaemonSet {name} (it would come straight back)"
            ),
            Self::Mirror => write!(
                f,
                "a static (mirror) pod: the kubelet runs it from a file on the node"
            ),
            Self::Finished(phase) => write!(f, "already {phase}"),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DrainPlan {
    pub node: String,
    pub evict: Vec<Evict>,
    pub keep: Vec<(PodRef, Keep)>,
    /// Pods no controller owns: the drain refuses while there are any.
    pub unmanaged: Vec<PodRef>,
}

impl DrainPlan {
    /// Budgets that would hold an eviction now (each once), with the pods they select.
    pub fn blocking_budgets(&self) -> BTreeMap<(String, String), Vec<&PodRef>> {
        let mut out: BTreeMap<(String, String), Vec<&PodRef>> = BTreeMap::new();
        for e in &self.evict {
            for b in e.budgets.iter().filter(|b| b.allowed <= 0) {
                out.entry((e.pod.namespace.clone(), b.name.clone()))
                    .or_default()
                    .push(&e.pod);
            }
        }
        out
    }
}

/// What the planner needs of a pod, from the API's `Pod` or the demo's
/// projection.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Candidate {
    pub pod: PodRef,
    pub node: Option<String>,
    /// The controlling owner's kind and name.
    pub owner: Option<(String, String)>,
    pub mirror: bool,
    pub phase: String,
    pub empty_dirs: Vec<String>,
    pub labels: BTreeMap<String, String>,
}

impl From<&Pod> for Candidate {
    fn from(p: &Pod) -> Self {
        let owners = p.metadata.owner_references.iter().flatten();
        let owner = owners
            .clone()
            .find(|o| o.controller == Some(true))
            .or_else(|| owners.clone().next())
            .map(|o| (o.kind.clone(), o.name.clone()));
        Self {
            pod: PodRef {
                namespace: p.metadata.namespace.clone().unwrap_or_default(),
                name: p.metadata.name.clone().unwrap_or_default(),
            },
            node: p.spec.as_ref().and_then(|s| s.node_name.clone()),
            owner,
            mirror: p
                .metadata
                .annotations
                .as_ref()
                .is_some_and(|a| a.contains_key(MIRROR_ANNOTATION)),
            phase: p
                .status
                .as_ref()
                .and_then(|s| s.phase.clone())
                .unwrap_or_default(),
            empty_dirs: p
                .spec
                .iter()
                .flat_map(|s| s.volumes.iter().flatten())
                .filter(|v| v.empty_dir.is_some())
                .map(|v| v.name.clone())
                .collect(),
            labels: p.metadata.labels.clone().unwrap_or_default(),
        }
    }
}

/// Plan draining `node` from every pod in the cluster (those on other nodes
/// are ignored, so a list without a field selector works) and the budgets.
pub fn plan(node: &str, pods: &[Candidate], budgets: &[PodDisruptionBudget]) -> DrainPlan {
    let mut out = DrainPlan {
        node: node.to_string(),
        ..Default::default()
    };
    for p in pods.iter().filter(|p| p.node.as_deref() == Some(node)) {
        let at = p.pod.clone();
        if p.mirror {
            out.keep.push((at, Keep::Mirror));
            continue;
        }
        if matches!(p.phase.as_str(), "Succeeded" | "Failed") {
            out.keep.push((at, Keep::Finished(p.phase.clone())));
            continue;
        }
        let Some((kind, name)) = &p.owner else {
            out.unmanaged.push(at);
            continue;
        };
        if kind == "DaemonSet" {
            out.keep.push((at, Keep::DaemonSet(name.clone())));
            continue;
        }
        let budgets = budgets
            .iter()
            .filter(|b| b.metadata.namespace.as_deref() == Some(at.namespace.as_str()))
            .filter(|b| selects(b, &p.labels))
            .map(|b| Budget {
                name: b.metadata.name.clone().unwrap_or_default(),
                allowed: b
                    .status
                    .as_ref()
                    .and_then(|s| s.disruptions_allowed)
                    .unwrap_or(0),
            })
            .collect();
        out.evict.push(Evict {
            pod: at,
            owner: format!("{kind} {name}"),
            empty_dirs: p.empty_dirs.clone(),
            budgets,
        });
    }
    out.evict.sort_by(|a, b| a.pod.cmp(&b.pod));
    out.keep.sort_by(|a, b| a.0.cmp(&b.0));
    out.unmanaged.sort();
    out
}

/// Whether the budget's selector selects these labels (`matchLabels` and
/// `matchExpressions`, as the disruption controller reads them; an empty
/// selector selects every pod in the namespace under `policy/v1`).
fn selects(b: &PodDisruptionBudget, labels: &BTreeMap<String, String>) -> bool {
    let Some(sel) = b.spec.as_ref().and_then(|s| s.selector.as_ref()) else {
        return false;
    };
    let exact = sel
        .match_labels
        .iter()
        .flatten()
        .all(|(k, v)| labels.get(k) == Some(v));
    let exprs = sel.match_expressions.iter().flatten().all(|e| {
        let values = e.values.as_deref().unwrap_or_default();
        let have = labels.get(&e.key);
        match e.operator.as_str() {
            "In" => have.is_some_and(|v| values.contains(v)),
            "NotIn" => have.is_none_or(|v| !values.contains(v)),
            "Exists" => have.is_some(),
            "DoesNotExist" => have.is_none(),
            _ => false,
        }
    });
    exact && exprs
}

#[cfg(test)]
#[path = "drain_tests.rs"]
mod tests;
