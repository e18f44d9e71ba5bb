//! The live worker: one watcher per kind (and per namespace), a supervisor that
//! turns their health into the source status, context/namespace switches, and
//! pod log streams. All I/O happens here, never in the pane.

use super::client::KubeSource;
use super::error::KubeError;
use super::model::{Kind, NodeSummary, Object, PodSummary, WorkloadSummary};
use super::portforward::console::{ConsoleForwards, Runner};
use super::{Command, ContextInfo, ForwardChange, Perm, Update};
use crate::source::{Probe, SourceId, SourceStatus, UpdateTx, Worker, WorkerCtx};
use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::{Event, Node, Pod};
use kube::api::{Api, ListParams};
use std::collections::{BTreeSet, HashMap};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

pub struct KubeWorker {
    id: SourceId,
    source: KubeSource,
    namespaces: Vec<String>,
    sessions: crate::workloads::Sessions,
}

impl KubeWorker {
    pub fn new(
        id: SourceId,
        source: KubeSource,
        namespaces: Vec<String>,
        sessions: crate::workloads::Sessions,
    ) -> Self {
        Self {
            id,
            source,
            namespaces,
            sessions,
        }
    }
}

use super::watch_task::{Signal, watch};

/// `["*"]` or nothing: every namespace (`None`).
fn scopes(namespaces: &[String], default_ns: &str) -> Vec<Option<String>> {
    if namespaces.iter().any(|n| n == "*") {
        return vec![None];
    }
    if namespaces.is_empty() {
        return vec![Some(default_ns.to_string())];
    }
    let set: BTreeSet<&String> = namespaces.iter().collect();
    set.into_iter().map(|n| Some(n.clone())).collect()
}

fn api<K>(client: &kube::Client, ns: &Option<String>) -> Api<K>
where
    K: kube::Resource<Scope = k8s_openapi::NamespaceResourceScope>,
    <K as kube::Resource>::DynamicType: Default,
{
    match ns {
        Some(n) => Api::namespaced(client.clone(), n),
        None => Api::all(client.clone()),
    }
}

fn pod(p: &Pod) -> Object {
    Object::Pod(Box::new(PodSummary::from(p)))
}
fn deployment(d: &Deployment) -> Object {
    Object::Workload(Box::new(WorkloadSummary::from(d)))
}
fn replicaset(d: &ReplicaSet) -> Object {
    Object::Workload(Box::new(WorkloadSummary::from(d)))
}
fn statefulset(d: &StatefulSet) -> Object {
    Object::Workload(Box::new(WorkloadSummary::from(d)))
}
fn daemonset(d: &DaemonSet) -> Object {
    Object::Workload(Box::new(WorkloadSummary::from(d)))
}
fn job(d: &Job) -> Object {
    Object::Workload(Box::new(WorkloadSummary::from(d)))
}
fn cronjob(d: &CronJob) -> Object {
    Object::Workload(Box::new(WorkloadSummary::from(d)))
}
fn event(e: &Event) -> Object {
    Object::Event(e.into())
}
fn node(n: &Node) -> Object {
    Object::Node(NodeSummary::from(n))
}

/// Kinds whose first load makes the source "connected". Events and nodes
/// are extras: a namespaced user who may not list nodes still gets the pane.
const REQUIRED: [Kind; 7] = [
    Kind::Pod,
    Kind::Deployment,
    Kind::ReplicaSet,
    Kind::StatefulSet,
    Kind::DaemonSet,
    Kind::Job,
    Kind::CronJob,
];

/// The watchers of one context + namespace selection.
struct Session {
    tasks: Vec<JoinHandle<()>>,
    signals: mpsc::Receiver<Signal>,
    required: BTreeSet<(Kind, Option<String>)>,
    /// Watches the pane works without (events, nodes: often forbidden), but
    /// waited for until they load or fail, so the first picture (and
    /// `warroom report`) includes them when they can be had.
    optional: BTreeSet<(Kind, Option<String>)>,
    loaded: BTreeSet<(Kind, Option<String>)>,
    /// Optional watches that failed (they count as settled).
    given_up: BTreeSet<(Kind, Option<String>)>,
    failing: HashMap<(Kind, Option<String>), KubeError>,
    ever_loaded: bool,
    detail: String,
}

