//! The live Loki HTTP client. Errors keep Loki's own `text/plain` words: an
//! error status is never parsed as JSON.

use super::{LokiApi, LokiError, RangeQuery, TailEvent, VolumeSeries, parse};
use crate::config;
use crate::logs::LogLine;
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderName, HeaderValue};
use std::time::Duration;
use tokio::sync::mpsc;

const TIMEOUT: Duration = Duration::from_secs(60);

#[derive(Clone)]
pub struct LokiClient {
    http: reqwest::Client,
    base: url::Url,
    /// Auth and tenant headers, sent on every request and the tail handshake.
    headers: HeaderMap,
    /// TLS for the tail websocket when `ca_file`/`tls_verify` change the default.
    ws_tls: Option<std::sync::Arc<rustls::ClientConfig>>,
}

impl std::fmt::Debug for LokiClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the headers: they hold credentials.
        f.debug_struct("LokiClient")
            .field("base", &self.base.as_str())
            .finish()
    }
}

impl LokiClient {
    /// Build from `[loki]`: reads the secret files, adds the CA. No I/O to Loki.
    pub fn new(cfg: &config::Loki) -> Result<Self, LokiError> {
        let mut base = url::Url::parse(&cfg.url).map_err(|e| LokiError::BadUrl {
            url: cfg.url.clone(),
            reason: e.to_string(),
        })?;
        if !base.path().ends_with('/') {
            let p = format!("{}/", base.path());
            base.set_path(&p);
        }
        let mut headers = HeaderMap::new();
        if let Some(org) = &cfg.org_id {
            let v = HeaderValue::from_str(org).map_err(|_| LokiError::BadOrgId)?;
            headers.insert(HeaderName::from_static("x-scope-orgid"), v);
        }
        // The HTTP client adds the credentials itself; the tail handshake is
        // not made through reqwest, so it gets the same header explicitly.
        let http = crate::http::client(&cfg.auth, "[loki]", headers.clone(), TIMEOUT)?;
        if let Some(v) = crate::http::authorization(&cfg.auth, "[loki]")? {
            headers.insert(AUTHORIZATION, v);
        }
        let ca_pem = match &cfg.auth.ca_file {
            Some(ca) => Some((
                ca.clone(),
                std::fs::read(ca).map_err(|e| LokiError::CaFile {
                    path: ca.clone(),
                    reason: e.to_string(),
                })?,
            )),
            None => None,
        };
        let ws_tls = super::tls::client_config(
            ca_pem.as_ref().map(|(p, b)| (p.as_path(), b.as_slice())),
            cfg.auth.tls_verify,
        )?;
        Ok(Self {
            http,
            base,
            headers,
            ws_tls,
        })
    }

    /// The connector for the tail websocket (`None`: system roots).
    pub fn ws_connector(&self) -> Option<tokio_tungstenite::Connector> {
        self.ws_tls
            .clone()
            .map(tokio_tungstenite::Connector::Rustls)
    }

    pub fn base(&self) -> &url::Url {
        &self.base
    }

    pub fn endpoint(&self, path: &str) -> url::Url {
        self.base
            .join(path.trim_start_matches('/'))
            .unwrap_or_else(|_| self.base.clone())
    }

    /// GET and return the body of a 2xx answer; any other status becomes a
    /// [`LokiError`] carrying Loki's text.
    async fn get(&self, path: &str, params: &[(&str, String)]) -> Result<String, LokiError> {
        let url = self.endpoint(path);
        let resp = self
            .http
            .get(url.clone())
            .query(params)
            .send()
            .await
            .map_err(|e| {
                if e.is_timeout() {
                    LokiError::TimedOut { after: TIMEOUT }
                } else {
                    LokiError::unreachable(self.base.as_str(), error_chain(&e))
                }
            })?;
        let status = resp.status();
        let body = resp
            .text()
            .await
            .map_err(|e| LokiError::unreachable(self.base.as_str(), error_chain(&e)))?;
        if !status.is_success() {
            return Err(LokiError::from_status(status.as_u16(), &body));
        }
        Ok(body)
    }

