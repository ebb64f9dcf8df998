//! Turning the merged kubeconfig plus command-line overrides into a
//! [`ConnectionConfig`], with kubectl's precedence rules.

use std::fmt;
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

use super::error::KubeconfigError;
use super::exec::{EXEC_CLUSTER_EXTENSION, ExecStanza};
use super::load::{Kubeconfig, KubeconfigFile};
use super::model::{Cluster, User};
use crate::config::{ConnectionConfig, Origin};

/// kubectl's global connection flags. `None`/`false` means "not given".
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Overrides {
    /// `--context`.
    pub context: Option<String>,
    /// `--cluster`.
    pub cluster: Option<String>,
    /// `--user`.
    pub user: Option<String>,
    /// `-n/--namespace`.
    pub namespace: Option<String>,
    /// `--server`; also clears the file's `tls-server-name`, as kubectl does.
    pub server: Option<String>,
    /// `--token`; replaces the user's token and token file.
    pub token: Option<String>,
    /// `--certificate-authority` (relative to the working directory).
    pub certificate_authority: Option<PathBuf>,
    /// `--insecure-skip-tls-verify`.
    pub insecure_skip_tls_verify: bool,
    /// `--tls-server-name`.
    pub tls_server_name: Option<String>,
}

impl fmt::Debug for Overrides {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Overrides")
            .field("context", &self.context)
            .field("cluster", &self.cluster)
            .field("user", &self.user)
            .field("namespace", &self.namespace)
            .field("server", &self.server)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("certificate_authority", &self.certificate_authority)
            .field("insecure_skip_tls_verify", &self.insecure_skip_tls_verify)
            .field("tls_server_name", &self.tls_server_name)
            .finish()
    }
}

/// The file name used in errors about values that came from flags.
const FLAGS: &str = "<command-line flags>";

/// kubectl's `*-data` fields are Go `[]byte`: standard base64; line breaks are
/// ignored by Go's decoder, and rawkube is lenient about missing padding.
const LENIENT_BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

pub(crate) fn decode_data(
    file: &Path,
    field: &str,
    data: &str,
) -> Result<Vec<u8>, KubeconfigError> {
    let compact: String = data.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    LENIENT_BASE64
        .decode(compact)
        .map_err(|source| KubeconfigError::Base64 {
            file: file.to_path_buf(),
            field: field.to_string(),
            source,
        })
}

/// Resolves a path from a kubeconfig field against the file's directory.
pub(crate) fn resolve_path(file: &KubeconfigFile, p: &str) -> PathBuf {
    let path = Path::new(p);
    if path.is_absolute() {
        path.to_path_buf()
    } else {
        file.base_dir().join(path)
    }
}

fn read_referenced(file: &Path, field: &str, path: &Path) -> Result<Vec<u8>, KubeconfigError> {
    std::fs::read(path).map_err(|source| KubeconfigError::ReferencedFile {
        file: file.to_path_buf(),
        field: field.to_string(),
        path: path.to_path_buf(),
        source,
    })
}

/// Reads `<name>-data` (base64) if set, else the file `<name>` (kubectl gives data precedence).
fn data_or_file(
    file: &KubeconfigFile,
    prefix: &str,
    name: &str,
    data: Option<&str>,
    path: Option<&str>,
) -> Result<Option<Vec<u8>>, KubeconfigError> {
    if let Some(d) = data.filter(|d| !d.is_empty()) {
        let field = format!("{prefix}.{name}-data");
        return decode_data(&file.path, &field, d).map(Some);
    }
    if let Some(p) = path.filter(|p| !p.is_empty()) {
        let field = format!("{prefix}.{name}");
        return read_referenced(&file.path, &field, &resolve_path(file, p)).map(Some);
    }
    Ok(None)
}

