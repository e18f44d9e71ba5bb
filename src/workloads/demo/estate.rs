//! The simulated cluster: a tiny controller loop over ReplicaSets and
//! StatefulSets with a "behaviour" per pod template, so actions (delete,
//! restart, scale, undo) have the effect a real cluster would show.
//! Names follow the seeds' estate (toolboxai backend, dashboard, celery…).

use super::pods::{make_pod, pod_events};
use crate::workloads::model::*;
use jiff::{Timestamp, ToSpan};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// How pods of a template behave in the simulation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Behaviour {
    Healthy,
    OomCrash,
    ImagePull,
    NotReady,
    Unschedulable,
    Completed,
}

/// A pod template of a ReplicaSet/StatefulSet/Job.
#[derive(Debug, Clone)]
pub struct Template {
    pub image: String,
    pub env: Vec<(String, String)>,
    pub memory: String,
    pub restarted_at: Option<String>,
    pub behaviour: Behaviour,
    pub readiness: Option<String>,
}

impl Template {
    fn new(image: &str, memory: &str, behaviour: Behaviour) -> Self {
        Self {
            image: image.into(),
            env: Vec::new(),
            memory: memory.into(),
            restarted_at: None,
            behaviour,
            readiness: None,
        }
    }

    /// The template as the API shows it (for the undo diff).
    pub fn to_json(&self, app: &str) -> Value {
        let mut c = json!({"name": app, "image": self.image,
            "resources": {"limits": {"memory": self.memory}, "requests": {"memory": self.memory}}});
        if !self.env.is_empty() {
            c["env"] = self
                .env
                .iter()
                .map(|(k, v)| json!({"name": k, "value": v}))
                .collect();
        }
        if let Some(r) = &self.readiness {
            c["readinessProbe"] =
                json!({"httpGet": {"path": r, "port": 8080}, "periodSeconds": 10});
        }
        let mut t = json!({"metadata": {"labels": {"app": app}}, "spec": {"containers": [c]}});
        if let Some(at) = &self.restarted_at {
            t["metadata"]["annotations"] = json!({"kubectl.kubernetes.io/restartedAt": at});
        }
        t
    }
}

/// A pod template owner: ReplicaSet, StatefulSet or Job.
#[derive(Debug, Clone)]
pub struct Set {
    pub kind: Kind,
    pub key: Key,
    pub app: String,
    /// The deployment/cronjob that owns it.
    pub owner: Option<(Kind, String)>,
    pub revision: Option<i64>,
    pub desired: i32,
    pub template: Template,
    pub created: Timestamp,
}

#[derive(Debug, Clone)]
pub struct Top {
    pub kind: Kind,
    pub key: Key,
    pub desired: i32,
    pub revision: i64,
    pub created: Timestamp,
    pub schedule: Option<String>,
}

pub struct Estate {
    pub now: Timestamp,
    pub tops: Vec<Top>,
    pub sets: Vec<Set>,
    pub pods: BTreeMap<Key, PodSummary>,
    /// Pod name → (set index, restarts at creation tick).
    pub pod_set: BTreeMap<Key, usize>,
    pub events: BTreeMap<Key, EventSummary>,
    pub nodes: Vec<NodeSummary>,
    pub tick: u64,
    serial: u64,
    /// While building the initial estate, pods date from their set's creation.
    booting: bool,
}

const NODES: [&str; 4] = [
    "ip-10-0-1-23.eu-west-1.compute.internal",
    "ip-10-0-2-41.eu-west-1.compute.internal",
    "ip-10-0-3-17.eu-west-1.compute.internal",
    "ip-10-0-4-88.eu-west-1.compute.internal",
];

const SUFFIX: &str = "bcdfghjklmnpqrstvwxz2456789";

