//! Live tail over `/loki/api/v1/tail`. On a dropped connection it reconnects
//! with backoff from the last timestamp received, dropping the lines at that
//! timestamp it already delivered (logcli asks users to live with duplicates;
//! we do not).

use super::client::LokiClient;
use super::paging::Boundary;
use super::{LokiError, TailEvent, TailState, parse};
use futures::{SinkExt, StreamExt};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;

/// Delay before reconnect attempt `attempt` (1-based): 0.5 s doubling to 30 s.
pub fn backoff(attempt: u32) -> Duration {
    let ms = 500u64.saturating_mul(1 << attempt.saturating_sub(1).min(6));
    Duration::from_millis(ms.min(30_000))
}

/// Tail until `tx` closes, or until Loki refuses the request (then the last
/// event is [`TailState::Failed`]).
pub async fn run(
    client: &LokiClient,
    query: &str,
    start_ns: i128,
    limit: usize,
    tx: mpsc::Sender<TailEvent>,
) {
    let mut boundary: Option<Boundary> = None;
    let mut attempt: u32 = 0;
    loop {
        if tx.is_closed() {
            return;
        }
        let start = boundary.as_ref().map_or(start_ns, |b| b.ts_ns);
        let error = match client.tail_request(query, start, limit) {
            Err(e) => e.to_string(),
            Ok(req) => match tokio_tungstenite::connect_async_tls_with_config(
                req,
                None,
                false,
                client.ws_connector(),
            )
            .await
            {
                Err(e) => match classify(e) {
                    Failure::Retry(error) => error,
                    Failure::Final(e) => {
                        let _ = tx.send(TailEvent::State(TailState::Failed(e))).await;
                        return;
                    }
                },
                Ok((mut ws, _)) => {
                    if tx.send(TailEvent::State(TailState::Live)).await.is_err() {
                        return;
                    }
                    let mut error = "Loki closed the tail".to_string();
                    while let Some(msg) = ws.next().await {
                        let text = match msg {
                            Ok(Message::Text(t)) => t.to_string(),
                            Ok(Message::Binary(b)) => String::from_utf8_lossy(&b).into_owned(),
                            Ok(Message::Ping(p)) => {
                                let _ = ws.send(Message::Pong(p)).await;
                                continue;
                            }
                            Ok(Message::Close(frame)) => {
                                if let Some(f) = frame
                                    && !f.reason.is_empty()
                                {
                                    error = format!("Loki closed the tail: {}", f.reason);
                                }
                                break;
                            }
                            Ok(_) => continue,
                            Err(e) => {
                                // After the handshake only the connection can fail.
                                error = format!("tail connection failed: {e}");
                                break;
                            }
                        };
                        let (lines, dropped) = match parse::tail_frame(&text) {
                            Ok(f) => f,
                            Err(e) => {
                                error = e.to_string();
                                break;
                            }
                        };
                        attempt = 0;
                        let fresh: Vec<_> = lines
                            .into_iter()
                            .filter(|l| !boundary.as_ref().is_some_and(|b| b.seen(l)))
                            .collect();
                        // The boundary tracks the newest line: replay after a
                        // reconnect starts there.
                        let newest = fresh.iter().filter_map(|l| l.ts_ns).max();
                        if let Some(n) = newest
                            && boundary.as_ref().is_none_or(|b| n >= b.ts_ns)
                        {
                            let at_edge: Vec<_> = fresh
                                .iter()
                                .filter(|l| l.ts_ns == Some(n))
                                .cloned()
                                .collect();
                            let prev = boundary.as_ref().filter(|b| b.ts_ns == n);
                            boundary = Boundary::advance(prev, &at_edge);
                        }
                        if dropped > 0 && tx.send(TailEvent::Dropped(dropped)).await.is_err() {
                            return;
                        }
                        if !fresh.is_empty() && tx.send(TailEvent::Lines(fresh)).await.is_err() {
                            return;
                        }
                    }
                    error
                }
            },
        };
        attempt += 1;
        let state = TailState::Reconnecting {
            attempt,
            error: crate::text::sanitize(&error).into_owned(),
        };
        if tx.send(TailEvent::State(state)).await.is_err() {
            return;
        }
        tokio::select! {
            _ = tokio::time::sleep(backoff(attempt)) => {}
            _ = tx.closed() => return,
        }
    }
}

/// What to do after a failed connection.
enum Failure {
    /// Network trouble or a 5xx: Loki may be back in a moment.
    Retry(String),
    /// Loki answered the handshake with a 4xx: bad LogQL (400) or auth
    /// (401/403) will fail identically on every attempt.
    Final(LokiError),
}

fn classify(e: tokio_tungstenite::tungstenite::Error) -> Failure {
    use tokio_tungstenite::tungstenite::Error as E;
    match e {
        E::Http(resp) => {
            let status = resp.status().as_u16();
            // Loki's errors are text/plain; tungstenite hands over the body
            // bytes it read with the headers.
            let body = resp
                .body()
                .as_ref()
                .map(|b| String::from_utf8_lossy(b).into_owned())
                .unwrap_or_default();
            let err = LokiError::from_status(status, &body);
            // 408 and 429 are "try again later", not "this request is wrong".
            if (400..500).contains(&status) && !matches!(status, 408 | 429) {
                Failure::Final(err)
            } else {
                Failure::Retry(err.to_string())
            }
        }
        other => Failure::Retry(format!("tail connection failed: {other}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_caps() {
        assert_eq!(backoff(1), Duration::from_millis(500));
        assert_eq!(backoff(2), Duration::from_secs(1));
        assert_eq!(backoff(20), Duration::from_secs(30));
    }
}
