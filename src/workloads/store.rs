//! The pane's object store: the projected summaries from the watchers, and
//! the two views built from them — problems first, and the workload tree.

use super::Update;
use super::health::{Health, classify_pod, classify_workload};
use super::model::{EventSummary, Key, Kind, NodeSummary, Object, PodSummary, WorkloadSummary};
use super::problems_index::ProblemIndex;
use jiff::Timestamp;
use std::collections::{BTreeMap, HashMap};

/// The maps are public to read; changes go through [`Store::apply`], which
/// keeps the problems index in step with them.
#[derive(Debug, Default)]
pub struct Store {
    pub pods: BTreeMap<Key, PodSummary>,
    pub workloads: BTreeMap<(Kind, Key), WorkloadSummary>,
    pub events: BTreeMap<Key, EventSummary>,
    pub nodes: BTreeMap<String, NodeSummary>,
    /// The objects classified as problems when they were applied.
    pub(super) index: ProblemIndex,
}

/// (namespace, owner kind, owner name) → owned objects.
type Children<'a> = HashMap<(&'a str, &'a str, &'a str), Vec<(Kind, &'a Key)>>;

/// One row of the problems list or the tree.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub kind: Kind,
    pub key: Key,
    pub health: Health,
    pub restarts: i32,
    /// `OOMKilled (137)` — the last termination of any container.
    pub last: String,
    /// When the problem (or the object) started: sort key and the AGE column.
    pub since: Option<Timestamp>,
    /// Tree depth (0 in the problems list).
    pub depth: u8,
    /// `3/3` ready replicas / containers.
    pub ready: String,
}

/// What `/` typed: `app=checkout` matches a label; anything else matches the
/// name, namespace or reason (case-insensitive substring).
#[derive(Debug, Clone, Default, PartialEq)]
pub enum Filter {
    #[default]
    All,
    Label(String, String),
    Text(String),
}

impl Filter {
    pub fn parse(s: &str) -> Self {
        let s = s.trim();
        if s.is_empty() {
            return Self::All;
        }
        if let Some((k, v)) = s.split_once('=')
            && !k.trim().is_empty()
            && !k.contains(' ')
        {
            return Self::Label(k.trim().to_string(), v.trim().to_string());
        }
        Self::Text(s.to_lowercase())
    }

    pub(super) fn matches(
        &self,
        key: &Key,
        labels: &BTreeMap<String, String>,
        reason: &str,
    ) -> bool {
        match self {
            Self::All => true,
            Self::Label(k, v) => labels.get(k).is_some_and(|x| x == v),
            Self::Text(t) => {
                key.name.to_lowercase().contains(t)
                    || key.namespace.to_lowercase().contains(t)
                    || reason.to_lowercase().contains(t)
            }
        }
    }
}

/// A (re-)list this large leaves megabytes of freed parse buffers behind:
/// it is stored as fresh copies and the heap is trimmed afterwards.
pub const BURST: usize = 1000;

impl Store {
    pub fn clear(&mut self) {
        *self = Self::default();
    }

    pub fn is_empty(&self) -> bool {
        self.pods.is_empty() && self.workloads.is_empty() && self.nodes.is_empty()
    }