impl Estate {
    pub fn new(now: Timestamp) -> Self {
        let mut e = Self {
            now,
            tops: Vec::new(),
            sets: Vec::new(),
            pods: BTreeMap::new(),
            pod_set: BTreeMap::new(),
            events: BTreeMap::new(),
            nodes: NODES
                .iter()
                .map(|n| NodeSummary {
                    name: n.to_string(),
                    ready: true,
                    kubelet: "v1.30.4".into(),
                    // m6i.xlarge less the kubelet's reservations.
                    allocatable: crate::workloads::quantity::Resources {
                        cpu_milli: 3920,
                        memory: 15_300 * 1024 * 1024,
                    },
                    ..Default::default()
                })
                .collect(),
            tick: 0,
            serial: 7,
            booting: true,
        };
        let ago = |h: i64| now - h.hours();
        let ns = "toolboxai";
        // backend: revision 8 (2.15.0 + vector cache) OOM-crashes; 7 is good.
        e.deployment(ns, "backend", 3, 8, ago(400));
        let mut good = Template::new("toolboxai/backend:2.14.3", "512Mi", Behaviour::Healthy);
        good.readiness = Some("/health".into());
        let mut bad = good.clone();
        bad.image = "toolboxai/backend:2.15.0".into();
        bad.env = vec![("FEATURE_VECTOR_CACHE".into(), "true".into())];
        bad.behaviour = Behaviour::OomCrash;
        let mut older = good.clone();
        older.image = "toolboxai/backend:2.14.1".into();
        e.rs(ns, "backend", "5b6c7d8e9", 6, 0, older, ago(300));
        e.rs(ns, "backend", "7d9f8b6c5", 7, 2, good, ago(200));
        e.rs(ns, "backend", "6f4d9c8b7", 8, 1, bad, now - 47.minutes());
        e.deployment(ns, "dashboard", 2, 3, ago(500));
        e.rs(
            ns,
            "dashboard",
            "84c6b5d9f",
            3,
            2,
            Template::new("toolboxai/dashboard:1.8.2", "256Mi", Behaviour::Healthy),
            ago(90),
        );
        e.deployment(ns, "celery-worker", 2, 5, ago(500));
        e.rs(
            ns,
            "celery-worker",
            "6c7b9d5f4",
            4,
            1,
            Template::new("toolboxai/celery-worker:1.8.4", "1Gi", Behaviour::Healthy),
            ago(30),
        );
        e.rs(
            ns,
            "celery-worker",
            "59d8f7c6b",
            5,
            1,
            Template::new(
                "registry.toolboxai.io/toolboxai/celery-worker:1.9.0-rc1",
                "1Gi",
                Behaviour::ImagePull,
            ),
            now - 22.minutes(),
        );
        e.deployment(ns, "mcp-server", 2, 2, ago(700));
        let mut mcp = Template::new("toolboxai/mcp-server:0.9.3", "256Mi", Behaviour::Healthy);
        mcp.readiness = Some("/health".into());
        let mut mcp_bad = mcp.clone();
        mcp_bad.behaviour = Behaviour::NotReady;
        e.rs(ns, "mcp-server", "7f8d6c9b5", 2, 1, mcp, ago(70));
        e.sets.last_mut().expect("just added").desired = 1;
        // A second set of the same revision models one pod failing readiness.
        e.sets.push(Set {
            kind: Kind::ReplicaSet,
            key: Key::new(ns, "mcp-server-7f8d6c9b5"),
            app: "mcp-server".into(),
            owner: Some((Kind::Deployment, "mcp-server".into())),
            revision: Some(2),
            desired: 1,
            template: mcp_bad,
            created: ago(70),
        });
        e.deployment(ns, "vanna-api", 1, 1, now - 12.minutes());
        e.rs(
            ns,
            "vanna-api",
            "6b5d8c7f9",
            1,
            1,
            Template::new(
                "toolboxai/vanna-api:0.4.0",
                "16Gi",
                Behaviour::Unschedulable,
            ),
            now - 12.minutes(),
        );
        e.statefulset(
            ns,
            "redis",
            3,
            Template::new("redis:7.2-alpine", "512Mi", Behaviour::Healthy),
            ago(900),
        );
        e.statefulset(
            ns,
            "postgres",
            1,
            Template::new("postgres:15.6", "2Gi", Behaviour::Healthy),
            ago(900),
        );
        e.tops.push(Top {
            kind: Kind::CronJob,
            key: Key::new(ns, "db-backup"),
            desired: 0,
            revision: 0,
            created: ago(2000),
            schedule: Some("0 */6 * * *".into()),
        });
        e.sets.push(Set {
            kind: Kind::Job,
            key: Key::new(ns, "db-backup-29384160"),
            app: "db-backup".into(),
            owner: Some((Kind::CronJob, "db-backup".into())),
            revision: None,
            desired: 1,
            template: Template::new("postgres:15.6", "256Mi", Behaviour::Completed),
            created: ago(3),
        });
        let st = "toolboxai-staging";
        e.deployment(st, "backend", 1, 12, ago(100));
        e.rs(
            st,
            "backend",
            "8c9d7b6f5",
            12,
            1,
            Template::new("toolboxai/backend:2.15.0", "512Mi", Behaviour::Healthy),
            ago(5),
        );
        e.deployment(st, "dashboard", 1, 4, ago(100));
        e.rs(
            st,
            "dashboard",
            "5f6d8c9b7",
            4,
            1,
            Template::new("toolboxai/dashboard:1.9.0", "256Mi", Behaviour::Healthy),
            ago(5),
        );
        e.reconcile();
        // The crash-looping pod has been at it for a while.
        if let Some(p) = e
            .pods
            .values_mut()
            .find(|p| p.key.name.starts_with("backend-6f4d9c8b7"))
        {
            p.containers[0].restarts = 11;
        }
        e.refresh_status();
        e.booting = false;
        e
    }

