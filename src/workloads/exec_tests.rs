use super::*;
use serde_json::json;

/// A pod as the API server returns it: an app container, a sidecar, an init
/// container, and (optionally) kubectl's default-container annotation.
fn pod(annotation: Option<&str>) -> Pod {
    let mut p = json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "api-7d9c4b8f6-x2x9q", "namespace": "shop",
            "labels": {"app": "api", "pod-template-hash": "7d9c4b8f6"},
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet",
                "name": "api-7d9c4b8f6", "uid": "0b1c", "controller": true}]},
        "spec": {
            "initContainers": [{"name": "migrate", "image": "shop/api:2.3.1",
                "command": ["/app/migrate"]}],
            "containers": [
                {"name": "istio-proxy", "image": "istio/proxyv2:1.22.0",
                    "ports": [{"containerPort": 15090, "name": "http-envoy-prom"}]},
                {"name": "api", "image": "shop/api:2.3.1",
                    "ports": [{"containerPort": 8080, "name": "http"}]}
            ],
            "nodeName": "node-a"
        },
        "status": {"phase": "Running"}
    });
    if let Some(a) = annotation {
        p["metadata"]["annotations"] = json!({
            DEFAULT_CONTAINER: a,
            "kubectl.kubernetes.io/restartedAt": "2026-03-14T01:00:00Z"
        });
    }
    serde_json::from_value(p).unwrap()
}

#[test]
fn the_default_container_is_the_annotated_one_else_the_first() {
    assert_eq!(default_container(&pod(Some("api"))).as_deref(), Some("api"));
    assert_eq!(
        default_container(&pod(None)).as_deref(),
        Some("istio-proxy"),
        "kubectl's choice without the annotation: the first regular container"
    );
    assert_eq!(
        default_container(&pod(Some("gone"))).as_deref(),
        Some("istio-proxy"),
        "an annotation naming no container falls back to the first"
    );
    assert_eq!(
        container_names(&pod(None)),
        ["istio-proxy", "api", "migrate"]
    );
}

#[test]
fn an_asked_container_must_exist_and_a_refusal_names_the_ones_there_are() {
    let p = pod(Some("api"));
    assert_eq!(
        choose_container(&p, Some("istio-proxy")).unwrap(),
        "istio-proxy"
    );
    assert_eq!(choose_container(&p, Some("migrate")).unwrap(), "migrate");
    assert_eq!(choose_container(&p, None).unwrap(), "api");
    let e = choose_container(&p, Some("web")).unwrap_err();
    assert_eq!(
        e.to_string(),
        "pod shop/api-7d9c4b8f6-x2x9q has no container \"web\" (it has: istio-proxy, api, migrate) — nothing was run"
    );
    assert_eq!(
        e.hint().as_deref(),
        Some("pick one with -c, e.g. -c istio-proxy")
    );
    assert!(!e.ran());
}

fn status(v: serde_json::Value) -> Status {
    serde_json::from_value(v).unwrap()
}

#[test]
fn the_exit_code_comes_from_the_final_status() {
    let ok = status(json!({"metadata": {}, "status": "Success"}));
    assert_eq!(exit_code(Some(&ok), "shop/api").unwrap(), 0);
    let three = status(json!({"metadata": {}, "status": "Failure",
        "message": "command terminated with non-zero exit code: exit status 3",
        "reason": "NonZeroExitCode",
        "details": {"causes": [{"reason": "ExitCode", "message": "3"}]}}));
    assert_eq!(exit_code(Some(&three), "shop/api").unwrap(), 3);
    let broken = status(json!({"metadata": {}, "status": "Failure",
        "message": "OCI runtime exec failed: exec: \"bash\": executable file not found in $PATH\u{1b}[2J",
        "reason": "InternalError", "code": 500}));
    let e = exit_code(Some(&broken), "shop/api").unwrap_err();
    assert!(matches!(e, ExecError::Failed { .. }), "{e:?}");
    assert!(e.to_string().contains("executable file not found"), "{e}");
    assert!(
        !e.to_string().contains('\u{1b}'),
        "the server's text is sanitised: {e}"
    );
    assert!(e.ran());
    assert!(matches!(
        exit_code(None, "shop/api"),
        Err(ExecError::NoStatus(_))
    ));
}

#[tokio::test]
async fn terminal_sizes_go_to_the_resize_channel_as_width_and_height() {
    let (local_tx, local_rx) = mpsc::channel(4);
    let (remote_tx, mut remote_rx) = futures::channel::mpsc::channel(4);
    local_tx.send((120, 40)).await.unwrap();
    local_tx.send((80, 24)).await.unwrap();
    drop(local_tx);
    send_sizes(local_rx, remote_tx).await;
    let first = futures::StreamExt::next(&mut remote_rx).await.unwrap();
    assert_eq!((first.width, first.height), (120, 40));
    assert_eq!(
        serde_json::to_value(futures::StreamExt::next(&mut remote_rx).await.unwrap()).unwrap(),
        json!({"Width": 80, "Height": 24}),
        "the resize frame's JSON, as the kubelet reads it"
    );
}
