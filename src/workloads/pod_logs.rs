//! Pod log streams for the logs viewer: `follow`, `previous`, container,
//! since and tail, sent in batches as `logs::Update::Lines`, then `Ended`.

use super::Update;
use super::client::KubeSource;
use super::error::KubeError;
use crate::source::UpdateTx;
use crate::target::{LogChunk, LogLine, LogTarget, Stream};
use futures::{AsyncBufReadExt, TryStreamExt};
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, LogParams};
use std::sync::Arc;
use std::time::Duration;

/// Log lines per update: big enough to keep up with a chatty pod, small
/// enough that the first lines show at once.
const LOG_BATCH: usize = 500;
const LOG_FLUSH: Duration = Duration::from_millis(50);

/// Split the `timestamps=true` prefix (`2026-03-14T03:06:41.123456789Z text`).
pub fn split_timestamp(line: &str) -> (Option<i128>, &str) {
    if let Some((ts, rest)) = line.split_once(' ')
        && let Ok(t) = ts.parse::<jiff::Timestamp>()
    {
        return (Some(t.as_nanosecond()), rest);
    }
    (None, line)
}

pub(super) async fn stream_logs(
    source: KubeSource,
    current: (String, Option<kube::Client>),
    target: LogTarget,
    follow: bool,
    since_seconds: Option<i64>,
    tail_lines: Option<i64>,
    tx: UpdateTx<crate::workloads::Update>,
) {
    let LogTarget::Pod {
        context,
        namespace,
        name,
        container,
        previous,
    } = &target
    else {
        return;
    };
    let end = |error: Option<String>| {
        Update::LogStream(LogChunk::Ended {
            target: target.clone(),
            error,
        })
    };
    let client = match (context, current) {
        (Some(c), (cur, Some(client))) if *c == cur => client,
        (None, (_, Some(client))) => client,
        (c, _) => match source.client(c.as_deref()).await {
            Ok((client, _)) => client,
            Err(e) => {
                let _ = tx.send(end(Some(e.to_string()))).await;
                return;
            }
        },
    };
    let api: Api<Pod> = Api::namespaced(client, namespace);
    let params = LogParams {
        container: container.clone(),
        follow,
        previous: *previous,
        since_seconds,
        tail_lines,
        timestamps: true,
        ..Default::default()
    };
    let reader = match api.log_stream(name, &params).await {
        Ok(r) => r,
        Err(e) => {
            let e = KubeError::from(e);
            let gone = matches!(&e, KubeError::Api { code: 404, .. });
            let u = if gone {
                Update::LogStream(LogChunk::Gone {
                    target: target.clone(),
                })
            } else {
                end(Some(e.to_string()))
            };
            let _ = tx.send(u).await;
            return;
        }
    };
    let labels = Arc::new(vec![
        ("namespace".to_string(), namespace.clone()),
        ("pod".to_string(), name.clone()),
        (
            "container".to_string(),
            container.clone().unwrap_or_default(),
        ),
    ]);
    let mut lines = reader.lines();
    let mut batch: Vec<LogLine> = Vec::new();
    let mut error = None;
    loop {
        let next = if batch.is_empty() {
            lines.try_next().await.map(Some)
        } else {
            match tokio::time::timeout(LOG_FLUSH, lines.try_next()).await {
                Ok(r) => r.map(Some),
                Err(_) => Ok(None),
            }
        };
        let flush = match next {
            Ok(Some(Some(line))) => {
                let (ts_ns, text) = split_timestamp(&line);
                batch.push(LogLine {
                    ts_ns,
                    stream: Stream::Stdout,
                    labels: labels.clone(),
                    text: text.to_string(),
                });
                batch.len() >= LOG_BATCH
            }
            Ok(Some(None)) => break,
            Ok(None) => true,
            Err(e) => {
                error = Some(e.to_string());
                break;
            }
        };
        if flush && !batch.is_empty() {
            let lines = std::mem::take(&mut batch);
            if tx
                .send(Update::LogStream(LogChunk::Lines {
                    target: target.clone(),
                    lines,
                }))
                .await
                .is_err()
            {
                return;
            }
        }
    }
    if !batch.is_empty() {
        let _ = tx
            .send(Update::LogStream(LogChunk::Lines {
                target: target.clone(),
                lines: batch,
            }))
            .await;
    }
    let _ = tx.send(end(error)).await;
}
