//! The demo estate behind the same worker and action interfaces as the live
//! cluster: a simulated `prod` context whose pods crash, fail to pull and get
//! fixed by the actions (undo really restores the good revision).

mod estate;
mod logs;
pub mod manifests;
mod nodes;
mod pods;

use super::error::WorkloadError;
use super::model::{Key, Kind, Object};
use super::portforward::console::{ConsoleForwards, Runner};
use super::undo::{self, Revision};
use super::{Command, ContextInfo, Perm, Update};
use crate::action::{
    ActionError, ActionHandler, ActionOutcome, ActionSpec, Confirm, KubeTarget, Preview,
    PreviewLine, Progress,
};
use crate::source::{Backend, Probe, SourceId, SourceKind, SourceStatus, Worker, WorkerCtx};
pub use estate::{Behaviour, Estate};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;

pub const CONTEXT: &str = "prod";
const NAMESPACES: [&str; 2] = ["toolboxai", "toolboxai-staging"];
/// The simulated RBAC: the on-call role may not delete pods in staging.
const STAGING_DENIED: &str = "not allowed to delete pods in namespace toolboxai-staging: RBAC: role \"oncall-readonly\" grants get, list, watch";

struct Shared {
    estate: Mutex<Estate>,
    changed: Notify,
}

pub fn backend(sessions: crate::workloads::Sessions) -> Backend<Update, Command> {
    let shared = Arc::new(Shared {
        estate: Mutex::new(Estate::new(jiff::Timestamp::now())),
        changed: Notify::new(),
    });
    Backend {
        workers: vec![Box::new(DemoWorker {
            shared: shared.clone(),
            sessions,
        })],
        actions: Some(Arc::new(DemoActions { shared })),
        idle: Vec::new(),
    }
}

/// A fresh estate for tests (deterministic apart from the clock passed in).
pub fn estate(now: jiff::Timestamp) -> Estate {
    Estate::new(now)
}

struct DemoWorker {
    shared: Arc<Shared>,
    sessions: crate::workloads::Sessions,
}

fn snapshot(shared: &Shared) -> Vec<Update> {
    let objects = shared
        .estate
        .lock()
        .map(|e| e.objects())
        .unwrap_or_default();
    let kinds = [
        Kind::Pod,
        Kind::Deployment,
        Kind::ReplicaSet,
        Kind::StatefulSet,
        Kind::DaemonSet,
        Kind::Job,
        Kind::CronJob,
        Kind::Event,
        Kind::Node,
    ];
    kinds
        .into_iter()
        .map(|kind| Update::Reset {
            kind,
            namespace: None,
            objects: objects
                .iter()
                .filter(|o| o.kind() == kind)
                .cloned()
                .collect(),
        })
        .collect()
}

#[async_trait::async_trait]
impl Worker for DemoWorker {
    type Update = crate::workloads::Update;
    type Command = crate::workloads::Command;

    fn id(&self) -> SourceId {
        SourceId::new(SourceKind::Kubernetes, CONTEXT)
    }

