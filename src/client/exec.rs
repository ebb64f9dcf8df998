//! Exec credential plugins, run as client-go's `plugin/pkg/client/auth/exec` runs them.
//!
//! * The plugin runs with rawkube's environment plus its `env`, and
//!   `KUBERNETES_EXEC_INFO` holding an `ExecCredential` (`spec.interactive`, and with
//!   `provideClusterInfo` the cluster's server, `tls-server-name`,
//!   `insecure-skip-tls-verify`, CA data, `proxy-url` and the
//!   `client.authentication.k8s.io/exec` extension as `config`), encoded byte for byte as
//!   client-go encodes it.
//! * Standard input is passed through only when `interactiveMode` allows it and it is a
//!   terminal (`Always` without a terminal is an error, as in client-go); standard error
//!   is the user's; standard output is the `ExecCredential` answer.
//! * Its token or client certificate is cached for the life of the process, until the
//!   answer's `expirationTimestamp`; one plugin run at a time. After a `401` the plugin is
//!   run again once (unless another request already did), and a new certificate means new
//!   connections.
//!
//! Failures are [`ExecError`]s naming the user; a missing program carries kubectl's
//! help text and the kubeconfig's `installHint`.

use std::process::Stdio;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use base64::Engine;
use rustls::client::ResolvesClientCert;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::sign::CertifiedKey;
use serde::Deserialize;
use serde_json::{Map, Value as Json, json};

use crate::config::{ConnectionConfig, ExecPlugin, InteractiveMode};

/// The variable client-go passes the `ExecCredential` request in.
pub const EXEC_INFO_ENV: &str = "KUBERNETES_EXEC_INFO";

/// client-go's text after "executable X not found".
const INSTALL_HINT_VERBOSE_HELP: &str = "\n\nIt looks like you are trying to use a client-go credential plugin that is not installed.\n\nTo learn more about this feature, consult the documentation available at:\n      https://kubernetes.io/docs/reference/access-authn-authz/authentication/#client-go-credential-plugins";

/// An exec plugin could not supply credentials. `Display` names the user (and the
/// kubeconfig) first, then says what client-go would say.
#[derive(Debug, thiserror::Error)]
#[error("getting credentials for user {}: {failure}", user_and_file(.user, .file))]
pub struct ExecError {
    /// The kubeconfig user whose `exec` ran, when known.
    pub user: Option<String>,
    /// The kubeconfig file, when known.
    pub file: Option<std::path::PathBuf>,
    /// What went wrong.
    pub failure: ExecFailure,
}

fn user_and_file(user: &Option<String>, file: &Option<std::path::PathBuf>) -> String {
    let user = user.as_deref().unwrap_or("<unnamed>");
    match file {
        Some(f) => format!("{user:?} (users[{user}].user.exec in {})", f.display()),
        None => format!("{user:?}"),
    }
}

/// The ways an exec plugin fails, with client-go's messages.
#[derive(Debug, thiserror::Error)]
pub enum ExecFailure {
    /// The program is not installed (not in `PATH`, or no file at its path).
    #[error("exec: executable {command} not found{INSTALL_HINT_VERBOSE_HELP}{}", hint(.install_hint))]
    NotFound {
        /// The command as configured.
        command: String,
        /// The kubeconfig's `installHint`.
        install_hint: String,
    },
    /// The program could not be started for another reason (permissions, not executable).
    #[error("exec: {command}: {source}")]
    Spawn {
        /// The command.
        command: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// The program exited unsuccessfully (its standard error went to the user).
    #[error("exec: executable {command} failed with exit code {}", code.map_or("-1".to_string(), |c| c.to_string()))]
    Exit {
        /// The command.
        command: String,
        /// The exit code; `None` when killed by a signal (Go reports -1).
        code: Option<i32>,
    },
    /// `interactiveMode: Always` without a terminal on standard input.
    #[error("exec plugin cannot support interactive mode: {0}")]
    Interactive(String),
    /// Standard output is not an `ExecCredential`.
    #[error("decoding stdout: {0}")]
    Decode(String),
    /// The answer's `apiVersion` is not the configured one.
    #[error(
        "exec plugin is configured to use API version {configured}, plugin returned version {returned}"
    )]
    WrongVersion {
        /// `exec.apiVersion`.
        configured: String,
        /// The answer's `apiVersion`.
        returned: String,
    },
    /// The answer has no `status`.
    #[error("exec plugin didn't return a status field")]
    NoStatus,
    /// The answer has neither a token nor a certificate.
    #[error("exec plugin didn't return a token or cert/key pair")]
    NoCredential,
    /// A certificate without its key, or a key without its certificate.
    #[error("exec plugin returned only certificate or key, not both")]
    HalfKeyPair,
    /// The certificate or key cannot be used.
    #[error("failed parsing client key/certificate: {0}")]
    BadKeyPair(String),
}

