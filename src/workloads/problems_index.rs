//! The problems index: every object classified once, when it is applied to
//! the store, so that one change costs the object itself (and what depends
//! on it), not the whole store.
//!
//! Dependencies the classifier has, and how the index follows them:
//! - a pod's health reads its node (NotReady node → the pod is critical):
//!   pods are indexed by node name, and a node whose readiness or message
//!   changes re-classifies only the pods on it;
//! - a node's health reads how many pods it hosts: the per-node pod sets
//!   give the count, and a pod joining or leaving re-classifies its node;
//! - a terminating pod depends on the clock (a problem once its grace
//!   period is over, its detail says by how long): it is not classified on
//!   apply but kept by its deadline; a read classifies only the pods whose
//!   deadline has passed, so the result stays a pure function of `now`.
//!
//! Workloads depend on nothing but themselves.

use super::health::{Health, classify_node, classify_pod};
use super::model::{Key, Kind, NodeSummary, PodSummary, WorkloadSummary};
use super::quantity::Resources;
use jiff::{SignedDuration, Timestamp};
use std::collections::{BTreeMap, BTreeSet, HashMap};

#[derive(Debug, Default)]
pub(super) struct ProblemIndex {
    /// Problem pods classified on apply (never terminating ones).
    pub(super) pods: BTreeMap<Key, Health>,
    /// Problem workloads, ReplicaSets excluded (their trouble shows on the
    /// deployment and the pods).
    pub(super) workloads: BTreeMap<(Kind, Key), Health>,
    /// Problem nodes.
    pub(super) nodes: BTreeMap<String, Health>,
    /// Terminating pods by the instant they become problems.
    terminating: BTreeMap<Timestamp, BTreeSet<Key>>,
    /// Pods by the node they are scheduled on (known to the store or not:
    /// the node may be listed after its pods).
    by_node: HashMap<String, BTreeSet<Key>>,
    /// What the pods on each node request (those not finished: a Succeeded
    /// or Failed pod holds nothing), kept as pods come and go.
    requested: HashMap<String, Resources>,
}

/// Whether a pod holds its requests on its node (the scheduler's view).
fn holds(p: &PodSummary) -> bool {
    !matches!(p.phase.as_str(), "Succeeded" | "Failed")
}

/// When a pod deleted at `deletion` turns into a problem: `classify_pod`
/// flags it once it is a whole second past its deadline.
fn overdue_at(deletion: Timestamp) -> Timestamp {
    deletion
        .checked_add(SignedDuration::from_secs(1))
        .unwrap_or(Timestamp::MAX)
}

/// Classify a pod that is not terminating: the clock plays no part then.
fn classify_static(p: &PodSummary, nodes: &BTreeMap<String, NodeSummary>) -> Health {
    debug_assert!(p.deletion.is_none());
    classify_pod(p, Timestamp::UNIX_EPOCH, &|n: &str| nodes.get(n).cloned())
}

/// Whether a node's state reaches the health of the pods on it.
fn node_state(n: Option<&NodeSummary>) -> Option<&Option<String>> {
    n.filter(|n| !n.ready).map(|n| &n.message)
}

impl ProblemIndex {
    /// Index a pod just stored.
    pub(super) fn link_pod(&mut self, p: &PodSummary, nodes: &BTreeMap<String, NodeSummary>) {
        match p.deletion {
            Some(del) => {
                self.terminating
                    .entry(overdue_at(del))
                    .or_default()
                    .insert(p.key.clone());
            }
            None => {
                let h = classify_static(p, nodes);
                if h.is_problem() {
                    self.pods.insert(p.key.clone(), h);
                }
            }
        }
        if let Some(n) = &p.node {
            self.by_node
                .entry(n.clone())
                .or_default()
                .insert(p.key.clone());
            if holds(p) {
                self.requested.entry(n.clone()).or_default().add(p.requests);
            }
            self.classify_node(n, nodes);
        }
    }

    /// Forget a pod that left the store (or is about to be replaced).
    pub(super) fn unlink_pod(&mut self, p: &PodSummary, nodes: &BTreeMap<String, NodeSummary>) {
        self.pods.remove(&p.key);
        if let Some(del) = p.deletion {
            let at = overdue_at(del);
            if let Some(keys) = self.terminating.get_mut(&at) {
                keys.remove(&p.key);
                if keys.is_empty() {
                    self.terminating.remove(&at);
                }
            }
        }
        if let Some(n) = &p.node {
            if let Some(keys) = self.by_node.get_mut(n) {
                keys.remove(&p.key);
                if keys.is_empty() {
                    self.by_node.remove(n);
                    self.requested.remove(n);
                }
            }
            if holds(p)
                && let Some(r) = self.requested.get_mut(n)
            {
                r.remove(p.requests);
            }
            self.classify_node(n, nodes);
        }
    }

    pub(super) fn set_workload(&mut self, kind: Kind, key: &Key, w: Option<&WorkloadSummary>) {
        let h = w
            .filter(|_| kind != Kind::ReplicaSet)
            .map(super::health::classify_workload)
            .filter(Health::is_problem);
        match h {
            Some(h) => {
                self.workloads.insert((kind, key.clone()), h);
            }
            None => {
                self.workloads.remove(&(kind, key.clone()));
            }
        }
    }

    /// A node was stored, replaced (`old` → `nodes[name]`) or removed.
    pub(super) fn node_changed(
        &mut self,
        name: &str,
        old: Option<&NodeSummary>,
        pods: &BTreeMap<Key, PodSummary>,
        nodes: &BTreeMap<String, NodeSummary>,
    ) {
        self.classify_node(name, nodes);
        if node_state(old) == node_state(nodes.get(name)) {
            return;
        }
        let Some(keys) = self.by_node.get(name) else {
            return;
        };
        for key in keys {
            let Some(p) = pods.get(key).filter(|p| p.deletion.is_none()) else {
                continue;
            };
            let h = classify_static(p, nodes);
            if h.is_problem() {
                self.pods.insert(key.clone(), h);
            } else {
                self.pods.remove(key);
            }
        }
    }

    fn classify_node(&mut self, name: &str, nodes: &BTreeMap<String, NodeSummary>) {
        match nodes
            .get(name)
            .map(|n| classify_node(n, self.pods_on(name)))
            .filter(Health::is_problem)
        {
            Some(h) => {
                self.nodes.insert(name.to_string(), h);
            }
            None => {
                self.nodes.remove(name);
            }
        }
    }

    /// How many pods of the store are scheduled on node `name`.
    pub(super) fn pods_on(&self, name: &str) -> usize {
        self.by_node.get(name).map_or(0, BTreeSet::len)
    }

    /// What the pods on node `name` request.
    pub(super) fn requested_on(&self, name: &str) -> Resources {
        self.requested.get(name).copied().unwrap_or_default()
    }

    /// Terminating pods whose grace period is over at `now`.
    pub(super) fn overdue(&self, now: Timestamp) -> impl Iterator<Item = &Key> {
        self.terminating.range(..=now).flat_map(|(_, keys)| keys)
    }
}
