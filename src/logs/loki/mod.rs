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
use std::path::PathBuf;
use std::time::Duration;
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

/// What kind of trouble Loki's own error text describes. Loki answers errors
/// as `text/plain` with no code beyond the HTTP status, so its words are
/// read once, here, when the answer arrives; the hint comes from the kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    /// `max entries limit per query exceeded`.
    MaxEntries,
    /// `parse error …` / `syntax error …`: the LogQL is wrong.
    Syntax,
    /// 429 or `too many outstanding requests`.
    RateLimited,
    /// 502–504 or a timeout: the query took too long.
    TooSlow,
    /// Another limit (`the query time range exceeds the limit`…).
    Limit,
    /// 401/403: credentials or tenant.
    Auth,
    /// 404: not Loki's API at that url.
    NotFound,
    /// Another 400.
    BadRequest,
    Other,
}

impl Problem {
    /// Classify Loki's answer (`text` is its body, sanitised).
    pub fn of(status: u16, text: &str) -> Self {
        let lower = text.to_ascii_lowercase();
        if lower.contains("max entries limit") {
            Self::MaxEntries
        } else if lower.contains("parse error") || lower.contains("syntax error") {
            Self::Syntax
        } else if lower.contains("too many outstanding requests") || status == 429 {
            Self::RateLimited
        } else if matches!(status, 502..=504) || lower.contains("timeout") {
            Self::TooSlow
        } else if lower.contains("the query time range exceeds") || lower.contains("limit") {
            Self::Limit
        } else if matches!(status, 401 | 403) {
            Self::Auth
        } else if status == 404 {
            Self::NotFound
        } else if status == 400 {
            Self::BadRequest
        } else {
            Self::Other
        }
    }

    pub fn hint(self) -> &'static str {
        match self {
            Self::MaxEntries => {
                "lower the limit (t in the Logs pane, --limit) or narrow the time range"
            }
            Self::Syntax => "fix the LogQL syntax",
            Self::RateLimited => {
                "Loki is rate-limiting: narrow the time range, add label matchers, or wait a little"
            }
            Self::TooSlow => "the query took too long: narrow the time range or add label matchers",
            Self::Limit => "narrow the time range",
            Self::Auth => "check [loki] bearer_token_file / basic_auth and org_id",
            Self::NotFound => {
                "check [loki] url: it should be Loki's base URL (without /loki/api/v1)"
            }
            Self::BadRequest => "check the query and the time range",
            Self::Other => "Loki failed: narrow the time range, or look at Loki's own logs",
        }
    }
}

/// Which request a `{"status":"error"}` answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Request {
    Query,
    Labels,
}

/// A Loki failure: the facts as data (HTTP status, Loki's own words, the
/// config key at fault); [`LokiError::hint`] says what to do, chosen from
/// the variant. Displayed as `message — hint`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error(
    "{}{}{}",
    match self.status() { Some(s) => format!("Loki answered {s}: "), None => String::new() },
    self.message(),
    match self.hint() { "" => String::new(), h => format!(" — {h}") }
)]
pub enum LokiError {
    /// `[loki] url` does not parse.
    BadUrl {
        url: String,
        reason: String,
    },
    /// `[loki] org_id` cannot be sent as a header.
    BadOrgId,
    /// A credential or CA file named under `[loki]`.
    Setup(crate::http::SetupError),
    /// `[loki] ca_file` for the tail websocket's TLS.
    CaFile {
        path: PathBuf,
        reason: String,
    },
    CaEmpty {
        path: PathBuf,
    },
    /// The TLS library refused the settings.
    Tls {
        reason: String,
    },
    /// Loki was not reached (connection refused, DNS, TLS, a broken websocket request).
    Unreachable {
        url: String,
        reason: String,
    },
    /// No answer within the client's timeout.
    TimedOut {
        after: Duration,
    },
    /// Loki answered an error status; `text` is its own words (sanitised, bounded).
    Status {
        status: u16,
        problem: Problem,
        text: String,
    },
    /// A 200 answer saying `{"status":"error"}`.
    Reported {
        request: Request,
        text: String,
    },
    /// The answer is not Loki's JSON (HTML, a login page, garbage).
    NotLoki {
        reason: String,
        excerpt: String,
    },
    /// A query answer of a result type warroom does not read.
    UnknownResult {
        result_type: String,
    },
    /// The volume query answered something other than a matrix.
    NotMatrix {
        result_type: String,
    },
    /// There is no `[loki]`.
    NotConfigured,
}

