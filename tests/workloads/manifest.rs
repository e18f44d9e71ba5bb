//! `warroom get` against the emulator over real HTTP: one reviewed GET,
//! managedFields dropped, Secret values shown as sizes, a reveal that is
//! audited (never the value), refused read-only, and sanitised.

use crate::kmock::Kmock;
use crate::output::text;
use serde_json::{Value, json};
use std::process::Output;

/// base64 of `s`.
fn b64(s: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(s)
}

fn objects() -> Value {
    json!([
        {"apiVersion": "apps/v1", "kind": "Deployment",
         "metadata": {"name": "web", "namespace": "shop", "labels": {"app": "web"},
                      "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{\"kind\":\"Deployment\"}"},
                      "managedFields": [{"manager": "kubectl-client-side-apply", "operation": "Update",
                                         "fieldsType": "FieldsV1", "fieldsV1": {"f:spec": {}}}]},
         "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}},
                  "template": {"metadata": {"labels": {"app": "web"}},
                               "spec": {"containers": [{"name": "web", "image": "shop/web:1.4.2"}]}}}},
        {"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
         "metadata": {"name": "db", "namespace": "shop",
                      "managedFields": [{"manager": "kubectl", "operation": "Update"}]},
         "data": {"password": b64("s3cr3t-Pa55"),
                  "banner": b64("hi\u{1b}]52;c;ZXZpbA==\u{7}there\u{1b}[2J")}}
    ])
}

struct Run {
    out: Output,
    audit: Vec<Value>,
    audit_text: String,
}

fn warroom(k: &Kmock, args: &[&str]) -> Run {
    let (out, data) = crate::support::warroom_cli(k, "", args);
    let audit_text = std::fs::read_to_string(data.path().join("audit.jsonl")).unwrap_or_default();
    let audit = audit_text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    Run {
        out,
        audit,
        audit_text,
    }
}

fn stdout(r: &Run) -> String {
    String::from_utf8_lossy(&r.out.stdout).into_owned()
}

fn stderr(r: &Run) -> String {
    String::from_utf8_lossy(&r.out.stderr).into_owned()
}

/// GETs of `path` that reached the emulator.
fn gets(k: &Kmock, path: &str) -> usize {
    k.requests()
        .iter()
        .filter(|r| r["method"] == "GET" && r["path"] == path)
        .count()
}

const SECRET: &str = "/api/v1/namespaces/shop/secrets/db";

#[test]
fn get_shows_yaml_without_managed_fields_and_json_that_parses() {
    let k = Kmock::start(&objects());
    let r = warroom(&k, &["get", "deploy/web", "-n", "shop"]);
    assert!(r.out.status.success(), "{}", text(&r.out));
    let yaml = stdout(&r);
    assert!(yaml.contains("kind: Deployment"), "{yaml}");
    assert!(yaml.contains("replicas: 3"), "{yaml}");
    assert!(yaml.contains("image: shop/web:1.4.2"), "{yaml}");
    assert!(!yaml.contains("managedFields"), "{yaml}");
    assert!(!yaml.contains("kubectl-client-side-apply"), "{yaml}");
    assert!(yaml.contains("<21 bytes omitted>"), "{yaml}");
    assert_eq!(
        gets(&k, "/apis/apps/v1/namespaces/shop/deployments/web"),
        1,
        "one GET"
    );
    let r = warroom(&k, &["get", "deployment/web", "-n", "shop", "-o", "json"]);
    assert!(r.out.status.success(), "{}", text(&r.out));
    let v: Value = serde_json::from_slice(&r.out.stdout).unwrap();
    assert_eq!(v["metadata"]["name"], "web");
    assert_eq!(v["spec"]["replicas"], 3);
    assert!(v["metadata"].get("managedFields").is_none(), "{v:#}");
}

#[test]
fn a_secret_shows_keys_and_sizes_never_its_values() {
    let k = Kmock::start(&objects());
    let r = warroom(&k, &["get", "secret/db", "-n", "shop"]);
    assert!(r.out.status.success(), "{}", text(&r.out));
    let yaml = stdout(&r);
    assert!(yaml.contains("password: <redacted, 11 bytes>"), "{yaml}");
    assert!(yaml.contains("banner: <redacted, 27 bytes>"), "{yaml}");
    for leak in ["s3cr3t", &b64("s3cr3t-Pa55"), "there"] {
        assert!(!yaml.contains(leak), "{leak} leaked: {yaml}");
    }
    assert!(r.audit.is_empty(), "showing sizes is not a reveal");
}

