//! In-cluster configuration: what a pod uses instead of a kubeconfig.
//!
//! As client-go's `rest.InClusterConfig`: the server is
//! `https://KUBERNETES_SERVICE_HOST:KUBERNETES_SERVICE_PORT` (IPv6 hosts in
//! brackets), the bearer token is the projected service-account token file
//! (re-read on use, since the kubelet rotates it), the CA is the mounted
//! `ca.crt`, and the namespace is `POD_NAMESPACE`, else the mounted
//! `namespace` file, else `default` (clientcmd's in-cluster namespace rule).

use std::path::PathBuf;

use super::error::KubeconfigError;
use crate::config::{ConnectionConfig, Origin};

/// Where the service-account files are mounted in every pod.
pub const SERVICE_ACCOUNT_DIR: &str = "/var/run/secrets/kubernetes.io/serviceaccount";

/// The inputs of in-cluster discovery, injectable for tests.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InClusterEnv {
    /// `KUBERNETES_SERVICE_HOST`.
    pub host: Option<String>,
    /// `KUBERNETES_SERVICE_PORT`.
    pub port: Option<String>,
    /// `POD_NAMESPACE`, if the pod spec exposes it.
    pub pod_namespace: Option<String>,
    /// The token file.
    pub token_file: PathBuf,
    /// The CA bundle.
    pub ca_file: PathBuf,
    /// The namespace file.
    pub namespace_file: PathBuf,
}

impl InClusterEnv {
    /// The real environment and mount paths.
    pub fn from_env() -> Self {
        let dir = PathBuf::from(SERVICE_ACCOUNT_DIR);
        InClusterEnv {
            host: std::env::var("KUBERNETES_SERVICE_HOST").ok(),
            port: std::env::var("KUBERNETES_SERVICE_PORT").ok(),
            pod_namespace: std::env::var("POD_NAMESPACE").ok(),
            token_file: dir.join("token"),
            ca_file: dir.join("ca.crt"),
            namespace_file: dir.join("namespace"),
        }
    }
}

/// Builds the in-cluster connection from `env`.
pub fn in_cluster_with(env: &InClusterEnv) -> Result<ConnectionConfig, KubeconfigError> {
    let host =
        env.host
            .as_deref()
            .filter(|h| !h.is_empty())
            .ok_or(KubeconfigError::NotInCluster {
                var: "KUBERNETES_SERVICE_HOST",
            })?;
    let port =
        env.port
            .as_deref()
            .filter(|p| !p.is_empty())
            .ok_or(KubeconfigError::NotInCluster {
                var: "KUBERNETES_SERVICE_PORT",
            })?;
    // Go's net.JoinHostPort brackets any host containing a colon.
    let server = if host.contains(':') {
        format!("https://[{host}]:{port}")
    } else {
        format!("https://{host}:{port}")
    };
    // client-go fails here when the token is unreadable, so a pod without a
    // mounted token gets a clear error now, not a 401 later.
    std::fs::read(&env.token_file).map_err(|source| KubeconfigError::InClusterToken {
        file: env.token_file.clone(),
        source,
    })?;
    // client-go only logs an unreadable CA and carries on with the system roots.
    let ca_pem = std::fs::read(&env.ca_file).ok();
    let namespace = env
        .pod_namespace
        .clone()
        .filter(|n| !n.is_empty())
        .or_else(|| {
            std::fs::read_to_string(&env.namespace_file)
                .ok()
                .map(|n| n.trim().to_string())
                .filter(|n| !n.is_empty())
        })
        .unwrap_or_else(|| "default".into());
    Ok(ConnectionConfig {
        server,
        ca_pem,
        token_file: Some(env.token_file.clone()),
        namespace,
        origin: Origin::default(),
        ..Default::default()
    })
}

impl ConnectionConfig {
    /// The connection a pod gets from its service account (see [`in_cluster_with`]).
    ///
    /// ```no_run
    /// let conn = rawkube::config::ConnectionConfig::in_cluster()?;
    /// println!("{} in namespace {}", conn.server, conn.namespace);
    /// # Ok::<(), rawkube::kubeconfig::KubeconfigError>(())
    /// ```
    pub fn in_cluster() -> Result<Self, KubeconfigError> {
        in_cluster_with(&InClusterEnv::from_env())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn env(dir: &std::path::Path) -> InClusterEnv {
        fs::write(dir.join("token"), "tok").unwrap();
        fs::write(dir.join("ca.crt"), "CA").unwrap();
        fs::write(dir.join("namespace"), "team-a\n").unwrap();
        InClusterEnv {
            host: Some("10.96.0.1".into()),
            port: Some("443".into()),
            pod_namespace: None,
            token_file: dir.join("token"),
            ca_file: dir.join("ca.crt"),
            namespace_file: dir.join("namespace"),
        }
    }

    #[test]
    fn builds_server_token_file_ca_and_namespace() {
        let d = tempfile::tempdir().unwrap();
        let c = in_cluster_with(&env(d.path())).unwrap();
        assert_eq!(c.server, "https://10.96.0.1:443");
        assert_eq!(c.token_file, Some(d.path().join("token")));
        assert!(
            c.token.is_none(),
            "the token is re-read from the file on use"
        );
        assert_eq!(c.ca_pem.as_deref(), Some(&b"CA"[..]));
        assert_eq!(c.namespace, "team-a");
    }

    #[test]
    fn ipv6_host_is_bracketed() {
        let d = tempfile::tempdir().unwrap();
        let mut e = env(d.path());
        e.host = Some("fd00::1".into());
        assert_eq!(in_cluster_with(&e).unwrap().server, "https://[fd00::1]:443");
    }

    #[test]
    fn pod_namespace_wins_then_default() {
        let d = tempfile::tempdir().unwrap();
        let mut e = env(d.path());
        e.pod_namespace = Some("from-env".into());
        assert_eq!(in_cluster_with(&e).unwrap().namespace, "from-env");
        e.pod_namespace = None;
        fs::remove_file(&e.namespace_file).unwrap();
        assert_eq!(in_cluster_with(&e).unwrap().namespace, "default");
    }

    #[test]
    fn missing_env_and_token_are_clear_errors() {
        let d = tempfile::tempdir().unwrap();
        let mut e = env(d.path());
        e.port = None;
        let msg = in_cluster_with(&e).unwrap_err().to_string();
        assert!(msg.contains("KUBERNETES_SERVICE_PORT"), "{msg}");
        let mut e = env(d.path());
        fs::remove_file(&e.token_file).unwrap();
        e.host = Some("10.0.0.1".into());
        let msg = in_cluster_with(&e).unwrap_err().to_string();
        assert!(
            msg.contains(&d.path().join("token").display().to_string()),
            "{msg}"
        );
    }

    #[test]
    fn missing_ca_is_tolerated_like_client_go() {
        let d = tempfile::tempdir().unwrap();
        let e = env(d.path());
        fs::remove_file(&e.ca_file).unwrap();
        assert!(in_cluster_with(&e).unwrap().ca_pem.is_none());
    }
}
