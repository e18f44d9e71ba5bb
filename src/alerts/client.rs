//! HTTP access to one Prometheus or Alertmanager: auth from files, TLS
//! verification on by default (plus an optional CA file), and errors that fit
//! on one line and say what came back — status code and the start of the body —
//! instead of a bare decoder message.

use super::api::{self, PostableSilence};
use super::model::{Silence, Snapshot};
use crate::action::ActionError;
use crate::config::HttpEndpoint;
use crate::source::{SourceId, SourceKind};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::time::Duration;

const TIMEOUT: Duration = Duration::from_secs(10);
/// How much of an unexpected body an error quotes.
const EXCERPT: usize = 120;

/// What a transport failure was, for the operator (and the hint).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    TimedOut,
    /// Connection refused, DNS, TLS handshake.
    Connect,
    Other,
}

impl Transport {
    fn of(e: &reqwest::Error) -> Self {
        if e.is_timeout() {
            Self::TimedOut
        } else if e.is_connect() {
            Self::Connect
        } else {
            Self::Other
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Self::TimedOut => "timed out",
            Self::Connect => "cannot connect",
            Self::Other => "request failed",
        }
    }
}

/// The first bytes of a body on one line: bounded and sanitised, safe to print.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Excerpt(String);

impl Excerpt {
    pub fn of(bytes: &[u8]) -> Self {
        let text = String::from_utf8_lossy(&bytes[..bytes.len().min(EXCERPT * 4)]);
        let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
        let clean = crate::text::sanitize(&one_line);
        Self(crate::text::truncate(&clean, EXCERPT).into_owned())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Quoted, or `(empty body)`.
impl std::fmt::Display for Excerpt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.0.is_empty() {
            f.write_str("(empty body)")
        } else {
            write!(f, "{:?}", self.0)
        }
    }
}

/// `500 Internal Server Error`, as reqwest prints a status.
fn status_text(status: u16) -> String {
    reqwest::StatusCode::from_u16(status)
        .map(|s| s.to_string())
        .unwrap_or_else(|_| status.to_string())
}

/// Why a request to a Prometheus or Alertmanager failed. `what` is the
/// request (`GET http://am:9093/api/v2/alerts`); the status and the body's
/// start are data, so the hint and the action error are chosen from them.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ClientError {
    /// The client could not be built (a secret or CA file).
    #[error(transparent)]
    Setup(#[from] crate::http::SetupError),
    /// Nothing answered (refused, DNS, TLS, timeout), or the answer broke off.
    #[error("{what}: {}{}{cause}", if *.reading { "reading the response: " } else { "" }, .kind.as_str())]
    Transport {
        what: String,
        kind: Transport,
        /// The innermost cause, sanitised, with its `: ` (or empty).
        cause: String,
        /// It failed while reading the body, after the status arrived.
        reading: bool,
    },
    /// A non-2xx answer.
    #[error("{what}: HTTP {}: {excerpt}", status_text(*.status))]
    Status {
        what: String,
        status: u16,
        excerpt: Excerpt,
    },
    /// A 2xx answer that is not the JSON expected.
    #[error(
        "{what}: HTTP {} but {}; body starts: {excerpt}",
        status_text(*.status),
        if *.html { "an HTML page, not JSON (does the url point at the API?)".to_string() } else { format!("malformed JSON ({})", .reason) }
    )]
    Decode {
        what: String,
        status: u16,
        /// The body is an HTML page (a proxy, a login page, Grafana).
        html: bool,
        /// The decoder's words.
        reason: String,
        excerpt: Excerpt,
    },
    /// Prometheus answered `{"status":"error"}` (or another non-success status).
    #[error("{url}: Prometheus answered {status}: {error_type} {error}")]
    Prometheus {
        url: String,
        status: String,
        error_type: String,
        /// Sanitised.
        error: String,
    },
    #[error("{url}: Prometheus answered success without data")]
    NoData { url: String },
}

impl ClientError {
    /// The HTTP status, when the server answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Status { status, .. } | Self::Decode { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// What to change for this source, naming its `[[prometheus]]` /
    /// `[[alertmanager]]` entry: refused credentials point at the credential
    /// keys, an unreadable file at its key, everything else at the url.
    pub fn hint(&self, kind: SourceKind, ep: &HttpEndpoint) -> String {
        match self {
            Self::Status {
                status: 401 | 403, ..
            } => format!(
                "the server refused the credentials: check bearer_token_file or basic_auth \
                 (username, password_file) of {} name = {:?} — an expired token file?",
                kind.config_key(),
                ep.name
            ),
            Self::Setup(e) => format!(
                "fix {} of {} name = {:?}",
                e.key().unwrap_or("the TLS settings"),
                kind.config_key(),
                ep.name
            ),
            _ => format!(
                "check {} name = {:?} url = {:?} (reachable from here? credentials?)",
                kind.config_key(),
                ep.name,
                ep.url
            ),
        }
    }

