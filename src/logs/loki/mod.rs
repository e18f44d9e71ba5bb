//! Loki: the HTTP API (query_range, labels, label values, volume), the tail
//! websocket, response parsing and logcli-style paging.
//!
//! [`LokiApi`] is what the worker and `warroom logs` talk to; the live
//! [`client::LokiClient`] and the demo's simulated Loki both implement it.

pub mod client;
pub mod paging;
pub mod parse;
pub mod tail;
mod tls;

use super::LogLine;
use tokio::sync::mpsc;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Direction {
    /// Newest first: the newest `limit` lines of the range (Loki's default).
    #[default]
    Backward,
    /// Oldest first.
    Forward,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Backward => "backward",
            Self::Forward => "forward",
        }
    }
}

/// A Loki failure as the operator should read it: Loki's own text and what to do.
#[derive(Debug, Clone, PartialEq)]
pub struct LokiError {
    /// HTTP status, when Loki answered.
    pub status: Option<u16>,
    pub message: String,
    pub hint: String,
}

impl std::fmt::Display for LokiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.status {
            Some(s) => write!(f, "Loki answered {s}: {}", self.message)?,
            None => write!(f, "{}", self.message)?,
        }
        if !self.hint.is_empty() {
            write!(f, " — {}", self.hint)?;
        }
        Ok(())
    }
}

impl LokiError {
    pub fn new(status: Option<u16>, message: impl Into<String>, hint: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
            hint: hint.into(),
        }
    }

    /// Loki answered `status` with a `text/plain` body: keep its words, add a hint.
    pub fn from_status(status: u16, body: &str) -> Self {
        let text = crate::text::sanitize(body.trim()).into_owned();
        let text = crate::text::truncate(&text, 2000).into_owned();
        let lower = text.to_ascii_lowercase();
        let hint = if lower.contains("max entries limit") {
            "lower the limit (t in the Logs pane, --limit) or narrow the time range"
        } else if lower.contains("parse error") || lower.contains("syntax error") {
            "fix the LogQL syntax"
        } else if lower.contains("too many outstanding requests") || status == 429 {
            "Loki is rate-limiting: narrow the time range, add label matchers, or wait a little"
        } else if matches!(status, 502..=504) || lower.contains("timeout") {
            "the query took too long: narrow the time range or add label matchers"
        } else if lower.contains("the query time range exceeds") || lower.contains("limit") {
            "narrow the time range"
        } else if matches!(status, 401 | 403) {
            "check [loki] bearer_token_file / basic_auth and org_id"
        } else if status == 404 {
            "check [loki] url: it should be Loki's base URL (without /loki/api/v1)"
        } else if status == 400 {
            "check the query and the time range"
        } else {
            "Loki failed: narrow the time range, or look at Loki's own logs"
        };
        let message = if text.is_empty() {
            format!("HTTP {status} with an empty body")
        } else {
            text
        };
        Self::new(Some(status), message, hint)
    }

    /// Could not talk to Loki at all (connection refused, DNS, TLS).
    pub fn unreachable(url: &str, err: impl std::fmt::Display) -> Self {
        Self::new(
            None,
            format!("cannot reach Loki at {url}: {err}"),
            "check [loki] url and that Loki is running and reachable from here",
        )
    }

    pub fn is_connection(&self) -> bool {
        self.status.is_none()
    }
}

/// One `query_range` request.
#[derive(Debug, Clone, PartialEq)]
pub struct RangeQuery {
    pub query: String,
    /// Inclusive.
    pub start_ns: i128,
    /// Exclusive.
    pub end_ns: i128,
    pub limit: usize,
    pub direction: Direction,
}

