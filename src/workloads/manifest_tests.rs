use super::*;
use serde_json::json;

fn deployment() -> Value {
    json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": "checkout",
            "namespace": "shop",
            "uid": "8c1b2f0e-5d1a-4c3e-9a57-1d2f3e4a5b6c",
            "resourceVersion": "48213",
            "generation": 7,
            "creationTimestamp": "2024-05-01T10:00:00Z",
            "labels": {"app": "checkout", "version": "2.15.0"},
            "annotations": {
                "deployment.kubernetes.io/revision": "7",
                LAST_APPLIED: "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"checkout\"}}\n"
            },
            "managedFields": [{
                "manager": "kubectl-client-side-apply",
                "operation": "Update",
                "apiVersion": "apps/v1",
                "fieldsType": "FieldsV1",
                "fieldsV1": {"f:spec": {"f:replicas": {}}}
            }]
        },
        "spec": {
            "replicas": 3,
            "selector": {"matchLabels": {"app": "checkout"}},
            "template": {
                "metadata": {"labels": {"app": "checkout"}},
                "spec": {"containers": [{
                    "name": "checkout",
                    "image": "shop/checkout:2.15.0",
                    "env": [
                        {"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db-credentials", "key": "password"}}},
                        {"name": "PORT", "value": "8080"}
                    ],
                    "envFrom": [{"secretRef": {"name": "checkout-env"}}]
                }],
                "volumes": [{"name": "tls", "secret": {"secretName": "checkout-tls"}}],
                "imagePullSecrets": [{"name": "registry"}]}
            }
        },
        "status": {"replicas": 3, "readyReplicas": 1, "observedGeneration": 7}
    })
}

fn secret() -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "Opaque",
        "metadata": {
            "name": "db-credentials",
            "namespace": "shop",
            "annotations": {LAST_APPLIED: "{\"data\":{\"password\":\"czNjcjN0LXBhc3N3b3JkIQ==\"}}"},
            "managedFields": [{"manager": "kubectl", "operation": "Update"}]
        },
        // "s3cr3t-password!" (16 bytes), "admin" (5 bytes)
        "data": {"password": "czNjcjN0LXBhc3N3b3JkIQ==", "username": "YWRtaW4="},
        "stringData": {"note": "plain text"}
    })
}

fn id(kind: ManifestKind, name: &str) -> ObjectId {
    ObjectId::new(kind, "shop", name)
}

#[test]
fn managed_fields_are_dropped_and_last_applied_collapsed_to_its_size() {
    let m = project(
        id(ManifestKind::Deployment, "checkout"),
        deployment(),
        Syntax::Yaml,
    );
    assert!(!m.text.contains("managedFields"), "{}", m.text);
    assert!(!m.text.contains("kubectl-client-side-apply"), "{}", m.text);
    assert!(m.text.contains("replicas: 3"), "{}", m.text);
    assert!(m.text.contains("image: shop/checkout:2.15.0"), "{}", m.text);
    assert!(
        m.text
            .contains(&format!("{LAST_APPLIED}: <76 bytes omitted>")),
        "{}",
        m.text
    );
    // The rest parses back as the same object.
    let back: Value = serde_norway::from_str(&m.text).unwrap();
    assert_eq!(
        back["spec"]["template"]["spec"]["containers"][0]["env"][1]["value"],
        "8080"
    );
    assert_eq!(back["metadata"]["generation"], 7);
    assert!(m.secret_keys.is_empty());
}

#[test]
fn secret_values_are_shown_as_keys_and_decoded_sizes_only() {
    let m = project(
        id(ManifestKind::Secret, "db-credentials"),
        secret(),
        Syntax::Yaml,
    );
    assert!(
        m.text.contains("password: <redacted, 16 bytes>"),
        "{}",
        m.text
    );
    assert!(
        m.text.contains("username: <redacted, 5 bytes>"),
        "{}",
        m.text
    );
    assert!(m.text.contains("note: <redacted, 10 bytes>"), "{}", m.text);
    for value in ["czNjcjN0", "YWRtaW4", "plain text", "s3cr3t", "admin"] {
        assert!(!m.text.contains(value), "{value} leaked:\n{}", m.text);
    }
    assert_eq!(m.secret_keys, ["password", "username", "note"]);
    // JSON too.
    let j = project(
        id(ManifestKind::Secret, "db-credentials"),
        secret(),
        Syntax::Json,
    );
    assert!(
        j.text.contains("\"password\": \"<redacted, 16 bytes>\""),
        "{}",
        j.text
    );
    assert!(!j.text.contains("czNjcjN0"), "{}", j.text);
}

#[test]
fn secret_value_decodes_data_and_reads_string_data() {
    let s = secret();
    assert_eq!(
        secret_value(&s, "password").unwrap().unwrap(),
        b"s3cr3t-password!"
    );
    assert_eq!(secret_value(&s, "note").unwrap().unwrap(), b"plain text");
    assert!(secret_value(&s, "missing").is_none());
    let bad = json!({"kind": "Secret", "data": {"k": "!!!"}});
    assert!(secret_value(&bad, "k").unwrap().is_err());
    let mut v = bad;
    redact(&mut v);
    assert_eq!(v["data"]["k"], "<redacted, not base64>");
}

