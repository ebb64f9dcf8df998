//! `setup -f` / `teardown -f`: many ServiceAccounts per cluster, converging, with a
//! bounded number of accounts in flight at once (their requests multiplexed over the
//! client's one HTTP/2 connection).
//!
//! Requests, for N accounts in K namespaces:
//! * discovery once (to build the rules), `/version` once if a token mode is `auto`;
//! * per namespace, one list each of ServiceAccounts, Roles and RoleBindings: what exists;
//! * per account, only what is missing or differs: `POST` the ServiceAccount, a
//!   TokenRequest (or the token Secret), `POST` the Role, `POST` the RoleBinding.
//!
//! A re-run therefore sends only reads: a kubeconfig token is kept when it is a token of
//! that very ServiceAccount (its `sub` and the ServiceAccount's `uid` in its claims, as
//! listed) with at least ten minutes left, which the server would accept; a legacy
//! token's Secret is checked with a `GET` unless the ServiceAccount lists it.
//!
//! Kubeconfig edits are not written here: each account's edits go into a [`Batch`] the
//! caller applies once, after every account of every cluster is done. Standalone
//! kubeconfigs (`kubeconfig_out_dir`) are one file per account, each written atomically.

use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use futures_util::StreamExt;

use crate::Client;
use crate::api::meta::ObjectMeta;
use crate::api::rbac::{PolicyRule, Role, RoleBinding, RoleRef, Subject};
use crate::api::secret::Secret;
use crate::api::serviceaccount::ServiceAccount;
use crate::api::{Api, ListParams, PostParams, TypedResource};
use crate::config::ConnectionConfig;
use crate::jwt::{self, TokenKind};
use crate::kubeconfig::{Batch, Kubeconfig, KubeconfigFile};

use super::converge::{self, Gone, Made};
use super::discovery::{DiscoveryCache, Resolver};
use super::manifest::Account;
use super::narrate::Narrator;
use super::rules::resolve_rules;
use super::setup::{SetupOptions, TokenMode, obtain_token};
use super::standalone::{Names, standalone};
use super::{Result, WorkflowError};

/// One cluster to work on.
#[derive(Clone, Debug)]
pub struct BulkTarget {
    /// A client allowed to create ServiceAccounts, Roles and RoleBindings.
    pub admin: Client,
    /// The admin's connection: its server and CA go into the accounts' kubeconfigs.
    pub admin_conn: ConnectionConfig,
    /// The kubeconfig cluster entry the new contexts reference.
    pub cluster_name: String,
    /// Appended to each account's name to name its kubeconfig user, context and
    /// standalone file: `@CONTEXT` when several clusters share one kubeconfig.
    pub entry_suffix: String,
    /// Where resource types other than the hand-written ones are looked up (kubectl's disk
    /// cache); `None` asks the server.
    pub discovery_cache: Option<DiscoveryCache>,
}

impl BulkTarget {
    /// The kubeconfig user and context name of `a` on this cluster.
    pub fn entry_name(&self, a: &Account) -> String {
        format!("{}{}", a.name, self.entry_suffix)
    }
}

/// How to run.
#[derive(Clone, Debug)]
pub struct BulkOptions {
    /// Accounts in flight at once.
    pub concurrency: usize,
    /// Update Roles and re-create RoleBindings that differ.
    pub force: bool,
    /// TokenRequest lifetime (server default if `None`).
    pub duration: Option<Duration>,
    /// Limit for waiting on the token controller.
    pub timeout: Duration,
    /// One standalone kubeconfig per account in this directory (`ENTRY.kubeconfig`)
    /// instead of entries in the loaded kubeconfig.
    pub kubeconfig_out_dir: Option<PathBuf>,
}

/// How an account ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The ServiceAccount was created (and everything with it).
    Created,
    /// It existed; some of its objects or kubeconfig entries were created or updated.
    Updated,
    /// (teardown) Some of its objects or entries were removed.
    Removed,
    /// Nothing needed doing.
    Unchanged,
    /// Its Role or RoleBinding differs from the manifest and `force` was not given.
    Differs,
    /// A request failed; the error.
    Failed(String),
}

