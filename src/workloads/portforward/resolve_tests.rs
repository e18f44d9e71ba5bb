use super::*;
use serde_json::json;

fn pod(name: &str, phase: &str, ready_since: Option<&str>, restarts: i32, created: &str) -> Pod {
    let mut conditions = vec![];
    if let Some(t) = ready_since {
        conditions.push(json!({"type": "Ready", "status": "True", "lastTransitionTime": t}));
    } else {
        conditions.push(json!({"type": "Ready", "status": "False"}));
    }
    serde_json::from_value(json!({
        "metadata": {"name": name, "namespace": "ridendine", "creationTimestamp": created,
                     "labels": {"app": "api"}},
        "spec": {"nodeName": "node-a", "containers": [
            {"name": "api", "image": "ridendine/api:4.2.1",
             "ports": [{"name": "http", "containerPort": 8080}, {"name": "metrics", "containerPort": 9090}]},
            {"name": "envoy", "image": "envoyproxy/envoy:v1.31",
             "ports": [{"name": "admin", "containerPort": 9901}]}
        ]},
        "status": {"phase": phase, "conditions": conditions,
                   "containerStatuses": [{"name": "api", "ready": true, "restartCount": restarts,
                                           "image": "x", "imageID": "y"}]}
    }))
    .unwrap()
}

fn service() -> Service {
    serde_json::from_value(json!({
        "metadata": {"name": "api", "namespace": "ridendine"},
        "spec": {"selector": {"app": "api"}, "ports": [
            {"name": "web", "port": 80, "targetPort": "http"},
            {"name": "prom", "port": 9090, "targetPort": 9090},
            {"name": "raw", "port": 7000}
        ]}
    }))
    .unwrap()
}

fn spec(s: &str) -> Vec<PortSpec> {
    PortSpec::parse_list(s).unwrap()
}

fn pair(local: u16, remote: u16) -> PortPair {
    PortPair { local, remote }
}

#[test]
fn a_service_forwards_to_its_ready_pod_that_has_been_ready_longest() {
    let svc_target = ForwardTarget::new(TargetKind::Service, "api");
    let pods = [
        pod(
            "api-new",
            "Running",
            Some("2026-12-02T10:00:00Z"),
            0,
            "2026-12-02T09:59:00Z",
        ),
        pod("api-unready", "Running", None, 0, "2026-11-01T00:00:00Z"),
        pod(
            "api-old",
            "Running",
            Some("2026-12-01T08:00:00Z"),
            0,
            "2026-12-01T07:59:00Z",
        ),
        pod("api-pending", "Pending", None, 0, "2026-10-01T00:00:00Z"),
    ];
    let chosen = choose_pod(&svc_target, "ridendine", &pods).unwrap();
    assert_eq!(chosen.metadata.name.as_deref(), Some("api-old"));
    // A controller takes running pods even when none is ready.
    let deploy = ForwardTarget::new(TargetKind::Deployment, "api");
    let unready = [pods[1].clone(), pods[3].clone()];
    let chosen = choose_pod(&deploy, "ridendine", &unready).unwrap();
    assert_eq!(chosen.metadata.name.as_deref(), Some("api-unready"));
    let e = choose_pod(&svc_target, "ridendine", &unready).unwrap_err();
    assert_eq!(
        e.to_string(),
        "no ready pod behind service/api in namespace ridendine (2 pod(s), none ready)"
    );
    let e = choose_pod(&deploy, "ridendine", &[])
        .unwrap_err()
        .to_string();
    assert!(e.contains("its selector matches no pods"), "{e}");
}

#[test]
fn fewer_restarts_win_between_pods_ready_as_long() {
    let t = ForwardTarget::new(TargetKind::Deployment, "api");
    let pods = [
        pod(
            "api-flaky",
            "Running",
            Some("2026-12-01T08:00:00Z"),
            7,
            "2026-12-01T07:00:00Z",
        ),
        pod(
            "api-calm",
            "Running",
            Some("2026-12-01T08:00:00Z"),
            0,
            "2026-12-01T07:30:00Z",
        ),
    ];
    let chosen = choose_pod(&t, "ridendine", &pods).unwrap();
    assert_eq!(chosen.metadata.name.as_deref(), Some("api-calm"));
}

#[test]
fn service_ports_translate_to_target_ports_as_kubectl_does() {
    let p = pod(
        "api-old",
        "Running",
        Some("2026-12-01T08:00:00Z"),
        0,
        "2026-12-01T07:59:00Z",
    );
    let svc = service();
    // `80`: listen on the service port, forward to the named target port.
    assert_eq!(
        service_ports(&svc, &p, &spec("80")).unwrap(),
        [pair(80, 8080)]
    );
    // By service port name; local given, or any.
    assert_eq!(
        service_ports(&svc, &p, &spec("8080:web")).unwrap(),
        [pair(8080, 8080)]
    );
    assert_eq!(
        service_ports(&svc, &p, &spec("web")).unwrap(),
        [pair(80, 8080)]
    );
    assert_eq!(
        service_ports(&svc, &p, &spec(":prom")).unwrap(),
        [pair(0, 9090)]
    );
    // targetPort omitted: the service port itself.
    assert_eq!(
        service_ports(&svc, &p, &spec("7000")).unwrap(),
        [pair(7000, 7000)]
    );
    let e = service_ports(&svc, &p, &spec("8443")).unwrap_err();
    assert_eq!(
        e.to_string(),
        "service/api has no service port 8443 (it has: 80/web, 9090/prom, 7000/raw)"
    );
    assert_eq!(e.hint().as_deref(), Some("e.g. 8080:web"));
}

#[test]
fn pod_ports_take_container_port_names_from_every_container() {
    let p = pod(
        "api-old",
        "Running",
        Some("2026-12-01T08:00:00Z"),
        0,
        "2026-12-01T07:59:00Z",
    );
    assert_eq!(
        pod_ports(&p, &spec("http 0:admin 5005:5005")).unwrap(),
        [pair(8080, 8080), pair(0, 9901), pair(5005, 5005)]
    );
    let e = pod_ports(&p, &spec("grpc")).unwrap_err().to_string();
    assert_eq!(
        e,
        "pod/api-old has no container port named \"grpc\" (it has: 8080/http, 9090/metrics, 9901/admin)"
    );
}
