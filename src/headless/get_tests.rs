//! `warroom get --demo`: the demo estate's manifests, and a reveal that is
//! audited (and refused read-only) like the live one. kmock tests in
//! `tests/workloads/manifest.rs` cover the cluster side.

use super::*;
use crate::cli::{Cli, Cmd};
use clap::Parser;

fn args(argv: &[&str]) -> GetArgs {
    let mut all = vec!["warroom", "get"];
    all.extend_from_slice(argv);
    match Cli::try_parse_from(all).unwrap().command {
        Some(Cmd::Get(a)) => a,
        other => panic!("not get: {other:?}"),
    }
}

/// Run `warroom get --demo ARGS`: exit code, stdout, stderr, audit entries.
fn demo(
    argv: &[&str],
    read_only: bool,
) -> (ExitCode, String, String, Vec<crate::audit::AuditEntry>) {
    let dir = tempfile::tempdir().unwrap();
    let audit = AuditLog::new(dir.path().join("audit.jsonl"));
    let (out, got) = Out::capture();
    let mode = Mode {
        demo: true,
        read_only,
        console: false,
    };
    let code = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(run_with(
            &Config::default(),
            mode,
            args(argv),
            audit.clone(),
            &out,
        ));
    (code, got.stdout.text(), got.stderr.text(), audit.read_all())
}

#[test]
fn demo_manifests_are_labelled_and_secrets_show_sizes() {
    let (code, stdout, stderr, _) = demo(&["deploy/backend"], false);
    assert_eq!(code, ExitCode::SUCCESS, "{stderr}");
    assert!(stderr.starts_with("DEMO:"), "{stderr}");
    assert!(stdout.contains("kind: Deployment"), "{stdout}");
    let (_, stdout, _, _) = demo(&["secret/backend-db", "-o", "json"], false);
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["data"]["DATABASE_USER"], "<redacted, 7 bytes>");
    let (code, _, stderr, _) = demo(&["deploy/nope"], false);
    assert_eq!(code, ExitCode::from(1));
    assert!(
        stderr.contains("error: no such deployment toolboxai/nope\n  hint: list them"),
        "{stderr}"
    );
}

#[test]
fn reveal_prints_the_value_once_audited_and_never_read_only() {
    let (code, stdout, _, audit) = demo(&["secret/backend-db", "--reveal", "DATABASE_USER"], false);
    assert_eq!(code, ExitCode::SUCCESS);
    assert_eq!(stdout, "backend\n");
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].result, "ok");
    assert_eq!(audit[0].location, "prod (DEMO)/toolboxai");
    let (code, stdout, stderr, audit) =
        demo(&["secret/backend-db", "--reveal", "DATABASE_USER"], true);
    assert_eq!(code, ExitCode::from(1));
    assert_eq!(stdout, "");
    assert!(stderr.contains("read-only mode"), "{stderr}");
    assert_eq!(audit[0].result, "refused");
    let (code, _, stderr, _) = demo(&["deploy/backend", "--reveal", "x"], false);
    assert_eq!(code, ExitCode::from(2), "{stderr}");
}

#[test]
fn kinds_are_kubectls_names_and_an_unknown_one_is_a_usage_error() {
    assert_eq!(args(&["deploy/web"]).target.kind, ManifestKind::Deployment);
    assert_eq!(args(&["cm/x"]).target.kind, ManifestKind::ConfigMap);
    let e = Cli::try_parse_from(["warroom", "get", "widget/x"]).unwrap_err();
    assert_eq!(e.exit_code(), 2);
    assert!(e.to_string().contains("unknown kind \"widget\""), "{e}");
    assert!(Cli::try_parse_from(["warroom", "get", "web"]).is_err());
}