    /// The `http::Request` for the tail websocket (ws:// or wss://, with the
    /// auth and tenant headers).
    pub fn tail_request(
        &self,
        query: &str,
        start_ns: i128,
        limit: usize,
    ) -> Result<tokio_tungstenite::tungstenite::handshake::client::Request, LokiError> {
        use tokio_tungstenite::tungstenite::client::IntoClientRequest;
        let mut url = self.endpoint("loki/api/v1/tail");
        let scheme = if url.scheme() == "https" { "wss" } else { "ws" };
        let _ = url.set_scheme(scheme);
        url.query_pairs_mut()
            .append_pair("query", query)
            .append_pair("start", &start_ns.to_string())
            .append_pair("limit", &limit.to_string())
            .append_pair("delay_for", "0");
        let mut req = url
            .as_str()
            .into_client_request()
            .map_err(|e| LokiError::unreachable(self.base.as_str(), e))?;
        for (k, v) in &self.headers {
            req.headers_mut().insert(k.clone(), v.clone());
        }
        Ok(req)
    }
}

use crate::text::error_chain;

fn ns(v: i128) -> String {
    v.to_string()
}

#[async_trait::async_trait]
impl LokiApi for LokiClient {
    async fn query_range(&self, q: &RangeQuery) -> Result<Vec<LogLine>, LokiError> {
        let body = self
            .get(
                "loki/api/v1/query_range",
                &[
                    ("query", q.query.clone()),
                    ("start", ns(q.start_ns)),
                    ("end", ns(q.end_ns)),
                    ("limit", q.limit.to_string()),
                    ("direction", q.direction.as_str().to_string()),
                ],
            )
            .await?;
        parse::query_lines(&body, q.direction)
    }

    async fn labels(&self, start_ns: i128, end_ns: i128) -> Result<Vec<String>, LokiError> {
        let body = self
            .get(
                "loki/api/v1/labels",
                &[("start", ns(start_ns)), ("end", ns(end_ns))],
            )
            .await?;
        parse::names(&body)
    }

    async fn label_values(
        &self,
        name: &str,
        start_ns: i128,
        end_ns: i128,
    ) -> Result<Vec<String>, LokiError> {
        let path = format!(
            "loki/api/v1/label/{}/values",
            url::form_urlencoded::byte_serialize(name.as_bytes()).collect::<String>()
        );
        let body = self
            .get(&path, &[("start", ns(start_ns)), ("end", ns(end_ns))])
            .await?;
        parse::names(&body)
    }

    async fn matrix(
        &self,
        query: &str,
        start_ns: i128,
        end_ns: i128,
        step_secs: u64,
    ) -> Result<Vec<VolumeSeries>, LokiError> {
        let body = self
            .get(
                "loki/api/v1/query_range",
                &[
                    ("query", query.to_string()),
                    ("start", ns(start_ns)),
                    ("end", ns(end_ns)),
                    ("step", format!("{step_secs}s")),
                ],
            )
            .await?;
        parse::matrix(&body)
    }

    async fn tail(&self, query: &str, start_ns: i128, limit: usize, tx: mpsc::Sender<TailEvent>) {
        super::tail::run(self, query, start_ns, limit, tx).await
    }

    async fn version(&self) -> Result<String, LokiError> {
        match self.get("loki/api/v1/status/buildinfo", &[]).await {
            Ok(body) => {
                let v: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
                Ok(v["version"]
                    .as_str()
                    .unwrap_or("(version unknown)")
                    .to_string())
            }
            // Older Loki and some gateways lack buildinfo; /ready still proves it is Loki.
            Err(e) if e.status() == Some(404) => {
                self.get("ready", &[]).await?;
                Ok("(version unknown)".into())
            }
            Err(e) => Err(e),
        }
    }
}
