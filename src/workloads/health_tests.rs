//! Every case the classifier explains, on realistic pod JSON as the API server sends it.

use super::*;
use crate::workloads::model::{NodeSummary, PodSummary, WorkloadSummary};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{Node, Pod};
use serde_json::{Value, json};

fn now() -> Timestamp {
    "2026-03-14T03:12:00Z".parse().unwrap()
}

fn pod(v: Value) -> PodSummary {
    let p: Pod = serde_json::from_value(v).expect("valid pod JSON");
    PodSummary::from(&p)
}

fn no_nodes(_: &str) -> Option<NodeSummary> {
    None
}

fn classify(v: Value) -> Health {
    classify_pod(&pod(v), now(), &no_nodes)
}

/// A pod of deployment `checkout` in `shop`, with the given container statuses and phase.
fn shop_pod(phase: &str, container: Value, status: Value) -> Value {
    let mut p = json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {
            "name": "checkout-7d9f8b6c5-x2k4q", "namespace": "shop",
            "uid": "8a1f0c2e-1111-4c4c-9f9f-0123456789ab",
            "creationTimestamp": "2026-03-14T01:02:03Z",
            "labels": {"app": "checkout", "pod-template-hash": "7d9f8b6c5"},
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet",
                "name": "checkout-7d9f8b6c5", "uid": "rs-uid", "controller": true}]
        },
        "spec": {
            "nodeName": "ip-10-0-3-17.eu-west-1.compute.internal",
            "containers": [container]
        },
        "status": {
            "phase": phase,
            "podIP": "10.0.3.55",
            "startTime": "2026-03-14T01:02:05Z",
            "conditions": [
                {"type": "PodScheduled", "status": "True", "lastTransitionTime": "2026-03-14T01:02:03Z"},
                {"type": "Initialized", "status": "True", "lastTransitionTime": "2026-03-14T01:02:05Z"},
                {"type": "ContainersReady", "status": "False", "lastTransitionTime": "2026-03-14T02:58:00Z"},
                {"type": "Ready", "status": "False", "lastTransitionTime": "2026-03-14T02:58:00Z"}
            ],
            "containerStatuses": [status]
        }
    });
    if phase == "Succeeded" || phase == "Running" && status["ready"] == true {
        p["status"]["conditions"][3]["status"] = json!("True");
    }
    p
}

fn checkout_container() -> Value {
    json!({
        "name": "checkout", "image": "registry.example.com/shop/checkout:2.14.0",
        "resources": {"limits": {"memory": "256Mi", "cpu": "500m"}, "requests": {"memory": "128Mi"}},
        "readinessProbe": {"httpGet": {"path": "/healthz/ready", "port": 8080}, "periodSeconds": 5, "failureThreshold": 3},
        "livenessProbe": {"httpGet": {"path": "/healthz/live", "port": 8080}, "periodSeconds": 10}
    })
}

#[test]
fn crashloop_explains_the_last_termination_oomkilled_137_and_restarts() {
    let h = classify(shop_pod(
        "Running",
        checkout_container(),
        json!({
            "name": "checkout", "image": "registry.example.com/shop/checkout:2.14.0",
            "imageID": "registry.example.com/shop/checkout@sha256:0f1e", "ready": false, "restartCount": 14,
            "state": {"waiting": {"reason": "CrashLoopBackOff",
                "message": "back-off 5m0s restarting failed container=checkout pod=checkout-7d9f8b6c5-x2k4q_shop(8a1f0c2e)"}},
            "lastState": {"terminated": {"exitCode": 137, "reason": "OOMKilled",
                "startedAt": "2026-03-14T03:05:10Z", "finishedAt": "2026-03-14T03:06:41Z",
                "containerID": "containerd://4b5c"}}
        }),
    ));
    assert_eq!(h.severity, Some(Severity::Critical));
    assert_eq!(h.reason, "CrashLoopBackOff");
    assert_eq!(h.detail, "last exit OOMKilled (137), 14 restarts");
    assert!(h.explanation.contains("memory limit"), "{}", h.explanation);
    assert!(
        h.next_step.contains("limits.memory (now 256Mi)"),
        "{}",
        h.next_step
    );
}

#[test]
fn crashloop_with_an_application_error_points_at_previous_logs() {
    let h = classify(shop_pod(
        "Running",
        checkout_container(),
        json!({
            "name": "checkout", "image": "registry.example.com/shop/checkout:2.14.0", "imageID": "",
            "ready": false, "restartCount": 3,
            "state": {"waiting": {"reason": "CrashLoopBackOff"}},
            "lastState": {"terminated": {"exitCode": 1, "reason": "Error", "finishedAt": "2026-03-14T03:10:00Z"}}
        }),
    ));
    assert_eq!(h.detail, "last exit Error (1), 3 restarts");
    assert!(h.next_step.contains("previous container's logs"));
}

