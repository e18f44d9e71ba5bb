//! Broken servers: HTML error pages, malformed JSON, escape sequences in
//! bodies, nothing listening. Each gives one clear line, never a panic.

use crate::console::Console;
use crate::harness;
use warroom::alerts::client::{self, ClientError, HttpClient};
use warroom::alerts::worker::{AmPoller, Poll, PromPoller};
use warroom::config::{HttpAuth, HttpEndpoint};
use warroom::source::{SourceId, SourceKind, SourceStatus};
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

    let err = client::am_alerts(&c).await.unwrap_err();
    let e = err.to_string();
    one_line(&e);
    assert!(
        e.contains("/api/v2/alerts") && e.contains("HTTP 500"),
        "{e}"
    );
    assert!(e.contains("<html> <body><h1>502 Bad Gateway"), "{e}");
    assert!(!e.contains("pwned\x07"), "{e}");
    // The status and the body's start are data, not only text.
    let ClientError::Status {
        status, excerpt, ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(*status, 500);
    assert!(
        excerpt
            .as_str()
            .starts_with("<html> <body><h1>502 Bad Gateway")
    );
    assert!(!excerpt.as_str().contains('\x1b') && !excerpt.as_str().contains('\x07'));
    assert_eq!(err.status(), Some(500));

    let err = client::am_silences(&c, "main").await.unwrap_err();
    let e = err.to_string();
    one_line(&e);
    assert!(
        e.contains("malformed JSON") && e.contains(r#"[{\"id\": \"1\""#),
        "{e}"
    );
    assert!(
        matches!(&err, ClientError::Decode { status: 200, html: false, excerpt, .. } if excerpt.as_str().starts_with(r#"[{"id": "1""#)),
        "{err:?}"
    );

    let err = client::prometheus_snapshot(&c, "main").await.unwrap_err();
    let e = err.to_string();
    one_line(&e);
    assert!(
        e.contains("HTML page") || e.contains("rules disabled"),
        "{e}"
    );
    assert!(
        matches!(err, ClientError::Decode { html: true, .. }),
        "{err:?}"
    );
}

/// A Prometheus answering `/api/v1/alerts` with one firing alert; `rules`
/// answers with `rules_status` (200 with no groups, or an error).
async fn prometheus_mock(rules_status: u16) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/alerts"))
        .respond_with(ResponseTemplate::new(200).set_body_string(
            r#"{"status":"success","data":{"alerts":[{"labels":{"alertname":"LiveOne","severity":"critical"},"annotations":{},"state":"firing","activeAt":"2026-01-31T14:30:00Z"}]}}"#,
        ))
        .mount(&server)
        .await;
    let rules = if rules_status == 200 {
        ResponseTemplate::new(200).set_body_string(r#"{"status":"success","data":{"groups":[]}}"#)
    } else {
        ResponseTemplate::new(rules_status).set_body_string("rule manager busy")
    };
    Mock::given(method("GET"))
        .and(path("/api/v1/rules"))
        .respond_with(rules)
        .mount(&server)
        .await;
    server
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workers_report_unreachable_with_the_fix_and_keep_others_alive() {
    // Three sources: prom:main alive, prom:bad answering 502, am:main dead.
    let alive = prometheus_mock(200).await;
    let bad = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(502).set_body_string("upstream connect error"))
        .mount(&bad)
        .await;
    // And prom:locked refusing the credentials (an expired token).
    let locked = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(401).set_body_string("Unauthorized"))
        .mount(&locked)
        .await;
    let dead = format!("http://127.0.0.1:{}", harness::free_port());
    let tmp = tempfile::tempdir().unwrap();
    let text = format!(
        "[kubernetes]\nenabled = false\n[docker]\nenabled = false\n\
         [[prometheus]]\nname = \"main\"\nurl = \"{}\"\ninterval = \"1s\"\n\
         [[prometheus]]\nname = \"bad\"\nurl = \"{}\"\ninterval = \"1s\"\n\
         [[prometheus]]\nname = \"locked\"\nurl = \"{}\"\ninterval = \"1s\"\n\
         [[alertmanager]]\nname = \"main\"\nurl = \"{dead}\"\ninterval = \"1s\"\n",
        alive.uri(),
        bad.uri(),
        locked.uri()
    );
    let path = tmp.path().join("config.toml");
    std::fs::write(&path, &text).unwrap();
    let cfg = warroom::config::Config::parse(&text, &path).unwrap();
    let bad_id = SourceId::new(SourceKind::Prometheus, "bad");
    let locked_id = SourceId::new(SourceKind::Prometheus, "locked");
    let mut c = Console::start(&cfg);
    c.wait(
        "prom:bad and am:main unreachable, prom:main connected with its alert",
        20,
        |c| {
            matches!(
                c.statuses.get(&bad_id),
                Some(SourceStatus::Unreachable { .. })
            ) && matches!(
                c.statuses.get(&locked_id),
                Some(SourceStatus::Unreachable { .. })
            ) && matches!(
                c.status(SourceKind::Alertmanager),
                Some(SourceStatus::Unreachable { .. })
            ) && matches!(
                c.status(SourceKind::Prometheus),
                Some(SourceStatus::Connected { .. })
            ) && !c.alerts("LiveOne").is_empty()
        },
    )
    .await;
    let Some(SourceStatus::Unreachable { reason, hint }) = c.statuses.get(&bad_id) else {
        unreachable!()
    };
    assert!(
        reason.contains("HTTP 502") && reason.contains("upstream connect error"),
        "{reason}"
    );
    assert!(
        hint.contains("[[prometheus]]") && hint.contains("bad"),
        "{hint}"
    );
    let Some(SourceStatus::Unreachable { reason, hint }) = c.statuses.get(&locked_id) else {
        unreachable!()
    };
    assert!(reason.contains("HTTP 401"), "{reason}");
    assert!(
        hint.contains("refused the credentials")
            && hint.contains("bearer_token_file")
            && hint.contains("\"locked\""),
        "{hint}"
    );
    let Some(SourceStatus::Unreachable { reason, .. }) = c.status(SourceKind::Alertmanager) else {
        unreachable!()
    };
    assert!(reason.contains("cannot connect"), "{reason}");
    one_line(reason);
    // The live source's alert is current: reported by it alone, not stale.
    let a = &c.alerts("LiveOne")[0];
    assert_eq!(a["source"], "prom:main");
    assert_eq!(a["stale"], false);
    assert_eq!(a["stale_sources"], serde_json::json!([]));
}

#[tokio::test]
async fn failing_side_requests_keep_the_alerts_and_say_what_failed() {
    // Prometheus: alerts fine, rules 503.
    let prom = prometheus_mock(503).await;
    let (snap, detail) = PromPoller::new(endpoint(&prom.uri())).poll().await.unwrap();
    assert_eq!(snap.alerts.len(), 1, "{snap:?}");
    assert!(snap.rules_at.is_none());
    assert!(
        detail.contains("rules unavailable") && detail.contains("HTTP 503"),
        "{detail}"
    );
    one_line(&detail);

    // Alertmanager: alerts fine, silences and status broken.
    let am = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v2/alerts"))
        .respond_with(ResponseTemplate::new(200).set_body_string(
            r#"[{"labels":{"alertname":"LiveOne"},"annotations":{},"startsAt":"2026-01-31T14:30:00Z","status":{"state":"active","silencedBy":[],"inhibitedBy":[]},"fingerprint":"f"}]"#,
        ))
        .mount(&am)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v2/silences"))
        .respond_with(ResponseTemplate::new(500).set_body_string("silence store corrupt"))
        .mount(&am)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v2/status"))
        .respond_with(ResponseTemplate::new(200).set_body_string("<html>proxy</html>"))
        .mount(&am)
        .await;
    let (snap, detail) = AmPoller::new(endpoint(&am.uri())).poll().await.unwrap();
    assert_eq!(snap.alerts.len(), 1, "{snap:?}");
    assert!(snap.silences_at.is_none());
    let failed: Vec<&str> = snap.partial.iter().map(|(w, _)| w.as_str()).collect();
    assert_eq!(failed, ["silences", "status"]);
    assert!(
        detail.contains("silences unavailable")
            && detail.contains("silence store corrupt")
            && detail.contains("status unavailable"),
        "{detail}"
    );
    one_line(&detail);

    // Without alerts there is nothing to show: that stays a failed poll.
    let e = PromPoller::new(endpoint(&am.uri()))
        .poll()
        .await
        .unwrap_err();
    assert!(e.to_string().contains("/api/v1/alerts"), "{e}");
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
    assert!(e.to_string().contains("/nonexistent/am-token"), "{e}");
    let ClientError::Setup(setup) = &e else {
        panic!("{e:?}")
    };
    assert_eq!(
        setup.path(),
        Some(std::path::Path::new("/nonexistent/am-token"))
    );
    let hint = PromPoller::new(ep.clone()).hint(&e);
    assert!(
        hint.contains("bearer_token_file") && hint.contains("\"main\""),
        "{hint}"
    );
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