impl Session {
    fn start(
        client: &kube::Client,
        scopes: &[Option<String>],
        tx: &UpdateTx<crate::workloads::Update>,
        detail: String,
    ) -> Self {
        let (stx, srx) = mpsc::channel(256);
        let mut tasks = Vec::new();
        let mut required = BTreeSet::new();
        let mut optional = BTreeSet::new();
        for ns in scopes {
            macro_rules! spawn {
                ($k:ty, $kind:expr, $conv:expr) => {
                    tasks.push(tokio::spawn(watch::<$k>(
                        api(client, ns),
                        $kind,
                        ns.clone(),
                        $conv,
                        tx.clone(),
                        stx.clone(),
                    )));
                };
            }
            spawn!(Pod, Kind::Pod, pod);
            spawn!(Deployment, Kind::Deployment, deployment);
            spawn!(ReplicaSet, Kind::ReplicaSet, replicaset);
            spawn!(StatefulSet, Kind::StatefulSet, statefulset);
            spawn!(DaemonSet, Kind::DaemonSet, daemonset);
            spawn!(Job, Kind::Job, job);
            spawn!(CronJob, Kind::CronJob, cronjob);
            spawn!(Event, Kind::Event, event);
            for k in REQUIRED {
                required.insert((k, ns.clone()));
            }
            optional.insert((Kind::Event, ns.clone()));
        }
        optional.insert((Kind::Node, None));
        tasks.push(tokio::spawn(watch::<Node>(
            Api::all(client.clone()),
            Kind::Node,
            None,
            node,
            tx.clone(),
            stx,
        )));
        Self {
            tasks,
            signals: srx,
            required,
            optional,
            loaded: BTreeSet::new(),
            given_up: BTreeSet::new(),
            failing: HashMap::new(),
            ever_loaded: false,
            detail,
        }
    }

    /// Every required watch loaded and none failing, and every optional one
    /// loaded or given up: the picture is whole.
    fn connected(&mut self) -> Option<SourceStatus> {
        let optional_settled = self
            .optional
            .iter()
            .all(|k| self.loaded.contains(k) || self.given_up.contains(k));
        if self.required.is_subset(&self.loaded)
            && self.failing.keys().all(|k| !self.required.contains(k))
            && (optional_settled || self.ever_loaded)
        {
            self.ever_loaded = true;
            return Some(SourceStatus::Connected {
                detail: self.detail.clone(),
            });
        }
        None
    }

    /// Fold a signal in; returns the status to report when it changed.
    fn on_signal(&mut self, s: Signal) -> Option<SourceStatus> {
        match s {
            Signal::Loaded(k, ns) => {
                self.failing.remove(&(k, ns.clone()));
                self.loaded.insert((k, ns));
                self.connected()
            }
            Signal::Failed(k, ns, e) => {
                if !self.required.contains(&(k, ns.clone())) {
                    // Nodes/events forbidden or failing: the pane works without them.
                    tracing::debug!("optional watch {k:?} {ns:?}: {e}");
                    let first = self.given_up.insert((k, ns));
                    return if first && !self.ever_loaded {
                        self.connected()
                    } else {
                        None
                    };
                }
                let first = self.failing.is_empty();
                self.failing.insert((k, ns), e.clone());
                if !first {
                    return None;
                }
                Some(failed_status(Some(k), &e, self.ever_loaded))
            }
        }
    }
}

