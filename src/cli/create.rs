//! `rawkube create ...`: serviceaccount, token, role, clusterrole, rolebinding, clusterrolebinding.

use clap::{Args, Subcommand};

use super::globals::{DryRunArg, OutputArg};

/// `rawkube create` subcommands.
#[derive(Subcommand, Debug)]
#[command(defer = true)]
pub enum CreateCommand {
    /// Create a service account with the specified name.
    #[command(
        visible_alias = "sa",
        after_help = "Examples:
  rawkube create serviceaccount bearertokenauth
  rawkube create sa bearertokenauth -n dev --dry-run=client -o yaml"
    )]
    Serviceaccount(CreateSaArgs),
    /// Request a service account token (TokenRequest); prints the token.
    #[command(after_help = "Examples:
  rawkube create token bearertokenauth
  rawkube create token bearertokenauth --duration=10m --audience=https://example.com
  rawkube create token bearertokenauth --bound-object-kind=Secret --bound-object-name=my-secret")]
    Token(CreateTokenArgs),
    /// Create a role with single rule per API group.
    #[command(after_help = "Examples:
  rawkube create role bearertokenauth --verb=create --verb=get --verb=list --verb=update --verb=delete --resource=pods
  rawkube create role pod-reader --verb=get,list --resource=pods,pods/log,deployments.apps --resource-name=web")]
    Role(CreateRoleArgs),
    /// Create a cluster role.
    #[command(after_help = "Examples:
  rawkube create clusterrole pod-reader --verb=get,list,watch --resource=pods
  rawkube create clusterrole health --verb=get --non-resource-url=/healthz")]
    Clusterrole(CreateClusterRoleArgs),
    /// Create a role binding for a particular role or cluster role.
    #[command(after_help = "Examples:
  rawkube create rolebinding bearertoken-binding-bearertokenauth --role=bearertokenauth \\
      --serviceaccount=default:bearertokenauth --namespace=default
  rawkube create rolebinding admins --clusterrole=admin --user=alice --group=devs")]
    Rolebinding(CreateRoleBindingArgs),
    /// Create a cluster role binding for a particular cluster role.
    #[command(after_help = "Examples:
  rawkube create clusterrolebinding bearertokenauth-view --clusterrole=view --serviceaccount=default:bearertokenauth")]
    Clusterrolebinding(CreateClusterRoleBindingArgs),
}

// `create serviceaccount` arguments.
#[derive(Args, Debug)]
pub struct CreateSaArgs {
    /// The service account name.
    pub name: String,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub dry_run: DryRunArg,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub output: OutputArg,
}

// `create token` arguments.
#[derive(Args, Debug)]
pub struct CreateTokenArgs {
    /// The service account name.
    pub name: String,
    /// Requested lifetime of the token (e.g. 10m, 1h); the server may return another.
    #[arg(long, value_parser = humantime::parse_duration)]
    pub duration: Option<std::time::Duration>,
    /// Audience of the requested token (repeatable).
    #[arg(long)]
    pub audience: Vec<String>,
    /// Kind of an object to bind the token to: Pod, Secret or Node.
    #[arg(long, value_parser = ["Pod", "Secret", "Node"])]
    pub bound_object_kind: Option<String>,
    /// Name of the object to bind the token to.
    #[arg(long, requires = "bound_object_kind")]
    pub bound_object_name: Option<String>,
    /// UID of the object to bind the token to.
    #[arg(long, requires = "bound_object_kind")]
    pub bound_object_uid: Option<String>,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub output: OutputArg,
}

// The rule flags shared by `create role` and `create clusterrole`.
#[derive(Args, Debug, Clone)]
pub struct RuleArgs {
    /// Verb that applies to the resources in the rule (repeatable or comma-separated).
    #[arg(long, value_delimiter = ',', required = true)]
    pub verb: Vec<String>,
    /// Resource the rule applies to: `pods`, `deployments.apps`, `pods/log` (repeatable or comma-separated).
    #[arg(long, value_delimiter = ',')]
    pub resource: Vec<String>,
    /// Resource in the white list that the rule applies to (repeatable).
    #[arg(long)]
    pub resource_name: Vec<String>,
}

// `create role` arguments.
#[derive(Args, Debug)]
pub struct CreateRoleArgs {
    /// The role name.
    pub name: String,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub rules: RuleArgs,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub dry_run: DryRunArg,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub output: OutputArg,
}

