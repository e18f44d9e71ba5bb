//! Restart, stop and start through warroom's action door and the headless CLI.

use crate::harness::{Scope, docker};
use std::sync::Arc;
use std::time::Duration;
use warroom::action::{ActionSpec, Actions, Confirm, Domain, Progress};
use warroom::audit::AuditLog;
use warroom::containers::actions::LiveActions;
use warroom::containers::client::Endpoint;

fn door(dir: &std::path::Path, read_only: bool) -> Actions {
    let mut a = Actions::new(AuditLog::new(dir.join("audit.jsonl")), read_only, false);
    a.register(
        Domain::Docker,
        Arc::new(LiveActions {
            endpoint: Endpoint::resolve_with(Some("unix:///var/run/docker.sock"), None),
        }),
    );
    a
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restart_through_the_action_door_changes_started_at_and_is_audited() {
    let scope = Scope::new("restart");
    let name = scope.name("web");
    scope.healthy("web", &["--restart", "unless-stopped"]);
    scope.wait_inspect(
        &name,
        "{{.State.Health.Status}}",
        "healthy",
        Duration::from_secs(20),
    );
    let before = docker(&["inspect", "-f", "{{.State.StartedAt}}", &name]);
    let dir = tempfile::tempdir().unwrap();
    let actions = door(dir.path(), false);
    let spec = ActionSpec::ContainerRestart { name: name.clone() };
    let preview = actions.preview(&spec).await.unwrap();
    let text = preview.to_text();
    assert!(preview.blocked.is_none(), "{text}");
    assert_eq!(preview.confirm, Confirm::Yes);
    assert!(text.contains("now: running"), "{text}");
    assert!(text.contains("health healthy"), "{text}");
    assert!(text.contains("SIGTERM, then SIGKILL after 3s"), "{text}");
    let lines = Arc::new(std::sync::Mutex::new(Vec::new()));
    let l2 = lines.clone();
    let outcome = actions
        .execute(
            &spec,
            &preview,
            "test",
            Progress::new(move |l| l2.lock().unwrap().push(l)),
        )
        .await
        .unwrap();
    assert!(
        outcome.summary.contains("now running"),
        "{}",
        outcome.summary
    );
    let after = docker(&["inspect", "-f", "{{.State.StartedAt}}", &name]);
    assert_ne!(before, after, "restart changes State.StartedAt");
    assert!(
        !lines.lock().unwrap().is_empty(),
        "progress lines were streamed"
    );
    let audit = std::fs::read_to_string(dir.path().join("audit.jsonl")).unwrap();
    let entry: serde_json::Value = serde_json::from_str(audit.lines().last().unwrap()).unwrap();
    assert_eq!(entry["action"], "restart");
    assert_eq!(entry["target"], format!("container/{name}"));
    assert_eq!(entry["result"], "ok");

    // Stop asks for the name; the preview says the policy will not bring it back.
    let stop = ActionSpec::ContainerStop { name: name.clone() };
    let p = actions.preview(&stop).await.unwrap();
    assert_eq!(p.confirm, Confirm::Typed(name.clone()));
    assert!(
        p.to_text()
            .contains("unless-stopped: it will NOT come back"),
        "{}",
        p.to_text()
    );

    // Read-only refuses before touching anything.
    let ro = door(dir.path(), true);
    let err = ro.preview(&spec).await.unwrap_err();
    assert!(
        matches!(
            err,
            warroom::action::ActionError::ReadOnly { verb: "restart" }
        ),
        "{err}"
    );

    // A missing container is blocked, not attempted.
    let ghost = ActionSpec::ContainerRestart {
        name: "wrt-ghost".into(),
    };
    let p = actions.preview(&ghost).await.unwrap();
    assert!(p.blocked.unwrap().contains("no container named wrt-ghost"));
}

fn warroom(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    crate::harness::warroom(dir)
        .args(args)
        .output()
        .expect("run warroom")
}

#[test]
fn headless_stop_and_start_with_yes_and_dry_run() {
    let scope = Scope::new("headless");
    let name = scope.name("worker");
    scope.healthy("worker", &[]);
    let dir = tempfile::tempdir().unwrap();
    let target = format!("container/{name}");
    let out = warroom(dir.path(), &["action", "stop", &target, "--yes"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        docker(&["inspect", "-f", "{{.State.Status}}", &name]),
        "exited"
    );
    let out = warroom(dir.path(), &["action", "start", &target, "--dry-run"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("Start container"), "{stdout}");
    assert_eq!(
        docker(&["inspect", "-f", "{{.State.Status}}", &name]),
        "exited",
        "dry run changes nothing"
    );
    let out = warroom(
        dir.path(),
        &["--read-only", "action", "start", &target, "--yes"],
    );
    assert!(!out.status.success(), "read-only refuses");
    // Refused for the right reason, and saying so (not any other failure).
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(said.contains("read-only"), "{said}");
    let out = warroom(dir.path(), &["action", "start", &target, "--yes"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        docker(&["inspect", "-f", "{{.State.Status}}", &name]),
        "running"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_container_is_not_found_and_a_dead_engine_unreachable() {
    use warroom::action::{ActionError, ActionHandler};
    let live = LiveActions {
        endpoint: Endpoint::resolve_with(Some("unix:///var/run/docker.sock"), None),
    };
    let ghost = ActionSpec::ContainerRestart {
        name: "wrt-ghost-never-created".into(),
    };
    let err = live.execute(&ghost, Progress::discard()).await.unwrap_err();
    assert!(
        matches!(&err, ActionError::NotFound(m) if m.contains("nothing was changed")),
        "{err:?}"
    );

    let host = format!("tcp://127.0.0.1:{}", crate::harness::dead_port());
    let dead = LiveActions {
        endpoint: Endpoint::resolve_with(Some(&host), None),
    };
    let err = dead.preview(&ghost).await.unwrap_err();
    assert!(
        matches!(&err, ActionError::Unreachable(m) if m.contains(&host)),
        "{err:?}"
    );
    assert!(err.hint().is_some_and(|h| h.contains("warroom doctor")));
}
