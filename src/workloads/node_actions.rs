//! Cordon, uncordon and drain against the API server. The drain is
//! kubectl's (`--ignore-daemonsets --delete-emptydir-data`): cordon first,
//! then one eviction per pod through the Eviction API, all pods at once,
//! each retried while a PodDisruptionBudget answers 429, until the timeout;
//! then a result per pod. What runs is the pod list the preview pinned.

use super::Perm;
use super::actions::{LiveActions, Resolved};
use super::drain::{self, DrainPlan, PodRef};
use super::error::{KubeError, WorkloadError};
use crate::action::{
    ActionError, ActionOutcome, ActionSpec, Confirm, KubeTarget, Preview, PreviewLine, Progress,
};
use k8s_openapi::api::core::v1::{Node, Pod};
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use kube::api::{Api, EvictParams, ListParams, Patch, PatchParams};
use serde_json::json;
use std::time::Duration;
use tokio::time::Instant;

/// The longest wait between two tries of an eviction a budget holds back
/// (kubectl waits 5 s).
const RETRY_MAX: Duration = Duration::from_secs(5);

async fn get_node(r: &Resolved, name: &str) -> Result<Node, WorkloadError> {
    let api: Api<Node> = Api::all(r.client.clone());
    api.get(name)
        .await
        .map_err(|e| WorkloadError::call(format!("node {name}"), None, &e))
}

fn unschedulable(n: &Node) -> bool {
    n.spec.as_ref().and_then(|s| s.unschedulable) == Some(true)
}

async fn set_unschedulable(r: &Resolved, name: &str, value: bool) -> Result<(), WorkloadError> {
    let api: Api<Node> = Api::all(r.client.clone());
    api.patch(
        name,
        &PatchParams::default(),
        &Patch::Merge(json!({"spec": {"unschedulable": value}})),
    )
    .await
    .map(|_| ())
    .map_err(|e| {
        WorkloadError::call(
            format!("patch node {name}"),
            Some("the node was not changed"),
            &e,
        )
    })
}

/// Every pod on the node and every budget, as the planner needs them.
async fn plan(r: &Resolved, node: &str) -> Result<(DrainPlan, Option<String>), WorkloadError> {
    let pods: Api<Pod> = Api::all(r.client.clone());
    let on_node = ListParams::default().fields(&format!("spec.nodeName={node}"));
    let pods = pods
        .list(&on_node)
        .await
        .map_err(|e| WorkloadError::call(format!("list pods on node {node}"), None, &e))?;
    // Without budgets the drain still works: evictions a budget holds are
    // retried anyway. Say so instead of refusing.
    let budgets: Api<PodDisruptionBudget> = Api::all(r.client.clone());
    let (budgets, warning) = match budgets.list(&ListParams::default()).await {
        Ok(list) => (list.items, None),
        Err(e) => (
            Vec::new(),
            Some(format!(
                "cannot read PodDisruptionBudgets ({}): evictions they hold will wait up to the timeout",
                KubeError::from(e)
            )),
        ),
    };
    let pods: Vec<drain::Candidate> = pods.items.iter().map(drain::Candidate::from).collect();
    Ok((drain::plan(node, &pods, &budgets), warning))
}

pub(super) async fn preview(live: &LiveActions, spec: &ActionSpec) -> Result<Preview, ActionError> {
    match spec {
        ActionSpec::Cordon(t) | ActionSpec::Uncordon(t) => {
            let cordon = matches!(spec, ActionSpec::Cordon(_));
            let r = live.resolve(t).await?;
            let verb = if cordon { "Cordon" } else { "Uncordon" };
            let mut p = Preview::new(format!("{verb} node {}", t.name), context_of(&r));
            match get_node(&r, &t.name).await {
                Ok(node) if unschedulable(&node) == cordon => {
                    p.lines.push(PreviewLine::Text(format!(
                        "already {}: nothing changes",
                        if cordon { "cordoned" } else { "schedulable" }
                    )))
                }
                Ok(_) => {
                    p.lines.push(PreviewLine::Heading("spec".into()));
                    p.lines
                        .push(PreviewLine::Removed(format!("unschedulable: {}", !cordon)));
                    p.lines
                        .push(PreviewLine::Added(format!("unschedulable: {cordon}")));
                    p.lines.push(PreviewLine::Text(if cordon {
                        "running pods stay; new pods are scheduled on other nodes".into()
                    } else {
                        "the scheduler may place new pods on this node again".into()
                    }));
                }
                Err(e) => p.blocked = Some(e.to_string()),
            }
            if p.blocked.is_none() {
                p.blocked = live.allowed_in(&r, Perm::PatchNodes, "").await;
            }
            Ok(p)
        }
        ActionSpec::Drain {
            target: t, timeout, ..
        } => preview_drain(live, t, *timeout).await,
        other => Err(WorkloadError::Unsupported(other.verb()).into()),
    }
}

