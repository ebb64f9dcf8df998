//! Which rules apply to a user in a namespace (`pkg/registry/rbac/validation/rule.go`
//! `VisitRulesFor`), with the binding descriptions used in allow reasons.

use serde_json::Value;

use super::rules::PolicyRule;
use crate::api::objects::ObjectSource;
use crate::authn::identity::UserInfo;

/// The string at a plain `/a/b` path (`Value::pointer` without its per-segment unescaping
/// allocations: this runs for every subject of every binding on every request).
fn s<'a>(v: &'a Value, ptr: &str) -> &'a str {
    ptr.split('/')
        .skip(1)
        .try_fold(v, |v, k| v.get(k))
        .and_then(Value::as_str)
        .unwrap_or("")
}

/// Whom a subject names, as `appliesToUser` reads it.
enum Named<'a> {
    User(&'a str),
    /// The username `system:serviceaccount:NAMESPACE:NAME`.
    ServiceAccount {
        namespace: &'a str,
        name: &'a str,
    },
    Group(&'a str),
}

/// What `subject` names; `namespace` is the RoleBinding's (empty for ClusterRoleBindings, whose
/// ServiceAccount subjects must name theirs). `None`: no one.
fn named<'a>(subject: &'a Value, namespace: &'a str) -> Option<Named<'a>> {
    let name = s(subject, "/name");
    match s(subject, "/kind") {
        "User" => Some(Named::User(name)),
        "Group" => Some(Named::Group(name)),
        "ServiceAccount" => {
            let namespace = match s(subject, "/namespace") {
                "" => namespace,
                ns => ns,
            };
            (!namespace.is_empty()).then_some(Named::ServiceAccount { namespace, name })
        }
        _ => None,
    }
}

/// `appliesToUser` for one subject; `namespace` is the RoleBinding's (empty for ClusterRoleBindings).
pub fn subject_applies(user: &UserInfo, subject: &Value, namespace: &str) -> bool {
    match named(subject, namespace) {
        Some(Named::User(name)) => user.username == name,
        Some(Named::Group(name)) => user.in_group(name),
        // `user.username == format!("system:serviceaccount:{namespace}:{name}")`, without
        // building the string for every binding on every decision.
        Some(Named::ServiceAccount { namespace, name }) => {
            user.username
                .strip_prefix("system:serviceaccount:")
                .and_then(|rest| rest.strip_prefix(namespace))
                .and_then(|rest| rest.strip_prefix(':'))
                == Some(name)
        }
        None => false,
    }
}

/// Whom a subject names, as a number: the same for every subject that
/// [`subject_applies`] to the same username (a User, or a ServiceAccount as
/// `system:serviceaccount:NS:NAME`) or group. Bindings are looked up by it
/// ([`ObjectSource::visit_bindings_for`]); two names may share a number, so whoever looks up
/// still checks each subject. `None` for a subject that applies to no one.
pub fn subject_key(subject: &Value, namespace: &str) -> Option<u64> {
    Some(match named(subject, namespace)? {
        Named::User(name) => name_key("user", &[name]),
        Named::ServiceAccount { namespace, name } => {
            name_key("user", &["system:serviceaccount:", namespace, ":", name])
        }
        Named::Group(name) => name_key("group", &[name]),
    })
}

/// The keys under which bindings that may apply to `user` are found: its username's and
/// each of its groups'.
pub fn user_keys(user: &UserInfo) -> impl Iterator<Item = u64> + '_ {
    std::iter::once(name_key("user", &[&user.username]))
        .chain(user.groups.iter().map(|g| name_key("group", &[g])))
}

/// The hash of `kind` and the name `parts` spell together (hashed as one string, so a
/// ServiceAccount's key needs no string built).
fn name_key(kind: &str, parts: &[&str]) -> u64 {
    use std::hash::Hasher;
    // A fixed-key hasher: keys are compared within one process only.
    let mut h = std::hash::DefaultHasher::new();
    h.write(kind.as_bytes());
    h.write_u8(0);
    parts.iter().for_each(|p| h.write(p.as_bytes()));
    h.finish()
}

