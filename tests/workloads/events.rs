//! `warroom events` and the console's events view against the emulator:
//! core v1 events and events.k8s.io/v1-style series, in two namespaces,
//! listed over real HTTP.

use crate::kmock::Kmock;
use crate::output::text;
use serde_json::{Value, json};
use std::process::Output;

fn ago(mins: i64) -> String {
    (jiff::Timestamp::now() - jiff::SignedDuration::from_mins(mins)).to_string()
}

/// Events as a cluster has them an hour into an incident.
fn events() -> Value {
    json!([
        // kubelet, core v1: a crash loop, counted.
        {"apiVersion": "v1", "kind": "Event",
         "metadata": {"name": "checkout-6f4d9c8b7-ccccc.17c1", "namespace": "shop", "creationTimestamp": ago(50)},
         "involvedObject": {"kind": "Pod", "name": "checkout-6f4d9c8b7-ccccc", "namespace": "shop"},
         "reason": "BackOff", "type": "Warning", "count": 42,
         "message": "Back-off restarting failed container checkout in pod checkout-6f4d9c8b7-ccccc",
         "firstTimestamp": ago(50), "lastTimestamp": ago(2),
         "source": {"component": "kubelet", "host": "node-a"}},
        {"apiVersion": "v1", "kind": "Event",
         "metadata": {"name": "checkout-6f4d9c8b7-ccccc.17c0", "namespace": "shop", "creationTimestamp": ago(50)},
         "involvedObject": {"kind": "Pod", "name": "checkout-6f4d9c8b7-ccccc", "namespace": "shop"},
         "reason": "Pulled", "type": "Normal", "count": 10,
         "message": "Container image \"shop/checkout:2.15.0\" already present on machine",
         "firstTimestamp": ago(50), "lastTimestamp": ago(1),
         "source": {"component": "kubelet"}},
        // The scheduler, events.k8s.io/v1 read through core v1: a series.
        {"apiVersion": "v1", "kind": "Event",
         "metadata": {"name": "ledger-db-1.18a2", "namespace": "payments", "creationTimestamp": ago(30)},
         "involvedObject": {"kind": "Pod", "name": "ledger-db-1", "namespace": "payments"},
         "reason": "FailedScheduling", "type": "Warning",
         "message": "0/3 nodes are available: 1 node(s) had untolerated taint {node.kubernetes.io/unreachable: }, 2 Insufficient memory.",
         "eventTime": ago(30),
         "series": {"count": 7, "lastObservedTime": ago(5)},
         "reportingComponent": "default-scheduler", "reportingInstance": "default-scheduler-cp-1",
         "action": "Scheduling"},
        // The deployment controller, Normal and old.
        {"apiVersion": "v1", "kind": "Event",
         "metadata": {"name": "checkout.17b0", "namespace": "shop", "creationTimestamp": ago(180)},
         "involvedObject": {"kind": "Deployment", "name": "checkout", "namespace": "shop"},
         "reason": "ScalingReplicaSet", "type": "Normal", "count": 1,
         "message": "Scaled up replica set checkout-6f4d9c8b7 to 1",
         "firstTimestamp": ago(180), "lastTimestamp": ago(180),
         "source": {"component": "deployment-controller"}},
        // A message carrying a terminal title sequence and a newline.
        {"apiVersion": "v1", "kind": "Event",
         "metadata": {"name": "ledger-db-0.1", "namespace": "payments", "creationTimestamp": ago(20)},
         "involvedObject": {"kind": "Pod", "name": "ledger-db-0", "namespace": "payments"},
         "reason": "Unhealthy", "type": "Warning", "count": 3,
         "message": "Liveness probe failed: \u{1b}]0;owned\u{7}\nconnection refused",
         "firstTimestamp": ago(20), "lastTimestamp": ago(10)}
    ])
}