fn context_of(r: &Resolved) -> String {
    format!("context {}", r.context)
}

async fn preview_drain(
    live: &LiveActions,
    t: &KubeTarget,
    timeout: Duration,
) -> Result<Preview, ActionError> {
    let r = live.resolve(t).await?;
    let mut p = Preview::new(format!("Drain node {}", t.name), context_of(&r));
    p.confirm = Confirm::Typed(t.name.clone());
    let node = match get_node(&r, &t.name).await {
        Ok(n) => n,
        Err(e) => {
            p.blocked = Some(e.to_string());
            return Ok(p);
        }
    };
    let (plan, warning) = match plan(&r, &t.name).await {
        Ok(x) => x,
        Err(e) => {
            p.blocked = Some(e.to_string());
            return Ok(p);
        }
    };
    let wait = humantime::format_duration(timeout);
    p.title = format!(
        "Drain node {}: cordon, then evict {}",
        t.name,
        crate::text::count(plan.evict.len(), "pod")
    );
    p.summary = p.title.clone();
    p.lines.push(PreviewLine::Heading("1. cordon".into()));
    if unschedulable(&node) {
        p.lines.push(PreviewLine::Text("already cordoned".into()));
    } else {
        p.lines
            .push(PreviewLine::Added("spec.unschedulable: true".into()));
    }
    p.lines.push(PreviewLine::Heading(format!(
        "2. evict (Eviction API; budgets are waited for up to {wait})"
    )));
    if plan.evict.is_empty() {
        p.lines.push(PreviewLine::Text("no pod to evict".into()));
    }
    for e in &plan.evict {
        p.lines
            .push(PreviewLine::Removed(format!("{}  ({})", e.pod, e.owner)));
        if !e.empty_dirs.is_empty() {
            p.lines.push(PreviewLine::Warning(format!(
                "{}: emptyDir data is lost ({})",
                e.pod,
                e.empty_dirs.join(", ")
            )));
        }
    }
    for ((ns, name), pods) in plan.blocking_budgets() {
        let pods: Vec<String> = pods.iter().map(|p| p.to_string()).collect();
        p.lines.push(PreviewLine::Warning(format!(
            "PodDisruptionBudget {ns}/{name} allows 0 disruptions now: {} waits until it allows one (up to {wait})",
            pods.join(", ")
        )));
    }
    if let Some(w) = warning {
        p.lines.push(PreviewLine::Warning(w));
    }
    if !plan.keep.is_empty() {
        p.lines.push(PreviewLine::Heading(format!(
            "stay on the node ({})",
            plan.keep.len()
        )));
        for (pod, why) in &plan.keep {
            p.lines.push(PreviewLine::Text(format!("{pod}: {why}")));
        }
    }
    if !plan.unmanaged.is_empty() {
        let names: Vec<String> = plan.unmanaged.iter().map(ToString::to_string).collect();
        p.blocked = Some(
            WorkloadError::Unmanaged {
                node: t.name.clone(),
                pods: names.join(", "),
            }
            .to_string(),
        );
        return Ok(p);
    }
    p.blocked = live.allowed_in(&r, Perm::PatchNodes, "").await;
    let mut namespaces: Vec<&str> = plan
        .evict
        .iter()
        .map(|e| e.pod.namespace.as_str())
        .collect();
    namespaces.dedup();
    for ns in namespaces {
        if p.blocked.is_some() {
            break;
        }
        p.blocked = live.allowed_in(&r, Perm::EvictPods, ns).await;
    }
    p.pinned = Some(ActionSpec::Drain {
        target: t.clone(),
        timeout,
        pods: Some(plan.evict.iter().map(|e| e.pod.clone()).collect()),
    });
    Ok(p)
}

/// How one pod's eviction ended.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Eviction {
    Done,
    AlreadyGone,
    /// Still held back (or not yet deleted) when the timeout ran out.
    TimedOut(String),
    Failed(String),
}

