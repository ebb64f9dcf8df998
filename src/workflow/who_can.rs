//! `who-can`: which subjects may make a request, and through which binding, read from
//! the RBAC objects (Roles, ClusterRoles and their bindings) and evaluated with the
//! authorizer's own rules ([`super::rbac_match`]).
//!
//! Aggregated ClusterRoles (`admin`, `edit`, `view`, and any with an `aggregationRule`)
//! are read with the rules the clusterrole-aggregation controller has already filled
//! in, which is what the authorizer evaluates too.
//!
//! Requests: `GET` Roles and RoleBindings (of one namespace, or of all), ClusterRoles
//! and ClusterRoleBindings: four lists, sent concurrently.

use std::collections::HashMap;

use crate::Client;
use crate::api::rbac::{ClusterRole, ClusterRoleBinding, PolicyRule, Role, RoleBinding, Subject};
use crate::api::{Api, ListParams};

use super::rbac_match::{ResourceRequest, RoleKey, role_binding_counts, rules_allow};

/// Which namespaces' RoleBindings are read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    /// One namespace (and the cluster-wide bindings).
    Namespace(String),
    /// Every namespace: each RoleBinding counts for requests in its own namespace.
    AllNamespaces,
}

/// The binding that grants a subject the request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BindingRef {
    /// `RoleBinding` NAME in NAMESPACE.
    RoleBinding {
        /// The binding's namespace.
        namespace: String,
        /// The binding's name.
        name: String,
    },
    /// `ClusterRoleBinding` NAME.
    ClusterRoleBinding(String),
}

impl BindingRef {
    /// `RoleBinding/NS/NAME` or `ClusterRoleBinding/NAME`.
    pub fn describe(&self) -> String {
        match self {
            BindingRef::RoleBinding { namespace, name } => {
                format!("RoleBinding/{namespace}/{name}")
            }
            BindingRef::ClusterRoleBinding(name) => format!("ClusterRoleBinding/{name}"),
        }
    }
}

/// One subject that may make the request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grant {
    /// The subject as the binding lists it (`kind`, `name`, `namespace` as written).
    pub subject: Subject,
    /// The ServiceAccount's namespace as the authorizer reads it (the binding's own
    /// namespace when the subject leaves it out); empty for users and groups.
    pub namespace: String,
    /// The binding that grants it.
    pub binding: BindingRef,
    /// The role the binding refers to.
    pub role: RoleKey,
}

/// The answer: grants through RoleBindings first, then through ClusterRoleBindings, in
/// the server's list order, plus what could not be evaluated.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WhoCan {
    /// Every (binding, subject) pair that allows the request.
    pub grants: Vec<Grant>,
    /// Bindings skipped because their role is missing or of an unknown kind (the
    /// authorizer skips them too).
    pub warnings: Vec<String>,
}

/// The RBAC objects who-can reads.
#[derive(Clone, Debug, Default)]
pub struct RbacObjects {
    /// Roles (of the scope's namespaces).
    pub roles: Vec<Role>,
    /// RoleBindings (of the scope's namespaces).
    pub role_bindings: Vec<RoleBinding>,
    /// All ClusterRoles.
    pub cluster_roles: Vec<ClusterRole>,
    /// All ClusterRoleBindings.
    pub cluster_role_bindings: Vec<ClusterRoleBinding>,
}

impl RbacObjects {
    /// Lists the four kinds concurrently (`namespace` `""` = all namespaces).
    pub async fn fetch(client: &Client, scope: &Scope) -> crate::Result<RbacObjects> {
        let ns = match scope {
            Scope::Namespace(n) => n.as_str(),
            Scope::AllNamespaces => "",
        };
        let lp = ListParams::default();
        let (r, rb) = (
            Api::<Role>::namespaced(client, ns),
            Api::namespaced(client, ns),
        );
        let (cr, crb) = (Api::<ClusterRole>::all(client), Api::all(client));
        let (roles, role_bindings, cluster_roles, cluster_role_bindings) =
            tokio::join!(r.list(&lp), rb.list(&lp), cr.list(&lp), crb.list(&lp),);
        Ok(RbacObjects {
            roles: roles?.items,
            role_bindings: role_bindings?.items,
            cluster_roles: cluster_roles?.items,
            cluster_role_bindings: cluster_role_bindings?.items,
        })
    }

