//! The headless forms (`warroom action …`, `warroom report`) as an operator
//! runs them over SSH: the real binary, a kubeconfig pointing at the emulator.

use crate::fixtures;
use crate::kmock::Kmock;
use crate::output::text;
use std::process::{Command, Output, Stdio};

const DEP: &str = "/apis/apps/v1/namespaces/shop/deployments/checkout";

fn warroom(k: &Kmock, data: &std::path::Path, args: &[&str]) -> Output {
    let cfg = data.join("config.toml");
    std::fs::write(
        &cfg,
        "[kubernetes]\nnamespaces = [\"shop\"]\n[docker]\nenabled = false\n",
    )
    .unwrap();
    Command::new(env!("CARGO_BIN_EXE_warroom"))
        .args(["--config", cfg.to_str().unwrap()])
        .args(args)
        .env("KUBECONFIG", k.kubeconfig())
        .env("WARROOM_DATA_DIR", data)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

pub(crate) fn audit(data: &std::path::Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(data.join("audit.jsonl"))
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn headless_scale_and_undo_preview_then_apply_and_are_audited() {
    let k = Kmock::start(&fixtures::estate());
    let data = tempfile::tempdir().unwrap();

    let scale_to_5 = |mode: &[&str]| {
        let mut args = vec![
            "action",
            "scale",
            "deployment/checkout",
            "-n",
            "shop",
            "--replicas",
            "5",
        ];
        args.extend_from_slice(mode);
        warroom(&k, data.path(), &args)
    };

    // --dry-run prints the preview and changes nothing.
    let out = scale_to_5(&["--dry-run"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("from 3 to 5"), "{}", text(&out));
    assert_eq!(k.get(DEP).unwrap()["spec"]["replicas"], 3);

    // No --yes and no TTY: refused, nothing changed.
    let out = scale_to_5(&[]);
    assert!(!out.status.success());
    assert_eq!(k.get(DEP).unwrap()["spec"]["replicas"], 3);

    let out = scale_to_5(&["--yes"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(k.get(DEP).unwrap()["spec"]["replicas"], 5);

    let out = warroom(
        &k,
        data.path(),
        &[
            "action",
            "rollout-undo",
            "deployment/checkout",
            "-n",
            "shop",
            "--to-revision",
            "6",
            "--yes",
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        k.get(DEP).unwrap()["spec"]["template"]["spec"]["containers"][0]["image"],
        "shop/checkout:2.14.1"
    );

    let results: Vec<(String, String)> = audit(data.path())
        .iter()
        .map(|a| {
            (
                a["action"].as_str().unwrap().to_string(),
                a["result"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        results,
        [
            ("scale".to_string(), "dry-run".to_string()),
            ("scale".into(), "refused".into()),
            ("scale".into(), "ok".into()),
            ("rollout-undo".into(), "ok".into()),
        ]
    );
    let last = audit(data.path()).pop().unwrap();
    assert!(last["where"].as_str().unwrap().contains("shop"), "{last}");
    assert!(
        last["target"].as_str().unwrap().contains("checkout"),
        "{last}"
    );
}

#[test]
fn report_lists_workload_problems_read_from_the_cluster() {
    let k = Kmock::start(&fixtures::estate());
    let data = tempfile::tempdir().unwrap();
    let out = warroom(&k, data.path(), &["report", "--format", "json"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let v: serde_json::Value =
        serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&out)));
    let problems = v["workloads"]["problems"]
        .as_array()
        .expect("workloads section");
    let crash = problems
        .iter()
        .find(|p| p["name"] == "checkout-6f4d9c8b7-ccccc")
        .unwrap_or_else(|| panic!("crashlooping pod missing: {stdout}"));
    assert_eq!(crash["namespace"], "shop");
    assert!(
        crash["reason"]
            .as_str()
            .unwrap()
            .contains("CrashLoopBackOff"),
        "{crash}"
    );
    assert!(
        crash["detail"]
            .as_str()
            .unwrap()
            .contains("OOMKilled (137)"),
        "the last termination, not just the waiting reason: {crash}"
    );
    assert!(
        problems
            .iter()
            .any(|p| p["name"] == "checkout" && p["reason"] == "ProgressDeadlineExceeded"),
        "the stuck rollout is a problem too: {stdout}"
    );
    assert_eq!(out.status.code(), Some(1), "problems make the report fail");
}

#[test]
fn doctor_says_how_to_fix_refused_credentials_and_missing_rights() {
    let k = Kmock::start(&fixtures::estate());
    let data = tempfile::tempdir().unwrap();
    k.fail_next("GET", "/version", 401, 1, "Unauthorized");
    let out = warroom(&k, data.path(), &["doctor"]);
    assert!(!out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("Unauthorized (401)"), "{}", text(&out));
    assert!(
        text(&out).contains("expired token") && text(&out).contains("log in again"),
        "{}",
        text(&out)
    );

    k.fail_next(
        "GET",
        "/api/v1/namespaces/default/pods",
        403,
        1,
        "pods is forbidden: User \"dev\" cannot list resource \"pods\"",
    );
    let out = warroom(&k, data.path(), &["doctor"]);
    assert!(!out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("listing pods in default") && text(&out).contains("(403)"),
        "{}",
        text(&out)
    );
    assert!(
        text(&out).contains("kubectl auth can-i list pods"),
        "{}",
        text(&out)
    );
}
