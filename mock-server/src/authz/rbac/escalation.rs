//! Storage-level escalation prevention for Roles, ClusterRoles and their bindings
//! (`pkg/registry/rbac/escalation_check.go`, `role/policybased`, `rolebinding/policybased`,
//! `validation/rule.go` `ConfirmNoEscalation`).

use serde_json::{Value, json};

use super::authorizer::{RbacAuthorizer, SYSTEM_MASTERS};
use super::resolve::{aggregate, role_reference_rules, rules_for};
use super::rules::{PolicyRule, compact_rules, covers, go_quote_slice};
use crate::authn::identity::{RequestAttributes, UserInfo};

const RBAC_GROUP: &str = "rbac.authorization.k8s.io";

/// A write refused by the escalation check.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EscalationError {
    /// 403 Forbidden: the writer does not hold the permissions it grants.
    #[error("{resource}.rbac.authorization.k8s.io \"{name}\" is forbidden: {detail}")]
    Forbidden {
        /// `roles`, `clusterroles`, `rolebindings` or `clusterrolebindings`.
        resource: String,
        /// The object being written.
        name: String,
        /// `user "..." (groups=[...]) is attempting to grant RBAC permissions not currently held:\n...`.
        detail: String,
    },
    /// 404: the binding's role does not exist (registry-backed lookup, plural resource).
    #[error("{resource}.rbac.authorization.k8s.io \"{name}\" not found")]
    RoleNotFound {
        /// `roles` or `clusterroles`.
        resource: String,
        /// The missing role.
        name: String,
    },
}

impl EscalationError {
    /// The HTTP status code.
    pub fn code(&self) -> u16 {
        match self {
            Self::Forbidden { .. } => 403,
            Self::RoleNotFound { .. } => 404,
        }
    }

    /// The full Status body.
    pub fn to_status(&self) -> Value {
        let (reason, resource, name) = match self {
            Self::Forbidden { resource, name, .. } => ("Forbidden", resource, name),
            Self::RoleNotFound { resource, name } => ("NotFound", resource, name),
        };
        crate::authn::tokens::status_json(
            self.code(),
            reason,
            &self.to_string(),
            Some(json!({"name": name, "group": RBAC_GROUP, "kind": resource})),
        )
    }
}

fn authorized(
    authz: &RbacAuthorizer,
    user: &UserInfo,
    verb: &str,
    resource: &str,
    namespace: &str,
    name: &str,
) -> bool {
    authz.allows(&RequestAttributes {
        user: user.clone(),
        verb: verb.into(),
        resource_request: true,
        namespace: namespace.into(),
        api_group: RBAC_GROUP.into(),
        api_version: "v1".into(),
        resource: resource.into(),
        name: name.into(),
        ..Default::default()
    })
}

/// `ConfirmNoEscalation`: `Ok` if the user's own rules in `namespace` cover `rules`, else the
/// refusal text (missing rules compacted, one per line, sorted; resolution errors appended).
pub fn confirm_no_escalation(
    authz: &RbacAuthorizer,
    user: &UserInfo,
    namespace: &str,
    rules: &[PolicyRule],
) -> Result<(), String> {
    let (owner, errors) = rules_for(authz.source(), user, namespace);
    let owner: Vec<PolicyRule> = owner.into_iter().map(|r| r.rule).collect();
    let (ok, missing) = covers(&owner, rules);
    if ok {
        return Ok(());
    }
    let mut lines: Vec<String> = compact_rules(&missing)
        .iter()
        .map(PolicyRule::compact_string)
        .collect();
    lines.sort();
    lines.dedup();
    let mut msg = format!(
        "user \"{}\" (groups={}) is attempting to grant RBAC permissions not currently held:\n{}",
        user.username,
        go_quote_slice(&user.groups),
        lines.join("\n")
    );
    if !errors.is_empty() {
        msg.push_str(&format!("; resolution errors: [{}]", aggregate(&errors)));
    }
    Err(msg)
}

/// Check creating/updating a Role (`namespace` set) or ClusterRole (`namespace` empty).
pub fn check_role_write(
    authz: &RbacAuthorizer,
    user: &UserInfo,
    namespace: &str,
    role: &Value,
) -> Result<(), EscalationError> {
    let resource = if namespace.is_empty() {
        "clusterroles"
    } else {
        "roles"
    };
    let name = role
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("");
    if user.in_group(SYSTEM_MASTERS)
        || authorized(authz, user, "escalate", resource, namespace, name)
    {
        return Ok(());
    }
    confirm_no_escalation(authz, user, namespace, &PolicyRule::list_from(role)).map_err(|detail| {
        EscalationError::Forbidden {
            resource: resource.into(),
            name: name.into(),
            detail,
        }
    })
}

/// Check creating/updating a RoleBinding (`namespace` set) or ClusterRoleBinding (`namespace` empty).
pub fn check_binding_write(
    authz: &RbacAuthorizer,
    user: &UserInfo,
    namespace: &str,
    binding: &Value,
) -> Result<(), EscalationError> {
    let resource = if namespace.is_empty() {
        "clusterrolebindings"
    } else {
        "rolebindings"
    };
    let name = binding
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("");
    let role_ref = binding.get("roleRef").cloned().unwrap_or(Value::Null);
    let ref_kind = role_ref.get("kind").and_then(Value::as_str).unwrap_or("");
    let ref_name = role_ref.get("name").and_then(Value::as_str).unwrap_or("");
    let ref_resource = if ref_kind == "Role" {
        "roles"
    } else {
        "clusterroles"
    };
    // Neither shortcut checks that the referenced role exists.
    if user.in_group(SYSTEM_MASTERS)
        || authorized(authz, user, "bind", ref_resource, namespace, ref_name)
    {
        return Ok(());
    }
    let rules = role_reference_rules(authz.source(), &role_ref, namespace).map_err(|_| {
        EscalationError::RoleNotFound {
            resource: ref_resource.into(),
            name: ref_name.into(),
        }
    })?;
    confirm_no_escalation(authz, user, namespace, &rules).map_err(|detail| {
        EscalationError::Forbidden {
            resource: resource.into(),
            name: name.into(),
            detail,
        }
    })
}
