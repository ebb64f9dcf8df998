//! RBAC (`rbac.authorization.k8s.io/v1`): who may do what.
//!
//! | call | HTTP request |
//! |---|---|
//! | `Api::<Role>::namespaced(&c, "default").create(&r, &p)` | `POST /apis/rbac.authorization.k8s.io/v1/namespaces/default/roles` |
//! | `Api::<Role>::…get("r")` / `.update` / `.delete("r")` | `GET` / `PUT` / `DELETE …/namespaces/default/roles/r` |
//! | `Api::<RoleBinding>::namespaced(&c, "default").create(&b, &p)` | `POST /apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings` |
//! | `Api::<ClusterRole>::all(&c).get("view")` | `GET /apis/rbac.authorization.k8s.io/v1/clusterroles/view` |
//! | `Api::<ClusterRoleBinding>::all(&c).list(&lp)` | `GET /apis/rbac.authorization.k8s.io/v1/clusterrolebindings` |
//!
//! Deletes answer with a `Status`. A RoleBinding's `roleRef` cannot change after
//! creation (422); delete and recreate instead.

use serde::{Deserialize, Serialize};

use super::meta::{ObjectMeta, TypeMeta};
use super::typed_resource;

/// The RBAC API group.
pub const RBAC_GROUP: &str = "rbac.authorization.k8s.io";

/// One permission: verbs on resources (or non-resource URLs).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PolicyRule {
    /// `get`, `list`, `create`, `update`, `delete`, `*`, ... (required).
    pub verbs: Vec<String>,
    /// API groups; `""` is the core group.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub api_groups: Vec<String>,
    /// Resources, e.g. `pods`, `pods/log`, `*`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resources: Vec<String>,
    /// Restrict to these object names.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resource_names: Vec<String>,
    /// Non-resource paths such as `/healthz` (ClusterRoles only).
    #[serde(
        default,
        rename = "nonResourceURLs",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub non_resource_urls: Vec<String>,
}

impl PolicyRule {
    /// `verbs` on `resources` in API group `group` (`""` = core).
    pub fn new(group: &str, resources: &[&str], verbs: &[&str]) -> Self {
        PolicyRule {
            verbs: verbs.iter().map(|s| s.to_string()).collect(),
            api_groups: vec![group.to_string()],
            resources: resources.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        }
    }
}

/// `Role`: rules inside one namespace.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Role {
    /// `kind`/`apiVersion`.
    #[serde(flatten)]
    pub type_meta: TypeMeta,
    /// Name, namespace, ...
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// The rules (Go has no omitempty here: `null` when absent).
    #[serde(default, deserialize_with = "null_as_empty")]
    pub rules: Vec<PolicyRule>,
}

typed_resource!(
    Role,
    "rbac.authorization.k8s.io",
    "v1",
    "Role",
    "roles",
    true
);

/// `ClusterRole`: rules for the whole cluster (or, via a RoleBinding, one namespace).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClusterRole {
    /// `kind`/`apiVersion`.
    #[serde(flatten)]
    pub type_meta: TypeMeta,
    /// Name, labels, ...
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// The rules.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub rules: Vec<PolicyRule>,
    /// Aggregation selectors (raw JSON).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aggregation_rule: Option<serde_json::Value>,
}

typed_resource!(
    ClusterRole,
    "rbac.authorization.k8s.io",
    "v1",
    "ClusterRole",
    "clusterroles",
    false
);

/// Who a binding grants to: a `ServiceAccount`, `User` or `Group`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Subject {
    /// `ServiceAccount`, `User` or `Group`.
    pub kind: String,
    /// `""` for ServiceAccount, `rbac.authorization.k8s.io` for User/Group.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub api_group: String,
    /// Name of the subject.
    pub name: String,
    /// Namespace of a ServiceAccount subject.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub namespace: String,
}

impl Subject {
    /// ServiceAccount `name` in `namespace`.
    pub fn service_account(namespace: &str, name: &str) -> Self {
        Subject {
            kind: "ServiceAccount".into(),
            api_group: String::new(),
            name: name.into(),
            namespace: namespace.into(),
        }
    }
}

/// The role a binding grants. Immutable after creation.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleRef {
    /// Always `rbac.authorization.k8s.io`.
    pub api_group: String,
    /// `Role` or `ClusterRole`.
    pub kind: String,
    /// Role name.
    pub name: String,
}

