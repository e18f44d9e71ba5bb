//! One way to build an HTTP client for a configured source (Prometheus,
//! Alertmanager, Loki): credentials read from their files and sent as a
//! sensitive default `Authorization` header, an extra CA, TLS verification on
//! unless explicitly off, and timeouts so one dead endpoint never hangs a worker.

use crate::config::{HttpAuth, read_secret};
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue};
use std::path::{Path, PathBuf};
use std::time::Duration;

pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Which credential file a source's config names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Credential {
    BearerToken,
    BasicAuthPassword,
}

impl Credential {
    /// The config key, as written under the source's section.
    pub fn key(self) -> &'static str {
        match self {
            Self::BearerToken => "bearer_token_file",
            Self::BasicAuthPassword => "basic_auth.password_file",
        }
    }
}

/// Why a client for a configured source could not be built. Each names the
/// section (`[loki]`, `endpoint "main"`) and the key or file to fix, and never
/// holds a secret.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SetupError {
    /// A credential file cannot be read.
    #[error("{section} {}: {reason}", credential.key())]
    Secret {
        section: String,
        credential: Credential,
        path: PathBuf,
        reason: String,
    },
    /// The credential file holds bytes an HTTP header cannot carry.
    #[error("{section}: the credential file holds characters not allowed in an HTTP header")]
    HeaderValue {
        section: String,
        credential: Credential,
    },
    #[error("{section} ca_file {}: {reason}", path.display())]
    CaRead {
        section: String,
        path: PathBuf,
        reason: String,
    },
    #[error("{section} ca_file {}: not a PEM certificate: {reason}", path.display())]
    CaNotPem {
        section: String,
        path: PathBuf,
        reason: String,
    },
    #[error("{section} ca_file {}: no PEM certificate in it", path.display())]
    CaEmpty { section: String, path: PathBuf },
    /// The TLS backend refused the settings.
    #[error("{section}: cannot build an HTTP client: {reason}")]
    Build { section: String, reason: String },
}

impl SetupError {
    /// The config key to fix (`bearer_token_file`, `ca_file`…); `None` when
    /// no single key is at fault.
    pub fn key(&self) -> Option<&'static str> {
        match self {
            Self::Secret { credential, .. } | Self::HeaderValue { credential, .. } => {
                Some(credential.key())
            }
            Self::CaRead { .. } | Self::CaNotPem { .. } | Self::CaEmpty { .. } => Some("ca_file"),
            Self::Build { .. } => None,
        }
    }

    /// The file named by the key, when the config gives one.
    pub fn path(&self) -> Option<&Path> {
        match self {
            Self::Secret { path, .. }
            | Self::CaRead { path, .. }
            | Self::CaNotPem { path, .. }
            | Self::CaEmpty { path, .. } => Some(path),
            Self::HeaderValue { .. } | Self::Build { .. } => None,
        }
    }

    /// A credential file (not TLS) is at fault.
    pub fn is_credential(&self) -> bool {
        matches!(self, Self::Secret { .. } | Self::HeaderValue { .. })
    }
}

/// Build a client for the source configured under `section` (e.g. `[loki]`,
/// `[[alertmanager]] main`): errors say which key to fix and never contain a secret.
pub fn client(
    auth: &HttpAuth,
    section: &str,
    mut headers: HeaderMap,
    timeout: Duration,
) -> Result<reqwest::Client, SetupError> {
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
        let (section, path) = (section.to_string(), ca.clone());
        let pem = std::fs::read(ca).map_err(|e| SetupError::CaRead {
            section: section.clone(),
            path: path.clone(),
            reason: e.to_string(),
        })?;
        let certs =
            reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| SetupError::CaNotPem {
                section: section.clone(),
                path: path.clone(),
                reason: e.to_string(),
            })?;
        if certs.is_empty() {
            return Err(SetupError::CaEmpty { section, path });
        }
        builder = builder.tls_certs_merge(certs);
    }
    if !auth.tls_verify {
        builder = builder.tls_danger_accept_invalid_certs(true);
    }
    builder.build().map_err(|e| SetupError::Build {
        section: section.to_string(),
        reason: e.to_string(),
    })
}

/// The `Authorization` header for the configured credentials, marked sensitive
/// so it is never printed in debug output.
pub fn authorization(auth: &HttpAuth, section: &str) -> Result<Option<HeaderValue>, SetupError> {
    use base64::Engine;
    let secret = |credential: Credential, path: &Path| {
        read_secret(path).map_err(|reason| SetupError::Secret {
            section: section.to_string(),
            credential,
            path: path.to_path_buf(),
            reason,
        })
    };
    let (credential, raw) = if let Some(file) = &auth.bearer_token_file {
        let token = secret(Credential::BearerToken, file)?;
        (Credential::BearerToken, format!("Bearer {token}"))
    } else if let Some(b) = &auth.basic_auth {
        let pw = secret(Credential::BasicAuthPassword, &b.password_file)?;
        let pair = base64::engine::general_purpose::STANDARD.encode(format!("{}:{pw}", b.username));
        (Credential::BasicAuthPassword, format!("Basic {pair}"))
    } else {
        return Ok(None);
    };
    let mut value = HeaderValue::from_str(&raw).map_err(|_| SetupError::HeaderValue {
        section: section.to_string(),
        credential,
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
        let text = err.to_string();
        assert!(
            text.contains("[[alertmanager]] main bearer_token_file") && text.contains("missing"),
            "{text}"
        );
        assert!(err.is_credential(), "{err:?}");
        assert_eq!(err.key(), Some("bearer_token_file"));
        assert_eq!(err.path(), Some(dir.path().join("missing").as_path()));
        assert!(!text.contains("s3cr3t"));
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
        assert!(err.to_string().contains("[loki] ca_file"), "{err}");
        assert!(
            matches!(
                err,
                SetupError::CaNotPem { .. } | SetupError::CaEmpty { .. }
            ),
            "{err:?}"
        );
        assert_eq!(err.key(), Some("ca_file"));
        assert!(!err.is_credential());
    }
}