/// The hint after a blank line; a trailing newline (YAML `|` blocks have one) is dropped,
/// as kubectl ends the message with exactly one.
fn hint(h: &str) -> String {
    let h = h.trim_end_matches('\n');
    if h.is_empty() {
        String::new()
    } else {
        format!("\n\n{h}")
    }
}

/// What a plugin run supplied, shared by the requests that use it.
#[derive(Debug)]
pub(crate) struct ExecCredentials {
    /// The bearer token, if the plugin returned one.
    pub token: Option<String>,
    /// Whether the plugin returned a client certificate (held by the TLS resolver).
    pub client_cert: bool,
    /// The certificate generation these credentials installed; a change means new
    /// connections are needed.
    pub cert_generation: u64,
}

struct Cached {
    creds: Arc<ExecCredentials>,
    expires: Option<SystemTime>,
}

/// The client certificate a plugin returned, handed to rustls at each new handshake.
#[derive(Debug, Default)]
pub(crate) struct ExecCertificate(Mutex<Option<Arc<CertifiedKey>>>);

impl ResolvesClientCert for ExecCertificate {
    fn resolve(
        &self,
        _root_hint_subjects: &[&[u8]],
        _sigschemes: &[rustls::SignatureScheme],
    ) -> Option<Arc<CertifiedKey>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn has_certs(&self) -> bool {
        true
    }
}

/// Runs one kubeconfig user's plugin and caches what it returns.
pub(crate) struct ExecAuthenticator {
    plugin: ExecPlugin,
    user: Option<String>,
    file: Option<std::path::PathBuf>,
    /// `spec.cluster` for `KUBERNETES_EXEC_INFO` (with `provideClusterInfo`).
    cluster: Option<Json>,
    provider: Arc<CryptoProvider>,
    cached: tokio::sync::Mutex<Option<Cached>>,
    certificate: Arc<ExecCertificate>,
    generation: AtomicU64,
    stdin_is_terminal: fn() -> bool,
}

impl std::fmt::Debug for ExecAuthenticator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExecAuthenticator")
            .field("plugin", &self.plugin)
            .field("user", &self.user)
            .finish_non_exhaustive()
    }
}

fn stdin_is_terminal() -> bool {
    use std::io::IsTerminal;
    std::io::stdin().is_terminal()
}

impl ExecAuthenticator {
    /// The authenticator for `cfg.exec`.
    pub(crate) fn new(cfg: &ConnectionConfig, plugin: &ExecPlugin) -> Self {
        let cluster = plugin
            .provide_cluster_info
            .then(|| exec_cluster(cfg, plugin));
        ExecAuthenticator {
            plugin: plugin.clone(),
            user: cfg.origin.user.clone(),
            file: cfg.origin.file.clone(),
            cluster,
            provider: Arc::new(rustls::crypto::aws_lc_rs::default_provider()),
            cached: tokio::sync::Mutex::new(None),
            certificate: Arc::default(),
            generation: AtomicU64::new(0),
            stdin_is_terminal,
        }
    }

    /// The TLS client-certificate resolver fed by this plugin.
    pub(crate) fn certificate(&self) -> Arc<ExecCertificate> {
        self.certificate.clone()
    }

    /// What `--show-http` says about the plugin (never the credential).
    pub(crate) fn describe(&self, creds: &ExecCredentials) -> String {
        let what = match (creds.token.is_some(), creds.client_cert) {
            (true, true) => "bearer token and client certificate",
            (false, true) => "client certificate",
            _ => "bearer token",
        };
        let mut cmd = self.plugin.command.clone();
        for a in &self.plugin.args {
            cmd.push(' ');
            cmd.push_str(a);
        }
        let user = self.user.as_deref().unwrap_or("<unnamed>");
        format!(
            "{what} from the exec plugin of user {user:?} ({cmd}); not shown, even with --show-secrets"
        )
    }

