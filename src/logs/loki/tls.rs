//! TLS for the tail websocket, following `[loki] ca_file` and `tls_verify`
//! like the HTTP client does (reqwest cannot hand its TLS config over).

use super::LokiError;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use std::sync::Arc;

fn provider() -> Arc<CryptoProvider> {
    CryptoProvider::get_default()
        .cloned()
        .unwrap_or_else(|| Arc::new(rustls::crypto::ring::default_provider()))
}

/// `None`: the default (system roots, verification on).
pub fn client_config(
    ca_pem: Option<(&std::path::Path, &[u8])>,
    verify: bool,
) -> Result<Option<Arc<rustls::ClientConfig>>, LokiError> {
    let builder = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| LokiError::Tls {
            reason: e.to_string(),
        })?;
    if !verify {
        let cfg = builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(NoVerify(provider())))
            .with_no_client_auth();
        return Ok(Some(Arc::new(cfg)));
    }
    let Some((path, pem)) = ca_pem else {
        return Ok(None);
    };
    let bad = |e: &dyn std::fmt::Display| LokiError::CaFile {
        path: path.to_path_buf(),
        reason: e.to_string(),
    };
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(pem) {
        let cert = cert.map_err(|e| bad(&e))?;
        roots.add(cert).map_err(|e| bad(&e))?;
    }
    if roots.is_empty() {
        return Err(LokiError::CaEmpty {
            path: path.to_path_buf(),
        });
    }
    Ok(Some(Arc::new(
        builder.with_root_certificates(roots).with_no_client_auth(),
    )))
}

/// `tls_verify = false`: accept any certificate, still checking signatures.
#[derive(Debug)]
struct NoVerify(Arc<CryptoProvider>);

impl ServerCertVerifier for NoVerify {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ca_files_without_certificates_are_refused_by_name() {
        let p = std::path::Path::new("/etc/loki-ca.pem");
        let e = client_config(Some((p, b"not a pem")), true).unwrap_err();
        assert!(e.message().contains("/etc/loki-ca.pem"), "{e}");
        assert!(
            matches!(&e, LokiError::CaEmpty { path } | LokiError::CaFile { path, .. } if path == p),
            "{e:?}"
        );
        assert!(e.hint().contains("[loki] ca_file"));
        assert!(client_config(None, true).unwrap().is_none());
        assert!(client_config(None, false).unwrap().is_some());
    }
}