#[test]
fn reveal_prints_the_value_after_writing_an_audit_entry_without_it() {
    let k = Kmock::start(&objects());
    let r = warroom(
        &k,
        &["get", "secret/db", "-n", "shop", "--reveal", "password"],
    );
    assert!(r.out.status.success(), "{}", text(&r.out));
    assert_eq!(stdout(&r), "s3cr3t-Pa55\n");
    assert_eq!(r.audit.len(), 1, "{}", r.audit_text);
    let e = &r.audit[0];
    assert_eq!(e["action"], "reveal-secret");
    assert_eq!(e["target"], "secret/db");
    assert_eq!(e["where"], "kmock/shop");
    assert_eq!(e["origin"], "cli");
    assert_eq!(e["result"], "ok");
    assert_eq!(e["preview"], "reveal key password");
    assert!(e["who"].as_str().unwrap().contains('@'), "{e}");
    assert!(!r.audit_text.contains("s3cr3t"), "{}", r.audit_text);
    assert!(
        !r.audit_text.contains(&b64("s3cr3t-Pa55")),
        "{}",
        r.audit_text
    );

    // A key the Secret lacks: named with the keys it has, audited as an error.
    let r = warroom(&k, &["get", "secret/db", "-n", "shop", "--reveal", "token"]);
    assert_eq!(r.out.status.code(), Some(1), "{}", text(&r.out));
    assert!(
        stderr(&r).contains("has no key \"token\" (it has: banner, password)"),
        "{}",
        stderr(&r)
    );
    assert_eq!(r.out.stdout, b"");
    assert_eq!(r.audit[0]["result"], "error");
}

#[test]
fn reveal_is_refused_read_only_before_the_cluster_is_asked() {
    let k = Kmock::start(&objects());
    let r = warroom(
        &k,
        &[
            "--read-only",
            "get",
            "secret/db",
            "-n",
            "shop",
            "--reveal",
            "password",
        ],
    );
    assert_eq!(r.out.status.code(), Some(1), "{}", text(&r.out));
    assert_eq!(r.out.stdout, b"", "nothing printed");
    assert!(stderr(&r).contains("read-only mode"), "{}", stderr(&r));
    assert_eq!(gets(&k, SECRET), 0, "the secret was not read");
    assert_eq!(r.audit[0]["result"], "refused");
    // Reading the manifest (sizes only) is still allowed read-only.
    let r = warroom(&k, &["--read-only", "get", "secret/db", "-n", "shop"]);
    assert!(r.out.status.success(), "{}", text(&r.out));
}

#[test]
fn a_value_with_escape_sequences_is_never_printed_raw() {
    let k = Kmock::start(&objects());
    let r = warroom(
        &k,
        &["get", "secret/db", "-n", "shop", "--reveal", "banner"],
    );
    assert!(r.out.status.success(), "{}", text(&r.out));
    let raw = &r.out.stdout;
    assert!(
        !raw.iter().any(|b| *b == 0x1b || *b == 0x07),
        "{}",
        crate::output::printable(raw)
    );
    let shown = stdout(&r);
    assert!(
        shown.starts_with("hi") && shown.contains("there"),
        "{shown:?}"
    );
}

#[test]
fn not_found_unknown_kind_and_rbac_denial_exit_as_documented() {
    let k = Kmock::start(&objects());
    let r = warroom(&k, &["get", "deploy/nope", "-n", "shop"]);
    assert_eq!(r.out.status.code(), Some(1), "{}", text(&r.out));
    assert_eq!(
        stderr(&r),
        "error: no such deployment shop/nope\n  hint: list them: kubectl get deployments -n shop\n"
    );
    let r = warroom(&k, &["get", "widget/x", "-n", "shop"]);
    assert_eq!(r.out.status.code(), Some(2), "{}", text(&r.out));
    assert!(
        stderr(&r).contains("unknown kind \"widget\""),
        "{}",
        stderr(&r)
    );

    k.deny(
        "get",
        "secrets",
        Some("shop"),
        "RBAC: role \"viewer\" cannot get secrets",
    );
    let r = warroom(&k, &["get", "secret/db", "-n", "shop"]);
    assert_eq!(r.out.status.code(), Some(1), "{}", text(&r.out));
    let err = stderr(&r);
    assert!(
        err.contains(
            "error: not allowed to get secrets in namespace shop: RBAC: role \"viewer\" cannot get secrets"
        ),
        "{err}"
    );
    assert!(
        err.contains("kubectl auth can-i get secrets -n shop"),
        "{err}"
    );
    assert_eq!(gets(&k, SECRET), 0, "refused before the GET");
    let r = warroom(
        &k,
        &["get", "secret/db", "-n", "shop", "--reveal", "password"],
    );
    assert_eq!(r.out.status.code(), Some(1), "{}", text(&r.out));
    assert_eq!(r.out.stdout, b"");
    assert_eq!(r.audit[0]["result"], "refused");
}