    /// The cached credentials, running the plugin if there are none or they expired.
    pub(crate) async fn credentials(&self) -> Result<Arc<ExecCredentials>, ExecError> {
        let mut cached = self.cached.lock().await;
        if let Some(c) = cached.as_ref()
            && c.expires.is_none_or(|exp| SystemTime::now() <= exp)
        {
            return Ok(c.creds.clone());
        }
        let fresh = self.run().await?;
        let creds = fresh.creds.clone();
        *cached = Some(fresh);
        Ok(creds)
    }

    /// After a 401 with `used`: run the plugin again unless another request already
    /// replaced them. Returns the credentials to retry with, if they differ from `used`.
    pub(crate) async fn refresh_after_unauthorized(
        &self,
        used: &Arc<ExecCredentials>,
    ) -> Result<Option<Arc<ExecCredentials>>, ExecError> {
        let mut cached = self.cached.lock().await;
        if let Some(c) = cached.as_ref()
            && !Arc::ptr_eq(&c.creds, used)
        {
            return Ok(Some(c.creds.clone()));
        }
        let fresh = self.run().await?;
        let creds = fresh.creds.clone();
        *cached = Some(fresh);
        let changed = creds.token != used.token || creds.cert_generation != used.cert_generation;
        Ok(changed.then_some(creds))
    }

    fn error(&self, failure: ExecFailure) -> ExecError {
        ExecError {
            user: self.user.clone(),
            file: self.file.clone(),
            failure,
        }
    }

