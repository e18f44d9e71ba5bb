//! The live worker's watchers against the emulator: first load, added /
//! modified / deleted pods, namespace switches, outages and pod logs.

use crate::fixtures;
use crate::kmock::Kmock;
use crate::support::Running;
use serde_json::json;
use warroom::logs::LogTarget;
use warroom::pane::Input;
use warroom::pane::Pane;
use warroom::source::SourceStatus;
use warroom::workloads::Action;
use warroom::workloads::Command as WCommand;
use warroom::workloads::store::Filter;

fn reasons(r: &Running, name: &str) -> Vec<String> {
    r.pane
        .store()
        .problems(jiff::Timestamp::now(), &Filter::All)
        .into_iter()
        .filter(|p| p.key.name == name)
        .map(|p| format!("{}: {}", p.health.reason, p.health.detail))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_loads_then_follows_added_modified_and_deleted_pods() {
    let k = Kmock::start(&fixtures::estate());
    let mut r = Running::start(&k, &["shop", "payments"]);
    r.connected().await;
    // Data arrives before Connected, classified.
    assert!(r.has_pod("shop", "checkout-6f4d9c8b7-ccccc"));
    assert!(r.has_pod("payments", "ledger-db-0"));
    assert_eq!(
        reasons(&r, "checkout-6f4d9c8b7-ccccc"),
        ["CrashLoopBackOff: last exit OOMKilled (137), 9 restarts"]
    );
    assert_eq!(
        r.pane.context_label().as_deref(),
        Some("kmock/payments,shop")
    );

    k.create(
        "/api/v1/namespaces/shop/pods",
        &fixtures::pod("shop", "cart-5c4b3a2d1-zzzzz", None, fixtures::running()),
    );
    r.until("the added pod", 20, |r| {
        r.has_pod("shop", "cart-5c4b3a2d1-zzzzz")
    })
    .await;
    assert!(
        reasons(&r, "cart-5c4b3a2d1-zzzzz").is_empty(),
        "healthy when added"
    );

    k.patch(
        "/api/v1/namespaces/shop/pods/cart-5c4b3a2d1-zzzzz",
        &json!({"status": {"phase": "Pending", "containerStatuses": [{"name": "checkout",
            "image": "shop/cart:9.9.9-typo", "imageID": "", "ready": false, "restartCount": 0,
            "state": {"waiting": {"reason": "ImagePullBackOff", "message": "Back-off pulling image"}}}]}}),
    );
    r.until("the modified pod's ImagePullBackOff", 20, |r| {
        reasons(r, "cart-5c4b3a2d1-zzzzz")
            .iter()
            .any(|x| x.starts_with("ImagePullBackOff"))
    })
    .await;

    k.delete("/api/v1/namespaces/shop/pods/cart-5c4b3a2d1-zzzzz");
    r.until("the deleted pod to go", 20, |r| {
        !r.has_pod("shop", "cart-5c4b3a2d1-zzzzz")
    })
    .await;
    assert!(
        r.has_pod("shop", "checkout-6f4d9c8b7-ccccc"),
        "only that pod went"
    );

    // Objects in namespaces we do not watch never show.
    k.create(
        "/api/v1/namespaces/other/pods",
        &fixtures::pod("other", "intruder", None, fixtures::running()),
    );
    r.commands
        .send(WCommand::SwitchNamespaces(vec!["payments".into()]))
        .unwrap();
    r.until("the switch to payments", 20, |r| {
        r.pane.context_label().as_deref() == Some("kmock/payments")
            && r.has_pod("payments", "ledger-db-0")
            && matches!(r.status, Some(SourceStatus::Connected { .. }))
    })
    .await;
    assert!(
        !r.has_pod("shop", "checkout-6f4d9c8b7-ccccc"),
        "shop dropped after the switch"
    );
    assert!(!r.has_pod("other", "intruder"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_outage_turns_stale_with_the_reason_and_recovers_by_itself() {
    let mut k = Kmock::start(&fixtures::estate());
    let mut r = Running::start(&k, &["shop"]);
    r.connected().await;
    k.stop();
    r.until("Stale after the emulator stopped", 30, |r| {
        matches!(&r.status, Some(SourceStatus::Stale { .. }))
    })
    .await;
    let Some(SourceStatus::Stale { reason }) = &r.status else {
        unreachable!()
    };
    assert!(!reason.is_empty());
    // The data is kept while stale.
    assert!(r.has_pod("shop", "checkout-6f4d9c8b7-ccccc"));
    k.restart();
    k.create(
        "/api/v1/namespaces/shop/pods",
        &fixtures::pod("shop", "after-outage", None, fixtures::running()),
    );
    r.until("Connected again with the new pod", 60, |r| {
        matches!(r.status, Some(SourceStatus::Connected { .. }))
            && r.has_pod("shop", "after-outage")
    })
    .await;
    assert!(
        r.history
            .iter()
            .any(|s| matches!(s, SourceStatus::Stale { .. }))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_cluster_says_why_and_how_to_fix_it() {
    let mut k = Kmock::start(&json!([]));
    k.stop();
    let mut r = Running::start(&k, &["shop"]);
    r.until("Unreachable", 30, |r| {
        matches!(r.status, Some(SourceStatus::Unreachable { .. }))
    })
    .await;
    let Some(SourceStatus::Unreachable { reason, hint }) = &r.status else {
        unreachable!()
    };
    assert!(!reason.is_empty());
    assert!(hint.contains("[kubernetes] context"), "{hint}");
}

/// The Unreachable `(reason, hint)` when every pod list in `shop` answers
/// `status` with `message`.
async fn unreachable_when_listing_pods_answers(status: u16, message: &str) -> (String, String) {
    let k = Kmock::start(&fixtures::estate());
    k.fail_next(
        "GET",
        "/api/v1/namespaces/shop/pods",
        status,
        10_000,
        message,
    );
    let mut r = Running::start(&k, &["shop"]);
    r.until("Unreachable", 30, |r| {
        matches!(r.status, Some(SourceStatus::Unreachable { .. }))
    })
    .await;
    let Some(SourceStatus::Unreachable { reason, hint }) = r.status.clone() else {
        unreachable!()
    };
    (reason, hint)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_credentials_say_the_token_may_have_expired() {
    let (reason, hint) = unreachable_when_listing_pods_answers(401, "Unauthorized").await;
    assert!(reason.contains("Unauthorized (401)"), "{reason}");
    assert!(
        hint.contains("expired token") && hint.contains("KUBECONFIG"),
        "{hint}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forbidden_list_says_to_check_rbac() {
    let (reason, hint) = unreachable_when_listing_pods_answers(
        403,
        "pods is forbidden: User \"dev\" cannot list resource \"pods\" in API group \"\" in the namespace \"shop\"",
    )
    .await;
    assert!(
        reason.contains("is forbidden") && reason.ends_with("(403)"),
        "{reason}"
    );
    assert!(
        hint.contains("kubectl auth can-i") && hint.contains("[kubernetes] namespaces"),
        "{hint}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pod_logs_stream_in_batches_then_end() {
    let k = Kmock::start(&fixtures::estate());
    let text: String = (1..=1200)
        .map(|i| {
            format!(
                "2026-03-14T03:0{}:00.000000001Z line {i} \x1b[31mred\x1b[0m\n",
                i % 10
            )
        })
        .collect();
    k.set_logs("shop", "checkout-6f4d9c8b7-ccccc", None, true, &text);
    let mut r = Running::start(&k, &["shop"]);
    r.connected().await;
    let target = LogTarget::Pod {
        context: Some("kmock".into()),
        namespace: "shop".into(),
        name: "checkout-6f4d9c8b7-ccccc".into(),
        container: Some("checkout".into()),
        previous: true,
    };
    r.commands
        .send(WCommand::StreamLogs {
            target: target.clone(),
            follow: false,
            since_seconds: None,
            tail_lines: Some(1000),
        })
        .unwrap();
    r.until("the end of the log", 30, |r| r.log_ended.is_some())
        .await;
    assert_eq!(r.log_ended, Some(None), "ended without error");
    assert_eq!(r.log_lines.len(), 1000, "tailLines honoured");
    assert_eq!(
        r.log_lines[0].text, "line 201 \x1b[31mred\x1b[0m",
        "raw text, timestamp split off"
    );
    assert!(r.log_lines[0].ts_ns.is_some());

    // A pod that does not exist (404): gone, which sends the Logs pane to Loki.
    r.log_ended = None;
    r.commands
        .send(WCommand::StreamLogs {
            target: LogTarget::Pod {
                context: None,
                namespace: "shop".into(),
                name: "gone".into(),
                container: None,
                previous: false,
            },
            follow: true,
            since_seconds: Some(60),
            tail_lines: None,
        })
        .unwrap();
    r.until("the failed stream's end", 30, |r| r.log_ended.is_some())
        .await;
    let err = r.log_ended.clone().unwrap().expect("an error");
    assert_eq!(err, "gone: pod shop/gone");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn switching_context_restarts_the_watchers_on_the_other_cluster() {
    let prod = Kmock::start(&fixtures::estate());
    let staging = Kmock::start(&json!([fixtures::pod(
        "shop",
        "staging-only",
        None,
        fixtures::running()
    )]));
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("config");
    std::fs::write(
        &kubeconfig,
        format!(
            "apiVersion: v1\nkind: Config\ncurrent-context: prod\nclusters:\n- name: prod\n  cluster: {{server: {}}}\n- name: staging\n  cluster: {{server: {}}}\ncontexts:\n- name: prod\n  context: {{cluster: prod, user: u, namespace: shop}}\n- name: staging\n  context: {{cluster: staging, user: u, namespace: shop}}\nusers:\n- name: u\n  user: {{token: t}}\n",
            prod.url(),
            staging.url()
        ),
    )
    .unwrap();
    let mut r = Running::start_with(kubeconfig, &[]);
    r.connected().await;
    assert_eq!(r.pane.context_label().as_deref(), Some("prod/shop"));
    assert!(r.has_pod("shop", "checkout-6f4d9c8b7-ccccc"));
    let palette: Vec<String> = r
        .pane
        .palette_commands()
        .into_iter()
        .map(|c| c.name)
        .collect();
    assert!(
        palette.contains(&"context staging".to_string()),
        "{palette:?}"
    );
    r.commands
        .send(WCommand::SwitchContext("staging".into()))
        .unwrap();
    r.until("the staging cluster's pods", 30, |r| {
        r.pane.context_label().as_deref() == Some("staging/shop")
            && r.has_pod("shop", "staging-only")
            && matches!(r.status, Some(SourceStatus::Connected { .. }))
    })
    .await;
    assert!(
        !r.has_pod("shop", "checkout-6f4d9c8b7-ccccc"),
        "prod objects dropped"
    );
    // An unknown context is reported, not crashed on.
    r.commands
        .send(WCommand::SwitchContext("nope".into()))
        .unwrap();
    r.until("Unreachable for an unknown context", 30, |r| {
        matches!(&r.status, Some(SourceStatus::Unreachable { reason, .. }) if reason.contains("\"nope\" is not in the kubeconfig"))
    })
    .await;
}

#[test]
fn disabled_kubernetes_is_shown_as_disabled_without_a_worker() {
    let mut cfg = crate::support::config(&[]);
    cfg.kubernetes.enabled = false;
    let b = warroom::workloads::live(
        &cfg,
        crate::support::sessions(std::path::Path::new("/nonexistent")),
    );
    assert!(b.workers.is_empty() && b.actions.is_none());
    assert_eq!(b.idle[0].1, SourceStatus::Disabled);
}

/// `namespaces = ["*"]`: the worker reviews cluster-wide only, so a user who
/// may edit in one namespace must get that namespace's verdict on demand.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn all_namespaces_actions_follow_the_namespace_review_not_the_cluster_one() {
    use warroom::action::ActionSpec;
    use warroom::pane::{Outcome, PaneCtx};
    use warroom::workloads::Perm;
    let k = Kmock::start(&fixtures::estate());
    // First matching rule wins: allowed in shop, refused everywhere else.
    for (verb, resource) in [("patch", "deployments"), ("delete", "pods")] {
        let (s, v) = k.request(
            "POST",
            "/__kmock__/ssar",
            Some(
                &json!({"verb": verb, "resource": resource, "namespace": "shop", "allowed": true}),
            ),
        );
        assert_eq!(s, 200, "{v}");
        k.deny(verb, resource, None, "RBAC: role shop-editor is namespaced");
    }
    let mut r = Running::start(&k, &["*"]);
    r.connected().await;
    r.until("the cluster-wide verdicts", 20, |r| {
        r.verdict("*", Perm::PatchDeployments).is_some()
    })
    .await;
    assert!(
        r.verdict("*", Perm::PatchDeployments)
            .flatten()
            .is_some_and(|m| m.contains("cluster-wide") && m.contains("shop-editor")),
        "{:?}",
        r.access
    );
    let ctx = PaneCtx {
        read_only: false,
        now: jiff::Timestamp::now(),
    };
    r.pane.set_filter("checkout-6f4d");
    // Before the namespace answers, the cluster-wide "no" is not final: ask.
    let ask = match r.pane.on_input(Input::Action(Action::RolloutRestart), &ctx) {
        Outcome::Many(v) => match &v[..] {
            [Outcome::Command(c), Outcome::Notify(m)] => {
                assert!(m.contains("checking your access in namespace shop"), "{m}");
                c.clone()
            }
            o => panic!("{o:?}"),
        },
        o => panic!("{o:?}"),
    };
    assert_eq!(
        ask,
        WCommand::CheckAccess {
            namespace: "shop".into()
        }
    );
    r.commands.send(ask).unwrap();
    r.until("the shop verdicts", 20, |r| {
        r.verdict("shop", Perm::PatchDeployments).is_some()
    })
    .await;
    assert_eq!(r.verdict("shop", Perm::PatchDeployments), Some(None));
    assert_eq!(r.verdict("shop", Perm::DeletePods), Some(None));
    match r.pane.on_input(Input::Action(Action::RolloutRestart), &ctx) {
        Outcome::Request(ActionSpec::RolloutRestart(t)) => {
            assert_eq!(
                (t.name.as_str(), t.namespace.as_deref()),
                ("checkout", Some("shop"))
            );
        }
        o => panic!("{o:?}"),
    }
    assert!(matches!(
        r.pane.on_input(Input::Action(Action::DeletePod), &ctx),
        Outcome::Request(ActionSpec::DeletePod(t)) if t.name == "checkout-6f4d9c8b7-ccccc"
    ));
}

/// Exec and port-forward are reviewed with their subresource, so a role
/// that may read pods but not exec into them is told before a key is pressed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exec_and_port_forward_verdicts_come_from_their_subresource_reviews() {
    use warroom::workloads::Perm;
    let k = Kmock::start(&fixtures::estate());
    k.deny_sub(
        "create",
        "pods",
        "exec",
        Some("shop"),
        "RBAC: role oncall-view",
    );
    let mut r = Running::start(&k, &["shop"]);
    r.connected().await;
    r.until("the shop verdicts", 20, |r| {
        r.verdict("shop", Perm::ExecPods).is_some()
    })
    .await;
    let exec = r
        .verdict("shop", Perm::ExecPods)
        .flatten()
        .unwrap_or_default();
    assert_eq!(
        exec,
        "not allowed to create pods/exec in namespace shop: RBAC: role oncall-view"
    );
    assert_eq!(
        r.verdict("shop", Perm::PortForwardPods),
        Some(None),
        "allowed"
    );
    assert_eq!(
        r.verdict("shop", Perm::DeletePods),
        Some(None),
        "a review without a subresource is not the exec one"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_watch_failing_after_every_list_backs_off_and_names_its_kind_steadily() {
    let k = Kmock::start(&fixtures::estate());
    // Every deployments watch fails; the lists work (the lab's objects
    // without a resourceVersion did this).
    let path = "/apis/apps/v1/namespaces/shop/deployments";
    k.fail_next_query(path, "watch=true", 500, 1000, "watch broke");
    let mut r = Running::start(&k, &["shop"]);
    r.until("the deployments watch named as failing", 30, |r| {
        matches!(&r.status, Some(SourceStatus::Stale { reason } | SourceStatus::Unreachable { reason, .. })
            if reason.starts_with("deployments: "))
    })
    .await;
    let failing_since = r.history.len();
    let lists = |k: &Kmock| {
        k.requests()
            .iter()
            .filter(|q| {
                q["path"] == path && !q["query"].as_str().unwrap_or("").contains("watch=true")
            })
            .count()
    };
    let before = lists(&k);
    // 12 s of the watch failing after every list.
    r.run_for(std::time::Duration::from_secs(12)).await;
    let relists = lists(&k) - before;
    assert!(
        relists <= 5,
        "the wait doubles (1, 2, 4, 8 s): {relists} lists in 12 s, not one every half second"
    );
    assert!(relists >= 2, "it does keep trying: {relists}");
    assert!(
        r.history[failing_since..]
            .iter()
            .all(|s| !matches!(s, SourceStatus::Connected { .. })),
        "a list between failures does not flicker the status to connected: {:?}",
        &r.history[failing_since..]
    );
    // The data the lists brought is there meanwhile.
    assert!(
        r.pane
            .store()
            .workloads
            .values()
            .any(|w| w.key.name == "checkout")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_nodes_requests_follow_its_pods_against_its_allocatable() {
    let mut estate = fixtures::estate();
    let objects = estate.as_array_mut().unwrap();
    for o in objects.iter_mut() {
        if o["kind"] == "Node" && o["metadata"]["name"] == "node-a" {
            o["status"]["allocatable"] = json!({"cpu": "3920m", "memory": "15Gi", "pods": "110"});
        }
    }
    let mut p = fixtures::pod("shop", "big-1", None, fixtures::running());
    p["spec"]["containers"][0]["resources"] =
        json!({"requests": {"cpu": "1500m", "memory": "6Gi"}, "limits": {"memory": "8Gi"}});
    objects.push(p);
    let k = Kmock::start(&estate);
    let mut r = Running::start(&k, &["shop"]);
    r.connected().await;
    // Nodes are not among the kinds "connected" waits for.
    r.until("node-a listed", 30, |r| {
        r.pane.store().nodes.contains_key("node-a")
    })
    .await;
    let node = r.pane.store().nodes["node-a"].clone();
    assert_eq!(node.allocatable.cpu_milli, 3920);
    assert_eq!(node.allocatable.memory, 15 << 30);
    let before = r.pane.store().requested_on("node-a");
    assert!(
        before.cpu_milli >= 1500 && before.memory >= 6 << 30,
        "{before:?}"
    );
    // The pod goes: what it requested is given back.
    k.delete("/api/v1/namespaces/shop/pods/big-1");
    r.until("big-1 gone", 30, |r| !r.has_pod("shop", "big-1"))
        .await;
    let after = r.pane.store().requested_on("node-a");
    assert_eq!(before.cpu_milli - after.cpu_milli, 1500);
    assert_eq!(before.memory - after.memory, 6 << 30);
}
