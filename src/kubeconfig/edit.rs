//! `kubectl config` edits: set-cluster, set-credentials, set-context,
//! use-context, delete-context, delete-user, delete-cluster, current-context.
//!
//! Each edit follows client-go's `ModifyConfig`: a changed or new entry is
//! written to the file it came from, else to the default file (the explicit
//! file; else the first existing `KUBECONFIG` file, or the last one; else
//! `~/.kube/config`); `current-context` goes to the first file that already
//! sets one. Only that file is rewritten, and only if something changed.
//! Every edit holds the writer lock of every file in the precedence list and
//! re-reads them under it, so two concurrent edits never lose each other's
//! change. Messages are kubectl's, word for word.

use std::path::{Component, Path, PathBuf};

use base64::Engine;

use super::error::KubeconfigError;
use super::load::{Kubeconfig, KubeconfigFile};
use super::model::{Config, NamedCluster, NamedContext, NamedUser};
use super::write::{LOCK_TIMEOUT, WriteLock, write_file};

/// What an edit did: kubectl's stdout line, any stderr warnings, and the files rewritten.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EditOutcome {
    /// The line kubectl prints on stdout (without newline), e.g. `Cluster "c" set.`.
    pub message: String,
    /// Warnings kubectl prints on stderr.
    pub warnings: Vec<String>,
    /// Files that were rewritten (empty when nothing changed).
    pub written: Vec<PathBuf>,
}

/// `config set-cluster` flags; `None` means "flag not given".
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClusterEdit {
    /// `--server`.
    pub server: Option<String>,
    /// `--certificate-authority`.
    pub certificate_authority: Option<PathBuf>,
    /// `--embed-certs`: store the CA file's contents as `certificate-authority-data`.
    pub embed_certs: bool,
    /// `--insecure-skip-tls-verify`.
    pub insecure_skip_tls_verify: Option<bool>,
    /// `--tls-server-name`.
    pub tls_server_name: Option<String>,
    /// `--proxy-url`.
    pub proxy_url: Option<String>,
}

/// `config set-credentials` flags; `None` means "flag not given".
#[derive(Clone, Default, PartialEq, Eq)]
pub struct CredentialsEdit {
    /// `--token`.
    pub token: Option<String>,
    /// A token file (`tokenFile`); kubectl has no flag for it, rawkube does.
    pub token_file: Option<PathBuf>,
    /// `--client-certificate`.
    pub client_certificate: Option<PathBuf>,
    /// `--client-key`.
    pub client_key: Option<PathBuf>,
    /// `--embed-certs`: store certificate and key contents as `*-data`.
    pub embed_certs: bool,
    /// `--username`.
    pub username: Option<String>,
    /// `--password`.
    pub password: Option<String>,
}

impl std::fmt::Debug for CredentialsEdit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CredentialsEdit")
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("token_file", &self.token_file)
            .field("client_certificate", &self.client_certificate)
            .field("client_key", &self.client_key)
            .field("embed_certs", &self.embed_certs)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// `config set-context` flags; `None` means "flag not given".
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ContextEdit {
    /// `--cluster`.
    pub cluster: Option<String>,
    /// `--user`.
    pub user: Option<String>,
    /// `--namespace`.
    pub namespace: Option<String>,
}

/// Which entry list an edit touches.
#[derive(Clone, Copy)]
pub(super) enum List {
    Clusters,
    Users,
    Contexts,
}

fn entry_names(c: &Config, list: List) -> Vec<&str> {
    match list {
        List::Clusters => c.clusters.iter().map(|e| e.name.as_str()).collect(),
        List::Users => c.users.iter().map(|e| e.name.as_str()).collect(),
        List::Contexts => c.contexts.iter().map(|e| e.name.as_str()).collect(),
    }
}

fn abs(p: &Path) -> PathBuf {
    std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())
}

