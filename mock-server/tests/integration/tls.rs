//! The TLS handshake as kube-apiserver (Go's crypto/tls) does it: the server, not the
//! client, picks the cipher suite.

use std::sync::Arc;

use mock_apiserver::MockServer;
use rustls::SupportedCipherSuite;
use rustls::crypto::aws_lc_rs::cipher_suite as suite;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};

/// Connects with a client offering `offered`, in that order; returns the suite negotiated.
async fn negotiated(server: &MockServer, offered: &[SupportedCipherSuite]) -> rustls::CipherSuite {
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(server.ca_pem().as_bytes()) {
        roots.add(cert.unwrap()).unwrap();
    }
    let provider = rustls::crypto::CryptoProvider {
        cipher_suites: offered.to_vec(),
        ..rustls::crypto::aws_lc_rs::default_provider()
    };
    let tls12 = offered.iter().all(|s| s.tls13().is_none());
    let versions: &[&rustls::SupportedProtocolVersion] = if tls12 {
        &[&rustls::version::TLS12]
    } else {
        &[&rustls::version::TLS13]
    };
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(provider))
        .with_protocol_versions(versions)
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let tcp = tokio::net::TcpStream::connect(server.addr()).await.unwrap();
    let tls = tokio_rustls::TlsConnector::from(Arc::new(config))
        .connect(ServerName::try_from("127.0.0.1").unwrap(), tcp)
        .await
        .unwrap();
    tls.get_ref().1.negotiated_cipher_suite().unwrap().suite()
}

#[tokio::test]
async fn the_server_picks_aes_128_gcm_as_go_does_whatever_the_client_lists_first() {
    let server = MockServer::start().await.unwrap();
    // rustls's and OpenSSL's clients list AES-256-GCM first: Go still picks AES-128-GCM.
    let rustls_order = [
        suite::TLS13_AES_256_GCM_SHA384,
        suite::TLS13_AES_128_GCM_SHA256,
        suite::TLS13_CHACHA20_POLY1305_SHA256,
    ];
    assert_eq!(
        negotiated(&server, &rustls_order).await,
        rustls::CipherSuite::TLS13_AES_128_GCM_SHA256
    );
    // A client that prefers ChaCha20 (no AES hardware) gets it, as from Go.
    let chacha_first = [
        suite::TLS13_CHACHA20_POLY1305_SHA256,
        suite::TLS13_AES_256_GCM_SHA384,
        suite::TLS13_AES_128_GCM_SHA256,
    ];
    assert_eq!(
        negotiated(&server, &chacha_first).await,
        rustls::CipherSuite::TLS13_CHACHA20_POLY1305_SHA256
    );
    // What the client does not offer is never chosen.
    assert_eq!(
        negotiated(&server, &[suite::TLS13_AES_256_GCM_SHA384]).await,
        rustls::CipherSuite::TLS13_AES_256_GCM_SHA384
    );
    // TLS 1.2 (ECDSA serving key): AES-128-GCM first as well.
    let tls12 = [
        suite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        suite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    ];
    assert_eq!(
        negotiated(&server, &tls12).await,
        rustls::CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
    );
}
