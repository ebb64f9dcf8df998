//! A self-contained kubeconfig for one ServiceAccount: cluster (server + embedded CA),
//! user (bearer token), context (namespace), current-context set.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::config::ConnectionConfig;
use crate::kubeconfig::model::{Config, NamedCluster, NamedContext, NamedUser};

/// Names for the three entries.
#[derive(Clone, Debug)]
pub struct Names {
    /// Cluster entry name.
    pub cluster: String,
    /// User entry name (the ServiceAccount name, as the tutorial uses).
    pub user: String,
    /// Context entry name.
    pub context: String,
    /// The context's namespace.
    pub namespace: String,
}

/// Builds the kubeconfig: `conn`'s server and CA (or insecure flag), `token` as the user.
/// The admin's client certificate is never copied.
pub fn standalone(conn: &ConnectionConfig, names: &Names, token: &str) -> Config {
    let mut c = Config {
        api_version: "v1".into(),
        kind: "Config".into(),
        current_context: names.context.clone(),
        ..Default::default()
    };
    let mut cluster = NamedCluster {
        name: names.cluster.clone(),
        ..Default::default()
    };
    cluster.cluster.server = conn.server.clone();
    cluster.cluster.certificate_authority_data = conn.ca_pem.as_ref().map(|p| STANDARD.encode(p));
    cluster.cluster.insecure_skip_tls_verify = conn.insecure_skip_tls_verify;
    cluster.cluster.tls_server_name = conn.tls_server_name.clone();
    // A cluster reached through proxy-url is reached the same way by the new user.
    cluster.cluster.proxy_url = conn.proxy_url.clone();
    c.clusters.push(cluster);
    let mut user = NamedUser {
        name: names.user.clone(),
        ..Default::default()
    };
    user.user.token = Some(token.to_string());
    c.users.push(user);
    let mut context = NamedContext {
        name: names.context.clone(),
        ..Default::default()
    };
    context.context.cluster = names.cluster.clone();
    context.context.user = names.user.clone();
    context.context.namespace = Some(names.namespace.clone());
    c.contexts.push(context);
    c
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kubeconfig::write::render;

    #[test]
    fn embeds_ca_and_token_but_never_the_admin_key() {
        let conn = ConnectionConfig {
            server: "https://127.0.0.1:6443".into(),
            ca_pem: Some(b"PEM".to_vec()),
            client_key_pem: Some(b"ADMIN KEY".to_vec()),
            client_cert_pem: Some(b"ADMIN CERT".to_vec()),
            ..Default::default()
        };
        let names = Names {
            cluster: "kubernetes".into(),
            user: "sa".into(),
            context: "sa".into(),
            namespace: "default".into(),
        };
        let yaml = render(&standalone(&conn, &names, "tok"));
        assert_eq!(
            yaml,
            "apiVersion: v1\nclusters:\n- cluster:\n    certificate-authority-data: UEVN\n    server: https://127.0.0.1:6443\n  name: kubernetes\ncontexts:\n- context:\n    cluster: kubernetes\n    namespace: default\n    user: sa\n  name: sa\ncurrent-context: sa\nkind: Config\npreferences: {}\nusers:\n- name: sa\n  user:\n    token: tok\n"
        );
    }

    #[test]
    fn keeps_the_proxy_url_and_tls_server_name() {
        let conn = ConnectionConfig {
            server: "https://127.0.0.1:6443".into(),
            proxy_url: Some("socks5://127.0.0.1:1080".into()),
            tls_server_name: Some("kubernetes".into()),
            ..Default::default()
        };
        let names = Names {
            cluster: "c".into(),
            user: "u".into(),
            context: "x".into(),
            namespace: "default".into(),
        };
        let c = standalone(&conn, &names, "tok");
        let cl = &c.clusters[0].cluster;
        assert_eq!(cl.proxy_url.as_deref(), Some("socks5://127.0.0.1:1080"));
        assert_eq!(cl.tls_server_name.as_deref(), Some("kubernetes"));
    }
}