#[test]
fn image_pull_errors_name_the_image() {
    for reason in ["ImagePullBackOff", "ErrImagePull"] {
        let h = classify(shop_pod(
            "Pending",
            checkout_container(),
            json!({
                "name": "checkout", "image": "registry.example.com/shop/checkout:2.15.0-rc1", "imageID": "",
                "ready": false, "restartCount": 0,
                "state": {"waiting": {"reason": reason,
                    "message": "Back-off pulling image \"registry.example.com/shop/checkout:2.15.0-rc1\""}}
            }),
        ));
        assert_eq!(h.severity, Some(Severity::Critical));
        assert_eq!(h.reason, reason);
        // The spec's image is what the operator wrote; the status echoes it.
        assert!(
            h.detail
                .contains("registry.example.com/shop/checkout:2.14.0"),
            "{}",
            h.detail
        );
        assert!(h.explanation.contains("cannot pull image"));
    }
}

#[test]
fn config_error_names_the_missing_secret_or_key() {
    let h = classify(shop_pod(
        "Pending",
        checkout_container(),
        json!({
            "name": "checkout", "image": "x", "imageID": "", "ready": false, "restartCount": 0,
            "state": {"waiting": {"reason": "CreateContainerConfigError",
                "message": "secret \"payments-db-credentials\" not found"}}
        }),
    ));
    assert_eq!(h.reason, "CreateContainerConfigError");
    assert_eq!(h.detail, "Secret payments-db-credentials not found");
    assert!(
        h.next_step
            .contains("create Secret shop/payments-db-credentials")
    );

    let h = classify(shop_pod(
        "Pending",
        checkout_container(),
        json!({
            "name": "checkout", "image": "x", "imageID": "", "ready": false, "restartCount": 0,
            "state": {"waiting": {"reason": "CreateContainerConfigError",
                "message": "couldn't find key STRIPE_API_KEY in ConfigMap shop/checkout-config"}}
        }),
    ));
    assert_eq!(
        h.detail,
        "key STRIPE_API_KEY missing in ConfigMap shop/checkout-config"
    );
}

#[test]
fn unschedulable_pending_pod_carries_the_scheduler_message() {
    let v = json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "ledger-0", "namespace": "payments", "creationTimestamp": "2026-03-14T02:00:00Z"},
        "spec": {"containers": [{"name": "ledger", "image": "payments/ledger:5.2.1",
            "resources": {"requests": {"memory": "16Gi"}}}]},
        "status": {"phase": "Pending", "conditions": [{
            "type": "PodScheduled", "status": "False", "reason": "Unschedulable",
            "lastTransitionTime": "2026-03-14T02:00:01Z",
            "message": "0/6 nodes are available: 3 Insufficient memory, 3 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }. preemption: 0/6 nodes are available: 3 No preemption victims found for incoming pod, 3 Preemption is not helpful for scheduling."
        }], "qosClass": "Burstable"}
    });
    let h = classify(v);
    assert_eq!(h.severity, Some(Severity::Critical));
    assert_eq!(h.reason, "Unschedulable");
    assert!(
        h.detail
            .starts_with("0/6 nodes are available: 3 Insufficient memory")
    );
    assert!(h.next_step.contains("resource requests"));
}

fn init_pod(init_status: Value) -> Value {
    json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "orders-api-5c8d7-9fj2k", "namespace": "shop"},
        "spec": {
            "initContainers": [{"name": "migrate", "image": "shop/orders-migrations:41"}],
            "containers": [{"name": "orders-api", "image": "shop/orders-api:3.8.0"}]
        },
        "status": {
            "phase": "Pending",
            "initContainerStatuses": [init_status],
            "containerStatuses": [{"name": "orders-api", "image": "shop/orders-api:3.8.0", "imageID": "",
                "ready": false, "restartCount": 0, "state": {"waiting": {"reason": "PodInitializing"}}}]
        }
    })
}

