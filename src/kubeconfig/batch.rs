//! Many entry edits in one go: `set-credentials --token`, `set-context`,
//! `delete-user`, `delete-context` for a thousand ServiceAccounts are applied under one
//! writer lock, with each kubeconfig file they touch written once (atomically, 0600),
//! instead of one locked read-modify-write per edit.
//!
//! Each edit lands where [`Kubeconfig::set_credentials`] and the other single edits
//! would put it (the file that already holds the entry, else the default file), with
//! the same effect on the entry, and every entry it does not name is kept.

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::edit::{List, relativize};
use super::error::KubeconfigError;
use super::load::{Kubeconfig, KubeconfigFile};
use super::model::{Config, NamedContext, NamedUser};

#[derive(Clone, PartialEq, Eq)]
enum Op {
    SetToken {
        user: String,
        token: String,
    },
    SetContext {
        name: String,
        cluster: String,
        user: String,
        namespace: String,
    },
    DeleteUser(String),
    DeleteContext(String),
}

impl Op {
    fn target(&self) -> (List, &str) {
        match self {
            Op::SetToken { user, .. } => (List::Users, user),
            Op::SetContext { name, .. } => (List::Contexts, name),
            Op::DeleteUser(n) => (List::Users, n),
            Op::DeleteContext(n) => (List::Contexts, n),
        }
    }

    fn apply(&self, file: &KubeconfigFile, config: &mut Config) {
        match self {
            Op::SetToken { user, token } => {
                let entry = match config.users.iter_mut().find(|u| &u.name == user) {
                    Some(e) => e,
                    None => {
                        config.users.push(NamedUser {
                            name: user.clone(),
                            ..Default::default()
                        });
                        config.users.last_mut().expect("just pushed")
                    }
                };
                // As `set-credentials --token`: the token replaces basic auth.
                entry.user.token = Some(token.clone());
                entry.user.username = None;
                entry.user.password = None;
                // As `set-credentials` rewrites the entry: its paths relative to the file.
                relativize(file, &mut entry.user.client_certificate);
                relativize(file, &mut entry.user.client_key);
                relativize(file, &mut entry.user.token_file);
            }
            Op::SetContext {
                name,
                cluster,
                user,
                namespace,
            } => {
                let entry = match config.contexts.iter_mut().find(|c| &c.name == name) {
                    Some(e) => e,
                    None => {
                        config.contexts.push(NamedContext {
                            name: name.clone(),
                            ..Default::default()
                        });
                        config.contexts.last_mut().expect("just pushed")
                    }
                };
                entry.context.cluster = cluster.clone();
                entry.context.user = user.clone();
                entry.context.namespace = Some(namespace.clone());
            }
            Op::DeleteUser(n) => config.users.retain(|u| &u.name != n),
            Op::DeleteContext(n) => config.contexts.retain(|c| &c.name != n),
        }
    }
}

/// A list of entry edits to apply at once with [`Kubeconfig::apply_batch`].
/// `Debug` never shows tokens.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Batch {
    ops: Vec<Op>,
}

impl std::fmt::Debug for Batch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let shown: Vec<String> = self
            .ops
            .iter()
            .map(|op| match op {
                Op::SetToken { user, .. } => format!("set-credentials {user} --token=<redacted>"),
                Op::SetContext {
                    name,
                    cluster,
                    user,
                    namespace,
                } => format!(
                    "set-context {name} --cluster={cluster} --user={user} --namespace={namespace}"
                ),
                Op::DeleteUser(n) => format!("delete-user {n}"),
                Op::DeleteContext(n) => format!("delete-context {n}"),
            })
            .collect();
        f.debug_struct("Batch").field("ops", &shown).finish()
    }
}

impl Batch {
    /// `config set-credentials USER --token=TOKEN`.
    pub fn set_token(&mut self, user: &str, token: &str) {
        self.ops.push(Op::SetToken {
            user: user.into(),
            token: token.into(),
        });
    }

    /// `config set-context NAME --cluster=CLUSTER --user=USER --namespace=NAMESPACE`.
    pub fn set_context(&mut self, name: &str, cluster: &str, user: &str, namespace: &str) {
        self.ops.push(Op::SetContext {
            name: name.into(),
            cluster: cluster.into(),
            user: user.into(),
            namespace: namespace.into(),
        });
    }