    async fn run(self: Box<Self>, mut ctx: WorkerCtx<Self::Update, Self::Command>) {
        let id = self.id();
        let tx = ctx.updates.clone();
        let send = |u: Update| {
            let tx = tx.clone();
            async move { tx.send(u).await.is_ok() }
        };
        let info = ContextInfo {
            context: CONTEXT.into(),
            namespaces: NAMESPACES.iter().map(|s| s.to_string()).collect(),
            contexts: vec![CONTEXT.into(), "staging".into()],
        };
        if !send(Update::Context(info)).await {
            return;
        }
        for u in snapshot(&self.shared) {
            if !send(u).await {
                return;
            }
        }
        let verdicts = |denied: bool| {
            Perm::ALL
                .iter()
                .map(|p| {
                    let d = denied && matches!(p, Perm::DeletePods | Perm::ExecPods);
                    (*p, d.then(|| STAGING_DENIED.to_string()))
                })
                .collect()
        };
        for ns in NAMESPACES {
            let u = Update::Access {
                namespace: ns.into(),
                verdicts: verdicts(ns == "toolboxai-staging"),
            };
            if !send(u).await {
                return;
            }
        }
        let connected = SourceStatus::Connected {
            detail: format!("{CONTEXT} v1.30.4 {}", crate::demo::DEMO_DETAIL),
        };
        if !ctx.status(&id, connected).await {
            return;
        }
        let mut logs: Option<tokio::task::JoinHandle<()>> = None;
        let mut forwards = ConsoleForwards::new(self.sessions.clone());
        let mut tick = tokio::time::interval(Duration::from_secs(10));
        tick.tick().await;
        loop {
            tokio::select! {
                _ = tick.tick() => {
                    if let Ok(mut e) = self.shared.estate.lock() {
                        e.now = jiff::Timestamp::now();
                        e.tick += 1;
                        // Restarts climb on the crash-looping pods.
                        for p in e.pods.values_mut() {
                            if let Some(c) = p.containers.first_mut()
                                && c.last.as_ref().is_some_and(|t| t.reason.as_deref() == Some("OOMKilled"))
                            {
                                c.restarts += 1;
                                if let Some(t) = c.last.as_mut() {
                                    t.finished = Some(jiff::Timestamp::now());
                                }
                            }
                        }
                        e.refresh_status();
                    }
                }
                _ = self.shared.changed.notified() => {}
                c = ctx.commands.recv() => {
                    match c {
                        Some(Command::StreamLogs { target, follow, tail_lines, .. }) => {
                            if let Some(t) = logs.take() { t.abort(); }
                            logs = Some(tokio::spawn(logs::demo_logs(target, follow, tail_lines, tx.clone())));
                        }
                        Some(Command::StopLogs) => {
                            if let Some(t) = logs.take() { t.abort(); }
                        }
                        Some(Command::PortForward { id, request }) => {
                            let location = format!("{CONTEXT} (DEMO)/{}", request.namespace);
                            forwards.start(id, request, location, Runner::Demo, tx.clone());
                        }
                        Some(Command::StopForward(id)) => forwards.stop(id),
                        Some(Command::Manifest(request)) => {
                            let lookup = self.shared.estate.lock().ok().map(|e| {
                                crate::workloads::manifest_fetch::Lookup::Demo(
                                    request_id(&request).and_then(|id| manifests::object(&e, id)),
                                )
                            });
                            let context = format!("{CONTEXT} (DEMO)");
                            crate::workloads::manifest_fetch::serve(request, lookup, &context, &self.sessions, tx.clone());
                        }
                        Some(_) => {}
                        None => return,
                    }
                    continue;
                }
                _ = tx.closed() => return,
            }
            for u in snapshot(&self.shared) {
                if !send(u).await {
                    return;
                }
            }
        }
    }

    async fn probe(&self) -> Probe {
        Probe {
            source: self.id().to_string(),
            ok: true,
            detail: format!("v1.30.4 {}", crate::demo::DEMO_DETAIL),
            hint: String::new(),
        }
    }
}

struct DemoActions {
    shared: Arc<Shared>,
}

fn ns_of(t: &KubeTarget) -> String {
    t.namespace
        .clone()
        .unwrap_or_else(|| NAMESPACES[0].to_string())
}

fn location(t: &KubeTarget) -> String {
    format!("context {CONTEXT} (DEMO), namespace {}", ns_of(t))
}

/// `pods "NAME" not found`, as the API server says it.
fn pod_not_found(t: &KubeTarget) -> WorkloadError {
    WorkloadError::NotFound(format!("pods \"{}\"", t.name))
}

/// `deployment NAME not found`.
fn not_found(t: &KubeTarget) -> WorkloadError {
    WorkloadError::NotFound(format!("{} {}", t.kind, t.name))
}

