//! `rawkube setup NAME`: the tutorial's Step 9 script as one converging call.
//!
//! Order and narration follow the script: ServiceAccount, token, kubeconfig user and
//! context, the Forbidden check (before any binding), Role and RoleBinding, then the
//! allowed check as the ServiceAccount (a real `list` plus a SelfSubjectAccessReview
//! per granted verb, polled briefly while RBAC propagates). A re-run keeps what exists
//! and matches (no writes), reports what differs, and changes it only with `force`.
//!
//! Round trips: the reads that do not depend on each other (the ServiceAccount, Role and
//! RoleBinding, `/version`, the kept token's SelfSubjectReview) go out at once first, and
//! the final check's list and access reviews go out at once; each runs over the one HTTP/2
//! connection of its client. The hand-written `--resource` types need no discovery. With
//! pauses (`--interactive`) each step reads only when it runs, since the user may change
//! the cluster while it waits.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use crate::Client;
use crate::api::discovery::VersionInfo;
use crate::api::meta::ObjectMeta;
use crate::api::rbac::{PolicyRule, Role, RoleBinding, RoleRef, Subject};
use crate::api::review::SelfSubjectAccessReview;
use crate::api::secret::{SERVICE_ACCOUNT_NAME_ANNOTATION, SERVICE_ACCOUNT_TOKEN_TYPE, Secret};
use crate::api::serviceaccount::ServiceAccount;
use crate::api::token::TokenRequest;
use crate::api::watch::Watched;
use crate::api::{Api, PostParams, TypedResource};
use crate::config::ConnectionConfig;
use crate::jwt::{self, TokenKind};
use crate::kubeconfig::{Batch, Kubeconfig, KubeconfigFile};
use crate::trace::Observer;

use super::converge::{self, Made, step};
use super::discovery::{DiscoveryCache, Resolver, ResourceType};
use super::narrate::Narrator;
use super::rules::resolve_rules;
use super::standalone::{Names, standalone};
use super::{Result, WorkflowError};

/// Where the ServiceAccount's token comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum TokenMode {
    /// The SA's legacy token Secret if the cluster made one (≤ 1.23), else TokenRequest.
    #[default]
    Auto,
    /// A bound, expiring token from the TokenRequest API (`kubectl create token`).
    Request,
    /// A long-lived token Secret rawkube creates (`NAME-token`), filled by the token controller.
    Secret,
    /// The Secret the cluster's token controller made for the SA (`.secrets[0]`), as in the tutorial.
    Legacy,
}

/// What to set up.
#[derive(Clone, Debug)]
pub struct SetupOptions {
    /// ServiceAccount name.
    pub name: String,
    /// Namespace of the SA, Role and RoleBinding.
    pub namespace: String,
    /// Verbs granted (tutorial: create, get, list, update, delete).
    pub verbs: Vec<String>,
    /// Resources granted (tutorial: pods); `deployments.apps`, `pods/log` work too.
    pub resources: Vec<String>,
    /// Role name (tutorial: the SA name).
    pub role: String,
    /// RoleBinding name (tutorial: `bearertoken-binding-NAME`).
    pub binding: String,
    /// Token source.
    pub token_mode: TokenMode,
    /// Requested TokenRequest lifetime (server default if `None`).
    pub duration: Option<Duration>,
    /// kubeconfig context name (tutorial: the SA name).
    pub context_name: String,
    /// Write a standalone kubeconfig here instead of editing the loaded one.
    pub kubeconfig_out: Option<PathBuf>,
    /// Update objects that differ from what is asked.
    pub force: bool,
    /// Limit for waiting on the token controller and RBAC propagation.
    pub timeout: Duration,
}

impl SetupOptions {
    /// The tutorial's defaults for `name`.
    pub fn tutorial(name: &str) -> Self {
        SetupOptions {
            name: name.into(),
            namespace: "default".into(),
            verbs: ["create", "get", "list", "update", "delete"]
                .map(String::from)
                .to_vec(),
            resources: vec!["pods".into()],
            role: name.into(),
            binding: format!("bearertoken-binding-{name}"),
            token_mode: TokenMode::Auto,
            duration: None,
            context_name: name.into(),
            kubeconfig_out: None,
            force: false,
            timeout: Duration::from_secs(30),
        }
    }
}

/// Where setup connects and which kubeconfig it edits.
pub struct SetupTarget {
    /// Client with admin rights (creates the SA, Role, RoleBinding).
    pub admin: Client,
    /// The admin's resolved connection: server and CA are reused for the SA.
    pub admin_conn: ConnectionConfig,
    /// The loaded kubeconfig (edited unless `kubeconfig_out` is set).
    pub kubeconfig: Kubeconfig,
    /// The cluster entry the new context references (the admin context's cluster).
    pub cluster_name: String,
    /// Traces the SA's requests too (e.g. `--show-http`).
    pub observer: Option<Arc<dyn Observer>>,
    /// Where discovery documents are cached (used only for `--resource` types that are not
    /// hand-written, such as `deployments.apps`).
    pub discovery_cache: Option<DiscoveryCache>,
}