#[test]
fn failing_init_containers_are_init_crashloop_or_init_error() {
    let h = classify(init_pod(json!({
        "name": "migrate", "image": "shop/orders-migrations:41", "imageID": "", "ready": false, "restartCount": 6,
        "state": {"waiting": {"reason": "CrashLoopBackOff"}},
        "lastState": {"terminated": {"exitCode": 2, "reason": "Error", "finishedAt": "2026-03-14T03:00:00Z"}}
    })));
    assert_eq!(h.reason, "Init:CrashLoopBackOff");
    assert_eq!(h.detail, "last exit Error (2), 6 restarts");
    assert_eq!(
        pod(init_pod(json!({
            "name": "migrate", "image": "shop/orders-migrations:41", "imageID": "", "ready": false,
            "restartCount": 6, "state": {"waiting": {"reason": "CrashLoopBackOff"}}
        })))
        .restarts(),
        6,
        "the RST column counts init container restarts"
    );
    assert!(h.explanation.contains("init container migrate"));

    let h = classify(init_pod(json!({
        "name": "migrate", "image": "shop/orders-migrations:41", "imageID": "", "ready": false, "restartCount": 0,
        "state": {"terminated": {"exitCode": 1, "reason": "Error", "finishedAt": "2026-03-14T03:00:00Z"}}
    })));
    assert_eq!(h.severity, Some(Severity::Critical));
    assert_eq!(h.reason, "Init:Error");
    assert!(h.detail.contains("Error (1)"));
}

#[test]
fn running_but_not_ready_names_the_readiness_probe() {
    let h = classify(shop_pod(
        "Running",
        checkout_container(),
        json!({
            "name": "checkout", "image": "x", "imageID": "", "ready": false, "restartCount": 0, "started": true,
            "state": {"running": {"startedAt": "2026-03-14T02:50:00Z"}}
        }),
    ));
    assert_eq!(h.severity, Some(Severity::Warning));
    assert_eq!(h.reason, "NotReady");
    assert!(
        h.detail.contains("readiness http-get :8080/healthz/ready"),
        "{}",
        h.detail
    );
}

#[test]
fn evicted_pod_carries_the_kubelet_message() {
    let h = classify(json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "search-indexer-6b7c9-lq8xz", "namespace": "shop"},
        "spec": {"containers": [{"name": "indexer", "image": "shop/search-indexer:1.2"}]},
        "status": {"phase": "Failed", "reason": "Evicted",
            "message": "The node was low on resource: memory. Threshold quantity: 100Mi, available: 87452Ki. Container indexer was using 3127948Ki, request is 1Gi, has larger consumption of memory."}
    }));
    assert_eq!(h.severity, Some(Severity::Warning));
    assert_eq!(h.reason, "Evicted");
    assert!(h.detail.starts_with("The node was low on resource: memory"));
}

#[test]
fn terminating_is_a_problem_only_past_the_grace_period() {
    let mut v = shop_pod(
        "Running",
        checkout_container(),
        json!({"name": "checkout", "image": "x", "imageID": "", "ready": true, "restartCount": 0,
               "state": {"running": {"startedAt": "2026-03-14T01:02:06Z"}}}),
    );
    v["metadata"]["deletionTimestamp"] = json!("2026-03-14T02:52:00Z");
    v["metadata"]["deletionGracePeriodSeconds"] = json!(30);
    v["metadata"]["finalizers"] = json!(["shop.example.com/drain-sessions"]);
    let h = classify(v.clone());
    assert_eq!(h.severity, Some(Severity::Warning));
    assert_eq!(h.reason, "Terminating");
    assert!(
        h.detail.contains("past its 30s grace period"),
        "{}",
        h.detail
    );

    v["metadata"]["deletionTimestamp"] = json!("2026-03-14T03:12:20Z");
    let h = classify(v);
    assert!(!h.is_problem());
    assert_eq!(h.reason, "Terminating");
}

#[test]
fn completed_pods_are_healthy_never_problems() {
    let h = classify(json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "nightly-report-29012340-7xk2p", "namespace": "shop",
            "ownerReferences": [{"apiVersion": "batch/v1", "kind": "Job", "name": "nightly-report-29012340", "uid": "j", "controller": true}]},
        "spec": {"restartPolicy": "Never", "containers": [{"name": "report", "image": "shop/report:1"}]},
        "status": {"phase": "Succeeded", "containerStatuses": [{
            "name": "report", "image": "shop/report:1", "imageID": "", "ready": false, "restartCount": 0,
            "state": {"terminated": {"exitCode": 0, "reason": "Completed", "finishedAt": "2026-03-14T02:01:00Z"}}}]}
    }));
    assert_eq!(h, Health::healthy("Completed"));
    assert!(!h.is_problem());
}

#[test]
fn a_healthy_running_pod_is_running() {
    let h = classify(shop_pod(
        "Running",
        checkout_container(),
        json!({"name": "checkout", "image": "x", "imageID": "", "ready": true, "restartCount": 0,
               "state": {"running": {"startedAt": "2026-03-14T01:02:06Z"}}}),
    ));
    assert_eq!(h, Health::healthy("Running"));
}

