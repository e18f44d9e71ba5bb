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
        // On a reconnect, watch Loki's replay for a silent cut at `limit`.
        let mut backfill = boundary
            .as_ref()
            .map(|b| Backfill::new(b.ts_ns, crate::logs::now_ns(), limit));
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
                        let replay_over = backfill.as_mut().is_some_and(|b| b.observe(&lines));
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
                        if let Some(b) = backfill.as_mut() {
                            b.held.extend(fresh);
                            if replay_over
                                && let Some(b) = backfill.take()
                                && !b.flush(&tx).await
                            {
                                return;
                            }
                        } else if !fresh.is_empty()
                            && tx.send(TailEvent::Lines(fresh)).await.is_err()
                        {
                            return;
                        }
                    }
                    // Lines held while the replay was still arriving are real.
                    if let Some(b) = backfill.take()
                        && !b.flush(&tx).await
                    {
                        return;
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

/// Loki's querier sends at most this many entries per tail frame
/// (pkg/querier/tail: maxEntriesPerTailResponse); a shorter frame means the
/// replay of history is over.
const MAX_FRAME_ENTRIES: usize = 100;

/// The replay a reconnected tail starts with. Loki answers it with the
/// newest `limit` lines since `start`, backward: if it sends a full `limit`
/// and all of them are newer than the last line we had, the lines in between
/// were cut. The replay is held back (at most `limit` lines) until it is
/// over, so the gap marker can go before it.
struct Backfill {
    /// The last timestamp received before the reconnect.
    after_ns: i128,
    /// Lines stamped after this are live ones, not replay.
    connected_at: i128,
    limit: usize,
    count: usize,
    oldest: Option<i128>,
    held: Vec<crate::logs::LogLine>,
}

impl Backfill {
    fn new(after_ns: i128, connected_at: i128, limit: usize) -> Self {
        Self {
            after_ns,
            connected_at,
            limit,
            count: 0,
            oldest: None,
            held: Vec::new(),
        }
    }

    /// Account for one frame (all its lines, duplicates included: Loki's
    /// limit counts them). True when the replay is over.
    fn observe(&mut self, frame: &[crate::logs::LogLine]) -> bool {
        let mut over = frame.len() < MAX_FRAME_ENTRIES;
        for l in frame {
            match l.ts_ns {
                Some(t) if t > self.connected_at => over = true,
                Some(t) => {
                    self.count += 1;
                    self.oldest = Some(self.oldest.map_or(t, |o| o.min(t)));
                }
                None => self.count += 1,
            }
        }
        over || self.count >= self.limit
    }

    /// `(after, before)` when lines may be missing. A replay reaching back
    /// to `after_ns` itself holds everything newer, so nothing is cut.
    fn gap(&self) -> Option<(i128, i128)> {
        let oldest = self.oldest?;
        (self.count >= self.limit && oldest > self.after_ns).then_some((self.after_ns, oldest))
    }

    /// Send the gap marker (if any) and the held lines; false when nobody listens.
    async fn flush(self, tx: &mpsc::Sender<TailEvent>) -> bool {
        if let Some((after_ns, before_ns)) = self.gap()
            && tx
                .send(TailEvent::Gap {
                    after_ns,
                    before_ns,
                })
                .await
                .is_err()
        {
            return false;
        }
        self.held.is_empty() || tx.send(TailEvent::Lines(self.held)).await.is_ok()
    }
}

/// The line the viewer shows where a reconnect may have lost lines. It has
/// no timestamp so nothing mistakes it for a received line (tail restarts
/// and paging go by timestamps); a `level` label colours it as a warning.
pub fn gap_line(after_ns: i128, before_ns: i128) -> crate::logs::LogLine {
    use crate::logs::format_ts;
    crate::logs::LogLine {
        ts_ns: None,
        stream: Default::default(),
        labels: std::sync::Arc::new(vec![
            ("level".into(), "warn".into()),
            ("service_name".into(), "warroom".into()),
        ]),
        text: format!(
            "… lines may be missing between {} and {} — run the range query to see them",
            format_ts(after_ns),
            format_ts(before_ns)
        ),
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

    fn lines(ts: &[i128]) -> Vec<crate::logs::LogLine> {
        ts.iter()
            .map(|t| crate::logs::LogLine::new(Some(*t), "x"))
            .collect()
    }

    #[test]
    fn a_full_replay_newer_than_the_last_line_is_a_gap() {
        let mut b = Backfill::new(10, 1_000, 3);
        assert!(b.observe(&lines(&[50, 51, 52])));
        assert_eq!(b.gap(), Some((10, 50)));
        // Reaching back to the last line received: everything newer is there.
        let mut b = Backfill::new(10, 1_000, 3);
        assert!(b.observe(&lines(&[10, 51, 52])));
        assert_eq!(b.gap(), None);
        // Short of the limit: Loki had no more to send.
        let mut b = Backfill::new(10, 1_000, 3);
        assert!(b.observe(&lines(&[50, 51])));
        assert_eq!(b.gap(), None);
    }

    #[test]
    fn replay_spans_full_frames_and_ends_at_a_live_line() {
        let full: Vec<i128> = (100..100 + MAX_FRAME_ENTRIES as i128).collect();
        let mut b = Backfill::new(10, 1_000_000, 250);
        assert!(
            !b.observe(&lines(&full)),
            "a full frame: more replay follows"
        );
        assert!(b.observe(&lines(&[2_000_000])), "a live line ends it");
        assert_eq!(b.count, MAX_FRAME_ENTRIES);
        assert_eq!(b.gap(), None);
    }

    #[test]
    fn gap_line_names_both_ends() {
        let l = gap_line(1_769_869_800_000_000_000, 1_769_869_860_500_000_000);
        assert_eq!(
            l.text,
            "… lines may be missing between 2026-01-31T14:30:00.000Z and \
             2026-01-31T14:31:00.500Z — run the range query to see them"
        );
        assert_eq!(l.ts_ns, None);
        assert_eq!(
            crate::logs::level::detect(&l.labels, &l.text),
            crate::logs::Level::Warn
        );
    }

    #[test]
    fn backoff_doubles_and_caps() {
        assert_eq!(backoff(1), Duration::from_millis(500));
        assert_eq!(backoff(2), Duration::from_secs(1));
        assert_eq!(backoff(20), Duration::from_secs(30));
    }
}
