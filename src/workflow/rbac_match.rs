//! RBAC rule matching as the kube-apiserver's RBAC authorizer does it, written from
//! `plugin/pkg/auth/authorizer/rbac/rbac.go` (`RuleAllows`), `pkg/apis/rbac/v1/evaluation_helpers.go`
//! (`VerbMatches`, `APIGroupMatches`, `ResourceMatches`, `ResourceNameMatches`) and
//! `pkg/registry/rbac/validation/rule.go` (`VisitRulesFor`: which bindings count for a
//! namespace, `GetRoleReferenceRules`: what a `roleRef` points at).
//!
//! RBAC only ever allows; a request no rule matches is simply not allowed. Wildcards are
//! the literal `*` (verbs, API groups, resources) and `*/SUBRESOURCE` (that subresource of
//! every resource). A rule with `resourceNames` matches only requests that name one of
//! them, so it never matches a request without a name (a `list`, a `create`, or
//! `auth can-i get pods` without a name).

use crate::api::rbac::PolicyRule;
use crate::api::review::ResourceRule;

/// The `*` that matches every verb, API group or resource.
pub const ALL: &str = "*";

/// The attributes of a resource request, as the authorizer sees them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ResourceRequest {
    /// `get`, `list`, `create`, ...
    pub verb: String,
    /// API group (`""` = core).
    pub group: String,
    /// Plural resource, e.g. `pods`.
    pub resource: String,
    /// Subresource, e.g. `log` (empty for none).
    pub subresource: String,
    /// Object name (empty when the request names none).
    pub name: String,
    /// Namespace (empty for cluster-scoped requests and all-namespace lists).
    pub namespace: String,
}

impl ResourceRequest {
    /// `verb` on `resource` (which may be `resource/subresource`) in `group`.
    pub fn new(verb: &str, group: &str, resource: &str) -> Self {
        let (resource, subresource) = match resource.split_once('/') {
            Some((r, s)) => (r, s),
            None => (resource, ""),
        };
        ResourceRequest {
            verb: verb.into(),
            group: group.into(),
            resource: resource.into(),
            subresource: subresource.into(),
            ..Default::default()
        }
    }

    /// The same request for the object `name` (empty = no name).
    pub fn named(mut self, name: &str) -> Self {
        self.name = name.into();
        self
    }

    /// The same request in `namespace` (empty = cluster scope).
    pub fn in_namespace(mut self, namespace: &str) -> Self {
        self.namespace = namespace.into();
        self
    }

    /// `resource/subresource`, or `resource` alone: what rules list.
    pub fn combined_resource(&self) -> String {
        if self.subresource.is_empty() {
            self.resource.clone()
        } else {
            format!("{}/{}", self.resource, self.subresource)
        }
    }
}

/// The parts of a rule that matter for resource requests; both a Role's [`PolicyRule`]
/// and a rules review's [`ResourceRule`] have them.
pub trait RuleParts {
    /// Verbs.
    fn verbs(&self) -> &[String];
    /// API groups.
    fn api_groups(&self) -> &[String];
    /// Resources (`pods`, `pods/log`, `*`, `*/scale`).
    fn resources(&self) -> &[String];
    /// Object names the rule is limited to (empty = any).
    fn resource_names(&self) -> &[String];
}

impl RuleParts for PolicyRule {
    fn verbs(&self) -> &[String] {
        &self.verbs
    }
    fn api_groups(&self) -> &[String] {
        &self.api_groups
    }
    fn resources(&self) -> &[String] {
        &self.resources
    }
    fn resource_names(&self) -> &[String] {
        &self.resource_names
    }
}

impl RuleParts for ResourceRule {
    fn verbs(&self) -> &[String] {
        &self.verbs
    }
    fn api_groups(&self) -> &[String] {
        &self.api_groups
    }
    fn resources(&self) -> &[String] {
        &self.resources
    }
    fn resource_names(&self) -> &[String] {
        &self.resource_names
    }
}