#[test]
fn pods_on_a_notready_node_are_critical_and_the_node_too() {
    let node: Node = serde_json::from_value(json!({
        "apiVersion": "v1", "kind": "Node",
        "metadata": {"name": "ip-10-0-3-17.eu-west-1.compute.internal"},
        "status": {"conditions": [{"type": "Ready", "status": "Unknown", "reason": "NodeStatusUnknown",
            "message": "Kubelet stopped posting node status.", "lastTransitionTime": "2026-03-14T03:01:00Z"}]}
    }))
    .unwrap();
    let n = NodeSummary::from(&node);
    assert!(!n.ready);
    let p = pod(shop_pod(
        "Running",
        checkout_container(),
        json!({"name": "checkout", "image": "x", "imageID": "", "ready": true, "restartCount": 0,
               "state": {"running": {"startedAt": "2026-03-14T01:02:06Z"}}}),
    ));
    let lookup = |name: &str| (name == n.name).then(|| n.clone());
    let h = classify_pod(&p, now(), &lookup);
    assert_eq!(h.severity, Some(Severity::Critical));
    assert_eq!(h.reason, "NodeNotReady");
    assert!(
        h.explanation
            .contains("Kubelet stopped posting node status")
    );
    let nh = classify_node(&n, 12);
    assert_eq!(nh.severity, Some(Severity::Critical));
    assert!(nh.detail.starts_with("12 pods on it"));
    assert_eq!(classify_node(&n, 0).severity, Some(Severity::Warning));
}

fn deployment(status: Value) -> WorkloadSummary {
    let d: Deployment = serde_json::from_value(json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "checkout", "namespace": "shop",
            "annotations": {"deployment.kubernetes.io/revision": "7"}},
        "spec": {"replicas": 4, "selector": {"matchLabels": {"app": "checkout"}},
            "template": {"metadata": {"labels": {"app": "checkout"}},
                "spec": {"containers": [{"name": "checkout", "image": "shop/checkout:2.14.0"}]}}},
        "status": status
    }))
    .unwrap();
    WorkloadSummary::from(&d)
}

#[test]
fn deployments_with_unavailable_replicas_or_a_stuck_rollout() {
    let w = deployment(
        json!({"replicas": 5, "updatedReplicas": 1, "readyReplicas": 3,
        "availableReplicas": 3, "unavailableReplicas": 2,
        "conditions": [{"type": "Available", "status": "False", "reason": "MinimumReplicasUnavailable"},
            {"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded",
             "message": "ReplicaSet \"checkout-6f4d9c8b7\" has timed out progressing."}]}),
    );
    assert_eq!(w.revision, Some(7));
    let h = classify_workload(&w);
    assert_eq!(h.severity, Some(Severity::Critical));
    assert_eq!(h.reason, "ProgressDeadlineExceeded");
    assert!(h.detail.contains("3/4 available"));
    assert!(h.next_step.contains("roll back"));

    let w = deployment(
        json!({"replicas": 4, "readyReplicas": 3, "availableReplicas": 3,
        "unavailableReplicas": 1, "updatedReplicas": 4}),
    );
    let h = classify_workload(&w);
    assert_eq!(h.severity, Some(Severity::Warning));
    assert_eq!(h.reason, "Unavailable");
    assert_eq!(h.detail, "3/4 available, 1 unavailable");

    let w = deployment(
        json!({"replicas": 4, "readyReplicas": 4, "availableReplicas": 4, "updatedReplicas": 4}),
    );
    assert!(!classify_workload(&w).is_problem());
}

#[test]
fn failed_jobs_are_critical_with_their_reason() {
    let j: Job = serde_json::from_value(json!({
        "apiVersion": "batch/v1", "kind": "Job",
        "metadata": {"name": "settlement-export-29012400", "namespace": "payments"},
        "spec": {"backoffLimit": 6, "template": {"spec": {"restartPolicy": "Never",
            "containers": [{"name": "export", "image": "payments/export:1.0"}]}}},
        "status": {"failed": 7, "conditions": [{"type": "Failed", "status": "True",
            "reason": "BackoffLimitExceeded", "message": "Job has reached the specified backoff limit"}]}
    }))
    .unwrap();
    let h = classify_workload(&WorkloadSummary::from(&j));
    assert_eq!(h.reason, "BackoffLimitExceeded");
    assert_eq!(h.severity, Some(Severity::Critical));
}
