//! The live action handler: delete pod, rollout restart, scale and rollout
//! undo against the API server, each previewed (what changes, RBAC verdict)
//! before it runs.

use super::Perm;
use super::client::KubeSource;
use super::error::{KubeError, WorkloadError};
use super::model::Kind;
use super::rbac::AccessCache;
use super::undo::{self, Revision};
use crate::action::{
    ActionError, ActionHandler, ActionOutcome, ActionSpec, Confirm, KubeTarget, Preview,
    PreviewLine, Progress,
};
use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, DeleteParams, ListParams, Patch, PatchParams};
use serde_json::{Value, json};

pub struct LiveActions {
    source: KubeSource,
    access: AccessCache,
}

/// A resolved target: client, namespace and where it is, for the preview.
pub(super) struct Resolved {
    pub(super) client: kube::Client,
    pub(super) namespace: String,
    pub(super) location: String,
    pub(super) context: String,
}

impl LiveActions {
    pub fn new(source: KubeSource) -> Self {
        Self {
            source,
            access: AccessCache::default(),
        }
    }

    pub(super) async fn resolve(&self, t: &KubeTarget) -> Result<Resolved, WorkloadError> {
        self.resolve_with(t, true).await
    }

    /// [`Self::resolve`] with a client kube does not retry on 429 (see
    /// `KubeSource::client_unretried`).
    pub(super) async fn resolve_unretried(
        &self,
        t: &KubeTarget,
    ) -> Result<Resolved, WorkloadError> {
        self.resolve_with(t, false).await
    }

    async fn resolve_with(&self, t: &KubeTarget, retry: bool) -> Result<Resolved, WorkloadError> {
        let context = t
            .context
            .clone()
            .or_else(|| self.source.initial_context())
            .unwrap_or_default();
        let (client, default_ns) = if retry {
            self.source.client(t.context.as_deref()).await?
        } else {
            self.source.client_unretried(t.context.as_deref()).await?
        };
        let namespace = t.namespace.clone().unwrap_or(default_ns);
        Ok(Resolved {
            client,
            location: format!("context {context}, namespace {namespace}"),
            namespace,
            context,
        })
    }

    async fn allowed(&self, r: &Resolved, perm: Perm) -> Option<String> {
        self.allowed_in(r, perm, &r.namespace).await
    }

    /// Why `perm` is refused in `namespace` (`""`: cluster-wide), if it is.
    pub(super) async fn allowed_in(
        &self,
        r: &Resolved,
        perm: Perm,
        namespace: &str,
    ) -> Option<String> {
        match self
            .access
            .check(&r.context, &r.client, perm, namespace)
            .await
        {
            Ok(v) => v,
            Err(e) => Some(format!("cannot check permission: {e}")),
        }
    }
}

/// Why `scale` is refused for this kind (see [`Kind::SCALABLE`]).
fn unscalable(kind: Kind) -> Option<WorkloadError> {
    (!kind.is_scalable()).then(|| WorkloadError::Unscalable(kind.arg()))
}

fn kind_of(t: &KubeTarget) -> Result<Kind, WorkloadError> {
    Kind::from_label(&t.kind).ok_or_else(|| WorkloadError::UnknownKind(t.kind.clone()))
}

/// GET a controller's replicas and pod template as JSON (the kinds differ only in type).
async fn get_controller(r: &Resolved, kind: Kind, name: &str) -> Result<Value, WorkloadError> {
    macro_rules! get {
        ($t:ty) => {{
            let api: Api<$t> = Api::namespaced(r.client.clone(), &r.namespace);
            api.get(name)
                .await
                .map(|o| serde_json::to_value(o).unwrap_or_default())
                .map_err(|e| {
                    WorkloadError::call(format!("{} {}/{name}", kind.arg(), r.namespace), None, &e)
                })
        }};
    }
    match kind {
        Kind::Deployment => get!(Deployment),
        Kind::StatefulSet => get!(StatefulSet),
        Kind::DaemonSet => get!(DaemonSet),
        other => Err(WorkloadError::NotAController(other.arg())),
    }
}