    async fn run(&self) -> Result<Cached, ExecError> {
        let p = &self.plugin;
        let interactive = interactive(p.interactive_mode, (self.stdin_is_terminal)())
            .map_err(|e| self.error(ExecFailure::Interactive(e)))?;
        let info = exec_info(&p.api_version, self.cluster.as_ref(), interactive);
        let mut cmd = tokio::process::Command::new(&p.command);
        cmd.args(&p.args)
            .envs(p.env.iter().map(|(k, v)| (k, v)))
            .env(EXEC_INFO_ENV, info)
            .stdin(if interactive {
                Stdio::inherit()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true);
        // Not `output()`: tokio's would capture standard error, which is the user's.
        let spawned = cmd.spawn().map_err(|source| {
            self.error(if source.kind() == std::io::ErrorKind::NotFound {
                ExecFailure::NotFound {
                    command: p.command.clone(),
                    install_hint: p.install_hint.clone(),
                }
            } else {
                ExecFailure::Spawn {
                    command: p.command.clone(),
                    source,
                }
            })
        })?;
        let out = spawned.wait_with_output().await.map_err(|source| {
            self.error(ExecFailure::Spawn {
                command: p.command.clone(),
                source,
            })
        })?;
        if !out.status.success() {
            return Err(self.error(ExecFailure::Exit {
                command: p.command.clone(),
                code: out.status.code(),
            }));
        }
        let answer = parse_answer(&out.stdout, &p.api_version).map_err(|f| self.error(f))?;
        let client_cert = match (&answer.cert_pem, &answer.key_pem) {
            (Some(cert), Some(key)) => {
                let ck = certified_key(&self.provider, cert.as_bytes(), key.as_bytes())
                    .map_err(|e| self.error(ExecFailure::BadKeyPair(e)))?;
                let mut slot = self.certificate.0.lock().unwrap_or_else(|e| e.into_inner());
                let same = slot.as_ref().is_some_and(|old| old.cert == ck.cert);
                if !same {
                    *slot = Some(Arc::new(ck));
                    self.generation.fetch_add(1, Ordering::SeqCst);
                }
                true
            }
            _ => {
                let mut slot = self.certificate.0.lock().unwrap_or_else(|e| e.into_inner());
                if slot.take().is_some() {
                    self.generation.fetch_add(1, Ordering::SeqCst);
                }
                false
            }
        };
        Ok(Cached {
            creds: Arc::new(ExecCredentials {
                token: answer.token,
                client_cert,
                cert_generation: self.generation.load(Ordering::SeqCst),
            }),
            expires: answer.expires,
        })
    }
}

/// client-go's `isInteractive`.
pub(crate) fn interactive(mode: InteractiveMode, stdin_terminal: bool) -> Result<bool, String> {
    match mode {
        InteractiveMode::Never => Ok(false),
        InteractiveMode::IfAvailable => Ok(stdin_terminal),
        InteractiveMode::Always if stdin_terminal => Ok(true),
        InteractiveMode::Always => Err("standard input is not a terminal".into()),
    }
}

/// `spec.cluster` as client-go's `rest.ConfigToExecCluster` fills it.
fn exec_cluster(cfg: &ConnectionConfig, plugin: &ExecPlugin) -> Json {
    let mut m = Map::new();
    m.insert("server".into(), json!(cfg.server));
    if let Some(n) = cfg.tls_server_name.as_deref().filter(|n| !n.is_empty()) {
        m.insert("tls-server-name".into(), json!(n));
    }
    if cfg.insecure_skip_tls_verify {
        m.insert("insecure-skip-tls-verify".into(), json!(true));
    }
    if let Some(ca) = cfg.ca_pem.as_deref().filter(|c| !c.is_empty()) {
        let b64 = base64::engine::general_purpose::STANDARD.encode(ca);
        m.insert("certificate-authority-data".into(), json!(b64));
    }
    if let Some(p) = cfg.proxy_url.as_deref().filter(|p| !p.is_empty()) {
        m.insert("proxy-url".into(), json!(p));
    }
    m.insert(
        "config".into(),
        plugin.cluster_config.clone().unwrap_or(Json::Null),
    );
    Json::Object(m)
}

/// The `KUBERNETES_EXEC_INFO` value: Go's JSON encoder output, newline included.
pub(crate) fn exec_info(api_version: &str, cluster: Option<&Json>, interactive: bool) -> String {
    let mut spec = Map::new();
    if let Some(c) = cluster {
        spec.insert("cluster".into(), c.clone());
    }
    spec.insert("interactive".into(), json!(interactive));
    let v = json!({
        "kind": "ExecCredential",
        "apiVersion": api_version,
        "spec": Json::Object(spec),
    });
    let mut s = crate::output::gofmt::json_compact(&v, false);
    s.push('\n');
    s
}

#[derive(Deserialize)]
struct Answer {
    #[serde(default, rename = "apiVersion")]
    api_version: Option<String>,
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    status: Option<AnswerStatus>,
}

#[derive(Deserialize)]
struct AnswerStatus {
    #[serde(default, rename = "expirationTimestamp")]
    expiration_timestamp: Option<String>,
    #[serde(default)]
    token: Option<String>,
    #[serde(default, rename = "clientCertificateData")]
    client_certificate_data: Option<String>,
    #[serde(default, rename = "clientKeyData")]
    client_key_data: Option<String>,
}

/// A decoded, checked plugin answer.
#[derive(Debug, PartialEq)]
pub(crate) struct Parsed {
    pub token: Option<String>,
    pub cert_pem: Option<String>,
    pub key_pem: Option<String>,
    pub expires: Option<SystemTime>,
}

/// Decodes the plugin's standard output (JSON, or YAML as client-go's universal decoder
/// also accepts) and applies client-go's checks.
pub(crate) fn parse_answer(stdout: &[u8], api_version: &str) -> Result<Parsed, ExecFailure> {
    let answer: Answer = match serde_json::from_slice(stdout) {
        Ok(a) => a,
        Err(json_err) => serde_yaml::from_slice(stdout)
            .map_err(|_| ExecFailure::Decode(format!("not an ExecCredential: {json_err}")))?,
    };
    let returned = answer.api_version.unwrap_or_default();
    if returned != api_version {
        return Err(ExecFailure::WrongVersion {
            configured: api_version.to_string(),
            returned: if returned.is_empty() {
                "(none)".into()
            } else {
                returned
            },
        });
    }
    if let Some(kind) = answer
        .kind
        .filter(|k| !k.is_empty() && k != "ExecCredential")
    {
        return Err(ExecFailure::Decode(format!(
            "no kind {kind:?} is registered for version {api_version:?}"
        )));
    }
    let status = answer.status.ok_or(ExecFailure::NoStatus)?;
    let nonempty = |v: Option<String>| v.filter(|s| !s.is_empty());
    let token = nonempty(status.token);
    let cert_pem = nonempty(status.client_certificate_data);
    let key_pem = nonempty(status.client_key_data);
    if token.is_none() && cert_pem.is_none() && key_pem.is_none() {
        return Err(ExecFailure::NoCredential);
    }
    if cert_pem.is_some() != key_pem.is_some() {
        return Err(ExecFailure::HalfKeyPair);
    }
    let expires = match nonempty(status.expiration_timestamp) {
        Some(t) => Some(parse_rfc3339(&t).ok_or_else(|| {
            ExecFailure::Decode(format!("expirationTimestamp {t:?} is not an RFC 3339 time"))
        })?),
        None => None,
    };
    Ok(Parsed {
        token,
        cert_pem,
        key_pem,
        expires,
    })
}

/// RFC 3339 as Go's `time.RFC3339` parses it: `Z` or a `±hh:mm` offset, optional fraction.
pub(crate) fn parse_rfc3339(s: &str) -> Option<SystemTime> {
    let t = s.find(['T', 't'])?;
    let (date_time, offset) = if let Some(stripped) = s.strip_suffix(['Z', 'z']) {
        (stripped, 0i64)
    } else {
        let at = s[t..].rfind(['+', '-'])? + t;
        let (hh, mm) = s[at + 1..].split_once(':')?;
        if hh.len() != 2 || mm.len() != 2 {
            return None;
        }
        let minutes = hh.parse::<i64>().ok()? * 60 + mm.parse::<i64>().ok()?;
        let sign = if &s[at..=at] == "-" { -1 } else { 1 };
        (&s[..at], sign * minutes * 60)
    };
    let utc = humantime::parse_rfc3339(&format!("{date_time}Z")).ok()?;
    // 12:00+02:00 is 10:00Z.
    if offset >= 0 {
        utc.checked_sub(Duration::from_secs(offset.unsigned_abs()))
    } else {
        utc.checked_add(Duration::from_secs(offset.unsigned_abs()))
    }
}

/// Go's `tls.X509KeyPair`: a PEM chain and a key that belongs to its first certificate.
fn certified_key(
    provider: &CryptoProvider,
    cert_pem: &[u8],
    key_pem: &[u8],
) -> Result<CertifiedKey, String> {
    let chain = CertificateDer::pem_slice_iter(cert_pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("bad certificate PEM: {e}"))?;
    if chain.is_empty() {
        return Err("no certificate found in clientCertificateData".into());
    }
    let key = PrivateKeyDer::from_pem_slice(key_pem)
        .map_err(|e| format!("no usable private key in clientKeyData: {e}"))?;
    let signer = provider
        .key_provider
        .load_private_key(key)
        .map_err(|e| format!("unusable private key: {e}"))?;
    let ck = CertifiedKey::new(chain, signer);
    ck.keys_match()
        .map_err(|e| format!("private key does not match public key: {e}"))?;
    Ok(ck)
}

#[cfg(test)]
mod tests {
    use super::*;

