//! Every action changes the stored object as an API server would (read back
//! with GET); refusals and failures are shown with their message and change
//! nothing.

use crate::fixtures;
use crate::kmock::Kmock;
use crate::support::config;
use std::sync::Arc;
use warroom::action::{
    ActionError, ActionHandler, ActionSpec, Confirm, KubeTarget, PreviewLine, Progress,
};

const DEP: &str = "/apis/apps/v1/namespaces/shop/deployments/checkout";

fn handler(k: &Kmock) -> Arc<dyn ActionHandler> {
    let audit = std::env::temp_dir().join("warroom-actions-unused");
    warroom::workloads::live_with(
        &config(&["shop"]),
        Some(k.kubeconfig()),
        crate::support::sessions(&audit),
    )
    .actions
    .expect("live backend has an action handler")
}

fn target(kind: &str, name: &str) -> KubeTarget {
    KubeTarget {
        kind: kind.into(),
        name: name.into(),
        namespace: Some("shop".into()),
        context: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_pod_removes_it_and_says_its_controller_replaces_it() {
    let k = Kmock::start(&fixtures::estate());
    let h = handler(&k);
    let spec = ActionSpec::DeletePod(target("pod", "checkout-6f4d9c8b7-ccccc"));
    let p = h.preview(&spec).await.unwrap();
    assert_eq!(p.blocked, None);
    assert_eq!(p.confirm, Confirm::Yes);
    assert!(p.lines.iter().any(|l| matches!(l, PreviewLine::Text(t) if t.contains("ReplicaSet checkout-6f4d9c8b7 will create a replacement"))));
    assert!(
        k.get("/api/v1/namespaces/shop/pods/checkout-6f4d9c8b7-ccccc")
            .is_some(),
        "preview changes nothing"
    );
    h.execute(&spec, Progress::discard()).await.unwrap();
    assert!(
        k.get("/api/v1/namespaces/shop/pods/checkout-6f4d9c8b7-ccccc")
            .is_none()
    );
    // A pod with no controller needs the typed name.
    let p = h
        .preview(&ActionSpec::DeletePod(KubeTarget {
            namespace: Some("payments".into()),
            ..target("pod", "ledger-db-0")
        }))
        .await
        .unwrap();
    assert_eq!(p.confirm, Confirm::Typed("ledger-db-0".into()));
    // A missing pod is blocked with the API's message.
    let p = h
        .preview(&ActionSpec::DeletePod(target("pod", "nope")))
        .await
        .unwrap();
    assert!(p.blocked.unwrap().contains("404"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rollout_restart_sets_restarted_at_on_the_pod_template() {
    let k = Kmock::start(&fixtures::estate());
    let h = handler(&k);
    let spec = ActionSpec::RolloutRestart(target("deployment", "checkout"));
    let p = h.preview(&spec).await.unwrap();
    assert!(p.lines.contains(&PreviewLine::Added(
        "kubectl.kubernetes.io/restartedAt: <now>".into()
    )));
    let before = jiff::Timestamp::now().as_second();
    h.execute(&spec, Progress::discard()).await.unwrap();
    let dep = k.get(DEP).unwrap();
    let at =
        dep["spec"]["template"]["metadata"]["annotations"]["kubectl.kubernetes.io/restartedAt"]
            .as_str()
            .expect("restartedAt set");
    let at: jiff::Timestamp = at.parse().unwrap();
    assert!(at.as_second() >= before - 1);
    // The rest of the template is intact.
    assert_eq!(
        dep["spec"]["template"]["spec"]["containers"][0]["image"],
        "shop/checkout:2.15.0"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scale_previews_current_to_new_and_zero_needs_the_typed_name() {
    let k = Kmock::start(&fixtures::estate());
    let h = handler(&k);
    let spec = ActionSpec::Scale {
        target: target("deployment", "checkout"),
        replicas: 5,
    };
    let p = h.preview(&spec).await.unwrap();
    assert!(p.title.contains("from 3 to 5"), "{}", p.title);
    assert_eq!(p.confirm, Confirm::Yes);
    h.execute(&spec, Progress::discard()).await.unwrap();
    assert_eq!(k.get(DEP).unwrap()["spec"]["replicas"], 5);
    let zero = ActionSpec::Scale {
        target: target("deployment", "checkout"),
        replicas: 0,
    };
    let p = h.preview(&zero).await.unwrap();
    assert_eq!(p.confirm, Confirm::Typed("checkout".into()));
    assert!(
        p.lines
            .contains(&PreviewLine::Removed("replicas: 5".into()))
    );
    // StatefulSets scale too.
    let sts = ActionSpec::Scale {
        target: KubeTarget {
            namespace: Some("payments".into()),
            ..target("statefulset", "ledger-db")
        },
        replicas: 2,
    };
    h.execute(&sts, Progress::discard()).await.unwrap();
    assert_eq!(
        k.get("/apis/apps/v1/namespaces/payments/statefulsets/ledger-db")
            .unwrap()["spec"]["replicas"],
        2
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rollout_undo_restores_the_previous_template_without_the_hash_label() {
    let k = Kmock::start(&fixtures::estate());
    let h = handler(&k);
    let spec = ActionSpec::RolloutUndo {
        target: target("deployment", "checkout"),
        to_revision: None,
    };
    let p = h.preview(&spec).await.unwrap();
    assert_eq!(p.blocked, None);
    assert!(p.title.contains("from revision 8 to 7"), "{}", p.title);
    assert!(
        p.lines
            .iter()
            .any(|l| matches!(l, PreviewLine::Removed(s) if s.contains("FEATURE_PRICING_V2"))),
        "{:#?}",
        p.lines
    );
    assert!(
        p.lines
            .iter()
            .any(|l| matches!(l, PreviewLine::Added(s) if s.contains("shop/checkout:2.14.3")))
    );
    h.execute(&spec, Progress::discard()).await.unwrap();
    let dep = k.get(DEP).unwrap();
    let want = fixtures::template("shop/checkout:2.14.3", None, false);
    assert_eq!(
        dep["spec"]["template"], want,
        "template equals revision 7's, hash label and env gone"
    );
    assert_eq!(dep["spec"]["replicas"], 3);

    // A chosen revision; and one that does not exist is blocked with the history.
    let spec = ActionSpec::RolloutUndo {
        target: target("deployment", "checkout"),
        to_revision: Some(6),
    };
    h.execute(&spec, Progress::discard()).await.unwrap();
    assert_eq!(
        k.get(DEP).unwrap()["spec"]["template"]["spec"]["containers"][0]["image"],
        "shop/checkout:2.14.1"
    );
    let p = h
        .preview(&ActionSpec::RolloutUndo {
            target: target("deployment", "checkout"),
            to_revision: Some(3),
        })
        .await
        .unwrap();
    assert!(
        p.blocked
            .unwrap()
            .contains("revision 3 not found (history: [6, 7, 8])")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rollout_undo_of_a_paused_deployment_is_refused_and_changes_nothing() {
    let k = Kmock::start(&fixtures::estate());
    k.patch(DEP, &serde_json::json!({"spec": {"paused": true}}));
    let before = k.get(DEP).unwrap()["spec"]["template"].clone();
    let h = handler(&k);
    let spec = ActionSpec::RolloutUndo {
        target: target("deployment", "checkout"),
        to_revision: None,
    };
    let p = h.preview(&spec).await.unwrap();
    let why = p
        .blocked
        .expect("a paused deployment cannot be rolled back");
    assert!(
        why.contains("is paused") && why.contains("kubectl rollout resume deployment/checkout"),
        "{why}"
    );
    let err = h.execute(&spec, Progress::discard()).await.unwrap_err();
    assert!(matches!(err, ActionError::Blocked(_)), "{err:?}");
    let err = err.to_string();
    assert!(err.contains("is paused"), "{err}");
    assert_eq!(k.get(DEP).unwrap()["spec"]["template"], before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rbac_refusals_block_the_preview_with_the_reason() {
    let k = Kmock::start(&fixtures::estate());
    k.deny(
        "patch",
        "deployments",
        Some("shop"),
        "RBAC: clusterrole \"view\" does not grant patch",
    );
    let h = handler(&k);
    let p = h
        .preview(&ActionSpec::RolloutUndo {
            target: target("deployment", "checkout"),
            to_revision: None,
        })
        .await
        .unwrap();
    let blocked = p.blocked.expect("blocked");
    assert!(
        blocked.contains("not allowed to patch deployments in namespace shop"),
        "{blocked}"
    );
    assert!(blocked.contains("clusterrole \"view\""), "{blocked}");
    // Deleting pods is still allowed.
    let p = h
        .preview(&ActionSpec::DeletePod(target(
            "pod",
            "checkout-6f4d9c8b7-ccccc",
        )))
        .await
        .unwrap();
    assert_eq!(p.blocked, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_or_forbidden_call_shows_the_message_and_changes_nothing() {
    let k = Kmock::start(&fixtures::estate());
    let h = handler(&k);
    let before = k.get(DEP).unwrap();
    k.fail_next("PATCH", DEP, 500, 1, "etcdserver: request timed out");
    let err = h
        .execute(
            &ActionSpec::RolloutUndo {
                target: target("deployment", "checkout"),
                to_revision: None,
            },
            Progress::discard(),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            ActionError::Backend {
                status: Some(500),
                ..
            }
        ),
        "{err:?}"
    );
    let err = err.to_string();
    assert!(err.contains("etcdserver: request timed out"), "{err}");
    assert!(err.contains("nothing was changed"), "{err}");
    assert_eq!(k.get(DEP).unwrap(), before, "no half-applied undo");

    k.fail_next(
        "PATCH",
        DEP,
        403,
        1,
        "deployments.apps \"checkout\" is forbidden: User \"oncall\" cannot patch resource",
    );
    let err = h
        .execute(
            &ActionSpec::Scale {
                target: target("deployment", "checkout"),
                replicas: 9,
            },
            Progress::discard(),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, ActionError::Denied { status: 403, .. }),
        "{err:?}"
    );
    let err = err.to_string();
    assert!(err.contains("is forbidden"), "{err}");
    assert_eq!(k.get(DEP).unwrap()["spec"]["replicas"], 3);

    k.fail_next(
        "DELETE",
        "/api/v1/namespaces/shop/pods/checkout-6f4d9c8b7-ccccc",
        403,
        1,
        "pods \"checkout-6f4d9c8b7-ccccc\" is forbidden",
    );
    let err = h
        .execute(
            &ActionSpec::DeletePod(target("pod", "checkout-6f4d9c8b7-ccccc")),
            Progress::discard(),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, ActionError::Denied { status: 403, .. }),
        "{err:?}"
    );
    let err = err.to_string();
    assert!(
        err.contains("forbidden") && err.contains("nothing was deleted"),
        "{err}"
    );
    assert!(
        k.get("/api/v1/namespaces/shop/pods/checkout-6f4d9c8b7-ccccc")
            .is_some()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn undo_runs_what_was_previewed_even_if_a_rollout_lands_before_confirmation() {
    let k = Kmock::start(&fixtures::estate());
    let dir = tempfile::tempdir().unwrap();
    let mut door = warroom::action::Actions::new(
        warroom::audit::AuditLog::new(dir.path().join("audit.jsonl")),
        false,
        false,
    );
    door.register(warroom::action::Domain::Kubernetes, handler(&k));
    let spec = ActionSpec::RolloutUndo {
        target: target("deployment", "checkout"),
        to_revision: None,
    };
    let preview = door.preview(&spec).await.unwrap();
    assert!(preview.title.contains("to 7"), "{}", preview.title);

    // While the operator reads the diff, CI rolls out revision 9: "previous"
    // now means 8, which is not what was confirmed.
    k.create(
        "/apis/apps/v1/namespaces/shop/replicasets",
        &fixtures::replicaset("9a9a9a9a9", 9, "shop/checkout:2.16.0", false, 1),
    );
    k.patch(
        DEP,
        &serde_json::json!({
            "metadata": {"annotations": {"deployment.kubernetes.io/revision": "9"}},
            "spec": {"template": fixtures::template("shop/checkout:2.16.0", None, false)}
        }),
    );

    door.execute(&spec, &preview, "tui", Progress::discard())
        .await
        .unwrap();
    assert_eq!(
        k.get(DEP).unwrap()["spec"]["template"]["spec"]["containers"][0]["image"],
        "shop/checkout:2.14.3",
        "the previewed revision 7, not the new 'previous' (8, 2.15.0)"
    );
    let audit = std::fs::read_to_string(dir.path().join("audit.jsonl")).unwrap();
    assert!(audit.contains("\"result\":\"ok\""), "{audit}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_daemonset_is_never_offered_scale() {
    let k = Kmock::start(&fixtures::estate());
    let h = handler(&k);
    let spec = ActionSpec::Scale {
        target: target("daemonset", "node-exporter"),
        replicas: 3,
    };
    let p = h.preview(&spec).await.unwrap();
    assert!(
        p.blocked
            .as_deref()
            .is_some_and(|b| b.contains("daemonset cannot be scaled")),
        "{p:?}"
    );
    let err = h.execute(&spec, Progress::discard()).await.unwrap_err();
    assert!(matches!(err, ActionError::Invalid(_)), "{err:?}");
    let err = err.to_string();
    assert!(err.contains("cannot be scaled"), "{err}");
}
