//! The workloads pane's graphs: the selected pod's, or a workload's pods',
//! CPU and memory in the Metrics pane, from the `[metrics] pod_cpu` /
//! `pod_memory` queries, the memory limit drawn when every container has one.

use super::Action;
use super::model::Kind;
use super::pane::{Out, WorkloadsPane, notify};
use crate::pane::{Jump, Outcome, PaneCtx};

/// A PromQL regex matching exactly this pod, or the pods this controller
/// names (`backend-7d9f8b6c5-x2x9q` for deployment `backend`). Names are
/// DNS labels; the dots they may hold are escaped.
pub(super) fn pod_pattern(kind: Kind, name: &str) -> String {
    let name = name.replace('.', r"\.");
    match kind {
        Kind::Pod => name,
        Kind::Deployment => format!("{name}-[a-z0-9]+-[a-z0-9]+"),
        Kind::StatefulSet => format!("{name}-[0-9]+"),
        _ => format!("{name}-[a-z0-9]+"),
    }
}

impl WorkloadsPane {
    /// `graph_cpu` / `graph_memory` on the selection.
    pub(super) fn graph(&mut self, action: Action, ctx: &PaneCtx) -> Out {
        let Some((kind, key)) = self.selected(ctx.now) else {
            return notify("nothing selected");
        };
        if !matches!(
            kind,
            Kind::Pod
                | Kind::Deployment
                | Kind::StatefulSet
                | Kind::DaemonSet
                | Kind::ReplicaSet
                | Kind::Job
        ) {
            return notify(format!("{}: no pods to graph", kind.arg()));
        }
        let memory = action == Action::GraphMemory;
        let template = if memory {
            &self.graphs.pod_memory
        } else {
            &self.graphs.pod_cpu
        };
        let expr = crate::config::fill(
            template,
            &[
                ("namespace", &key.namespace),
                ("pod", &pod_pattern(kind, &key.name)),
            ],
        );
        // The limit of one pod: every container's, summed (a pod without
        // a limit on one container has none).
        let threshold = memory
            .then(|| self.log_pod(kind, &key, ctx.now))
            .flatten()
            .and_then(|p| self.store.pods.get(&p))
            .and_then(|p| {
                p.containers
                    .iter()
                    .map(|c| c.memory_limit.as_deref().and_then(super::quantity::value))
                    .sum::<Option<f64>>()
            });
        Outcome::Jump(Jump::Metrics {
            expr,
            from: None,
            fired: None,
            threshold,
        })
    }
}