/// What setup ended with.
#[derive(Clone, Debug)]
pub struct SetupSummary {
    /// `namespace/name` of the ServiceAccount.
    pub service_account: String,
    /// `TokenRequest`, `Secret NAME` or `legacy Secret NAME`, plus `(reused)` if kept.
    pub token_kind: String,
    /// Expiry in human terms.
    pub token_expiry: String,
    /// The kubeconfig context to use.
    pub context: String,
    /// The kubeconfig file holding it.
    pub kubeconfig: PathBuf,
    /// The granted rules.
    pub rules: Vec<PolicyRule>,
    /// Objects created or updated in this run (empty for an unchanged re-run).
    pub changed: Vec<String>,
}

fn posting() -> PostParams {
    PostParams {
        dry_run: false,
        field_manager: Some("rawkube".into()),
    }
}

fn sa_subject(o: &SetupOptions) -> Subject {
    Subject::service_account(&o.namespace, &o.name)
}

fn ns_flag(o: &SetupOptions) -> String {
    if o.namespace == "default" {
        String::new()
    } else {
        format!(" -n {}", o.namespace)
    }
}

/// A read that setup may send early (`Some`), or only when its step runs (`None`).
async fn early<T>(
    on: bool,
    read: impl std::future::Future<Output = crate::Result<T>>,
) -> Option<crate::Result<T>> {
    if on { Some(read.await) } else { None }
}

/// The prefetched answer, or the read sent now.
async fn now_or_early<T>(
    early: Option<crate::Result<T>>,
    read: impl std::future::Future<Output = crate::Result<T>>,
) -> crate::Result<T> {
    match early {
        Some(r) => r,
        None => read.await,
    }
}

/// `Ok(None)` for a 404.
fn found<T>(r: crate::Result<T>) -> crate::Result<Option<T>> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e),
    }
}

