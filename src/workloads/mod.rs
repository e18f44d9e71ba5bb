//! Workloads: Kubernetes pods and controllers from watch streams, health
//! explained, and the rollout actions.
//!
//! - [`model`]: projected summaries (what the views need, not whole objects);
//! - [`health`]: the pure classifier (reason, explanation, next step);
//! - [`store`]: the pane's object store, problems list and workload tree;
//! - [`events`]: events grouped by involved object (the events view, `warroom events`);
//! - [`client`]: kubeconfig contexts and clients; [`error`]: what failed, as
//!   data, and the fix it calls for; [`worker`]: the live watchers
//!   and pod log streams; [`actions`]/[`undo`]/[`rbac`]: the live action handler;
//! - [`demo`]: the simulated estate; [`pane`]/[`view`]: the pane.

pub mod actions;
pub mod client;
mod controllers;
pub mod demo;
pub mod drain;
pub mod error;
pub mod events;
mod events_view;
pub mod exec;
mod forwards;
pub mod health;
pub mod manifest;
pub mod manifest_fetch;
mod manifest_view;
pub mod model;
mod node_actions;
mod nodes_view;
mod observe;
pub mod pane;
mod pane_actions;
mod pane_events;
mod pane_forwards;
mod pane_manifest;
mod pane_metrics;
mod pane_nodes;
mod pod_logs;
pub mod portforward;
mod problems;
mod problems_index;
pub mod quantity;
pub mod rbac;
pub mod store;
pub mod undo;
mod view;
mod watch_task;
pub mod worker;

use crate::config::Config;
use crate::source::{Backend, SourceId, SourceKind, SourceStatus};
use model::{Key, Kind, Object};
use std::path::PathBuf;
use std::sync::Arc;

crate::actions! {
    /// The workloads pane's keymap section.
    pub enum Action {
        Logs = ("logs", "Follow the selected pod's logs"),
        PreviousLogs = ("previous_logs", "Logs of the previous (crashed) container"),
        LogsSince = ("logs_since", "Logs from a time back: asks the container and since (e.g. 2h)"),
        DeletePod = ("delete_pod", "Delete the pod (its controller restarts it)"),
        RolloutRestart = ("rollout_restart", "Rollout restart the workload"),
        RolloutUndo = ("rollout_undo", "Roll back to the previous or a chosen revision"),
        Scale = ("scale", "Scale the workload"),
        SwitchContext = ("switch_context", "Switch Kubernetes context"),
        SwitchNamespace = ("switch_namespace", "Switch namespaces"),
        ToggleView = ("toggle_view", "Problems list / workload tree"),
        Shell = ("shell", "Open a shell in the pod (bash, else sh); exit returns here"),
        Exec = ("exec", "Run one command in the pod (asks for it)"),
        PortForward = ("port_forward", "Port-forward: asks target and ports"),
        Forwards = ("forwards", "Show/hide the active port-forwards"),
        StopForward = ("stop_forward", "Stop the selected port-forward"),
        StopAllForwards = ("stop_all_forwards", "Stop every port-forward"),
        Events = ("events", "Events by object, warnings first"),
        Nodes = ("nodes", "Nodes: status, pods, cordon and drain"),
        Cordon = ("cordon", "Cordon the selected node (preview first)"),
        Uncordon = ("uncordon", "Uncordon the selected node"),
        Drain = ("drain", "Drain the selected node: preview, typed confirm"),
        GraphMemory = ("graph_memory", "Memory of the pod (or the workload's pods) in Metrics, the limit drawn"),
        GraphCpu = ("graph_cpu", "CPU of the pod (or the workload's pods) in Metrics"),
        Manifest = ("manifest", "Live manifest (YAML): search (/, then n/N), copy (this key again), save, reveal a Secret key"),
        SaveManifest = ("save_manifest", "Manifest viewer: save the manifest to a file"),
        RevealSecret = ("reveal_secret", "Manifest viewer: reveal the Secret key on the cursor line (type its name; audited)"),
    }
}