impl DemoActions {
    /// Run `f` on the locked estate.
    fn with<R>(
        &self,
        f: impl FnOnce(&mut Estate) -> Result<R, WorkloadError>,
    ) -> Result<R, ActionError> {
        let mut e = self
            .shared
            .estate
            .lock()
            .map_err(|_| WorkloadError::Poisoned)?;
        Ok(f(&mut e)?)
    }
}

/// The undo plan in the simulation: (current revision, target, current template).
fn demo_undo_plan(
    e: &Estate,
    key: &Key,
    to: Option<i64>,
) -> Result<(i64, Revision, serde_json::Value, usize), WorkloadError> {
    let top = e
        .tops
        .iter()
        .find(|t| t.kind == Kind::Deployment && t.key == *key)
        .ok_or_else(|| {
            WorkloadError::NotFound(format!("deployment {}/{}", key.namespace, key.name))
        })?;
    let history: Vec<(usize, Revision)> = e
        .sets
        .iter()
        .enumerate()
        .filter(|(_, s)| {
            s.key.namespace == key.namespace
                && s.owner
                    .as_ref()
                    .is_some_and(|(k, n)| *k == Kind::Deployment && *n == key.name)
        })
        .filter_map(|(i, s)| {
            s.revision.map(|r| {
                (
                    i,
                    Revision {
                        revision: r,
                        replicaset: s.key.name.clone(),
                        template: s.template.to_json(&s.app),
                    },
                )
            })
        })
        .collect();
    let revs: Vec<Revision> = history.iter().map(|(_, r)| r.clone()).collect();
    let target = undo::pick_target(top.revision, &revs, to)
        .map_err(WorkloadError::NoRevision)?
        .clone();
    let idx = history
        .iter()
        .find(|(_, r)| r.revision == target.revision)
        .map(|(i, _)| *i)
        .unwrap_or(0);
    let current = e
        .current_set(top)
        .map(|i| e.sets[i].template.to_json(&e.sets[i].app))
        .unwrap_or_default();
    Ok((top.revision, target, current, idx))
}

