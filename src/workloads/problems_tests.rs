//! The problems index against the full scan it replaced: random sequences
//! of adds, changes, deletes, re-lists and clock advances over realistic
//! pods, controllers and nodes must give the same rows, every step.

use super::super::Update;
use super::super::model::{
    Condition, ContainerSummary, Key, Kind, NodeSummary, Object, Owner, PodSummary, State,
    Terminated, WorkloadSummary,
};
use super::super::store::{Filter, Store};
use jiff::{SignedDuration, Timestamp};
use proptest::prelude::*;

fn base() -> Timestamp {
    "2026-03-14T03:12:00Z".parse().unwrap()
}

fn at(secs: i64) -> Timestamp {
    base() + SignedDuration::from_secs(secs)
}

const NAMESPACES: [&str; 2] = ["shop", "pay"];
const NODES: [&str; 3] = ["node-1", "node-2", "node-3"];

fn key() -> impl Strategy<Value = Key> {
    (prop::sample::select(&NAMESPACES[..]), 0..5u8)
        .prop_map(|(ns, i)| Key::new(ns, format!("web-{i}")))
}

fn state() -> impl Strategy<Value = State> {
    let waiting = |r: &str| State::Waiting {
        reason: Some(r.into()),
        message: Some("secret \"db\" not found".into()),
    };
    prop_oneof![
        Just(State::Running {
            started: Some(at(-600))
        }),
        Just(waiting("CrashLoopBackOff")),
        Just(waiting("ImagePullBackOff")),
        Just(waiting("CreateContainerConfigError")),
        Just(waiting("ContainerCreating")),
        (prop::sample::select(vec![0, 1, 137]))
            .prop_map(|code| State::Terminated(terminated(code))),
    ]
}

fn terminated(exit_code: i32) -> Terminated {
    Terminated {
        reason: Some(
            if exit_code == 137 {
                "OOMKilled"
            } else {
                "Error"
            }
            .into(),
        ),
        exit_code,
        signal: None,
        message: None,
        finished: Some(at(-30)),
    }
}

fn container() -> impl Strategy<Value = ContainerSummary> {
    (state(), any::<bool>(), 0..4i32, any::<bool>()).prop_map(|(state, ready, restarts, last)| {
        ContainerSummary {
            name: "app".into(),
            image: "shop/web:1.4".into(),
            ready,
            restarts,
            state,
            last: last.then(|| terminated(137)),
            probes: vec!["readiness http-get :8080/healthz every 10s".into()],
            memory_limit: Some("256Mi".into()),
            ports: vec![8080],
        }
    })
}

fn condition(type_: &str, status: bool, since: i64) -> Condition {
    Condition {
        type_: type_.into(),
        status: if status { "True" } else { "False" }.into(),
        reason: (!status).then(|| "Unschedulable".into()),
        message: (!status).then(|| "0/3 nodes: Insufficient cpu".into()),
        since: Some(at(since)),
    }
}

fn pod() -> impl Strategy<Value = PodSummary> {
    (
        key(),
        prop::sample::select(vec!["Running", "Pending", "Failed", "Succeeded"]),
        prop::option::of(prop::sample::select(&NODES[..])),
        prop::option::weighted(0.3, -90..90i64),
        any::<bool>(),
        (any::<bool>(), any::<bool>(), -900..0i64),
        prop::collection::vec(container(), 0..3),
        prop::collection::vec(container(), 1..3),
    )
        .prop_map(
            |(key, phase, node, deletion, evicted, (ready, scheduled, since), init, containers)| {
                let mut conditions = vec![condition("Ready", ready, since)];
                if phase == "Pending" {
                    conditions.push(condition("PodScheduled", scheduled, since));
                }
                PodSummary {
                    labels: [("app".to_string(), key.name[..3].to_string())].into(),
                    owner: Some(Owner {
                        kind: "ReplicaSet".into(),
                        name: "web-6f4d".into(),
                    }),
                    created: Some(at(-3600)),
                    deletion: deletion.map(at),
                    grace_seconds: Some(30),
                    phase: phase.into(),
                    reason: (phase == "Failed" && evicted).then(|| "Evicted".into()),
                    message: Some("The node was low on resource: memory.".into()),
                    node: node.map(str::to_string),
                    conditions,
                    init_containers: init,
                    ephemeral_containers: Vec::new(),
                    containers,
                    default_container: None,
                    // Varies between versions of one pod, so a replaced
                    // pod must take its old requests away.
                    requests: crate::workloads::quantity::Resources {
                        cpu_milli: since.unsigned_abs() % 1000,
                        memory: since.unsigned_abs() * 1024 * 1024,
                    },
                    key,
                }
            },
        )
}