    pub fn apply(&mut self, u: Update) -> bool {
        match u {
            // Routed to the logs pane by the runtime; never kept here.
            Update::LogStream(_) => false,
            // The pane's forwards list, not the object store.
            Update::Forward { .. } => false,
            // Manifests are shown on demand, never kept in the store.
            Update::Manifest(_) => false,
            Update::Reset {
                kind,
                namespace,
                objects,
            } => {
                let in_scope = |k: &Key| namespace.as_ref().is_none_or(|ns| &k.namespace == ns);
                match kind {
                    Kind::Pod => {
                        let gone: Vec<Key> =
                            self.pods.keys().filter(|k| in_scope(k)).cloned().collect();
                        for k in gone {
                            self.remove(Kind::Pod, k);
                        }
                    }
                    Kind::Event => self.events.retain(|k, _| !in_scope(k)),
                    Kind::Node => {
                        let gone: Vec<String> = self.nodes.keys().cloned().collect();
                        for name in gone {
                            self.remove(Kind::Node, Key::new("", name));
                        }
                    }
                    _ => {
                        let gone: Vec<Key> = self
                            .workloads
                            .keys()
                            .filter(|(k2, key)| *k2 == kind && in_scope(key))
                            .map(|(_, key)| key.clone())
                            .collect();
                        for k in gone {
                            self.remove(kind, k);
                        }
                    }
                }
                if objects.len() >= BURST {
                    // Deep copies: the originals were allocated by the
                    // watcher thread between the blocks of the whole objects
                    // it parsed; kept, they would pin that arena's pages long
                    // after the parse buffers are freed. Copied here, the
                    // burst's arena empties and can be returned to the OS.
                    // (benches/workloads_live.sh, 10k pods: 120 MB moved,
                    // 119 MB with the trim only, 66 MB copied + trimmed; 5k
                    // pods copied without the trim: 80 MB.)
                    for o in &objects {
                        self.upsert(o.clone());
                    }
                } else {
                    for o in objects {
                        self.upsert(o);
                    }
                }
                true
            }
            Update::Apply(o) => {
                self.upsert(o);
                true
            }
            Update::Delete { kind, key } => self.remove(kind, key),
            Update::Context(_) => {
                self.clear();
                true
            }
            Update::Access { .. } => false,
        }
    }

    fn upsert(&mut self, o: Object) {
        match o {
            Object::Pod(p) => {
                let key = p.key.clone();
                if let Some(old) = self.pods.insert(key.clone(), *p) {
                    self.index.unlink_pod(&old, &self.nodes);
                }
                self.index.link_pod(&self.pods[&key], &self.nodes);
            }
            Object::Workload(w) => {
                let id = (w.kind(), w.key.clone());
                self.index.set_workload(id.0, &id.1, Some(&w));
                self.workloads.insert(id, *w);
            }
            Object::Event(e) => {
                self.events.insert(e.key.clone(), e);
            }
            Object::Node(n) => {
                let name = n.name.clone();
                let old = self.nodes.insert(name.clone(), n);
                self.index
                    .node_changed(&name, old.as_ref(), &self.pods, &self.nodes);
            }
        }
    }

    /// Remove one object, and its entries in the index; whether it was there.
    fn remove(&mut self, kind: Kind, key: Key) -> bool {
        match kind {
            Kind::Pod => {
                let old = self.pods.remove(&key);
                if let Some(old) = &old {
                    self.index.unlink_pod(old, &self.nodes);
                }
                old.is_some()
            }
            Kind::Event => self.events.remove(&key).is_some(),
            Kind::Node => {
                let old = self.nodes.remove(&key.name);
                self.index
                    .node_changed(&key.name, old.as_ref(), &self.pods, &self.nodes);
                old.is_some()
            }
            _ => {
                self.index.set_workload(kind, &key, None);
                self.workloads.remove(&(kind, key)).is_some()
            }
        }
    }

    pub fn pod_health(&self, p: &PodSummary, now: Timestamp) -> Health {
        let nodes = &self.nodes;
        classify_pod(p, now, &|n: &str| nodes.get(n).cloned())
    }

    pub(super) fn pod_row(&self, p: &PodSummary, now: Timestamp, depth: u8) -> Row {
        pod_row_with(p, self.pod_health(p, now), depth)
    }