/// Runs setup, narrating to `n`.
pub async fn setup(
    target: &mut SetupTarget,
    o: &SetupOptions,
    n: &mut Narrator<'_>,
) -> Result<SetupSummary> {
    let admin = target.admin.clone();
    let ns = o.namespace.as_str();
    let mut changed = Vec::new();
    let mut differs = Vec::new();
    let sas: Api<ServiceAccount> = Api::namespaced(&admin, ns);
    let roles: Api<Role> = Api::namespaced(&admin, ns);
    let bindings: Api<RoleBinding> = Api::namespaced(&admin, ns);
    let mut resolver = Resolver::new(&admin, target.discovery_cache.clone());
    let ahead = !n.pauses();
    let wants_version = matches!(o.token_mode, TokenMode::Auto | TokenMode::Legacy);

    // The independent reads, at once. The rules are resolved first in effect: an unknown
    // --resource fails below before anything is created.
    let (rules, sa_got, version, existing, role_got, binding_got) = tokio::join!(
        resolve_rules(&mut resolver, &o.verbs, &o.resources, &[]),
        sas.get(&o.name),
        early(wants_version, admin.version()),
        existing_token(target, o),
        early(ahead, roles.get(&o.role)),
        early(ahead, bindings.get(&o.binding)),
    );
    let rules = rules?;
    let first = resolver
        .find(first_resource(o))
        .await
        .map_err(setup_step(format!("discover {}", first_resource(o))))?
        .ok_or_else(|| crate::Error::Setup(format!("unknown resource {}", first_resource(o))))?;
    let sa_ref = format!("serviceaccount {ns}/{}", o.name);

    // Step 1: the ServiceAccount.
    n.banner(&[format!("kubectl create sa {}{}", o.name, ns_flag(o))])?;
    let sa_line = format!("serviceaccount/{}", o.name);
    let sa = match found(sa_got).map_err(setup_step(format!("read {sa_ref}")))? {
        Some(sa) => {
            n.line(&format!("{sa_line} unchanged"))?;
            sa
        }
        None => {
            let made = converge::create(&sas, &ServiceAccount::named(&o.name), &posting())
                .await
                .map_err(setup_step(format!("create {sa_ref}")))?;
            match made {
                Made::Created(sa) => {
                    n.line(&format!("{sa_line} created"))?;
                    changed.push(sa_line);
                    sa
                }
                Made::Recovered(sa) => {
                    n.line(&format!("{sa_line} created ({READ_BACK})"))?;
                    changed.push(sa_line);
                    sa
                }
                Made::Exists(sa) => {
                    n.line(&format!("{sa_line} unchanged"))?;
                    sa
                }
            }
        }
    };
    n.pause()?;

    // Step 2: the token (an existing, working one is kept so a re-run writes nothing).
    let (token, token_kind, sa_client) = match existing {
        Some((t, kind, client)) => {
            n.banner(&[format!(
                "# reuse the token already in the kubeconfig user {}",
                o.name
            )])?;
            n.line(&format!("token: {kind} (still valid, reused)"))?;
            (t, format!("{kind} (reused)"), client)
        }
        None => {
            let (t, kind, created) = obtain_token_with(&admin, o, &sa, n, version).await?;
            changed.extend(created);
            let client = sa_client(target, &t)?;
            (t, kind, client)
        }
    };
    let token_expiry = jwt::decode(&token)
        .map(|j| j.describe_expiry(SystemTime::now()))
        .unwrap_or_else(|_| "unknown (not a JWT)".into());
    n.pause()?;

    // Step 3: kubeconfig user and context. Without pauses, step 4's reads go out while the
    // file is written (on a blocking thread): the ServiceAccount's TLS handshake need not wait
    // for it. With pauses they wait for their step, as the user may change things meanwhile.
    let binding_ref = format!("rolebinding {ns}/{}", o.binding);
    let check = async {
        let binding = found(now_or_early(binding_got, bindings.get(&o.binding)).await);
        let listed = match &binding {
            Ok(None) => Some(list(&sa_client, &first, o).await),
            _ => None,
        };
        (binding, listed)
    };
    let ((kubeconfig_path, kc_changed), (existing_binding, listed)) = if ahead {
        let written = write_kubeconfig(target, o, &token, n, check).await?;
        n.pause()?;
        written
    } else {
        let (kc, ()) = write_kubeconfig(target, o, &token, n, async {}).await?;
        n.pause()?;
        (kc, check.await)
    };
    if kc_changed {
        changed.push(format!("kubeconfig {}", kubeconfig_path.display()));
    }
    let existing_binding = existing_binding.map_err(setup_step(format!("read {binding_ref}")))?;

    // Step 4: the Forbidden check, only meaningful before the binding exists.
    n.banner(&[
        format!("kubectl config use-context {}", o.context_name),
        "kubectl get pods".into(),
    ])?;
    if existing_binding.is_some() {
        n.line(&format!(
            "(rolebinding {} already exists: the Forbidden check applies only before it)",
            o.binding
        ))?;
    } else {
        let listed = match listed {
            Some(l) => l,
            None => list(&sa_client, &first, o).await,
        };
        match listed {
            Err(e) if e.is_forbidden() => n.line(&e.to_string())?,
            Err(e) => {
                let what = format!("list {} as {} (expecting Forbidden)", first.plural, o.name);
                return Err(setup_step(what)(e));
            }
            Ok(_) => n.line(&format!(
                "(no Forbidden: {} can already list {} through another binding)",
                o.name, o.resources[0]
            ))?,
        }
    }
    n.pause()?;

    // Step 5: Role and RoleBinding.
    n.banner(&[
        format!(
            "kubectl create role {}{} {} --resource={}",
            o.role,
            ns_flag(o),
            o.verbs
                .iter()
                .map(|v| format!("--verb={v}"))
                .collect::<Vec<_>>()
                .join(" "),
            o.resources.join(",")
        ),
        format!(
            "kubectl create rolebinding {} --role={} --serviceaccount={}:{} --namespace={}",
            o.binding, o.role, o.namespace, o.name, o.namespace
        ),
    ])?;
    let want_role = Role {
        metadata: ObjectMeta::named(&o.role),
        rules: rules.clone(),
        ..Default::default()
    };
    let role_line = format!("role.rbac.authorization.k8s.io/{}", o.role);
    let role_ref = format!("role {ns}/{}", o.role);
    let role_found = found(now_or_early(role_got, roles.get(&o.role)).await)
        .map_err(setup_step(format!("read {role_ref}")))?;
    let role_now = create_unless_found(
        &roles,
        role_found,
        &want_role,
        (&role_line, &role_ref),
        |r: &Role| r.rules == rules,
        n,
        &mut changed,
    )
    .await?;
    match role_now {
        None => {}
        Some(r) if r.rules == rules => n.line(&format!("{role_line} unchanged"))?,
        Some(mut r) if o.force => {
            r.rules = rules.clone();
            roles
                .update(&r, &posting())
                .await
                .map_err(setup_step(format!("update {role_ref}")))?;
            n.line(&format!("{role_line} configured"))?;
            changed.push(role_line.clone());
        }
        Some(r) => {
            n.line(&format!(
                "{role_line} differs: has {} rule(s) {}, wanted {}; left unchanged (use --force)",
                r.rules.len(),
                rules_text(&r.rules),
                rules_text(&rules)
            ))?;
            differs.push(role_line.clone());
        }
    }
    let want_binding = RoleBinding {
        metadata: ObjectMeta::named(&o.binding),
        subjects: vec![sa_subject(o)],
        role_ref: RoleRef::role(&o.role),
        ..Default::default()
    };
    let rb_line = format!("rolebinding.rbac.authorization.k8s.io/{}", o.binding);
    let binds = |b: &RoleBinding| {
        b.role_ref == want_binding.role_ref && b.subjects.contains(&sa_subject(o))
    };
    let binding_now = create_unless_found(
        &bindings,
        existing_binding,
        &want_binding,
        (&rb_line, &binding_ref),
        binds,
        n,
        &mut changed,
    )
    .await?;
    match binding_now {
        None => {}
        Some(b) if binds(&b) => n.line(&format!("{rb_line} unchanged"))?,
        Some(_) if o.force => {
            // roleRef is immutable: a different one means delete and create.
            converge::delete(&bindings, &o.binding)
                .await
                .map_err(setup_step(format!("delete {binding_ref}")))?;
            converge::create(&bindings, &want_binding, &posting())
                .await
                .map_err(setup_step(format!("create {binding_ref}")))?;
            n.line(&format!("{rb_line} configured (re-created)"))?;
            changed.push(rb_line.clone());
        }
        Some(b) => {
            n.line(&format!(
                "{rb_line} differs: binds {} {} to {} subject(s); left unchanged (use --force)",
                b.role_ref.kind,
                b.role_ref.name,
                b.subjects.len()
            ))?;
            differs.push(rb_line.clone());
        }
    }
    n.pause()?;

    // Step 6: the allowed check, as the ServiceAccount.
    n.banner(&[
        format!("kubectl config use-context {}", o.context_name),
        "kubectl get pods".into(),
    ])?;
    verify_allowed(&sa_client, &first, o, &rules, n).await?;

    let summary = SetupSummary {
        service_account: format!("{}/{}", o.namespace, o.name),
        token_kind,
        token_expiry,
        context: o.context_name.clone(),
        kubeconfig: kubeconfig_path,
        rules,
        changed,
    };
    print_summary(&summary, n)?;
    if !differs.is_empty() {
        return Err(WorkflowError::Differs(differs.join(", ")));
    }
    Ok(summary)
}

