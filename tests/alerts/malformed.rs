//! Broken servers: HTML error pages, malformed JSON, escape sequences in
//! bodies, nothing listening. Each gives one clear line, never a panic.

use crate::console::Console;
use crate::harness;
use warroom::alerts::client::{self, HttpClient};
use warroom::config::{HttpAuth, HttpEndpoint};
use warroom::source::{SourceKind, SourceStatus};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn endpoint(url: &str) -> HttpEndpoint {
    HttpEndpoint {
        name: "main".into(),
        url: url.into(),
        auth: HttpAuth {
            tls_verify: true,
            ..Default::default()
        },
        interval: std::time::Duration::from_secs(1),
    }
}

fn one_line(e: &str) {
    assert!(!e.contains('\n') && !e.contains('\x1b'), "{e:?}");
}

#[tokio::test]
async fn html_500_and_malformed_json_give_status_and_body_start() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v2/alerts"))
        .respond_with(
            ResponseTemplate::new(500)
                .insert_header("content-type", "text/html")
                .set_body_string(
                    "<html>\n<body><h1>502 Bad Gateway</h1>\x1b]0;pwned\x07</body></html>",
                ),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v2/silences"))
        .respond_with(
            ResponseTemplate::new(200).set_body_string(r#"[{"id": "1", "matchers": [{"name":"#),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/alerts"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "text/html; charset=utf-8")
                .set_body_string("<!doctype html><title>Grafana</title>"),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/rules"))
        .respond_with(ResponseTemplate::new(200).set_body_string(
            r#"{"status":"error","errorType":"bad_data","error":"rules disabled"}"#,
        ))
        .mount(&server)
        .await;
    let c = HttpClient::new(&endpoint(&server.uri())).unwrap();

    let e = client::am_alerts(&c).await.unwrap_err();
    one_line(&e);
    assert!(
        e.contains("/api/v2/alerts") && e.contains("HTTP 500"),
        "{e}"
    );
    assert!(e.contains("<html> <body><h1>502 Bad Gateway"), "{e}");
    assert!(!e.contains("pwned\x07"), "{e}");

    let e = client::am_silences(&c, "main").await.unwrap_err();
    one_line(&e);
    assert!(
        e.contains("malformed JSON") && e.contains(r#"[{\"id\": \"1\""#),
        "{e}"
    );

    let e = client::prometheus_snapshot(&c, "main").await.unwrap_err();
    one_line(&e);
    assert!(
        e.contains("HTML page") || e.contains("rules disabled"),
        "{e}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workers_report_unreachable_with_the_fix_and_keep_others_alive() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(502).set_body_string("upstream connect error"))
        .mount(&server)
        .await;
    let dead = format!("http://127.0.0.1:{}", harness::free_port());
    let tmp = tempfile::tempdir().unwrap();
    let cfg = harness::config(Some(&server.uri()), Some(&dead), tmp.path());
    let mut c = Console::start(&cfg);
    c.wait("both sources unreachable", 20, |c| {
        [SourceKind::Prometheus, SourceKind::Alertmanager]
            .iter()
            .all(|k| matches!(c.status(*k), Some(SourceStatus::Unreachable { .. })))
    })
    .await;
    let Some(SourceStatus::Unreachable { reason, hint }) = c.status(SourceKind::Prometheus) else {
        unreachable!()
    };
    assert!(
        reason.contains("HTTP 502") && reason.contains("upstream connect error"),
        "{reason}"
    );
    assert!(hint.contains("[[prometheus]]"), "{hint}");
    let Some(SourceStatus::Unreachable { reason, .. }) = c.status(SourceKind::Alertmanager) else {
        unreachable!()
    };
    assert!(reason.contains("cannot connect"), "{reason}");
    one_line(reason);
}

#[test]
fn unconfigured_sources_say_which_toml_to_add() {
    let backend = warroom::alerts::live(&warroom::config::Config::default());
    assert!(backend.workers.is_empty() && backend.actions.is_none());
    let hints: Vec<String> = backend
        .idle
        .iter()
        .map(|(id, st)| match st {
            SourceStatus::NotConfigured { hint } => format!("{id} {hint}"),
            other => panic!("{other:?}"),
        })
        .collect();
    assert!(
        hints
            .iter()
            .any(|h| h.starts_with("prom ") && h.contains("[[prometheus]]") && h.contains("url ="))
    );
    assert!(
        hints
            .iter()
            .any(|h| h.starts_with("am ") && h.contains("[[alertmanager]]"))
    );
}

#[test]
fn missing_secret_files_name_the_file_not_the_secret() {
    let mut ep = endpoint("https://am.example:9093");
    ep.auth.bearer_token_file = Some("/nonexistent/am-token".into());
    let e = HttpClient::new(&ep).unwrap_err();
    assert!(e.contains("/nonexistent/am-token"), "{e}");
}

#[tokio::test]
async fn bearer_token_from_file_is_sent() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v2/status"))
        .and(wiremock::matchers::header("authorization", "Bearer s3cr3t"))
        .respond_with(ResponseTemplate::new(200).set_body_string(
            r#"{"versionInfo":{"version":"0.27.0"},"cluster":{"status":"ready","peers":[{},{}]}}"#,
        ))
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let token = dir.path().join("token");
    std::fs::write(&token, "s3cr3t\n").unwrap();
    let mut ep = endpoint(&server.uri());
    ep.auth.bearer_token_file = Some(token);
    let c = HttpClient::new(&ep).unwrap();
    let st = client::am_status(&c).await.unwrap();
    assert_eq!(st.detail(), "v0.27.0, cluster ready (2 peers)");
}
