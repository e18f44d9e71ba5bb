//! Cordon, uncordon and drain through the headless `warroom action`,
//! against the emulator over HTTP: the node patch and the eviction POSTs
//! that reach the server, PodDisruptionBudgets answered with 429 until they
//! allow a disruption, the timeout, and pods a drain must refuse.

use crate::headless::audit;
use crate::kmock::Kmock;
use crate::output::text;
use serde_json::{Value, json};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

const NODE: &str = "/api/v1/nodes/worker-3";
const PDB: &str = "/apis/policy/v1/namespaces/shop/poddisruptionbudgets/api";

fn pod(ns: &str, name: &str, node: &str, owner: Option<(&str, &str)>, extra: Value) -> Value {
    let mut v = json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": ns, "labels": {"app": name.split('-').next().unwrap()}},
        "spec": {"nodeName": node, "containers": [{"name": "main", "image": "busybox"}]},
        "status": {"phase": "Running"}
    });
    if let Some((kind, oname)) = owner {
        v["metadata"]["ownerReferences"] = json!([{"apiVersion": "apps/v1", "kind": kind, "name": oname, "uid": "u", "controller": true}]);
    }
    if let (Value::Object(a), Value::Object(b)) = (&mut v, extra) {
        for (k, x) in b {
            match (a.get_mut(&k), x) {
                (Some(Value::Object(inner)), Value::Object(more)) => inner.extend(more),
                (_, x) => {
                    a.insert(k, x);
                }
            }
        }
    }
    v
}

/// worker-3 before its kernel upgrade; `api` is guarded by a budget that
/// allows `allowed` disruptions.
fn cluster(allowed: i32, unmanaged: bool) -> Value {
    let mut objects = vec![
        json!({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "worker-3"},
               "spec": {}, "status": {"conditions": [{"type": "Ready", "status": "True"}]}}),
        json!({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "worker-1"},
               "spec": {}, "status": {"conditions": [{"type": "Ready", "status": "True"}]}}),
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
            json!({"spec": {"nodeName": "worker-3", "containers": [{"name": "redis", "image": "redis"}],
                             "volumes": [{"name": "scratch", "emptyDir": {}}]}}),
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
            json!({"metadata": {"name": "kube-proxy-worker-3", "namespace": "kube-system",
                                 "annotations": {"kubernetes.io/config.mirror": "abc"}}}),
        ),
        pod(
            "shop",
            "migrate-28f-q",
            "worker-3",
            Some(("Job", "migrate-28f")),
            json!({"status": {"phase": "Succeeded"}}),
        ),
        pod(
            "shop",
            "api-7d9f8-bbbbb",
            "worker-1",
            Some(("ReplicaSet", "api-7d9f8")),
            json!({}),
        ),
        json!({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
               "metadata": {"name": "api", "namespace": "shop"},
               "spec": {"minAvailable": 1, "selector": {"matchLabels": {"app": "api"}}},
               "status": {"disruptionsAllowed": allowed, "currentHealthy": 1, "desiredHealthy": 1,
                          "expectedPods": 2, "observedGeneration": 1}}),
    ];
    if unmanaged {
        objects.push(pod("shop", "debug-shell", "worker-3", None, json!({})));
    }
    Value::Array(objects)
}

fn warroom(k: &Kmock, data: &std::path::Path, args: &[&str]) -> Output {
    let cfg = data.join("config.toml");
    std::fs::write(&cfg, "[docker]\nenabled = false\n").unwrap();
    Command::new(env!("CARGO_BIN_EXE_warroom"))
        .args(["--config", cfg.to_str().unwrap()])
        .args(args)
        .env("KUBECONFIG", k.kubeconfig())
        .env("WARROOM_DATA_DIR", data)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn unschedulable(k: &Kmock) -> bool {
    k.get(NODE).unwrap()["spec"]["unschedulable"] == json!(true)
}

fn evictions(k: &Kmock) -> Vec<(String, u64)> {
    let (s, v) = k.request("GET", "/__kmock__/evictions", None);
    assert_eq!(s, 200);
    v.as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                format!(
                    "{}/{}",
                    e["namespace"].as_str().unwrap(),
                    e["pod"].as_str().unwrap()
                ),
                e["code"].as_u64().unwrap_or(0),
            )
        })
        .collect()
}

