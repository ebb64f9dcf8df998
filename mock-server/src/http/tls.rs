//! The cluster PKI, as kind/kubeadm lay it out: a fresh CA per server start, a separate
//! serving leaf (rustls rejects a CA used as an end entity), and client certificates whose
//! CN is the user name and whose O entries are the groups.
//!
//! Keys are ECDSA P-256 so that generating a whole PKI takes about a millisecond; RSA key
//! generation would dominate start-up time.

use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use rustls::RootCertStore;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::server::WebPkiClientVerifier;

use crate::authn::identity::UserInfo;

/// The SANs of the serving certificate, as kubeadm issues them (plus `::1`).
pub const SERVING_SANS: &[&str] = &[
    "127.0.0.1",
    "::1",
    "localhost",
    "kubernetes",
    "kubernetes.default",
    "kubernetes.default.svc",
    "kubernetes.default.svc.cluster.local",
];

/// The OID of the X.520 `organizationName` attribute, used for a second group entry.
const OID_ORGANIZATION: &[u64] = &[2, 5, 4, 10];

/// Why the PKI could not be built or used.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// Certificate or key generation failed.
    #[error("generating a certificate failed: {0}")]
    Generate(#[from] rcgen::Error),
    /// rustls refused the configuration.
    #[error("building the TLS configuration failed: {0}")]
    Rustls(#[from] rustls::Error),
    /// The client certificate verifier could not be built.
    #[error("building the client certificate verifier failed: {0}")]
    Verifier(#[from] rustls::server::VerifierBuilderError),
    /// A client certificate was asked for with more groups than can be encoded.
    #[error("a client certificate can carry at most 2 groups (O entries), {0} were asked for")]
    TooManyGroups(usize),
}

/// A CA and the serving certificate it signed.
pub struct Pki {
    ca_key: KeyPair,
    ca_params: CertificateParams,
    ca_der: CertificateDer<'static>,
    ca_pem: String,
    serving_cert_der: CertificateDer<'static>,
    serving_key_der: Vec<u8>,
}

impl std::fmt::Debug for Pki {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pki")
            .field("ca_pem", &format!("<{} bytes>", self.ca_pem.len()))
            .field("keys", &"<redacted>")
            .finish()
    }
}

/// A client certificate and its private key, both PEM.
#[derive(Clone)]
pub struct ClientCert {
    /// The certificate, PEM.
    pub cert_pem: String,
    /// The PKCS#8 private key, PEM.
    pub key_pem: String,
}

impl std::fmt::Debug for ClientCert {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientCert")
            .field("cert_pem", &self.cert_pem)
            .field("key_pem", &"<redacted>")
            .finish()
    }
}

impl Pki {
    /// Generates a fresh CA (`CN=kubernetes`, as kubeadm names it) and a serving leaf.
    pub fn generate() -> Result<Pki, TlsError> {
        let ca_key = KeyPair::generate()?;
        let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
        ca_params.distinguished_name = rcgen::DistinguishedName::new();
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "kubernetes");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
        ];
        let ca_cert = ca_params.self_signed(&ca_key)?;
        let ca_der = ca_cert.der().clone();
        let ca_pem = ca_cert.pem();

        let serving_key = KeyPair::generate()?;
        let mut leaf = CertificateParams::new(
            SERVING_SANS
                .iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>(),
        )?;
        leaf.distinguished_name = rcgen::DistinguishedName::new();
        leaf.distinguished_name
            .push(DnType::CommonName, "kube-apiserver");
        leaf.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyEncipherment,
        ];
        leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let issuer = Issuer::from_params(&ca_params, &ca_key);
        let serving_cert = leaf.signed_by(&serving_key, &issuer)?;
        Ok(Pki {
            serving_cert_der: serving_cert.der().clone(),
            serving_key_der: serving_key.serialize_der(),
            ca_key,
            ca_params,
            ca_der,
            ca_pem,
        })
    }

    /// The CA certificate, PEM (what goes into `certificate-authority-data`).
    pub fn ca_pem(&self) -> &str {
        &self.ca_pem
    }

    /// Issues a client certificate: CN = `user`, one O entry per group (at most two).
    pub fn issue_client_cert(&self, user: &str, groups: &[&str]) -> Result<ClientCert, TlsError> {
        if groups.len() > 2 {
            return Err(TlsError::TooManyGroups(groups.len()));
        }
        let key = KeyPair::generate()?;
        let mut params = CertificateParams::new(Vec::<String>::new())?;
        params.distinguished_name = rcgen::DistinguishedName::new();
        // rcgen keeps one value per attribute type, so a second group is written under the
        // same OID spelled as a custom type; both are plain `O=` attributes on the wire.
        if let Some(g) = groups.first() {
            params.distinguished_name.push(DnType::OrganizationName, *g);
        }
        if let Some(g) = groups.get(1) {
            params.distinguished_name.push(
                DnType::CustomDnType(OID_ORGANIZATION.to_vec()),
                rcgen::DnValue::Utf8String(g.to_string()),
            );
        }
        params.distinguished_name.push(DnType::CommonName, user);
        params.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyEncipherment,
        ];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        let issuer = Issuer::from_params(&self.ca_params, &self.ca_key);
        let cert = params.signed_by(&key, &issuer)?;
        Ok(ClientCert {
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
        })
    }

    /// The rustls server configurations: serving leaf, ALPN h2 + http/1.1, optional client
    /// certificates verified against the CA, and the cipher suite chosen as Go's crypto/tls
    /// (kube-apiserver) chooses it (see [`ServerConfigs`]).
    pub fn server_configs(&self) -> Result<ServerConfigs, TlsError> {
        Ok(ServerConfigs {
            aes_first: Arc::new(self.server_config_ordered(GO_SUITES_AES_FIRST)?),
            chacha_first: Arc::new(self.server_config_ordered(GO_SUITES_CHACHA_FIRST)?),
        })
    }

    /// The configuration whose cipher suites, in this order, the server picks from (the
    /// client's order is ignored, as Go ignores it).
    fn server_config_ordered(
        &self,
        suites: &[rustls::SupportedCipherSuite],
    ) -> Result<rustls::ServerConfig, TlsError> {
        let provider = Arc::new(rustls::crypto::CryptoProvider {
            cipher_suites: suites.to_vec(),
            ..rustls::crypto::aws_lc_rs::default_provider()
        });
        let mut roots = RootCertStore::empty();
        roots.add(self.ca_der.clone())?;
        let verifier =
            WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider.clone())
                .allow_unauthenticated()
                .build()?;
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.serving_key_der.clone()));
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_client_cert_verifier(verifier)
            .with_single_cert(vec![self.serving_cert_der.clone()], key)?;
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        config.ignore_client_order = true;
        Ok(config)
    }
}