    fn deployment(
        &mut self,
        ns: &str,
        name: &str,
        desired: i32,
        revision: i64,
        created: Timestamp,
    ) {
        self.tops.push(Top {
            kind: Kind::Deployment,
            key: Key::new(ns, name),
            desired,
            revision,
            created,
            schedule: None,
        });
    }

    #[allow(clippy::too_many_arguments)]
    fn rs(
        &mut self,
        ns: &str,
        app: &str,
        hash: &str,
        revision: i64,
        desired: i32,
        template: Template,
        created: Timestamp,
    ) {
        self.sets.push(Set {
            kind: Kind::ReplicaSet,
            key: Key::new(ns, format!("{app}-{hash}")),
            app: app.into(),
            owner: Some((Kind::Deployment, app.into())),
            revision: Some(revision),
            desired,
            template,
            created,
        });
    }

    fn statefulset(
        &mut self,
        ns: &str,
        name: &str,
        desired: i32,
        template: Template,
        created: Timestamp,
    ) {
        self.sets.push(Set {
            kind: Kind::StatefulSet,
            key: Key::new(ns, name),
            app: name.into(),
            owner: None,
            revision: None,
            desired,
            template,
            created,
        });
    }

    fn suffix(&mut self) -> String {
        self.serial = self
            .serial
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let b = SUFFIX.as_bytes();
        (0..5)
            .map(|i| b[((self.serial >> (i * 7 + 11)) % b.len() as u64) as usize] as char)
            .collect()
    }

    /// The mini controller: make every set have `desired` pods.
    pub fn reconcile(&mut self) {
        for i in 0..self.sets.len() {
            let set = self.sets[i].clone();
            let mine: Vec<Key> = self
                .pod_set
                .iter()
                .filter(|(_, s)| **s == i)
                .map(|(k, _)| k.clone())
                .collect();
            let have = mine.len() as i32;
            if have > set.desired {
                for k in mine.iter().rev().take((have - set.desired) as usize) {
                    self.pods.remove(k);
                    self.pod_set.remove(k);
                }
            }
            for n in have..set.desired {
                let name = match set.kind {
                    Kind::StatefulSet => format!("{}-{n}", set.key.name),
                    _ => format!("{}-{}", set.key.name, self.suffix()),
                };
                let key = Key::new(set.key.namespace.clone(), name);
                // The scheduler's part: never a cordoned or NotReady node.
                let open: Vec<&str> = self
                    .nodes
                    .iter()
                    .filter(|n| n.ready && !n.unschedulable)
                    .map(|n| n.name.as_str())
                    .collect();
                let node = open
                    .get((self.serial % open.len().max(1) as u64) as usize)
                    .copied()
                    .unwrap_or(NODES[0])
                    .to_string();
                let born = if self.booting {
                    (set.created + 90.seconds()).min(self.now - 40.seconds())
                } else {
                    self.now
                };
                let mut pod = make_pod(&key, &set, &node, born);
                for c in &mut pod.containers {
                    if let Some(t) = c.last.as_mut() {
                        t.finished = Some(self.now - 35.seconds());
                    }
                }
                self.pods.insert(key.clone(), pod);
                self.pod_set.insert(key, i);
            }
        }
    }

    /// Recompute controller status from the pods (what the real controllers report).
    pub fn refresh_status(&mut self) {
        self.events.clear();
        let pods: Vec<PodSummary> = self.pods.values().cloned().collect();
        for p in &pods {
            for (reason, kind, msg) in pod_events(p) {
                let key = Key::new(
                    p.key.namespace.clone(),
                    format!("{}.{:x}", p.key.name, reason.len()),
                );
                self.events.insert(
                    key.clone(),
                    EventSummary {
                        key,
                        object_kind: "Pod".into(),
                        object_namespace: p.key.namespace.clone(),
                        object_name: p.key.name.clone(),
                        type_: kind.into(),
                        reason: reason.into(),
                        message: msg,
                        count: p.restarts().max(1),
                        first: p.created.or(Some(self.now - 40.seconds())),
                        last: Some(self.now - 40.seconds()),
                        source: "kubelet".into(),
                    },
                );
            }
        }
    }

