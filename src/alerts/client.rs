//! HTTP access to one Prometheus or Alertmanager: auth from files, TLS
//! verification on by default (plus an optional CA file), and errors that fit
//! on one line and say what came back — status code and the start of the body —
//! instead of a bare decoder message.

use super::api::{self, PostableSilence};
use super::model::{Silence, Snapshot};
use crate::config::HttpEndpoint;
use crate::source::{SourceId, SourceKind};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::time::Duration;

const TIMEOUT: Duration = Duration::from_secs(10);
/// How much of an unexpected body an error quotes.
const EXCERPT: usize = 120;

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
    pub fn new(ep: &HttpEndpoint) -> Result<Self, String> {
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
    ) -> Result<(reqwest::StatusCode, bool, Vec<u8>), String> {
        let what = format!("{method} {}", self.url(path));
        let mut rb = self.request(method, path);
        if let Some(b) = body {
            rb = rb
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(b.to_json());
        }
        let resp = rb
            .send()
            .await
            .map_err(|e| format!("{what}: {}", describe(&e)))?;
        let status = resp.status();
        let html = resp
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("html"));
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| format!("{what}: reading the response: {}", describe(&e)))?
            .to_vec();
        if !status.is_success() {
            return Err(format!("{what}: HTTP {status}: {}", excerpt(&bytes)));
        }
        Ok((status, html, bytes))
    }

    /// Send and decode JSON; every failure is one readable line.
    pub async fn call<T: DeserializeOwned>(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&dyn ErasedBody>,
    ) -> Result<T, String> {
        let what = format!("{method} {}", self.url(path));
        let (status, html, bytes) = self.call_raw(method, path, body).await?;
        serde_json::from_slice(&bytes).map_err(|e| {
            let looks_html = html || bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'<');
            let kind = if looks_html {
                "an HTML page, not JSON (does the url point at the API?)".to_string()
            } else {
                format!("malformed JSON ({e})")
            };
            format!(
                "{what}: HTTP {status} but {kind}; body starts: {}",
                excerpt(&bytes)
            )
        })
    }

    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, String> {
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

/// The cause chain of a transport error, shortened to what an operator acts on.
fn describe(e: &reqwest::Error) -> String {
    let mut msg = if e.is_timeout() {
        "timed out".to_string()
    } else if e.is_connect() {
        "cannot connect".to_string()
    } else {
        "request failed".to_string()
    };
    let mut src: Option<&dyn std::error::Error> = std::error::Error::source(e);
    let mut last = String::new();
    while let Some(s) = src {
        last = s.to_string();
        src = s.source();
    }
    if !last.is_empty() {
        msg.push_str(": ");
        msg.push_str(&last);
    }
    crate::text::sanitize(&msg).into_owned()
}

/// The first bytes of a body on one line, safe to print.
pub fn excerpt(bytes: &[u8]) -> String {
    if bytes.is_empty() {
        return "(empty body)".into();
    }
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(EXCERPT * 4)]);
    let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let clean = crate::text::sanitize(&one_line);
    let cut = crate::text::truncate(&clean, EXCERPT).into_owned();
    format!("{cut:?}")
}

// ---- Prometheus -------------------------------------------------------------

async fn prom_get<T: DeserializeOwned>(c: &HttpClient, path: &str) -> Result<T, String> {
    let env: api::PromEnvelope<T> = c.get(path).await?;
    if env.status != "success" {
        return Err(format!(
            "{}: Prometheus answered {}: {} {}",
            c.url(path),
            env.status,
            env.error_type.unwrap_or_default(),
            crate::text::sanitize(&env.error.unwrap_or_default())
        ));
    }
    env.data
        .ok_or_else(|| format!("{}: Prometheus answered success without data", c.url(path)))
}

/// Alerts are required; a failing `/api/v1/rules` only makes the snapshot
/// partial, because rules are context and the alerts are what on-call acts on.
pub async fn prometheus_snapshot(c: &HttpClient, name: &str) -> Result<Snapshot, String> {
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
            snap.partial.push(("rules".into(), e));
        }
    }
    Ok(snap)
}

pub async fn prometheus_version(c: &HttpClient) -> Result<String, String> {
    let b: api::PromBuildInfo = prom_get(c, "/api/v1/status/buildinfo").await?;
    Ok(format!("v{}", b.version))
}

// ---- Alertmanager -------------------------------------------------------------

pub async fn am_alerts(c: &HttpClient) -> Result<Vec<api::AmAlert>, String> {
    c.get("/api/v2/alerts").await
}

pub async fn am_silences(c: &HttpClient, name: &str) -> Result<Vec<Silence>, String> {
    let s: Vec<api::AmSilence> = c.get("/api/v2/silences").await?;
    Ok(s.into_iter().map(|s| s.into_model(name)).collect())
}

pub async fn am_status(c: &HttpClient) -> Result<api::AmStatus, String> {
    c.get("/api/v2/status").await
}

/// Alerts are required; a failing `/api/v2/silences` only makes the snapshot
/// partial (the pane keeps the previous silences, marked stale).
pub async fn alertmanager_snapshot(c: &HttpClient, name: &str) -> Result<Snapshot, String> {
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
            snap.partial.push(("silences".into(), e));
        }
    }
    Ok(snap)
}

pub async fn am_create_silence(c: &HttpClient, s: &PostableSilence) -> Result<String, String> {
    let r: api::SilenceCreated = c
        .call(reqwest::Method::POST, "/api/v2/silences", Some(s))
        .await?;
    Ok(r.silence_id)
}

pub async fn am_expire_silence(c: &HttpClient, id: &str) -> Result<(), String> {
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

/// The `[[section]]` lines an operator edits for this source, for hints;
/// refused credentials point at the credential keys.
pub fn config_hint(kind: SourceKind, ep: &HttpEndpoint, error: &str) -> String {
    if error.contains("HTTP 401") || error.contains("HTTP 403") {
        return format!(
            "the server refused the credentials: check bearer_token_file or basic_auth \
             (username, password_file) of {} name = {:?} — an expired token file?",
            kind.config_key(),
            ep.name
        );
    }
    format!(
        "check {} name = {:?} url = {:?} (reachable from here? credentials?)",
        kind.config_key(),
        ep.name,
        ep.url
    )
}