#[test]
fn hostile_strings_never_reach_the_terminal_raw() {
    let cm = json!({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "evil", "namespace": "shop",
                     "labels": {"x": "\u{1b}]0;pwned\u{7}title"}},
        "data": {
            "csi": "red\u{1b}[31mtext\u{1b}[0m",
            "osc52": "\u{1b}]52;c;ZXZpbA==\u{7}",
            "c1": "a\u{9b}2Jb",
            "multi": "line one\nline \u{1b}[2Ktwo\n"
        }
    });
    for syntax in [Syntax::Yaml, Syntax::Json] {
        let m = project(id(ManifestKind::ConfigMap, "evil"), cm.clone(), syntax);
        // Escaped by the emitter (`\e]52;…`) or removed: never a raw control byte.
        let raw = m
            .text
            .chars()
            .find(|c| (c.is_control() && *c != '\n') || ('\u{80}'..='\u{9f}').contains(c));
        assert_eq!(raw, None, "{:?}", m.text);
    }
}

#[test]
fn strings_that_need_quoting_are_quoted_and_round_trip() {
    let cases = [
        "",
        "8080",
        "1.10",
        "true",
        "no",
        "null",
        "~",
        "  leading spaces",
        "trailing space ",
        "key: value",
        "# not a comment",
        "a #hash",
        "- dash",
        "{flow}",
        "[list]",
        "*alias",
        "&anchor",
        "!tag",
        "%directive",
        "@at",
        "`tick",
        "'single'",
        "\"double\"",
        "multi\nline\n",
        "multi\nline no newline",
        "0x1F",
        "1e3",
        "2024-05-01",
        "yes",
        ":",
        "?",
    ];
    for s in cases {
        let obj = json!({"apiVersion": "v1", "kind": "ConfigMap",
                         "metadata": {"name": "q"}, "data": {"v": s}});
        let m = project(id(ManifestKind::ConfigMap, "q"), obj, Syntax::Yaml);
        let back: Value = serde_norway::from_str(&m.text)
            .unwrap_or_else(|e| panic!("{s:?} does not parse back: {e}\n{}", m.text));
        assert_eq!(
            back["data"]["v"],
            Value::String(s.into()),
            "{s:?}:\n{}",
            m.text
        );
    }
}

#[test]
fn a_huge_manifest_is_cut_with_a_note() {
    let big: serde_json::Map<String, Value> = (0..60_000)
        .map(|i| (format!("key-{i:06}"), Value::String("x".repeat(80))))
        .collect();
    let obj =
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "big"}, "data": big});
    let m = project(id(ManifestKind::ConfigMap, "big"), obj, Syntax::Yaml);
    assert!(m.text.len() <= MAX_BYTES + 200, "{}", m.text.len());
    assert!(
        m.text.lines().last().unwrap().contains("cut here"),
        "{}",
        m.text.lines().last().unwrap()
    );
}

#[test]
fn secret_references_are_found_on_their_lines() {
    let m = project(
        id(ManifestKind::Deployment, "checkout"),
        deployment(),
        Syntax::Yaml,
    );
    let refs = secret_refs(&m.text);
    let named: Vec<(&str, &str)> = m
        .text
        .lines()
        .zip(&refs)
        .filter_map(|(l, r)| r.as_deref().map(|r| (l.trim(), r)))
        .collect();
    assert!(
        named.contains(&("secretKeyRef:", "db-credentials")),
        "{named:?}\n{}",
        m.text
    );
    assert!(
        named.contains(&("name: db-credentials", "db-credentials")),
        "{named:?}"
    );
    assert!(
        named.contains(&("- secretRef:", "checkout-env")),
        "{named:?}\n{}",
        m.text
    );
    assert!(
        named.contains(&("secretName: checkout-tls", "checkout-tls")),
        "{named:?}"
    );
    assert!(
        named.contains(&("- name: registry", "registry")),
        "{named:?}\n{}",
        m.text
    );
    // A container's own name is not a Secret.
    assert!(!named.iter().any(|(_, r)| *r == "checkout"), "{named:?}");
}

#[test]
fn key_lines_of_a_secret_are_recognised() {
    let m = project(
        id(ManifestKind::Secret, "db-credentials"),
        secret(),
        Syntax::Yaml,
    );
    let keys: Vec<&str> = m
        .text
        .lines()
        .filter_map(|l| key_on_line(l, &m.secret_keys))
        .collect();
    assert_eq!(keys, ["password", "username", "note"]);
}

#[test]
fn kinds_parse_as_kubectl_names_them_and_paths_are_the_api_paths() {
    assert_eq!(
        ManifestKind::parse("deploy"),
        Some(ManifestKind::Deployment)
    );
    assert_eq!(ManifestKind::parse("Secrets"), Some(ManifestKind::Secret));
    assert_eq!(ManifestKind::parse("svc"), Some(ManifestKind::Service));
    assert_eq!(ManifestKind::parse("widget"), None);
    assert_eq!(
        id(ManifestKind::Deployment, "web").path(),
        "/apis/apps/v1/namespaces/shop/deployments/web"
    );
    assert_eq!(
        ObjectId::new(ManifestKind::Node, "shop", "n1").path(),
        "/api/v1/nodes/n1"
    );
    assert_eq!(
        id(ManifestKind::Secret, "a/b").path(),
        "/api/v1/namespaces/shop/secrets/a%2Fb"
    );
}