#[test]
fn cordon_and_uncordon_preview_patch_the_node_and_are_audited() {
    let k = Kmock::start(&cluster(1, false));
    let data = tempfile::tempdir().unwrap();
    let out = warroom(
        &k,
        data.path(),
        &["action", "cordon", "node/worker-3", "--dry-run"],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("+ unschedulable: true"),
        "{}",
        text(&out)
    );
    assert!(!unschedulable(&k), "a dry run changes nothing");

    let out = warroom(
        &k,
        data.path(),
        &["action", "cordon", "node/worker-3", "--yes"],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(unschedulable(&k));
    let out = warroom(
        &k,
        data.path(),
        &["action", "uncordon", "node/worker-3", "--yes"],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(!unschedulable(&k));
    let entries = audit(data.path());
    let verbs: Vec<(&str, &str)> = entries
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap_or(""),
                e["result"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        verbs,
        [("cordon", "dry-run"), ("cordon", "ok"), ("uncordon", "ok")],
        "{entries:#?}"
    );
    assert!(evictions(&k).is_empty());
}

#[test]
fn a_drain_preview_names_what_is_evicted_kept_and_held_by_a_budget() {
    let k = Kmock::start(&cluster(0, false));
    let data = tempfile::tempdir().unwrap();
    let out = warroom(
        &k,
        data.path(),
        &["action", "drain", "node/worker-3", "--dry-run"],
    );
    assert!(out.status.success(), "{}", text(&out));
    let t = text(&out);
    assert!(
        t.contains("Drain node worker-3: cordon, then evict 2 pods"),
        "{t}"
    );
    assert!(
        t.contains("- shop/api-7d9f8-aaaaa  (ReplicaSet api-7d9f8)"),
        "{t}"
    );
    assert!(t.contains("- shop/cache-0  (StatefulSet cache)"), "{t}");
    assert!(
        t.contains("shop/cache-0: emptyDir data is lost (scratch)"),
        "{t}"
    );
    assert!(
        t.contains(
            "PodDisruptionBudget shop/api allows 0 disruptions now: shop/api-7d9f8-aaaaa waits"
        ),
        "{t}"
    );
    assert!(
        t.contains("kube-system/fluent-bit-x2x: managed by DaemonSet fluent-bit"),
        "{t}"
    );
    assert!(
        t.contains("kube-system/kube-proxy-worker-3: a static (mirror) pod"),
        "{t}"
    );
    assert!(t.contains("shop/migrate-28f-q: already Succeeded"), "{t}");
    assert!(!t.contains("api-7d9f8-bbbbb"), "a pod on another node: {t}");
    assert!(
        !unschedulable(&k) && evictions(&k).is_empty(),
        "a dry run changes nothing"
    );
}

#[test]
fn a_drain_cordons_evicts_and_waits_for_the_budget_to_allow_it() {
    let k = Kmock::start(&cluster(0, false));
    let data = tempfile::tempdir().unwrap();
    // Once the drain has been held back, the replacement api pod becomes
    // ready elsewhere: the disruption controller allows one disruption.
    let out = std::thread::scope(|scope| {
        scope.spawn(|| {
            let deadline = std::time::Instant::now() + Duration::from_secs(60);
            while !evictions(&k).iter().any(|(_, code)| *code == 429) {
                assert!(
                    std::time::Instant::now() < deadline,
                    "no eviction was held back"
                );
                std::thread::sleep(Duration::from_millis(100));
            }
            std::thread::sleep(Duration::from_secs(1));
            k.patch(PDB, &json!({"status": {"disruptionsAllowed": 1}}));
        });
        warroom(
            &k,
            data.path(),
            &[
                "action",
                "drain",
                "node/worker-3",
                "--timeout",
                "40s",
                "--yes",
            ],
        )
    });
    assert!(out.status.success(), "{}", text(&out));
    let t = text(&out);
    assert!(t.contains("node worker-3 cordoned"), "{t}");
    assert!(
        t.contains("shop/api-7d9f8-aaaaa: The disruption budget api needs"),
        "{t}"
    );
    assert!(
        t.contains("shop/api-7d9f8-aaaaa: evicted") && t.contains("shop/cache-0: evicted"),
        "{t}"
    );
    assert!(unschedulable(&k));

    let ev = evictions(&k);
    let api: Vec<u64> = ev
        .iter()
        .filter(|(p, _)| p == "shop/api-7d9f8-aaaaa")
        .map(|(_, c)| *c)
        .collect();
    assert!(
        api.len() >= 2 && api[0] == 429 && *api.last().unwrap() == 201,
        "{ev:?}"
    );
    assert_eq!(
        ev.iter().filter(|(p, _)| p == "shop/cache-0").count(),
        1,
        "{ev:?}"
    );
    for kept in ["fluent-bit", "kube-proxy", "migrate", "bbbbb"] {
        assert!(
            !ev.iter().any(|(p, _)| p.contains(kept)),
            "{kept} must not be evicted: {ev:?}"
        );
    }
    assert!(k.get("/api/v1/namespaces/shop/pods/cache-0").is_none());
    assert!(
        k.get("/api/v1/namespaces/kube-system/pods/fluent-bit-x2x")
            .is_some()
    );
    let entry = audit(data.path()).pop().unwrap();
    assert_eq!(
        (entry["action"].as_str(), entry["result"].as_str()),
        (Some("drain"), Some("ok")),
        "{entry}"
    );
}

#[test]
fn a_budget_that_never_allows_ends_the_drain_at_the_timeout_and_says_which_pod() {
    let k = Kmock::start(&cluster(0, false));
    let data = tempfile::tempdir().unwrap();
    let out = warroom(
        &k,
        data.path(),
        &[
            "action",
            "drain",
            "node/worker-3",
            "--timeout",
            "3s",
            "--yes",
        ],
    );
    assert!(!out.status.success(), "{}", text(&out));
    let t = text(&out);
    assert!(
        t.contains("drain of node worker-3 incomplete: 1 pod(s) evicted"),
        "{t}"
    );
    assert!(
        t.contains("not evicted: shop/api-7d9f8-aaaaa (The disruption budget api"),
        "{t}"
    );
    assert!(unschedulable(&k), "the node stays cordoned");
    assert!(
        k.get("/api/v1/namespaces/shop/pods/api-7d9f8-aaaaa")
            .is_some()
    );
    let entry = audit(data.path()).pop().unwrap();
    assert_eq!(entry["result"], "error", "{entry}");
}

#[test]
fn pods_no_controller_manages_refuse_the_drain_before_anything_changes() {
    let k = Kmock::start(&cluster(1, true));
    let data = tempfile::tempdir().unwrap();
    let out = warroom(
        &k,
        data.path(),
        &["action", "drain", "node/worker-3", "--yes"],
    );
    assert!(!out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("shop/debug-shell"), "{}", text(&out));
    assert!(!unschedulable(&k), "not even cordoned");
    assert!(evictions(&k).is_empty());
}

#[test]
fn a_drain_refused_by_rbac_names_the_missing_permission() {
    let k = Kmock::start(&cluster(1, false));
    k.deny_sub(
        "create",
        "pods",
        "eviction",
        Some("shop"),
        "role oncall-readonly",
    );
    let data = tempfile::tempdir().unwrap();
    let out = warroom(
        &k,
        data.path(),
        &["action", "drain", "node/worker-3", "--yes"],
    );
    assert!(!out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("not allowed to create pods/eviction in namespace shop"),
        "{}",
        text(&out)
    );
    assert!(!unschedulable(&k) && evictions(&k).is_empty());
}