impl LokiError {
    /// Loki answered `status` with a `text/plain` body: keep its words.
    pub fn from_status(status: u16, body: &str) -> Self {
        let text = crate::text::sanitize(body.trim()).into_owned();
        let text = crate::text::truncate(&text, 2000).into_owned();
        Self::Status {
            status,
            problem: Problem::of(status, &text),
            text,
        }
    }

    /// Could not talk to Loki at all (connection refused, DNS, TLS).
    pub fn unreachable(url: &str, err: impl std::fmt::Display) -> Self {
        Self::Unreachable {
            url: url.to_string(),
            reason: err.to_string(),
        }
    }

    /// HTTP status, when Loki answered with one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Status { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Not an error status from Loki: it was not reached, is misconfigured,
    /// or what answered is not Loki. The source's status shows these.
    pub fn is_connection(&self) -> bool {
        self.status().is_none()
    }

    /// What went wrong, without the hint (the source status shows them
    /// apart); for an error status, Loki's own words.
    pub fn message(&self) -> String {
        match self {
            Self::BadUrl { url, reason } => format!("[loki] url {url:?}: {reason}"),
            Self::BadOrgId => "[loki] org_id is not a valid header value".into(),
            Self::Setup(e) => e.to_string(),
            Self::CaFile { path, reason } => {
                format!("[loki] ca_file {}: {reason}", path.display())
            }
            Self::CaEmpty { path } => {
                format!("[loki] ca_file {} holds no certificate", path.display())
            }
            Self::Tls { reason } => format!("TLS setup: {reason}"),
            Self::Unreachable { url, reason } => format!("cannot reach Loki at {url}: {reason}"),
            Self::TimedOut { after } => {
                format!("Loki did not answer within {}s", after.as_secs())
            }
            Self::Status { status, text, .. } if text.is_empty() => {
                format!("HTTP {status} with an empty body")
            }
            Self::Status { text, .. } => text.clone(),
            Self::Reported { text, .. } => text.clone(),
            Self::NotLoki { reason, excerpt } => {
                format!("the answer is not a Loki response ({reason}); it starts with: {excerpt}")
            }
            Self::UnknownResult { result_type } => {
                format!("Loki answered with an unknown result type {result_type:?}")
            }
            Self::NotMatrix { result_type } => {
                format!("expected a matrix, Loki answered {result_type:?}")
            }
            Self::NotConfigured => "Loki is not configured".into(),
        }
    }

    /// What the operator can do about it, chosen from the variant.
    pub fn hint(&self) -> &'static str {
        use crate::http::{Credential, SetupError};
        match self {
            Self::BadUrl { .. } => "set [loki] url to e.g. http://loki:3100",
            Self::BadOrgId => "use plain ASCII",
            Self::Setup(SetupError::Secret {
                credential: Credential::BearerToken,
                ..
            }) => "fix [loki] bearer_token_file: it must name a readable file",
            Self::Setup(SetupError::Secret {
                credential: Credential::BasicAuthPassword,
                ..
            }) => "fix [loki] basic_auth.password_file: it must name a readable file",
            Self::Setup(SetupError::HeaderValue { .. }) => {
                "fix the credential file named under [loki]"
            }
            Self::Setup(_) => "fix the file or TLS setting named under [loki]",
            Self::CaFile { .. } | Self::CaEmpty { .. } | Self::Tls { .. } => {
                "fix [loki] ca_file (a PEM certificate)"
            }
            Self::Unreachable { .. } => {
                "check [loki] url and that Loki is running and reachable from here"
            }
            Self::TimedOut { .. } => "narrow the time range or add label matchers",
            Self::Status { problem, .. } => problem.hint(),
            Self::Reported {
                request: Request::Query,
                ..
            } => "check the query and the time range",
            Self::Reported {
                request: Request::Labels,
                ..
            } => "check the time range",
            Self::NotLoki { .. } => {
                "check that [loki] url points at Loki itself (not Grafana or a login page)"
            }
            Self::UnknownResult { .. } | Self::NotMatrix { .. } => "",
            Self::NotConfigured => super::worker::NOT_CONFIGURED_HINT,
        }
    }
}

