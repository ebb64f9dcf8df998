//! The rustls configuration behind every connection.
//!
//! reqwest cannot override the name a certificate is verified against, so we
//! build our own `rustls::ClientConfig` and hand it over preconfigured:
//! - trust: *only* the kubeconfig's CA when one is given (kind's self-signed CA,
//!   IP-address servers via IP SANs); the platform verifier otherwise;
//! - `tls-server-name`: a verifier wrapper that checks the certificate against
//!   that name instead of the URL host;
//! - `insecure-skip-tls-verify`: a verifier that accepts any certificate (but still
//!   checks handshake signatures), used only when the flag is set;
//! - client certificates with PKCS#1, PKCS#8 or SEC1 keys, or from an exec plugin;
//! - ALPN `h2` then `http/1.1` (reqwest does not add ALPN to a preconfigured config).

use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::{ResolvesClientCert, WebPkiServerVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, RootCertStore, SignatureScheme};

use crate::config::ConnectionConfig;
use crate::error::{Error, Result};

/// Build the rustls client configuration for `cfg`. `exec_cert` supplies the client
/// certificate when an exec plugin returns one (looked up at each handshake).
pub(crate) fn client_config(
    cfg: &ConnectionConfig,
    exec_cert: Option<Arc<dyn ResolvesClientCert>>,
) -> Result<rustls::ClientConfig> {
    // Name the provider explicitly so a second provider elsewhere in a larger
    // dependency graph can never make `ClientConfig::builder()` panic.
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let ca_err = |reason: String| Error::CertificateAuthority {
        reason,
        origin: Box::new(cfg.origin.clone()),
    };

    if cfg.insecure_skip_tls_verify && cfg.ca_pem.is_some() {
        // client-go refuses this combination too: it is almost always a mistake.
        return Err(ca_err(
            "certificate-authority and insecure-skip-tls-verify are both set; use only one".into(),
        ));
    }

    let mut verifier: Arc<dyn ServerCertVerifier> = if cfg.insecure_skip_tls_verify {
        Arc::new(AcceptAnyCertificate {
            provider: provider.clone(),
        })
    } else if let Some(pem) = &cfg.ca_pem {
        let mut roots = RootCertStore::empty();
        let mut count = 0;
        for cert in CertificateDer::pem_slice_iter(pem) {
            let cert = cert.map_err(|e| ca_err(format!("bad PEM: {e}")))?;
            roots
                .add(cert)
                .map_err(|e| ca_err(format!("bad certificate: {e}")))?;
            count += 1;
        }
        if count == 0 {
            return Err(ca_err("no PEM certificate found".into()));
        }
        WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
            .build()
            .map_err(|e| ca_err(e.to_string()))?
    } else {
        Arc::new(
            rustls_platform_verifier::Verifier::new(provider.clone())
                .map_err(|e| Error::Setup(format!("system certificate store: {e}")))?,
        )
    };

    if let (Some(name), false) = (&cfg.tls_server_name, cfg.insecure_skip_tls_verify) {
        let name = ServerName::try_from(name.clone()).map_err(|_| Error::InvalidTlsServerName {
            name: name.clone(),
            origin: Box::new(cfg.origin.clone()),
        })?;
        verifier = Arc::new(ServerNameOverride {
            inner: verifier,
            name,
        });
    }

    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::Setup(e.to_string()))?
        .dangerous()
        .with_custom_certificate_verifier(verifier);

    let cert_err = |reason: String| Error::ClientCertificate {
        reason,
        origin: Box::new(cfg.origin.clone()),
    };
    let mut config = match (&cfg.client_cert_pem, &cfg.client_key_pem) {
        (Some(cert_pem), Some(key_pem)) => {
            let chain = CertificateDer::pem_slice_iter(cert_pem)
                .collect::<std::result::Result<Vec<_>, _>>()
                .map_err(|e| cert_err(format!("bad client-certificate PEM: {e}")))?;
            if chain.is_empty() {
                return Err(cert_err(
                    "no certificate found in client-certificate".into(),
                ));
            }
            let key = PrivateKeyDer::from_pem_slice(key_pem).map_err(|e| {
                cert_err(format!(
                    "no usable private key (PKCS#1, PKCS#8 or SEC1 PEM) in client-key: {e}"
                ))
            })?;
            builder
                .with_client_auth_cert(chain, key)
                .map_err(|e| cert_err(format!("client-key does not fit client-certificate: {e}")))?
        }
        (Some(_), None) => {
            return Err(cert_err(
                "client-certificate is set but client-key is missing".into(),
            ));
        }
        (None, Some(_)) => {
            return Err(cert_err(
                "client-key is set but client-certificate is missing".into(),
            ));
        }
        (None, None) => match exec_cert {
            Some(resolver) => builder.with_client_cert_resolver(resolver),
            None => builder.with_no_client_auth(),
        },
    };
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}

/// Verifies the server certificate against `tls-server-name` rather than the URL host.
#[derive(Debug)]
struct ServerNameOverride {
    inner: Arc<dyn ServerCertVerifier>,
    name: ServerName<'static>,
}

impl ServerCertVerifier for ServerNameOverride {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        self.inner
            .verify_server_cert(end_entity, intermediates, &self.name, ocsp_response, now)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// `insecure-skip-tls-verify`: any certificate is accepted. Handshake signatures
/// are still checked, so the peer must at least hold the key of what it presents.
#[derive(Debug)]
struct AcceptAnyCertificate {
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for AcceptAnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}