async fn patch_controller(
    r: &Resolved,
    kind: Kind,
    name: &str,
    patch: &Value,
) -> Result<(), WorkloadError> {
    let pp = PatchParams::default();
    macro_rules! patch {
        ($t:ty) => {{
            let api: Api<$t> = Api::namespaced(r.client.clone(), &r.namespace);
            api.patch(name, &pp, &Patch::Merge(patch))
                .await
                .map(|_| ())
                .map_err(|e| {
                    WorkloadError::call(
                        format!("patch {} {}/{name}", kind.arg(), r.namespace),
                        Some("nothing was changed"),
                        &e,
                    )
                })
        }};
    }
    match kind {
        Kind::Deployment => patch!(Deployment),
        Kind::StatefulSet => patch!(StatefulSet),
        Kind::DaemonSet => patch!(DaemonSet),
        other => Err(WorkloadError::NotAController(other.arg())),
    }
}

/// The deployment's revision history from its ReplicaSets. Owner references
/// decide membership (label selectors would also match adopted/orphaned sets).
async fn history(r: &Resolved, deployment: &Value) -> Result<Vec<Revision>, WorkloadError> {
    let api: Api<ReplicaSet> = Api::namespaced(r.client.clone(), &r.namespace);
    let uid = deployment["metadata"]["uid"].as_str().unwrap_or("");
    let name = deployment["metadata"]["name"].as_str().unwrap_or("");
    let list = api.list(&ListParams::default()).await.map_err(|e| {
        WorkloadError::call(format!("list replicasets in {}", r.namespace), None, &e)
    })?;
    let mut out = Vec::new();
    for rs in list.items {
        // Owner references decide membership; kmock (and adopted sets) make
        // label selectors unreliable.
        let owned = rs.metadata.owner_references.as_ref().is_some_and(|o| {
            o.iter().any(|o| {
                o.kind == "Deployment" && (o.name == name || (!uid.is_empty() && o.uid == uid))
            })
        });
        let rev = rs
            .metadata
            .annotations
            .as_ref()
            .and_then(|a| a.get(undo::REVISION))
            .and_then(|v| v.parse().ok());
        if let (true, Some(revision)) = (owned, rev) {
            let template = serde_json::to_value(&rs.spec.template).unwrap_or_default();
            out.push(Revision {
                revision,
                replicaset: rs.metadata.name.clone().unwrap_or_default(),
                template: undo::clean_template(&template),
            });
        }
    }
    out.sort_by_key(|r| r.revision);
    Ok(out)
}

/// Everything an undo needs, gathered once for preview and execute.
struct UndoPlan {
    current: i64,
    target: Revision,
    current_template: Value,
}

async fn plan_undo(r: &Resolved, name: &str, to: Option<i64>) -> Result<UndoPlan, WorkloadError> {
    let dep = get_controller(r, Kind::Deployment, name).await?;
    // As kubectl: on a paused deployment the patched template would not roll
    // out, and the preview would promise a rollback that never happens.
    if dep["spec"]["paused"].as_bool() == Some(true) {
        return Err(WorkloadError::Paused(name.to_string()));
    }
    let current: i64 = dep["metadata"]["annotations"][undo::REVISION]
        .as_str()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| WorkloadError::NoHistory(name.to_string()))?;
    let hist = history(r, &dep).await?;
    let target = undo::pick_target(current, &hist, to)
        .map_err(WorkloadError::NoRevision)?
        .clone();
    let current_template = undo::clean_template(&dep["spec"]["template"]);
    if current_template == target.template {
        return Err(WorkloadError::AlreadyAt(target.revision));
    }
    Ok(UndoPlan {
        current,
        target,
        current_template,
    })
}

