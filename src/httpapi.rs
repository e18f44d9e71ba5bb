//! HTTP access to one Prometheus or Alertmanager (the alerts and metrics
//! domains share it): auth from files, TLS verification on by default (plus
//! an optional CA file), and errors that fit on one line and say what came
//! back — status code and the start of the body — instead of a bare decoder
//! message.

use crate::action::ActionError;
use crate::config::HttpEndpoint;
use crate::source::SourceKind;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::time::Duration;

const TIMEOUT: Duration = Duration::from_secs(10);
/// How much of an unexpected body an error quotes.
pub const EXCERPT: usize = 120;

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

/// What came back, whatever the status.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: reqwest::StatusCode,
    /// The Content-Type says HTML.
    pub html: bool,
    pub body: Vec<u8>,
}

impl Answer {
    /// The body looks like an HTML page (by its type or its first byte).
    pub fn looks_html(&self) -> bool {
        self.html || self.body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'<')
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
        let answer = self.exchange(&what, rb).await?;
        if !answer.status.is_success() {
            return Err(ClientError::Status {
                what,
                status: answer.status.as_u16(),
                excerpt: Excerpt::of(&answer.body),
            });
        }
        Ok((answer.status, answer.html, answer.body))
    }

    /// A GET with query parameters whose answer is returned whatever its
    /// status: Prometheus' query API puts its own error (`errorType`,
    /// `error`) in the body of a 400, 422 or 503. Only a transport failure
    /// is an error here.
    pub async fn get_answer(
        &self,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<Answer, ClientError> {
        let what = format!("GET {}", self.url(path));
        let rb = self.request(reqwest::Method::GET, path).query(query);
        self.exchange(&what, rb).await
    }

    async fn exchange(
        &self,
        what: &str,
        rb: reqwest::RequestBuilder,
    ) -> Result<Answer, ClientError> {
        let resp = rb.send().await.map_err(|e| transport(what, &e, false))?;
        let status = resp.status();
        let html = resp
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("html"));
        let body = resp
            .bytes()
            .await
            .map_err(|e| transport(what, &e, true))?
            .to_vec();
        Ok(Answer { status, html, body })
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
