//! Prometheus' HTTP query API, typed: range and instant queries, and the
//! names, labels and values the editor completes. [`MetricsApi`] is what the
//! worker and `warroom metrics` talk to; [`PromClient`] asks a configured
//! `[[prometheus]]` (same auth and TLS as the alerts domain, through
//! `httpapi::HttpClient`) and the demo's simulated Prometheus answers the same.

use super::parse::{self, Envelope, QueryResult};
use crate::config::HttpEndpoint;
use crate::httpapi::{Answer, ClientError, Excerpt, HttpClient};
use crate::source::SourceKind;
use std::time::Duration;

/// Prometheus refuses a range query of more points than this per series.
pub const MAX_POINTS: u64 = 11_000;

/// A range query: `[start, end]` in unix seconds, every `step`.
#[derive(Debug, Clone, PartialEq)]
pub struct RangeQuery {
    pub query: String,
    pub start: f64,
    pub end: f64,
    pub step: Duration,
}

/// The answer and Prometheus' warnings (sanitised).
#[derive(Debug, Clone, PartialEq)]
pub struct Answered {
    pub result: QueryResult,
    pub warnings: Vec<String>,
}

/// Why a query failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MetricsError {
    /// No answer, a non-Prometheus answer (an HTML page, a proxy's 502),
    /// or a client that could not be built.
    #[error(transparent)]
    Client(#[from] ClientError),
    /// Prometheus' own error: `bad_data` with the position for a parse
    /// error, `execution`, `timeout`, `canceled`… Text sanitised.
    #[error("{error_type}: {error}")]
    Prometheus {
        status: u16,
        error_type: String,
        error: String,
    },
    /// No `[[prometheus]]` is configured (or not the one named).
    #[error("{0}")]
    NotConfigured(String),
}

impl MetricsError {
    /// The query itself is wrong (Prometheus said `bad_data`): fix the
    /// query, not the config.
    pub fn is_bad_query(&self) -> bool {
        matches!(self, Self::Prometheus { error_type, .. } if error_type == "bad_data")
    }

    /// What to do about it, naming the `[[prometheus]]` entry when the
    /// trouble is reaching it.
    pub fn hint(&self, ep: Option<&HttpEndpoint>) -> String {
        match self {
            Self::Client(e) => match ep {
                Some(ep) => e.hint(SourceKind::Prometheus, ep),
                None => "check the [[prometheus]] entry".into(),
            },
            Self::Prometheus { error_type, .. } => match error_type.as_str() {
                "bad_data" => "fix the PromQL query (the position is line:column)".into(),
                "timeout" | "canceled" => {
                    "the query took too long: narrow the range or the selector".into()
                }
                _ => "Prometheus could not run the query".into(),
            },
            Self::NotConfigured(_) => {
                "add a [[prometheus]] entry with name and url to the config".into()
            }
        }
    }
}

/// What the metrics pane and `warroom metrics` ask of a Prometheus.
#[async_trait::async_trait]
pub trait MetricsApi: Send + Sync {
    async fn query_range(&self, q: &RangeQuery) -> Result<Answered, MetricsError>;
    /// An instant query at `at` (unix seconds; now when `None`).
    async fn query(&self, query: &str, at: Option<f64>) -> Result<Answered, MetricsError>;
    /// Metric names, scoped by `match[]` selectors when given.
    async fn metric_names(&self, matchers: &[String]) -> Result<Vec<String>, MetricsError> {
        self.label_values("__name__", matchers).await
    }
    async fn label_names(&self, matchers: &[String]) -> Result<Vec<String>, MetricsError>;
    async fn label_values(
        &self,
        label: &str,
        matchers: &[String],
    ) -> Result<Vec<String>, MetricsError>;
    /// What the source is, for a status line (`prometheus "main"`, `DEMO`).
    fn describe(&self) -> String;
}

/// A configured Prometheus.
#[derive(Debug, Clone)]
pub struct PromClient {
    http: HttpClient,
    pub endpoint: HttpEndpoint,
}

impl PromClient {
    pub fn new(ep: &HttpEndpoint) -> Result<Self, MetricsError> {
        Ok(Self {
            http: HttpClient::new(ep)?,
            endpoint: ep.clone(),
        })
    }

