//! `rawkube teardown NAME`: removes what setup made (RoleBinding, Role, token Secrets,
//! ServiceAccount, kubeconfig context and user). Idempotent: what is already gone is
//! reported and skipped.

use std::path::PathBuf;

use crate::Client;
use crate::api::rbac::{Role, RoleBinding};
use crate::api::secret::{SERVICE_ACCOUNT_NAME_ANNOTATION, SERVICE_ACCOUNT_TOKEN_TYPE, Secret};
use crate::api::serviceaccount::ServiceAccount;
use crate::api::{Api, ListParams, TypedResource};
use crate::kubeconfig::Kubeconfig;

use super::Result;
use super::converge::{self, Gone, step};
use super::narrate::Narrator;

/// What to remove (names as setup used them).
#[derive(Clone, Debug)]
pub struct TeardownOptions {
    /// ServiceAccount name.
    pub name: String,
    /// Its namespace.
    pub namespace: String,
    /// Role name.
    pub role: String,
    /// RoleBinding name.
    pub binding: String,
    /// kubeconfig context name.
    pub context_name: String,
    /// The standalone kubeconfig setup wrote, if any: removed instead of editing.
    pub kubeconfig_out: Option<PathBuf>,
}

impl TeardownOptions {
    /// The tutorial's names for `name`.
    pub fn tutorial(name: &str) -> Self {
        TeardownOptions {
            name: name.into(),
            namespace: "default".into(),
            role: name.into(),
            binding: format!("bearertoken-binding-{name}"),
            context_name: name.into(),
            kubeconfig_out: None,
        }
    }
}

async fn delete_one<K: TypedResource>(
    api: &Api<K>,
    name: &str,
    n: &mut Narrator<'_>,
    removed: &mut Vec<String>,
) -> Result<()> {
    let kind = K::KIND.to_ascii_lowercase();
    let shown = if K::GROUP.is_empty() {
        format!("{kind} \"{name}\"")
    } else {
        format!("{kind}.{} \"{name}\"", K::GROUP)
    };
    let what = format!("delete {kind} {}/{name}", api.namespace());
    match converge::delete(api, name)
        .await
        .map_err(step("teardown", what))?
    {
        Gone::Deleted => {
            n.line(&format!("{shown} deleted"))?;
            removed.push(shown);
        }
        Gone::Already => n.line(&format!("{shown} not found (already gone)"))?,
    }
    Ok(())
}

/// Runs teardown with an admin client, editing `kubeconfig`. Returns what was removed.
pub async fn teardown(
    admin: &Client,
    kubeconfig: &mut Kubeconfig,
    o: &TeardownOptions,
    n: &mut Narrator<'_>,
) -> Result<Vec<String>> {
    let ns = o.namespace.as_str();
    let mut removed = Vec::new();
    n.banner(&[
        format!("kubectl delete rolebinding {} -n {ns}", o.binding),
        format!("kubectl delete role {} -n {ns}", o.role),
    ])?;
    delete_one(
        &Api::<RoleBinding>::namespaced(admin, ns),
        &o.binding,
        n,
        &mut removed,
    )
    .await?;
    delete_one(
        &Api::<Role>::namespaced(admin, ns),
        &o.role,
        n,
        &mut removed,
    )
    .await?;

    // Token Secrets for this SA: the legacy controller's and setup's `NAME-token`.
    let secrets: Api<Secret> = Api::namespaced(admin, ns);
    let mine: Vec<String> = secrets
        .list(&ListParams::default())
        .await
        .map_err(step("teardown", format!("list secrets in {ns}")))?
        .items
        .into_iter()
        .filter(|s| {
            s.type_ == SERVICE_ACCOUNT_TOKEN_TYPE
                && s.metadata
                    .annotations
                    .get(SERVICE_ACCOUNT_NAME_ANNOTATION)
                    .is_some_and(|a| a == &o.name)
        })
        .map(|s| s.metadata.name)
        .collect();
    let mut cmds: Vec<String> = mine
        .iter()
        .map(|s| format!("kubectl delete secret {s} -n {ns}"))
        .collect();
    cmds.push(format!("kubectl delete sa {} -n {ns}", o.name));
    n.banner(&cmds)?;
    for s in &mine {
        delete_one(&secrets, s, n, &mut removed).await?;
    }
    delete_one(
        &Api::<ServiceAccount>::namespaced(admin, ns),
        &o.name,
        n,
        &mut removed,
    )
    .await?;

    if let Some(path) = &o.kubeconfig_out {
        n.banner(&[format!("rm {}", path.display())])?;
        match std::fs::remove_file(path) {
            Ok(()) => {
                n.line(&format!("removed {}", path.display()))?;
                removed.push(path.display().to_string());
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                n.line(&format!("{} not found (already gone)", path.display()))?
            }
            Err(e) => return Err(e.into()),
        }
    } else {
        n.banner(&[
            format!("kubectl config delete-context {}", o.context_name),
            format!("kubectl config delete-user {}", o.name),
        ])?;
        if kubeconfig.context(&o.context_name).is_some() {
            let out = kubeconfig.delete_context(&o.context_name)?;
            n.line(&out.message)?;
            removed.push(format!("context {}", o.context_name));
        } else {
            n.line(&format!(
                "context {} not found (already gone)",
                o.context_name
            ))?;
        }
        if kubeconfig.user(&o.name).is_some() {
            let out = kubeconfig.delete_user(&o.name)?;
            n.line(&out.message)?;
            removed.push(format!("user {}", o.name));
        } else {
            n.line(&format!("user {} not found (already gone)", o.name))?;
        }
    }
    Ok(removed)
}