    /// `config delete-user NAME` (nothing if there is no such user).
    pub fn delete_user(&mut self, name: &str) {
        self.ops.push(Op::DeleteUser(name.into()));
    }

    /// `config delete-context NAME` (nothing if there is no such context).
    pub fn delete_context(&mut self, name: &str) {
        self.ops.push(Op::DeleteContext(name.into()));
    }

    /// Appends `other`'s edits after these.
    pub fn extend(&mut self, other: Batch) {
        self.ops.extend(other.ops);
    }

    /// How many edits.
    pub fn len(&self) -> usize {
        self.ops.len()
    }

    /// Whether there is nothing to do.
    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }
}

impl Kubeconfig {
    /// Applies every edit of `batch`, in order, under the writer lock of every file in
    /// the precedence list; each file that changes is written once. Returns the files
    /// written (none when nothing changed).
    pub fn apply_batch(&mut self, batch: &Batch) -> Result<Vec<PathBuf>, KubeconfigError> {
        if batch.is_empty() {
            return Ok(vec![]);
        }
        self.locked(|kc| {
            let mut by_file: BTreeMap<usize, Vec<&Op>> = BTreeMap::new();
            for op in &batch.ops {
                let (list, name) = op.target();
                by_file
                    .entry(kc.destination(list, name))
                    .or_default()
                    .push(op);
            }
            let mut written = Vec::new();
            for (i, ops) in by_file {
                let changed = kc.modify_file(i, |file, config| {
                    for op in ops {
                        op.apply(file, config);
                    }
                    Ok(())
                })?;
                written.extend(changed);
            }
            Ok(written)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kubeconfig::LoadOptions;

    const BASE: &str = "apiVersion: v1
kind: Config
clusters:
- cluster:
    server: https://127.0.0.1:6443
  name: kind
contexts:
- context:
    cluster: kind
    user: admin
  name: admin@kind
current-context: admin@kind
users:
- name: admin
  user:
    token: admin-token
- name: old
  user:
    username: u
    password: p
";

    #[test]
    fn one_write_for_many_edits_keeping_everything_else() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config");
        std::fs::write(&path, BASE).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        let inode = |p: &std::path::Path| {
            use std::os::unix::fs::MetadataExt;
            std::fs::metadata(p).unwrap().ino()
        };
        let before = inode(&path);
        let mut kc = Kubeconfig::load(&LoadOptions::file(&path)).unwrap();
        let mut b = Batch::default();
        for i in 0..100 {
            let name = format!("sa-{i}");
            b.set_token(&name, &format!("token-{i}"));
            b.set_context(&name, "kind", &name, "ci");
        }
        b.set_token("old", "new-token");
        let written = kc.apply_batch(&b).unwrap();
        assert_eq!(written, vec![path.clone()]);
        let users = &kc.files()[0].config().users;
        assert_eq!(users.len(), 102);
        let old = users.iter().find(|u| u.name == "old").unwrap();
        assert_eq!(
            (old.user.token.as_deref(), old.user.username.as_deref()),
            (Some("new-token"), None)
        );
        let ctx = kc.context("sa-7").unwrap().entry;
        assert_eq!(
            (ctx.context.user.as_str(), ctx.context.namespace.as_deref()),
            ("sa-7", Some("ci"))
        );
        assert_eq!(kc.current_context(), Some("admin@kind"));
        // Replaced by rename (atomic), keeping the file's mode.
        assert_ne!(inode(&path), before);
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);

        // The same edits again change nothing, so nothing is written.
        assert_eq!(kc.apply_batch(&b).unwrap(), Vec::<PathBuf>::new());

        let mut d = Batch::default();
        for i in 0..100 {
            d.delete_context(&format!("sa-{i}"));
            d.delete_user(&format!("sa-{i}"));
        }
        d.delete_user("never-there");
        assert_eq!(kc.apply_batch(&d).unwrap(), vec![path.clone()]);
        assert_eq!(kc.files()[0].config().users.len(), 2);
        assert!(kc.context("admin@kind").is_some());
        assert!(!format!("{b:?}").contains("token-1"));
    }
}
