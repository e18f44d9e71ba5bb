//! What the alerts pane hands an incident's timeline, from a real
//! Prometheus and Alertmanager evaluating a real rule: the alert firing
//! (at the time Prometheus says it became active) and resolving, each once,
//! and nothing for an alert that was already firing when the console
//! started.

use crate::console::Console;
use crate::harness::{self, Alertmanager, Prometheus};
use warroom::observed::Change;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_real_rule_firing_and_resolving_is_observed_once_each_at_its_times() {
    let am_port = harness::free_port();
    let _am = Alertmanager::start(am_port);
    // CheckoutErrors is true from 20 s after now for 20 s.
    let from = jiff::Timestamp::now().as_second() + 20;
    let until = from + 20;
    let rule = format!(
        "  - name: incident\n    rules:\n      - alert: CheckoutErrors\n        expr: vector(time()) > {from} and vector(time()) < {until}\n        for: 0s\n        labels:\n          severity: critical\n          namespace: shop\n        annotations:\n          summary: \"checkout 5xx above 5%\"\n"
    );
    let prom = Prometheus::start_with_rules(am_port, &rule);
    // ServiceDown fires at once: going on before the console starts.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let body = reqwest::get(format!("{}/api/v1/alerts", prom.url()))
            .await
            .expect("GET alerts")
            .text()
            .await
            .unwrap_or_default();
        if body.contains(r#""alertname":"ServiceDown""#) && body.contains(r#""state":"firing""#) {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "ServiceDown never fired: {body}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    let tmp = tempfile::tempdir().unwrap();
    let cfg = harness::config(
        Some(&prom.url()),
        Some(&format!("http://127.0.0.1:{am_port}")),
        tmp.path(),
    );
    let mut c = Console::start(&cfg);
    c.wait("CheckoutErrors resolved", 90, |c| {
        c.observed.iter().any(|o| {
            o.change == Change::AlertResolved && o.place.object.starts_with("alert/CheckoutErrors")
        })
    })
    .await;
    let mine: Vec<_> = c
        .observed
        .iter()
        .filter(|o| o.place.object.starts_with("alert/CheckoutErrors"))
        .collect();
    let changes: Vec<Change> = mine.iter().map(|o| o.change).collect();
    assert_eq!(
        changes,
        [Change::AlertFired, Change::AlertResolved],
        "{mine:#?}"
    );
    let fired = mine[0];
    assert_eq!(fired.place.namespace.as_deref(), Some("shop"));
    assert_eq!(fired.detail, "critical: checkout 5xx above 5%");
    let at = fired.at.as_second();
    assert!(
        (from..=from + 3).contains(&at),
        "fired at {at}, when Prometheus saw it true (after {from})"
    );
    assert!(mine[1].at.as_second() >= until, "resolved after {until}");
    assert!(
        !c.observed
            .iter()
            .any(|o| o.place.object.starts_with("alert/ServiceDown")),
        "ServiceDown was firing before the console looked: {:#?}",
        c.observed
    );
}
