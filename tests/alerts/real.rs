//! The end-to-end story against real Prometheus and Alertmanager: a real
//! alert fires and is shown with its labels and annotations; a silence made
//! through warroom's action door lands in Alertmanager exactly as previewed
//! and the alert turns silenced; expiring it brings it back; Alertmanager
//! dying leaves Prometheus' alerts on screen and recovers when it returns.

use crate::console::Console;
use crate::harness::{self, Alertmanager, Prometheus};
use serde_json::Value;
use std::time::Duration;
use warroom::action::{ActionSpec, PreviewLine, Progress};
use warroom::pane::Pane;
use warroom::source::{SourceKind, SourceStatus};

async fn am_silences(am_url: &str) -> Vec<Value> {
    reqwest::get(format!("{am_url}/api/v2/silences"))
        .await
        .expect("GET silences")
        .json()
        .await
        .expect("silences JSON")
}

fn firing_from_both(c: &Console) -> bool {
    c.alerts("ServiceDown")
        .iter()
        .any(|a| a["state"] == "firing" && a["sources"].as_array().is_some_and(|s| s.len() == 2))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_alert_silence_expire_and_alertmanager_outage() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let am_port = harness::free_port();
    let mut am = Alertmanager::start(am_port);
    let prom = Prometheus::start(am_port);
    let tmp = tempfile::tempdir().unwrap();
    let cfg = harness::config(Some(&prom.url()), Some(&am.url()), tmp.path());
    let mut c = Console::start(&cfg);

    // 1. The alert appears, from both sources, with labels and annotations.
    c.wait(
        "ServiceDown firing from Prometheus and Alertmanager",
        60,
        firing_from_both,
    )
    .await;
    let a = &c.alerts("ServiceDown")[0];
    assert_eq!(a["severity"], "critical");
    assert_eq!(a["labels"]["job"], "dispatch");
    assert_eq!(a["labels"]["namespace"], "ridendine");
    assert_eq!(a["detail"], "dispatch is down", "summary annotation");
    assert_eq!(a["runbook_url"], "docs/runbooks/restart-service.md");
    assert_eq!(a["source"], "am:main,prom:main");
    // Its rule, from Prometheus' rules API, is graphed from the alert: the
    // expression, its window, when it fired.
    let ctx = warroom::pane::PaneCtx {
        read_only: false,
        now: jiff::Timestamp::now(),
    };
    let graph = warroom::pane::Input::Action(warroom::alerts::Action::Graph);
    let mut out = Pane::on_input(&mut c.pane, graph, &ctx);
    for _ in 0..5 {
        if matches!(out, warroom::pane::Outcome::Jump(_)) {
            break;
        }
        Pane::on_input(
            &mut c.pane,
            warroom::pane::Input::Nav(warroom::pane::Nav::Down),
            &ctx,
        );
        out = Pane::on_input(&mut c.pane, graph, &ctx);
    }
    match out {
        warroom::pane::Outcome::Jump(warroom::pane::Jump::Metrics {
            expr, from, fired, ..
        }) => {
            assert_eq!(expr, "up == 0", "the rule's own expression");
            let (from, fired) = (from.expect("a window"), fired.expect("when it fired"));
            assert_eq!(
                fired.duration_since(from).as_secs(),
                15 * 60,
                "15 minutes before"
            );
        }
        other => panic!("graph did not jump to the metrics pane: {other:?}"),
    }
    c.wait("the broken recording rule", 30, |c| {
        c.report()["problems"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["state"] == "broken_rule" && p["name"] == "broken:up")
    })
    .await;
    assert!(
        matches!(c.status(SourceKind::Alertmanager), Some(SourceStatus::Connected { detail }) if detail.contains("v0."))
    );
    // The status follows the data it describes.
    c.wait("Prometheus status naming the broken rule", 10, |c| {
        matches!(c.status(SourceKind::Prometheus), Some(SourceStatus::Connected { detail }) if detail.contains("1 broken"))
    })
    .await;

    // 2. Silence through the action door: the preview names exactly this alert.
    let spec = ActionSpec::Silence {
        matchers: vec!["alertname=ServiceDown".into(), r#"job=~"disp.*""#.into()],
        duration: Duration::from_secs(30 * 60),
        comment: "restarting dispatch (warroom test)".into(),
        alertmanager: Some("main".into()),
    };
    let preview = c.actions.preview(&spec).await.expect("silence preview");
    let affected: Vec<&String> = preview
        .lines
        .iter()
        .filter_map(|l| match l {
            PreviewLine::Removed(s) => Some(s),
            _ => None,
        })
        .collect();
    assert_eq!(affected.len(), 1, "{}", preview.to_text());
    assert!(affected[0].contains("ServiceDown"), "{}", preview.to_text());
    assert!(preview.blocked.is_none());
    let before = jiff::Timestamp::now();
    let outcome = c
        .actions
        .execute(&spec, &preview, "test", Progress::discard())
        .await
        .expect("silence created");
    let id = outcome
        .summary
        .split_whitespace()
        .nth(1)
        .expect("summary names the id")
        .to_string();

    // 3. It exists in Alertmanager as previewed.
    let silences = am_silences(&am.url()).await;
    let s = silences
        .iter()
        .find(|s| s["id"] == id.as_str())
        .unwrap_or_else(|| panic!("silence {id} not in Alertmanager: {silences:#?}"));
    assert_eq!(s["status"]["state"], "active");
    assert_eq!(s["comment"], "restarting dispatch (warroom test)");
    assert_eq!(s["createdBy"], warroom::identity::operator());
    let matchers = s["matchers"].as_array().unwrap();
    assert!(matchers.iter().any(|m| m["name"] == "alertname"
        && m["value"] == "ServiceDown"
        && m["isRegex"] == false
        && m["isEqual"] == true));
    assert!(
        matchers
            .iter()
            .any(|m| m["name"] == "job" && m["value"] == "disp.*" && m["isRegex"] == true)
    );
    let ends: jiff::Timestamp = s["endsAt"].as_str().unwrap().parse().unwrap();
    let secs = ends.as_second() - before.as_second();
    assert!((1790..=1810).contains(&secs), "ends {secs}s after creation");
    assert!(
        c.audit()
            .iter()
            .any(|e| e.action == "silence" && e.result == "ok")
    );

    // 4. The next poll shows it silenced (the handler nudges the worker).
    c.wait("ServiceDown silenced", 20, |c| {
        c.alerts("ServiceDown")
            .iter()
            .any(|a| a["state"] == "silenced" && a["silenced"] == true && a["acked"] == false)
    })
    .await;

    // 5. Expire it: Alertmanager says expired, the alert fires again.
    let expire = ActionSpec::ExpireSilence {
        id: id.clone(),
        alertmanager: None,
    };
    let preview = c.actions.preview(&expire).await.expect("expire preview");
    assert!(preview.blocked.is_none(), "{}", preview.to_text());
    assert!(
        preview.to_text().contains("ServiceDown"),
        "{}",
        preview.to_text()
    );
    c.actions
        .execute(&expire, &preview, "test", Progress::discard())
        .await
        .expect("silence expired");
    let silences = am_silences(&am.url()).await;
    let s = silences.iter().find(|s| s["id"] == id.as_str()).unwrap();
    assert_eq!(s["status"]["state"], "expired");
    c.wait("ServiceDown firing again", 20, firing_from_both)
        .await;
    let again = c.actions.preview(&expire).await.unwrap();
    assert!(again.blocked.unwrap().contains("already expired"));

    // 5b. Ack with the pane's key: a short silence that reads "acked", then
    // expire it with the pane's key (the focused alert's silence).
    let key = |c: &mut Console, action: warroom::alerts::Action| {
        let ctx = warroom::pane::PaneCtx {
            read_only: false,
            now: jiff::Timestamp::now(),
        };
        match warroom::pane::Pane::on_input(&mut c.pane, warroom::pane::Input::Action(action), &ctx)
        {
            warroom::pane::Outcome::Request(spec) => spec,
            o => panic!("{action:?}: {o:?}"),
        }
    };
    let ack = key(&mut c, warroom::alerts::Action::Ack);
    assert!(
        matches!(&ack, ActionSpec::Silence { comment, duration, alertmanager, .. }
            if comment.starts_with("ack by ") && *duration == Duration::from_secs(15 * 60)
                && alertmanager.as_deref() == Some("main")),
        "{ack:?}"
    );
    let preview = c.actions.preview(&ack).await.expect("ack preview");
    c.actions
        .execute(&ack, &preview, "test", Progress::discard())
        .await
        .expect("ack created");
    c.wait("ServiceDown acked", 20, |c| {
        c.alerts("ServiceDown")
            .iter()
            .any(|a| a["state"] == "silenced" && a["acked"] == true)
    })
    .await;
    let expire_ack = key(&mut c, warroom::alerts::Action::ExpireSilence);
    let preview = c
        .actions
        .preview(&expire_ack)
        .await
        .expect("expire preview");
    c.actions
        .execute(&expire_ack, &preview, "test", Progress::discard())
        .await
        .expect("ack expired");
    c.wait(
        "ServiceDown firing again after the ack",
        20,
        firing_from_both,
    )
    .await;

    // 6. Alertmanager dies: its source goes unreachable, Prometheus' alert stays.
    am.proc.kill();
    c.wait("am:main unreachable", 30, |c| {
        matches!(
            c.status(SourceKind::Alertmanager),
            Some(SourceStatus::Unreachable { .. })
        )
    })
    .await;
    match c.status(SourceKind::Alertmanager) {
        Some(SourceStatus::Unreachable { reason, hint }) => {
            assert!(reason.contains(&format!("127.0.0.1:{am_port}")), "{reason}");
            assert!(
                hint.contains("[[alertmanager]]") && hint.contains("main"),
                "{hint}"
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        c.status(SourceKind::Prometheus),
        Some(SourceStatus::Connected { .. })
    ));
    // The Alertmanager snapshot stays on screen, so "an alert is shown" proves
    // nothing: the alert must be vouched for by Prometheus (current, not
    // stale) while its Alertmanager side is marked stale.
    c.wait(
        "ServiceDown current from Prometheus, stale from Alertmanager",
        20,
        |c| {
            c.alerts("ServiceDown").iter().any(|a| {
                a["state"] == "firing"
                    && a["stale"] == false
                    && a["sources"]
                        .as_array()
                        .is_some_and(|s| s.iter().any(|s| s == "prom:main"))
                    && a["stale_sources"] == serde_json::json!(["am:main"])
            })
        },
    )
    .await;

    // 7. It comes back on the same port: the source recovers.
    let _am2 = Alertmanager::start(am_port);
    c.wait("am:main connected again", 60, |c| {
        matches!(
            c.status(SourceKind::Alertmanager),
            Some(SourceStatus::Connected { .. })
        )
    })
    .await;
    c.wait(
        "ServiceDown reported by the restarted Alertmanager, no longer stale",
        30,
        |c| {
            firing_from_both(c)
                && c.alerts("ServiceDown")
                    .iter()
                    .all(|a| a["stale_sources"] == serde_json::json!([]))
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn headless_silence_dry_run_previews_against_real_alertmanager() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let am_port = harness::free_port();
    let am = Alertmanager::start(am_port);
    let prom = Prometheus::start(am_port);
    let tmp = tempfile::tempdir().unwrap();
    let _cfg = harness::config(Some(&prom.url()), Some(&am.url()), tmp.path());
    // Wait for the alert to reach Alertmanager.
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        let alerts: Vec<Value> = reqwest::get(format!("{}/api/v2/alerts", am.url()))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if !alerts.is_empty() {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no alert reached Alertmanager"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_warroom"))
        .args(["--config"])
        .arg(tmp.path().join("config.toml"))
        .args([
            "action",
            "silence",
            "alertname=ServiceDown",
            "--duration",
            "30m",
            "--comment",
            "looking",
            "--dry-run",
        ])
        .env("WARROOM_DATA_DIR", tmp.path())
        .output()
        .expect("run warroom");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("Silence 1 current alert(s) on Alertmanager main"),
        "{stdout}"
    );
    assert!(stdout.contains("ServiceDown"), "{stdout}");
    assert!(stdout.contains("dry run: nothing was changed"), "{stdout}");
    assert!(
        am_silences(&am.url()).await.is_empty(),
        "a dry run creates nothing"
    );
}

/// The fingerprint a run records for the alert it came from is the one
/// Alertmanager itself shows, so the journal can be matched against it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_recorded_fingerprint_is_alertmanagers_own() {
    let am = Alertmanager::start(harness::free_port());
    let labels: std::collections::BTreeMap<String, String> = [
        ("alertname", "HighErrorRate"),
        ("deployment", "api"),
        ("namespace", "ridendine"),
        ("severity", "critical"),
        ("zone", "ünïcode \"quoted\""),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let client = reqwest::Client::new();
    let posted = client
        .post(format!("{}/api/v2/alerts", am.url()))
        .json(&serde_json::json!([{ "labels": labels }]))
        .send()
        .await
        .unwrap();
    assert!(posted.status().is_success(), "{}", posted.status());
    let alerts: Vec<Value> = client
        .get(format!("{}/api/v2/alerts", am.url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert_eq!(
        alerts[0]["fingerprint"].as_str().unwrap(),
        warroom::alerts::model::fingerprint(&labels)
    );
}