/// What a workloads form is about.
#[derive(Debug, Clone, PartialEq)]
pub enum Form {
    /// `[context]`.
    Context,
    /// `[namespaces]`, comma-separated.
    Namespaces,
    /// `[container, since]` for this pod.
    Logs(pane_actions::LogForm),
    /// `[replicas]` for this controller.
    Scale { kind: Kind, key: Key },
    /// `[to revision]` for this deployment.
    Undo { key: Key },
    /// `[container]` for a shell, `[container, command]` for one command.
    Exec(pane_actions::ExecForm),
    /// `[target, ports]` for a port-forward in this namespace.
    Forward { namespace: String },
    /// Save the shown manifest, or reveal a Secret key (typed confirmation).
    Manifest(pane_manifest::ManifestForm),
    /// `[timeout]` for draining this node (its preview follows).
    Drain { node: String },
}

/// The workloads pane's palette commands.
#[derive(Debug, Clone, PartialEq)]
pub enum PaletteCommand {
    /// `context NAME` (the name from the line when `None`).
    Context(Option<String>),
    /// `namespace NS[,NS…]` or `*`.
    Namespaces,
}

/// Which context and namespaces a worker watches (sent at start and after a switch).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ContextInfo {
    pub context: String,
    /// Watched namespaces; empty = all namespaces.
    pub namespaces: Vec<String>,
    /// Every context in the kubeconfig (for the switch form).
    pub contexts: Vec<String>,
}

/// A permission the pane needs before offering an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Perm {
    DeletePods,
    PatchDeployments,
    PatchStatefulSets,
    PatchDaemonSets,
    /// `create pods/exec`: shells and commands.
    ExecPods,
    /// `create pods/portforward`.
    PortForwardPods,
    /// `patch nodes` (cluster-scoped): cordon, uncordon, and a drain's cordon.
    PatchNodes,
    /// `create pods/eviction`: a drain's evictions.
    EvictPods,
}

impl Perm {
    pub const ALL: [Perm; 8] = [
        Self::DeletePods,
        Self::PatchDeployments,
        Self::PatchStatefulSets,
        Self::PatchDaemonSets,
        Self::ExecPods,
        Self::PortForwardPods,
        Self::PatchNodes,
        Self::EvictPods,
    ];

    /// `(verb, group, resource, subresource)` for a SelfSubjectAccessReview.
    pub fn attrs(
        self,
    ) -> (
        &'static str,
        &'static str,
        &'static str,
        Option<&'static str>,
    ) {
        match self {
            Self::DeletePods => ("delete", "", "pods", None),
            Self::PatchDeployments => ("patch", "apps", "deployments", None),
            Self::PatchStatefulSets => ("patch", "apps", "statefulsets", None),
            Self::PatchDaemonSets => ("patch", "apps", "daemonsets", None),
            Self::ExecPods => ("create", "", "pods", Some("exec")),
            Self::PortForwardPods => ("create", "", "pods", Some("portforward")),
            Self::PatchNodes => ("patch", "", "nodes", None),
            Self::EvictPods => ("create", "", "pods", Some("eviction")),
        }
    }

    /// The patch permission for a controller kind.
    pub fn patch(kind: Kind) -> Option<Self> {
        match kind {
            Kind::Deployment => Some(Self::PatchDeployments),
            Kind::StatefulSet => Some(Self::PatchStatefulSets),
            Kind::DaemonSet => Some(Self::PatchDaemonSets),
            _ => None,
        }
    }
}

/// Worker → pane messages.
#[derive(Debug)]
pub enum Update {
    /// A slice of a log stream this domain serves, for the logs pane (the
    /// runtime delivers it there; this pane never sees it).
    LogStream(crate::target::LogChunk),
    /// A watcher (re)listed `kind` in `namespace` (`None`: all namespaces):
    /// replace what the pane holds for it.
    Reset {
        kind: Kind,
        namespace: Option<String>,
        objects: Vec<Object>,
    },
    /// Added or modified.
    Apply(Object),
    Delete {
        kind: Kind,
        key: Key,
    },
    /// The worker now watches this context/namespaces; earlier data is dropped.
    Context(ContextInfo),
    /// SelfSubjectAccessReview verdicts for a namespace: `Some(reason)` = denied.
    Access {
        namespace: String,
        verdicts: Vec<(Perm, Option<String>)>,
    },
    /// News of the port-forward the pane numbered `id`.
    Forward {
        id: u64,
        change: ForwardChange,
    },
    /// A manifest fetched, a Secret key revealed, a manifest saved.
    Manifest(Box<manifest_fetch::Answer>),
}

