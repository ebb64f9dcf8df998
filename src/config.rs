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
    /// The cluster's `proxy-url` (`http://`, `https://` or `socks5://`): every request goes
    /// through it, loopback servers included. Without it the environment's
    /// `HTTPS_PROXY`/`HTTP_PROXY`/`NO_PROXY` apply as kubectl reads them
    /// (see [`crate::client::proxy`]).
    pub proxy_url: Option<String>,
    /// An exec credential plugin (`users[].user.exec`). As in client-go it is only run when
    /// no token, token file or client certificate is set.
    pub exec: Option<ExecPlugin>,
}

/// An exec credential plugin (client.authentication.k8s.io `v1` or `v1beta1`), validated.
/// `Debug` shows the names of `env` variables, not their values.
#[derive(Clone, Default, PartialEq)]
pub struct ExecPlugin {
    /// The program: a name looked up in `PATH`, or a path (relative ones already resolved
    /// against the kubeconfig's directory, as kubectl does).
    pub command: String,
    /// Its arguments.
    pub args: Vec<String>,
    /// Extra environment variables, added to rawkube's own environment.
    pub env: Vec<(String, String)>,
    /// `client.authentication.k8s.io/v1` or `client.authentication.k8s.io/v1beta1`.
    pub api_version: String,
    /// Shown when the program is not installed (ANSI escapes already removed).
    pub install_hint: String,
    /// Whether the plugin may read standard input.
    pub interactive_mode: InteractiveMode,
    /// Pass the cluster's details in `KUBERNETES_EXEC_INFO`.
    pub provide_cluster_info: bool,
    /// The cluster's `client.authentication.k8s.io/exec` extension, passed to the plugin as
    /// `spec.cluster.config` with `provideClusterInfo`.
    pub cluster_config: Option<serde_json::Value>,
}

/// `interactiveMode` of an exec plugin.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum InteractiveMode {
    /// The plugin never reads standard input.
    Never,
    /// Standard input is passed when it is a terminal (the default for `v1beta1`).
    #[default]
    IfAvailable,
    /// The plugin needs a terminal on standard input; without one it is not run.
    Always,
}

impl InteractiveMode {
    /// The kubeconfig spelling: `Never`, `IfAvailable`, `Always`.
    pub fn as_str(self) -> &'static str {
        match self {
            InteractiveMode::Never => "Never",
            InteractiveMode::IfAvailable => "IfAvailable",
            InteractiveMode::Always => "Always",
        }
    }
}

impl fmt::Debug for ExecPlugin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExecPlugin")
            .field("command", &self.command)
            .field("args", &self.args)
            .field(
                "env",
                &self.env.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(),
            )
            .field("api_version", &self.api_version)
            .field("install_hint", &self.install_hint)
            .field("interactive_mode", &self.interactive_mode)
            .field("provide_cluster_info", &self.provide_cluster_info)
            .field("cluster_config", &self.cluster_config.is_some())
            .finish()
    }
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
            .field("proxy_url", &self.proxy_url.as_deref().map(redact_userinfo))
            .field("exec", &self.exec)
            .finish()
    }
}

/// A proxy URL with its password hidden.
fn redact_userinfo(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("redacted"));
            u.to_string()
        }
        _ => url.to_string(),
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
        let c = ConnectionConfig {
            proxy_url: Some("http://u:pw-sekret@proxy:3128".into()),
            exec: Some(ExecPlugin {
                env: vec![("AWS_SECRET".into(), "env-sekret".into())],
                ..Default::default()
            }),
            ..c
        };
        let s = format!("{c:?}");
        assert!(!s.contains("sekret"), "{s}");
        assert!(s.contains("AWS_SECRET"), "{s}");
        assert!(!s.contains("BEGIN PRIVATE KEY"), "{s}");
        assert!(s.contains("<redacted>"));
    }
}