#[test]
fn an_unreachable_cluster_is_exit_1_with_the_hint() {
    let mut k = Kmock::start(&objects());
    k.stop();
    let r = warroom(&k, &["get", "deploy/web", "-n", "shop"]);
    assert_eq!(r.out.status.code(), Some(1), "{}", text(&r.out));
    let err = stderr(&r);
    assert!(err.starts_with("error: "), "{err}");
    assert!(err.contains("  hint: check [kubernetes] context"), "{err}");
}

/// The console's path: the live worker answers `Command::Manifest` over
/// HTTP — a fetch, a reveal audited as `tui` (never the value), and a
/// reveal the access review refuses.
#[tokio::test]
async fn the_console_worker_fetches_and_reveals_with_an_audit_entry() {
    use warroom::workloads::Command;
    use warroom::workloads::manifest::{ManifestKind, ObjectId};
    use warroom::workloads::manifest_fetch::{Answer, ManifestError, Request};
    let k = Kmock::start(&objects());
    let mut r = crate::support::Running::start(&k, &["shop"]);
    r.connected().await;
    let dep = ObjectId::new(ManifestKind::Deployment, "shop", "web");
    r.commands
        .send(Command::Manifest(Request::Fetch(dep.clone())))
        .unwrap();
    r.until("the manifest", 10, |r| !r.manifests.is_empty())
        .await;
    let Some(Answer::Fetched { id, result: Ok(m) }) = r.manifests.pop() else {
        panic!("not fetched: {:?}", r.manifests)
    };
    assert_eq!(id, dep);
    assert!(m.text.contains("replicas: 3") && !m.text.contains("managedFields"));

    let secret = ObjectId::new(ManifestKind::Secret, "shop", "db");
    let reveal = |key: &str| {
        Command::Manifest(Request::Reveal {
            id: secret.clone(),
            key: key.into(),
        })
    };
    r.commands.send(reveal("password")).unwrap();
    r.until("the value", 10, |r| !r.manifests.is_empty()).await;
    let Some(Answer::Revealed { key, result, .. }) = r.manifests.pop() else {
        panic!("not revealed")
    };
    assert_eq!(
        (key.as_str(), result),
        ("password", Ok("s3cr3t-Pa55".into()))
    );
    let audit = std::fs::read_to_string(r.audit_dir.path().join("audit.jsonl")).unwrap();
    let entry: Value = serde_json::from_str(audit.lines().last().unwrap()).unwrap();
    assert_eq!(
        (
            &entry["action"],
            &entry["origin"],
            &entry["where"],
            &entry["result"]
        ),
        (
            &json!("reveal-secret"),
            &json!("tui"),
            &json!("kmock/shop"),
            &json!("ok")
        )
    );
    assert!(!audit.contains("s3cr3t"), "{audit}");

    // A value carrying escape sequences reaches the viewer sanitised.
    r.commands.send(reveal("banner")).unwrap();
    r.until("the banner", 10, |r| !r.manifests.is_empty()).await;
    let Some(Answer::Revealed {
        result: Ok(banner), ..
    }) = r.manifests.pop()
    else {
        panic!("banner not revealed")
    };
    assert!(
        banner.0.starts_with("hi") && !banner.0.contains(['\u{1b}', '\u{7}']),
        "{}",
        crate::output::printable(banner.0.as_bytes())
    );

    k.deny("get", "secrets", Some("shop"), "RBAC: no secrets for you");
    r.commands.send(reveal("password")).unwrap();
    r.until("the refusal", 10, |r| !r.manifests.is_empty())
        .await;
    let Some(Answer::Revealed { result, .. }) = r.manifests.pop() else {
        panic!("not answered")
    };
    assert!(
        matches!(
            &result,
            Err(ManifestError::Denied {
                resource: "secrets",
                ..
            })
        ),
        "{result:?}"
    );
    let audit = std::fs::read_to_string(r.audit_dir.path().join("audit.jsonl")).unwrap();
    assert!(
        audit
            .lines()
            .last()
            .unwrap()
            .contains("\"result\":\"refused\""),
        "{audit}"
    );
}
