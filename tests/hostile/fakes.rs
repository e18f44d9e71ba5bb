//! Test servers speaking the documented response shapes of Prometheus,
//! Alertmanager and Loki, with [`EVIL`] in every string field — the fields
//! the real servers will not let a test set (versions, alert and rule names,
//! a tenant's error text) included.

use crate::EVIL;
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn answer(server: &MockServer, verb: &str, at: &str, body: serde_json::Value) {
    Mock::given(method(verb))
        .and(path(at))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .mount(server)
        .await;
}

fn iso(offset_s: i64) -> String {
    (jiff::Timestamp::now() + jiff::SignedDuration::from_secs(offset_s)).to_string()
}

/// `/api/v1/status/buildinfo`, `/api/v1/alerts` (one firing alert) and
/// `/api/v1/rules` (one broken rule).
pub async fn prometheus() -> MockServer {
    let s = MockServer::start().await;
    answer(
        &s,
        "GET",
        "/api/v1/status/buildinfo",
        json!({"status": "success", "data": {
            "version": EVIL, "revision": EVIL, "branch": EVIL, "goVersion": EVIL
        }}),
    )
    .await;
    answer(
        &s,
        "GET",
        "/api/v1/alerts",
        json!({"status": "success", "data": {"alerts": [{
            "labels": {"alertname": EVIL, "severity": "critical", "namespace": EVIL, "instance": EVIL},
            "annotations": {"summary": EVIL, "description": EVIL, "runbook_url": EVIL},
            "state": "firing", "activeAt": iso(-600), "value": EVIL
        }]}}),
    )
    .await;
    answer(
        &s,
        "GET",
        "/api/v1/rules",
        json!({"status": "success", "data": {"groups": [{
            "name": EVIL, "file": EVIL, "interval": 1,
            "rules": [{"name": EVIL, "query": EVIL, "health": "err", "lastError": EVIL, "type": "recording"}]
        }]}}),
    )
    .await;
    // The Metrics pane's and `warroom metrics`' queries: a hostile metric,
    // labels and warning; `bad(` refused with a hostile error.
    let series = json!([{
        "metric": {"__name__": EVIL, "job": EVIL, "instance": "10.0.0.1:9090"},
        "values": [[jiff::Timestamp::now().as_second() - 60, "1"], [jiff::Timestamp::now().as_second(), "2"]]
    }]);
    Mock::given(method("GET"))
        .and(path("/api/v1/query_range"))
        .and(wiremock::matchers::query_param("query", "bad("))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "status": "error", "errorType": "bad_data", "error": EVIL
        })))
        .with_priority(1)
        .mount(&s)
        .await;
    for (at, kind) in [
        ("/api/v1/query_range", "matrix"),
        ("/api/v1/query", "vector"),
    ] {
        let result = if kind == "matrix" {
            series.clone()
        } else {
            json!([{"metric": series[0]["metric"], "value": series[0]["values"][1]}])
        };
        answer(
            &s,
            "GET",
            at,
            json!({"status": "success", "warnings": [EVIL],
                   "data": {"resultType": kind, "result": result}}),
        )
        .await;
    }
    answer(
        &s,
        "GET",
        "/api/v1/label/__name__/values",
        json!({"status": "success", "data": [EVIL, "up"]}),
    )
    .await;
    s
}

/// `/api/v2/status`, `/api/v2/alerts`, `/api/v2/silences` (silence
/// `fake-1`), expiring it, and creating one (whose id is hostile too).
pub async fn alertmanager() -> MockServer {
    let s = MockServer::start().await;
    answer(
        &s,
        "GET",
        "/api/v2/status",
        json!({
            "versionInfo": {"version": EVIL, "revision": EVIL, "branch": EVIL},
            "cluster": {"status": EVIL, "name": EVIL, "peers": []},
            "config": {"original": EVIL}, "uptime": iso(-3600)
        }),
    )
    .await;
    answer(
        &s,
        "GET",
        "/api/v2/alerts",
        json!([{
            "labels": {"alertname": EVIL, "severity": "warning", "job": EVIL},
            "annotations": {"summary": EVIL, "description": EVIL},
            "startsAt": iso(-600), "endsAt": iso(600), "updatedAt": iso(0),
            "generatorURL": EVIL, "fingerprint": "f00", "receivers": [{"name": EVIL}],
            "status": {"state": "active", "silencedBy": [], "inhibitedBy": []}
        }]),
    )
    .await;
    answer(
        &s,
        "GET",
        "/api/v2/silences",
        json!([{
            "id": "fake-1",
            "matchers": [{"name": "alertname", "value": EVIL, "isRegex": false, "isEqual": true}],
            "status": {"state": "active"},
            "createdBy": EVIL, "comment": EVIL,
            "startsAt": iso(-600), "endsAt": iso(3600), "updatedAt": iso(-600)
        }]),
    )
    .await;
    answer(&s, "DELETE", "/api/v2/silence/fake-1", json!({})).await;
    answer(&s, "POST", "/api/v2/silences", json!({"silenceID": EVIL})).await;
    s
}

/// Loki's buildinfo, labels and `query_range` streams, all hostile.
pub async fn loki() -> MockServer {
    let s = MockServer::start().await;
    answer(
        &s,
        "GET",
        "/loki/api/v1/status/buildinfo",
        json!({"version": EVIL, "revision": EVIL, "branch": EVIL}),
    )
    .await;
    answer(
        &s,
        "GET",
        "/loki/api/v1/labels",
        json!({"status": "success", "data": ["app", EVIL]}),
    )
    .await;
    let now_ns = jiff::Timestamp::now().as_nanosecond();
    answer(
        &s,
        "GET",
        "/loki/api/v1/query_range",
        json!({"status": "success", "data": {"resultType": "streams", "result": [{
            "stream": {"app": "api", "level": "error", "evil": EVIL},
            "values": [[(now_ns - 60_000_000_000).to_string(), EVIL]]
        }], "stats": {}}}),
    )
    .await;
    s
}

/// A Loki that answers every query with 200 and `{"status":"error"}`, its
/// error text hostile.
pub async fn loki_refusing() -> MockServer {
    let s = MockServer::start().await;
    answer(
        &s,
        "GET",
        "/loki/api/v1/query_range",
        json!({"status": "error", "errorType": "bad_data", "error": EVIL}),
    )
    .await;
    s
}