#[async_trait::async_trait]
impl ActionHandler for LiveActions {
    async fn preview(&self, spec: &ActionSpec) -> Result<Preview, ActionError> {
        match spec {
            ActionSpec::DeletePod(t) => {
                let r = self.resolve(t).await?;
                let mut p = Preview::new(
                    format!("Delete pod {}/{}", r.namespace, t.name),
                    r.location.clone(),
                );
                let api: Api<Pod> = Api::namespaced(r.client.clone(), &r.namespace);
                match api.get(&t.name).await {
                    Ok(pod) => {
                        let owner = pod
                            .metadata
                            .owner_references
                            .unwrap_or_default()
                            .into_iter()
                            .find(|o| o.controller == Some(true));
                        match owner {
                            Some(o) => p.lines.push(PreviewLine::Text(format!(
                                "{} {} will create a replacement pod (a restart)",
                                o.kind, o.name
                            ))),
                            None => {
                                p.lines.push(PreviewLine::Warning(
                                    "no controller owns this pod: it will NOT come back".into(),
                                ));
                                p.confirm = Confirm::Typed(t.name.clone());
                            }
                        }
                        p.lines
                            .push(PreviewLine::Removed(format!("pod/{}", t.name)));
                    }
                    Err(e) => p.blocked = Some(KubeError::from(e).to_string()),
                }
                if p.blocked.is_none() {
                    p.blocked = self.allowed(&r, Perm::DeletePods).await;
                }
                Ok(p)
            }
            ActionSpec::RolloutRestart(t) => {
                let kind = kind_of(t)?;
                let r = self.resolve(t).await?;
                let mut p = Preview::new(
                    format!("Rollout restart {} {}/{}", kind.arg(), r.namespace, t.name),
                    r.location.clone(),
                );
                match get_controller(&r, kind, &t.name).await {
                    Ok(obj) => {
                        let old = obj["spec"]["template"]["metadata"]["annotations"]
                            ["kubectl.kubernetes.io/restartedAt"]
                            .as_str()
                            .map(str::to_string);
                        p.lines.push(PreviewLine::Heading(
                            "spec.template.metadata.annotations".into(),
                        ));
                        if let Some(o) = old {
                            p.lines.push(PreviewLine::Removed(format!(
                                "kubectl.kubernetes.io/restartedAt: {o}"
                            )));
                        }
                        p.lines.push(PreviewLine::Added(
                            "kubectl.kubernetes.io/restartedAt: <now>".into(),
                        ));
                        p.lines.push(PreviewLine::Text(
                            "every pod is replaced following the rollout strategy".into(),
                        ));
                        if let Some(perm) = Perm::patch(kind) {
                            p.blocked = self.allowed(&r, perm).await;
                        }
                    }
                    Err(e) => p.blocked = Some(e.to_string()),
                }
                Ok(p)
            }
            ActionSpec::Scale {
                target: t,
                replicas,
            } => {
                let kind = kind_of(t)?;
                let r = self.resolve(t).await?;
                let mut p = Preview::new(
                    format!(
                        "Scale {} {}/{} to {replicas}",
                        kind.arg(),
                        r.namespace,
                        t.name
                    ),
                    r.location.clone(),
                );
                if *replicas < 0 {
                    p.blocked = Some(WorkloadError::NegativeReplicas.to_string());
                    return Ok(p);
                }
                if let Some(why) = unscalable(kind) {
                    p.blocked = Some(why.to_string());
                    return Ok(p);
                }
                match get_controller(&r, kind, &t.name).await {
                    Ok(obj) => {
                        let current = obj["spec"]["replicas"].as_i64().unwrap_or(1);
                        p.title = format!(
                            "Scale {} {}/{} from {current} to {replicas}",
                            kind.arg(),
                            r.namespace,
                            t.name
                        );
                        p.summary = p.title.clone();
                        p.lines
                            .push(PreviewLine::Removed(format!("replicas: {current}")));
                        p.lines
                            .push(PreviewLine::Added(format!("replicas: {replicas}")));
                        if *replicas == 0 {
                            p.lines.push(PreviewLine::Warning(format!(
                                "scaling to 0 stops every pod of {}: it serves nothing until scaled up",
                                t.name
                            )));
                            p.confirm = Confirm::Typed(t.name.clone());
                        }
                        if let Some(perm) = Perm::patch(kind) {
                            p.blocked = self.allowed(&r, perm).await;
                        }
                    }
                    Err(e) => p.blocked = Some(e.to_string()),
                }
                Ok(p)
            }
            ActionSpec::RolloutUndo {
                target: t,
                to_revision,
            } => {
                let r = self.resolve(t).await?;
                let mut p = Preview::new(
                    format!("Roll back deployment {}/{}", r.namespace, t.name),
                    r.location.clone(),
                );
                match plan_undo(&r, &t.name, *to_revision).await {
                    Ok(plan) => {
                        p.title = format!(
                            "Roll back deployment {}/{} from revision {} to {}",
                            r.namespace, t.name, plan.current, plan.target.revision
                        );
                        p.summary = format!("{} ({})", p.title, plan.target.images().join(", "));
                        p.lines.push(PreviewLine::Heading(format!(
                            "pod template: revision {} → {} (ReplicaSet {})",
                            plan.current, plan.target.revision, plan.target.replicaset
                        )));
                        p.lines.extend(undo::template_diff(
                            &plan.current_template,
                            &plan.target.template,
                        ));
                        p.blocked = self.allowed(&r, Perm::PatchDeployments).await;
                        // A rollout between preview and confirmation changes
                        // what "previous" means; go where the preview said.
                        p.pinned = Some(ActionSpec::RolloutUndo {
                            target: t.clone(),
                            to_revision: Some(plan.target.revision),
                        });
                    }
                    Err(e) => p.blocked = Some(e.to_string()),
                }
                Ok(p)
            }
            ActionSpec::Cordon(_) | ActionSpec::Uncordon(_) | ActionSpec::Drain { .. } => {
                super::node_actions::preview(self, spec).await
            }
            other => Err(WorkloadError::Unsupported(other.verb()).into()),
        }
    }