impl RoleRef {
    /// A reference to Role `name` (in the binding's namespace).
    pub fn role(name: &str) -> Self {
        RoleRef {
            api_group: RBAC_GROUP.into(),
            kind: "Role".into(),
            name: name.into(),
        }
    }

    /// A reference to ClusterRole `name`.
    pub fn cluster_role(name: &str) -> Self {
        RoleRef {
            kind: "ClusterRole".into(),
            ..RoleRef::role(name)
        }
    }
}

/// `RoleBinding`: grants a Role (or ClusterRole) to subjects in one namespace.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleBinding {
    /// `kind`/`apiVersion`.
    #[serde(flatten)]
    pub type_meta: TypeMeta,
    /// Name, namespace, ...
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// Who gets the role.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subjects: Vec<Subject>,
    /// Which role (required).
    pub role_ref: RoleRef,
}

typed_resource!(
    RoleBinding,
    "rbac.authorization.k8s.io",
    "v1",
    "RoleBinding",
    "rolebindings",
    true
);

/// `ClusterRoleBinding`: grants a ClusterRole everywhere.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClusterRoleBinding {
    /// `kind`/`apiVersion`.
    #[serde(flatten)]
    pub type_meta: TypeMeta,
    /// Name, labels, ...
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// Who gets the role.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subjects: Vec<Subject>,
    /// Which ClusterRole (required).
    pub role_ref: RoleRef,
}

typed_resource!(
    ClusterRoleBinding,
    "rbac.authorization.k8s.io",
    "v1",
    "ClusterRoleBinding",
    "clusterrolebindings",
    false
);

fn null_as_empty<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Vec<T>, D::Error> {
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_matches_kubectl_body() {
        // kubectl-traffic.md §4, decoded `create role` body.
        let role = Role {
            metadata: ObjectMeta::named("bearertokenauth"),
            rules: vec![PolicyRule::new(
                "",
                &["pods"],
                &["create", "get", "list", "update", "delete"],
            )],
            ..Default::default()
        };
        assert_eq!(
            serde_json::to_string(&role).unwrap(),
            r#"{"metadata":{"name":"bearertokenauth"},"rules":[{"verbs":["create","get","list","update","delete"],"apiGroups":[""],"resources":["pods"]}]}"#
        );
        let null_rules: Role = serde_json::from_str(r#"{"metadata":{},"rules":null}"#).unwrap();
        assert!(null_rules.rules.is_empty());
    }

    #[test]
    fn rolebinding_matches_kubectl_body() {
        let rb = RoleBinding {
            metadata: ObjectMeta {
                name: "bearertoken-binding-bearertokenauth".into(),
                namespace: "default".into(),
                ..Default::default()
            },
            subjects: vec![Subject::service_account("default", "bearertokenauth")],
            role_ref: RoleRef::role("bearertokenauth"),
            ..Default::default()
        };
        assert_eq!(
            serde_json::to_string(&rb).unwrap(),
            r#"{"metadata":{"name":"bearertoken-binding-bearertokenauth","namespace":"default"},"subjects":[{"kind":"ServiceAccount","name":"bearertokenauth","namespace":"default"}],"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"Role","name":"bearertokenauth"}}"#
        );
    }

    #[test]
    fn cluster_role_with_non_resource_urls_round_trips() {
        let body = r#"{"kind":"ClusterRole","apiVersion":"rbac.authorization.k8s.io/v1","metadata":{"name":"system:discovery"},"rules":[{"verbs":["get"],"nonResourceURLs":["/api","/api/*"]}]}"#;
        let cr: ClusterRole = serde_json::from_str(body).unwrap();
        assert_eq!(cr.rules[0].non_resource_urls, ["/api", "/api/*"]);
        assert_eq!(serde_json::to_string(&cr).unwrap(), body);
        let crb = r#"{"kind":"ClusterRoleBinding","apiVersion":"rbac.authorization.k8s.io/v1","metadata":{"name":"cluster-admin"},"subjects":[{"kind":"Group","apiGroup":"rbac.authorization.k8s.io","name":"system:masters"}],"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"cluster-admin"}}"#;
        let b: ClusterRoleBinding = serde_json::from_str(crb).unwrap();
        assert_eq!(b.role_ref, RoleRef::cluster_role("cluster-admin"));
        assert_eq!(serde_json::to_string(&b).unwrap(), crb);
    }
}
