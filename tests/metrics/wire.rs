//! The answers a real Prometheus does not give here: a proxy's HTML, 5xx
//! without JSON, an execution error; and one that goes away.

use super::{client, endpoint, now};
use std::time::Duration;
use warroom::httpapi::ClientError;
use warroom::metrics::{MetricsApi, MetricsError, RangeQuery};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn q() -> RangeQuery {
    RangeQuery {
        query: "up".into(),
        start: now() - 60.0,
        end: now(),
        step: Duration::from_secs(15),
    }
}

async fn answering(status: u16, content_type: &str, body: &str) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/query_range"))
        .respond_with(
            ResponseTemplate::new(status).set_body_raw(body.as_bytes().to_vec(), content_type),
        )
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn an_execution_error_in_a_422_is_prometheus_own_words() {
    let s = answering(422, "application/json", r#"{"status":"error","errorType":"execution","error":"many-to-many matching not allowed: matching labels must be unique on one side"}"#).await;
    let e = client(&s.uri()).query_range(&q()).await.unwrap_err();
    assert_eq!(
        e.to_string(),
        "execution: many-to-many matching not allowed: matching labels must be unique on one side"
    );
    assert!(!e.is_bad_query());
}

#[tokio::test]
async fn a_proxys_html_page_says_so_and_points_at_the_url() {
    let s = answering(200, "text/html", "<html><body>Grafana login</body></html>").await;
    let e = client(&s.uri()).query_range(&q()).await.unwrap_err();
    assert!(
        matches!(
            e,
            MetricsError::Client(ClientError::Decode { html: true, .. })
        ),
        "{e:?}"
    );
    assert!(e.to_string().contains("an HTML page, not JSON"), "{e}");
    let hint = e.hint(Some(&endpoint(&s.uri())));
    assert!(
        hint.contains("[[prometheus]] name = \"main\"") && hint.contains(&s.uri()),
        "{hint}"
    );
}

#[tokio::test]
async fn a_5xx_without_json_keeps_status_and_body_start() {
    let s = answering(
        502,
        "text/plain",
        "upstream connect error or disconnect/reset before headers",
    )
    .await;
    let e = client(&s.uri()).query_range(&q()).await.unwrap_err();
    assert!(
        matches!(
            e,
            MetricsError::Client(ClientError::Status { status: 502, .. })
        ),
        "{e:?}"
    );
    assert!(
        e.to_string()
            .contains("HTTP 502 Bad Gateway: \"upstream connect error"),
        "{e}"
    );
    let s = answering(401, "text/plain", "Unauthorized").await;
    let e = client(&s.uri()).query_range(&q()).await.unwrap_err();
    assert!(
        e.hint(Some(&endpoint(&s.uri())))
            .contains("bearer_token_file")
    );
}

#[tokio::test]
async fn the_query_and_range_are_sent_as_parameters_and_hostile_text_is_sanitised() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/query_range"))
        .and(query_param("query", "up"))
        .and(query_param("step", "15s"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            br#"{"status":"success","warnings":["\u001b]0;pwn\u0007careful"],"data":{"resultType":"matrix","result":[]}}"#.to_vec(),
            "application/json",
        ))
        .mount(&server)
        .await;
    let a = client(&server.uri()).query_range(&q()).await.unwrap();
    assert!(a.result.into_series().is_empty());
    assert_eq!(a.warnings.len(), 1);
    assert!(
        !a.warnings[0].contains('\u{1b}') && a.warnings[0].contains("careful"),
        "{:?}",
        a.warnings
    );
}

/// A Prometheus that answers `n` requests and is gone (the port closed).
pub fn answering_then_gone(n: usize, body: &'static str) -> String {
    use std::io::{Read, Write};
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", l.local_addr().unwrap());
    std::thread::spawn(move || {
        for _ in 0..n {
            let Ok((mut s, _)) = l.accept() else { return };
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf);
            let _ = write!(
                s,
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    url
}

#[tokio::test]
async fn a_prometheus_that_went_away_is_a_transport_error() {
    let uri = answering_then_gone(
        1,
        r#"{"status":"success","data":{"resultType":"matrix","result":[]}}"#,
    );
    let c = client(&uri);
    c.query_range(&q()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let e = c.query_range(&q()).await.unwrap_err();
    assert!(
        matches!(e, MetricsError::Client(ClientError::Transport { .. })),
        "{e:?}"
    );
    assert!(e.to_string().contains("cannot connect"), "{e}");
}
