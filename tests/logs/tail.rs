//! The live tail against a small tokio-tungstenite server speaking Loki's
//! `/loki/api/v1/tail` frames: reconnect from the last timestamp without
//! duplicates, and `dropped_entries` counted.

use futures::SinkExt;
use serde_json::json;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};
use warroom::logs::loki::client::LokiClient;
use warroom::logs::loki::{LokiApi, LokiError, TailEvent, TailState};

const T0: i128 = 1_769_869_800_000_000_000;

fn frame(values: &[(i128, &str)], dropped: usize) -> String {
    let vals: Vec<_> = values
        .iter()
        .map(|(t, l)| json!([t.to_string(), l]))
        .collect();
    let dropped: Vec<_> = (0..dropped)
        .map(|i| json!({"labels": {"app": "api"}, "timestamp": (T0 + i as i128).to_string()}))
        .collect();
    json!({
        "streams": [{"stream": {"app": "api"}, "values": vals}],
        "dropped_entries": if dropped.is_empty() { serde_json::Value::Null } else { json!(dropped) },
    })
    .to_string()
}

/// Serves connection N with `script[N]` frames, then closes it abruptly.
/// Records each handshake's `start` parameter and the tenant header.
// The handshake callback's error type is tungstenite's.
#[allow(clippy::result_large_err)]
async fn server(script: Vec<Vec<String>>) -> (String, Arc<Mutex<Vec<(String, String)>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let seen: Arc<Mutex<Vec<(String, String)>>> = Default::default();
    let seen2 = seen.clone();
    tokio::spawn(async move {
        for frames in script.into_iter().chain(std::iter::repeat(Vec::new())) {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let seen = seen2.clone();
            let cb = move |req: &Request, resp: Response| {
                let start = req
                    .uri()
                    .query()
                    .unwrap_or("")
                    .split('&')
                    .find_map(|kv| kv.strip_prefix("start="))
                    .unwrap_or("")
                    .to_string();
                let org = req
                    .headers()
                    .get("x-scope-orgid")
                    .map(|v| v.to_str().unwrap_or("").to_string())
                    .unwrap_or_default();
                assert_eq!(req.uri().path(), "/loki/api/v1/tail");
                seen.lock().unwrap().push((start, org));
                Ok(resp)
            };
            let Ok(mut ws) = tokio_tungstenite::accept_hdr_async(stream, cb).await else {
                continue;
            };
            for f in frames {
                let _ = ws.send(Message::Text(f.into())).await;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
            // Drop without a close frame: a broken connection.
            drop(ws);
        }
    });
    (format!("http://{addr}"), seen)
}

#[tokio::test]
async fn tail_reconnects_from_the_last_timestamp_without_duplicates() {
    crate::tls();
    let (url, seen) = server(vec![
        vec![
            frame(&[(T0 + 1, "a"), (T0 + 2, "b")], 0),
            frame(&[(T0 + 3, "c1"), (T0 + 3, "c2")], 0),
        ],
        // The replay after reconnecting starts at the last timestamp (inclusive).
        vec![frame(&[(T0 + 3, "c1"), (T0 + 3, "c2"), (T0 + 4, "d")], 2)],
    ])
    .await;
    let client =
        LokiClient::new(crate::fake_loki::loki_config(&url).loki.as_ref().unwrap()).unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::channel(64);
    let task = tokio::spawn(async move { client.tail(r#"{app="api"}"#, T0, 100, tx).await });
    let mut lines = Vec::new();
    let mut dropped = 0;
    let mut states = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !lines.contains(&"d".to_string()) {
        let ev = tokio::time::timeout_at(deadline, rx.recv())
            .await
            .expect("the tail delivered 'd' after reconnecting")
            .unwrap();
        match ev {
            TailEvent::Lines(ls) => lines.extend(ls.into_iter().map(|l| l.text)),
            TailEvent::Dropped(n) => dropped += n,
            TailEvent::State(s) => states.push(s),
            TailEvent::Gap { .. } => panic!("no gap: the replay reached back to c1/c2"),
        }
    }
    drop(rx);
    let _ = tokio::time::timeout(Duration::from_secs(5), task).await;
    assert_eq!(
        lines,
        ["a", "b", "c1", "c2", "d"],
        "no duplicates after the reconnect"
    );
    assert_eq!(dropped, 2, "dropped_entries are counted");
    assert!(
        states
            .iter()
            .any(|s| matches!(s, TailState::Reconnecting { attempt: 1, .. })),
        "{states:?}"
    );
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen[0], (T0.to_string(), "tenant-a".to_string()));
    assert_eq!(
        seen[1].0,
        (T0 + 3).to_string(),
        "restart from the last timestamp received"
    );
}

#[tokio::test]
async fn tail_against_nothing_keeps_retrying_with_a_reason() {
    crate::tls();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let client = LokiClient::new(
        crate::fake_loki::loki_config(&format!("http://127.0.0.1:{port}"))
            .loki
            .as_ref()
            .unwrap(),
    )
    .unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::channel(64);
    let task = tokio::spawn(async move { client.tail("{app=\"x\"}", T0, 10, tx).await });
    let mut attempts = Vec::new();
    while attempts.len() < 2 {
        match tokio::time::timeout(Duration::from_secs(10), rx.recv())
            .await
            .unwrap()
            .unwrap()
        {
            TailEvent::State(TailState::Reconnecting { attempt, error }) => {
                assert!(error.contains("tail connection failed"), "{error}");
                attempts.push(attempt);
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(attempts, [1, 2]);
    drop(rx);
    tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .expect("the tail stops when nobody listens")
        .unwrap();
}

#[tokio::test]
async fn logs_follow_prints_tail_lines_sanitised() {
    crate::tls();
    let (url, seen) = server(vec![vec![frame(
        &[(T0 + 1, "hello \u{1b}[31mred\u{1b}[0m \u{9b}2J world")],
        0,
    )]])
    .await;
    let client =
        LokiClient::new(crate::fake_loki::loki_config(&url).loki.as_ref().unwrap()).unwrap();
    let args = warroom::cli::LogsArgs {
        query: Some(r#"{app="api"}"#.into()),
        source: None,
        since: "5m".into(),
        from: None,
        to: None,
        limit: 10,
        forward: false,
        follow: true,
        output: warroom::cli::LogOutput::Raw,
    };
    // The test reads what `warroom logs --follow` prints while it runs.
    let (w, out) = warroom::out::Out::capture();
    let now = T0 + 300_000_000_000;
    let task = tokio::spawn(async move {
        warroom::headless::logs::run_loki(&client, r#"{app="api"}"#, &args, now, &w).await
    });
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        if out.stdout.text().contains('\n') {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no tail line printed"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    task.abort();
    let text = out.stdout.text();
    assert_eq!(text.lines().next(), Some("hello red  world"));
    assert_eq!(
        seen.lock().unwrap()[0].0,
        T0.to_string(),
        "--since 5m before now"
    );
}

/// Answers every handshake with `status` and a text/plain `body`, as Loki
/// does for a bad query or failed auth. Counts the handshakes.
// The handshake callback's error type is tungstenite's.
#[allow(clippy::result_large_err)]
async fn refusing_server(status: u16, body: &'static str) -> (String, Arc<Mutex<usize>>) {
    use tokio_tungstenite::tungstenite::handshake::server::ErrorResponse;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let count: Arc<Mutex<usize>> = Default::default();
    let count2 = count.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            *count2.lock().unwrap() += 1;
            let cb = move |_: &Request, _: Response| -> Result<Response, ErrorResponse> {
                Err(tokio_tungstenite::tungstenite::http::Response::builder()
                    .status(status)
                    .header("content-type", "text/plain; charset=utf-8")
                    .body(Some(body.to_string()))
                    .unwrap())
            };
            let _ = tokio_tungstenite::accept_hdr_async(stream, cb).await;
        }
    });
    (format!("http://{addr}"), count)
}

fn client_for(url: &str) -> LokiClient {
    LokiClient::new(crate::fake_loki::loki_config(url).loki.as_ref().unwrap()).unwrap()
}

#[tokio::test]
async fn tail_refused_with_400_is_final_with_lokis_text() {
    crate::tls();
    let body = "parse error at line 1, col 6: syntax error: unexpected IDENTIFIER\n";
    let (url, count) = refusing_server(400, body).await;
    let client = client_for(&url);
    let (tx, mut rx) = tokio::sync::mpsc::channel(64);
    let task = tokio::spawn(async move { client.tail("{app=", T0, 10, tx).await });
    let mut events = Vec::new();
    while let Some(ev) = tokio::time::timeout(Duration::from_secs(10), rx.recv())
        .await
        .expect("the refused tail ends by itself")
    {
        events.push(ev);
    }
    tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .expect("the tail task returned")
        .unwrap();
    let [TailEvent::State(TailState::Failed(e))] = events.as_slice() else {
        panic!("expected only Failed, got {events:?}");
    };
    assert_eq!(e.status(), Some(400));
    assert_eq!(
        e.message(),
        "parse error at line 1, col 6: syntax error: unexpected IDENTIFIER"
    );
    assert!(e.hint().contains("LogQL"), "{e:?}");
    // Give a wrongly retrying tail time for its first backoff (0.5 s).
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(*count.lock().unwrap(), 1, "no retry after a 4xx");
}

#[tokio::test]
async fn tail_answered_503_keeps_reconnecting() {
    crate::tls();
    let (url, count) = refusing_server(503, "too many unhealthy instances in the ring").await;
    let client = client_for(&url);
    let (tx, mut rx) = tokio::sync::mpsc::channel(64);
    let task = tokio::spawn(async move { client.tail("{app=\"x\"}", T0, 10, tx).await });
    let mut attempts = Vec::new();
    while attempts.len() < 2 {
        match tokio::time::timeout(Duration::from_secs(10), rx.recv())
            .await
            .unwrap()
            .expect("a 5xx does not end the tail")
        {
            TailEvent::State(TailState::Reconnecting { attempt, error }) => {
                assert!(
                    error.contains("503") && error.contains("unhealthy"),
                    "{error}"
                );
                attempts.push(attempt);
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(attempts, [1, 2]);
    assert!(*count.lock().unwrap() >= 2);
    drop(rx);
    let _ = tokio::time::timeout(Duration::from_secs(5), task).await;
}

#[tokio::test]
async fn logs_follow_exits_with_lokis_text_on_401() {
    crate::tls();
    let (url, count) = refusing_server(401, "no org id\n").await;
    let client = client_for(&url);
    let args = warroom::cli::LogsArgs {
        query: Some(r#"{app="api"}"#.into()),
        source: None,
        since: "5m".into(),
        from: None,
        to: None,
        limit: 10,
        forward: false,
        follow: true,
        output: warroom::cli::LogOutput::Default,
    };
    let (out, printed) = warroom::out::Out::capture();
    let res = tokio::time::timeout(
        Duration::from_secs(10),
        warroom::headless::logs::run_loki(&client, r#"{app="api"}"#, &args, T0, &out),
    )
    .await
    .expect("--follow returns instead of reconnecting forever");
    let err = res.expect_err("a refused tail is an error (non-zero exit)");
    assert!(
        matches!(
            &err,
            warroom::headless::logs::LogsCliError::Loki(LokiError::Status {
                status: 401,
                problem: warroom::logs::loki::Problem::Auth,
                ..
            })
        ),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(text.contains("Loki answered 401: no org id"), "{text}");
    assert!(text.contains("bearer_token_file"), "{text}");
    assert!(printed.stdout.text().is_empty());
    assert_eq!(*count.lock().unwrap(), 1);
}

#[tokio::test]
async fn a_reconnect_replay_cut_at_the_limit_shows_a_gap_marker() {
    crate::tls();
    let (url, seen) = server(vec![
        vec![frame(&[(T0 + 1, "a"), (T0 + 2, "b")], 0)],
        // Replay reaching back to the last line received: nothing was cut.
        vec![frame(&[(T0 + 2, "b"), (T0 + 50, "x1"), (T0 + 51, "x2")], 0)],
        // A full limit (3), all newer than x2: lines before y1 may be lost.
        vec![frame(
            &[(T0 + 100, "y1"), (T0 + 101, "y2"), (T0 + 102, "y3")],
            0,
        )],
    ])
    .await;
    let client = client_for(&url);
    let (tx, mut rx) = tokio::sync::mpsc::channel(64);
    let task = tokio::spawn(async move { client.tail(r#"{app="api"}"#, T0, 3, tx).await });
    // Lines and gaps in arrival order; states are not the point here.
    let mut got: Vec<String> = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !got.contains(&"y3".to_string()) {
        match tokio::time::timeout_at(deadline, rx.recv())
            .await
            .expect("the tail delivered y3 after two reconnects")
            .unwrap()
        {
            TailEvent::Lines(ls) => got.extend(ls.into_iter().map(|l| l.text)),
            TailEvent::Gap {
                after_ns,
                before_ns,
            } => got.push(format!("gap {} {}", after_ns - T0, before_ns - T0)),
            _ => {}
        }
    }
    drop(rx);
    let _ = tokio::time::timeout(Duration::from_secs(5), task).await;
    assert_eq!(
        got,
        ["a", "b", "x1", "x2", "gap 51 100", "y1", "y2", "y3"],
        "one marker, before the replay it precedes"
    );
    assert_eq!(seen.lock().unwrap()[2].0, (T0 + 51).to_string());
    // The console shows it as a line in the viewer.
    let line = warroom::logs::loki::tail::gap_line(T0 + 51, T0 + 100);
    assert!(
        line.text
            .starts_with("… lines may be missing between 2026-01-31T14:30:00.000Z and"),
        "{}",
        line.text
    );
}
