//! A new critical alert is told to the terminal once; one that was already
//! firing when the console started never is. Real Prometheus and
//! Alertmanager; the bytes are read from the terminal stream itself (tmux
//! `pipe-pane`).

#[path = "../alerts/harness.rs"]
#[allow(dead_code)]
mod harness;

use super::Tmux;
use std::time::{Duration, Instant};

/// Prometheus' own view of its alerts: (alertname, state).
fn prometheus_alerts(url: &str) -> Vec<(String, String)> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let v: serde_json::Value = rt.block_on(async {
        match reqwest::get(format!("{url}/api/v1/alerts")).await {
            Ok(r) => r.json().await.unwrap_or_default(),
            Err(_) => serde_json::Value::Null,
        }
    });
    v["data"]["alerts"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|a| {
            (
                a["labels"]["alertname"].as_str().unwrap_or("").to_string(),
                a["state"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

fn wait(what: &str, limit: Duration, mut pred: impl FnMut() -> bool) {
    let start = Instant::now();
    while !pred() {
        assert!(start.elapsed() < limit, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn a_new_critical_alert_rings_once_and_one_firing_at_start_never() {
    let am_port = harness::free_port();
    let am = harness::Alertmanager::start(am_port);
    // CheckoutErrors starts firing 25 s from now: after the console is up.
    let fire_at = jiff::Timestamp::now().as_second() + 25;
    let later = format!(
        "  - name: later\n    rules:\n      - alert: CheckoutErrors\n        expr: vector(time()) > {fire_at}\n        for: 0s\n        labels:\n          severity: critical\n        annotations:\n          summary: \"checkout 5xx above 5%\"\n"
    );
    let prom = harness::Prometheus::start_with_rules(am_port, &later);
    // ServiceDown (critical) fires at once: firing before the console starts.
    wait("ServiceDown firing", Duration::from_secs(20), || {
        prometheus_alerts(&prom.url())
            .iter()
            .any(|(n, s)| n == "ServiceDown" && s == "firing")
    });
    let cfg = format!(
        "[kubernetes]\nenabled = false\n[docker]\nenabled = false\n\
         [[prometheus]]\nname = \"main\"\nurl = \"{}\"\ninterval = \"1s\"\n\
         [[alertmanager]]\nname = \"main\"\nurl = \"{}\"\ninterval = \"1s\"\n\
         [alerts.notify]\ncritical = \"notify\"\n",
        prom.url(),
        am.url()
    );
    let t = Tmux::start("bell", "", Some(&cfg));
    t.wait_for("the console", |s| s.contains("Workloads"));
    let out = t.dir.path().join("pipe.out");
    t.tmux(&["pipe-pane", "-o", &format!("cat >> {}", out.display())]);
    t.keys(&["3"]);
    t.wait_for("ServiceDown in the Alerts pane", |s| {
        s.contains("ServiceDown")
    });
    assert!(
        jiff::Timestamp::now().as_second() < fire_at - 2,
        "the console came up too late for the test to mean anything"
    );
    // The operator looks at another pane: the alert must reach them anyway.
    t.keys(&["1"]);
    let read = || String::from_utf8_lossy(&std::fs::read(&out).unwrap_or_default()).into_owned();
    wait(
        "the CheckoutErrors notification",
        Duration::from_secs(60),
        || read().contains("CheckoutErrors (critical)"),
    );
    // Several more polls from both sources: still told once.
    std::thread::sleep(Duration::from_secs(4));
    let stream = read();
    assert_eq!(
        stream
            .matches(
                "\x1bPtmux;\x1b\x1b]9;CheckoutErrors (critical): checkout 5xx above 5%\x07\x1b\\"
            )
            .count(),
        1,
        "OSC 9, wrapped for tmux, exactly once: {stream:?}"
    );
    assert_eq!(
        stream
            .matches("]777;notify;CheckoutErrors (critical);checkout 5xx above 5%\x07")
            .count(),
        1,
        "OSC 777 exactly once"
    );
    assert!(
        !stream.contains("ServiceDown (critical)"),
        "an alert firing at start must never ring: {stream:?}"
    );
    t.keys(&["q"]);
    t.wait_for("exit", |s| s.contains("WARROOM_DONE"));
}
