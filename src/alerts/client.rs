//! HTTP access to one Prometheus or Alertmanager: auth from files, TLS
//! verification on by default (plus an optional CA file), and errors that fit
//! on one line and say what came back — status code and the start of the body —
//! instead of a bare decoder message.

use super::api::{self, PostableSilence};
use super::model::{Silence, Snapshot};
#[cfg(test)]
use crate::action::ActionError;
#[cfg(test)]
use crate::config::HttpEndpoint;
#[cfg(test)]
use crate::httpapi::EXCERPT;
pub use crate::httpapi::{ClientError, ErasedBody, Excerpt, HttpClient, Transport};
use crate::source::{SourceId, SourceKind};
use serde::de::DeserializeOwned;
#[cfg(test)]
use std::time::Duration;

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
            let exprs = rules.expressions();
            for a in &mut snap.alerts {
                a.expr = exprs.get(a.name()).map(|e| e.to_string());
            }
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