pub(super) async fn execute(
    live: &LiveActions,
    spec: &ActionSpec,
    progress: Progress,
) -> Result<ActionOutcome, ActionError> {
    match spec {
        ActionSpec::Cordon(t) | ActionSpec::Uncordon(t) => {
            let cordon = matches!(spec, ActionSpec::Cordon(_));
            let r = live.resolve(t).await?;
            set_unschedulable(&r, &t.name, cordon).await?;
            Ok(ActionOutcome {
                summary: format!(
                    "node {} {}",
                    t.name,
                    if cordon { "cordoned" } else { "uncordoned" }
                ),
                ..Default::default()
            })
        }
        ActionSpec::Drain {
            target: t,
            timeout,
            pods,
        } => {
            let r = live.resolve_unretried(t).await?;
            let pods = match pods {
                Some(p) => p.clone(),
                // Not previewed (a caller that skipped it): plan now, with the
                // same rules, refusing what the preview would refuse.
                None => {
                    let (plan, _) = plan(&r, &t.name).await?;
                    if !plan.unmanaged.is_empty() {
                        let names: Vec<String> =
                            plan.unmanaged.iter().map(ToString::to_string).collect();
                        return Err(WorkloadError::Unmanaged {
                            node: t.name.clone(),
                            pods: names.join(", "),
                        }
                        .into());
                    }
                    plan.evict.into_iter().map(|e| e.pod).collect()
                }
            };
            set_unschedulable(&r, &t.name, true).await?;
            progress.line(format!("node {} cordoned", t.name));
            let deadline = Instant::now() + *timeout;
            let runs = pods
                .iter()
                .map(|pod| evict_one(&r, pod, deadline, &progress));
            let results = futures::future::join_all(runs).await;
            let mut evicted = 0;
            let mut left = Vec::new();
            for (pod, result) in pods.iter().zip(&results) {
                match result {
                    Eviction::Done | Eviction::AlreadyGone => evicted += 1,
                    Eviction::TimedOut(why) | Eviction::Failed(why) => {
                        left.push(format!("{pod} ({why})"))
                    }
                }
            }
            if !left.is_empty() {
                return Err(WorkloadError::DrainIncomplete {
                    node: t.name.clone(),
                    evicted,
                    left: left.join("; "),
                }
                .into());
            }
            Ok(ActionOutcome {
                summary: format!(
                    "drained node {}: cordoned, {} evicted",
                    t.name,
                    crate::text::count(evicted, "pod")
                ),
                ..Default::default()
            })
        }
        other => Err(WorkloadError::Unsupported(other.verb()).into()),
    }
}

/// Evict one pod, retrying while a budget holds it, then wait until it is
/// gone (its replacement has a new uid). Progress says each step.
async fn evict_one(r: &Resolved, pod: &PodRef, deadline: Instant, progress: &Progress) -> Eviction {
    let api: Api<Pod> = Api::namespaced(r.client.clone(), &pod.namespace);
    let uid = match api.get(&pod.name).await {
        Ok(p) => p.metadata.uid,
        Err(kube::Error::Api(s)) if s.code == 404 => {
            progress.line(format!("{pod}: already gone"));
            return Eviction::AlreadyGone;
        }
        Err(e) => return Eviction::Failed(KubeError::from(e).to_string()),
    };
    let mut wait = Duration::from_secs(1);
    let mut last_refusal = String::new();
    loop {
        match api.evict(&pod.name, &EvictParams::default()).await {
            Ok(_) => break,
            Err(kube::Error::Api(s)) if s.code == 404 => {
                progress.line(format!("{pod}: already gone"));
                return Eviction::AlreadyGone;
            }
            Err(kube::Error::Api(s)) if s.code == 429 => {
                let why = budget_reason(&s);
                if why != last_refusal {
                    progress.line(format!("{pod}: {why} (retrying)"));
                    last_refusal = why.clone();
                }
                if Instant::now() + wait > deadline {
                    progress.line(format!("{pod}: gave up at the timeout: {why}"));
                    return Eviction::TimedOut(why);
                }
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(RETRY_MAX);
            }
            Err(e) => {
                let why = KubeError::from(e).to_string();
                progress.line(format!("{pod}: eviction failed: {why}"));
                return Eviction::Failed(why);
            }
        }
    }
    progress.line(format!("{pod}: evicted"));
    // kubectl waits for the pod to be deleted: a pod stuck terminating
    // still holds the node (and its volumes).
    loop {
        match api.get(&pod.name).await {
            Err(kube::Error::Api(s)) if s.code == 404 => return Eviction::Done,
            Ok(p) if p.metadata.uid != uid => return Eviction::Done,
            _ if Instant::now() >= deadline => {
                return Eviction::TimedOut("evicted, still terminating at the timeout".into());
            }
            _ => tokio::time::sleep(Duration::from_secs(1)).await,
        }
    }
}

/// The API server's words for a held-back eviction: the budget's cause
/// when it gives one.
fn budget_reason(s: &kube::core::Status) -> String {
    let cause = s
        .details
        .as_ref()
        .and_then(|d| d.causes.iter().find(|c| c.reason == "DisruptionBudget"))
        .map(|c| c.message.clone());
    crate::text::sanitize(&cause.unwrap_or_else(|| s.message.clone())).into_owned()
}
