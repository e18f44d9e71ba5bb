//! The hint and the action error kind come from the failure's data.

use super::*;
use kube::core::Status;

/// A failure `Status` as the API server sends it.
fn api(code: u16, reason: &str, message: &str) -> kube::Error {
    kube::Error::Api(Box::new(Status::failure(message, reason).with_code(code)))
}

/// A real connection failure: a port nobody listens on.
async fn refused() -> kube::Error {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let cfg = kube::Config::new(format!("http://127.0.0.1:{port}").parse().unwrap());
    let client = kube::Client::try_from(cfg).unwrap();
    client.apiserver_version().await.unwrap_err()
}

#[test]
fn refused_credentials_ask_for_a_new_login() {
    let e = KubeError::from(api(401, "Unauthorized", "Unauthorized"));
    assert_eq!(e.to_string(), "Unauthorized (401)");
    assert_eq!(e.hint(), LOGIN_HINT);
    assert!(e.hint().contains("expired token") && e.hint().contains("KUBECONFIG"));
    let a = ActionError::from(e);
    assert!(
        matches!(a, ActionError::Denied { status: 401, .. }),
        "{a:?}"
    );
    assert!(a.hint().unwrap().contains("log in again"));
}

#[test]
fn a_forbidden_list_points_at_rbac() {
    let e = KubeError::from(api(
        403,
        "Forbidden",
        "pods is forbidden: User \"dev\" cannot list resource \"pods\" in API group \"\" in the namespace \"shop\"",
    ));
    assert_eq!(e.hint(), RBAC_HINT);
    assert!(e.hint().contains("kubectl auth can-i"));
    assert!(e.to_string().ends_with("(403)"), "{e}");
    // Listing pods in doctor: RBAC, unless the credentials were refused.
    assert_eq!(e.list_pods_hint(), LIST_PODS_HINT);
    assert_eq!(
        KubeError::from(api(401, "Unauthorized", "")).list_pods_hint(),
        LOGIN_HINT
    );
}

#[test]
fn the_reason_stands_in_for_an_empty_message_and_server_text_is_sanitised() {
    let e = KubeError::from(api(410, "Expired", ""));
    assert_eq!(e.to_string(), "Expired (410)");
    assert_eq!(e.hint(), HINT);
    let e = KubeError::from(api(500, "InternalError", "etcd\x1b]0;pwned\x07 down"));
    assert!(!e.to_string().contains('\x1b'), "{e:?}");
}

#[tokio::test]
async fn an_unreachable_server_points_at_the_context_and_kubeconfig() {
    let e = KubeError::from(refused().await);
    assert!(matches!(e, KubeError::Connect(_)), "{e:?}");
    assert!(e.to_string().contains("Connection refused"), "{e}");
    assert_eq!(e.hint(), HINT);
    assert!(matches!(ActionError::from(e), ActionError::Unreachable(_)));
}

#[test]
fn a_watcher_failure_keeps_the_api_status() {
    let w = kube::runtime::watcher::Error::InitialListFailed(api(401, "Unauthorized", ""));
    assert_eq!(
        KubeError::from_watch(&w),
        KubeError::Api {
            code: 401,
            reason: "Unauthorized".into(),
            message: String::new()
        }
    );
    let w = kube::runtime::watcher::Error::WatchError(Box::new(
        Status::failure("too old resource version", "Expired").with_code(410),
    ));
    assert!(matches!(
        KubeError::from_watch(&w),
        KubeError::Api { code: 410, .. }
    ));
}

#[tokio::test]
async fn a_missing_kubeconfig_names_the_file_and_the_setting() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nope.yaml");
    let src = super::super::client::KubeSource::new(Some(path.clone()), None);
    let e = src.client(None).await.err().unwrap();
    assert!(
        matches!(&e, KubeError::Kubeconfig { path: Some(p), .. } if *p == path),
        "{e:?}"
    );
    assert!(
        e.to_string().starts_with(&path.display().to_string()),
        "{e}"
    );
    assert_eq!(e.hint(), HINT);

    std::fs::write(
        &path,
        "apiVersion: v1\nkind: Config\nclusters: []\ncontexts:\n- name: prod\n  context: {cluster: prod, user: prod}\nusers: []\n",
    )
    .unwrap();
    let e = src.client(Some("staging")).await.err().unwrap();
    assert_eq!(e, KubeError::UnknownContext("staging".into()));
    assert_eq!(
        e.to_string(),
        "context \"staging\" is not in the kubeconfig"
    );
    assert!(matches!(ActionError::from(e), ActionError::Invalid(_)));
}

#[test]
fn a_failed_call_says_what_it_was_and_what_did_not_happen() {
    let e = WorkloadError::call(
        "patch deployment shop/checkout",
        Some("nothing was changed"),
        &api(500, "InternalError", "etcdserver: request timed out"),
    );
    assert_eq!(
        e.to_string(),
        "patch deployment shop/checkout: etcdserver: request timed out (500) — nothing was changed"
    );
    let a = ActionError::from(e.clone());
    assert_eq!(
        a,
        ActionError::Backend {
            message: e.to_string(),
            status: Some(500)
        }
    );

    let e = WorkloadError::call(
        "delete pod shop/web-1",
        Some("nothing was deleted"),
        &api(403, "Forbidden", "pods \"web-1\" is forbidden"),
    );
    let a = ActionError::from(e);
    assert!(
        matches!(a, ActionError::Denied { status: 403, .. }),
        "{a:?}"
    );
    assert!(a.to_string().contains("nothing was deleted"), "{a}");
    assert!(a.hint().unwrap().contains("RBAC"));

    let e = WorkloadError::call(
        "deployment shop/gone",
        None,
        &api(404, "NotFound", "deployments.apps \"gone\" not found"),
    );
    assert!(matches!(ActionError::from(e), ActionError::NotFound(_)));
}

#[tokio::test]
async fn a_call_that_reaches_nobody_is_unreachable() {
    let e = WorkloadError::call("list replicasets in shop", None, &refused().await);
    let a = ActionError::from(e);
    assert!(
        matches!(&a, ActionError::Unreachable(m) if m.starts_with("list replicasets in shop: ")),
        "{a:?}"
    );
}

#[test]
fn states_that_forbid_an_action_are_typed() {
    let paused = ActionError::from(WorkloadError::Paused("checkout".into()));
    assert!(
        matches!(&paused, ActionError::Blocked(m) if m.contains("kubectl rollout resume deployment/checkout")),
        "{paused:?}"
    );
    assert!(matches!(
        ActionError::from(WorkloadError::Unscalable("daemonset")),
        ActionError::Invalid(m) if m == "a daemonset cannot be scaled here: only deployments and statefulsets"
    ));
    assert_eq!(
        ActionError::from(WorkloadError::Unsupported("silence")),
        ActionError::Unsupported {
            handler: "Kubernetes",
            verb: "silence"
        }
    );
    assert!(matches!(
        ActionError::from(WorkloadError::Denied("not allowed".into())),
        ActionError::Denied { status: 403, .. }
    ));
    assert_eq!(
        WorkloadError::NoHistory("web".into()).to_string(),
        "deployment web has no deployment.kubernetes.io/revision annotation: no history"
    );
}
