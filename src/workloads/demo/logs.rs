//! Log lines for the demo's pods (the crashed backend's previous container
//! shows why it was OOMKilled).

use crate::target::{LogLine, LogSink, LogTarget, Stream};
use crate::workloads::Update;
use std::sync::Arc;
use std::time::Duration;

/// Log lines a pod of the demo estate would print.
fn demo_log_text(name: &str, previous: bool) -> Vec<String> {
    let app = name.split('-').next().unwrap_or(name);
    if previous && name.starts_with("backend-6f4d9c8b7") {
        return vec![
            "INFO:     Started server process [1]".into(),
            "INFO:     Waiting for application startup.".into(),
            "INFO     vector_cache: FEATURE_VECTOR_CACHE=true, warming 1.2M embeddings".into(),
            "INFO     vector_cache: loaded 400000/1200000 (rss 301MiB)".into(),
            "INFO     vector_cache: loaded 800000/1200000 (rss 468MiB)".into(),
            "WARNING  vector_cache: rss 509MiB approaching limit 512Mi".into(),
        ];
    }
    match app {
        "backend" => vec![
            "INFO:     10.0.3.12:51234 - \"GET /api/v1/health HTTP/1.1\" 200 OK".into(),
            "INFO:     10.0.1.7:40110 - \"POST /api/v1/lessons HTTP/1.1\" 201 Created".into(),
            "ERROR    db: connection pool exhausted (size=20), waiting".into(),
            "INFO:     10.0.1.7:40112 - \"GET /api/v1/courses?page=2 HTTP/1.1\" 200 OK".into(),
        ],
        "mcp" => vec![
            "level=info msg=\"mcp server listening\" port=9877".into(),
            "level=warn msg=\"upstream agent pool not ready\" ready=0 want=4".into(),
            "level=error msg=\"health check failed\" status=503 reason=\"agent pool empty\"".into(),
        ],
        _ => vec![
            format!("{app}: ready to accept connections"),
            format!("{app}: checkpoint complete"),
        ],
    }
}

pub(super) async fn demo_logs(
    target: LogTarget,
    follow: bool,
    tail: Option<i64>,
    tx: crate::source::UpdateTx<crate::workloads::Update>,
) {
    let LogTarget::Pod {
        name,
        previous,
        namespace,
        container,
        ..
    } = &target
    else {
        return;
    };
    let labels = Arc::new(vec![
        ("namespace".to_string(), namespace.clone()),
        ("pod".to_string(), name.clone()),
        (
            "container".to_string(),
            container.clone().unwrap_or_default(),
        ),
    ]);
    let mk = |text: String| LogLine {
        ts_ns: Some(jiff::Timestamp::now().as_nanosecond()),
        stream: Stream::Stdout,
        labels: labels.clone(),
        text,
    };
    let mut lines: Vec<LogLine> = demo_log_text(name, *previous).into_iter().map(mk).collect();
    if let Some(t) = tail {
        let skip = lines.len().saturating_sub(t.max(0) as usize);
        lines.drain(..skip);
    }
    let texts = demo_log_text(name, false);
    let follow = follow && !previous;
    let sink = LogSink::new(tx, target.clone(), Update::LogStream);
    let _ = sink.lines(lines).await;
    if follow {
        for i in 0.. {
            tokio::time::sleep(Duration::from_millis(1500)).await;
            if !sink.lines(vec![mk(texts[i % texts.len()].clone())]).await {
                return;
            }
        }
    }
    sink.end(None).await;
}
