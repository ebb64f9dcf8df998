//! The boundary between kubeconfig handling and the HTTP client.
//!
//! [`crate::kubeconfig`] (or in-cluster discovery) resolves a context into a
//! [`ConnectionConfig`]; [`crate::client`] turns one into a ready HTTPS client.
//! Keeping this struct small and explicit means the client never needs to know
//! which file, merge rule or environment variable a value came from, while
//! [`Origin`] still lets error messages name it.

use std::fmt;
use std::path::PathBuf;

/// Everything the client needs to reach and authenticate to one API server.
#[derive(Clone, Default)]
pub struct ConnectionConfig {
    /// The server URL, e.g. `https://127.0.0.1:6443`.
    pub server: String,
    /// PEM bundle of CA certificates to trust (from `certificate-authority`
    /// or `certificate-authority-data`). When set, *only* these are trusted.
    pub ca_pem: Option<Vec<u8>>,
    /// `insecure-skip-tls-verify`: never set unless the user asked for it.
    pub insecure_skip_tls_verify: bool,
    /// `tls-server-name`: the name to verify the server certificate against.
    pub tls_server_name: Option<String>,
    /// Client certificate chain in PEM (from `client-certificate(-data)`).
    pub client_cert_pem: Option<Vec<u8>>,
    /// Client private key in PEM: PKCS#1, PKCS#8 or SEC1.
    pub client_key_pem: Option<Vec<u8>>,
    /// A bearer token given inline (`token`, or `--token`).
    pub token: Option<String>,
    /// A file holding the bearer token (`tokenFile`, in-cluster token path); re-read on use.
    pub token_file: Option<PathBuf>,
    /// Namespace to use when a command does not name one (`default` if unset).
    pub namespace: String,
    /// Where these settings came from, for error messages.
    pub origin: Origin,
}

/// Where a [`ConnectionConfig`] came from, so errors can name the file and entries to fix.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Origin {
    /// The kubeconfig file that holds the cluster entry (None for in-cluster or flags only).
    pub file: Option<PathBuf>,
    /// The context name used, if any.
    pub context: Option<String>,
    /// The cluster entry name used, if any.
    pub cluster: Option<String>,
    /// The user entry name used, if any.
    pub user: Option<String>,
}

/// Secrets (token, key) are never printed by `Debug`.
impl fmt::Debug for ConnectionConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let redact = |present: bool| if present { "<redacted>" } else { "<none>" };
        f.debug_struct("ConnectionConfig")
            .field("server", &self.server)
            .field(
                "ca_pem",
                &self.ca_pem.as_ref().map(|c| format!("<{} bytes>", c.len())),
            )
            .field("insecure_skip_tls_verify", &self.insecure_skip_tls_verify)
            .field("tls_server_name", &self.tls_server_name)
            .field(
                "client_cert_pem",
                &self
                    .client_cert_pem
                    .as_ref()
                    .map(|c| format!("<{} bytes>", c.len())),
            )
            .field("client_key_pem", &redact(self.client_key_pem.is_some()))
            .field("token", &redact(self.token.is_some()))
            .field("token_file", &self.token_file)
            .field("namespace", &self.namespace)
            .field("origin", &self.origin)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_redacts_token_and_key() {
        let c = ConnectionConfig {
            token: Some("sekret-token".into()),
            client_key_pem: Some(b"-----BEGIN PRIVATE KEY-----".to_vec()),
            ..Default::default()
        };
        let s = format!("{c:?}");
        assert!(!s.contains("sekret-token"), "{s}");
        assert!(!s.contains("BEGIN PRIVATE KEY"), "{s}");
        assert!(s.contains("<redacted>"));
    }
}