    /// The action error of this kind carrying `message` (the caller may have
    /// added what was and was not changed).
    pub fn to_action_error(&self, message: String) -> ActionError {
        match self {
            Self::Setup(_) | Self::Transport { .. } => ActionError::Unreachable(message),
            Self::Status {
                status: status @ (401 | 403),
                ..
            } => ActionError::Denied {
                message,
                status: *status,
            },
            Self::Status { status: 404, .. } => ActionError::NotFound(message),
            Self::Status {
                status: 400 | 422, ..
            } => ActionError::Invalid(message),
            Self::Status { status, .. } | Self::Decode { status, .. } => ActionError::Backend {
                message,
                status: Some(*status),
            },
            Self::Prometheus { .. } | Self::NoData { .. } => ActionError::Backend {
                message,
                status: None,
            },
        }
    }
}

impl From<ClientError> for ActionError {
    fn from(e: ClientError) -> Self {
        e.to_action_error(e.to_string())
    }
}

/// A client for one configured endpoint. Cheap to clone.
#[derive(Clone)]
pub struct HttpClient {
    client: reqwest::Client,
    base: String,
}

impl std::fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print credentials.
        f.debug_struct("HttpClient")
            .field("base", &self.base)
            .finish()
    }
}

impl HttpClient {
    /// Reads the secret files and the CA file; the error names the file or key to fix.
    pub fn new(ep: &HttpEndpoint) -> Result<Self, ClientError> {
        // Credentials become a sensitive default header (see crate::http).
        let client = crate::http::client(
            &ep.auth,
            &format!("endpoint {:?}", ep.name),
            reqwest::header::HeaderMap::new(),
            TIMEOUT,
        )?;
        Ok(Self {
            client,
            base: ep.url.trim_end_matches('/').to_string(),
        })
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.client.request(method, self.url(path))
    }

    /// Send; a transport failure or non-2xx status is one readable line.
    pub async fn call_raw(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&dyn ErasedBody>,
    ) -> Result<(reqwest::StatusCode, bool, Vec<u8>), ClientError> {
        let what = format!("{method} {}", self.url(path));
        let mut rb = self.request(method, path);
        if let Some(b) = body {
            rb = rb
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(b.to_json());
        }
        let resp = rb.send().await.map_err(|e| transport(&what, &e, false))?;
        let status = resp.status();
        let html = resp
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("html"));
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| transport(&what, &e, true))?
            .to_vec();
        if !status.is_success() {
            return Err(ClientError::Status {
                what,
                status: status.as_u16(),
                excerpt: Excerpt::of(&bytes),
            });
        }
        Ok((status, html, bytes))
    }

    /// Send and decode JSON; every failure is one readable line.
    pub async fn call<T: DeserializeOwned>(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&dyn ErasedBody>,
    ) -> Result<T, ClientError> {
        let what = format!("{method} {}", self.url(path));
        let (status, html, bytes) = self.call_raw(method, path, body).await?;
        serde_json::from_slice(&bytes).map_err(|e| ClientError::Decode {
            what,
            status: status.as_u16(),
            html: html || bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'<'),
            reason: e.to_string(),
            excerpt: Excerpt::of(&bytes),
        })
    }

    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, ClientError> {
        self.call(reqwest::Method::GET, path, None).await
    }
}

/// A JSON body without making `call` generic over it.
pub trait ErasedBody: Send + Sync {
    fn to_json(&self) -> Vec<u8>;
}

impl<T: Serialize + Send + Sync> ErasedBody for T {
    fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }
}

/// A transport failure with its innermost cause, shortened to what an operator acts on.
fn transport(what: &str, e: &reqwest::Error, reading: bool) -> ClientError {
    let mut src: Option<&dyn std::error::Error> = std::error::Error::source(e);
    let mut last = String::new();
    while let Some(s) = src {
        last = s.to_string();
        src = s.source();
    }
    let cause = if last.is_empty() {
        last
    } else {
        format!(": {}", crate::text::sanitize(&last))
    };
    ClientError::Transport {
        what: what.to_string(),
        kind: Transport::of(e),
        cause,
        reading,
    }
}