    const V1: &str = "client.authentication.k8s.io/v1";

    #[test]
    fn interactive_modes_as_client_go() {
        assert_eq!(interactive(InteractiveMode::Never, true), Ok(false));
        assert_eq!(interactive(InteractiveMode::IfAvailable, true), Ok(true));
        assert_eq!(interactive(InteractiveMode::IfAvailable, false), Ok(false));
        assert_eq!(interactive(InteractiveMode::Always, true), Ok(true));
        assert_eq!(
            interactive(InteractiveMode::Always, false),
            Err("standard input is not a terminal".into())
        );
    }

    #[test]
    fn exec_info_is_encoded_as_client_go_encodes_it() {
        assert_eq!(
            exec_info("client.authentication.k8s.io/v1beta1", None, false),
            "{\"kind\":\"ExecCredential\",\"apiVersion\":\"client.authentication.k8s.io/v1beta1\",\"spec\":{\"interactive\":false}}\n"
        );
        let cfg = ConnectionConfig {
            server: "https://127.0.0.9:1/some/path".into(),
            tls_server_name: Some("kube".into()),
            ca_pem: Some(b"CA".to_vec()),
            proxy_url: Some("http://127.0.0.1:9".into()),
            ..Default::default()
        };
        let plugin = ExecPlugin {
            cluster_config: Some(json!({"audience": "x", "b": [1, 2]})),
            ..Default::default()
        };
        assert_eq!(
            exec_info(V1, Some(&exec_cluster(&cfg, &plugin)), true),
            "{\"kind\":\"ExecCredential\",\"apiVersion\":\"client.authentication.k8s.io/v1\",\"spec\":{\"cluster\":{\"server\":\"https://127.0.0.9:1/some/path\",\"tls-server-name\":\"kube\",\"certificate-authority-data\":\"Q0E=\",\"proxy-url\":\"http://127.0.0.1:9\",\"config\":{\"audience\":\"x\",\"b\":[1,2]}},\"interactive\":true}}\n"
        );
        let bare = exec_cluster(&ConnectionConfig::default(), &ExecPlugin::default());
        assert_eq!(bare, json!({"server": "", "config": null}));
    }