/// What happened to one account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountReport {
    /// Namespace.
    pub namespace: String,
    /// ServiceAccount name.
    pub name: String,
    /// Its kubeconfig context (or standalone file).
    pub context: String,
    /// Its token: kind, and whether it was reused.
    pub token: String,
    /// What was created, updated or removed (`serviceaccount`, `token`, `role`, ...).
    pub changed: Vec<String>,
    /// What differs and was left alone.
    pub differs: Vec<String>,
    /// The verdict.
    pub outcome: Outcome,
}

impl AccountReport {
    fn new(a: &Account, context: String) -> Self {
        AccountReport {
            namespace: a.namespace.clone(),
            name: a.name.clone(),
            context,
            token: String::new(),
            changed: vec![],
            differs: vec![],
            outcome: Outcome::Unchanged,
        }
    }

    fn finish(mut self, error: Option<String>, made: &str) -> Self {
        self.outcome = match error {
            Some(e) => Outcome::Failed(e),
            None if !self.differs.is_empty() => Outcome::Differs,
            None if self.changed.iter().any(|c| c == made) => Outcome::Created,
            None if self.changed.is_empty() => Outcome::Unchanged,
            None if made.is_empty() => Outcome::Removed,
            None => Outcome::Updated,
        };
        self
    }
}

/// The result for one cluster.
#[derive(Clone, Debug, Default)]
pub struct BulkReport {
    /// One report per account, in manifest order.
    pub accounts: Vec<AccountReport>,
    /// The kubeconfig edits to apply (empty with `kubeconfig_out_dir`).
    pub kubeconfig: Batch,
}

fn posting() -> PostParams {
    PostParams {
        dry_run: false,
        field_manager: Some("rawkube".into()),
    }
}

/// What exists in one namespace.
#[derive(Default)]
struct Existing {
    service_accounts: HashMap<String, ServiceAccount>,
    roles: HashMap<String, Role>,
    bindings: HashMap<String, RoleBinding>,
}

/// Lists ServiceAccounts, Roles and RoleBindings of every namespace the accounts use.
async fn existing(
    admin: &Client,
    accounts: &[Account],
    concurrency: usize,
) -> crate::Result<HashMap<String, Existing>> {
    let namespaces: BTreeSet<&str> = accounts.iter().map(|a| a.namespace.as_str()).collect();
    let lists = futures_util::stream::iter(namespaces)
        .map(|ns| async move {
            let lp = ListParams::default();
            let (sa, r, rb) = (
                Api::<ServiceAccount>::namespaced(admin, ns),
                Api::<Role>::namespaced(admin, ns),
                Api::<RoleBinding>::namespaced(admin, ns),
            );
            let (sas, roles, bindings) = tokio::join!(sa.list(&lp), r.list(&lp), rb.list(&lp));
            let e = Existing {
                service_accounts: by_name(sas?.items),
                roles: by_name(roles?.items),
                bindings: by_name(bindings?.items),
            };
            Ok::<_, crate::Error>((ns.to_string(), e))
        })
        .buffer_unordered(concurrency.max(1))
        .collect::<Vec<_>>()
        .await;
    lists.into_iter().collect()
}

fn by_name<K: TypedResource>(items: Vec<K>) -> HashMap<String, K> {
    items
        .into_iter()
        .map(|x| (x.metadata().name.clone(), x))
        .collect()
}

/// A delete's result as "was there": not found is no error.
/// Deletes `name` (reading back after a lost answer); whether it was there.
async fn deleted<K: TypedResource>(api: &Api<K>, name: &str) -> crate::Result<bool> {
    converge::delete(api, name)
        .await
        .map(|gone| gone == Gone::Deleted)
}

/// Everything the accounts of one cluster share.
struct Shared<'a> {
    target: &'a BulkTarget,
    kubeconfig: &'a Kubeconfig,
    options: &'a BulkOptions,
    existing: HashMap<String, Existing>,
    legacy_cluster: bool,
}