/// The status a failure shows: stale data with the reason once loaded,
/// else unreachable with the fix the failure calls for.
/// The failing kind is named (`deployments: …`), so a status that stays
/// failing says which watch to look at.
fn failed_status(kind: Option<Kind>, e: &KubeError, ever_loaded: bool) -> SourceStatus {
    let reason = match kind {
        Some(k) => format!("{}s: {e}", k.arg()),
        None => e.to_string(),
    };
    if ever_loaded {
        SourceStatus::Stale { reason }
    } else {
        SourceStatus::Unreachable {
            reason,
            hint: e.hint().into(),
        }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

/// What the worker is doing between sessions.
enum Flow {
    Continue,
    Restart,
    Exit,
}

struct State {
    source: KubeSource,
    context: String,
    namespaces: Vec<String>,
    client: Option<kube::Client>,
    logs: Option<JoinHandle<()>>,
    /// Per-namespace access checks asked by the pane; aborted with the
    /// session so a verdict from an old context cannot arrive after the new one.
    checks: Vec<JoinHandle<()>>,
    /// The console's port-forwards (they outlive sessions and context switches).
    forwards: ConsoleForwards,
    /// Audit log and read-only flag for a Secret reveal.
    sessions: crate::workloads::Sessions,
}

impl State {
    fn on_command(
        &mut self,
        cmd: Option<Command>,
        tx: &UpdateTx<crate::workloads::Update>,
    ) -> Flow {
        let Some(cmd) = cmd else {
            return Flow::Exit;
        };
        match cmd {
            Command::SwitchContext(c) => {
                if c != self.context {
                    self.context = c;
                    return Flow::Restart;
                }
            }
            Command::SwitchNamespaces(ns) => {
                self.namespaces = ns;
                return Flow::Restart;
            }
            Command::StopLogs => {
                if let Some(t) = self.logs.take() {
                    t.abort();
                }
            }
            Command::PortForward { id, request } => {
                let location = format!("{}/{}", self.context, request.namespace);
                match self.client.clone() {
                    Some(client) => {
                        self.forwards.start(
                            id,
                            request,
                            location,
                            Runner::Live(client),
                            tx.clone(),
                        );
                    }
                    None => {
                        let tx = tx.clone();
                        tokio::spawn(async move {
                            let why = "not connected to the cluster yet: try again once the status line says connected";
                            let change = ForwardChange::Ended(Some(why.into()));
                            let _ = tx.send(Update::Forward { id, change }).await;
                        });
                    }
                }
            }
            Command::StopForward(id) => self.forwards.stop(id),
            Command::Manifest(request) => super::manifest_fetch::serve(
                request,
                self.client.clone().map(super::manifest_fetch::Lookup::Live),
                &self.context,
                &self.sessions,
                tx.clone(),
            ),
            Command::CheckAccess { namespace } => {
                // Not connected yet: the pane keeps the cluster-wide verdict
                // and asks again after the next Context update.
                if let Some(client) = self.client.clone() {
                    self.checks.retain(|t| !t.is_finished());
                    self.checks.push(tokio::spawn(check_access(
                        client,
                        vec![Some(namespace)],
                        tx.clone(),
                    )));
                }
            }
            Command::StreamLogs {
                target,
                follow,
                since_seconds,
                tail_lines,
            } => {
                if let Some(t) = self.logs.take() {
                    t.abort();
                }
                let source = self.source.clone();
                let current = (self.context.clone(), self.client.clone());
                let tx = tx.clone();
                self.logs = Some(tokio::spawn(async move {
                    super::pod_logs::stream_logs(
                        source,
                        current,
                        target,
                        follow,
                        since_seconds,
                        tail_lines,
                        tx,
                    )
                    .await
                }));
            }
        }
        Flow::Continue
    }
}

#[async_trait::async_trait]
impl Worker for KubeWorker {
    type Update = crate::workloads::Update;
    type Command = crate::workloads::Command;

    fn id(&self) -> SourceId {
        self.id.clone()
    }

    async fn run(self: Box<Self>, mut ctx: WorkerCtx<Self::Update, Self::Command>) {
        let mut st = State {
            source: self.source.clone(),
            context: self.id.name.clone(),
            namespaces: self.namespaces.clone(),
            client: None,
            logs: None,
            checks: Vec::new(),
            forwards: ConsoleForwards::new(self.sessions.clone()),
            sessions: self.sessions.clone(),
        };
        let tx = ctx.updates.clone();
        'sessions: loop {
            if !ctx.status(&self.id, SourceStatus::Loading).await {
                return;
            }
            // Connect (building a client reads the kubeconfig, may run an exec plugin).
            let mut backoff = Duration::from_secs(1);
            let (client, default_ns) = loop {
                match st.source.client(Some(&st.context)).await {
                    Ok(c) => break c,
                    Err(e) => {
                        let _ = tx
                            .send(Update::Context(ContextInfo {
                                context: st.context.clone(),
                                namespaces: st.namespaces.clone(),
                                contexts: st.source.contexts(),
                            }))
                            .await;
                        let status = failed_status(None, &e, false);
                        if !ctx.status(&self.id, status).await {
                            return;
                        }
                        tokio::select! {
                            _ = tokio::time::sleep(backoff) => {}
                            c = ctx.commands.recv() => match st.on_command(c, &tx) {
                                Flow::Exit => return,
                                Flow::Restart => continue 'sessions,
                                Flow::Continue => {}
                            },
                        }
                        backoff = (backoff * 2).min(Duration::from_secs(30));
                    }
                }
            };
            st.client = Some(client.clone());
            let scopes = scopes(&st.namespaces, &default_ns);
            let shown: Vec<String> = scopes
                .iter()
                .map(|s| s.clone().unwrap_or_else(|| "*".into()))
                .collect();
            if tx
                .send(Update::Context(ContextInfo {
                    context: st.context.clone(),
                    namespaces: shown.clone(),
                    contexts: st.source.contexts(),
                }))
                .await
                .is_err()
            {
                return;
            }
            let version = match tokio::time::timeout(
                Duration::from_secs(5),
                client.apiserver_version(),
            )
            .await
            {
                Ok(Ok(v)) => v.git_version,
                _ => String::new(),
            };
            let detail = format!("{} {}", st.context, version).trim().to_string();
            let mut session = Session::start(&client, &scopes, &tx, detail);
            let access = tokio::spawn(check_access(client.clone(), scopes.clone(), tx.clone()));
            let flow = loop {
                tokio::select! {
                    s = session.signals.recv() => {
                        if let Some(s) = s
                            && let Some(status) = session.on_signal(s)
                            && !ctx.status(&self.id, status).await {
                            break Flow::Exit;
                        }
                    }
                    c = ctx.commands.recv() => match st.on_command(c, &tx) {
                        Flow::Continue => {}
                        other => break other,
                    },
                    _ = tx.closed() => break Flow::Exit,
                }
            };
            access.abort();
            for t in st.checks.drain(..) {
                t.abort();
            }
            drop(session);
            match flow {
                Flow::Exit => {
                    if let Some(t) = st.logs.take() {
                        t.abort();
                    }
                    return;
                }
                _ => continue,
            }
        }
    }

    async fn probe(&self) -> Probe {
        let source = self.id.to_string();
        let (client, ns) = match self.source.client(Some(&self.id.name)).await {
            Ok(c) => c,
            Err(e) => {
                return Probe {
                    source,
                    ok: false,
                    detail: e.to_string(),
                    hint: e.hint().into(),
                };
            }
        };
        let version = match client.apiserver_version().await {
            Ok(v) => v.git_version,
            Err(e) => {
                let e = KubeError::from(e);
                return Probe {
                    source,
                    ok: false,
                    detail: e.to_string(),
                    hint: e.hint().into(),
                };
            }
        };
        let pods: Api<Pod> = Api::namespaced(client, &ns);
        match pods.list(&ListParams::default().limit(1)).await {
            Ok(_) => Probe {
                source,
                ok: true,
                detail: format!("{version}, can list pods in {ns}"),
                hint: String::new(),
            },
            Err(e) => {
                let e = KubeError::from(e);
                Probe {
                    source,
                    ok: false,
                    detail: format!("{version}, listing pods in {ns}: {e}"),
                    hint: e.list_pods_hint().into(),
                }
            }
        }
    }
}

/// SelfSubjectAccessReviews for every action permission in every watched
/// namespace (`*` = cluster-wide when watching all namespaces).
async fn check_access(
    client: kube::Client,
    scopes: Vec<Option<String>>,
    tx: UpdateTx<crate::workloads::Update>,
) {
    for ns in scopes {
        let ns_name = ns.clone().unwrap_or_default();
        let mut verdicts = Vec::new();
        for perm in Perm::ALL {
            match super::rbac::check(&client, perm, &ns_name).await {
                Ok(v) => verdicts.push((perm, v)),
                // Unknown: leave the action offered; the preview re-checks.
                Err(e) => tracing::debug!("access review failed: {e}"),
            }
        }
        let namespace = ns.unwrap_or_else(|| "*".into());
        if tx
            .send(Update::Access {
                namespace,
                verdicts,
            })
            .await
            .is_err()
        {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session() -> Session {
        let ns = Some("shop".to_string());
        Session {
            tasks: Vec::new(),
            signals: mpsc::channel(1).1,
            required: [(Kind::Pod, ns.clone())].into(),
            optional: [(Kind::Event, ns), (Kind::Node, None)].into(),
            loaded: BTreeSet::new(),
            given_up: BTreeSet::new(),
            failing: HashMap::new(),
            ever_loaded: false,
            detail: "kmock".into(),
        }
    }

    fn forbidden() -> KubeError {
        KubeError::Api {
            code: 403,
            reason: "Forbidden".into(),
            message: "nodes is forbidden".into(),
        }
    }

    #[test]
    fn connected_once_the_optional_watches_loaded_or_gave_up() {
        let ns = Some("shop".to_string());
        let mut s = session();
        assert_eq!(
            s.on_signal(Signal::Loaded(Kind::Pod, ns.clone())),
            None,
            "nodes and events pending"
        );
        assert_eq!(
            s.on_signal(Signal::Loaded(Kind::Event, ns.clone())),
            None,
            "nodes pending"
        );
        // Nodes forbidden: the picture is as whole as it gets.
        assert!(matches!(
            s.on_signal(Signal::Failed(Kind::Node, None, forbidden())),
            Some(SourceStatus::Connected { .. })
        ));
        let mut s = session();
        s.on_signal(Signal::Failed(Kind::Node, None, forbidden()));
        s.on_signal(Signal::Loaded(Kind::Event, ns.clone()));
        assert!(
            matches!(
                s.on_signal(Signal::Loaded(Kind::Pod, ns)),
                Some(SourceStatus::Connected { .. })
            ),
            "the required watch last"
        );
    }
}