    fn rules_index(&self) -> HashMap<RoleKey, &[PolicyRule]> {
        let mut index: HashMap<RoleKey, &[PolicyRule]> = HashMap::new();
        for r in &self.roles {
            let key = RoleKey::Role {
                namespace: r.metadata.namespace.clone(),
                name: r.metadata.name.clone(),
            };
            index.insert(key, &r.rules);
        }
        for r in &self.cluster_roles {
            index.insert(RoleKey::ClusterRole(r.metadata.name.clone()), &r.rules);
        }
        index
    }

    /// Who may make `req`. `req.namespace` is ignored: with [`Scope::Namespace`] the
    /// request is in that namespace, with [`Scope::AllNamespaces`] each RoleBinding is
    /// evaluated in its own. A cluster-scoped request (`namespaced == false`) has no
    /// namespace, so only ClusterRoleBindings can grant it.
    pub fn who_can(&self, req: &ResourceRequest, namespaced: bool, scope: &Scope) -> WhoCan {
        let index = self.rules_index();
        let mut out = WhoCan::default();
        let mut grant = |binding: BindingRef,
                         binding_ns: &str,
                         kind: &str,
                         role: &str,
                         subjects: &[Subject],
                         request_ns: &str| {
            let Some(key) = RoleKey::for_binding(binding_ns, kind, role) else {
                out.warnings.push(format!(
                    "{}: unsupported role reference kind {kind:?}",
                    binding.describe()
                ));
                return;
            };
            let Some(rules) = index.get(&key) else {
                out.warnings.push(format!(
                    "{}: {} not found",
                    binding.describe(),
                    key.describe()
                ));
                return;
            };
            let req = req.clone().in_namespace(request_ns);
            if !rules_allow(rules, &req) {
                return;
            }
            for s in subjects {
                if let Some(namespace) = effective_namespace(s, binding_ns) {
                    out.grants.push(Grant {
                        subject: s.clone(),
                        namespace,
                        binding: binding.clone(),
                        role: key.clone(),
                    });
                }
            }
        };
        for rb in &self.role_bindings {
            let ns = rb.metadata.namespace.as_str();
            let request_ns = match (scope, namespaced) {
                (_, false) => "",
                (Scope::Namespace(n), true) => n.as_str(),
                (Scope::AllNamespaces, true) => ns,
            };
            if !role_binding_counts(ns, request_ns) {
                continue;
            }
            let binding = BindingRef::RoleBinding {
                namespace: ns.to_string(),
                name: rb.metadata.name.clone(),
            };
            grant(
                binding,
                ns,
                &rb.role_ref.kind,
                &rb.role_ref.name,
                &rb.subjects,
                request_ns,
            );
        }
        for crb in &self.cluster_role_bindings {
            let binding = BindingRef::ClusterRoleBinding(crb.metadata.name.clone());
            let request_ns = match scope {
                Scope::Namespace(n) if namespaced => n.as_str(),
                _ => "",
            };
            grant(
                binding,
                "",
                &crb.role_ref.kind,
                &crb.role_ref.name,
                &crb.subjects,
                request_ns,
            );
        }
        out
    }
}