/// Sets up every account on one cluster. A cluster-wide failure (unreachable, discovery,
/// an unknown resource, listing) is the error; one account's failure is in its report.
/// `progress` is called as each account finishes.
pub async fn bulk_setup(
    target: &BulkTarget,
    kubeconfig: &Kubeconfig,
    accounts: &[Account],
    options: &BulkOptions,
    progress: &dyn Fn(&AccountReport),
) -> Result<BulkReport> {
    let admin = &target.admin;
    // Every account's rules first: an unknown resource stops the run before any write.
    // Hand-written types need no request; others are looked up once (cache, else server).
    let mut resolver = Resolver::new(admin, target.discovery_cache.clone());
    let mut rules = Vec::with_capacity(accounts.len());
    for (i, a) in accounts.iter().enumerate() {
        let r = resolve_rules(&mut resolver, &a.verbs, &a.resources, &[])
            .await
            .map_err(|e| match e {
                WorkflowError::UnknownResource(e) => {
                    WorkflowError::Invalid(format!("accounts[{i}] {:?}: {e}", a.name))
                }
                e => e,
            })?;
        rules.push(r);
    }
    let legacy_cluster = if accounts.iter().any(|a| a.token_mode == TokenMode::Auto) {
        admin
            .version()
            .await?
            .minor
            .trim_end_matches('+')
            .parse::<u32>()
            .is_ok_and(|minor| minor < 24)
    } else {
        false
    };
    let shared = Shared {
        target,
        kubeconfig,
        options,
        existing: existing(admin, accounts, options.concurrency).await?,
        legacy_cluster,
    };
    let shared = &shared;
    let work = accounts.iter().zip(rules);
    Ok(
        each_account(work, options.concurrency, progress, |(a, rules)| {
            setup_one(shared, a, rules)
        })
        .await,
    )
}

/// Runs `one` for every item, `concurrency` at a time, calling `progress` as each
/// finishes; the reports come back in the items' order, the kubeconfig edits merged.
async fn each_account<T, Fut>(
    items: impl Iterator<Item = T>,
    concurrency: usize,
    progress: &dyn Fn(&AccountReport),
    one: impl Fn(T) -> Fut,
) -> BulkReport
where
    Fut: std::future::Future<Output = (AccountReport, Batch)>,
{
    let one = &one;
    let mut done: Vec<(usize, AccountReport, Batch)> =
        futures_util::stream::iter(items.enumerate())
            .map(|(i, item)| async move {
                let (report, batch) = one(item).await;
                progress(&report);
                (i, report, batch)
            })
            .buffer_unordered(concurrency.max(1))
            .collect()
            .await;
    done.sort_by_key(|(i, _, _)| *i);
    let mut out = BulkReport::default();
    for (_, report, batch) in done {
        out.accounts.push(report);
        out.kubeconfig.extend(batch);
    }
    out
}

async fn setup_one(s: &Shared<'_>, a: &Account, rules: Vec<PolicyRule>) -> (AccountReport, Batch) {
    let entry = s.target.entry_name(a);
    let file = s
        .options
        .kubeconfig_out_dir
        .as_ref()
        .map(|d| d.join(format!("{entry}.kubeconfig")));
    let shown = file
        .as_ref()
        .map_or(entry.clone(), |f| f.display().to_string());
    let mut report = AccountReport::new(a, shown);
    let mut batch = Batch::default();
    let existing = s.existing.get(&a.namespace);
    let (token, rbac) = tokio::join!(
        service_account_and_token(s, a, &entry, file.as_ref(), existing),
        role_and_binding(s, a, rules, existing),
    );
    let mut error = None;
    match rbac {
        Ok((changed, differs)) => {
            report.changed.extend(changed);
            report.differs.extend(differs);
        }
        Err(e) => error = Some(e.to_string()),
    }
    match token {
        Ok((token, kind, changed)) => {
            report.token = kind;
            report.changed.splice(0..0, changed);
            match write_kubeconfig(s, a, &entry, file.as_ref(), &token, &mut batch) {
                Ok(true) => report.changed.push("kubeconfig".into()),
                Ok(false) => {}
                Err(e) => error = error.or(Some(e.to_string())),
            }
        }
        Err(e) => error = Some(e.to_string()),
    }
    (report.finish(error, "serviceaccount"), batch)
}