impl Update {
    /// Whether this update changes the store's objects of `kind`.
    pub fn touches(&self, kind: Kind) -> bool {
        match self {
            Self::Reset { kind: k, .. } | Self::Delete { kind: k, .. } => *k == kind,
            Self::Apply(o) => o.kind() == kind,
            Self::Context(_) => true,
            Self::LogStream(_) | Self::Access { .. } | Self::Forward { .. } | Self::Manifest(_) => {
                false
            }
        }
    }
}

/// What happened to a console port-forward.
#[derive(Debug, Clone, PartialEq)]
pub enum ForwardChange {
    Event(portforward::ForwardEvent),
    /// It ended: stopped (`None`), or failed with the reason and its fix.
    Ended(Option<String>),
}

/// What the worker needs for the sessions it runs on the operator's
/// behalf (port-forwards) and the Secret values it reveals: where they are
/// audited, and whether the console is read-only (then it refuses them,
/// whatever the pane asked).
#[derive(Debug, Clone)]
pub struct Sessions {
    pub audit: crate::audit::AuditLog,
    pub read_only: bool,
}

/// Pane → worker messages.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Stream a pod's log as `Update::Logs(logs::Update::Lines { target, .. })`.
    /// `target` is always `LogTarget::Pod`. A new StreamLogs replaces any earlier one.
    StreamLogs {
        target: crate::target::LogTarget,
        follow: bool,
        since_seconds: Option<i64>,
        tail_lines: Option<i64>,
    },
    StopLogs,
    /// SelfSubjectAccessReviews for every action permission in one namespace,
    /// answered as `Update::Access { namespace, .. }`. The pane asks lazily
    /// when watching all namespaces, where only cluster-wide verdicts are
    /// made up front and someone with rights in one namespace would
    /// otherwise be told every action is unavailable.
    CheckAccess {
        namespace: String,
    },
    /// Watch another kubeconfig context (restarts the watchers).
    SwitchContext(String),
    /// Watch these namespaces (`["*"]` or empty: all) in the current context.
    SwitchNamespaces(Vec<String>),
    /// Start a port-forward in the current context; news comes back as
    /// `Update::Forward { id, .. }`. It outlives context switches and ends
    /// with the console (or [`Command::StopForward`]).
    PortForward {
        id: u64,
        request: portforward::ForwardRequest,
    },
    StopForward(u64),
    /// Fetch a manifest, reveal a Secret key (audited), or save a manifest;
    /// answered as `Update::Manifest`.
    Manifest(manifest_fetch::Request),
}

/// The pane, before any data has arrived.
pub fn pane(cfg: &Config) -> pane::WorkloadsPane {
    pane::WorkloadsPane::new(cfg)
}

/// Workers and action handler for the configured sources.
pub fn live(cfg: &Config, sessions: Sessions) -> Backend<Update, Command> {
    live_with(cfg, None, sessions)
}

/// [`live`] with an explicit kubeconfig file instead of `KUBECONFIG` /
/// `~/.kube/config` (tests point it at an emulator).
pub fn live_with(
    cfg: &Config,
    kubeconfig: Option<PathBuf>,
    sessions: Sessions,
) -> Backend<Update, Command> {
    let k = &cfg.kubernetes;
    if !k.enabled {
        return Backend {
            idle: vec![(
                SourceId::new(SourceKind::Kubernetes, ""),
                SourceStatus::Disabled,
            )],
            ..Default::default()
        };
    }
    let source = client::KubeSource::new(kubeconfig, k.context.clone());
    let Some(context) = source.initial_context() else {
        return Backend {
            idle: vec![(
                SourceId::new(SourceKind::Kubernetes, ""),
                SourceStatus::NotConfigured {
                    hint: "no kubeconfig found: set KUBECONFIG or create ~/.kube/config (or [kubernetes] enabled = false)".into(),
                },
            )],
            ..Default::default()
        };
    };
    let id = SourceId::new(SourceKind::Kubernetes, context);
    Backend {
        workers: vec![Box::new(worker::KubeWorker::new(
            id,
            source.clone(),
            k.namespaces.clone(),
            sessions,
        ))],
        actions: Some(Arc::new(actions::LiveActions::new(source))),
        idle: Vec::new(),
    }
}

/// The simulated estate for `--demo`.
pub fn demo(sessions: Sessions) -> Backend<Update, Command> {
    demo::backend(sessions)
}