    /// The entry named `name`, else the first.
    pub fn pick<'a>(
        all: &'a [HttpEndpoint],
        name: Option<&str>,
    ) -> Result<&'a HttpEndpoint, MetricsError> {
        match name {
            Some(n) => all.iter().find(|e| e.name == n).ok_or_else(|| {
                let known: Vec<&str> = all.iter().map(|e| e.name.as_str()).collect();
                MetricsError::NotConfigured(format!(
                    "no [[prometheus]] named {n:?} (configured: {})",
                    if known.is_empty() {
                        "none".to_string()
                    } else {
                        known.join(", ")
                    }
                ))
            }),
            None => all.first().ok_or_else(|| {
                MetricsError::NotConfigured("no [[prometheus]] is configured".into())
            }),
        }
    }

    async fn list(&self, path: &str, matchers: &[String]) -> Result<Vec<String>, MetricsError> {
        let params: Vec<(&str, String)> = matchers.iter().map(|m| ("match[]", m.clone())).collect();
        let answer = self.http.get_answer(path, &params).await?;
        let env: Envelope<Vec<String>> =
            decode(&self.http, path, &answer, |b| serde_json::from_slice(b))?;
        Ok(check(env)?
            .0
            .into_iter()
            .map(|s| crate::text::sanitize(&s).into_owned())
            .collect())
    }

    async fn run(&self, path: &str, params: &[(&str, String)]) -> Result<Answered, MetricsError> {
        let answer = self.http.get_answer(path, params).await?;
        let env = decode(&self.http, path, &answer, parse::parse_query)?;
        let (result, warnings) = check(env)?;
        Ok(Answered { result, warnings })
    }
}

/// Prometheus' envelope from any status; a body that is not one (an HTML
/// page, a proxy's text) is the client's error with the status and excerpt.
fn decode<T>(
    http: &HttpClient,
    path: &str,
    answer: &Answer,
    parse: impl Fn(&[u8]) -> Result<Envelope<T>, serde_json::Error>,
) -> Result<Envelope<T>, MetricsError> {
    let what = format!("GET {}", http.url(path));
    match parse(&answer.body) {
        Ok(env) => Ok(env),
        Err(_) if !answer.status.is_success() => Err(ClientError::Status {
            what,
            status: answer.status.as_u16(),
            excerpt: Excerpt::of(&answer.body),
        }
        .into()),
        Err(e) => Err(ClientError::Decode {
            what,
            status: answer.status.as_u16(),
            html: answer.looks_html(),
            reason: e.to_string(),
            excerpt: Excerpt::of(&answer.body),
        }
        .into()),
    }
    .and_then(|env| {
        if env.status != "success" {
            Err(MetricsError::Prometheus {
                status: answer.status.as_u16(),
                error_type: clean(env.error_type.as_deref().unwrap_or("error")),
                error: clean(env.error.as_deref().unwrap_or("")),
            })
        } else {
            Ok(env)
        }
    })
}

fn clean(s: &str) -> String {
    crate::text::sanitize(s).into_owned()
}

/// The data of a successful envelope, with its warnings.
fn check<T>(env: Envelope<T>) -> Result<(T, Vec<String>), MetricsError> {
    let warnings = env.warnings.iter().map(|w| clean(w)).collect();
    match env.data {
        Some(d) => Ok((d, warnings)),
        None => Err(MetricsError::Prometheus {
            status: 200,
            error_type: "no_data".into(),
            error: "Prometheus answered success without data".into(),
        }),
    }
}

/// Go's duration syntax for `step` (whole seconds).
fn step_param(step: Duration) -> String {
    format!("{}s", step.as_secs().max(1))
}

#[async_trait::async_trait]
impl MetricsApi for PromClient {
    async fn query_range(&self, q: &RangeQuery) -> Result<Answered, MetricsError> {
        let params = [
            ("query", q.query.clone()),
            ("start", format!("{:.3}", q.start)),
            ("end", format!("{:.3}", q.end)),
            ("step", step_param(q.step)),
        ];
        self.run("/api/v1/query_range", &params).await
    }

    async fn query(&self, query: &str, at: Option<f64>) -> Result<Answered, MetricsError> {
        let mut params = vec![("query", query.to_string())];
        if let Some(t) = at {
            params.push(("time", format!("{t:.3}")));
        }
        self.run("/api/v1/query", &params).await
    }

    async fn label_names(&self, matchers: &[String]) -> Result<Vec<String>, MetricsError> {
        self.list("/api/v1/labels", matchers).await
    }

    async fn label_values(
        &self,
        label: &str,
        matchers: &[String],
    ) -> Result<Vec<String>, MetricsError> {
        if !valid_label_name(label) {
            return Err(MetricsError::Prometheus {
                status: 400,
                error_type: "bad_data".into(),
                error: format!("invalid label name: {:?}", clean(label)),
            });
        }
        self.list(&format!("/api/v1/label/{label}/values"), matchers)
            .await
    }

    fn describe(&self) -> String {
        format!("prometheus {:?}", self.endpoint.name)
    }
}

/// `[a-zA-Z_][a-zA-Z0-9_]*`: safe in a path without escaping.
pub fn valid_label_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Decoding helper kept for callers that already hold a body (tests, bench).
pub fn parse_answer(body: &[u8]) -> Result<Answered, String> {
    let env = parse::parse_query(body).map_err(|e| e.to_string())?;
    if env.status != "success" {
        return Err(format!(
            "{}: {}",
            env.error_type.unwrap_or_default(),
            env.error.unwrap_or_default()
        ));
    }
    let (result, warnings) = check(env).map_err(|e| e.to_string())?;
    Ok(Answered { result, warnings })
}