// ---- Prometheus -------------------------------------------------------------

async fn prom_get<T: DeserializeOwned>(c: &HttpClient, path: &str) -> Result<T, ClientError> {
    let env: api::PromEnvelope<T> = c.get(path).await?;
    if env.status != "success" {
        return Err(ClientError::Prometheus {
            url: c.url(path),
            status: crate::text::sanitize(&env.status).into_owned(),
            error_type: crate::text::sanitize(&env.error_type.unwrap_or_default()).into_owned(),
            error: crate::text::sanitize(&env.error.unwrap_or_default()).into_owned(),
        });
    }
    env.data
        .ok_or_else(|| ClientError::NoData { url: c.url(path) })
}

/// Alerts are required; a failing `/api/v1/rules` only makes the snapshot
/// partial, because rules are context and the alerts are what on-call acts on.
pub async fn prometheus_snapshot(c: &HttpClient, name: &str) -> Result<Snapshot, ClientError> {
    let (alerts, rules) = tokio::join!(
        prom_get::<api::PromAlerts>(c, "/api/v1/alerts"),
        prom_get::<api::PromRules>(c, "/api/v1/rules"),
    );
    let mut snap = Snapshot::new(
        SourceId::new(SourceKind::Prometheus, name),
        jiff::Timestamp::now(),
    );
    snap.alerts = alerts?
        .alerts
        .into_iter()
        .filter_map(api::PromAlert::into_model)
        .collect();
    match rules {
        Ok(rules) => {
            snap.rules_total = rules.total();
            snap.broken_rules = rules.broken();
        }
        Err(e) => {
            snap.rules_at = None;
            snap.partial.push(("rules".into(), e.to_string()));
        }
    }
    Ok(snap)
}

pub async fn prometheus_version(c: &HttpClient) -> Result<String, ClientError> {
    let b: api::PromBuildInfo = prom_get(c, "/api/v1/status/buildinfo").await?;
    Ok(format!("v{}", b.version))
}

// ---- Alertmanager -------------------------------------------------------------

pub async fn am_alerts(c: &HttpClient) -> Result<Vec<api::AmAlert>, ClientError> {
    c.get("/api/v2/alerts").await
}

pub async fn am_silences(c: &HttpClient, name: &str) -> Result<Vec<Silence>, ClientError> {
    let s: Vec<api::AmSilence> = c.get("/api/v2/silences").await?;
    Ok(s.into_iter().map(|s| s.into_model(name)).collect())
}

pub async fn am_status(c: &HttpClient) -> Result<api::AmStatus, ClientError> {
    c.get("/api/v2/status").await
}

/// Alerts are required; a failing `/api/v2/silences` only makes the snapshot
/// partial (the pane keeps the previous silences, marked stale).
pub async fn alertmanager_snapshot(c: &HttpClient, name: &str) -> Result<Snapshot, ClientError> {
    let (alerts, silences) = tokio::join!(am_alerts(c), am_silences(c, name));
    let mut snap = Snapshot::new(
        SourceId::new(SourceKind::Alertmanager, name),
        jiff::Timestamp::now(),
    );
    snap.alerts = alerts?.into_iter().map(api::AmAlert::into_model).collect();
    match silences {
        Ok(s) => snap.silences = s,
        Err(e) => {
            snap.silences_at = None;
            snap.partial.push(("silences".into(), e.to_string()));
        }
    }
    Ok(snap)
}

pub async fn am_create_silence(c: &HttpClient, s: &PostableSilence) -> Result<String, ClientError> {
    let r: api::SilenceCreated = c
        .call(reqwest::Method::POST, "/api/v2/silences", Some(s))
        .await?;
    Ok(r.silence_id)
}

pub async fn am_expire_silence(c: &HttpClient, id: &str) -> Result<(), ClientError> {
    let path = format!("/api/v2/silence/{}", url_escape(id));
    c.call_raw(reqwest::Method::DELETE, &path, None).await?;
    Ok(())
}

