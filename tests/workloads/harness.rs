//! The emulator harness itself: what other suites rely on.

use crate::kmock::Kmock;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, ListParams};
use serde_json::json;

pub fn pod(ns: &str, name: &str) -> serde_json::Value {
    json!({"apiVersion": "v1", "kind": "Pod",
           "metadata": {"name": name, "namespace": ns, "labels": {"app": "web"}},
           "spec": {"containers": [{"name": "web", "image": "shop/web:1.4.2"}]},
           "status": {"phase": "Running"}})
}

pub async fn client(k: &Kmock) -> kube::Client {
    let kc = kube::config::Kubeconfig::read_from(k.kubeconfig()).unwrap();
    let cfg = kube::Config::from_custom_kubeconfig(kc, &Default::default())
        .await
        .unwrap();
    kube::Client::try_from(cfg).unwrap()
}

#[tokio::test]
async fn emulator_serves_preloaded_objects_injects_failures_and_survives_restart() {
    let mut k = Kmock::start(&json!([pod("shop", "web-1"), pod("shop", "web-2")]));
    let pods: Api<Pod> = Api::namespaced(client(&k).await, "shop");
    let list = pods.list(&ListParams::default()).await.unwrap();
    assert_eq!(list.items.len(), 2);

    k.fail_next(
        "DELETE",
        "/api/v1/namespaces/shop/pods/web-1",
        403,
        1,
        "pods is forbidden",
    );
    let err = pods.delete("web-1", &Default::default()).await.unwrap_err();
    assert!(err.to_string().contains("pods is forbidden"), "{err}");
    assert!(
        k.get("/api/v1/namespaces/shop/pods/web-1").is_some(),
        "a refused delete changes nothing"
    );
    pods.delete("web-1", &Default::default()).await.unwrap();
    assert!(k.get("/api/v1/namespaces/shop/pods/web-1").is_none());

    k.stop();
    assert!(pods.list(&ListParams::default()).await.is_err());
    k.restart();
    let pods: Api<Pod> = Api::namespaced(client(&k).await, "shop");
    let names: Vec<_> = pods
        .list(&ListParams::default())
        .await
        .unwrap()
        .items
        .into_iter()
        .filter_map(|p| p.metadata.name)
        .collect();
    assert_eq!(names, ["web-2"], "state survives a restart");
}
