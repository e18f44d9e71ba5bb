//! A wrong host: a clear error with the setting to fix, and nothing panics.

use crate::harness::{Running, dead_port};
use std::time::Duration;
use warroom::containers::Command;
use warroom::containers::client::Endpoint;
use warroom::containers::worker::LiveWorker;
use warroom::event::Update;
use warroom::logs::{LogTarget, Update as LUpdate};
use warroom::source::{SourceStatus, Worker};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_host_is_unreachable_with_the_reason_and_the_fix() {
    let host = format!("tcp://127.0.0.1:{}", dead_port());
    let mut w = Running::start(&host);
    w.wait_for("Loading", Duration::from_secs(5), |u| {
        matches!(
            u,
            Update::Status {
                status: SourceStatus::Loading,
                ..
            }
        )
        .then_some(())
    })
    .await;
    let (reason, hint) = w
        .wait_for("Unreachable", Duration::from_secs(15), |u| match u {
            Update::Status {
                status: SourceStatus::Unreachable { reason, hint },
                ..
            } => Some((reason.clone(), hint.clone())),
            _ => None,
        })
        .await;
    assert!(reason.contains(&host), "{reason}");
    assert!(
        reason.to_lowercase().contains("refused") || reason.contains("connect"),
        "{reason}"
    );
    assert!(hint.contains("[docker] host"), "{hint}");
    // Commands still get answers while it retries.
    w.send(Command::StreamLogs {
        name: "web".into(),
        follow: true,
        since_seconds: None,
        tail_lines: Some(10),
    });
    let err = w
        .wait_for("log Ended", Duration::from_secs(10), |u| match u {
            Update::Logs(LUpdate::Ended {
                target: LogTarget::Container { name },
                error,
            }) if name == "web" => error.clone(),
            _ => None,
        })
        .await;
    assert!(err.contains("Docker engine unavailable"), "{err}");
    assert!(w.is_running(), "the worker retries instead of exiting");

    let worker = LiveWorker {
        endpoint: Endpoint::resolve_with(Some(&host), None),
    };
    let probe = worker.probe().await;
    assert!(!probe.ok);
    assert!(probe.detail.contains(&host), "{}", probe.detail);

    // A port in an ssh:// URL would be lost on the way to ssh: refused with the fix.
    let ssh = LiveWorker {
        endpoint: Endpoint::resolve_with(Some("ssh://ops@127.0.0.1:2222"), None),
    };
    let probe = ssh.probe().await;
    assert!(
        !probe.ok && probe.hint.contains("~/.ssh/config"),
        "{probe:?}"
    );
}

#[test]
fn doctor_names_the_docker_host_that_failed() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("config.toml");
    let host = format!("tcp://127.0.0.1:{}", dead_port());
    std::fs::write(
        &cfg,
        format!("[kubernetes]\nenabled = false\n[docker]\nhost = \"{host}\"\n"),
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_warroom"))
        .arg("doctor")
        .env("WARROOM_CONFIG", &cfg)
        .env("WARROOM_DATA_DIR", dir.path().join("data"))
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!out.status.success(), "{text}");
    assert!(text.contains(&host), "{text}");
    assert!(!text.contains("panicked"), "{text}");
}