    #[test]
    fn answers_are_checked_with_client_go_messages() {
        let ok = parse_answer(
            br#"{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"t","expirationTimestamp":"2030-01-02T03:04:05Z"}}"#,
            V1,
        )
        .unwrap();
        assert_eq!(ok.token.as_deref(), Some("t"));
        assert_eq!(ok.expires, parse_rfc3339("2030-01-02T03:04:05Z"));
        let msg = |out: &str| parse_answer(out.as_bytes(), V1).unwrap_err().to_string();
        assert_eq!(
            msg(r#"{"apiVersion":"client.authentication.k8s.io/v1beta1","status":{"token":"t"}}"#),
            "exec plugin is configured to use API version client.authentication.k8s.io/v1, plugin returned version client.authentication.k8s.io/v1beta1"
        );
        assert_eq!(
            msg(r#"{"apiVersion":"client.authentication.k8s.io/v1"}"#),
            "exec plugin didn't return a status field"
        );
        assert_eq!(
            msg(r#"{"apiVersion":"client.authentication.k8s.io/v1","status":{}}"#),
            "exec plugin didn't return a token or cert/key pair"
        );
        assert_eq!(
            msg(
                r#"{"apiVersion":"client.authentication.k8s.io/v1","status":{"clientKeyData":"k"}}"#
            ),
            "exec plugin returned only certificate or key, not both"
        );
        assert!(msg("not json at all: [").starts_with("decoding stdout: "));
        assert!(
            msg(r#"{"apiVersion":"client.authentication.k8s.io/v1","status":{"token":"t","expirationTimestamp":"soon"}}"#)
                .contains("\"soon\" is not an RFC 3339 time")
        );
        assert!(msg(r#"{"apiVersion":"client.authentication.k8s.io/v1","kind":"Pod","status":{"token":"t"}}"#).contains("no kind \"Pod\""));
        // YAML is accepted too, as by client-go's universal decoder.
        let y = parse_answer(
            b"apiVersion: client.authentication.k8s.io/v1\nkind: ExecCredential\nstatus: {token: y}\n",
            V1,
        )
        .unwrap();
        assert_eq!(y.token.as_deref(), Some("y"));
    }

    #[test]
    fn rfc3339_with_offsets_and_fractions() {
        let z = parse_rfc3339("2030-01-02T10:00:00Z").unwrap();
        assert_eq!(parse_rfc3339("2030-01-02T12:00:00+02:00"), Some(z));
        assert_eq!(parse_rfc3339("2030-01-02T07:30:00-02:30"), Some(z));
        assert_eq!(
            parse_rfc3339("2030-01-02T10:00:00.5Z"),
            z.checked_add(Duration::from_millis(500))
        );
        assert_eq!(parse_rfc3339("2030-01-02"), None);
        assert_eq!(parse_rfc3339("2030-01-02T10:00:00+2"), None);
    }

    #[test]
    fn not_found_errors_carry_the_user_help_and_hint() {
        let e = ExecError {
            user: Some("gke".into()),
            file: Some("/home/me/.kube/config".into()),
            failure: ExecFailure::NotFound {
                command: "gke-gcloud-auth-plugin".into(),
                install_hint: "Install gke-gcloud-auth-plugin with gcloud".into(),
            },
        };
        let s = e.to_string();
        assert!(s.starts_with("getting credentials for user \"gke\" (users[gke].user.exec in /home/me/.kube/config): exec: executable gke-gcloud-auth-plugin not found\n\nIt looks like you are trying to use a client-go credential plugin that is not installed."), "{s}");
        assert!(
            s.ends_with(
                "#client-go-credential-plugins\n\nInstall gke-gcloud-auth-plugin with gcloud"
            ),
            "{s}"
        );
        let e = ExecFailure::Exit {
            command: "x".into(),
            code: None,
        };
        assert_eq!(e.to_string(), "exec: executable x failed with exit code -1");
    }
}