// `create clusterrole` arguments.
#[derive(Args, Debug)]
pub struct CreateClusterRoleArgs {
    /// The cluster role name.
    pub name: String,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub rules: RuleArgs,
    /// A partial URL the user should have access to (repeatable).
    #[arg(long, value_delimiter = ',')]
    pub non_resource_url: Vec<String>,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub dry_run: DryRunArg,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub output: OutputArg,
}

// The subject flags shared by both binding commands.
#[derive(Args, Debug, Clone)]
pub struct SubjectArgs {
    /// Service accounts to bind, as NAMESPACE:NAME (repeatable).
    #[arg(long)]
    pub serviceaccount: Vec<String>,
    /// Usernames to bind (repeatable).
    #[arg(long)]
    pub user: Vec<String>,
    /// Groups to bind (repeatable).
    #[arg(long)]
    pub group: Vec<String>,
}

// `create rolebinding` arguments.
#[derive(Args, Debug)]
pub struct CreateRoleBindingArgs {
    /// The role binding name.
    pub name: String,
    /// Role this binding references.
    #[arg(
        long,
        required_unless_present = "clusterrole",
        conflicts_with = "clusterrole"
    )]
    pub role: Option<String>,
    /// ClusterRole this binding references.
    #[arg(long)]
    pub clusterrole: Option<String>,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub subjects: SubjectArgs,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub dry_run: DryRunArg,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub output: OutputArg,
}

// `create clusterrolebinding` arguments.
#[derive(Args, Debug)]
pub struct CreateClusterRoleBindingArgs {
    /// The cluster role binding name.
    pub name: String,
    /// ClusterRole this binding references.
    #[arg(long, required = true)]
    pub clusterrole: String,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub subjects: SubjectArgs,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub dry_run: DryRunArg,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub output: OutputArg,
}

use std::io::IsTerminal;

use rawkube::api::token::AUTHENTICATION_V1;
use rawkube::client::Request;
use rawkube::output::Model;
use rawkube::path::Resource;
use serde_json::{Map, Value, json};

use super::CliError;
use super::connect::{Session, api_error, block_on, wrapped};
use super::discovery;
use super::globals::{DryRun, GlobalArgs};
use super::print::{self, Format};
use rawkube::workflow::WorkflowError;
use rawkube::workflow::rules::resolve_rules;

const RBAC: &str = "rbac.authorization.k8s.io";

/// Verbs kubectl knows; others only get a warning.
const STANDARD_VERBS: &[&str] = &[
    "*",
    "get",
    "list",
    "watch",
    "create",
    "update",
    "patch",
    "delete",
    "deletecollection",
    "use",
    "bind",
    "escalate",
    "impersonate",
];

