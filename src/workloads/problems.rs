//! The problems list, read from the store's problems index: a refresh
//! costs the problems (usually few), not the store. The full scan it
//! replaced stays as the reference the index is tested and benched against.

use super::health::{Health, classify_node, classify_workload};
use super::model::{Key, Kind, NodeSummary};
use super::store::{Filter, Row, Store, pod_row_with, workload_row_with};
use jiff::Timestamp;
use std::collections::{BTreeMap, HashMap};

fn node_row(n: &NodeSummary, health: Health) -> Row {
    Row {
        kind: Kind::Node,
        key: Key::new("", n.name.clone()),
        restarts: 0,
        last: String::new(),
        since: n.since,
        depth: 0,
        ready: "NotReady".into(),
        health,
    }
}

/// Most severe first, then newest first. Stable: rows that tie keep the
/// order they were pushed in (pods, workloads, nodes), as they always have.
fn sort(rows: &mut [Row]) {
    rows.sort_by(|a, b| {
        a.health
            .severity
            .cmp(&b.health.severity)
            .then_with(|| b.since.cmp(&a.since))
            .then_with(|| a.key.cmp(&b.key))
    });
}

impl Store {
    /// Every problem (critical, warning), most severe first, then newest first.
    pub fn problems(&self, now: Timestamp, filter: &Filter) -> Vec<Row> {
        let ix = &self.index;
        let mut rows = Vec::new();
        for (key, h) in &ix.pods {
            if let Some(p) = self.pods.get(key)
                && filter.matches(key, &p.labels, &h.reason)
            {
                rows.push(pod_row_with(p, h.clone(), 0));
            }
        }
        // Only these depend on the clock: classified at `now`.
        for key in ix.overdue(now) {
            if let Some(p) = self.pods.get(key) {
                let r = self.pod_row(p, now, 0);
                if r.health.is_problem() && filter.matches(key, &p.labels, &r.health.reason) {
                    rows.push(r);
                }
            }
        }
        for ((kind, key), h) in &ix.workloads {
            if let Some(w) = self.workloads.get(&(*kind, key.clone()))
                && filter.matches(key, &w.labels, &h.reason)
            {
                rows.push(workload_row_with(w, h.clone(), 0));
            }
        }
        for (name, h) in &ix.nodes {
            if let Some(n) = self.nodes.get(name)
                && filter.matches(&Key::new("", name.clone()), &BTreeMap::new(), &h.reason)
            {
                rows.push(node_row(n, h.clone()));
            }
        }
        sort(&mut rows);
        rows
    }

    /// Pods whose health is a problem at `now`, in key order.
    pub fn problem_pods(&self, now: Timestamp) -> Vec<&Key> {
        let mut keys: Vec<&Key> = self.index.pods.keys().collect();
        keys.extend(self.index.overdue(now).filter(|k| {
            self.pods
                .get(*k)
                .is_some_and(|p| self.pod_health(p, now).is_problem())
        }));
        keys.sort();
        keys
    }

    /// How many pods are scheduled on node `name`.
    pub fn pods_on(&self, name: &str) -> usize {
        self.index.pods_on(name)
    }

    /// What the (unfinished) pods on node `name` request, summed.
    pub fn requested_on(&self, name: &str) -> super::quantity::Resources {
        self.index.requested_on(name)
    }

    /// [`Store::problems`] by classifying every object of the store: what
    /// the index must agree with (its tests), and the cost it saves (the
    /// bench). Not for the console.
    #[doc(hidden)]
    pub fn problems_full_scan(&self, now: Timestamp, filter: &Filter) -> Vec<Row> {
        let mut rows = Vec::new();
        for p in self.pods.values() {
            let r = self.pod_row(p, now, 0);
            if r.health.is_problem() && filter.matches(&p.key, &p.labels, &r.health.reason) {
                rows.push(r);
            }
        }
        for w in self.workloads.values() {
            // A ReplicaSet's trouble shows on its deployment and pods.
            if w.kind() == Kind::ReplicaSet {
                continue;
            }
            let r = workload_row_with(w, classify_workload(w), 0);
            if r.health.is_problem() && filter.matches(&w.key, &w.labels, &r.health.reason) {
                rows.push(r);
            }
        }
        let mut per_node: HashMap<&str, usize> = HashMap::new();
        for p in self.pods.values() {
            if let Some(n) = &p.node {
                *per_node.entry(n.as_str()).or_default() += 1;
            }
        }
        for n in self.nodes.values() {
            let h = classify_node(n, per_node.get(n.name.as_str()).copied().unwrap_or(0));
            let key = Key::new("", n.name.clone());
            if h.is_problem() && filter.matches(&key, &BTreeMap::new(), &h.reason) {
                rows.push(node_row(n, h));
            }
        }
        sort(&mut rows);
        rows
    }
}

#[cfg(test)]
#[path = "problems_tests.rs"]
mod tests;
