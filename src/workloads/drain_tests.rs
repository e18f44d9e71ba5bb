use super::*;
use serde_json::{Value, json};

fn pod(ns: &str, name: &str, node: &str, owner: Option<(&str, &str)>, extra: Value) -> Pod {
    let mut v = json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": ns, "labels": {"app": name.split('-').next().unwrap()}},
        "spec": {"nodeName": node, "containers": [{"name": "main", "image": "busybox"}]},
        "status": {"phase": "Running"}
    });
    if let Some((kind, oname)) = owner {
        v["metadata"]["ownerReferences"] = json!([{
            "apiVersion": "apps/v1", "kind": kind, "name": oname, "uid": "u", "controller": true
        }]);
    }
    merge(&mut v, extra);
    serde_json::from_value(v).unwrap()
}

fn merge(a: &mut Value, b: Value) {
    match (a, b) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in b {
                merge(a.entry(k).or_insert(Value::Null), v);
            }
        }
        (a, b) => *a = b,
    }
}

fn pdb(ns: &str, name: &str, selector: Value, allowed: i32) -> PodDisruptionBudget {
    serde_json::from_value(json!({
        "apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
        "metadata": {"name": name, "namespace": ns},
        "spec": {"minAvailable": 2, "selector": selector},
        "status": {"disruptionsAllowed": allowed, "currentHealthy": 2, "desiredHealthy": 2,
                   "expectedPods": 2, "observedGeneration": 1}
    }))
    .unwrap()
}

/// worker-3 as it looks before a kernel upgrade.
fn node_pods() -> Vec<Candidate> {
    [
        pod(
            "shop",
            "api-7d9f8-aaaaa",
            "worker-3",
            Some(("ReplicaSet", "api-7d9f8")),
            json!({}),
        ),
        pod(
            "shop",
            "cache-0",
            "worker-3",
            Some(("StatefulSet", "cache")),
            json!({"spec": {"volumes": [{"name": "scratch", "emptyDir": {}}, {"name": "conf", "configMap": {"name": "c"}}]}}),
        ),
        pod(
            "kube-system",
            "fluent-bit-x2x",
            "worker-3",
            Some(("DaemonSet", "fluent-bit")),
            json!({}),
        ),
        pod(
            "kube-system",
            "kube-proxy-worker-3",
            "worker-3",
            Some(("Node", "worker-3")),
            json!({"metadata": {"annotations": {"kubernetes.io/config.mirror": "abc"}}}),
        ),
        pod(
            "shop",
            "migrate-28f-q",
            "worker-3",
            Some(("Job", "migrate-28f")),
            json!({"status": {"phase": "Succeeded"}}),
        ),
        pod("shop", "debug-shell", "worker-3", None, json!({})),
        // Elsewhere: never part of this drain.
        pod(
            "shop",
            "api-7d9f8-bbbbb",
            "worker-1",
            Some(("ReplicaSet", "api-7d9f8")),
            json!({}),
        ),
    ]
    .iter()
    .map(Candidate::from)
    .collect()
}

#[test]
fn a_drain_evicts_controller_pods_and_keeps_daemonsets_mirrors_and_finished_ones() {
    let p = plan("worker-3", &node_pods(), &[]);
    let evicted: Vec<String> = p.evict.iter().map(|e| e.pod.to_string()).collect();
    assert_eq!(evicted, ["shop/api-7d9f8-aaaaa", "shop/cache-0"]);
    assert_eq!(p.evict[0].owner, "ReplicaSet api-7d9f8");
    assert_eq!(
        p.evict[1].empty_dirs,
        ["scratch"],
        "its emptyDir data is lost"
    );
    let kept: Vec<(String, &Keep)> = p.keep.iter().map(|(r, k)| (r.to_string(), k)).collect();
    assert_eq!(
        kept,
        [
            (
                "kube-system/fluent-bit-x2x".to_string(),
                &Keep::DaemonSet("fluent-bit".into())
            ),
            ("kube-system/kube-proxy-worker-3".to_string(), &Keep::Mirror),
            (
                "shop/migrate-28f-q".to_string(),
                &Keep::Finished("Succeeded".into())
            ),
        ]
    );
    assert_eq!(
        p.unmanaged,
        [PodRef {
            namespace: "shop".into(),
            name: "debug-shell".into()
        }]
    );
}

#[test]
fn budgets_that_select_a_pod_are_named_with_the_disruptions_they_allow() {
    let budgets = [
        pdb("shop", "api", json!({"matchLabels": {"app": "api"}}), 0),
        pdb(
            "shop",
            "cache",
            json!({"matchExpressions": [{"key": "app", "operator": "In", "values": ["cache", "redis"]}]}),
            1,
        ),
        // Same labels, other namespace: not this pod's budget.
        pdb("staging", "api", json!({"matchLabels": {"app": "api"}}), 0),
    ];
    let p = plan("worker-3", &node_pods(), &budgets);
    assert_eq!(
        p.evict[0].budgets,
        [Budget {
            name: "api".into(),
            allowed: 0
        }]
    );
    assert_eq!(
        p.evict[1].budgets,
        [Budget {
            name: "cache".into(),
            allowed: 1
        }]
    );
    let blocking = p.blocking_budgets();
    assert_eq!(blocking.len(), 1);
    let ((ns, name), pods) = blocking.iter().next().unwrap();
    assert_eq!((ns.as_str(), name.as_str()), ("shop", "api"));
    assert_eq!(pods[0].name, "api-7d9f8-aaaaa");
}

#[test]
fn pod_refs_parse_back_from_their_text() {
    let r: PodRef = "shop/api-1".parse().unwrap();
    assert_eq!(r.to_string(), "shop/api-1");
    assert!("api-1".parse::<PodRef>().is_err());
    assert!("a/b/c".parse::<PodRef>().is_err());
}
