//! The demo's actions change the simulated estate the way a cluster would.

use super::*;
use crate::workloads::store::{Filter, Store};

fn handler() -> (Arc<Shared>, DemoActions) {
    let shared = Arc::new(Shared {
        estate: Mutex::new(Estate::new(jiff::Timestamp::now())),
        changed: Notify::new(),
    });
    (shared.clone(), DemoActions { shared })
}

fn store(shared: &Shared) -> Store {
    let mut s = Store::default();
    for u in snapshot(shared) {
        s.apply(u);
    }
    s
}

fn target(kind: &str, name: &str, ns: &str) -> KubeTarget {
    KubeTarget {
        kind: kind.into(),
        name: name.into(),
        namespace: Some(ns.into()),
        context: None,
    }
}

fn backend_problems(s: &Store) -> Vec<String> {
    s.problems(
        jiff::Timestamp::now(),
        &Filter::Label("app".into(), "backend".into()),
    )
    .into_iter()
    .filter(|r| r.key.namespace == "toolboxai")
    .map(|r| format!("{} {}", r.key.name, r.health.reason))
    .collect()
}

#[tokio::test]
async fn undo_previews_the_template_diff_and_really_restores_the_good_revision() {
    let (shared, h) = handler();
    assert!(!backend_problems(&store(&shared)).is_empty());
    let spec = ActionSpec::RolloutUndo {
        target: target("deployment", "backend", "toolboxai"),
        to_revision: None,
    };
    let p = h.preview(&spec).await.unwrap();
    assert!(p.title.contains("from revision 8 to 7"), "{}", p.title);
    assert!(
        p.lines
            .iter()
            .any(|l| matches!(l, PreviewLine::Removed(s) if s.contains("FEATURE_VECTOR_CACHE")))
    );
    assert!(
        p.lines
            .iter()
            .any(|l| matches!(l, PreviewLine::Added(s) if s.contains("toolboxai/backend:2.14.3")))
    );
    assert!(p.blocked.is_none());
    h.execute(&spec, Progress::discard()).await.unwrap();
    let s = store(&shared);
    assert_eq!(backend_problems(&s), Vec::<String>::new());
    let dep = &s.workloads[&(Kind::Deployment, Key::new("toolboxai", "backend"))];
    assert_eq!(dep.revision, Some(9));
    assert_eq!(dep.images, ["backend=toolboxai/backend:2.14.3"]);
    assert_eq!(dep.ready, 3);
}

#[tokio::test]
async fn delete_scale_and_restart_change_the_pods() {
    let (shared, h) = handler();
    let s = store(&shared);
    let crash = s
        .pods
        .keys()
        .find(|k| k.name.starts_with("backend-6f4d9c8b7"))
        .unwrap()
        .clone();
    let spec = ActionSpec::DeletePod(target("pod", &crash.name, "toolboxai"));
    h.execute(&spec, Progress::discard()).await.unwrap();
    let s = store(&shared);
    assert!(!s.pods.contains_key(&crash), "deleted");
    assert!(
        s.pods
            .keys()
            .any(|k| k.name.starts_with("backend-6f4d9c8b7")),
        "replaced by its ReplicaSet"
    );

    let spec = ActionSpec::Scale {
        target: target("deployment", "dashboard", "toolboxai"),
        replicas: 0,
    };
    let p = h.preview(&spec).await.unwrap();
    assert_eq!(p.confirm, Confirm::Typed("dashboard".into()));
    assert!(
        p.lines
            .contains(&PreviewLine::Removed("replicas: 2".into()))
    );
    h.execute(&spec, Progress::discard()).await.unwrap();
    assert!(
        !store(&shared)
            .pods
            .keys()
            .any(|k| k.namespace == "toolboxai" && k.name.starts_with("dashboard-"))
    );

    let before: Vec<Key> = store(&shared)
        .pods
        .keys()
        .filter(|k| k.name.starts_with("celery-worker"))
        .cloned()
        .collect();
    h.execute(
        &ActionSpec::RolloutRestart(target("deployment", "celery-worker", "toolboxai")),
        Progress::discard(),
    )
    .await
    .unwrap();
    let after: Vec<Key> = store(&shared)
        .pods
        .keys()
        .filter(|k| k.name.starts_with("celery-worker"))
        .cloned()
        .collect();
    assert_eq!(before.len(), after.len());
    assert!(
        before.iter().all(|k| !after.contains(k)),
        "every pod replaced"
    );
}

#[tokio::test]
async fn rbac_denied_delete_in_staging_is_blocked_and_refused() {
    let (shared, h) = handler();
    let pod = store(&shared)
        .pods
        .keys()
        .find(|k| k.namespace == "toolboxai-staging")
        .unwrap()
        .clone();
    let spec = ActionSpec::DeletePod(target("pod", &pod.name, &pod.namespace));
    let p = h.preview(&spec).await.unwrap();
    assert!(p.blocked.unwrap().contains("not allowed to delete pods"));
    let err = h.execute(&spec, Progress::discard()).await.unwrap_err();
    assert!(
        matches!(err, ActionError::Denied { status: 403, .. }),
        "{err:?}"
    );
    assert!(store(&shared).pods.contains_key(&pod));
}

#[tokio::test]
async fn a_missing_object_is_not_found_and_a_foreign_verb_unsupported() {
    let (_, h) = handler();
    let spec = ActionSpec::DeletePod(target("pod", "ghost", "toolboxai"));
    let p = h.preview(&spec).await.unwrap();
    assert_eq!(p.blocked.as_deref(), Some("pods \"ghost\" not found"));
    let err = h.execute(&spec, Progress::discard()).await.unwrap_err();
    assert_eq!(
        err,
        ActionError::NotFound("pods \"ghost\" not found".into())
    );
    let spec = ActionSpec::ContainerRestart { name: "web".into() };
    let err = h.preview(&spec).await.unwrap_err();
    assert_eq!(
        err,
        ActionError::Unsupported {
            handler: "Kubernetes",
            verb: "restart"
        }
    );
}

#[tokio::test]
async fn a_demo_drain_cordons_and_moves_the_nodes_pods_elsewhere() {
    let (shared, h) = handler();
    let node = "ip-10-0-2-41.eu-west-1.compute.internal";
    let on_node = |shared: &Shared| {
        let e = shared.estate.lock().unwrap();
        e.pods
            .values()
            .filter(|p| p.node.as_deref() == Some(node))
            .count()
    };
    let before = on_node(&shared);
    assert!(before > 0);
    let spec = ActionSpec::Drain {
        target: target("node", node, ""),
        timeout: std::time::Duration::from_secs(60),
        pods: None,
    };
    let p = h.preview(&spec).await.unwrap();
    assert_eq!(p.confirm, Confirm::Typed(node.into()));
    let Some(ActionSpec::Drain {
        pods: Some(pinned), ..
    }) = &p.pinned
    else {
        panic!("{:?}", p.pinned)
    };
    assert_eq!(pinned.len(), before, "{}", p.to_text());
    let total = shared.estate.lock().unwrap().pods.len();
    h.execute(p.pinned.as_ref().unwrap(), Progress::discard())
        .await
        .unwrap();
    assert_eq!(
        on_node(&shared),
        0,
        "nothing is scheduled on a cordoned node"
    );
    let e = shared.estate.lock().unwrap();
    assert_eq!(e.pods.len(), total, "the controllers recreated every pod");
    assert!(e.nodes.iter().any(|n| n.name == node && n.unschedulable));
}