/// Runs one `create` subcommand.
pub fn run(g: &GlobalArgs, cmd: CreateCommand) -> Result<(), CliError> {
    match cmd {
        CreateCommand::Serviceaccount(a) => {
            let format = Format::parse(a.output.output.as_deref())?;
            let meta = metadata(&a.name, g.namespace.as_deref());
            let obj = json!({"kind": "ServiceAccount", "apiVersion": "v1", "metadata": meta});
            let res = Resource::namespaced("", "v1", "serviceaccounts");
            create_object(g, obj, &res, a.dry_run.dry_run, &format, |e| {
                wrapped("failed to create serviceaccount", e)
            })
        }
        CreateCommand::Role(a) => {
            let format = Format::parse(a.output.output.as_deref())?;
            if a.rules.resource.is_empty() {
                return Err(CliError::msg("at least one resource must be specified"));
            }
            warn_verbs(&a.rules.verb);
            let session = g.session()?;
            let rules = block_on(role_rules(g, &session, &a.rules))??;
            let obj = json!({
                "kind": "Role",
                "apiVersion": format!("{RBAC}/v1"),
                "metadata": metadata(&a.name, g.namespace.as_deref()),
                "rules": rules,
            });
            let res = Resource::namespaced(RBAC, "v1", "roles");
            create_with(&session, obj, &res, a.dry_run.dry_run, &format, api_error)
        }
        CreateCommand::Clusterrole(a) => {
            let format = Format::parse(a.output.output.as_deref())?;
            if a.rules.resource.is_empty() && a.non_resource_url.is_empty() {
                return Err(CliError::msg(
                    "one of resource or nonResourceURL must be specified",
                ));
            }
            warn_verbs(&a.rules.verb);
            let session = g.session()?;
            let mut rules = if a.rules.resource.is_empty() {
                vec![]
            } else {
                block_on(role_rules(g, &session, &a.rules))??
            };
            if !a.non_resource_url.is_empty() {
                rules.push(json!({"verbs": a.rules.verb, "nonResourceURLs": a.non_resource_url}));
            }
            let obj = json!({
                "kind": "ClusterRole",
                "apiVersion": format!("{RBAC}/v1"),
                "metadata": metadata(&a.name, None),
                "rules": rules,
            });
            let res = Resource::cluster(RBAC, "v1", "clusterroles");
            create_with(&session, obj, &res, a.dry_run.dry_run, &format, api_error)
        }
        CreateCommand::Rolebinding(a) => {
            let format = Format::parse(a.output.output.as_deref())?;
            let role_ref = match (&a.role, &a.clusterrole) {
                (Some(r), _) => json!({"apiGroup": RBAC, "kind": "Role", "name": r}),
                (None, Some(c)) => json!({"apiGroup": RBAC, "kind": "ClusterRole", "name": c}),
                (None, None) => {
                    return Err(CliError::msg(
                        "exactly one of clusterrole or role must be specified",
                    ));
                }
            };
            let obj = json!({
                "kind": "RoleBinding",
                "apiVersion": format!("{RBAC}/v1"),
                "metadata": metadata(&a.name, g.namespace.as_deref()),
                "subjects": subjects(&a.subjects)?,
                "roleRef": role_ref,
            });
            let res = Resource::namespaced(RBAC, "v1", "rolebindings");
            create_object(g, obj, &res, a.dry_run.dry_run, &format, |e| {
                wrapped("failed to create rolebinding", e)
            })
        }
        CreateCommand::Clusterrolebinding(a) => {
            let format = Format::parse(a.output.output.as_deref())?;
            let obj = json!({
                "kind": "ClusterRoleBinding",
                "apiVersion": format!("{RBAC}/v1"),
                "metadata": metadata(&a.name, None),
                "subjects": subjects(&a.subjects)?,
                "roleRef": {"apiGroup": RBAC, "kind": "ClusterRole", "name": a.clusterrole},
            });
            let res = Resource::cluster(RBAC, "v1", "clusterrolebindings");
            create_object(g, obj, &res, a.dry_run.dry_run, &format, |e| {
                wrapped("failed to create clusterrolebinding", e)
            })
        }
        CreateCommand::Token(a) => create_token(g, a),
    }
}

/// `metadata` as kubectl's dry-run objects show it: name, namespace only when
/// `-n` was given, and `creationTimestamp: null`.
fn metadata(name: &str, namespace: Option<&str>) -> Value {
    let mut m = Map::new();
    m.insert("name".into(), json!(name));
    if let Some(ns) = namespace {
        m.insert("namespace".into(), json!(ns));
    }
    m.insert("creationTimestamp".into(), Value::Null);
    Value::Object(m)
}

fn warn_verbs(verbs: &[String]) {
    for v in verbs {
        if !STANDARD_VERBS.contains(&v.as_str()) {
            eprintln!("Warning: '{v}' is not a standard resource verb");
        }
    }
}

/// kubectl's rules for `create role`/`create clusterrole`, as JSON. The hand-written types
/// (`pods`, `secrets`, ...) need no request; others are looked up through discovery.
async fn role_rules(
    g: &GlobalArgs,
    session: &Session,
    a: &RuleArgs,
) -> Result<Vec<Value>, CliError> {
    let mut d = discovery::resolver(g, session);
    let rules = resolve_rules(&mut d, &a.verb, &a.resource, &a.resource_name)
        .await
        .map_err(|e| match e {
            WorkflowError::Api(e) => api_error(e),
            // kubectl prints this one without its usual `error: ` prefix.
            other => CliError::raw(other.to_string()),
        })?;
    Ok(rules
        .iter()
        .map(|r| serde_json::to_value(r).unwrap_or(Value::Null))
        .collect())
}

/// Binding subjects in kubectl's order: users, groups, then service accounts.
fn subjects(a: &SubjectArgs) -> Result<Vec<Value>, CliError> {
    let mut out = Vec::new();
    for u in &a.user {
        out.push(json!({"kind": "User", "apiGroup": RBAC, "name": u}));
    }
    for g in &a.group {
        out.push(json!({"kind": "Group", "apiGroup": RBAC, "name": g}));
    }
    for sa in &a.serviceaccount {
        let (ns, name) = sa
            .split_once(':')
            .filter(|(ns, n)| !ns.is_empty() && !n.is_empty() && !n.contains(':'))
            .ok_or_else(|| {
                CliError::msg(format!("serviceaccount must be <namespace>:<name>: {sa}"))
            })?;
        out.push(json!({"kind": "ServiceAccount", "name": name, "namespace": ns}));
    }
    Ok(out)
}