    /// Deployment → ReplicaSet → Pods; StatefulSet/DaemonSet/Job → Pods;
    /// CronJob → Job → Pods; then pods without a known owner.
    pub fn tree(&self, now: Timestamp, filter: &Filter) -> Vec<Row> {
        let mut children: Children<'_> = HashMap::new();
        for ((kind, key), w) in &self.workloads {
            if let Some(o) = &w.owner {
                children
                    .entry((key.namespace.as_str(), o.kind.as_str(), o.name.as_str()))
                    .or_default()
                    .push((*kind, key));
            }
        }
        for (key, p) in &self.pods {
            if let Some(o) = &p.owner {
                children
                    .entry((key.namespace.as_str(), o.kind.as_str(), o.name.as_str()))
                    .or_default()
                    .push((Kind::Pod, key));
            }
        }
        let mut rows = Vec::new();
        let mut placed: std::collections::HashSet<(Kind, &Key)> = Default::default();
        let roots = [
            Kind::Deployment,
            Kind::StatefulSet,
            Kind::DaemonSet,
            Kind::CronJob,
            Kind::Job,
        ];
        let mut namespaces: Vec<&str> = self
            .workloads
            .keys()
            .map(|(_, k)| k.namespace.as_str())
            .chain(self.pods.keys().map(|k| k.namespace.as_str()))
            .collect();
        namespaces.sort();
        namespaces.dedup();
        for ns in namespaces {
            for root in roots {
                for ((kind, key), w) in self.workloads.iter().filter(|((k, key), w)| {
                    *k == root && key.namespace == ns && (w.owner.is_none() || *k != Kind::Job)
                }) {
                    if *kind == Kind::Job && w.owner.is_some() {
                        continue;
                    }
                    self.walk(*kind, key, 0, now, &children, &mut rows, &mut placed);
                }
            }
            for (key, p) in self.pods.range(Key::new(ns, "")..) {
                if key.namespace != ns {
                    break;
                }
                if !placed.contains(&(Kind::Pod, key)) {
                    rows.push(self.pod_row(p, now, 0));
                }
            }
        }
        if *filter != Filter::All {
            rows.retain(|r| {
                let labels = match r.kind {
                    Kind::Pod => self.pods.get(&r.key).map(|p| &p.labels),
                    k => self.workloads.get(&(k, r.key.clone())).map(|w| &w.labels),
                };
                filter.matches(&r.key, labels.unwrap_or(&BTreeMap::new()), &r.health.reason)
            });
        }
        rows
    }

    #[allow(clippy::too_many_arguments)]
    fn walk<'a>(
        &'a self,
        kind: Kind,
        key: &'a Key,
        depth: u8,
        now: Timestamp,
        children: &Children<'a>,
        rows: &mut Vec<Row>,
        placed: &mut std::collections::HashSet<(Kind, &'a Key)>,
    ) {
        if !placed.insert((kind, key)) {
            return;
        }
        match kind {
            Kind::Pod => {
                if let Some(p) = self.pods.get(key) {
                    rows.push(self.pod_row(p, now, depth));
                }
                return;
            }
            _ => {
                if let Some(w) = self.workloads.get(&(kind, key.clone())) {
                    // Old ReplicaSets scaled to zero with no pods are history, not tree.
                    let kids =
                        children.get(&(key.namespace.as_str(), kind.label(), key.name.as_str()));
                    if kind == Kind::ReplicaSet && w.desired == 0 && kids.is_none() {
                        return;
                    }
                    rows.push(workload_row_with(w, classify_workload(w), depth));
                }
            }
        }
        if let Some(kids) = children.get(&(key.namespace.as_str(), kind.label(), key.name.as_str()))
        {
            let mut kids = kids.clone();
            // Newest ReplicaSet revision first.
            kids.sort_by(|a, b| {
                let rev = |k: &(Kind, &Key)| {
                    self.workloads
                        .get(&(k.0, k.1.clone()))
                        .and_then(|w| w.revision)
                        .unwrap_or(0)
                };
                rev(b).cmp(&rev(a)).then_with(|| a.1.cmp(b.1))
            });
            for (k, kk) in kids {
                self.walk(k, kk, depth + 1, now, children, rows, placed);
            }
        }
    }

