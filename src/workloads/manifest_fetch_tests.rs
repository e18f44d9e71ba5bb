use super::*;
use crate::workloads::demo;

fn now() -> jiff::Timestamp {
    "2026-03-14T03:12:00Z".parse().unwrap()
}

fn secret_id() -> ObjectId {
    ObjectId::new(ManifestKind::Secret, "toolboxai", demo::manifests::SECRET)
}

fn demo_lookup(id: &ObjectId) -> Lookup {
    Lookup::Demo(demo::manifest_object(now(), id))
}

fn audit_in(dir: &std::path::Path) -> RevealAudit {
    RevealAudit {
        audit: AuditLog::new(dir.join("audit.jsonl")),
        origin: "cli",
        location: "prod/toolboxai".into(),
        demo: true,
    }
}

/// Reveal `key` of the demo Secret.
fn reveal_demo(audit: &RevealAudit, key: &str, read_only: bool) -> Result<Vec<u8>, ManifestError> {
    let id = secret_id();
    block_on(reveal(demo_lookup(&id), &id, key, read_only, audit))
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(f)
}

#[test]
fn a_reveal_is_audited_with_key_and_size_never_the_value() {
    let dir = tempfile::tempdir().unwrap();
    let audit = audit_in(dir.path());
    let value = reveal_demo(&audit, "DATABASE_PASSWORD", false).unwrap();
    assert_eq!(value, b"demo-only-not-a-real-password");
    let entries = audit.audit.read_all();
    assert_eq!(entries.len(), 1);
    let e = &entries[0];
    assert_eq!(
        (e.action.as_str(), e.target.as_str(), e.result.as_str()),
        (REVEAL, "secret/backend-db", "ok")
    );
    assert_eq!(e.preview, "reveal key DATABASE_PASSWORD");
    assert_eq!(e.message, "value shown (29 bytes)");
    let raw = std::fs::read_to_string(audit.audit.path()).unwrap();
    assert!(!raw.contains("demo-only"), "{raw}");
}

#[test]
fn read_only_refuses_and_records_the_refusal() {
    let dir = tempfile::tempdir().unwrap();
    let audit = audit_in(dir.path());
    let r = reveal_demo(&audit, "DATABASE_PASSWORD", true);
    assert_eq!(r, Err(ManifestError::ReadOnly));
    let entries = audit.audit.read_all();
    assert_eq!(entries[0].result, "refused");
}

#[test]
fn no_audit_entry_means_no_value() {
    let dir = tempfile::tempdir().unwrap();
    // The log's directory is a file: the entry cannot be written.
    std::fs::write(dir.path().join("file"), "x").unwrap();
    let audit = audit_in(&dir.path().join("file"));
    let r = reveal_demo(&audit, "DATABASE_PASSWORD", false);
    assert!(matches!(r, Err(ManifestError::Audit(_))), "{r:?}");
    assert!(r.unwrap_err().hint().unwrap().contains("audit log"));
}

#[test]
fn a_missing_key_names_the_keys_there_are_and_only_secrets_reveal() {
    let dir = tempfile::tempdir().unwrap();
    let audit = audit_in(dir.path());
    let e = reveal_demo(&audit, "token", false).unwrap_err();
    assert_eq!(
        e.to_string(),
        "secret toolboxai/backend-db has no key \"token\" (it has: DATABASE_PASSWORD, DATABASE_USER)"
    );
    let dep = ObjectId::new(ManifestKind::Deployment, "toolboxai", "backend");
    let e = block_on(reveal(demo_lookup(&dep), &dep, "x", false, &audit)).unwrap_err();
    assert_eq!(e, ManifestError::NotASecret("deployment/backend".into()));
    assert_eq!(audit.audit.read_all().len(), 2, "failures are audited too");
}

#[test]
fn demo_manifests_come_from_the_estate_and_say_they_are_simulated() {
    let dep = ObjectId::new(ManifestKind::Deployment, "toolboxai", "backend");
    let m = block_on(fetch(demo_lookup(&dep), &dep, Syntax::Yaml)).unwrap();
    assert!(m.demo);
    assert!(m.text.contains("kind: Deployment"), "{}", m.text);
    assert!(m.text.contains("toolboxai/backend:2.15.0"), "{}", m.text);
    assert!(m.text.contains("warroom.dev/demo"), "{}", m.text);
    assert!(m.text.contains("name: backend-db"), "{}", m.text);
    assert!(!m.text.contains("null"), "{}", m.text);
    let pod = demo::objects(now())
        .into_iter()
        .find_map(|o| match o {
            crate::workloads::model::Object::Pod(p) if p.key.name.starts_with("backend-6f4d") => {
                Some(p.key.name.clone())
            }
            _ => None,
        })
        .unwrap();
    let pod = ObjectId::new(ManifestKind::Pod, "toolboxai", pod);
    let m = block_on(fetch(demo_lookup(&pod), &pod, Syntax::Yaml)).unwrap();
    assert!(m.text.contains("OOMKilled"), "{}", m.text);
    let secret = secret_id();
    let m = block_on(fetch(demo_lookup(&secret), &secret, Syntax::Yaml)).unwrap();
    assert_eq!(m.secret_keys, ["DATABASE_PASSWORD", "DATABASE_USER"]);
    assert!(!m.text.contains("ZGVtby"), "{}", m.text);
    let missing = ObjectId::new(ManifestKind::Deployment, "toolboxai", "nope");
    let e = block_on(fetch(demo_lookup(&missing), &missing, Syntax::Yaml)).unwrap_err();
    assert_eq!(e.to_string(), "no such deployment toolboxai/nope");
    assert_eq!(
        e.hint().as_deref(),
        Some("list them: kubectl get deployments -n toolboxai")
    );
}

#[test]
fn a_refusal_hint_names_the_permission_to_ask_for() {
    let e = ManifestError::Denied {
        resource: "secrets",
        scope: scope("shop"),
        reason: "RBAC: role viewer".into(),
    };
    assert_eq!(
        e.to_string(),
        "not allowed to get secrets in namespace shop: RBAC: role viewer"
    );
    assert_eq!(
        e.hint().unwrap(),
        "ask for RBAC `get` on `secrets` (check with `kubectl auth can-i get secrets -n shop`)"
    );
}

#[test]
fn a_revealed_value_never_shows_in_debug_output() {
    let v = RevealedValue::from("s3cr3t");
    assert_eq!(format!("{v:?}"), "<revealed, 6 bytes>");
}