fn workload_kind() -> impl Strategy<Value = Kind> {
    prop::sample::select(vec![
        Kind::Deployment,
        Kind::ReplicaSet,
        Kind::StatefulSet,
        Kind::Job,
    ])
}

fn workload() -> impl Strategy<Value = WorkloadSummary> {
    (workload_kind(), key(), 0..3i32, 0..3i32, any::<bool>()).prop_map(
        |(kind, key, desired, available, stuck)| {
            let mut conditions = Vec::new();
            if stuck && kind == Kind::Deployment {
                conditions.push(Condition {
                    type_: "Progressing".into(),
                    status: "False".into(),
                    reason: Some("ProgressDeadlineExceeded".into()),
                    message: Some("ReplicaSet web-6f4d has timed out progressing.".into()),
                    since: Some(at(-120)),
                });
            }
            if stuck && kind == Kind::Job {
                conditions.push(Condition {
                    type_: "Failed".into(),
                    status: "True".into(),
                    reason: Some("BackoffLimitExceeded".into()),
                    message: Some("Job has reached the specified backoff limit".into()),
                    since: Some(at(-60)),
                });
            }
            WorkloadSummary {
                kind: Some(kind),
                labels: [("app".to_string(), "web".to_string())].into(),
                created: Some(at(-7200)),
                desired,
                ready: available,
                available,
                conditions,
                key,
                ..Default::default()
            }
        },
    )
}

fn node() -> impl Strategy<Value = NodeSummary> {
    (
        prop::sample::select(&NODES[..]),
        any::<bool>(),
        prop::sample::select(vec!["KubeletNotReady", "NodeStatusUnknown"]),
    )
        .prop_map(|(name, ready, why)| NodeSummary {
            name: name.into(),
            ready,
            message: Some(format!("{why}: Kubelet stopped posting node status.")),
            since: Some(at(-300)),
            kubelet: "v1.30.4".into(),
            ..Default::default()
        })
}

/// One step; objects are small in the store, large here only briefly.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
enum Op {
    Apply(Object),
    Delete(Kind, Key),
    Reset(Kind, Option<String>, Vec<Object>),
    Advance(i64),
    Context,
}

fn op() -> impl Strategy<Value = Op> {
    let pod_obj = || pod().prop_map(|p| Object::Pod(Box::new(p)));
    prop_oneof![
        6 => pod_obj().prop_map(Op::Apply),
        2 => workload().prop_map(|w| Op::Apply(Object::Workload(Box::new(w)))),
        2 => node().prop_map(|n| Op::Apply(Object::Node(n))),
        2 => key().prop_map(|k| Op::Delete(Kind::Pod, k)),
        1 => (workload_kind(), key()).prop_map(|(kind, k)| Op::Delete(kind, k)),
        1 => prop::sample::select(&NODES[..]).prop_map(|n| Op::Delete(Kind::Node, Key::new("", n))),
        1 => (prop::option::of(prop::sample::select(&NAMESPACES[..])),
              prop::collection::vec(pod_obj(), 0..6))
            .prop_map(|(ns, pods)| Op::Reset(Kind::Pod, ns.map(str::to_string), pods)),
        1 => prop::collection::vec(node().prop_map(Object::Node), 0..3)
            .prop_map(|nodes| Op::Reset(Kind::Node, None, nodes)),
        1 => (workload_kind(), prop::collection::vec(workload(), 0..4)).prop_map(|(kind, ws)| {
            let ws = ws.into_iter()
                .map(|mut w| { w.kind = Some(kind); Object::Workload(Box::new(w)) })
                .collect();
            Op::Reset(kind, Some("shop".into()), ws)
        }),
        3 => (0..60i64).prop_map(Op::Advance),
        1 => Just(Op::Context),
    ]
}