impl Kubeconfig {
    /// Selects a context (`--context`, else `current-context`) and builds the
    /// connection settings for it, applying kubectl's global-flag overrides.
    ///
    /// ```no_run
    /// use rawkube::kubeconfig::{Kubeconfig, LoadOptions, Overrides};
    /// let kc = Kubeconfig::load(&LoadOptions::file("/tmp/kubeconfig"))?;
    /// let conn = kc.resolve(&Overrides {
    ///     context: Some("bearertokenauth-context".into()),
    ///     namespace: Some("default".into()),
    ///     ..Default::default()
    /// })?;
    /// assert!(conn.server.starts_with("https://"));
    /// # Ok::<(), rawkube::kubeconfig::KubeconfigError>(())
    /// ```
    pub fn resolve(&self, o: &Overrides) -> Result<ConnectionConfig, KubeconfigError> {
        if let Some(explicit) = &self.options.explicit
            && !self.files.first().is_some_and(|f| f.exists)
        {
            return Err(KubeconfigError::NotFound {
                file: explicit.clone(),
            });
        }
        let searched = self.searched();
        let context_name = o
            .context
            .clone()
            .filter(|c| !c.is_empty())
            .or_else(|| self.current_context().map(str::to_string));
        let context = match &context_name {
            Some(name) => {
                Some(
                    self.context(name)
                        .ok_or_else(|| KubeconfigError::ContextNotFound {
                            name: name.clone(),
                            files: searched.clone(),
                        })?,
                )
            }
            None if o.server.is_some() || o.cluster.is_some() => None,
            None => return Err(KubeconfigError::NoCurrentContext { files: searched }),
        };
        let referrer = |flag: &str| match &context_name {
            Some(c) => c.clone(),
            None => flag.to_string(),
        };

        let cluster_name = o
            .cluster
            .clone()
            .or_else(|| context.map(|c| c.entry.context.cluster.clone()))
            .unwrap_or_default();
        let cluster = if cluster_name.is_empty() {
            None
        } else {
            Some(
                self.cluster(&cluster_name)
                    .ok_or_else(|| KubeconfigError::ClusterNotFound {
                        cluster: cluster_name.clone(),
                        context: referrer("--cluster"),
                        files: searched.clone(),
                    })?,
            )
        };
        let user_name = o
            .user
            .clone()
            .or_else(|| context.map(|c| c.entry.context.user.clone()))
            .unwrap_or_default();
        let user = if user_name.is_empty() {
            None
        } else {
            Some(
                self.user(&user_name)
                    .ok_or_else(|| KubeconfigError::UserNotFound {
                        user: user_name.clone(),
                        context: referrer("--user"),
                        files: searched.clone(),
                    })?,
            )
        };

        let mut conn = ConnectionConfig {
            namespace: o
                .namespace
                .clone()
                .filter(|n| !n.is_empty())
                .or_else(|| context.and_then(|c| c.entry.context.namespace.clone()))
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| "default".into()),
            origin: Origin {
                file: cluster
                    .map(|c| c.file.path.clone())
                    .or_else(|| context.map(|c| c.file.path.clone())),
                context: context_name.clone(),
                cluster: Some(cluster_name.clone()).filter(|c| !c.is_empty()),
                user: Some(user_name.clone()).filter(|u| !u.is_empty()),
            },
            ..Default::default()
        };

        let empty_cluster = Cluster::default();
        let cl = cluster.map(|c| &c.entry.cluster).unwrap_or(&empty_cluster);
        conn.server = o.server.clone().unwrap_or_else(|| cl.server.clone());
        if conn.server.is_empty() {
            return Err(match cluster {
                Some(c) => KubeconfigError::NoServer {
                    cluster: cluster_name,
                    file: c.file.path.clone(),
                },
                None => match (context, &context_name) {
                    (Some(c), Some(name)) => KubeconfigError::Invalid {
                        file: c.file.path.clone(),
                        field: format!("contexts[{name}].context.cluster"),
                        reason: "is empty, so there is no server to connect to (set it, or pass --server)".into(),
                    },
                    _ => KubeconfigError::Invalid {
                        file: FLAGS.into(),
                        field: "--server".into(),
                        reason: "no server given and no cluster selected".into(),
                    },
                },
            });
        }
        // As client-go: a CA or insecure flag replaces all of the file's trust settings,
        // and --server drops the file's tls-server-name unless --tls-server-name is given.
        if o.insecure_skip_tls_verify || o.certificate_authority.is_some() {
            conn.insecure_skip_tls_verify = o.insecure_skip_tls_verify;
            if let Some(ca) = &o.certificate_authority {
                conn.ca_pem = Some(read_referenced(
                    Path::new(FLAGS),
                    "--certificate-authority",
                    ca,
                )?);
            }
        } else if let Some(c) = cluster {
            let prefix = format!("clusters[{cluster_name}].cluster");
            conn.insecure_skip_tls_verify = cl.insecure_skip_tls_verify;
            conn.ca_pem = data_or_file(
                c.file,
                &prefix,
                "certificate-authority",
                cl.certificate_authority_data.as_deref(),
                cl.certificate_authority.as_deref(),
            )?;
        }
        if conn.insecure_skip_tls_verify && conn.ca_pem.is_some() {
            let (file, field) = match cluster {
                Some(c) if o.certificate_authority.is_none() => (
                    c.file.path.clone(),
                    format!("clusters[{cluster_name}].cluster.insecure-skip-tls-verify"),
                ),
                _ => (PathBuf::from(FLAGS), "--insecure-skip-tls-verify".into()),
            };
            return Err(KubeconfigError::Invalid {
                file,
                field,
                reason: "a certificate authority and insecure-skip-tls-verify cannot both be set"
                    .into(),
            });
        }
        conn.tls_server_name = if o.tls_server_name.is_some() || o.server.is_some() {
            o.tls_server_name.clone()
        } else {
            cl.tls_server_name.clone()
        }
        .filter(|n| !n.is_empty());