    pub fn ready_pods(&self, set: usize) -> i32 {
        self.pod_set
            .iter()
            .filter(|(k, s)| {
                **s == set
                    && self
                        .pods
                        .get(*k)
                        .is_some_and(|p| p.containers.iter().all(|c| c.ready))
            })
            .count() as i32
    }

    /// Index of the set whose template is the deployment's current revision.
    pub fn current_set(&self, top: &Top) -> Option<usize> {
        self.sets.iter().position(|s| {
            s.key.namespace == top.key.namespace
                && s.owner
                    .as_ref()
                    .is_some_and(|(k, n)| *k == top.kind && *n == top.key.name)
                && s.revision == Some(top.revision)
        })
    }

    /// Everything as summaries, the way the live watchers project objects.
    pub fn objects(&self) -> Vec<Object> {
        let mut out: Vec<Object> = Vec::new();
        for top in &self.tops {
            let sets: Vec<usize> = (0..self.sets.len())
                .filter(|i| {
                    let s = &self.sets[*i];
                    s.key.namespace == top.key.namespace
                        && s.owner
                            .as_ref()
                            .is_some_and(|(k, n)| *k == top.kind && *n == top.key.name)
                })
                .collect();
            let ready: i32 = sets.iter().map(|i| self.ready_pods(*i)).sum();
            let mut w = WorkloadSummary {
                kind: Some(top.kind),
                key: top.key.clone(),
                labels: BTreeMap::from([("app".to_string(), top.key.name.clone())]),
                created: Some(top.created),
                desired: top.desired,
                ready,
                available: ready,
                updated: self.current_set(top).map_or(0, |i| self.sets[i].desired),
                unavailable: (top.desired - ready).max(0),
                revision: Some(top.revision),
                schedule: top.schedule.clone(),
                ..Default::default()
            };
            if let Some(i) = self.current_set(top) {
                w.images = vec![format!("{}={}", top.key.name, self.sets[i].template.image)];
                let t = &self.sets[i].template;
                if top.kind == Kind::Deployment
                    && matches!(t.behaviour, Behaviour::OomCrash | Behaviour::ImagePull)
                {
                    w.conditions.push(Condition {
                        type_: "Progressing".into(),
                        status: "False".into(),
                        reason: Some("ProgressDeadlineExceeded".into()),
                        message: Some(format!(
                            "ReplicaSet \"{}\" has timed out progressing.",
                            self.sets[i].key.name
                        )),
                        since: Some(self.sets[i].created + 10.minutes()),
                    });
                }
            }
            out.push(Object::Workload(Box::new(w)));
        }
        for (i, s) in self.sets.iter().enumerate() {
            let ready = self.ready_pods(i);
            let w = WorkloadSummary {
                kind: Some(s.kind),
                key: s.key.clone(),
                labels: BTreeMap::from([("app".to_string(), s.app.clone())]),
                owner: s.owner.as_ref().map(|(k, n)| Owner {
                    kind: k.label().into(),
                    name: n.clone(),
                }),
                created: Some(s.created),
                desired: s.desired.max(if s.kind == Kind::Job { 1 } else { 0 }),
                ready: if s.kind == Kind::Job { 1 } else { ready },
                available: ready,
                revision: s.revision,
                images: vec![format!("{}={}", s.app, s.template.image)],
                conditions: if s.kind == Kind::Job {
                    vec![Condition {
                        type_: "Complete".into(),
                        status: "True".into(),
                        ..Default::default()
                    }]
                } else {
                    Vec::new()
                },
                ..Default::default()
            };
            // The mcp-server "second set" only models a pod: fold it into the first.
            if out.iter().any(|o| o.kind() == s.kind && o.key() == s.key) {
                continue;
            }
            out.push(Object::Workload(Box::new(w)));
        }
        out.extend(self.pods.values().map(|p| Object::Pod(Box::new(p.clone()))));
        out.extend(self.events.values().map(|e| Object::Event(e.clone())));
        out.extend(self.nodes.iter().map(|n| Object::Node(n.clone())));
        out
    }
}