/// The longest one watch for the token controller's change runs before setup reads the
/// ServiceAccount again (and watches anew), well inside the client's 30 s per-attempt limit.
const WATCH_FOR_AT_MOST: Duration = Duration::from_secs(10);

/// How setup narrates a create whose answer was lost but whose object it then found.
const READ_BACK: &str = "the answer was lost; read back";

/// Creates `want` unless `found` holds it already. `None`: this run created it (narrated as
/// `LINE created`, and listed in `changed`); `Some`: the object that stands there (found, made
/// meanwhile by another client, or read back after a lost answer but not as wanted) for the
/// caller to compare with what it wants. `names` is the narration line and the step's object.
async fn create_unless_found<K: TypedResource>(
    api: &Api<K>,
    found: Option<K>,
    want: &K,
    names: (&str, &str),
    as_wanted: impl Fn(&K) -> bool,
    n: &mut Narrator<'_>,
    changed: &mut Vec<String>,
) -> Result<Option<K>> {
    let (line, what) = names;
    if found.is_some() {
        return Ok(found);
    }
    let made = converge::create(api, want, &posting())
        .await
        .map_err(setup_step(format!("create {what}")))?;
    let note = match made {
        Made::Created(_) => String::new(),
        Made::Recovered(k) if as_wanted(&k) => format!(" ({READ_BACK})"),
        Made::Recovered(k) | Made::Exists(k) => return Ok(Some(k)),
    };
    n.line(&format!("{line} created{note}"))?;
    changed.push(line.to_string());
    Ok(None)
}

/// Names the setup step a failed request belonged to.
fn setup_step(what: String) -> impl FnOnce(crate::Error) -> WorkflowError {
    step("setup", what)
}