/// The ServiceAccount (created if missing) and a token for it: the kubeconfig's, if it
/// still works, else a new one. Returns the token, its description, what was created.
async fn service_account_and_token(
    s: &Shared<'_>,
    a: &Account,
    entry: &str,
    file: Option<&PathBuf>,
    existing: Option<&Existing>,
) -> Result<(String, String, Vec<String>)> {
    let admin = &s.target.admin;
    let mut changed = vec![];
    let (sa, fresh) = match existing.and_then(|e| e.service_accounts.get(&a.name)) {
        Some(sa) => (sa.clone(), false),
        None => {
            let api = Api::<ServiceAccount>::namespaced(admin, &a.namespace);
            let made = converge::create(&api, &ServiceAccount::named(&a.name), &posting()).await?;
            if made.made_now() {
                changed.push("serviceaccount".to_string());
            }
            (made.into_object(), true)
        }
    };
    if !fresh {
        let current = match file {
            Some(f) => KubeconfigFile::read(f)
                .ok()
                .and_then(|k| k.config().user(entry).and_then(|u| u.user.token.clone())),
            None => s
                .kubeconfig
                .user(entry)
                .and_then(|u| u.entry.user.token.clone()),
        };
        if let Some(token) = current
            && let Some(kind) = reusable(admin, &token, a, &sa).await
        {
            return Ok((token, format!("{kind} (reused)"), changed));
        }
    }
    let mode = match a.token_mode {
        TokenMode::Auto if s.legacy_cluster || !sa.secrets.is_empty() => TokenMode::Legacy,
        TokenMode::Auto => TokenMode::Request,
        m => m,
    };
    let o = SetupOptions {
        name: a.name.clone(),
        namespace: a.namespace.clone(),
        verbs: a.verbs.clone(),
        resources: a.resources.clone(),
        role: a.role(),
        binding: a.binding(),
        token_mode: mode,
        duration: s.options.duration,
        context_name: entry.to_string(),
        kubeconfig_out: file.cloned(),
        force: s.options.force,
        timeout: s.options.timeout,
    };
    // The single-account narration has no place in a table of a thousand accounts.
    let mut sink = std::io::sink();
    let mut quiet = Narrator::new(&mut sink);
    let (token, kind, created) = obtain_token(admin, &o, &sa, &mut quiet).await?;
    changed.extend(created);
    changed.push("token".into());
    Ok((token, kind, changed))
}

/// The ServiceAccount uid a token names in its claims.
fn token_uid(j: &jwt::Jwt) -> Option<&str> {
    j.claims
        .get("kubernetes.io")
        .and_then(|k| k.pointer("/serviceaccount/uid"))
        .or_else(|| {
            j.claims
                .get("kubernetes.io/serviceaccount/service-account.uid")
        })
        .and_then(|v| v.as_str())
}

/// The token's kind if it is a token of this very ServiceAccount that the server will
/// accept for ten more minutes at least, of a kind `a.token_mode` allows.
async fn reusable(admin: &Client, token: &str, a: &Account, sa: &ServiceAccount) -> Option<String> {
    let j = jwt::decode(token).ok()?;
    let subject = format!("system:serviceaccount:{}:{}", a.namespace, a.name);
    if j.subject() != Some(subject.as_str()) || token_uid(&j) != Some(sa.metadata.uid.as_str()) {
        return None;
    }
    if let Some(exp) = j.expires_at() {
        let left = exp.duration_since(SystemTime::now()).unwrap_or_default();
        if left < Duration::from_secs(600) {
            return None;
        }
    }
    let own_secret = format!("{}-token", a.name);
    let (kind, secret) = match (j.kind(), a.token_mode) {
        (TokenKind::Bound { .. }, TokenMode::Auto | TokenMode::Request) => {
            return Some("TokenRequest".into());
        }
        (TokenKind::Legacy { secret, .. }, TokenMode::Auto | TokenMode::Legacy) => {
            (format!("legacy Secret {secret}"), secret)
        }
        (TokenKind::Legacy { secret, .. }, TokenMode::Secret) if secret == own_secret => {
            (format!("Secret {secret}"), secret)
        }
        _ => return None,
    };
    // A legacy token dies with its Secret.
    let listed = sa.secrets.iter().any(|r| r.name == secret);
    if !listed {
        Api::<Secret>::namespaced(admin, &a.namespace)
            .get(&secret)
            .await
            .ok()?;
    }
    Some(kind)
}