    /// Events about one object, newest first.
    pub fn events_for(&self, kind: Kind, key: &Key) -> Vec<&EventSummary> {
        let mut ev: Vec<&EventSummary> = self
            .events
            .values()
            .filter(|e| {
                e.object_namespace == key.namespace
                    && e.object_name == key.name
                    && e.object_kind == kind.label()
            })
            .collect();
        ev.sort_by_key(|e| std::cmp::Reverse(e.last));
        ev
    }

    /// `Pod x ← ReplicaSet y ← Deployment z`, starting with the object itself.
    pub fn owner_chain(&self, kind: Kind, key: &Key) -> Vec<(Kind, Key)> {
        let mut chain = vec![(kind, key.clone())];
        let mut owner = match kind {
            Kind::Pod => self.pods.get(key).and_then(|p| p.owner.clone()),
            k => self
                .workloads
                .get(&(k, key.clone()))
                .and_then(|w| w.owner.clone()),
        };
        while let Some(o) = owner.take() {
            let Some(k) = Kind::from_label(&o.kind) else {
                break;
            };
            let okey = Key::new(key.namespace.clone(), o.name.clone());
            owner = self
                .workloads
                .get(&(k, okey.clone()))
                .and_then(|w| w.owner.clone());
            chain.push((k, okey));
            if chain.len() > 8 {
                break;
            }
        }
        chain
    }

    /// The controller a pod-level action acts on (Deployment over ReplicaSet).
    pub fn top_controller(&self, kind: Kind, key: &Key) -> Option<(Kind, Key)> {
        self.owner_chain(kind, key)
            .into_iter()
            .rev()
            .find(|(k, _)| matches!(k, Kind::Deployment | Kind::StatefulSet | Kind::DaemonSet))
    }

    /// A deployment's ReplicaSets, newest revision first.
    pub fn revisions(&self, deployment: &Key) -> Vec<&WorkloadSummary> {
        let mut rs: Vec<&WorkloadSummary> = self
            .workloads
            .iter()
            .filter(|((k, key), w)| {
                *k == Kind::ReplicaSet
                    && key.namespace == deployment.namespace
                    && w.owner
                        .as_ref()
                        .is_some_and(|o| o.kind == "Deployment" && o.name == deployment.name)
            })
            .map(|(_, w)| w)
            .collect();
        rs.sort_by_key(|w| std::cmp::Reverse(w.revision));
        rs
    }

    pub fn counts(&self) -> (usize, usize) {
        (
            self.pods.len(),
            self.workloads
                .keys()
                .filter(|(k, _)| *k != Kind::ReplicaSet)
                .count(),
        )
    }
}

/// A pod's row, its health already known.
pub(super) fn pod_row_with(p: &PodSummary, health: Health, depth: u8) -> Row {
    let since = if health.is_problem() {
        p.condition("Ready")
            .filter(|c| c.status != "True")
            .and_then(|c| c.since)
            .or(p.created)
    } else {
        p.created
    };
    let ready = p.containers.iter().filter(|c| c.ready).count();
    Row {
        kind: Kind::Pod,
        key: p.key.clone(),
        restarts: p.restarts(),
        last: p
            .last_termination()
            .map(|(_, t)| t.describe())
            .unwrap_or_default(),
        since,
        depth,
        ready: format!("{ready}/{}", p.containers.len()),
        health,
    }
}

/// A workload's row, its health already known.
pub(super) fn workload_row_with(w: &WorkloadSummary, health: Health, depth: u8) -> Row {
    Row {
        kind: w.kind(),
        key: w.key.clone(),
        restarts: 0,
        last: String::new(),
        since: if health.is_problem() {
            w.conditions
                .iter()
                .filter(|c| c.status != "True" || c.type_ == "Failed")
                .filter_map(|c| c.since)
                .max()
                .or(w.created)
        } else {
            w.created
        },
        depth,
        ready: match w.kind() {
            Kind::CronJob => w.schedule.clone().unwrap_or_default(),
            Kind::Job => format!("{}/{}", w.ready, w.desired),
            _ => format!("{}/{}", w.ready, w.desired),
        },
        health,
    }
}