#[async_trait::async_trait]
impl ActionHandler for DemoActions {
    async fn preview(&self, spec: &ActionSpec) -> Result<Preview, ActionError> {
        self.with(|e| match spec {
            ActionSpec::DeletePod(t) => {
                let key = Key::new(ns_of(t), t.name.clone());
                let mut p = Preview::new(
                    format!("Delete pod {}/{}", key.namespace, t.name),
                    location(t),
                );
                match e.pods.get(&key) {
                    Some(pod) => {
                        let owner = pod
                            .owner
                            .clone()
                            .map(|o| format!("{} {}", o.kind, o.name))
                            .unwrap_or_default();
                        p.lines.push(PreviewLine::Text(format!(
                            "{owner} will create a replacement pod (a restart)"
                        )));
                        p.lines
                            .push(PreviewLine::Removed(format!("pod/{}", t.name)));
                    }
                    None => p.blocked = Some(pod_not_found(t).to_string()),
                }
                if key.namespace == "toolboxai-staging" {
                    p.blocked = Some(STAGING_DENIED.into());
                }
                Ok(p)
            }
            ActionSpec::RolloutRestart(t) => {
                let key = Key::new(ns_of(t), t.name.clone());
                let mut p = Preview::new(
                    format!("Rollout restart {} {}/{}", t.kind, key.namespace, t.name),
                    location(t),
                );
                if !e.tops.iter().any(|x| x.key == key)
                    && !e
                        .sets
                        .iter()
                        .any(|s| s.key == key && s.kind == Kind::StatefulSet)
                {
                    p.blocked = Some(not_found(t).to_string());
                }
                p.lines.push(PreviewLine::Heading(
                    "spec.template.metadata.annotations".into(),
                ));
                p.lines.push(PreviewLine::Added(
                    "kubectl.kubernetes.io/restartedAt: <now>".into(),
                ));
                p.lines.push(PreviewLine::Text(
                    "every pod is replaced following the rollout strategy".into(),
                ));
                Ok(p)
            }
            ActionSpec::Scale {
                target: t,
                replicas,
            } => {
                let key = Key::new(ns_of(t), t.name.clone());
                let current = e
                    .tops
                    .iter()
                    .find(|x| x.key == key)
                    .map(|x| x.desired)
                    .or_else(|| {
                        e.sets
                            .iter()
                            .find(|s| s.key == key && s.kind == Kind::StatefulSet)
                            .map(|s| s.desired)
                    });
                let mut p = Preview::new(
                    format!(
                        "Scale {} {}/{} to {replicas}",
                        t.kind, key.namespace, t.name
                    ),
                    location(t),
                );
                match current {
                    Some(c) => {
                        p.title = format!(
                            "Scale {} {}/{} from {c} to {replicas}",
                            t.kind, key.namespace, t.name
                        );
                        p.summary = p.title.clone();
                        p.lines.push(PreviewLine::Removed(format!("replicas: {c}")));
                        p.lines
                            .push(PreviewLine::Added(format!("replicas: {replicas}")));
                    }
                    None => p.blocked = Some(not_found(t).to_string()),
                }
                if *replicas == 0 {
                    p.lines.push(PreviewLine::Warning(format!(
                        "scaling to 0 stops every pod of {}",
                        t.name
                    )));
                    p.confirm = Confirm::Typed(t.name.clone());
                }
                if *replicas < 0 {
                    p.blocked = Some(WorkloadError::NegativeReplicas.to_string());
                }
                Ok(p)
            }
            ActionSpec::RolloutUndo {
                target: t,
                to_revision,
            } => {
                let key = Key::new(ns_of(t), t.name.clone());
                let mut p = Preview::new(
                    format!("Roll back deployment {}/{}", key.namespace, t.name),
                    location(t),
                );
                match demo_undo_plan(e, &key, *to_revision) {
                    Ok((current, target, cur_tpl, _)) => {
                        p.title = format!(
                            "Roll back deployment {}/{} from revision {current} to {}",
                            key.namespace, t.name, target.revision
                        );
                        p.summary = format!("{} ({})", p.title, target.images().join(", "));
                        p.lines.push(PreviewLine::Heading(format!(
                            "pod template: revision {current} → {} (ReplicaSet {})",
                            target.revision, target.replicaset
                        )));
                        p.lines
                            .extend(undo::template_diff(&cur_tpl, &target.template));
                    }
                    Err(err) => p.blocked = Some(err.to_string()),
                }
                Ok(p)
            }
            ActionSpec::Cordon(_) | ActionSpec::Uncordon(_) | ActionSpec::Drain { .. } => {
                nodes::preview(e, spec)
            }
            other => Err(WorkloadError::Unsupported(other.verb())),
        })
    }