        if let (Some(c), Some(proxy)) = (cluster, cl.proxy_url.as_deref().filter(|p| !p.is_empty()))
        {
            crate::client::proxy::parse_proxy_url(proxy).map_err(|e| KubeconfigError::Invalid {
                file: c.file.path.clone(),
                field: format!("clusters[{cluster_name}].cluster.proxy-url"),
                reason: format!("invalid 'proxy-url' {proxy:?} for cluster {cluster_name:?}: {e}"),
            })?;
            conn.proxy_url = Some(proxy.to_string());
        }
        if let Some(u) = user {
            apply_user(&mut conn, u.file, &user_name, &u.entry.user, cl)?;
        }
        if let Some(t) = &o.token {
            conn.token = Some(t.clone());
            conn.token_file = None;
        }
        Ok(conn)
    }
}

fn apply_user(
    conn: &mut ConnectionConfig,
    file: &KubeconfigFile,
    name: &str,
    u: &User,
    cluster: &Cluster,
) -> Result<(), KubeconfigError> {
    let prefix = format!("users[{name}].user");
    conn.client_cert_pem = data_or_file(
        file,
        &prefix,
        "client-certificate",
        u.client_certificate_data.as_deref(),
        u.client_certificate.as_deref(),
    )?;
    conn.client_key_pem = data_or_file(
        file,
        &prefix,
        "client-key",
        u.client_key_data.as_deref(),
        u.client_key.as_deref(),
    )?;
    let invalid = |field: &str, reason: &str| KubeconfigError::Invalid {
        file: file.path.clone(),
        field: format!("{prefix}.{field}"),
        reason: reason.into(),
    };
    match (&conn.client_cert_pem, &conn.client_key_pem) {
        (Some(_), None) => {
            return Err(invalid(
                "client-key",
                "a client certificate is set but client-key(-data) is missing",
            ));
        }
        (None, Some(_)) => {
            return Err(invalid(
                "client-certificate",
                "a client key is set but client-certificate(-data) is missing",
            ));
        }
        _ => {}
    }
    // An inline token wins over tokenFile, as in client-go.
    conn.token = u.token.clone().filter(|t| !t.is_empty());
    if conn.token.is_none() {
        conn.token_file = u
            .token_file
            .as_deref()
            .filter(|p| !p.is_empty())
            .map(|p| resolve_path(file, p));
    }
    // Silently dropping impersonation would send requests as a different
    // (usually more privileged) identity than the kubeconfig asks for.
    for field in ["as", "as-uid", "as-groups", "as-user-extra"] {
        if u.other.get(field).is_some_and(|v| !v.is_null()) {
            return Err(invalid(
                field,
                "impersonation is not supported by rawkube; remove it or use kubectl",
            ));
        }
    }
    let auth_provider = u.other.get("auth-provider").is_some_and(|v| !v.is_null());
    if let Some(raw) = u.other.get("exec")
        && let Some(stanza) = ExecStanza::parse(file, name, raw)?
    {
        // The cluster's exec extension reaches the plugin as spec.cluster.config.
        let config = cluster
            .extensions
            .iter()
            .find(|e| e.name == EXEC_CLUSTER_EXTENSION)
            .map(|e| super::view::yaml_to_json(&e.extension))
            .transpose()
            .map_err(|reason| invalid("exec", &reason))?;
        conn.exec = Some(stanza.plugin(file, name, auth_provider, config)?);
    }
    let has_credentials = conn.token.is_some()
        || conn.token_file.is_some()
        || conn.client_cert_pem.is_some()
        || conn.exec.is_some();
    if !has_credentials {
        if auth_provider {
            return Err(invalid(
                "auth-provider",
                "auth-provider plugins are not supported by rawkube (kubectl 1.26+ only keeps oidc); use an exec plugin, a token or a client certificate",
            ));
        }
        if u.username.as_deref().is_some_and(|s| !s.is_empty()) {
            return Err(invalid(
                "username",
                "basic authentication is not supported by rawkube; use a token or client certificate",
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kubeconfig::LoadOptions;
    use std::fs;

    const KC: &str = "apiVersion: v1
kind: Config
current-context: main
clusters:
- name: c
  cluster:
    server: https://127.0.0.1:6443
    certificate-authority: pki/ca.crt
    tls-server-name: kubernetes
- name: data
  cluster:
    server: https://127.0.0.1:7443
    certificate-authority-data: Q0EtUEVN
    proxy-url: socks5://127.0.0.1:1080
    extensions:
    - name: client.authentication.k8s.io/exec
      extension: {audience: x}
- name: badproxy
  cluster:
    server: https://127.0.0.1:7443
    proxy-url: ftp://127.0.0.1:21
contexts:
- name: main
  context: {cluster: c, user: tok, namespace: team}
- name: certs
  context: {cluster: data, user: cert}
- name: ghost-cluster
  context: {cluster: nope, user: tok}
- name: ghost-user
  context: {cluster: c, user: nobody}
- name: files
  context: {cluster: c, user: tokfile}
users:
- name: tok
  user: {token: abc}
- name: cert
  user:
    client-certificate-data: Q0VSVA==
    client-key-data: S0VZ
- name: tokfile
  user: {tokenFile: secrets/token}
- name: badkey
  user:
    client-certificate-data: Q0VSVA==
    client-key-data: '%%%not-base64'
- name: execonly
  user:
    exec: {command: get-token, apiVersion: client.authentication.k8s.io/v1}
- name: execok
  user:
    exec: {command: bin/get-token, apiVersion: client.authentication.k8s.io/v1beta1, provideClusterInfo: true}
- name: execwithtoken
  user:
    token: abc
    exec: {command: get-token, apiVersion: client.authentication.k8s.io/v1beta1}
- name: impersonating
  user: {token: abc, as: someone-else}
";

    fn setup() -> (tempfile::TempDir, Kubeconfig, PathBuf) {
        let d = tempfile::tempdir().unwrap();
        fs::create_dir_all(d.path().join("pki")).unwrap();
        fs::write(d.path().join("pki/ca.crt"), "CA-FROM-FILE").unwrap();
        let p = d.path().join("config");
        fs::write(&p, KC).unwrap();
        let kc = Kubeconfig::load(&LoadOptions::file(&p)).unwrap();
        (d, kc, p)
    }

    fn ctx(name: &str) -> Overrides {
        Overrides {
            context: Some(name.into()),
            ..Default::default()
        }
    }

    #[test]
    fn current_context_with_relative_ca_and_namespace() {
        let (_d, kc, p) = setup();
        let c = kc.resolve(&Overrides::default()).unwrap();
        assert_eq!(c.server, "https://127.0.0.1:6443");
        assert_eq!(c.ca_pem.as_deref(), Some(&b"CA-FROM-FILE"[..]));
        assert_eq!(c.tls_server_name.as_deref(), Some("kubernetes"));
        assert_eq!(c.token.as_deref(), Some("abc"));
        assert_eq!(c.namespace, "team");
        assert_eq!(c.origin.file.as_deref(), Some(p.as_path()));
        assert_eq!(c.origin.context.as_deref(), Some("main"));
        assert_eq!(c.origin.cluster.as_deref(), Some("c"));
        assert_eq!(c.origin.user.as_deref(), Some("tok"));
    }

    #[test]
    fn data_fields_are_decoded_and_namespace_defaults() {
        let (_d, kc, _) = setup();
        let c = kc.resolve(&ctx("certs")).unwrap();
        assert_eq!(c.ca_pem.as_deref(), Some(&b"CA-PEM"[..]));
        assert_eq!(c.client_cert_pem.as_deref(), Some(&b"CERT"[..]));
        assert_eq!(c.client_key_pem.as_deref(), Some(&b"KEY"[..]));
        assert_eq!(c.namespace, "default");
        assert!(c.token.is_none());
    }

    #[test]
    fn token_file_is_resolved_against_the_kubeconfig_directory() {
        let (d, kc, _) = setup();
        let c = kc.resolve(&ctx("files")).unwrap();
        assert_eq!(c.token_file, Some(d.path().join("secrets/token")));
    }

    #[test]
    fn flags_override_file_settings_like_kubectl() {
        let (d, kc, _) = setup();
        let c = kc
            .resolve(&Overrides {
                server: Some("https://127.0.0.2:1".into()),
                token: Some("flag-token".into()),
                namespace: Some("other".into()),
                insecure_skip_tls_verify: true,
                ..Default::default()
            })
            .unwrap();
        assert_eq!(c.server, "https://127.0.0.2:1");
        assert_eq!(c.token.as_deref(), Some("flag-token"));
        assert_eq!(c.namespace, "other");
        assert!(c.insecure_skip_tls_verify && c.ca_pem.is_none());
        assert!(
            c.tls_server_name.is_none(),
            "--server drops tls-server-name"
        );
        let ca = d.path().join("flag-ca.pem");
        fs::write(&ca, "FLAG-CA").unwrap();
        let c = kc
            .resolve(&Overrides {
                certificate_authority: Some(ca),
                user: Some("cert".into()),
                ..Default::default()
            })
            .unwrap();
        assert_eq!(c.ca_pem.as_deref(), Some(&b"FLAG-CA"[..]));
        assert_eq!(c.client_cert_pem.as_deref(), Some(&b"CERT"[..]));
    }

    #[test]
    fn missing_context_cluster_and_user_are_named() {
        let (_d, kc, p) = setup();
        let path = p.display().to_string();
        let e = kc.resolve(&ctx("x")).unwrap_err().to_string();
        assert_eq!(e, format!("context \"x\" not found in {path}"));
        let e = kc.resolve(&ctx("ghost-cluster")).unwrap_err().to_string();
        assert_eq!(
            e,
            format!(
                "cluster \"nope\" referenced by context \"ghost-cluster\" is not defined in {path}"
            )
        );
        let e = kc.resolve(&ctx("ghost-user")).unwrap_err().to_string();
        assert!(
            e.starts_with("user \"nobody\" referenced by context \"ghost-user\""),
            "{e}"
        );
    }

    #[test]
    fn bad_base64_names_the_field() {
        let (_d, kc, p) = setup();
        let e = kc
            .resolve(&Overrides {
                context: Some("certs".into()),
                user: Some("badkey".into()),
                ..Default::default()
            })
            .unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.starts_with("users[badkey].user.client-key-data in "),
            "{msg}"
        );
        assert!(msg.contains(&p.display().to_string()), "{msg}");
    }

    #[test]
    fn unreadable_ca_file_names_field_and_path() {
        let (d, kc, _) = setup();
        fs::remove_file(d.path().join("pki/ca.crt")).unwrap();
        let msg = kc.resolve(&Overrides::default()).unwrap_err().to_string();
        assert!(
            msg.contains("clusters[c].cluster.certificate-authority"),
            "{msg}"
        );
        assert!(msg.contains("pki/ca.crt"), "{msg}");
    }

    #[test]
    fn exec_users_resolve_to_validated_plugins() {
        let (d, kc, p) = setup();
        let user = |u: &str| Overrides {
            context: Some("certs".into()),
            user: Some(u.into()),
            ..Default::default()
        };
        // v1 must name an interactiveMode: clientcmd's message, with the file and field.
        let msg = kc.resolve(&user("execonly")).unwrap_err().to_string();
        assert_eq!(
            msg,
            format!(
                "invalid users[execonly].user.exec in {}: interactiveMode must be specified for execonly to use exec authentication plugin",
                p.display()
            )
        );
        let c = kc.resolve(&user("execok")).unwrap();
        let exec = c.exec.expect("exec plugin");
        assert_eq!(
            exec.command,
            d.path().join("bin/get-token").display().to_string()
        );
        assert!(exec.provide_cluster_info);
        assert_eq!(
            exec.cluster_config,
            Some(serde_json::json!({"audience": "x"}))
        );
        assert_eq!(c.proxy_url.as_deref(), Some("socks5://127.0.0.1:1080"));
        // A token next to exec: both are kept; the client prefers the token (client-go).
        let c = kc.resolve(&user("execwithtoken")).unwrap();
        assert!(c.exec.is_some() && c.token.as_deref() == Some("abc"));
    }

    #[test]
    fn proxy_url_schemes_are_checked_like_clientcmd() {
        let (_d, kc, p) = setup();
        let msg = kc
            .resolve(&Overrides {
                context: Some("certs".into()),
                cluster: Some("badproxy".into()),
                ..Default::default()
            })
            .unwrap_err()
            .to_string();
        assert_eq!(
            msg,
            format!(
                "invalid clusters[badproxy].cluster.proxy-url in {}: invalid 'proxy-url' \"ftp://127.0.0.1:21\" for cluster \"badproxy\": unsupported scheme \"ftp\", must be http, https, or socks5",
                p.display()
            )
        );
    }

    #[test]
    fn impersonation_is_refused_rather_than_ignored() {
        let (_d, kc, _) = setup();
        let msg = kc
            .resolve(&Overrides {
                user: Some("impersonating".into()),
                ..Default::default()
            })
            .unwrap_err()
            .to_string();
        assert!(msg.contains("users[impersonating].user.as"), "{msg}");
    }

    #[test]
    fn no_current_context_and_missing_explicit_file() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("config");
        fs::write(&p, "apiVersion: v1\nkind: Config\n").unwrap();
        let kc = Kubeconfig::load(&LoadOptions::file(&p)).unwrap();
        let e = kc.resolve(&Overrides::default()).unwrap_err();
        assert!(
            matches!(e, KubeconfigError::NoCurrentContext { .. }),
            "{e:?}"
        );
        // Flags alone are enough, as with kubectl --server.
        let c = kc
            .resolve(&Overrides {
                server: Some("https://127.0.0.1:1".into()),
                token: Some("t".into()),
                ..Default::default()
            })
            .unwrap();
        assert_eq!(c.namespace, "default");
        let missing = d.path().join("nope");
        let kc = Kubeconfig::load(&LoadOptions::file(&missing)).unwrap();
        let e = kc.resolve(&Overrides::default()).unwrap_err();
        assert!(matches!(e, KubeconfigError::NotFound { .. }), "{e:?}");
    }

    #[test]
    fn context_without_cluster_names_the_context_field() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("config");
        fs::write(
            &p,
            "current-context: x\ncontexts:\n- name: x\n  context: {user: ''}\n",
        )
        .unwrap();
        let kc = Kubeconfig::load(&LoadOptions::file(&p)).unwrap();
        let msg = kc.resolve(&Overrides::default()).unwrap_err().to_string();
        assert!(msg.contains("contexts[x].context.cluster"), "{msg}");
        assert!(msg.contains(&p.display().to_string()), "{msg}");
    }

    #[test]
    fn insecure_with_ca_in_file_is_rejected() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("config");
        fs::write(
            &p,
            "current-context: x\nclusters:\n- name: c\n  cluster: {server: 'https://127.0.0.1:1', insecure-skip-tls-verify: true, certificate-authority-data: Q0E=}\ncontexts:\n- name: x\n  context: {cluster: c, user: ''}\n",
        )
        .unwrap();
        let kc = Kubeconfig::load(&LoadOptions::file(&p)).unwrap();
        let msg = kc.resolve(&Overrides::default()).unwrap_err().to_string();
        assert!(
            msg.contains("clusters[c].cluster.insecure-skip-tls-verify"),
            "{msg}"
        );
    }
}