/// Lexically removes `.` and `..`, as Go's `filepath.Clean`.
fn clean(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// client-go's `RelativizePathWithNoBacksteps` after `ResolvePaths`: a path
/// inside the kubeconfig's directory is stored relative to it, anything else absolute.
pub(super) fn relativize(file: &KubeconfigFile, value: &mut Option<String>) {
    let Some(v) = value.as_deref().filter(|v| !v.is_empty()) else {
        return;
    };
    let base = clean(&file.base_dir());
    let full = clean(&base.join(v));
    *value = Some(match full.strip_prefix(&base) {
        Ok(rel) if !rel.as_os_str().is_empty() => rel.display().to_string(),
        _ => full.display().to_string(),
    });
}

fn read_for_embed(flag: &str, path: &Path) -> Result<String, KubeconfigError> {
    let bytes = std::fs::read(path).map_err(|e| {
        KubeconfigError::edit(
            None,
            format!("could not stat {flag} file {}: {e}", path.display()),
        )
    })?;
    Ok(base64::engine::general_purpose::STANDARD.encode(bytes))
}

impl Kubeconfig {
    /// Runs `f` on a freshly re-read set with every precedence file locked.
    pub(super) fn locked<T>(
        &mut self,
        f: impl FnOnce(&mut Kubeconfig) -> Result<T, KubeconfigError>,
    ) -> Result<T, KubeconfigError> {
        let mut paths = self.options.precedence();
        // A fixed order keeps two writers from deadlocking.
        paths.sort();
        let mut locks = Vec::with_capacity(paths.len());
        for p in &paths {
            locks.push(WriteLock::acquire(p, LOCK_TIMEOUT)?);
        }
        self.reload()?;
        let out = f(self);
        // Re-read what we wrote so `self` reflects the files (the locks are still held).
        let reloaded = self.reload();
        drop(locks);
        let out = out?;
        reloaded?;
        Ok(out)
    }

    fn file_index(&self, path: &Path) -> usize {
        self.files.iter().position(|f| f.path == path).unwrap_or(0)
    }

    /// The file owning entry `name` of `list` (first-wins), else the default file.
    pub(super) fn destination(&self, list: List, name: &str) -> usize {
        for (i, f) in self.files.iter().enumerate() {
            if f.documents
                .iter()
                .any(|d| entry_names(d, list).contains(&name))
            {
                return i;
            }
        }
        self.file_index(&self.options.default_file())
    }

    /// Writes file `i` if `change` altered it; returns whether it wrote.
    pub(super) fn modify_file(
        &mut self,
        i: usize,
        change: impl FnOnce(&KubeconfigFile, &mut Config) -> Result<(), KubeconfigError>,
    ) -> Result<Option<PathBuf>, KubeconfigError> {
        let file = &self.files[i];
        if file.documents.len() > 1 {
            return Err(KubeconfigError::MultiDocument {
                file: file.path.clone(),
            });
        }
        let mut config = file.config().clone();
        change(file, &mut config)?;
        if &config == file.config() && file.exists {
            return Ok(None);
        }
        write_file(&file.path, &config)?;
        self.files[i].documents = vec![config];
        self.files[i].exists = true;
        // The next reload parses what was written, as another writer's file would be.
        if let Some(read) = self.read.0.get_mut(i) {
            *read = None;
        }
        Ok(Some(self.files[i].path.clone()))
    }

    /// `kubectl config set-cluster NAME ...` → `Cluster "NAME" set.`
    ///
    /// ```no_run
    /// use rawkube::kubeconfig::{ClusterEdit, Kubeconfig, LoadOptions};
    /// let mut kc = Kubeconfig::load(&LoadOptions::file("/tmp/kubeconfig"))?;
    /// let out = kc.set_cluster("kind", &ClusterEdit {
    ///     server: Some("https://127.0.0.1:6443".into()),
    ///     certificate_authority: Some("/tmp/ca.crt".into()),
    ///     embed_certs: true,
    ///     ..Default::default()
    /// })?;
    /// assert_eq!(out.message, "Cluster \"kind\" set.");
    /// # Ok::<(), rawkube::kubeconfig::KubeconfigError>(())
    /// ```
    pub fn set_cluster(
        &mut self,
        name: &str,
        edit: &ClusterEdit,
    ) -> Result<EditOutcome, KubeconfigError> {
        if name.is_empty() {
            return Err(KubeconfigError::edit(
                None,
                "you must specify a non-empty cluster name",
            ));
        }
        let ca = edit
            .certificate_authority
            .as_deref()
            .filter(|p| !p.as_os_str().is_empty());
        if edit.insecure_skip_tls_verify == Some(true) && ca.is_some() {
            return Err(KubeconfigError::edit(
                None,
                "you cannot specify a certificate authority and insecure mode at the same time",
            ));
        }
        let embedded = match (edit.embed_certs, ca) {
            (true, None) => {
                return Err(KubeconfigError::edit(
                    None,
                    "you must specify a --certificate-authority to embed",
                ));
            }
            (true, Some(p)) => Some(read_for_embed("certificate-authority", p)?),
            (false, _) => None,
        };
        self.locked(|kc| {
            let i = kc.destination(List::Clusters, name);
            let written = kc.modify_file(i, |file, config| {
                let pos = config.clusters.iter().position(|c| c.name == name);
                let mut entry =
                    pos.map(|p| config.clusters[p].clone())
                        .unwrap_or_else(|| NamedCluster {
                            name: name.into(),
                            ..Default::default()
                        });
                let c = &mut entry.cluster;
                if let Some(s) = &edit.server {
                    c.server = s.clone();
                    // kubectl: a new --server invalidates the old tls-server-name.
                    c.tls_server_name = None;
                }
                if let Some(t) = &edit.tls_server_name {
                    c.tls_server_name = Some(t.clone());
                }
                if let Some(insecure) = edit.insecure_skip_tls_verify {
                    c.insecure_skip_tls_verify = insecure;
                    if insecure {
                        c.certificate_authority = None;
                        c.certificate_authority_data = None;
                    }
                }
                if let Some(path) = &edit.certificate_authority {
                    if let Some(data) = &embedded {
                        c.certificate_authority_data = Some(data.clone());
                        c.insecure_skip_tls_verify = false;
                        c.certificate_authority = None;
                    } else if path.as_os_str().is_empty() {
                        c.certificate_authority = None;
                    } else {
                        c.certificate_authority = Some(abs(path).display().to_string());
                        c.insecure_skip_tls_verify = false;
                        c.certificate_authority_data = None;
                    }
                }
                if let Some(p) = &edit.proxy_url {
                    c.proxy_url = Some(p.clone());
                }
                relativize(file, &mut c.certificate_authority);
                match pos {
                    Some(p) => config.clusters[p] = entry,
                    None => config.clusters.push(entry),
                }
                Ok(())
            })?;
            Ok(EditOutcome {
                message: format!("Cluster \"{name}\" set."),
                warnings: vec![],
                written: written.into_iter().collect(),
            })
        })
    }

    /// `kubectl config set-credentials NAME ...` → `User "NAME" set.`
    ///
    /// ```no_run
    /// use rawkube::kubeconfig::{CredentialsEdit, Kubeconfig, LoadOptions};
    /// let mut kc = Kubeconfig::load(&LoadOptions::file("/tmp/kubeconfig"))?;
    /// kc.set_credentials("sa", &CredentialsEdit { token: Some("eyJ...".into()), ..Default::default() })?;
    /// # Ok::<(), rawkube::kubeconfig::KubeconfigError>(())
    /// ```
    pub fn set_credentials(
        &mut self,
        name: &str,
        edit: &CredentialsEdit,
    ) -> Result<EditOutcome, KubeconfigError> {
        if name.is_empty() {
            return Err(KubeconfigError::edit(
                None,
                "you must specify a non-empty user name",
            ));
        }
        let non_empty = |v: &Option<String>| v.as_deref().is_some_and(|s| !s.is_empty());
        let mut methods = vec![];
        if non_empty(&edit.token) {
            methods.push("--token");
        }
        if non_empty(&edit.username) || non_empty(&edit.password) {
            methods.push("--username/--password");
        }
        if methods.len() > 1 {
            return Err(KubeconfigError::edit(
                None,
                format!(
                    "you cannot specify more than one authentication method at the same time: {}",
                    methods.join(", ")
                ),
            ));
        }
        let cert = edit
            .client_certificate
            .as_deref()
            .filter(|p| !p.as_os_str().is_empty());
        let key = edit
            .client_key
            .as_deref()
            .filter(|p| !p.as_os_str().is_empty());
        let (cert_data, key_data) = if edit.embed_certs {
            if cert.is_none() && key.is_none() {
                return Err(KubeconfigError::edit(
                    None,
                    "you must specify a --client-certificate or --client-key to embed",
                ));
            }
            (
                cert.map(|p| read_for_embed("client-certificate", p))
                    .transpose()?,
                key.map(|p| read_for_embed("client-key", p)).transpose()?,
            )
        } else {
            (None, None)
        };
        self.locked(|kc| {
            let i = kc.destination(List::Users, name);
            let written = kc.modify_file(i, |file, config| {
                let pos = config.users.iter().position(|u| u.name == name);
                let mut entry = pos
                    .map(|p| config.users[p].clone())
                    .unwrap_or_else(|| NamedUser {
                        name: name.into(),
                        ..Default::default()
                    });
                let u = &mut entry.user;
                if let Some(p) = &edit.client_certificate {
                    if let Some(d) = &cert_data {
                        u.client_certificate_data = Some(d.clone());
                        u.client_certificate = None;
                    } else if !p.as_os_str().is_empty() {
                        u.client_certificate = Some(abs(p).display().to_string());
                        u.client_certificate_data = None;
                    } else {
                        u.client_certificate = None;
                    }
                }
                if let Some(p) = &edit.client_key {
                    if let Some(d) = &key_data {
                        u.client_key_data = Some(d.clone());
                        u.client_key = None;
                    } else if !p.as_os_str().is_empty() {
                        u.client_key = Some(abs(p).display().to_string());
                        u.client_key_data = None;
                    } else {
                        u.client_key = None;
                    }
                }
                let mut set_token = false;
                let mut set_basic = false;
                if let Some(t) = &edit.token {
                    u.token = Some(t.clone());
                    set_token = !t.is_empty();
                }
                if let Some(p) = &edit.token_file {
                    u.token_file =
                        Some(abs(p).display().to_string()).filter(|_| !p.as_os_str().is_empty());
                }
                if let Some(n) = &edit.username {
                    u.username = Some(n.clone());
                    set_basic |= !n.is_empty();
                }
                if let Some(pw) = &edit.password {
                    u.password = Some(pw.clone());
                    set_basic |= !pw.is_empty();
                }
                // kubectl: setting one auth method clears the other.
                if set_token && !set_basic {
                    u.username = None;
                    u.password = None;
                }
                if set_basic && !set_token {
                    u.token = None;
                }
                relativize(file, &mut u.client_certificate);
                relativize(file, &mut u.client_key);
                relativize(file, &mut u.token_file);
                match pos {
                    Some(p) => config.users[p] = entry,
                    None => config.users.push(entry),
                }
                Ok(())
            })?;
            Ok(EditOutcome {
                message: format!("User \"{name}\" set."),
                warnings: vec![],
                written: written.into_iter().collect(),
            })
        })
    }

    /// `kubectl config set-context NAME ...` (or `--current` with `name == None`)
    /// → `Context "NAME" created.` or `Context "NAME" modified.`
    pub fn set_context(
        &mut self,
        name: Option<&str>,
        edit: &ContextEdit,
    ) -> Result<EditOutcome, KubeconfigError> {
        self.locked(|kc| {
            let name = match name {
                Some(n) if !n.is_empty() => n.to_string(),
                Some(_) => {
                    return Err(KubeconfigError::edit(
                        None,
                        "you must specify a non-empty context name or --current",
                    ));
                }
                None => kc
                    .current_context()
                    .map(str::to_string)
                    .ok_or_else(|| KubeconfigError::edit(None, "no current context is set"))?,
            };
            let existed = kc.context(&name).is_some();
            let i = kc.destination(List::Contexts, &name);
            let written = kc.modify_file(i, |_, config| {
                let pos = config.contexts.iter().position(|c| c.name == name);
                let mut entry =
                    pos.map(|p| config.contexts[p].clone())
                        .unwrap_or_else(|| NamedContext {
                            name: name.clone(),
                            ..Default::default()
                        });
                let c = &mut entry.context;
                if let Some(v) = &edit.cluster {
                    c.cluster = v.clone();
                }
                if let Some(v) = &edit.user {
                    c.user = v.clone();
                }
                if let Some(v) = &edit.namespace {
                    c.namespace = Some(v.clone());
                }
                match pos {
                    Some(p) => config.contexts[p] = entry,
                    None => config.contexts.push(entry),
                }
                Ok(())
            })?;
            let verb = if existed { "modified" } else { "created" };
            Ok(EditOutcome {
                message: format!("Context \"{name}\" {verb}."),
                warnings: vec![],
                written: written.into_iter().collect(),
            })
        })
    }

    /// `kubectl config use-context NAME` → `Switched to context "NAME".`
    pub fn use_context(&mut self, name: &str) -> Result<EditOutcome, KubeconfigError> {
        self.locked(|kc| {
            if kc.context(name).is_none() {
                return Err(KubeconfigError::edit(
                    None,
                    format!("no context exists with the name: \"{name}\""),
                ));
            }
            let written = kc.write_current_context(name)?;
            Ok(EditOutcome {
                message: format!("Switched to context \"{name}\"."),
                warnings: vec![],
                written: written.into_iter().collect(),
            })
        })
    }

    /// client-go's `writeCurrentContext`.
    fn write_current_context(&mut self, name: &str) -> Result<Option<PathBuf>, KubeconfigError> {
        if self.current_context().unwrap_or_default() == name {
            return Ok(None);
        }
        let i = if self.options.is_explicit() {
            0
        } else {
            self.files
                .iter()
                .position(|f| !f.config().current_context.is_empty())
                .filter(|_| !name.is_empty())
                .unwrap_or_else(|| self.file_index(&self.options.default_file()))
        };
        self.modify_file(i, |_, config| {
            config.current_context = name.to_string();
            Ok(())
        })
    }

    /// Deletes entry `name` of `list` from the file it came from.
    fn delete_entry(&mut self, list: List, name: &str) -> Result<Option<PathBuf>, KubeconfigError> {
        let i = self.destination(list, name);
        self.modify_file(i, |_, config| {
            match list {
                List::Clusters => config.clusters.retain(|e| e.name != name),
                List::Users => config.users.retain(|e| e.name != name),
                List::Contexts => config.contexts.retain(|e| e.name != name),
            }
            Ok(())
        })
    }

    /// `kubectl config delete-context NAME` → `deleted context NAME from FILE`
    /// (warns, as kubectl, when it was the current context, but leaves `current-context` alone).
    pub fn delete_context(&mut self, name: &str) -> Result<EditOutcome, KubeconfigError> {
        self.locked(|kc| {
            let shown = kc.options.default_file();
            if kc.context(name).is_none() {
                return Err(KubeconfigError::edit(
                    Some(shown.clone()),
                    format!("cannot delete context {name}, not in {}", shown.display()),
                ));
            }
            let mut warnings = vec![];
            if kc.current_context() == Some(name) {
                warnings.push(
                    "warning: this removed your active context, use \"kubectl config use-context\" to select a different one"
                        .to_string(),
                );
            }
            let written = kc.delete_entry(List::Contexts, name)?;
            Ok(EditOutcome {
                message: format!("deleted context {name} from {}", shown.display()),
                warnings,
                written: written.into_iter().collect(),
            })
        })
    }

    /// `kubectl config delete-user NAME` → `deleted user NAME from FILE`.
    pub fn delete_user(&mut self, name: &str) -> Result<EditOutcome, KubeconfigError> {
        self.locked(|kc| {
            let shown = kc.options.default_file();
            if kc.merged().users.is_empty() {
                return Err(KubeconfigError::edit(
                    Some(shown),
                    "empty config, cannot delete user",
                ));
            }
            if kc.user(name).is_none() {
                return Err(KubeconfigError::edit(
                    Some(shown.clone()),
                    format!("cannot delete user {name}, not in {}", shown.display()),
                ));
            }
            let written = kc.delete_entry(List::Users, name)?;
            Ok(EditOutcome {
                message: format!("deleted user {name} from {}", shown.display()),
                warnings: vec![],
                written: written.into_iter().collect(),
            })
        })
    }

    /// `kubectl config delete-cluster NAME` → `deleted cluster NAME from FILE`.
    pub fn delete_cluster(&mut self, name: &str) -> Result<EditOutcome, KubeconfigError> {
        self.locked(|kc| {
            let shown = kc.options.default_file();
            if kc.cluster(name).is_none() {
                return Err(KubeconfigError::edit(
                    Some(shown.clone()),
                    format!("cannot delete cluster {name}, not in {}", shown.display()),
                ));
            }
            let written = kc.delete_entry(List::Clusters, name)?;
            Ok(EditOutcome {
                message: format!("deleted cluster {name} from {}", shown.display()),
                warnings: vec![],
                written: written.into_iter().collect(),
            })
        })
    }

    /// `kubectl config current-context`: the name, or kubectl's error.
    pub fn require_current_context(&self) -> Result<&str, KubeconfigError> {
        self.current_context()
            .ok_or_else(|| KubeconfigError::edit(None, "current-context is not set"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kubeconfig::LoadOptions;
    use crate::kubeconfig::write::render;
    use std::fs;

    const TOKEN: &str = "eyJhbGciOiJSUzI1NiIsImtpZCI6Im1vY2sifQ.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6ZGVmYXVsdDpiZWFyZXJ0b2tlbmF1dGgifQ.bW9ja3NpZ25hdHVyZQ";

    /// The exact file kubectl 1.32 wrote after the §6.2 transcript's four steps.
    const TRANSCRIPT_FINAL: &str = "apiVersion: v1
clusters:
- cluster:
    insecure-skip-tls-verify: true
    server: https://127.0.0.1:18443
  name: bearertoken-cluster
contexts:
- context:
    cluster: bearertoken-cluster
    namespace: default
    user: bearertokenauth
  name: bearertokenauth-context
current-context: bearertokenauth-context
kind: Config
preferences: {}
users:
- name: bearertokenauth
  user:
    token: eyJhbGciOiJSUzI1NiIsImtpZCI6Im1vY2sifQ.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6ZGVmYXVsdDpiZWFyZXJ0b2tlbmF1dGgifQ.bW9ja3NpZ25hdHVyZQ
";

    fn run_transcript(kc: &mut Kubeconfig) -> Vec<String> {
        let mut out = vec![];
        out.push(
            kc.set_cluster(
                "bearertoken-cluster",
                &ClusterEdit {
                    server: Some("https://127.0.0.1:18443".into()),
                    insecure_skip_tls_verify: Some(true),
                    ..Default::default()
                },
            )
            .unwrap()
            .message,
        );
        out.push(
            kc.set_credentials(
                "bearertokenauth",
                &CredentialsEdit {
                    token: Some(TOKEN.into()),
                    ..Default::default()
                },
            )
            .unwrap()
            .message,
        );
        let ctx = ContextEdit {
            cluster: Some("bearertoken-cluster".into()),
            user: Some("bearertokenauth".into()),
            namespace: Some("default".into()),
        };
        out.push(
            kc.set_context(Some("bearertokenauth-context"), &ctx)
                .unwrap()
                .message,
        );
        out.push(kc.use_context("bearertokenauth-context").unwrap().message);
        out
    }

    #[test]
    fn transcript_6_2_messages_bytes_and_sizes() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("cfgfinal/kubeconfig");
        let mut kc = Kubeconfig::load(&LoadOptions::file(&p)).unwrap();
        let msgs = run_transcript(&mut kc);
        assert_eq!(
            msgs,
            [
                "Cluster \"bearertoken-cluster\" set.",
                "User \"bearertokenauth\" set.",
                "Context \"bearertokenauth-context\" created.",
                "Switched to context \"bearertokenauth-context\".",
            ]
        );
        let text = fs::read_to_string(&p).unwrap();
        assert_eq!(text, TRANSCRIPT_FINAL);
        assert_eq!(text.len(), 523);
        // Setting the same namespace again: "modified", file untouched.
        let again = kc
            .set_context(
                Some("bearertokenauth-context"),
                &ContextEdit {
                    namespace: Some("default".into()),
                    ..Default::default()
                },
            )
            .unwrap();
        assert_eq!(
            again.message,
            "Context \"bearertokenauth-context\" modified."
        );
        assert!(again.written.is_empty());
        let e = kc.use_context("does-not-exist").unwrap_err();
        assert_eq!(
            e.to_string(),
            "no context exists with the name: \"does-not-exist\""
        );
        assert_eq!(
            kc.require_current_context().unwrap(),
            "bearertokenauth-context"
        );
    }

    #[test]
    fn first_step_file_matches_transcript_size() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("kubeconfig");
        let mut kc = Kubeconfig::load(&LoadOptions::file(&p)).unwrap();
        kc.set_cluster(
            "bearertoken-cluster",
            &ClusterEdit {
                server: Some("https://127.0.0.1:18443".into()),
                insecure_skip_tls_verify: Some(true),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(fs::read(&p).unwrap().len(), 211);
    }

    #[test]
    fn embed_certs_and_relative_paths() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("config");
        fs::write(d.path().join("ca.crt"), "PEM").unwrap();
        let outside = tempfile::tempdir().unwrap();
        fs::write(outside.path().join("key.pem"), "KEY").unwrap();
        let mut kc = Kubeconfig::load(&LoadOptions::file(&p)).unwrap();
        kc.set_cluster(
            "embedded",
            &ClusterEdit {
                server: Some("https://127.0.0.1:1".into()),
                certificate_authority: Some(d.path().join("ca.crt")),
                embed_certs: true,
                ..Default::default()
            },
        )
        .unwrap();
        kc.set_cluster(
            "by-path",
            &ClusterEdit {
                server: Some("https://127.0.0.1:2".into()),
                certificate_authority: Some(d.path().join("ca.crt")),
                ..Default::default()
            },
        )
        .unwrap();
        kc.set_credentials(
            "u",
            &CredentialsEdit {
                client_key: Some(outside.path().join("key.pem")),
                ..Default::default()
            },
        )
        .unwrap();
        let c = kc.files()[0].config();
        assert_eq!(
            c.cluster("embedded")
                .unwrap()
                .cluster
                .certificate_authority_data
                .as_deref(),
            Some("UEVN")
        );
        // Inside the kubeconfig's directory: stored relative; outside: absolute.
        assert_eq!(
            c.cluster("by-path")
                .unwrap()
                .cluster
                .certificate_authority
                .as_deref(),
            Some("ca.crt")
        );
        assert_eq!(
            c.user("u").unwrap().user.client_key.as_deref(),
            Some(outside.path().join("key.pem").to_str().unwrap())
        );
        let e = kc
            .set_cluster(
                "x",
                &ClusterEdit {
                    embed_certs: true,
                    ..Default::default()
                },
            )
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "you must specify a --certificate-authority to embed"
        );
    }

    #[test]
    fn token_replaces_basic_auth_and_insecure_clears_ca() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("config");
        fs::write(
            &p,
            "clusters:\n- name: c\n  cluster: {server: 'https://127.0.0.1:1', certificate-authority-data: Q0E=, tls-server-name: old}\nusers:\n- name: u\n  user: {username: a, password: b}\n",
        )
        .unwrap();
        let mut kc = Kubeconfig::load(&LoadOptions::file(&p)).unwrap();
        kc.set_credentials(
            "u",
            &CredentialsEdit {
                token: Some("t".into()),
                ..Default::default()
            },
        )
        .unwrap();
        kc.set_cluster(
            "c",
            &ClusterEdit {
                server: Some("https://127.0.0.1:2".into()),
                insecure_skip_tls_verify: Some(true),
                ..Default::default()
            },
        )
        .unwrap();
        let c = kc.files()[0].config();
        let u = &c.user("u").unwrap().user;
        assert_eq!(
            (u.token.as_deref(), u.username.as_deref()),
            (Some("t"), None)
        );
        let cl = &c.cluster("c").unwrap().cluster;
        assert!(cl.insecure_skip_tls_verify && cl.certificate_authority_data.is_none());
        assert!(cl.tls_server_name.is_none());
    }

    #[test]
    fn edits_keep_unknown_fields_and_other_entries() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("config");
        fs::write(
            &p,
            "apiVersion: v1\nkind: Config\nx-tool: {a: 1}\nclusters:\n- name: other\n  cluster:\n    server: https://127.0.0.1:5\n    extensions:\n    - name: ext\n      extension: {k: v}\nusers:\n- name: e\n  user:\n    exec: {command: foo, apiVersion: client.authentication.k8s.io/v1}\n",
        )
        .unwrap();
        let mut kc = Kubeconfig::load(&LoadOptions::file(&p)).unwrap();
        let before = kc.files()[0].config().clone();
        kc.set_context(Some("new"), &ContextEdit::default())
            .unwrap();
        let after = kc.files()[0].config();
        assert_eq!(after.other, before.other);
        assert_eq!(after.clusters, before.clusters);
        assert_eq!(after.users, before.users);
        assert!(
            fs::read_to_string(&p)
                .unwrap()
                .contains("x-tool:\n  a: 1\n")
        );
    }

    fn env_opts(files: &[&Path]) -> LoadOptions {
        LoadOptions {
            kubeconfig_env: Some(std::env::join_paths(files).unwrap()),
            ..Default::default()
        }
    }

    #[test]
    fn merged_kubeconfig_edits_go_to_the_owning_file() {
        let d = tempfile::tempdir().unwrap();
        let a = d.path().join("a");
        let b = d.path().join("b");
        fs::write(
            &a,
            "clusters:\n- name: ca\n  cluster: {server: 'https://127.0.0.1:1'}\n",
        )
        .unwrap();
        fs::write(
            &b,
            "current-context: cb\nclusters:\n- name: cb\n  cluster: {server: 'https://127.0.0.1:2'}\ncontexts:\n- name: cb\n  context: {cluster: cb, user: ''}\n- name: other\n  context: {cluster: ca, user: ''}\nusers:\n- name: ub\n  user: {token: t}\n",
        )
        .unwrap();
        let mut kc = Kubeconfig::load(&env_opts(&[&a, &b])).unwrap();
        let out = kc
            .set_cluster(
                "cb",
                &ClusterEdit {
                    server: Some("https://127.0.0.1:3".into()),
                    ..Default::default()
                },
            )
            .unwrap();
        assert_eq!(out.written, vec![b.clone()]);
        // A new entry goes to the first existing file.
        let out = kc
            .set_credentials("new", &CredentialsEdit::default())
            .unwrap();
        assert_eq!(out.written, vec![a.clone()]);
        // current-context goes to the file that already has one.
        let out = kc.use_context("other").unwrap();
        assert_eq!(out.written, vec![b.clone()]);
        assert_eq!(kc.current_context(), Some("other"));
        // Deleting removes from the owning file.
        let out = kc.delete_user("ub").unwrap();
        assert_eq!(out.written, vec![b.clone()]);
        assert!(kc.user("ub").is_none());
        assert!(fs::read_to_string(&a).unwrap().contains("name: ca"));
    }

    #[test]
    fn new_entries_go_to_last_env_file_when_none_exists() {
        let d = tempfile::tempdir().unwrap();
        let a = d.path().join("a");
        let b = d.path().join("sub/b");
        let mut kc = Kubeconfig::load(&env_opts(&[&a, &b])).unwrap();
        let out = kc.set_context(Some("x"), &ContextEdit::default()).unwrap();
        assert_eq!(out.written, vec![b.clone()]);
        assert!(!a.exists());
    }

    #[test]
    fn delete_context_and_user_messages_and_errors() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("config");
        let mut kc = Kubeconfig::load(&LoadOptions::file(&p)).unwrap();
        let e = kc.delete_user("nobody").unwrap_err();
        assert_eq!(e.to_string(), "empty config, cannot delete user");
        run_transcript(&mut kc);
        let shown = p.display();
        let out = kc.delete_context("bearertokenauth-context").unwrap();
        assert_eq!(
            out.message,
            format!("deleted context bearertokenauth-context from {shown}")
        );
        assert_eq!(out.warnings.len(), 1, "it was the current context");
        assert_eq!(
            kc.current_context(),
            Some("bearertokenauth-context"),
            "kubectl leaves it"
        );
        let e = kc.delete_context("bearertokenauth-context").unwrap_err();
        assert_eq!(
            e.to_string(),
            format!("cannot delete context bearertokenauth-context, not in {shown}")
        );
        let e = kc.delete_user("nobody").unwrap_err();
        assert_eq!(
            e.to_string(),
            format!("cannot delete user nobody, not in {shown}")
        );
        let out = kc.delete_user("bearertokenauth").unwrap();
        assert_eq!(
            out.message,
            format!("deleted user bearertokenauth from {shown}")
        );
        let text = fs::read_to_string(&p).unwrap();
        assert!(
            text.contains("contexts: null\n") && text.contains("users: null\n"),
            "{text}"
        );
    }

    #[test]
    fn set_context_current_needs_a_current_context() {
        let d = tempfile::tempdir().unwrap();
        let mut kc = Kubeconfig::load(&LoadOptions::file(d.path().join("c"))).unwrap();
        let e = kc.set_context(None, &ContextEdit::default()).unwrap_err();
        assert_eq!(e.to_string(), "no current context is set");
        assert_eq!(
            kc.require_current_context().unwrap_err().to_string(),
            "current-context is not set"
        );
    }

    #[test]
    fn multi_document_files_are_not_rewritten() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("config");
        fs::write(&p, "clusters: []\n---\nusers: []\n").unwrap();
        let mut kc = Kubeconfig::load(&LoadOptions::file(&p)).unwrap();
        let e = kc
            .set_context(Some("x"), &ContextEdit::default())
            .unwrap_err();
        assert!(matches!(e, KubeconfigError::MultiDocument { .. }), "{e:?}");
        assert_eq!(
            fs::read_to_string(&p).unwrap(),
            "clusters: []\n---\nusers: []\n"
        );
    }

    #[test]
    fn concurrent_edits_from_two_handles_lose_nothing() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("config");
        let threads: Vec<_> = (0..4)
            .map(|t| {
                let p = p.clone();
                std::thread::spawn(move || {
                    let mut kc = Kubeconfig::load(&LoadOptions::file(&p)).unwrap();
                    for i in 0..5 {
                        kc.set_context(Some(&format!("ctx-{t}-{i}")), &ContextEdit::default())
                            .unwrap();
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let kc = Kubeconfig::load(&LoadOptions::file(&p)).unwrap();
        assert_eq!(kc.files()[0].config().contexts.len(), 20);
        assert_eq!(
            render(kc.files()[0].config()),
            fs::read_to_string(&p).unwrap()
        );
    }
}