/// Every reading of the index agrees with a scan of the store.
fn assert_agrees(s: &Store, now: Timestamp) {
    for f in [
        Filter::All,
        Filter::parse("web-1"),
        Filter::parse("app=web"),
        Filter::parse("crash"),
    ] {
        assert_eq!(s.problems(now, &f), s.problems_full_scan(now, &f), "{f:?}");
    }
    for n in NODES {
        let scan = s
            .pods
            .values()
            .filter(|p| p.node.as_deref() == Some(n))
            .count();
        assert_eq!(s.pods_on(n), scan, "pods on {n}");
        let mut requested = crate::workloads::quantity::Resources::default();
        for p in s.pods.values().filter(|p| {
            p.node.as_deref() == Some(n) && !matches!(p.phase.as_str(), "Succeeded" | "Failed")
        }) {
            requested.add(p.requests);
        }
        assert_eq!(s.requested_on(n), requested, "requested on {n}");
    }
    let scan: Vec<&Key> = s
        .pods
        .values()
        .filter(|p| s.pod_health(p, now).is_problem())
        .map(|p| &p.key)
        .collect();
    assert_eq!(s.problem_pods(now), scan);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn the_index_gives_the_rows_of_a_full_scan(ops in prop::collection::vec(op(), 1..60)) {
        let mut s = Store::default();
        let mut now = base();
        for op in ops {
            match op {
                Op::Apply(o) => { s.apply(Update::Apply(o)); }
                Op::Delete(kind, key) => { s.apply(Update::Delete { kind, key }); }
                Op::Reset(kind, namespace, objects) => {
                    s.apply(Update::Reset { kind, namespace, objects });
                }
                Op::Advance(secs) => now += SignedDuration::from_secs(secs),
                Op::Context => { s.apply(Update::Context(Default::default())); }
            }
            assert_agrees(&s, now);
        }
    }
}

/// A pod past its grace period turns into a problem by the clock alone, and
/// its detail follows the clock: nothing was applied in between.
#[test]
fn a_terminating_pod_becomes_a_problem_when_its_grace_period_passes() {
    let mut s = Store::default();
    let mut p = PodSummary {
        key: Key::new("shop", "web-0"),
        labels: Default::default(),
        owner: None,
        created: Some(at(-3600)),
        deletion: Some(at(10)),
        grace_seconds: Some(30),
        phase: "Running".into(),
        reason: None,
        message: None,
        node: None,
        conditions: Vec::new(),
        init_containers: Vec::new(),
        ephemeral_containers: Vec::new(),
        containers: Vec::new(),
        default_container: None,
        requests: Default::default(),
    };
    s.apply(Update::Apply(Object::Pod(Box::new(p.clone()))));
    assert!(s.problems(at(10), &Filter::All).is_empty());
    let rows = s.problems(at(11), &Filter::All);
    assert_eq!(rows[0].health.reason, "Terminating");
    assert_eq!(rows[0].health.detail, "1s past its 30s grace period");
    let later = s.problems(at(130), &Filter::All);
    assert_eq!(later[0].health.detail, "2m past its 30s grace period");
    p.deletion = None;
    s.apply(Update::Apply(Object::Pod(Box::new(p))));
    assert!(s.problems(at(130), &Filter::All).is_empty());
}