/// Cipher suites in Go's server preference (`crypto/tls`: `defaultCipherSuitesTLS13` and
/// `cipherSuitesPreferenceOrder`, for a machine with AES-GCM hardware): AES-128-GCM first,
/// whatever the client lists first. rustls's own server takes the client's first choice,
/// so a rustls or OpenSSL client (AES-256-GCM first) got `TLS_AES_256_GCM_SHA384` here and
/// `TLS_AES_128_GCM_SHA256` from kube-apiserver.
const GO_SUITES_AES_FIRST: &[rustls::SupportedCipherSuite] = {
    use rustls::crypto::aws_lc_rs::cipher_suite::*;
    &[
        TLS13_AES_128_GCM_SHA256,
        TLS13_AES_256_GCM_SHA384,
        TLS13_CHACHA20_POLY1305_SHA256,
        TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
        TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    ]
};

/// Go's order for a client that does not prefer AES-GCM (`defaultCipherSuitesTLS13NoAES`,
/// `cipherSuitesPreferenceOrderNoAES`): ChaCha20-Poly1305 first.
const GO_SUITES_CHACHA_FIRST: &[rustls::SupportedCipherSuite] = {
    use rustls::crypto::aws_lc_rs::cipher_suite::*;
    &[
        TLS13_CHACHA20_POLY1305_SHA256,
        TLS13_AES_128_GCM_SHA256,
        TLS13_AES_256_GCM_SHA384,
        TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
        TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
        TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
    ]
};

/// The two server configurations Go's cipher suite choice needs: Go's server keeps its own
/// order, but first asks whether the client prefers AES-GCM (`aesgcmPreferred`: is the
/// first suite it lists that Go knows an AES-GCM one?) and, if not, puts ChaCha20 first.
#[derive(Clone)]
pub struct ServerConfigs {
    aes_first: Arc<rustls::ServerConfig>,
    chacha_first: Arc<rustls::ServerConfig>,
}

impl ServerConfigs {
    /// The configuration for a client offering `suites`, in its order.
    pub fn for_client(&self, suites: &[rustls::CipherSuite]) -> Arc<rustls::ServerConfig> {
        if prefers_aes_gcm(suites) {
            self.aes_first.clone()
        } else {
            self.chacha_first.clone()
        }
    }
}

/// Go's `aesgcmPreferred`: the first suite of the client's that Go implements decides.
fn prefers_aes_gcm(suites: &[rustls::CipherSuite]) -> bool {
    use rustls::CipherSuite as S;
    for s in suites {
        match *s {
            S::TLS13_AES_128_GCM_SHA256
            | S::TLS13_AES_256_GCM_SHA384
            | S::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
            | S::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
            | S::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384
            | S::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384
            | S::TLS_RSA_WITH_AES_128_GCM_SHA256
            | S::TLS_RSA_WITH_AES_256_GCM_SHA384 => return true,
            S::TLS13_CHACHA20_POLY1305_SHA256
            | S::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256
            | S::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256
            | S::TLS_RSA_WITH_AES_128_CBC_SHA
            | S::TLS_RSA_WITH_AES_256_CBC_SHA
            | S::TLS_RSA_WITH_AES_128_CBC_SHA256
            | S::TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA
            | S::TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA
            | S::TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256
            | S::TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA
            | S::TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA
            | S::TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256
            | S::TLS_RSA_WITH_3DES_EDE_CBC_SHA
            | S::TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA
            | S::TLS_RSA_WITH_RC4_128_SHA
            | S::TLS_ECDHE_RSA_WITH_RC4_128_SHA
            | S::TLS_ECDHE_ECDSA_WITH_RC4_128_SHA => return false,
            // Unknown to Go (GREASE, SCSVs, suites it never implemented): skipped.
            _ => {}
        }
    }
    false
}