/// `VerbMatches`: the rule lists `*` or the verb.
pub fn verb_matches(rule: &impl RuleParts, verb: &str) -> bool {
    rule.verbs().iter().any(|v| v == ALL || v == verb)
}

/// `APIGroupMatches`: the rule lists `*` or the group.
pub fn api_group_matches(rule: &impl RuleParts, group: &str) -> bool {
    rule.api_groups().iter().any(|g| g == ALL || g == group)
}

/// `ResourceMatches`: the rule lists `*`, the combined `resource/subresource`, or
/// `*/subresource` (only when the request has a subresource).
pub fn resource_matches(rule: &impl RuleParts, combined: &str, subresource: &str) -> bool {
    rule.resources().iter().any(|r| {
        r == ALL
            || r == combined
            || (!subresource.is_empty() && r.strip_prefix("*/") == Some(subresource))
    })
}

/// `ResourceNameMatches`: an unrestricted rule, or one listing the requested name
/// (a request without a name never matches a restricted rule).
pub fn resource_name_matches(rule: &impl RuleParts, name: &str) -> bool {
    let names = rule.resource_names();
    names.is_empty() || names.iter().any(|n| n == name)
}

/// `RuleAllows` for a resource request.
pub fn rule_allows(rule: &impl RuleParts, req: &ResourceRequest) -> bool {
    verb_matches(rule, &req.verb)
        && api_group_matches(rule, &req.group)
        && resource_matches(rule, &req.combined_resource(), &req.subresource)
        && resource_name_matches(rule, &req.name)
}

/// Whether any of `rules` allows `req`.
pub fn rules_allow<R: RuleParts>(rules: &[R], req: &ResourceRequest) -> bool {
    rules.iter().any(|r| rule_allows(r, req))
}

/// What a binding's `roleRef` points at (`GetRoleReferenceRules`): the binding's
/// namespace decides where a `Role` is looked up. The `apiGroup` is not checked, as
/// the authorizer does not check it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RoleKey {
    /// `Role` NAME in NAMESPACE.
    Role {
        /// The binding's namespace.
        namespace: String,
        /// Role name.
        name: String,
    },
    /// `ClusterRole` NAME.
    ClusterRole(String),
}

impl RoleKey {
    /// The role a binding in `binding_namespace` (empty for a ClusterRoleBinding) refers
    /// to with `kind`/`name`; `None` for a kind RBAC does not know (the authorizer
    /// reports "unsupported role reference kind" and skips the binding). A
    /// ClusterRoleBinding can only refer to a ClusterRole.
    pub fn for_binding(binding_namespace: &str, kind: &str, name: &str) -> Option<RoleKey> {
        match kind {
            "Role" if !binding_namespace.is_empty() => Some(RoleKey::Role {
                namespace: binding_namespace.into(),
                name: name.into(),
            }),
            "ClusterRole" => Some(RoleKey::ClusterRole(name.into())),
            _ => None,
        }
    }

    /// `Role/NAME` or `ClusterRole/NAME`.
    pub fn describe(&self) -> String {
        match self {
            RoleKey::Role { name, .. } => format!("Role/{name}"),
            RoleKey::ClusterRole(name) => format!("ClusterRole/{name}"),
        }
    }
}

