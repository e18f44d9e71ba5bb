//! The Loki HTTP client against a wiremock Loki: response shapes, headers,
//! paging without duplicates, and Loki's text/plain errors.

use crate::fake_loki::{self, entry};
use std::collections::HashSet;
use warroom::logs::loki::client::LokiClient;
use warroom::logs::loki::paging::fetch_page;
use warroom::logs::loki::{Direction, LokiApi, LokiError, RangeQuery};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn client(url: &str) -> LokiClient {
    crate::tls();
    LokiClient::new(fake_loki::loki_config(url).loki.as_ref().unwrap()).unwrap()
}

const T0: i128 = 1_769_869_800_000_000_000;

/// 25 lines, several sharing a nanosecond, across two streams.
fn dataset() -> Vec<fake_loki::Entry> {
    let mut v = Vec::new();
    for i in 0..20 {
        // Pairs of lines share timestamps: 0,0,1,1,2,2…
        let ts = T0 + (i / 2) as i128 * 1_000_000;
        v.push(entry(
            if i % 2 == 0 { "api" } else { "web" },
            ts,
            &format!("line {i:02}"),
        ));
    }
    for i in 20..25 {
        v.push(entry(
            "api",
            T0 + 9_000_000,
            &format!("line {i:02} same ns"),
        ));
    }
    v
}

#[tokio::test]
async fn query_range_parses_streams_and_sends_tenant_and_params() {
    let (server, qr) = fake_loki::start(dataset()).await;
    let c = client(&server.uri());
    let q = RangeQuery {
        query: r#"{app=~"api|web"}"#.into(),
        start_ns: T0,
        end_ns: T0 + 1_000_000_000,
        limit: 5,
        direction: Direction::Backward,
    };
    let lines = c.query_range(&q).await.unwrap();
    assert_eq!(lines.len(), 5);
    assert!(
        lines.windows(2).all(|w| w[0].ts_ns >= w[1].ts_ns),
        "newest first"
    );
    assert_eq!(
        lines[0].ts_ns,
        Some(T0 + 9_000_000),
        "nanosecond string timestamps parse exactly"
    );
    assert!(
        lines
            .iter()
            .all(|l| l.labels.iter().any(|(k, _)| k == "app"))
    );
    let seen = qr.seen.lock().unwrap().clone();
    assert_eq!(
        seen,
        vec![(T0, T0 + 1_000_000_000, 5, "backward".to_string())]
    );
    let reqs = server.received_requests().await.unwrap();
    let r = reqs
        .iter()
        .find(|r| r.url.path() == "/loki/api/v1/query_range")
        .unwrap();
    assert_eq!(r.headers.get("x-scope-orgid").unwrap(), "tenant-a");
    assert_eq!(c.version().await.unwrap(), "3.4.2");
    assert_eq!(
        c.labels(T0, T0 + 1).await.unwrap(),
        ["app", "level", "namespace"]
    );
    assert_eq!(
        c.label_values("app", T0, T0 + 1).await.unwrap(),
        ["api", "web"]
    );
}

