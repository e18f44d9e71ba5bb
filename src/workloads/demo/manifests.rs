//! Manifests for `--demo`: the estate's objects as the API server would
//! answer a GET, built from the simulation's own state (the pod templates,
//! replica counts, pod states), plus the Secret the backend reads its
//! database password from. Each carries an annotation saying it is
//! simulated, so a saved or copied demo manifest cannot pass for a real one.

use super::estate::{Estate, Set, Top};
use crate::workloads::manifest::{ManifestKind, ObjectId};
use crate::workloads::model::{Kind, PodSummary, State};
use base64::Engine;
use serde_json::{Value, json};

/// The annotation every demo manifest carries.
pub const DEMO_ANNOTATION: &str = "warroom.dev/demo";

/// The demo's one Secret: the backend's database credentials.
pub const SECRET: &str = "backend-db";

/// The object `id` names in the estate, as JSON (`None`: no such object).
pub fn object(e: &Estate, id: &ObjectId) -> Option<Value> {
    let key = crate::workloads::model::Key::new(id.namespace.clone(), id.name.clone());
    let mut v = match id.kind {
        ManifestKind::Pod => e.pods.get(&key).map(|p| pod(e, p))?,
        ManifestKind::Deployment | ManifestKind::CronJob => {
            let kind = if id.kind == ManifestKind::Deployment {
                Kind::Deployment
            } else {
                Kind::CronJob
            };
            let top = e.tops.iter().find(|t| t.kind == kind && t.key == key)?;
            top_json(e, top)
        }
        ManifestKind::ReplicaSet | ManifestKind::StatefulSet | ManifestKind::Job => {
            let kind = match id.kind {
                ManifestKind::ReplicaSet => Kind::ReplicaSet,
                ManifestKind::StatefulSet => Kind::StatefulSet,
                _ => Kind::Job,
            };
            let set = e.sets.iter().find(|s| s.kind == kind && s.key == key)?;
            set_json(e, set)
        }
        ManifestKind::Node => {
            let n = e.nodes.iter().find(|n| n.name == id.name)?;
            json!({
                "apiVersion": "v1", "kind": "Node",
                "metadata": {"name": n.name, "labels": {"kubernetes.io/hostname": n.name}},
                "spec": {"unschedulable": n.unschedulable},
                "status": {
                    "conditions": [{"type": "Ready", "status": if n.ready { "True" } else { "False" }}],
                    "nodeInfo": {"kubeletVersion": n.kubelet},
                },
            })
        }
        ManifestKind::Secret if id.name == SECRET && e.tops.iter().any(|t| t.key == key_of(id)) => {
            secret(&id.namespace)
        }
        _ => return None,
    };
    strip_nulls(&mut v);
    let meta = &mut v["metadata"];
    if !meta["annotations"].is_object() {
        meta["annotations"] = json!({});
    }
    meta["annotations"][DEMO_ANNOTATION] =
        "simulated by warroom --demo; no cluster was contacted".into();
    Some(v)
}

/// Drop the `null`s the summaries' absent fields left (an API server omits them).
fn strip_nulls(v: &mut Value) {
    match v {
        Value::Object(m) => {
            m.retain(|_, x| !x.is_null());
            m.values_mut().for_each(strip_nulls);
        }
        Value::Array(a) => a.iter_mut().for_each(strip_nulls),
        _ => {}
    }
}

/// The Secret lives where a `backend` deployment does.
fn key_of(id: &ObjectId) -> crate::workloads::model::Key {
    crate::workloads::model::Key::new(id.namespace.clone(), "backend")
}

fn secret(namespace: &str) -> Value {
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    json!({
        "apiVersion": "v1", "kind": "Secret", "type": "Opaque",
        "metadata": {"name": SECRET, "namespace": namespace, "labels": {"app": "backend"}},
        "data": {
            "DATABASE_PASSWORD": b64("demo-only-not-a-real-password"),
            "DATABASE_USER": b64("backend"),
        },
    })
}

fn meta(ns: &str, name: &str, app: &str, created: Option<jiff::Timestamp>) -> Value {
    json!({
        "name": name, "namespace": ns, "labels": {"app": app},
        "creationTimestamp": created.map(|t| t.to_string()),
        "uid": format!("demo-{ns}-{name}"),
    })
}