/// `VisitRulesFor`'s choice of bindings: every ClusterRoleBinding counts; a
/// RoleBinding counts only for requests in its own namespace (never for cluster-scoped
/// requests, whose namespace is empty).
pub fn role_binding_counts(binding_namespace: &str, request_namespace: &str) -> bool {
    !request_namespace.is_empty() && binding_namespace == request_namespace
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(verbs: &[&str], groups: &[&str], resources: &[&str], names: &[&str]) -> PolicyRule {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect();
        PolicyRule {
            verbs: s(verbs),
            api_groups: s(groups),
            resources: s(resources),
            resource_names: s(names),
            non_resource_urls: vec![],
        }
    }

    fn req(verb: &str, group: &str, resource: &str) -> ResourceRequest {
        ResourceRequest::new(verb, group, resource)
    }

    #[test]
    fn exact_and_wildcard_verbs_groups_resources() {
        let r = rule(&["get", "list"], &[""], &["pods"], &[]);
        assert!(rule_allows(&r, &req("get", "", "pods")));
        assert!(!rule_allows(&r, &req("delete", "", "pods")));
        assert!(!rule_allows(&r, &req("get", "apps", "pods")));
        assert!(!rule_allows(&r, &req("get", "", "secrets")));
        let all = rule(&["*"], &["*"], &["*"], &[]);
        assert!(rule_allows(
            &all,
            &req("deletecollection", "apps", "deployments")
        ));
        assert!(rule_allows(&all, &req("get", "", "pods/log")));
        // A `*` in the request only matches a `*` in the rule: asking "may I do
        // everything" is not answered yes by a list of verbs.
        assert!(!rule_allows(&r, &req("*", "", "pods")));
        assert!(rule_allows(&all, &req("*", "*", "*")));
    }

    #[test]
    fn subresources_need_their_own_rule_or_a_star_slash_rule() {
        let pods = rule(&["get"], &[""], &["pods"], &[]);
        assert!(!rule_allows(&pods, &req("get", "", "pods/log")));
        let log = rule(&["get"], &[""], &["pods/log"], &[]);
        assert!(rule_allows(&log, &req("get", "", "pods/log")));
        assert!(!rule_allows(&log, &req("get", "", "pods")));
        let any_log = rule(&["get"], &[""], &["*/log"], &[]);
        assert!(rule_allows(&any_log, &req("get", "", "pods/log")));
        assert!(rule_allows(&any_log, &req("get", "", "nodes/log")));
        assert!(!rule_allows(&any_log, &req("get", "", "pods/exec")));
        assert!(!rule_allows(&any_log, &req("get", "", "pods")));
        // `*/log` is not a prefix match on longer subresources.
        assert!(!rule_allows(&any_log, &req("get", "", "pods/logs")));
    }

    #[test]
    fn resource_names_restrict_and_never_match_a_request_without_a_name() {
        let r = rule(&["get", "update"], &[""], &["configmaps"], &["app-config"]);
        assert!(rule_allows(
            &r,
            &req("get", "", "configmaps").named("app-config")
        ));
        assert!(!rule_allows(
            &r,
            &req("get", "", "configmaps").named("other")
        ));
        assert!(!rule_allows(&r, &req("get", "", "configmaps")));
        let unrestricted = rule(&["get"], &[""], &["configmaps"], &[]);
        assert!(rule_allows(
            &unrestricted,
            &req("get", "", "configmaps").named("x")
        ));
    }

    #[test]
    fn role_references_and_binding_scope() {
        assert_eq!(
            RoleKey::for_binding("dev", "Role", "r"),
            Some(RoleKey::Role {
                namespace: "dev".into(),
                name: "r".into()
            })
        );
        assert_eq!(
            RoleKey::for_binding("dev", "ClusterRole", "view"),
            Some(RoleKey::ClusterRole("view".into()))
        );
        assert_eq!(RoleKey::for_binding("", "Role", "r"), None);
        assert_eq!(RoleKey::for_binding("dev", "Group", "r"), None);
        assert!(role_binding_counts("dev", "dev"));
        assert!(!role_binding_counts("dev", "prod"));
        assert!(!role_binding_counts("dev", ""));
    }

    #[test]
    fn rules_review_rules_match_the_same_way() {
        let rr = ResourceRule {
            verbs: vec!["list".into()],
            api_groups: vec!["apps".into()],
            resources: vec!["deployments".into()],
            resource_names: vec![],
        };
        assert!(rules_allow(
            std::slice::from_ref(&rr),
            &req("list", "apps", "deployments")
        ));
        assert!(!rules_allow(&[rr], &req("list", "", "deployments")));
    }
}