fn warroom(k: &Kmock, config: &str, args: &[&str]) -> Output {
    crate::support::warroom_cli(k, config, args).0
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn events_lists_warnings_first_grouped_by_object_in_every_namespace() {
    let k = Kmock::start(&events());
    let out = warroom(&k, "", &["events", "-A"]);
    assert!(out.status.success(), "{}", text(&out));
    let lines: Vec<String> = stdout(&out).lines().map(str::to_string).collect();
    assert!(
        lines[0].starts_with("NAMESPACE   LAST SEEN   FIRST SEEN   TYPE"),
        "{lines:?}"
    );
    let objects: Vec<&str> = lines[1..]
        .iter()
        .map(|l| l.split_whitespace().nth(5).unwrap())
        .collect();
    // Objects with warnings, the most recently active first; the Normal-only
    // deployment last. Inside the checkout pod its warning leads, although
    // its Normal event is newer.
    assert_eq!(
        objects,
        [
            "pod/checkout-6f4d9c8b7-ccccc",
            "pod/checkout-6f4d9c8b7-ccccc",
            "pod/ledger-db-1",
            "pod/ledger-db-0",
            "deployment/checkout",
        ],
        "{lines:#?}"
    );
    assert!(lines[1].contains("Warning   BackOff"), "{}", lines[1]);
    assert!(
        lines[1].contains(" 42 "),
        "the kubelet's count: {}",
        lines[1]
    );
    // The series: its count and last observed time (5m), first seen at eventTime.
    let series = &lines[3];
    assert!(
        series.starts_with("payments    5m          30m"),
        "{series}"
    );
    assert!(series.contains(" 7 "), "{series}");
    // Sanitised and on one line.
    let raw = stdout(&out);
    assert!(!raw.contains('\u{1b}') && !raw.contains('\u{7}'), "{raw:?}");
    assert!(lines[4].contains("connection refused"), "{}", lines[4]);

    // JSON keeps the server's text, every control escaped.
    let out = warroom(&k, "", &["events", "-A", "-o", "json"]);
    assert!(!out.stdout.iter().any(|b| *b == 0x1b || *b == 0x07));
    let list: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    let probe = list.iter().find(|e| e["reason"] == "Unhealthy").unwrap();
    assert_eq!(
        probe["message"],
        "Liveness probe failed: \u{1b}]0;owned\u{7}\nconnection refused"
    );
}

#[test]
fn namespace_warnings_since_and_json_narrow_and_shape_the_list() {
    let k = Kmock::start(&events());
    let out = warroom(
        &k,
        "",
        &["events", "-n", "shop", "--warnings", "-o", "json"],
    );
    assert!(out.status.success(), "{}", text(&out));
    let list: Vec<Value> = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(list.len(), 1, "{list:#?}");
    assert_eq!(
        list[0]["object"],
        json!({"kind": "Pod", "namespace": "shop", "name": "checkout-6f4d9c8b7-ccccc"})
    );
    assert_eq!(list[0]["count"], 42);
    assert_eq!(list[0]["source"], "kubelet");

    // The config's watched namespaces when no flag says otherwise; --since
    // drops what was last seen earlier.
    let out = warroom(
        &k,
        "[kubernetes]\nnamespaces = [\"shop\", \"payments\"]",
        &["events", "--since", "8m", "--format", "json"],
    );
    assert!(out.status.success(), "{}", text(&out));
    let list: Vec<Value> = serde_json::from_str(&stdout(&out)).unwrap();
    let reasons: Vec<&str> = list.iter().map(|e| e["reason"].as_str().unwrap()).collect();
    assert_eq!(
        reasons,
        ["BackOff", "Pulled", "FailedScheduling"],
        "{list:#?}"
    );
    assert_eq!(list[2]["count"], 7);
    assert_eq!(list[2]["source"], "default-scheduler");
}

#[test]
fn an_unreachable_cluster_or_a_bad_flag_is_an_error_with_its_fix() {
    let mut k = Kmock::start(&events());
    let out = warroom(&k, "", &["events", "--since", "soon"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("--since"), "{}", text(&out));

    k.stop();
    let out = warroom(&k, "", &["events", "-A"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("error:") && err.contains("hint:"), "{err}");
    assert!(out.stdout.is_empty());
}

/// The console's path: the worker watches events in the watched namespaces,
/// both shapes land in the pane's store, and a new event arrives by watch.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_watches_events_of_both_shapes_and_follows_new_ones() {
    let k = Kmock::start(&events());
    let mut r = crate::support::Running::start(&k, &["shop", "payments"]);
    r.connected().await;
    r.until("the five events", 20, |r| r.pane.store().events.len() == 5)
        .await;
    let store = r.pane.store();
    let series = store
        .events
        .values()
        .find(|e| e.reason == "FailedScheduling")
        .unwrap();
    assert_eq!(
        (series.count, series.source.as_str()),
        (7, "default-scheduler")
    );
    let kubelet = store
        .events
        .values()
        .find(|e| e.reason == "BackOff")
        .unwrap();
    assert_eq!(kubelet.count, 42);
    assert!(kubelet.first < kubelet.last);

    k.create(
        "/api/v1/namespaces/shop/events",
        &json!({"apiVersion": "v1", "kind": "Event",
            "metadata": {"name": "checkout.oom", "namespace": "shop"},
            "involvedObject": {"kind": "Pod", "name": "checkout-6f4d9c8b7-ccccc", "namespace": "shop"},
            "reason": "OOMKilling", "type": "Warning", "count": 1,
            "message": "Memory cgroup out of memory: Killed process 4242 (checkout)",
            "lastTimestamp": ago(0)}),
    );
    r.until("the new event", 20, |r| {
        r.pane
            .store()
            .events
            .values()
            .any(|e| e.reason == "OOMKilling")
    })
    .await;
}