    async fn execute(
        &self,
        spec: &ActionSpec,
        progress: Progress,
    ) -> Result<ActionOutcome, ActionError> {
        match spec {
            ActionSpec::DeletePod(t) => {
                let r = self.resolve(t).await?;
                let api: Api<Pod> = Api::namespaced(r.client.clone(), &r.namespace);
                api.delete(&t.name, &DeleteParams::default())
                    .await
                    .map_err(|e| {
                        WorkloadError::call(
                            format!("delete pod {}/{}", r.namespace, t.name),
                            Some("nothing was deleted"),
                            &e,
                        )
                    })?;
                Ok(ActionOutcome {
                    summary: format!("deleted pod {}/{}", r.namespace, t.name),
                    ..Default::default()
                })
            }
            ActionSpec::RolloutRestart(t) => {
                let kind = kind_of(t)?;
                let r = self.resolve(t).await?;
                let now = jiff::Timestamp::now()
                    .strftime("%Y-%m-%dT%H:%M:%SZ")
                    .to_string();
                let patch = json!({"spec": {"template": {"metadata": {"annotations": {
                    "kubectl.kubernetes.io/restartedAt": now}}}}});
                patch_controller(&r, kind, &t.name, &patch).await?;
                progress.line(format!("restartedAt = {now}"));
                Ok(ActionOutcome {
                    summary: format!(
                        "restarted {} {}/{} (restartedAt {now})",
                        kind.arg(),
                        r.namespace,
                        t.name
                    ),
                    ..Default::default()
                })
            }
            ActionSpec::Scale {
                target: t,
                replicas,
            } => {
                if *replicas < 0 {
                    return Err(WorkloadError::NegativeReplicas.into());
                }
                let kind = kind_of(t)?;
                if let Some(why) = unscalable(kind) {
                    return Err(why.into());
                }
                let r = self.resolve(t).await?;
                patch_controller(&r, kind, &t.name, &json!({"spec": {"replicas": replicas}}))
                    .await?;
                Ok(ActionOutcome {
                    summary: format!(
                        "scaled {} {}/{} to {replicas}",
                        kind.arg(),
                        r.namespace,
                        t.name
                    ),
                    ..Default::default()
                })
            }
            ActionSpec::RolloutUndo {
                target: t,
                to_revision,
            } => {
                let r = self.resolve(t).await?;
                let plan = plan_undo(&r, &t.name, *to_revision).await?;
                progress.line(format!(
                    "patching the template of deployment {} with ReplicaSet {} (revision {})",
                    t.name, plan.target.replicaset, plan.target.revision
                ));
                let patch = undo::undo_patch(&plan.current_template, &plan.target);
                patch_controller(&r, Kind::Deployment, &t.name, &patch).await?;
                Ok(ActionOutcome {
                    summary: format!(
                        "rolled back deployment {}/{} from revision {} to {} ({})",
                        r.namespace,
                        t.name,
                        plan.current,
                        plan.target.revision,
                        plan.target.images().join(", ")
                    ),
                    ..Default::default()
                })
            }
            ActionSpec::Cordon(_) | ActionSpec::Uncordon(_) | ActionSpec::Drain { .. } => {
                super::node_actions::execute(self, spec, progress).await
            }
            other => Err(WorkloadError::Unsupported(other.verb()).into()),
        }
    }
}