fn create_object(
    g: &GlobalArgs,
    obj: Value,
    res: &Resource,
    dry_run: DryRun,
    format: &Format,
    on_error: impl FnOnce(rawkube::Error) -> CliError,
) -> Result<(), CliError> {
    if dry_run == DryRun::Client {
        return print_created(&obj, dry_run, format);
    }
    let session = g.session()?;
    create_with(&session, obj, res, dry_run, format, on_error)
}

/// POSTs `obj` as kubectl create does (`?fieldManager=kubectl-create&fieldValidation=Strict`)
/// and prints kubectl's line, or prints `obj` without sending for `--dry-run=client`.
fn create_with(
    session: &Session,
    obj: Value,
    res: &Resource,
    dry_run: DryRun,
    format: &Format,
    on_error: impl FnOnce(rawkube::Error) -> CliError,
) -> Result<(), CliError> {
    if dry_run == DryRun::Client {
        return print_created(&obj, dry_run, format);
    }
    let mut body = obj.clone();
    if let Some(m) = body.get_mut("metadata").and_then(Value::as_object_mut) {
        m.remove("creationTimestamp");
    }
    let mut path = res.collection(&session.namespace);
    if dry_run == DryRun::Server {
        path = path.dry_run();
    }
    let path = path
        .field_manager("kubectl-create")
        .query("fieldValidation", "Strict");
    let req = Request::post(path, &body).map_err(api_error)?;
    let created: Value = block_on(session.client.request(req))?.map_err(on_error)?;
    print_created(&created, dry_run, format)
}

fn print_created(obj: &Value, dry_run: DryRun, format: &Format) -> Result<(), CliError> {
    // kubectl prints its own typed object for client dry-run, the server's map otherwise.
    let model = if dry_run == DryRun::Client {
        Model::Typed
    } else {
        Model::Unstructured
    };
    if format.prints_object() {
        print!("{}", print::object(obj, format, model)?);
        return Ok(());
    }
    let suffix = match dry_run {
        DryRun::None => "",
        DryRun::Client => " (dry run)",
        DryRun::Server => " (server dry run)",
    };
    println!("{} created{suffix}", print::name_of(obj));
    Ok(())
}

fn create_token(g: &GlobalArgs, a: CreateTokenArgs) -> Result<(), CliError> {
    let format = Format::parse(a.output.output.as_deref())?;
    let mut spec = Map::new();
    // The OpenAPI schema marks `spec.audiences` required; `[]` means the server's own
    // audiences, which is what kubectl's empty protobuf field means too.
    spec.insert("audiences".into(), json!(a.audience));
    if let Some(d) = a.duration {
        if d.subsec_nanos() != 0 {
            return Err(CliError::msg(
                "--duration must be a whole number of seconds",
            ));
        }
        spec.insert("expirationSeconds".into(), json!(d.as_secs()));
    }
    if let Some(kind) = &a.bound_object_kind {
        let Some(name) = &a.bound_object_name else {
            return Err(CliError::msg(
                "--bound-object-name is required if --bound-object-kind is provided",
            ));
        };
        let mut r = Map::new();
        r.insert("kind".into(), json!(kind));
        r.insert("apiVersion".into(), json!("v1"));
        r.insert("name".into(), json!(name));
        if let Some(uid) = &a.bound_object_uid {
            r.insert("uid".into(), json!(uid));
        }
        spec.insert("boundObjectRef".into(), Value::Object(r));
    }
    let body = json!({
        "kind": "TokenRequest",
        "apiVersion": AUTHENTICATION_V1,
        "metadata": {},
        "spec": spec,
    });
    let session = g.session()?;
    let path = Resource::namespaced("", "v1", "serviceaccounts")
        .item(&session.namespace, &a.name)
        .sub("token");
    let req = Request::post(path, &body)
        .map_err(api_error)?
        .stores_nothing();
    let tr: Value =
        block_on(session.client.request(req))?.map_err(|e| wrapped("failed to create token", e))?;
    if format.prints_object() {
        print!("{}", print::object(&tr, &format, Model::Unstructured)?);
        return Ok(());
    }
    let token = tr
        .pointer("/status/token")
        .and_then(Value::as_str)
        .unwrap_or("");
    // kubectl adds the newline only for a terminal, so `$(create token)` is exact.
    if std::io::stdout().is_terminal() {
        println!("{token}");
    } else {
        print!("{token}");
    }
    Ok(())
}