/// The subject's namespace as `appliesTo` reads it, or `None` for a subject that can
/// match nobody: a ServiceAccount without any namespace, or an unknown kind.
fn effective_namespace(s: &Subject, binding_ns: &str) -> Option<String> {
    match s.kind.as_str() {
        "User" | "Group" => Some(String::new()),
        "ServiceAccount" => {
            let ns = if s.namespace.is_empty() {
                binding_ns
            } else {
                s.namespace.as_str()
            };
            (!ns.is_empty()).then(|| ns.to_string())
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::meta::ObjectMeta;
    use crate::api::rbac::RoleRef;

    fn meta(ns: &str, name: &str) -> ObjectMeta {
        ObjectMeta {
            name: name.into(),
            namespace: ns.into(),
            ..Default::default()
        }
    }

    fn user(name: &str) -> Subject {
        Subject {
            kind: "User".into(),
            api_group: "rbac.authorization.k8s.io".into(),
            name: name.into(),
            namespace: String::new(),
        }
    }

    fn objects() -> RbacObjects {
        RbacObjects {
            roles: vec![
                Role {
                    metadata: meta("dev", "pod-reader"),
                    rules: vec![PolicyRule::new("", &["pods", "pods/log"], &["get"])],
                    ..Default::default()
                },
                Role {
                    metadata: meta("prod", "pod-reader"),
                    rules: vec![PolicyRule::new("", &["secrets"], &["get"])],
                    ..Default::default()
                },
            ],
            role_bindings: vec![
                RoleBinding {
                    metadata: meta("dev", "alice-reads"),
                    subjects: vec![user("alice"), Subject::service_account("", "ci")],
                    role_ref: RoleRef::role("pod-reader"),
                    ..Default::default()
                },
                RoleBinding {
                    metadata: meta("prod", "bob-reads"),
                    subjects: vec![user("bob")],
                    role_ref: RoleRef::role("pod-reader"),
                    ..Default::default()
                },
                RoleBinding {
                    metadata: meta("dev", "dangling"),
                    subjects: vec![user("carol")],
                    role_ref: RoleRef::role("missing"),
                    ..Default::default()
                },
            ],
            cluster_roles: vec![ClusterRole {
                metadata: meta("", "node-lister"),
                rules: vec![PolicyRule::new("", &["nodes", "pods"], &["list"])],
                ..Default::default()
            }],
            cluster_role_bindings: vec![ClusterRoleBinding {
                metadata: meta("", "ops"),
                subjects: vec![
                    user("dave"),
                    // A ClusterRoleBinding's ServiceAccount needs a namespace, else it matches nobody.
                    Subject::service_account("", "nobody"),
                ],
                role_ref: RoleRef::cluster_role("node-lister"),
                ..Default::default()
            }],
        }
    }

    fn names(w: &WhoCan) -> Vec<String> {
        w.grants
            .iter()
            .map(|g| {
                format!(
                    "{} {}/{} via {}",
                    g.subject.kind,
                    g.namespace,
                    g.subject.name,
                    g.binding.describe()
                )
            })
            .collect()
    }

    #[test]
    fn role_bindings_count_in_their_namespace_only() {
        let o = objects();
        let dev = Scope::Namespace("dev".into());
        let w = o.who_can(&ResourceRequest::new("get", "", "pods/log"), true, &dev);
        assert_eq!(
            names(&w),
            [
                "User /alice via RoleBinding/dev/alice-reads",
                "ServiceAccount dev/ci via RoleBinding/dev/alice-reads"
            ]
        );
        assert_eq!(
            w.warnings,
            ["RoleBinding/dev/dangling: Role/missing not found"]
        );
        // prod's pod-reader is a different Role with the same name.
        let w = o.who_can(&ResourceRequest::new("get", "", "secrets"), true, &dev);
        assert!(w.grants.is_empty());
        let w = o.who_can(
            &ResourceRequest::new("get", "", "secrets"),
            true,
            &Scope::AllNamespaces,
        );
        assert_eq!(names(&w), ["User /bob via RoleBinding/prod/bob-reads"]);
    }

    #[test]
    fn cluster_scoped_requests_are_granted_by_cluster_role_bindings_only() {
        let o = objects();
        let w = o.who_can(
            &ResourceRequest::new("list", "", "nodes"),
            false,
            &Scope::Namespace("dev".into()),
        );
        assert_eq!(names(&w), ["User /dave via ClusterRoleBinding/ops"]);
        let w = o.who_can(
            &ResourceRequest::new("list", "", "pods"),
            true,
            &Scope::Namespace("dev".into()),
        );
        assert_eq!(names(&w), ["User /dave via ClusterRoleBinding/ops"]);
    }
}
