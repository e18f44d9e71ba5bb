//! Kubernetes strings at every headless edge: a kmock cluster (real HTTP)
//! whose free-text fields — container waiting and termination messages,
//! condition and node messages, annotations, event reasons and messages, a
//! Secret's value, a pod's log — carry terminal controls. (Object names
//! cannot: the API server validates them.) Every command that reads them
//! must print them visibly, never raw.

use super::{EVIL, Env, Findings, shows_marker};
use base64::Engine;
use serde_json::json;

#[path = "../support/kmock.rs"]
mod kmock;

fn estate() -> serde_json::Value {
    let evil = EVIL;
    json!([
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}},
        {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "node-a",
            "annotations": {"note": evil}},
         "spec": {"taints": [{"key": "dedicated", "value": "x", "effect": "NoSchedule"}]},
         "status": {"conditions": [{"type": "Ready", "status": "False", "reason": "KubeletNotReady",
             "message": evil, "lastTransitionTime": "2026-03-14T01:00:00Z"}],
             "nodeInfo": {"kubeletVersion": "v1.31.4"}}},
        {"apiVersion": "v1", "kind": "Pod",
         "metadata": {"name": "api-7d9-x2x9q", "namespace": "shop", "labels": {"app": "api"},
             "annotations": {"note": evil}, "creationTimestamp": "2026-03-14T01:00:00Z"},
         "spec": {"nodeName": "node-a", "containers": [{"name": "api", "image": "shop/api:2.3.1"}]},
         "status": {"phase": "Running", "message": evil,
             "conditions": [{"type": "Ready", "status": "False", "message": evil}],
             "containerStatuses": [{"name": "api", "image": "shop/api:2.3.1", "imageID": "",
                 "ready": false, "restartCount": 7,
                 "state": {"waiting": {"reason": "CrashLoopBackOff", "message": evil}},
                 "lastState": {"terminated": {"exitCode": 1, "reason": "Error", "message": evil,
                     "finishedAt": "2026-03-14T03:06:41Z"}}}]}},
        {"apiVersion": "v1", "kind": "Event",
         "metadata": {"name": "api.1", "namespace": "shop"},
         "involvedObject": {"kind": "Pod", "namespace": "shop", "name": "api-7d9-x2x9q"},
         "type": "Warning", "reason": evil, "message": evil, "count": 3,
         "source": {"component": evil},
         "firstTimestamp": "2026-03-14T03:00:00Z", "lastTimestamp": "2026-03-14T03:06:00Z"},
        {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db", "namespace": "shop"},
         "data": {"password": base64::engine::general_purpose::STANDARD.encode(evil)}},
    ])
}

#[test]
fn kubernetes_text_reaches_no_terminal_raw() {
    let k = kmock::Kmock::start(&estate());
    k.set_logs(
        "shop",
        "api-7d9-x2x9q",
        None,
        false,
        &format!("{EVIL}\nsecond line\n"),
    );
    let env = Env::new("[kubernetes]\nnamespaces = [\"shop\"]\n[docker]\nenabled = false\n")
        .with_var("KUBECONFIG", &k.kubeconfig().display().to_string());
    let mut found = Findings::default();
    let md = found.run(&env, &["report", "--format", "md"]);
    shows_marker(&md, "report md (the pod's messages)");
    found.run(&env, &["report", "--format", "json"]);
    for args in [
        &["events", "-n", "shop"][..],
        &["events", "-n", "shop", "-o", "json"],
        &["get", "pod/api-7d9-x2x9q", "-n", "shop"],
        &["get", "pod/api-7d9-x2x9q", "-n", "shop", "-o", "json"],
        &["get", "node/node-a"],
        &["get", "secret/db", "-n", "shop", "--reveal", "password"],
        &["logs", "--source", "pod:shop/api-7d9-x2x9q"],
    ] {
        let out = found.run(&env, args);
        shows_marker(&out, &args.join(" "));
    }
    // Previews and refusals quote what the cluster said too.
    found.run(&env, &["action", "drain", "node/node-a", "--dry-run"]);
    found.run(&env, &["action", "cordon", "node/node-a", "--dry-run"]);
    found.assert_none();
}