/// The user a verified client certificate names: CN is the user name, each O a group
/// (as kube-apiserver's x509 authenticator maps it). `None` if the DER does not parse or
/// has no CN.
pub fn user_from_certificate(der: &[u8]) -> Option<UserInfo> {
    let (_, cert) = x509_parser::parse_x509_certificate(der).ok()?;
    let subject = cert.subject();
    let username = subject
        .iter_common_name()
        .next()?
        .as_str()
        .ok()?
        .to_string();
    let groups = subject
        .iter_organization()
        .filter_map(|o| o.as_str().ok().map(str::to_string))
        .collect();
    Some(UserInfo {
        username,
        groups,
        ..Default::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_suite_go_knows_decides_whether_aes_gcm_is_preferred() {
        use rustls::CipherSuite as S;
        let grease = S::Unknown(0x0a0a);
        assert!(prefers_aes_gcm(&[grease, S::TLS13_AES_256_GCM_SHA384]));
        assert!(prefers_aes_gcm(&[
            S::TLS13_AES_128_GCM_SHA256,
            S::TLS13_CHACHA20_POLY1305_SHA256
        ]));
        assert!(!prefers_aes_gcm(&[
            S::TLS13_CHACHA20_POLY1305_SHA256,
            S::TLS13_AES_128_GCM_SHA256
        ]));
        // A CBC suite first: Go does not count it as AES-GCM.
        assert!(!prefers_aes_gcm(&[
            S::TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA,
            S::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
        ]));
        assert!(!prefers_aes_gcm(&[grease]));
    }

    fn der_of(pem: &str) -> Vec<u8> {
        use rustls::pki_types::pem::PemObject;
        CertificateDer::from_pem_slice(pem.as_bytes())
            .expect("pem")
            .to_vec()
    }

    #[test]
    fn client_cert_maps_cn_to_user_and_o_to_groups() {
        let pki = Pki::generate().unwrap();
        let c = pki
            .issue_client_cert("kubernetes-admin", &["system:masters"])
            .unwrap();
        let u = user_from_certificate(&der_of(&c.cert_pem)).unwrap();
        assert_eq!(u.username, "kubernetes-admin");
        assert_eq!(u.groups, vec!["system:masters".to_string()]);

        let c = pki.issue_client_cert("alice", &["dev", "ops"]).unwrap();
        let u = user_from_certificate(&der_of(&c.cert_pem)).unwrap();
        assert_eq!(u.username, "alice");
        assert_eq!(u.groups, vec!["dev".to_string(), "ops".to_string()]);
    }

    #[test]
    fn three_groups_is_an_error_not_a_silent_truncation() {
        let pki = Pki::generate().unwrap();
        assert!(matches!(
            pki.issue_client_cert("bob", &["a", "b", "c"]),
            Err(TlsError::TooManyGroups(3))
        ));
    }

    #[test]
    fn serving_leaf_has_the_kubeadm_sans_and_is_not_a_ca() {
        let pki = Pki::generate().unwrap();
        let (_, cert) = x509_parser::parse_x509_certificate(&pki.serving_cert_der).unwrap();
        assert!(!cert.is_ca());
        let san = cert.subject_alternative_name().unwrap().unwrap();
        let names: Vec<String> = san
            .value
            .general_names
            .iter()
            .map(|n| match n {
                x509_parser::extensions::GeneralName::DNSName(d) => d.to_string(),
                x509_parser::extensions::GeneralName::IPAddress(ip) => match ip.len() {
                    4 => std::net::Ipv4Addr::from(<[u8; 4]>::try_from(*ip).unwrap()).to_string(),
                    _ => std::net::Ipv6Addr::from(<[u8; 16]>::try_from(*ip).unwrap()).to_string(),
                },
                other => format!("{other:?}"),
            })
            .collect();
        for want in SERVING_SANS {
            assert!(
                names.iter().any(|n| n == want),
                "{want} missing in {names:?}"
            );
        }
        pki.server_configs().unwrap();
    }

    #[test]
    fn debug_never_shows_keys() {
        let pki = Pki::generate().unwrap();
        let c = pki.issue_client_cert("u", &[]).unwrap();
        assert!(!format!("{c:?}").contains("PRIVATE KEY"));
        assert!(!format!("{pki:?}").contains("PRIVATE KEY"));
    }
}