/// The Role and RoleBinding: created if missing; if they differ, updated with `force`,
/// else reported. Returns (changed, differs).
async fn role_and_binding(
    s: &Shared<'_>,
    a: &Account,
    rules: Vec<PolicyRule>,
    existing: Option<&Existing>,
) -> crate::Result<(Vec<String>, Vec<String>)> {
    let admin = &s.target.admin;
    let (mut changed, mut differs) = (vec![], vec![]);
    let roles: Api<Role> = Api::namespaced(admin, &a.namespace);
    let (role, binding) = (a.role(), a.binding());
    match existing.and_then(|e| e.roles.get(&role)) {
        Some(r) if r.rules == rules => {}
        Some(r) if s.options.force => {
            let mut r = r.clone();
            r.rules = rules;
            roles.update(&r, &posting()).await?;
            changed.push("role".into());
        }
        Some(_) => differs.push("role".into()),
        None => {
            let want = Role {
                metadata: ObjectMeta::named(&role),
                rules,
                ..Default::default()
            };
            match converge::create(&roles, &want, &posting()).await? {
                Made::Exists(r) if r.rules != want.rules => differs.push("role".into()),
                Made::Exists(_) => {}
                _ => changed.push("role".into()),
            }
        }
    }
    let bindings: Api<RoleBinding> = Api::namespaced(admin, &a.namespace);
    let subject = Subject::service_account(&a.namespace, &a.name);
    let want = RoleBinding {
        metadata: ObjectMeta::named(&binding),
        subjects: vec![subject.clone()],
        role_ref: RoleRef::role(&role),
        ..Default::default()
    };
    match existing.and_then(|e| e.bindings.get(&binding)) {
        Some(b) if b.role_ref == want.role_ref && b.subjects.contains(&subject) => {}
        Some(_) if s.options.force => {
            // roleRef is immutable: delete and create.
            converge::delete(&bindings, &binding).await?;
            converge::create(&bindings, &want, &posting()).await?;
            changed.push("rolebinding".into());
        }
        Some(_) => differs.push("rolebinding".into()),
        None => match converge::create(&bindings, &want, &posting()).await? {
            Made::Exists(b) if b.role_ref != want.role_ref || !b.subjects.contains(&subject) => {
                differs.push("rolebinding".into())
            }
            Made::Exists(_) => {}
            _ => changed.push("rolebinding".into()),
        },
    }
    Ok((changed, differs))
}

/// Puts the token and context into `batch` (or writes the standalone file) where they
/// differ from what is there. Returns whether anything changes.
fn write_kubeconfig(
    s: &Shared<'_>,
    a: &Account,
    entry: &str,
    file: Option<&PathBuf>,
    token: &str,
    batch: &mut Batch,
) -> Result<bool> {
    let cluster = &s.target.cluster_name;
    if let Some(path) = file {
        let names = Names {
            cluster: cluster.clone(),
            user: entry.into(),
            context: entry.into(),
            namespace: a.namespace.clone(),
        };
        let want = standalone(&s.target.admin_conn, &names, token);
        let same = KubeconfigFile::read(path)
            .ok()
            .is_some_and(|f| f.exists && f.config() == &want);
        if !same {
            crate::kubeconfig::write::replace_file(path, &want)?;
        }
        return Ok(!same);
    }
    let kc = s.kubeconfig;
    let mut changed = false;
    if kc
        .user(entry)
        .is_none_or(|u| u.entry.user.token.as_deref() != Some(token))
    {
        batch.set_token(entry, token);
        changed = true;
    }
    let same_context = kc.context(entry).is_some_and(|c| {
        let c = &c.entry.context;
        &c.cluster == cluster
            && c.user == entry
            && c.namespace.as_deref() == Some(a.namespace.as_str())
    });
    if !same_context {
        batch.set_context(entry, cluster, entry, &a.namespace);
        changed = true;
    }
    Ok(changed)
}