/// `describeSubject`.
fn describe_subject(subject: &Value, binding_namespace: &str) -> String {
    let kind = s(subject, "/kind");
    let name = s(subject, "/name");
    if kind == "ServiceAccount" {
        let ns = match s(subject, "/namespace") {
            "" => binding_namespace,
            ns => ns,
        };
        format!("{kind} \"{name}/{ns}\"")
    } else {
        format!("{kind} \"{name}\"")
    }
}

/// A rule together with where it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourcedRule {
    /// e.g. `RoleBinding "rb/default" of Role "r" to ServiceAccount "x/default"`.
    pub source: String,
    /// The rule.
    pub rule: PolicyRule,
}

/// All rules of `user` in `namespace` (cluster-wide only if empty), in visiting order, and the
/// role-resolution errors (e.g. `role.rbac.authorization.k8s.io "missing" not found`).
pub fn rules_for(
    source: &dyn ObjectSource,
    user: &UserInfo,
    namespace: &str,
) -> (Vec<SourcedRule>, Vec<String>) {
    let mut rules = Vec::new();
    let mut errors = Vec::new();
    // The bindings whose subjects include the user: their roleRef, namespace and description,
    // taken while visiting (the view lends each binding only for the visit), resolved after.
    let mut applies: Vec<(Value, String, String)> = Vec::new();
    let mut matching = |binding: &Value, binding_ns: &str, kind: &'static str| {
        let subject = binding
            .get("subjects")
            .and_then(Value::as_array)
            .and_then(|subs| {
                subs.iter()
                    .find(|sub| subject_applies(user, sub, binding_ns))
            });
        if let Some(subject) = subject {
            let name = s(binding, "/metadata/name");
            let shown = if kind == "RoleBinding" {
                format!("{name}/{binding_ns}")
            } else {
                name.to_string()
            };
            let desc = format!(
                "{kind} \"{shown}\" of {} \"{}\" to {}",
                s(binding, "/roleRef/kind"),
                s(binding, "/roleRef/name"),
                describe_subject(subject, binding_ns)
            );
            let role_ref = binding.get("roleRef").cloned().unwrap_or(Value::Null);
            applies.push((role_ref, binding_ns.to_string(), desc));
        }
    };
    source.visit_bindings_for("clusterrolebindings", None, user, &mut |crb| {
        matching(crb, "", "ClusterRoleBinding")
    });
    if !namespace.is_empty() {
        source.visit_bindings_for("rolebindings", Some(namespace), user, &mut |rb| {
            matching(rb, namespace, "RoleBinding")
        });
    }
    for (role_ref, binding_ns, desc) in &applies {
        match role_reference_rules(source, role_ref, binding_ns) {
            Err(e) => errors.push(e),
            Ok(rs) => rules.extend(rs.into_iter().map(|rule| SourcedRule {
                source: desc.clone(),
                rule,
            })),
        }
    }
    (rules, errors)
}

/// `GetRoleReferenceRules`: a Role in the binding's namespace or a ClusterRole; the lister's
/// NotFound text uses the singular resource.
pub fn role_reference_rules(
    source: &dyn ObjectSource,
    role_ref: &Value,
    binding_ns: &str,
) -> Result<Vec<PolicyRule>, String> {
    let name = s(role_ref, "/name");
    let mut rules = Vec::new();
    let mut read = |r: &Value| rules = PolicyRule::list_from(r);
    let (found, what) = match s(role_ref, "/kind") {
        "Role" => (
            source.read_object("roles", Some(binding_ns), name, &mut read),
            "role",
        ),
        "ClusterRole" => (
            source.read_object("clusterroles", None, name, &mut read),
            "clusterrole",
        ),
        other => return Err(format!("unsupported role reference kind: \"{other}\"")),
    };
    if found {
        Ok(rules)
    } else {
        Err(format!(
            "{what}.rbac.authorization.k8s.io \"{name}\" not found"
        ))
    }
}

/// `utilerrors.NewAggregate(errs).Error()`: one error as itself, several as `[a, b]`, duplicates removed.
pub fn aggregate(errors: &[String]) -> String {
    let mut seen: Vec<&String> = Vec::new();
    for e in errors {
        if !seen.contains(&e) {
            seen.push(e);
        }
    }
    match seen.len() {
        0 => String::new(),
        1 => seen[0].clone(),
        _ => format!(
            "[{}]",
            seen.iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}
