//! report, doctor, logs, actions and config against hostile sources.

use crate::alerts_harness::{Alertmanager, Prometheus, free_port};
use crate::{EVIL, Env, Findings, fakes, shows_marker};
use serde_json::json;

/// A rule group whose alert carries controls in its labels and
/// annotations (the YAML escapes \e, \a, \x9b and \x7f).
const HOSTILE_RULES: &str = r#"  - name: hostile
    rules:
      - alert: HostileDown
        expr: up == 0
        for: 0s
        labels:
          severity: critical
          team: "HOSTILE\e]52;c;Y3VybA==\a\x9b2J\x7f"
        annotations:
          summary: "HOSTILE\e]0;pwned\a \e[31mred\e[0m \x9b2J \x85 \x7f"
          description: "HOSTILE\ePdcs\e\\ bell\a"
"#;

/// Wait until the real Prometheus fires the hostile rule, so its labels and
/// annotations are in what warroom reads.
async fn firing(prom: &str) {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let alerts = reqwest::get(format!("{prom}/api/v1/alerts"))
            .await
            .expect("ask Prometheus for its alerts")
            .text()
            .await
            .unwrap_or_default();
        if alerts.contains("HostileDown") && alerts.contains("firing") {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "Prometheus does not fire HostileDown within 30s: {alerts}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

/// Hostile alerts and a hostile silence, posted to the real Alertmanager
/// the way any client may; returns the silence's id.
async fn poison(am: &str) -> String {
    let http = reqwest::Client::new();
    let now = jiff::Timestamp::now();
    let later = now + jiff::SignedDuration::from_secs(3600);
    let posted = http
        .post(format!("{am}/api/v2/alerts"))
        .json(&json!([{
            "labels": {"alertname": EVIL, "severity": "critical", "namespace": EVIL},
            "annotations": {"summary": EVIL, "description": EVIL, "runbook_url": EVIL},
            "startsAt": now.to_string(), "endsAt": later.to_string(), "generatorURL": "http://prom/graph"
        }]))
        .send()
        .await
        .expect("post alerts to Alertmanager");
    assert!(posted.status().is_success(), "{:?}", posted.text().await);
    let silence: serde_json::Value = http
        .post(format!("{am}/api/v2/silences"))
        .json(&json!({
            "matchers": [{"name": "namespace", "value": EVIL, "isRegex": false, "isEqual": true}],
            "startsAt": now.to_string(), "endsAt": later.to_string(),
            "createdBy": EVIL, "comment": EVIL
        }))
        .send()
        .await
        .expect("post a silence to Alertmanager")
        .json()
        .await
        .expect("Alertmanager answers with the silence id");
    silence["silenceID"]
        .as_str()
        .expect("silenceID")
        .to_string()
}

fn config(real_prom: &str, real_am: &str, fake_prom: &str, fake_am: &str, loki: &str) -> String {
    // A hostile endpoint name too: it is printed in every source line.
    format!(
        r#"[kubernetes]
enabled = false
[docker]
host = "unix:///var/run/docker.sock"
[general]
source_timeout = "20s"
[[prometheus]]
name = "real"
url = "{real_prom}"
interval = "1s"
[[prometheus]]
name = "fake\u001b]0;HOSTILE\u0007\u009b"
url = "{fake_prom}"
interval = "1s"
[[alertmanager]]
name = "real"
url = "{real_am}"
interval = "1s"
[[alertmanager]]
name = "fake"
url = "{fake_am}"
interval = "1s"
[loki]
url = "{loki}"
"#
    )
}

/// Every string in a JSON document.
fn strings(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::String(s) => out.push(s.clone()),
        serde_json::Value::Array(a) => a.iter().for_each(|v| strings(v, out)),
        serde_json::Value::Object(o) => o.iter().for_each(|(k, v)| {
            out.push(k.clone());
            strings(v, out)
        }),
        _ => {}
    }
}

/// JSON output (one document, or JSONL) is still JSON and still holds the
/// hostile data, escaped.
fn keeps_data(stdout: &[u8], what: &str) {
    let text = String::from_utf8_lossy(stdout);
    let docs: Vec<serde_json::Value> = match serde_json::from_str(&text) {
        Ok(v) => vec![v],
        Err(_) => text
            .lines()
            .map(|l| {
                serde_json::from_str(l).unwrap_or_else(|e| panic!("{what}: not JSON ({e}): {l}"))
            })
            .collect(),
    };
    let mut all = Vec::new();
    docs.iter().for_each(|v| strings(v, &mut all));
    assert!(
        all.iter()
            .any(|s| s.contains('\u{9b}') && s.contains('\u{1b}')),
        "{what}: the controls are not kept as data in the JSON"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn every_headless_command_is_terminal_safe_against_hostile_sources() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let am = Alertmanager::start(free_port());
    let prom = Prometheus::start_with_rules(am.port, HOSTILE_RULES);
    let real_silence = poison(&am.url()).await;
    firing(&prom.url()).await;
    let (fake_prom, fake_am, loki) = (
        fakes::prometheus().await,
        fakes::alertmanager().await,
        fakes::loki().await,
    );
    let container = crate::docker::Hostile::start();
    let env = Env::new(&config(
        &prom.url(),
        &am.url(),
        &fake_prom.uri(),
        &fake_am.uri(),
        &loki.uri(),
    ));
    let c = format!("container/{}", container.name);
    let logs_of = format!("container:{}", container.name);
    let q = r#"{app="api"}"#;
    let mut found = Findings::default();

    let md = found.run(&env, &["report", "--format", "md"]);
    shows_marker(&md, "report --format md");
    let js = found.run(&env, &["report", "--format", "json"]);
    keeps_data(&js.stdout, "report --format json");
    shows_marker(&found.run(&env, &["doctor"]), "doctor");
    for output in ["default", "raw"] {
        let out = found.run(&env, &["logs", q, "--since", "1h", "--output", output]);
        shows_marker(&out, output);
    }
    let jsonl = found.run(&env, &["logs", q, "--since", "1h", "--output", "jsonl"]);
    keeps_data(&jsonl.stdout, "logs --output jsonl");
    let from_container = found.run(&env, &["logs", "--source", &logs_of, "--since", "1h"]);
    shows_marker(&from_container, "logs --source container");
    for args in [
        ["action", "restart", c.as_str(), "--dry-run"],
        ["action", "expire-silence", "fake-1", "--dry-run"],
        [
            "action",
            "expire-silence",
            real_silence.as_str(),
            "--dry-run",
        ],
        ["action", "expire-silence", real_silence.as_str(), "--yes"],
    ] {
        let out = found.run(&env, &args);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            crate::output::printable(&out.stderr)
        );
        shows_marker(&out, &args.join(" "));
    }
    let silence = [
        "action",
        "silence",
        "severity=warning",
        "--alertmanager",
        "fake",
        "--duration",
        "1h",
        "--comment",
        EVIL,
    ];
    for last in ["--dry-run", "--yes"] {
        let args: Vec<&str> = silence.iter().copied().chain([last]).collect();
        let out = found.run(&env, &args);
        shows_marker(&out, &format!("action silence {last}"));
    }
    found.run(&env, &["config", "show"]);

    // `warroom metrics` in every format, and a query Prometheus refuses
    // with a hostile error (on stderr, exit 1).
    let env = Env::new(&format!(
        "[kubernetes]\nenabled = false\n[docker]\nenabled = false\n[[prometheus]]\nname = \"fake\"\nurl = \"{}\"\n",
        fake_prom.uri()
    ));
    for format in ["table", "csv"] {
        let out = found.run(
            &env,
            &["metrics", "up", "--since", "1h", "--format", format],
        );
        assert!(
            out.status.success(),
            "metrics {format}: {}",
            crate::output::printable(&out.stderr)
        );
        shows_marker(&out, &format!("metrics --format {format}"));
    }
    let js = found.run(
        &env,
        &["metrics", "up", "--since", "1h", "--format", "json"],
    );
    keeps_data(&js.stdout, "metrics --format json");
    let bad = found.run(&env, &["metrics", "bad(", "--since", "1h"]);
    assert_eq!(
        bad.status.code(),
        Some(1),
        "{}",
        crate::output::printable(&bad.stderr)
    );
    shows_marker(&bad, "metrics with a refused query");

    // Loki refusing a query with 200 and a hostile error: on stderr.
    let refusing = fakes::loki_refusing().await;
    let env = Env::new(&format!(
        "[kubernetes]\nenabled = false\n[docker]\nenabled = false\n[loki]\nurl = \"{}\"\n",
        refusing.uri()
    ));
    let refused = found.run(&env, &["logs", q, "--since", "1h"]);
    assert!(!refused.status.success(), "a Loki error is a failure");
    shows_marker(&refused, "logs against a refusing Loki");
    found.assert_none();
}
