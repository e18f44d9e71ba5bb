//! Cordon, uncordon and drain on the demo estate, planned with the same
//! rules as the live drain (`workloads::drain`): a drain cordons the node
//! and evicts its pods, whose controllers recreate them on the other nodes.

use super::estate::Estate;
use crate::action::{ActionSpec, Confirm, KubeTarget, Preview, PreviewLine};
use crate::workloads::drain::{self, Candidate, DrainPlan, PodRef};
use crate::workloads::error::WorkloadError;

fn location() -> String {
    format!("context {} (DEMO)", super::CONTEXT)
}

fn node_index(e: &Estate, t: &KubeTarget) -> Result<usize, WorkloadError> {
    e.nodes
        .iter()
        .position(|n| n.name == t.name)
        .ok_or_else(|| WorkloadError::NotFound(format!("nodes \"{}\"", t.name)))
}

fn plan(e: &Estate, node: &str) -> DrainPlan {
    let pods: Vec<Candidate> = e
        .pods
        .values()
        .map(|p| Candidate {
            pod: PodRef {
                namespace: p.key.namespace.clone(),
                name: p.key.name.clone(),
            },
            node: p.node.clone(),
            owner: p.owner.as_ref().map(|o| (o.kind.clone(), o.name.clone())),
            mirror: false,
            phase: p.phase.clone(),
            empty_dirs: Vec::new(),
            labels: p.labels.clone(),
        })
        .collect();
    drain::plan(node, &pods, &[])
}

pub(super) fn preview(e: &Estate, spec: &ActionSpec) -> Result<Preview, WorkloadError> {
    match spec {
        ActionSpec::Cordon(t) | ActionSpec::Uncordon(t) => {
            let cordon = matches!(spec, ActionSpec::Cordon(_));
            let node = &e.nodes[node_index(e, t)?];
            let verb = if cordon { "Cordon" } else { "Uncordon" };
            let mut p = Preview::new(format!("{verb} node {}", t.name), location());
            if node.unschedulable == cordon {
                p.lines.push(PreviewLine::Text("nothing changes".into()));
            } else {
                p.lines
                    .push(PreviewLine::Removed(format!("unschedulable: {}", !cordon)));
                p.lines
                    .push(PreviewLine::Added(format!("unschedulable: {cordon}")));
            }
            Ok(p)
        }
        ActionSpec::Drain {
            target: t, timeout, ..
        } => {
            node_index(e, t)?;
            let plan = plan(e, &t.name);
            let mut p = Preview::new(
                format!(
                    "Drain node {}: cordon, then evict {}",
                    t.name,
                    crate::text::count(plan.evict.len(), "pod")
                ),
                location(),
            );
            p.confirm = Confirm::Typed(t.name.clone());
            p.lines
                .push(PreviewLine::Added("spec.unschedulable: true".into()));
            for ev in &plan.evict {
                p.lines
                    .push(PreviewLine::Removed(format!("{}  ({})", ev.pod, ev.owner)));
            }
            for (pod, why) in &plan.keep {
                p.lines.push(PreviewLine::Text(format!("{pod}: {why}")));
            }
            p.pinned = Some(ActionSpec::Drain {
                target: t.clone(),
                timeout: *timeout,
                pods: Some(plan.evict.iter().map(|e| e.pod.clone()).collect()),
            });
            Ok(p)
        }
        other => Err(WorkloadError::Unsupported(other.verb())),
    }
}

pub(super) fn execute(e: &mut Estate, spec: &ActionSpec) -> Result<String, WorkloadError> {
    match spec {
        ActionSpec::Cordon(t) | ActionSpec::Uncordon(t) => {
            let cordon = matches!(spec, ActionSpec::Cordon(_));
            let i = node_index(e, t)?;
            e.nodes[i].unschedulable = cordon;
            Ok(format!(
                "node {} {}",
                t.name,
                if cordon { "cordoned" } else { "uncordoned" }
            ))
        }
        ActionSpec::Drain {
            target: t, pods, ..
        } => {
            let i = node_index(e, t)?;
            e.nodes[i].unschedulable = true;
            let pods = match pods {
                Some(p) => p.clone(),
                None => plan(e, &t.name).evict.into_iter().map(|e| e.pod).collect(),
            };
            let mut evicted = 0;
            for pod in &pods {
                let key =
                    crate::workloads::model::Key::new(pod.namespace.clone(), pod.name.clone());
                // Only pods still on the node: what the preview showed.
                if e.pods
                    .get(&key)
                    .is_some_and(|p| p.node.as_deref() == Some(&t.name))
                {
                    e.pods.remove(&key);
                    e.pod_set.remove(&key);
                    evicted += 1;
                }
            }
            Ok(format!(
                "drained node {}: cordoned, {} evicted",
                t.name,
                crate::text::count(evicted, "pod")
            ))
        }
        other => Err(WorkloadError::Unsupported(other.verb())),
    }
}
