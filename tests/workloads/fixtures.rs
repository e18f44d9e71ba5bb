//! A small realistic estate for the emulator: `shop` with a deployment whose
//! newest revision crash-loops (OOMKilled), its history, and `payments`.

use serde_json::{Value, json};

pub fn template(image: &str, hash: Option<&str>, env: bool) -> Value {
    let mut labels = json!({"app": "checkout"});
    if let Some(h) = hash {
        labels["pod-template-hash"] = json!(h);
    }
    let mut c = json!({"name": "checkout", "image": image,
        "resources": {"limits": {"memory": "256Mi"}},
        "readinessProbe": {"httpGet": {"path": "/healthz", "port": 8080}}});
    if env {
        c["env"] = json!([{"name": "FEATURE_PRICING_V2", "value": "true"}]);
    }
    json!({"metadata": {"labels": labels}, "spec": {"containers": [c]}})
}

pub fn deployment() -> Value {
    json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "checkout", "namespace": "shop", "uid": "dep-checkout",
            "creationTimestamp": "2026-03-01T10:00:00Z",
            "labels": {"app": "checkout"},
            "annotations": {"deployment.kubernetes.io/revision": "8"}},
        "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "checkout"}},
            "template": template("shop/checkout:2.15.0", None, true)},
        "status": {"replicas": 3, "readyReplicas": 2, "availableReplicas": 2, "unavailableReplicas": 1,
            "updatedReplicas": 1,
            "conditions": [{"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded",
                "message": "ReplicaSet \"checkout-6f4d9c8b7\" has timed out progressing."}]}})
}

pub fn replicaset(hash: &str, rev: i64, image: &str, env: bool, replicas: i32) -> Value {
    json!({"apiVersion": "apps/v1", "kind": "ReplicaSet",
        "metadata": {"name": format!("checkout-{hash}"), "namespace": "shop",
            "labels": {"app": "checkout", "pod-template-hash": hash},
            "annotations": {"deployment.kubernetes.io/revision": rev.to_string()},
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "checkout",
                "uid": "dep-checkout", "controller": true}]},
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": "checkout", "pod-template-hash": hash}},
            "template": template(image, Some(hash), env)},
        "status": {"replicas": replicas, "readyReplicas": replicas}})
}

pub fn pod(ns: &str, name: &str, owner_rs: Option<&str>, status: Value) -> Value {
    let mut p = json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": ns, "labels": {"app": name.split('-').next().unwrap_or(name)},
            "creationTimestamp": "2026-03-14T01:00:00Z"},
        "spec": {"nodeName": "node-a", "containers": [{"name": "checkout", "image": "shop/checkout:2.14.3"}]},
        "status": status});
    if let Some(rs) = owner_rs {
        p["metadata"]["ownerReferences"] = json!([{"apiVersion": "apps/v1", "kind": "ReplicaSet",
            "name": rs, "uid": format!("rs-{rs}"), "controller": true}]);
    }
    p
}

pub fn running() -> Value {
    json!({"phase": "Running",
        "conditions": [{"type": "Ready", "status": "True"}],
        "containerStatuses": [{"name": "checkout", "image": "shop/checkout:2.14.3", "imageID": "",
            "ready": true, "restartCount": 0, "state": {"running": {"startedAt": "2026-03-14T01:00:05Z"}}}]})
}

pub fn crashlooping(restarts: i32) -> Value {
    json!({"phase": "Running",
        "conditions": [{"type": "Ready", "status": "False"}],
        "containerStatuses": [{"name": "checkout", "image": "shop/checkout:2.15.0", "imageID": "",
            "ready": false, "restartCount": restarts,
            "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 5m0s restarting failed container"}},
            "lastState": {"terminated": {"exitCode": 137, "reason": "OOMKilled",
                "finishedAt": "2026-03-14T03:06:41Z"}}}]})
}

pub fn estate() -> Value {
    json!([
        deployment(),
        replicaset("7d9f8b6c5", 7, "shop/checkout:2.14.3", false, 2),
        replicaset("6f4d9c8b7", 8, "shop/checkout:2.15.0", true, 1),
        replicaset("5b6c7d8e9", 6, "shop/checkout:2.14.1", false, 0),
        pod("shop", "checkout-7d9f8b6c5-aaaaa", Some("checkout-7d9f8b6c5"), running()),
        pod("shop", "checkout-7d9f8b6c5-bbbbb", Some("checkout-7d9f8b6c5"), running()),
        pod("shop", "checkout-6f4d9c8b7-ccccc", Some("checkout-6f4d9c8b7"), crashlooping(9)),
        {"apiVersion": "apps/v1", "kind": "StatefulSet",
         "metadata": {"name": "ledger-db", "namespace": "payments"},
         "spec": {"replicas": 1, "serviceName": "ledger-db", "selector": {"matchLabels": {"app": "ledger-db"}},
            "template": {"metadata": {"labels": {"app": "ledger-db"}},
                "spec": {"containers": [{"name": "postgres", "image": "postgres:15.6"}]}}},
         "status": {"replicas": 1, "readyReplicas": 1, "availableReplicas": 1}},
        pod("payments", "ledger-db-0", None, running()),
        {"apiVersion": "v1", "kind": "Event",
         "metadata": {"name": "checkout-6f4d9c8b7-ccccc.17c1", "namespace": "shop"},
         "involvedObject": {"kind": "Pod", "name": "checkout-6f4d9c8b7-ccccc", "namespace": "shop"},
         "reason": "BackOff", "type": "Warning", "count": 9,
         "message": "Back-off restarting failed container checkout",
         "lastTimestamp": "2026-03-14T03:07:00Z"},
        {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "node-a"},
         "status": {"conditions": [{"type": "Ready", "status": "True"}]}}
    ])
}