fn url_escape(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c.to_string()
            } else {
                format!("%{:02X}", c as u32 & 0xff)
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::HttpAuth;

    fn ep(url: &str) -> HttpEndpoint {
        HttpEndpoint {
            name: "main".into(),
            url: url.into(),
            auth: HttpAuth {
                tls_verify: true,
                ..Default::default()
            },
            interval: Duration::from_secs(15),
        }
    }

    fn status(code: u16, body: &[u8]) -> ClientError {
        ClientError::Status {
            what: "POST http://am:9093/api/v2/silences".into(),
            status: code,
            excerpt: Excerpt::of(body),
        }
    }

    #[test]
    fn refused_credentials_name_the_entrys_credential_keys() {
        let ep = ep("http://am:9093");
        for code in [401, 403] {
            let e = status(code, b"Unauthorized\n");
            let hint = e.hint(SourceKind::Alertmanager, &ep);
            assert!(
                hint.contains("refused the credentials")
                    && hint.contains("bearer_token_file")
                    && hint.contains("basic_auth")
                    && hint.contains("[[alertmanager]] name = \"main\""),
                "{hint}"
            );
            assert_eq!(
                ActionError::from(e.clone()),
                ActionError::Denied {
                    message: e.to_string(),
                    status: code
                }
            );
        }
        // Another status is about the url, even when the body talks about auth.
        let e = status(502, b"auth proxy: HTTP 401 upstream");
        let hint = e.hint(SourceKind::Prometheus, &ep);
        assert!(
            hint.starts_with("check [[prometheus]] name = \"main\" url = \"http://am:9093\""),
            "{hint}"
        );
    }

    #[test]
    fn statuses_become_the_matching_action_error() {
        let bad = status(400, b"silence invalid: invalid label matcher");
        assert!(
            matches!(ActionError::from(bad), ActionError::Invalid(m) if m.contains("HTTP 400 Bad Request"))
        );
        let gone = status(404, b"silence not found");
        assert!(matches!(ActionError::from(gone), ActionError::NotFound(_)));
        let e = status(500, b"<html><h1>Internal error</h1></html>");
        assert_eq!(
            e.to_string(),
            "POST http://am:9093/api/v2/silences: HTTP 500 Internal Server Error: \
             \"<html><h1>Internal error</h1></html>\""
        );
        assert!(matches!(
            ActionError::from(e),
            ActionError::Backend {
                status: Some(500),
                ..
            }
        ));
        let e = status(503, b"");
        assert!(
            e.to_string()
                .ends_with("HTTP 503 Service Unavailable: (empty body)")
        );
    }

    #[test]
    fn excerpts_are_bounded_one_line_and_sanitised() {
        let body = format!("<html>\n\x1b]0;pwned\x07{}</html>", "x".repeat(1000));
        let x = Excerpt::of(body.as_bytes());
        assert!(x.as_str().starts_with("<html> "), "{x}");
        assert!(!x.as_str().contains('\x1b') && !x.as_str().contains('\x07'));
        assert!(
            x.as_str().chars().count() <= EXCERPT,
            "{}",
            x.as_str().len()
        );
        let e = ClientError::Decode {
            what: "GET http://prom/api/v1/alerts".into(),
            status: 200,
            html: true,
            reason: "expected value at line 1 column 1".into(),
            excerpt: x,
        };
        assert!(e.to_string().contains("an HTML page, not JSON"), "{e}");
        assert_eq!(e.status(), Some(200));
    }

    #[tokio::test]
    async fn connection_refused_points_at_the_url_and_is_unreachable() {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let ep = ep(&format!("http://127.0.0.1:{port}"));
        let c = HttpClient::new(&ep).unwrap();
        let e = am_status(&c).await.unwrap_err();
        assert!(
            matches!(
                e,
                ClientError::Transport {
                    kind: Transport::Connect,
                    reading: false,
                    ..
                }
            ),
            "{e:?}"
        );
        assert!(e.to_string().contains(": cannot connect"), "{e}");
        assert_eq!(e.status(), None);
        let hint = e.hint(SourceKind::Alertmanager, &ep);
        assert!(
            hint.contains("url = ") && hint.contains("reachable from here"),
            "{hint}"
        );
        assert!(matches!(ActionError::from(e), ActionError::Unreachable(_)));
    }

    #[test]
    fn an_unreadable_token_file_names_its_key() {
        let mut ep = ep("http://am:9093");
        ep.auth.bearer_token_file = Some("/nonexistent/token".into());
        let e = HttpClient::new(&ep).unwrap_err();
        assert!(matches!(e, ClientError::Setup(_)), "{e:?}");
        assert_eq!(
            e.hint(SourceKind::Alertmanager, &ep),
            "fix bearer_token_file of [[alertmanager]] name = \"main\""
        );
    }
}