impl From<crate::http::SetupError> for LokiError {
    fn from(e: crate::http::SetupError) -> Self {
        Self::Setup(e)
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
            e.message(),
            "parse error at line 1, col 6: syntax error: unexpected IDENTIFIER"
        );
        assert!(matches!(
            e,
            LokiError::Status {
                status: 400,
                problem: Problem::Syntax,
                ..
            }
        ));
        assert!(e.hint().contains("LogQL"));
        let e = LokiError::from_status(
            400,
            "max entries limit per query exceeded, limit > max_entries_limit (10000 > 5000)",
        );
        assert!(e.hint().contains("lower the limit"));
        let e = LokiError::from_status(504, "");
        assert_eq!(e.status(), Some(504));
        assert_eq!(
            e.to_string(),
            "Loki answered 504: HTTP 504 with an empty body — \
             the query took too long: narrow the time range or add label matchers"
        );
        assert!(
            LokiError::from_status(429, "too many outstanding requests")
                .hint()
                .contains("rate")
        );
    }

    #[test]
    fn each_hint_comes_from_the_kind_of_failure() {
        let status = |code: u16, body: &str| LokiError::from_status(code, body);
        // Credentials and tenant: the status says it, whatever the body.
        for code in [401, 403] {
            let e = status(code, "no org id\n");
            assert!(
                matches!(
                    e,
                    LokiError::Status {
                        problem: Problem::Auth,
                        ..
                    }
                ),
                "{e:?}"
            );
            assert!(e.hint().contains("bearer_token_file") && e.hint().contains("org_id"));
            assert!(!e.is_connection());
        }
        let e = status(404, "404 page not found");
        assert_eq!(e.hint(), Problem::NotFound.hint());
        assert!(e.hint().contains("check [loki] url"));
        // Not reached at all: the url, and the source shows it as down.
        let e = LokiError::unreachable("http://loki:3100/", "connection refused");
        assert!(e.is_connection() && e.status().is_none());
        assert!(e.hint().starts_with("check [loki] url"), "{}", e.hint());
        assert_eq!(
            e.to_string(),
            "cannot reach Loki at http://loki:3100/: connection refused — \
             check [loki] url and that Loki is running and reachable from here"
        );
        let e = LokiError::NotLoki {
            reason: "expected value at line 1 column 1".into(),
            excerpt: "<html>".into(),
        };
        assert!(e.hint().contains("[loki] url"));
        // A credential file names its key.
        let e = LokiError::from(crate::http::SetupError::Secret {
            section: "[loki]".into(),
            credential: crate::http::Credential::BasicAuthPassword,
            path: "/run/secrets/loki".into(),
            reason: "cannot read secret file /run/secrets/loki: No such file".into(),
        });
        assert!(
            e.hint().contains("[loki] basic_auth.password_file"),
            "{}",
            e.hint()
        );
        assert!(e.message().contains("[loki] basic_auth.password_file"));
        assert!(LokiError::BadOrgId.message().contains("org_id"));
        assert!(LokiError::NotConfigured.hint().contains("[loki] url"));
        // No hint, no dash.
        let e = LokiError::NotMatrix {
            result_type: "vector".into(),
        };
        assert_eq!(e.to_string(), "expected a matrix, Loki answered \"vector\"");
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