    async fn execute(
        &self,
        spec: &ActionSpec,
        _progress: Progress,
    ) -> Result<ActionOutcome, ActionError> {
        let summary = self.with(|e| {
            e.now = jiff::Timestamp::now();
            let s = match spec {
                ActionSpec::DeletePod(t) => {
                    let key = Key::new(ns_of(t), t.name.clone());
                    if key.namespace == "toolboxai-staging" {
                        return Err(WorkloadError::Denied(STAGING_DENIED.into()));
                    }
                    e.pods.remove(&key).ok_or_else(|| pod_not_found(t))?;
                    e.pod_set.remove(&key);
                    format!("deleted pod {}/{}", key.namespace, t.name)
                }
                ActionSpec::RolloutRestart(t) => {
                    let key = Key::new(ns_of(t), t.name.clone());
                    let sets: Vec<usize> = (0..e.sets.len())
                        .filter(|i| {
                            let s = &e.sets[*i];
                            s.key == key
                                || (s.key.namespace == key.namespace
                                    && s.owner.as_ref().is_some_and(|(_, n)| *n == key.name))
                        })
                        .collect();
                    if sets.is_empty() {
                        return Err(not_found(t));
                    }
                    let now = e.now.strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
                    for i in sets {
                        e.sets[i].template.restarted_at = Some(now.clone());
                        let pods: Vec<Key> = e
                            .pod_set
                            .iter()
                            .filter(|(_, s)| **s == i)
                            .map(|(k, _)| k.clone())
                            .collect();
                        for k in pods {
                            e.pods.remove(&k);
                            e.pod_set.remove(&k);
                        }
                    }
                    format!(
                        "restarted {} {}/{} (restartedAt {now})",
                        t.kind, key.namespace, t.name
                    )
                }
                ActionSpec::Scale {
                    target: t,
                    replicas,
                } => {
                    let key = Key::new(ns_of(t), t.name.clone());
                    let n = (*replicas).max(0);
                    if let Some(ti) = e.tops.iter().position(|x| x.key == key) {
                        e.tops[ti].desired = n;
                        let top = e.tops[ti].clone();
                        let cur = e.current_set(&top);
                        let mut others = 0;
                        for (i, s) in e.sets.iter_mut().enumerate() {
                            if Some(i) != cur
                                && s.key.namespace == key.namespace
                                && s.owner.as_ref().is_some_and(|(_, o)| *o == key.name)
                            {
                                s.desired = s.desired.min(n);
                                others += s.desired;
                            }
                        }
                        if let Some(c) = cur {
                            e.sets[c].desired = (n - others).max(0);
                        }
                    } else if let Some(s) = e
                        .sets
                        .iter_mut()
                        .find(|s| s.key == key && s.kind == Kind::StatefulSet)
                    {
                        s.desired = n;
                    } else {
                        return Err(not_found(t));
                    }
                    format!("scaled {} {}/{} to {n}", t.kind, key.namespace, t.name)
                }
                ActionSpec::RolloutUndo {
                    target: t,
                    to_revision,
                } => {
                    let key = Key::new(ns_of(t), t.name.clone());
                    let (current, target, _, idx) = demo_undo_plan(e, &key, *to_revision)?;
                    let ti = e
                        .tops
                        .iter()
                        .position(|x| x.key == key && x.kind == Kind::Deployment)
                        .ok_or_else(|| not_found(t))?;
                    let desired = e.tops[ti].desired;
                    // Like the deployment controller: the target's ReplicaSet becomes the newest revision.
                    e.tops[ti].revision = current + 1;
                    for (i, s) in e.sets.iter_mut().enumerate() {
                        if s.key.namespace == key.namespace
                            && s.owner.as_ref().is_some_and(|(_, o)| *o == key.name)
                        {
                            s.desired = if i == idx { desired } else { 0 };
                        }
                    }
                    e.sets[idx].revision = Some(current + 1);
                    format!(
                        "rolled back deployment {}/{} from revision {current} to {} ({})",
                        key.namespace,
                        t.name,
                        target.revision,
                        target.images().join(", ")
                    )
                }
                ActionSpec::Cordon(_) | ActionSpec::Uncordon(_) | ActionSpec::Drain { .. } => {
                    nodes::execute(e, spec)?
                }
                other => return Err(WorkloadError::Unsupported(other.verb())),
            };
            e.reconcile();
            e.refresh_status();
            Ok(s)
        })?;
        self.shared.changed.notify_one();
        Ok(ActionOutcome {
            summary,
            ..Default::default()
        })
    }
}

/// All objects of the demo estate (for tests of the pane and the classifier).
pub fn objects(now: jiff::Timestamp) -> Vec<Object> {
    Estate::new(now).objects()
}

/// The demo estate's object `id` as JSON (`warroom get --demo`).
pub fn manifest_object(
    now: jiff::Timestamp,
    id: &crate::workloads::manifest::ObjectId,
) -> Option<serde_json::Value> {
    manifests::object(&Estate::new(now), id)
}

fn request_id(
    r: &crate::workloads::manifest_fetch::Request,
) -> Option<&crate::workloads::manifest::ObjectId> {
    use crate::workloads::manifest_fetch::Request;
    match r {
        Request::Fetch(id) | Request::Reveal { id, .. } => Some(id),
        Request::Save { .. } => None,
    }
}

#[cfg(test)]
mod tests;