#[tokio::test]
async fn volume_matrix_has_float_second_timestamps() {
    let (server, _) = fake_loki::start(dataset()).await;
    let c = client(&server.uri());
    let q = warroom::logs::loki::volume_query(r#"{app="api"}"#, 60).unwrap();
    let m = c.matrix(&q, T0, T0 + 3_600_000_000_000, 60).await.unwrap();
    let err = m.iter().find(|s| s.level == "error").unwrap();
    assert_eq!(err.points, vec![(1769869800.0, 4.0), (1769869860.5, 1.0)]);
    let h = warroom::logs::histogram::Histogram::from_series(T0, T0 + 3_600_000_000_000, 60, &m);
    assert_eq!(
        h.totals(),
        [5, 2, 30],
        "detected_level warn counts as a warning"
    );
}

async fn page_through(direction: Direction, batch: usize) -> (Vec<String>, usize) {
    let (server, qr) = fake_loki::start(dataset()).await;
    let c = client(&server.uri());
    let q = RangeQuery {
        query: r#"{app=~".+"}"#.into(),
        start_ns: T0,
        end_ns: T0 + 1_000_000_000,
        limit: batch,
        direction,
    };
    let mut all = Vec::new();
    let mut boundary = None;
    for _ in 0..50 {
        let page = fetch_page(&c, &q, boundary.as_ref()).await.unwrap();
        all.extend(page.lines.iter().map(|l| l.text.clone()));
        if !page.more {
            break;
        }
        boundary = page.boundary;
    }
    let requests = qr.seen.lock().unwrap().len();
    (all, requests)
}

#[tokio::test]
async fn paging_backward_restarts_at_the_last_timestamp_without_duplicates() {
    let (lines, requests) = page_through(Direction::Backward, 4).await;
    let unique: HashSet<&String> = lines.iter().collect();
    assert_eq!(unique.len(), lines.len(), "no duplicates: {lines:?}");
    assert_eq!(lines.len(), 25, "every line delivered: {lines:?}");
    assert!(requests > 6, "it took several pages");
    // Newest first overall: the five same-nanosecond lines come first.
    assert!(
        lines[..5]
            .iter()
            .all(|l| l.contains("same ns") || l == "line 18" || l == "line 19")
    );
}

#[tokio::test]
async fn paging_forward_also_drops_the_overlap() {
    let (lines, _) = page_through(Direction::Forward, 3).await;
    let unique: HashSet<&String> = lines.iter().collect();
    assert_eq!(unique.len(), 25, "{lines:?}");
    assert_eq!(lines.len(), 25);
    assert_eq!(lines[0], "line 00");
}

#[tokio::test]
async fn lokis_plain_text_errors_are_shown_with_a_hint() {
    crate::tls();
    let server = MockServer::start().await;
    let cases = [
        (
            400,
            "parse error at line 1, col 8: syntax error: unexpected IDENTIFIER, expecting STRING",
            "LogQL",
        ),
        (
            400,
            "max entries limit per query exceeded, limit > max_entries_limit (10000 > 5000)",
            "lower the limit",
        ),
        (429, "too many outstanding requests", "rate-limiting"),
        (504, "upstream request timeout", "narrow the time range"),
    ];
    for (i, (status, body, hint)) in cases.iter().enumerate() {
        let q = format!("{{case=\"{i}\"}}");
        Mock::given(method("GET"))
            .and(path("/loki/api/v1/query_range"))
            .and(wiremock::matchers::query_param("query", q.as_str()))
            .respond_with(
                ResponseTemplate::new(*status)
                    .insert_header("content-type", "text/plain; charset=utf-8")
                    .set_body_string(format!("{body}\n")),
            )
            .mount(&server)
            .await;
        let c = client(&server.uri());
        let e = c
            .query_range(&RangeQuery {
                query: q,
                start_ns: 0,
                end_ns: 1,
                limit: 10,
                direction: Direction::Backward,
            })
            .await
            .unwrap_err();
        assert_eq!(e.status(), Some(*status));
        assert_eq!(e.message(), *body, "Loki's own words");
        assert!(e.hint().contains(hint), "{status}: {}", e.hint());
        assert!(
            !e.to_string().to_lowercase().contains("expected value"),
            "never a JSON parse error: {e}"
        );
    }
}

#[tokio::test]
async fn html_answers_and_dead_endpoints_say_what_to_fix() {
    crate::tls();
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200).set_body_string("<html><body>Grafana login</body></html>"),
        )
        .mount(&server)
        .await;
    let c = client(&server.uri());
    let e = c.labels(0, 1).await.unwrap_err();
    assert!(
        e.message().contains("not a Loki response") && e.message().contains("Grafana login"),
        "{e}"
    );
    assert!(matches!(e, LokiError::NotLoki { .. }), "{e:?}");
    assert!(e.hint().contains("[loki] url"));
    // A port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let c = client(&format!("http://127.0.0.1:{port}"));
    let e = c.version().await.unwrap_err();
    assert!(e.is_connection());
    assert!(matches!(e, LokiError::Unreachable { .. }), "{e:?}");
    assert!(e.message().contains("cannot reach Loki"), "{e}");
    assert!(e.hint().contains("check [loki] url"), "{e}");
}

#[tokio::test]
async fn bearer_token_comes_from_its_file() {
    crate::tls();
    let dir = tempfile::tempdir().unwrap();
    let token = dir.path().join("token");
    std::fs::write(&token, "s3cr3t\n").unwrap();
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/loki/api/v1/labels"))
        .and(header("authorization", "Bearer s3cr3t"))
        .respond_with(
            ResponseTemplate::new(200).set_body_string(r#"{"status":"success","data":["app"]}"#),
        )
        .mount(&server)
        .await;
    let text = format!(
        "[loki]\nurl = \"{}\"\nbearer_token_file = \"{}\"\n",
        server.uri(),
        token.display()
    );
    let cfg = warroom::config::Config::parse(&text, std::path::Path::new("t")).unwrap();
    let c = LokiClient::new(cfg.loki.as_ref().unwrap()).unwrap();
    assert_eq!(c.labels(0, 1).await.unwrap(), ["app"]);
    assert!(!format!("{c:?}").contains("s3cr3t"));
    let text = "[loki]\nurl = \"http://127.0.0.1:1\"\nbasic_auth = { username = \"ops\", password_file = \"/nonexistent/pw\" }\n";
    let cfg = warroom::config::Config::parse(text, std::path::Path::new("t")).unwrap();
    let e = LokiClient::new(cfg.loki.as_ref().unwrap()).unwrap_err();
    assert!(
        e.message().contains("/nonexistent/pw")
            && e.message().contains("[loki] basic_auth.password_file"),
        "{e}"
    );
    assert!(
        matches!(
            &e,
            LokiError::Setup(warroom::http::SetupError::Secret {
                credential: warroom::http::Credential::BasicAuthPassword,
                ..
            })
        ),
        "{e:?}"
    );
    assert!(
        e.hint().contains("basic_auth.password_file"),
        "{}",
        e.hint()
    );
}