/// Removes what [`bulk_setup`] made for each account on one cluster: its RoleBinding,
/// Role, `NAME-token` Secret (token mode `secret`), ServiceAccount, and its kubeconfig
/// context and user (into the returned batch) or standalone file. What is already gone
/// is skipped without a write.
pub async fn bulk_teardown(
    target: &BulkTarget,
    kubeconfig: &Kubeconfig,
    accounts: &[Account],
    options: &BulkOptions,
    progress: &dyn Fn(&AccountReport),
) -> Result<BulkReport> {
    let existing = existing(&target.admin, accounts, options.concurrency).await?;
    let existing = &existing;
    Ok(
        each_account(accounts.iter(), options.concurrency, progress, |a| {
            teardown_one(target, kubeconfig, options, existing, a)
        })
        .await,
    )
}

async fn teardown_one(
    target: &BulkTarget,
    kubeconfig: &Kubeconfig,
    options: &BulkOptions,
    existing: &HashMap<String, Existing>,
    a: &Account,
) -> (AccountReport, Batch) {
    let admin = &target.admin;
    let ns = a.namespace.as_str();
    let entry = target.entry_name(a);
    let file = options
        .kubeconfig_out_dir
        .as_ref()
        .map(|d| d.join(format!("{entry}.kubeconfig")));
    let mut report = AccountReport::new(
        a,
        file.as_ref()
            .map_or(entry.clone(), |f| f.display().to_string()),
    );
    let e = existing.get(ns);
    let (role, binding) = (a.role(), a.binding());
    let has_binding = e.is_some_and(|e| e.bindings.contains_key(&binding));
    let has_role = e.is_some_and(|e| e.roles.contains_key(&role));
    let has_sa = e.is_some_and(|e| e.service_accounts.contains_key(&a.name));
    let rb_api: Api<RoleBinding> = Api::namespaced(admin, ns);
    let role_api: Api<Role> = Api::namespaced(admin, ns);
    let secret_api: Api<Secret> = Api::namespaced(admin, ns);
    let sa_api: Api<ServiceAccount> = Api::namespaced(admin, ns);
    let secret = format!("{}-token", a.name);
    // The Secret goes before its ServiceAccount: deleting the ServiceAccount makes the
    // token controller delete its token Secrets, which would race with ours.
    let secret_then_sa = async {
        let sec = if a.token_mode != TokenMode::Secret {
            Ok(false)
        } else {
            match secret_api.get(&secret).await {
                Ok(_) => deleted(&secret_api, &secret).await,
                Err(e) if e.is_not_found() => Ok(false),
                Err(e) => Err(e),
            }
        };
        let sa = if has_sa {
            deleted(&sa_api, &a.name).await
        } else {
            Ok(false)
        };
        (sec, sa)
    };
    let (rb, r, (sec, sa)) = tokio::join!(
        async {
            if has_binding {
                deleted(&rb_api, &binding).await
            } else {
                Ok(false)
            }
        },
        async {
            if has_role {
                deleted(&role_api, &role).await
            } else {
                Ok(false)
            }
        },
        secret_then_sa,
    );
    let mut error = None;
    for (what, result) in [
        ("rolebinding", rb),
        ("role", r),
        ("secret", sec),
        ("serviceaccount", sa),
    ] {
        match result {
            Ok(true) => report.changed.push(what.into()),
            Ok(false) => {}
            Err(e) => error = error.or(Some(e.to_string())),
        }
    }
    let mut batch = Batch::default();
    match &file {
        Some(f) => match std::fs::remove_file(f) {
            Ok(()) => report.changed.push("kubeconfig".into()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => error = error.or(Some(format!("removing {}: {e}", f.display()))),
        },
        None => {
            let mut any = false;
            if kubeconfig.context(&entry).is_some() {
                batch.delete_context(&entry);
                any = true;
            }
            if kubeconfig.user(&entry).is_some() {
                batch.delete_user(&entry);
                any = true;
            }
            if any {
                report.changed.push("kubeconfig".into());
            }
        }
    }
    (report.finish(error, ""), batch)
}