fn rules_text(rules: &[PolicyRule]) -> String {
    rules
        .iter()
        .map(|r| {
            format!(
                "[{} on {}{}]",
                r.verbs.join(","),
                r.resources.join(","),
                r.api_groups
                    .iter()
                    .filter(|g| !g.is_empty())
                    .map(|g| format!(" in {g}"))
                    .collect::<String>()
            )
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn print_summary(s: &SetupSummary, n: &mut Narrator<'_>) -> Result<()> {
    n.line("")?;
    n.line("Summary")?;
    n.line(&format!("  service account: {}", s.service_account))?;
    n.line(&format!(
        "  token:           {}, {}",
        s.token_kind, s.token_expiry
    ))?;
    n.line(&format!(
        "  context:         {} in {}",
        s.context,
        s.kubeconfig.display()
    ))?;
    n.line(&format!("  granted:         {}", rules_text(&s.rules)))?;
    if s.changed.is_empty() {
        n.line("  changes:         none (everything already matched)")?;
    } else {
        n.line(&format!("  changes:         {}", s.changed.join(", ")))?;
    }
    n.line(&format!(
        "  try:             kubectl --context={} get pods",
        s.context
    ))?;
    Ok(())
}

/// A client that authenticates as the ServiceAccount: the admin's server and CA, the token.
fn sa_client(target: &SetupTarget, token: &str) -> Result<Client> {
    let conn = ConnectionConfig {
        token: Some(token.to_string()),
        token_file: None,
        client_cert_pem: None,
        client_key_pem: None,
        ..target.admin_conn.clone()
    };
    let c = Client::with_options(&conn, target.admin.options().clone())?;
    Ok(match &target.observer {
        Some(o) => c.with_observer(o.clone()),
        None => c,
    })
}

/// The kubeconfig token setup wrote last time, if it is still a working token for this SA:
/// the token, its kind, and the client that proved it works.
async fn existing_token(
    target: &SetupTarget,
    o: &SetupOptions,
) -> Option<(String, String, Client)> {
    let token = match &o.kubeconfig_out {
        Some(path) => {
            let f = KubeconfigFile::read(path).ok()?;
            f.config().user(&o.name)?.user.token.clone()?
        }
        None => target.kubeconfig.user(&o.name)?.entry.user.token.clone()?,
    };
    let j = jwt::decode(&token).ok()?;
    let subject = format!("system:serviceaccount:{}:{}", o.namespace, o.name);
    if j.subject() != Some(subject.as_str()) {
        return None;
    }
    // Keep a bound token only while it has a useful life left.
    if let Some(exp) = j.expires_at() {
        let left = exp.duration_since(SystemTime::now()).unwrap_or_default();
        if left < Duration::from_secs(600) {
            return None;
        }
    }
    let kind = match (j.kind(), o.token_mode) {
        (TokenKind::Bound { .. }, TokenMode::Auto | TokenMode::Request) => "TokenRequest".into(),
        (TokenKind::Legacy { secret, .. }, TokenMode::Auto | TokenMode::Legacy) => {
            format!("legacy Secret {secret}")
        }
        (TokenKind::Legacy { secret, .. }, TokenMode::Secret) if secret == secret_name(o) => {
            format!("Secret {secret}")
        }
        _ => return None,
    };
    // The server is the judge: a deleted SA or Secret makes the token fail here.
    let client = sa_client(target, &token).ok()?;
    let who = client.self_subject_review().await.ok()?;
    let name = who.status.map(|s| s.user_info.username).unwrap_or_default();
    (name == subject).then_some((token, kind, client))
}

fn secret_name(o: &SetupOptions) -> String {
    format!("{}-token", o.name)
}

/// Gets a fresh token for `sa` per `o.token_mode`, narrating; returns the token, a
/// description of its kind, and the objects created (a `NAME-token` Secret).
pub async fn obtain_token(
    admin: &Client,
    o: &SetupOptions,
    sa: &ServiceAccount,
    n: &mut Narrator<'_>,
) -> Result<(String, String, Vec<String>)> {
    obtain_token_with(admin, o, sa, n, None).await
}

/// The server's minor version (`32` for `1.32+`), if it answered `/version` readably.
fn minor(v: &crate::Result<VersionInfo>) -> Option<u32> {
    v.as_ref()
        .ok()?
        .minor
        .trim_end_matches('+')
        .parse::<u32>()
        .ok()
}

/// [`obtain_token`] with `/version` already asked (`None`: ask it when the mode needs it).
async fn obtain_token_with(
    admin: &Client,
    o: &SetupOptions,
    sa: &ServiceAccount,
    n: &mut Narrator<'_>,
    version: Option<crate::Result<VersionInfo>>,
) -> Result<(String, String, Vec<String>)> {
    let ns = o.namespace.as_str();
    let version = match version {
        Some(v) => Some(v),
        None if matches!(o.token_mode, TokenMode::Auto | TokenMode::Legacy) => {
            Some(admin.version().await)
        }
        None => None,
    };
    let server_minor = version.as_ref().and_then(minor);
    let mode = match o.token_mode {
        TokenMode::Auto => {
            let legacy_cluster = server_minor.is_some_and(|minor| minor < 24);
            if legacy_cluster || !sa.secrets.is_empty() {
                TokenMode::Legacy
            } else {
                TokenMode::Request
            }
        }
        m => m,
    };
    let secrets: Api<Secret> = Api::namespaced(admin, ns);
    match mode {
        TokenMode::Request | TokenMode::Auto => {
            let mut cmd = format!("kubectl create token {}{}", o.name, ns_flag(o));
            if let Some(d) = o.duration {
                cmd.push_str(&format!(" --duration={}s", d.as_secs()));
            }
            n.banner(&[cmd])?;
            let sas: Api<ServiceAccount> = Api::namespaced(admin, ns);
            let req = TokenRequest::new(vec![], o.duration.map(|d| d.as_secs() as i64));
            let tr = sas
                .create_token(&o.name, &req)
                .await
                .map_err(setup_step(format!(
                    "create token for serviceaccount {ns}/{}",
                    o.name
                )))?;
            let token = tr.token().unwrap_or_default().to_string();
            let exp = tr
                .status
                .as_ref()
                .map(|s| s.expiration_timestamp.clone())
                .unwrap_or_default();
            n.line(&format!("token: TokenRequest, expires {exp}"))?;
            Ok((token, "TokenRequest".into(), vec![]))
        }
        TokenMode::Legacy => {
            n.banner(&[
                format!(
                    "kubectl get sa {}{} -o jsonpath='{{.secrets[0].name}}'",
                    o.name,
                    ns_flag(o)
                ),
                format!(
                    "kubectl get secret $secretName{} -o jsonpath='{{.data.token}}' | base64 -d",
                    ns_flag(o)
                ),
            ])?;
            let never = format!(
                "the token controller never added a Secret to serviceaccount {} (clusters since 1.24 do not; use --token-mode request or secret)",
                o.name
            );
            if sa.secrets.is_empty()
                && let Some(minor) = server_minor.filter(|m| *m >= 24)
            {
                // No token controller makes these Secrets since 1.24: waiting cannot help.
                let v = version
                    .as_ref()
                    .and_then(|v| v.as_ref().ok())
                    .map_or_else(|| format!("1.{minor}"), |v| v.git_version.clone());
                return Err(WorkflowError::Invalid(format!(
                    "{never}; the server is {v}"
                )));
            }
            let sas: Api<ServiceAccount> = Api::namespaced(admin, ns);
            let start = Instant::now();
            let sa_ref = format!("serviceaccount {ns}/{}", o.name);
            // The controller adds the Secret a moment after the ServiceAccount appears. A watch
            // from the version at hand tells the moment it does. A server that refuses the
            // watch (403, an old proxy) is polled instead: at once, then after pauses doubling
            // from 1 ms up to 250 ms; so is one whose watch ends without the change.
            let mut watching = true;
            let mut pause = Duration::ZERO;
            let mut current = sa.clone();
            let secret_name = loop {
                if let Some(s) = current.secrets.first() {
                    break s.name.clone();
                }
                let waited = start.elapsed();
                if waited > o.timeout {
                    return Err(WorkflowError::Timeout {
                        what: never,
                        after: o.timeout,
                    });
                }
                if watching {
                    let watched = sas
                        .watch_until(
                            &o.name,
                            &current.metadata.resource_version,
                            (o.timeout - waited).min(WATCH_FOR_AT_MOST),
                            |sa: &ServiceAccount| !sa.secrets.is_empty(),
                        )
                        .await;
                    match watched {
                        Ok(Watched::Reached(sa)) => {
                            current = sa;
                            continue;
                        }
                        Ok(Watched::Deleted) => {
                            return Err(WorkflowError::Invalid(format!(
                                "{sa_ref} was deleted while waiting for its token Secret"
                            )));
                        }
                        Ok(Watched::Ended) => {}
                        // A refused watch, or one outliving --request-timeout: poll instead.
                        Err(e)
                            if e.code().is_some() || matches!(e, crate::Error::Timeout { .. }) =>
                        {
                            watching = false
                        }
                        Err(e) => return Err(setup_step(format!("watch {sa_ref}"))(e)),
                    }
                }
                // tokio's timer rounds up to its 1 ms tick: a zero pause would still wait.
                if !pause.is_zero() {
                    tokio::time::sleep(pause).await;
                }
                pause = (pause * 2).clamp(Duration::from_millis(1), Duration::from_millis(250));
                current = sas
                    .get(&o.name)
                    .await
                    .map_err(setup_step(format!("read {sa_ref}")))?;
            };
            let token = wait_for_secret_token(&secrets, &secret_name, o, n).await?;
            n.line(&format!(
                "token: from Secret {secret_name} (legacy, never expires)"
            ))?;
            Ok((token, format!("legacy Secret {secret_name}"), vec![]))
        }
        TokenMode::Secret => {
            let name = secret_name(o);
            n.banner(&[format!(
                "kubectl apply -f - <<< '{{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"type\":\"{SERVICE_ACCOUNT_TOKEN_TYPE}\",\"metadata\":{{\"name\":\"{name}\",\"annotations\":{{\"{SERVICE_ACCOUNT_NAME_ANNOTATION}\":\"{}\"}}}}}}'",
                o.name
            )])?;
            let mut created = vec![];
            let secret_ref = format!("secret {ns}/{name}");
            match found(secrets.get(&name).await)
                .map_err(setup_step(format!("read {secret_ref}")))?
            {
                Some(_) => n.line(&format!("secret/{name} unchanged"))?,
                None => {
                    let want = Secret::service_account_token(&name, &o.name);
                    match converge::create(&secrets, &want, &posting())
                        .await
                        .map_err(setup_step(format!("create {secret_ref}")))?
                    {
                        Made::Exists(_) => n.line(&format!("secret/{name} unchanged"))?,
                        made => {
                            let note = match made {
                                Made::Recovered(_) => format!(" ({READ_BACK})"),
                                _ => String::new(),
                            };
                            n.line(&format!("secret/{name} created{note}"))?;
                            created.push(format!("secret/{name}"));
                        }
                    }
                }
            }
            let token = wait_for_secret_token(&secrets, &name, o, n).await?;
            n.line(&format!("token: from Secret {name} (long-lived)"))?;
            Ok((token, format!("Secret {name}"), created))
        }
    }
}

/// Polls a token Secret until the token controller has filled `data.token`, with dots.
async fn wait_for_secret_token(
    secrets: &Api<Secret>,
    name: &str,
    o: &SetupOptions,
    n: &mut Narrator<'_>,
) -> Result<String> {
    let mut dots = false;
    let token = secrets
        .wait_for_token_with_progress(name, o.timeout, |_| {
            // A failed write of a progress dot is not worth failing the setup for; the next
            // full line reports a broken output.
            let _ = if dots {
                n.partial(".")
            } else {
                n.partial(&format!(
                    "waiting for the token controller to fill Secret {name} "
                ))
            };
            dots = true;
        })
        .await;
    if dots {
        n.line(if token.is_ok() { " done" } else { " timed out" })?;
    }
    token.map_err(setup_step(format!(
        "read the token of secret {}/{name}",
        secrets.namespace()
    )))
}

/// Writes the user and context (or the standalone file) on a blocking thread while
/// `alongside` runs; returns the file, whether it changed, and what `alongside` gave.
async fn write_kubeconfig<T>(
    target: &mut SetupTarget,
    o: &SetupOptions,
    token: &str,
    n: &mut Narrator<'_>,
    alongside: impl std::future::Future<Output = T>,
) -> Result<((PathBuf, bool), T)> {
    if let Some(path) = &o.kubeconfig_out {
        n.banner(&[format!(
            "kubectl config view --minify --flatten > {}   # then: set-credentials, set-context, use-context",
            path.display()
        )])?;
        let names = Names {
            cluster: target.cluster_name.clone(),
            user: o.name.clone(),
            context: o.context_name.clone(),
            namespace: o.namespace.clone(),
        };
        let want = standalone(&target.admin_conn, &names, token);
        let same = KubeconfigFile::read(path)
            .ok()
            .is_some_and(|f| f.config() == &want);
        if same {
            let side = alongside.await;
            n.line(&format!("{} unchanged", path.display()))?;
            return Ok(((path.clone(), false), side));
        }
        let out = path.clone();
        let (written, side) = with_blocking(
            move || crate::kubeconfig::write::replace_file(&out, &want),
            alongside,
        )
        .await;
        written?;
        n.line(&format!(
            "wrote {} (cluster {}, user {}, context {}, current-context {})",
            path.display(),
            names.cluster,
            names.user,
            names.context,
            names.context
        ))?;
        return Ok(((path.clone(), true), side));
    }
    n.banner(&[
        format!("kubectl config set-credentials {} --token=$tokenID", o.name),
        format!(
            "kubectl config set-context {} --cluster={} --user={} --namespace={}",
            o.context_name, target.cluster_name, o.name, o.namespace
        ),
    ])?;
    let kc = &mut target.kubeconfig;
    let file = kc.options().default_file();
    // Both edits go into one batch: one locked read-modify-write, each file written once.
    let mut batch = Batch::default();
    let mut lines = Vec::new();
    let same_user = kc
        .user(&o.name)
        .is_some_and(|u| u.entry.user.token.as_deref() == Some(token));
    if same_user {
        lines.push(format!("User \"{}\" unchanged.", o.name));
    } else {
        batch.set_token(&o.name, token);
        lines.push(format!("User \"{}\" set.", o.name));
    }
    let ctx = kc.context(&o.context_name);
    let same_ctx = ctx.as_ref().is_some_and(|c| {
        let c = &c.entry.context;
        c.cluster == target.cluster_name
            && c.user == o.name
            && c.namespace.as_deref() == Some(o.namespace.as_str())
    });
    if same_ctx {
        lines.push(format!("Context \"{}\" unchanged.", o.context_name));
    } else {
        batch.set_context(&o.context_name, &target.cluster_name, &o.name, &o.namespace);
        let verb = if ctx.is_some() { "modified" } else { "created" };
        lines.push(format!("Context \"{}\" {verb}.", o.context_name));
    }
    let changed = !batch.is_empty();
    let side = if changed {
        let mut edited = kc.clone();
        let (applied, side) = with_blocking(
            move || edited.apply_batch(&batch).map(|_| edited),
            alongside,
        )
        .await;
        *kc = applied?;
        side
    } else {
        alongside.await
    };
    for line in lines {
        n.line(&line)?;
    }
    let path = kc
        .context(&o.context_name)
        .map(|f| f.file.path.clone())
        .unwrap_or(file);
    Ok(((path, changed), side))
}

/// Runs `io` on a blocking thread while `alongside` runs on this one.
async fn with_blocking<R: Send + 'static, T>(
    io: impl FnOnce() -> R + Send + 'static,
    alongside: impl std::future::Future<Output = T>,
) -> (R, T) {
    let (done, side) = tokio::join!(tokio::task::spawn_blocking(io), alongside);
    match done {
        Ok(r) => (r, side),
        // The write panicked: carry the panic on, as if it had run here.
        Err(e) => std::panic::resume_unwind(e.into_panic()),
    }
}

/// The type of the first `--resource` (`pods` for `pods/log`): what the SA lists.
fn first_resource(o: &SetupOptions) -> &str {
    o.resources[0].split('/').next().unwrap_or("pods")
}

/// `list` of the first granted resource as the SA (the tutorial's `kubectl get pods`).
async fn list(sa: &Client, t: &ResourceType, o: &SetupOptions) -> crate::Result<usize> {
    let path = t.resource().collection(&o.namespace).limit(500);
    let list: serde_json::Value = sa.request(crate::client::Request::get(path)).await?;
    Ok(list
        .get("items")
        .and_then(|i| i.as_array())
        .map_or(0, Vec::len))
}

/// The allowed check: a real list plus one SelfSubjectAccessReview per granted verb
/// and resource, all sent at once, and again (after a pause that doubles from 25 ms to
/// 250 ms) while the new binding propagates.
async fn verify_allowed(
    sa: &Client,
    first: &ResourceType,
    o: &SetupOptions,
    rules: &[PolicyRule],
    n: &mut Narrator<'_>,
) -> Result<()> {
    let start = Instant::now();
    let can_list = o.verbs.iter().any(|v| v == "list" || v == "*");
    let mut reviews = Vec::new();
    for rule in rules {
        for resource in &rule.resources {
            let (res, sub) = match resource.split_once('/') {
                Some((r, s)) => (r, s),
                None => (resource.as_str(), ""),
            };
            for verb in &rule.verbs {
                let mut review =
                    SelfSubjectAccessReview::resource(&o.namespace, verb, &rule.api_groups[0], res);
                if let Some(a) = review.spec.resource_attributes.as_mut() {
                    a.subresource = sub.to_string();
                }
                reviews.push((verb, resource, &rule.api_groups[0], review));
            }
        }
    }
    let mut pause = Duration::from_millis(25);
    loop {
        let listing = early(can_list, list(sa, first, o));
        let asking = futures_util::future::join_all(
            reviews
                .iter()
                .map(|(_, _, _, review)| sa.self_subject_access_review(review)),
        );
        let (listed, answered) = tokio::join!(listing, asking);
        let mut answers = Vec::new();
        for ((verb, resource, group, _), r) in reviews.iter().zip(answered) {
            let what = format!("check access as {}: can-i {verb} {resource}", o.name);
            answers.push((
                (*verb).clone(),
                (*resource).clone(),
                (*group).clone(),
                r.map_err(setup_step(what))?.allowed(),
            ));
        }
        // Forbidden is the binding still propagating (asked again below); any other error
        // already went through the client's retries, so waiting on cannot mend it.
        let listed = match listed {
            Some(Err(e)) if !e.is_forbidden() => {
                let what = format!("list {} as {}", first.plural, o.name);
                return Err(setup_step(what)(e));
            }
            other => other,
        };
        let list_ok = !matches!(listed, Some(Err(_)));
        if list_ok && answers.iter().all(|a| a.3) {
            match listed {
                Some(Ok(0)) => {
                    n.line(&format!("No resources found in {} namespace.", o.namespace))?
                }
                Some(Ok(count)) => n.line(&format!("{count} {} listed", o.resources[0]))?,
                _ => {}
            }
            for (verb, resource, group, _) in &answers {
                let gr = if group.is_empty() {
                    resource.clone()
                } else {
                    format!("{resource}.{group}")
                };
                n.line(&format!("kubectl auth can-i {verb} {gr}: yes"))?;
            }
            return Ok(());
        }
        if start.elapsed() > o.timeout {
            let mut failed: Vec<String> = answers
                .iter()
                .filter(|a| !a.3)
                .map(|a| format!("can-i {} {} = no", a.0, a.1))
                .collect();
            if let Some(Err(e)) = listed {
                failed.insert(0, e.to_string());
            }
            return Err(WorkflowError::Verify(failed.join("; ")));
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_millis(250));
    }
}