/// One histogram series: `level` label value and (unix seconds, count) points.
#[derive(Debug, Clone, PartialEq)]
pub struct VolumeSeries {
    pub level: String,
    pub points: Vec<(f64, f64)>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TailState {
    Connecting,
    Live,
    Reconnecting {
        attempt: u32,
        error: String,
    },
    /// Loki refused the tail (a 4xx on the handshake: bad LogQL, auth).
    /// Retrying would get the same answer, so the tail has ended.
    Failed(LokiError),
    Stopped,
}

/// What a running tail reports.
#[derive(Debug, Clone, PartialEq)]
pub enum TailEvent {
    Lines(Vec<LogLine>),
    /// Entries Loki says it dropped in this frame (`dropped_entries`).
    Dropped(u64),
    State(TailState),
    /// After a reconnect Loki replayed a full `limit` of lines, all newer
    /// than `before_ns`: lines between the last one received (`after_ns`)
    /// and `before_ns` may be missing. Sent before the replayed lines.
    Gap {
        after_ns: i128,
        before_ns: i128,
    },
}

#[async_trait::async_trait]
pub trait LokiApi: Send + Sync {
    /// Lines in Loki's order for the direction (newest first for backward).
    async fn query_range(&self, q: &RangeQuery) -> Result<Vec<LogLine>, LokiError>;
    async fn labels(&self, start_ns: i128, end_ns: i128) -> Result<Vec<String>, LokiError>;
    async fn label_values(
        &self,
        name: &str,
        start_ns: i128,
        end_ns: i128,
    ) -> Result<Vec<String>, LokiError>;
    /// A metric query_range (the volume histogram).
    async fn matrix(
        &self,
        query: &str,
        start_ns: i128,
        end_ns: i128,
        step_secs: u64,
    ) -> Result<Vec<VolumeSeries>, LokiError>;
    /// Tail `query` from `start_ns` until `tx` closes, reconnecting as needed.
    async fn tail(&self, query: &str, start_ns: i128, limit: usize, tx: mpsc::Sender<TailEvent>);
    /// The server version (for the status bar and `warroom doctor`).
    async fn version(&self) -> Result<String, LokiError>;
}

/// What the histogram groups by: the stream's `level` label and Loki 3's
/// `detected_level` (structured metadata or label), so streams without a
/// level label are still split by level. Older Lokis simply lack the second.
pub const VOLUME_GROUPING: &str = "sum by (level, detected_level) (count_over_time(";

/// `sum by (level, detected_level) (count_over_time(QUERY [STEP]))` for a
/// log query; `None` for a metric query (it has no lines to count).
pub fn volume_query(query: &str, step_secs: u64) -> Option<String> {
    let q = query.trim();
    if !q.starts_with('{') {
        return None;
    }
    Some(format!("{VOLUME_GROUPING}{q} [{}s]))", step_secs.max(1)))
}

/// A histogram step giving about `buckets` bars over the range, rounded to a
/// step a human recognises.
pub fn volume_step(start_ns: i128, end_ns: i128, buckets: u64) -> u64 {
    const NICE: [u64; 14] = [
        1, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600,
    ];
    let secs = ((end_ns - start_ns) / 1_000_000_000).max(1) as u64;
    let raw = secs.div_ceil(buckets.max(1));
    NICE.iter().copied().find(|n| *n >= raw).unwrap_or(86400)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_keep_lokis_text_and_add_a_hint() {
        let e = LokiError::from_status(
            400,
            "parse error at line 1, col 6: syntax error: unexpected IDENTIFIER\n",
        );
        assert_eq!(
            e.message,
            "parse error at line 1, col 6: syntax error: unexpected IDENTIFIER"
        );
        assert!(e.hint.contains("LogQL"));
        let e = LokiError::from_status(
            400,
            "max entries limit per query exceeded, limit > max_entries_limit (10000 > 5000)",
        );
        assert!(e.hint.contains("lower the limit"));
        assert!(
            LokiError::from_status(504, "")
                .to_string()
                .contains("narrow")
        );
        assert!(
            LokiError::from_status(429, "too many outstanding requests")
                .hint
                .contains("rate")
        );
    }

    #[test]
    fn volume_query_and_step() {
        assert_eq!(
            volume_query(r#"{app="api"} |= "err""#, 60).unwrap(),
            r#"sum by (level, detected_level) (count_over_time({app="api"} |= "err" [60s]))"#
        );
        assert!(volume_query("rate({app=\"api\"}[1m])", 60).is_none());
        assert_eq!(volume_step(0, 3600 * 1_000_000_000, 60), 60);
        assert_eq!(volume_step(0, 300 * 1_000_000_000, 60), 5);
        assert_eq!(volume_step(0, 86400 * 1_000_000_000, 60), 1800);
    }
}
