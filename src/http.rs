//! One way to build an HTTP client for a configured source (Prometheus,
//! Alertmanager, Loki): credentials read from their files and sent as a
//! sensitive default `Authorization` header, an extra CA, TLS verification on
//! unless explicitly off, and timeouts so one dead endpoint never hangs a worker.

use crate::config::{HttpAuth, read_secret};
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue};
use std::time::Duration;

pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Build a client for the source configured under `section` (e.g. `[loki]`,
/// `[[alertmanager]] main`): errors say which key to fix and never contain a secret.
pub fn client(
    auth: &HttpAuth,
    section: &str,
    mut headers: HeaderMap,
    timeout: Duration,
) -> Result<reqwest::Client, String> {
    // rustls needs exactly one process-wide provider; main() installs ring, but
    // tests and library callers may get here first. A second install is a no-op.
    let _ = rustls::crypto::ring::default_provider().install_default();
    if let Some(value) = authorization(auth, section)? {
        headers.insert(AUTHORIZATION, value);
    }
    let mut builder = reqwest::Client::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(timeout)
        .user_agent(concat!("warroom/", env!("CARGO_PKG_VERSION")))
        .default_headers(headers);
    if let Some(ca) = &auth.ca_file {
        let pem =
            std::fs::read(ca).map_err(|e| format!("{section} ca_file {}: {e}", ca.display()))?;
        let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
            format!(
                "{section} ca_file {}: not a PEM certificate: {e}",
                ca.display()
            )
        })?;
        if certs.is_empty() {
            return Err(format!(
                "{section} ca_file {}: no PEM certificate in it",
                ca.display()
            ));
        }
        builder = builder.tls_certs_merge(certs);
    }
    if !auth.tls_verify {
        builder = builder.tls_danger_accept_invalid_certs(true);
    }
    builder
        .build()
        .map_err(|e| format!("{section}: cannot build an HTTP client: {e}"))
}

/// The `Authorization` header for the configured credentials, marked sensitive
/// so it is never printed in debug output.
pub fn authorization(auth: &HttpAuth, section: &str) -> Result<Option<HeaderValue>, String> {
    use base64::Engine;
    let raw = if let Some(file) = &auth.bearer_token_file {
        let token = read_secret(file).map_err(|e| format!("{section} bearer_token_file: {e}"))?;
        format!("Bearer {token}")
    } else if let Some(b) = &auth.basic_auth {
        let pw = read_secret(&b.password_file)
            .map_err(|e| format!("{section} basic_auth.password_file: {e}"))?;
        let pair = base64::engine::general_purpose::STANDARD.encode(format!("{}:{pw}", b.username));
        format!("Basic {pair}")
    } else {
        return Ok(None);
    };
    let mut value = HeaderValue::from_str(&raw).map_err(|_| {
        format!("{section}: the credential file holds characters not allowed in an HTTP header")
    })?;
    value.set_sensitive(true);
    Ok(Some(value))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::BasicAuth;

    #[test]
    fn credentials_come_from_files_and_errors_never_show_them() {
        let dir = tempfile::tempdir().unwrap();
        let token = dir.path().join("token");
        std::fs::write(&token, "s3cr3t-token\n").unwrap();
        let auth = HttpAuth {
            bearer_token_file: Some(token),
            tls_verify: true,
            ..Default::default()
        };
        let v = authorization(&auth, "[loki]").unwrap().unwrap();
        assert_eq!(v.to_str().unwrap(), "Bearer s3cr3t-token");
        assert!(v.is_sensitive());
        assert!(!format!("{v:?}").contains("s3cr3t"));

        let pw = dir.path().join("pw");
        std::fs::write(&pw, "hunter2").unwrap();
        let auth = HttpAuth {
            basic_auth: Some(BasicAuth {
                username: "ops".into(),
                password_file: pw,
            }),
            tls_verify: true,
            ..Default::default()
        };
        assert_eq!(
            authorization(&auth, "[loki]")
                .unwrap()
                .unwrap()
                .to_str()
                .unwrap(),
            "Basic b3BzOmh1bnRlcjI="
        );

        let auth = HttpAuth {
            bearer_token_file: Some(dir.path().join("missing")),
            tls_verify: true,
            ..Default::default()
        };
        let err = client(
            &auth,
            "[[alertmanager]] main",
            HeaderMap::new(),
            Duration::from_secs(1),
        )
        .unwrap_err();
        assert!(
            err.contains("[[alertmanager]] main bearer_token_file") && err.contains("missing"),
            "{err}"
        );
    }

    #[test]
    fn a_bad_ca_file_names_the_key() {
        let dir = tempfile::tempdir().unwrap();
        let ca = dir.path().join("ca.pem");
        std::fs::write(&ca, "not a certificate").unwrap();
        let auth = HttpAuth {
            ca_file: Some(ca),
            tls_verify: true,
            ..Default::default()
        };
        let err = client(&auth, "[loki]", HeaderMap::new(), Duration::from_secs(1)).unwrap_err();
        assert!(err.contains("[loki] ca_file"), "{err}");
    }
}