/// The pod template of `set`, with the backend's password from its Secret.
fn template(set: &Set) -> Value {
    let mut t = set.template.to_json(&set.app);
    if set.app == "backend"
        && let Some(c) = t["spec"]["containers"][0].as_object_mut()
    {
        let env = c.entry("env").or_insert_with(|| json!([]));
        if let Some(list) = env.as_array_mut() {
            list.push(json!({"name": "DATABASE_PASSWORD", "valueFrom": {"secretKeyRef": {"name": SECRET, "key": "DATABASE_PASSWORD"}}}));
        }
    }
    t
}

fn top_json(e: &Estate, top: &Top) -> Value {
    let ns = &top.key.namespace;
    let name = &top.key.name;
    let current = e.current_set(top).map(|i| &e.sets[i]);
    let mut m = meta(ns, name, name, Some(top.created));
    if top.kind == Kind::CronJob {
        return json!({
            "apiVersion": "batch/v1", "kind": "CronJob", "metadata": m,
            "spec": {"schedule": top.schedule, "jobTemplate": {"spec": {"template":
                e.sets.iter().find(|s| s.owner.as_ref().is_some_and(|(_, n)| n == name)).map(template)}}},
        });
    }
    m["annotations"] = json!({"deployment.kubernetes.io/revision": top.revision.to_string()});
    json!({
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": m,
        "spec": {
            "replicas": top.desired,
            "selector": {"matchLabels": {"app": name}},
            "template": current.map(template),
        },
    })
}

fn set_json(e: &Estate, set: &Set) -> Value {
    let (ns, name) = (&set.key.namespace, &set.key.name);
    let mut m = meta(ns, name, &set.app, Some(set.created));
    if let Some((kind, owner)) = &set.owner {
        m["ownerReferences"] = json!([{"kind": kind.label(), "name": owner, "controller": true}]);
    }
    if let Some(r) = set.revision {
        m["annotations"] = json!({"deployment.kubernetes.io/revision": r.to_string()});
    }
    let (api, kind) = match set.kind {
        Kind::StatefulSet => ("apps/v1", "StatefulSet"),
        Kind::Job => ("batch/v1", "Job"),
        _ => ("apps/v1", "ReplicaSet"),
    };
    let index = e
        .sets
        .iter()
        .position(|s| std::ptr::eq(s, set))
        .unwrap_or(0);
    json!({
        "apiVersion": api, "kind": kind, "metadata": m,
        "spec": {"replicas": set.desired, "selector": {"matchLabels": {"app": set.app}},
                 "template": template(set)},
        "status": {"replicas": set.desired, "readyReplicas": e.ready_pods(index)},
    })
}

fn pod(e: &Estate, p: &PodSummary) -> Value {
    let app = p.labels.get("app").cloned().unwrap_or_default();
    let mut m = meta(&p.key.namespace, &p.key.name, &app, p.created);
    if let Some(o) = &p.owner {
        m["ownerReferences"] = json!([{"kind": o.kind, "name": o.name, "controller": true}]);
    }
    let spec = e
        .pod_set
        .get(&p.key)
        .and_then(|i| e.sets.get(*i))
        .map(|s| template(s)["spec"].clone())
        .unwrap_or_else(|| json!({}));
    let mut spec = spec;
    spec["nodeName"] = json!(p.node);
    let statuses: Vec<Value> = p
        .containers
        .iter()
        .map(|c| {
            let state = match &c.state {
                State::Waiting { reason, message } => {
                    json!({"waiting": {"reason": reason, "message": message}})
                }
                State::Running { started } => {
                    json!({"running": {"startedAt": started.map(|t| t.to_string())}})
                }
                State::Terminated(t) => {
                    json!({"terminated": {"reason": t.reason, "exitCode": t.exit_code}})
                }
                State::Unknown => json!({}),
            };
            let mut s = json!({"name": c.name, "image": c.image, "ready": c.ready,
                               "restartCount": c.restarts, "state": state});
            if let Some(t) = &c.last {
                s["lastState"] = json!({"terminated": {"reason": t.reason, "exitCode": t.exit_code,
                    "finishedAt": t.finished.map(|f| f.to_string())}});
            }
            s
        })
        .collect();
    let conditions: Vec<Value> = p
        .conditions
        .iter()
        .map(|c| json!({"type": c.type_, "status": c.status, "reason": c.reason, "message": c.message}))
        .collect();
    json!({
        "apiVersion": "v1", "kind": "Pod", "metadata": m, "spec": spec,
        "status": {"phase": p.phase, "reason": p.reason, "message": p.message,
                   "conditions": conditions, "containerStatuses": statuses},
    })
}
