//! RBAC behaviour tests against an in-memory store seeded with the bootstrap policy.

use std::collections::BTreeSet;
use std::sync::Arc;

use serde_json::{Value, json};

use super::authorizer::RbacAuthorizer;
use super::bootstrap::{cluster_role_bindings, cluster_roles};
use super::escalation::{EscalationError, check_binding_write, check_role_write};
use super::impersonation::{ImpersonationError, ImpersonationRequest, impersonate};
use super::rules::*;
use crate::authn::identity::{RequestAttributes, UserInfo};
use crate::authn::tokens::serviceaccount::service_account_user;
use crate::authn::tokens::test_source::MemSource;
use crate::authz::{Authorizer, Decision};

fn res(
    verb: &str,
    group: &str,
    resource: &str,
    sub: &str,
    name: &str,
    ns: &str,
) -> RequestAttributes {
    RequestAttributes {
        verb: verb.into(),
        resource_request: true,
        namespace: ns.into(),
        api_group: group.into(),
        api_version: "v1".into(),
        resource: resource.into(),
        subresource: sub.into(),
        name: name.into(),
        ..Default::default()
    }
}

fn url(verb: &str, path: &str) -> RequestAttributes {
    RequestAttributes {
        verb: verb.into(),
        path: path.into(),
        ..Default::default()
    }
}

fn rule(v: Value) -> PolicyRule {
    serde_json::from_value(v).unwrap()
}

#[test]
fn verbs_groups_and_wildcards() {
    let r = rule(json!({"verbs": ["get", "list"], "apiGroups": [""], "resources": ["pods"]}));
    assert!(rule_allows(&res("get", "", "pods", "", "", "default"), &r));
    assert!(!rule_allows(
        &res("watch", "", "pods", "", "", "default"),
        &r
    ));
    assert!(
        !rule_allows(&res("Get", "", "pods", "", "", "default"), &r),
        "verbs are case-sensitive"
    );
    assert!(!rule_allows(
        &res("get", "apps", "pods", "", "", "default"),
        &r
    ));
    let star = rule(json!({"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]}));
    assert!(rule_allows(
        &res(
            "escalate",
            "rbac.authorization.k8s.io",
            "roles",
            "",
            "x",
            ""
        ),
        &star
    ));
    assert!(
        rule_allows(&res("get", "", "pods", "log", "web", "default"), &star),
        "* covers subresources"
    );
}

#[test]
fn subresources() {
    let pods = rule(json!({"verbs": ["get"], "apiGroups": [""], "resources": ["pods"]}));
    assert!(
        !rule_allows(&res("get", "", "pods", "log", "web", "default"), &pods),
        "pods does not grant pods/log"
    );
    let log = rule(json!({"verbs": ["get"], "apiGroups": [""], "resources": ["pods/log"]}));
    assert!(rule_allows(
        &res("get", "", "pods", "log", "web", "default"),
        &log
    ));
    assert!(!rule_allows(
        &res("get", "", "pods", "", "web", "default"),
        &log
    ));
    let any_log = rule(json!({"verbs": ["get"], "apiGroups": ["*"], "resources": ["*/log"]}));
    assert!(rule_allows(
        &res("get", "", "pods", "log", "web", "default"),
        &any_log
    ));
    assert!(rule_allows(
        &res("get", "", "nodes", "log", "n", ""),
        &any_log
    ));
    assert!(!rule_allows(
        &res("get", "", "pods", "exec", "web", "default"),
        &any_log
    ));
    assert!(!rule_allows(
        &res("get", "", "pods", "", "web", "default"),
        &any_log
    ));
    let pods_star = rule(json!({"verbs": ["get"], "apiGroups": [""], "resources": ["pods/*"]}));
    assert!(
        !rule_allows(&res("get", "", "pods", "log", "web", "default"), &pods_star),
        "pods/* is a literal"
    );
    let token = rule(
        json!({"verbs": ["create"], "apiGroups": [""], "resources": ["serviceaccounts/token"]}),
    );
    assert!(rule_allows(
        &res("create", "", "serviceaccounts", "token", "x", "default"),
        &token
    ));
}

#[test]
fn resource_names() {
    let r = rule(
        json!({"verbs": ["get", "list", "create"], "apiGroups": [""], "resources": ["secrets"], "resourceNames": ["foo"]}),
    );
    assert!(rule_allows(
        &res("get", "", "secrets", "", "foo", "default"),
        &r
    ));
    assert!(!rule_allows(
        &res("get", "", "secrets", "", "bar", "default"),
        &r
    ));
    assert!(
        !rule_allows(&res("list", "", "secrets", "", "", "default"), &r),
        "list without a name never matches"
    );
    assert!(
        rule_allows(&res("list", "", "secrets", "", "foo", "default"), &r),
        "list with metadata.name selector"
    );
    assert!(!rule_allows(
        &res("create", "", "secrets", "", "", "default"),
        &r
    ));
}

#[test]
fn non_resource_urls() {
    let r = rule(json!({"verbs": ["get"], "nonResourceURLs": ["/healthz/*", "/version"]}));
    assert!(rule_allows(&url("get", "/healthz/etcd"), &r));
    assert!(
        !rule_allows(&url("get", "/healthz"), &r),
        "/healthz/* does not match /healthz"
    );
    assert!(rule_allows(&url("get", "/version"), &r));
    assert!(!rule_allows(&url("get", "/version/"), &r));
    assert!(!rule_allows(&url("post", "/version"), &r));
    let all = rule(json!({"verbs": ["*"], "nonResourceURLs": ["*"]}));
    assert!(rule_allows(&url("delete", "/anything"), &all));
    // A resource rule never matches a non-resource request.
    let pods = rule(json!({"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]}));
    assert!(!rule_allows(&url("get", "/healthz"), &pods));
}

fn store() -> Arc<MemSource> {
    let s = Arc::new(MemSource::new());
    for r in cluster_roles() {
        s.put("clusterroles", r);
    }
    for b in cluster_role_bindings() {
        s.put("clusterrolebindings", b);
    }
    s.sa("default", "bearertokenauth", "uid-1");
    s
}

fn sa_user() -> UserInfo {
    service_account_user("default", "bearertokenauth", "uid-1")
}

fn with_user(mut a: RequestAttributes, u: &UserInfo) -> RequestAttributes {
    a.user = u.clone();
    a
}

fn tutorial_role_and_binding(s: &MemSource) {
    s.put("roles", json!({"metadata": {"name": "bearertokenauth", "namespace": "default"},
        "rules": [{"verbs": ["create", "get", "list", "update", "delete"], "apiGroups": [""], "resources": ["pods"]}]}));
    s.put("rolebindings", json!({"metadata": {"name": "bearertoken-binding-bearertokenauth", "namespace": "default"},
        "subjects": [{"kind": "ServiceAccount", "name": "bearertokenauth", "namespace": "default"}],
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "bearertokenauth"}}));
}

#[test]
fn tutorial_flow_forbidden_then_allowed_with_reason() {
    let s = store();
    let authz = RbacAuthorizer::new(s.clone());
    let list_pods = with_user(res("list", "", "pods", "", "", "default"), &sa_user());
    assert_eq!(
        authz.authorize(&list_pods),
        Decision::Deny {
            reason: String::new()
        }
    );
    tutorial_role_and_binding(&s);
    assert_eq!(authz.authorize(&list_pods), Decision::Allow);
    assert_eq!(
        authz.evaluate(&list_pods).reason,
        r#"RBAC: allowed by RoleBinding "bearertoken-binding-bearertokenauth/default" of Role "bearertokenauth" to ServiceAccount "bearertokenauth/default""#
    );
    // Only in that namespace, only those verbs.
    assert!(
        !authz
            .evaluate(&with_user(
                res("list", "", "pods", "", "", "kube-system"),
                &sa_user()
            ))
            .allowed
    );
    assert!(
        !authz
            .evaluate(&with_user(res("list", "", "pods", "", "", ""), &sa_user()))
            .allowed
    );
    assert!(
        !authz
            .evaluate(&with_user(
                res("watch", "", "pods", "", "", "default"),
                &sa_user()
            ))
            .allowed
    );
    // Another SA of the same name elsewhere is not bound.
    let other = service_account_user("dev", "bearertokenauth", "u2");
    assert!(
        !authz
            .evaluate(&with_user(
                res("list", "", "pods", "", "", "default"),
                &other
            ))
            .allowed
    );
}

#[test]
fn subjects_and_binding_kinds() {
    let s = store();
    let authz = RbacAuthorizer::new(s.clone());
    // RoleBinding to a ClusterRole grants only in its namespace; SA subject without namespace defaults to the binding's.
    s.put("rolebindings", json!({"metadata": {"name": "view-b", "namespace": "dev"},
        "subjects": [{"kind": "ServiceAccount", "name": "x"}],
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"}}));
    let x = service_account_user("dev", "x", "u");
    assert!(
        authz
            .evaluate(&with_user(res("get", "", "configmaps", "", "c", "dev"), &x))
            .allowed
    );
    assert!(
        !authz
            .evaluate(&with_user(
                res("get", "", "configmaps", "", "c", "default"),
                &x
            ))
            .allowed
    );
    assert!(
        !authz
            .evaluate(&with_user(res("list", "", "configmaps", "", "", ""), &x))
            .allowed
    );
    // Group subject system:serviceaccounts:NS.
    s.put("rolebindings", json!({"metadata": {"name": "grp", "namespace": "dev"},
        "subjects": [{"kind": "Group", "apiGroup": "rbac.authorization.k8s.io", "name": "system:serviceaccounts:dev"}],
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "edit"}}));
    let e = authz.evaluate(&with_user(res("create", "", "secrets", "", "", "dev"), &x));
    assert_eq!(
        e.reason,
        r#"RBAC: allowed by RoleBinding "grp/dev" of ClusterRole "edit" to Group "system:serviceaccounts:dev""#
    );
    // User subject, ClusterRoleBinding grants everywhere and at cluster scope.
    s.put("clusterrolebindings", json!({"metadata": {"name": "alice-view"},
        "subjects": [{"kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": "alice"}],
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"}}));
    let alice = UserInfo {
        username: "alice".into(),
        groups: vec!["system:authenticated".into()],
        ..Default::default()
    };
    assert!(
        authz
            .evaluate(&with_user(res("list", "", "pods", "", "", "any"), &alice))
            .allowed
    );
    let e = authz.evaluate(&with_user(
        res("list", "", "namespaces", "", "", ""),
        &alice,
    ));
    assert_eq!(
        e.reason,
        r#"RBAC: allowed by ClusterRoleBinding "alice-view" of ClusterRole "view" to User "alice""#
    );
    let bob = UserInfo {
        username: "Alice".into(),
        ..Default::default()
    };
    assert!(
        !authz
            .evaluate(&with_user(res("list", "", "pods", "", "", "any"), &bob))
            .allowed,
        "names are case-sensitive"
    );
    // A ClusterRoleBinding SA subject without namespace never matches.
    s.put("clusterrolebindings", json!({"metadata": {"name": "bad-sa"},
        "subjects": [{"kind": "ServiceAccount", "name": "x"}],
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"}}));
    assert!(
        !authz
            .evaluate(&with_user(res("delete", "", "nodes", "", "n", ""), &x))
            .allowed
    );
}

#[test]
fn missing_roles_become_the_reason() {
    let s = store();
    let authz = RbacAuthorizer::new(s.clone());
    s.put(
        "rolebindings",
        json!({"metadata": {"name": "rb", "namespace": "default"},
        "subjects": [{"kind": "ServiceAccount", "name": "bearertokenauth", "namespace": "default"}],
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "missing"}}),
    );
    let a = with_user(res("list", "", "pods", "", "", "default"), &sa_user());
    assert_eq!(
        authz.authorize(&a),
        Decision::Deny {
            reason: r#"RBAC: role.rbac.authorization.k8s.io "missing" not found"#.into()
        }
    );
    s.put("rolebindings", json!({"metadata": {"name": "rb2", "namespace": "default"},
        "subjects": [{"kind": "ServiceAccount", "name": "bearertokenauth"}],
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "gone"}}));
    assert_eq!(
        authz.evaluate(&a).reason,
        r#"RBAC: [role.rbac.authorization.k8s.io "missing" not found, clusterrole.rbac.authorization.k8s.io "gone" not found]"#
    );
    // Errors do not block grants from other bindings.
    tutorial_role_and_binding(&s);
    assert_eq!(authz.authorize(&a), Decision::Allow);
}

#[test]
fn system_masters_and_anonymous() {
    let s = store();
    let authz = RbacAuthorizer::new(s);
    let admin = UserInfo {
        username: "kubernetes-admin".into(),
        groups: vec!["system:masters".into(), "system:authenticated".into()],
        ..Default::default()
    };
    assert_eq!(
        authz.authorize(&with_user(
            res("delete", "", "namespaces", "", "x", ""),
            &admin
        )),
        Decision::Allow
    );
    assert_eq!(
        authz
            .evaluate(&with_user(
                res("delete", "", "namespaces", "", "x", ""),
                &admin
            ))
            .reason,
        r#"RBAC: allowed by ClusterRoleBinding "cluster-admin" of ClusterRole "cluster-admin" to Group "system:masters""#
    );
    let anon = UserInfo::anonymous();
    assert_eq!(
        authz.authorize(&with_user(url("get", "/version"), &anon)),
        Decision::Allow,
        "public-info-viewer"
    );
    assert!(
        matches!(
            authz.authorize(&with_user(url("get", "/api"), &anon)),
            Decision::Deny { .. }
        ),
        "discovery needs authentication"
    );
    assert!(matches!(
        authz.authorize(&with_user(
            res(
                "create",
                "authorization.k8s.io",
                "selfsubjectaccessreviews",
                "",
                "",
                ""
            ),
            &anon
        )),
        Decision::Deny { .. }
    ));
    let sa = sa_user();
    assert_eq!(
        authz.authorize(&with_user(url("get", "/api/v1"), &sa)),
        Decision::Allow
    );
    assert_eq!(
        authz.authorize(&with_user(url("get", "/openid/v1/jwks"), &sa)),
        Decision::Allow
    );
    let user = UserInfo {
        username: "u".into(),
        groups: vec!["system:authenticated".into()],
        ..Default::default()
    };
    assert!(
        matches!(
            authz.authorize(&with_user(url("get", "/openid/v1/jwks"), &user)),
            Decision::Deny { .. }
        ),
        "issuer discovery is for SAs only"
    );
    assert!(matches!(
        authz.authorize(&with_user(
            res(
                "get",
                "",
                "serviceaccounts",
                "",
                "bearertokenauth",
                "default"
            ),
            &sa
        )),
        Decision::Deny { .. }
    ));
    assert!(matches!(
        authz.authorize(&with_user(
            res(
                "create",
                "",
                "serviceaccounts",
                "token",
                "bearertokenauth",
                "default"
            ),
            &sa
        )),
        Decision::Deny { .. }
    ));
}

#[test]
fn bootstrap_objects_and_aggregation() {
    let roles = cluster_roles();
    let get = |n: &str| {
        roles
            .iter()
            .find(|r| r["metadata"]["name"] == n)
            .unwrap()
            .clone()
    };
    for r in roles.iter().chain(cluster_role_bindings().iter()) {
        assert_eq!(
            r["metadata"]["labels"]["kubernetes.io/bootstrapping"],
            "rbac-defaults"
        );
        assert_eq!(
            r["metadata"]["annotations"]["rbac.authorization.kubernetes.io/autoupdate"],
            "true"
        );
    }
    assert_eq!(
        get("cluster-admin")["rules"],
        json!([{"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]}, {"verbs": ["*"], "nonResourceURLs": ["*"]}])
    );
    let view = PolicyRule::list_from(&get("view"));
    let edit = PolicyRule::list_from(&get("edit"));
    let admin = PolicyRule::list_from(&get("admin"));
    assert_eq!(
        view,
        PolicyRule::list_from(&get("system:aggregate-to-view"))
    );
    // edit = aggregate-to-edit then view (name order); admin = edit then aggregate-to-admin.
    let mut expect_edit = PolicyRule::list_from(&get("system:aggregate-to-edit"));
    expect_edit.extend(view.iter().cloned());
    assert_eq!(edit, expect_edit);
    let mut expect_admin = edit.clone();
    expect_admin.extend(PolicyRule::list_from(&get("system:aggregate-to-admin")));
    assert_eq!(admin, expect_admin);
    assert_eq!(
        get("admin")["aggregationRule"]["clusterRoleSelectors"][0]["matchLabels"]["rbac.authorization.k8s.io/aggregate-to-admin"],
        "true"
    );
    let a = res("create", "", "serviceaccounts", "token", "x", "ns");
    assert!(edit.iter().any(|r| rule_allows(&a, r)));
    assert!(
        !view
            .iter()
            .any(|r| rule_allows(&res("get", "", "secrets", "", "x", "ns"), r)),
        "view cannot read secrets"
    );
    let crb = cluster_role_bindings();
    assert_eq!(
        crb[0]["subjects"],
        json!([{"kind": "Group", "apiGroup": "rbac.authorization.k8s.io", "name": "system:masters"}])
    );
}

/// `kubectl auth can-i --list` prints one line per resource (`resource.group`) or per URL;
/// this reproduces its breakdown so the test reads like the recorded output.
fn can_i_list_lines(status: &Value) -> BTreeSet<(String, String, String)> {
    let mut out = BTreeSet::new();
    for r in status["resourceRules"].as_array().unwrap() {
        for g in r["apiGroups"].as_array().unwrap() {
            for res in r["resources"].as_array().unwrap() {
                let g = g.as_str().unwrap();
                let name = if g.is_empty() {
                    res.as_str().unwrap().to_string()
                } else {
                    format!("{}.{g}", res.as_str().unwrap())
                };
                let verbs: Vec<&str> = r["verbs"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_str().unwrap())
                    .collect();
                out.insert((name, "[]".into(), format!("[{}]", verbs.join(" "))));
            }
        }
    }
    for r in status["nonResourceRules"].as_array().unwrap() {
        for u in r["nonResourceURLs"].as_array().unwrap() {
            let verbs: Vec<&str> = r["verbs"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap())
                .collect();
            out.insert((
                String::new(),
                format!("[{}]", u.as_str().unwrap()),
                format!("[{}]", verbs.join(" ")),
            ));
        }
    }
    out
}

#[test]
fn rules_review_for_bare_and_bound_service_account_matches_run_23() {
    let s = store();
    let authz = RbacAuthorizer::new(s.clone());
    let bare = authz.rules_review_status(&sa_user(), "default");
    assert_eq!(bare["incomplete"], false);
    assert!(bare.get("evaluationError").is_none());
    let urls = [
        "/.well-known/openid-configuration/",
        "/.well-known/openid-configuration",
        "/api/*",
        "/api",
        "/apis/*",
        "/apis",
        "/healthz",
        "/livez",
        "/openapi/*",
        "/openapi",
        "/openid/v1/jwks/",
        "/openid/v1/jwks",
        "/readyz",
        "/version/",
        "/version",
    ];
    let mut expected: BTreeSet<(String, String, String)> = [
        "selfsubjectreviews.authentication.k8s.io",
        "selfsubjectaccessreviews.authorization.k8s.io",
        "selfsubjectrulesreviews.authorization.k8s.io",
    ]
    .iter()
    .map(|r| (r.to_string(), "[]".to_string(), "[create]".to_string()))
    .collect();
    expected.extend(
        urls.iter()
            .map(|u| (String::new(), format!("[{u}]"), "[get]".to_string())),
    );
    assert_eq!(can_i_list_lines(&bare), expected);
    // After the tutorial's binding the pods line appears, verbs in the Role's order.
    tutorial_role_and_binding(&s);
    let bound = authz.rules_review_status(&sa_user(), "default");
    expected.insert((
        "pods".into(),
        "[]".into(),
        "[create get list update delete]".into(),
    ));
    assert_eq!(can_i_list_lines(&bound), expected);
    // Rule entries are per rule, with field order verbs, apiGroups, resources.
    let last = bound["resourceRules"].as_array().unwrap().last().unwrap();
    assert_eq!(
        last.to_string(),
        r#"{"verbs":["create","get","list","update","delete"],"apiGroups":[""],"resources":["pods"]}"#
    );
}

#[test]
fn rules_review_incomplete_and_errors() {
    let s = store();
    let authz = RbacAuthorizer::new(s.clone());
    s.put(
        "rolebindings",
        json!({"metadata": {"name": "rb", "namespace": "default"},
        "subjects": [{"kind": "ServiceAccount", "name": "bearertokenauth"}],
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "missing"}}),
    );
    let st = authz.rules_review_status(&sa_user(), "default");
    assert_eq!(st["incomplete"], false);
    assert_eq!(
        st["evaluationError"],
        r#"role.rbac.authorization.k8s.io "missing" not found"#
    );
    let node = UserInfo {
        username: "system:node:n1".into(),
        groups: vec!["system:nodes".into(), "system:authenticated".into()],
        ..Default::default()
    };
    let st = authz.rules_review_status(&node, "default");
    assert_eq!(st["incomplete"], true);
    assert_eq!(
        st["evaluationError"],
        "node authorizer does not support user rule resolution"
    );
}

#[test]
fn covers_and_compact_strings() {
    let owner = vec![rule(
        json!({"verbs": ["get", "list"], "apiGroups": [""], "resources": ["pods", "*/log"]}),
    )];
    assert!(covers(&owner, &[rule(json!({"verbs": ["get"], "apiGroups": [""], "resources": ["pods", "pods/log", "nodes/log"]}))]).0);
    let (ok, missing) = covers(
        &owner,
        &[rule(
            json!({"verbs": ["get", "delete"], "apiGroups": [""], "resources": ["pods"]}),
        )],
    );
    assert!(!ok);
    assert_eq!(missing.len(), 1);
    assert_eq!(
        missing[0].compact_string(),
        r#"{APIGroups:[""], Resources:["pods"], Verbs:["delete"]}"#
    );
    // An owner with resourceNames never covers a rule without them.
    let named = vec![rule(
        json!({"verbs": ["get"], "apiGroups": [""], "resources": ["secrets"], "resourceNames": ["a"]}),
    )];
    assert!(
        !covers(
            &named,
            &[rule(
                json!({"verbs": ["get"], "apiGroups": [""], "resources": ["secrets"]})
            )]
        )
        .0
    );
    assert!(covers(&named, &[rule(json!({"verbs": ["get"], "apiGroups": [""], "resources": ["secrets"], "resourceNames": ["a"]}))]).0);
    let urls = vec![rule(
        json!({"verbs": ["get"], "nonResourceURLs": ["/healthz/*"]}),
    )];
    assert!(
        covers(
            &urls,
            &[rule(
                json!({"verbs": ["get"], "nonResourceURLs": ["/healthz/x"]})
            )]
        )
        .0
    );
    assert!(
        !covers(
            &urls,
            &[rule(
                json!({"verbs": ["get"], "nonResourceURLs": ["/healthz"]})
            )]
        )
        .0
    );
    let compact = compact_rules(&breakdown(&rule(
        json!({"verbs": ["get", "list"], "apiGroups": ["", "apps"], "resources": ["x"], "resourceNames": ["n"]}),
    )));
    let strings: Vec<String> = compact.iter().map(PolicyRule::compact_string).collect();
    assert_eq!(
        strings,
        [
            r#"{APIGroups:[""], Resources:["x"], ResourceNames:["n"], Verbs:["get" "list"]}"#,
            r#"{APIGroups:["apps"], Resources:["x"], ResourceNames:["n"], Verbs:["get" "list"]}"#
        ]
    );
}

#[test]
fn escalation_prevention() {
    let s = store();
    let authz = RbacAuthorizer::new(s.clone());
    let dev = service_account_user("rbac", "privesc", "u");
    // dev may manage roles and bindings in `rbac` and list pods there, but not delete them.
    s.put("rolebindings", json!({"metadata": {"name": "m", "namespace": "rbac"},
        "subjects": [{"kind": "ServiceAccount", "name": "privesc", "namespace": "rbac"}],
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "rbac-manager"}}));
    // Not `*`: that would include the `escalate` and `bind` verbs.
    s.put("roles", json!({"metadata": {"name": "rbac-manager", "namespace": "rbac"}, "rules": [
        {"verbs": ["create", "update"], "apiGroups": ["rbac.authorization.k8s.io"], "resources": ["roles", "rolebindings"]},
        {"verbs": ["list"], "apiGroups": [""], "resources": ["pods"]}]}));
    let ok_role = json!({"metadata": {"name": "lister"}, "rules": [{"verbs": ["list"], "apiGroups": [""], "resources": ["pods"]}]});
    assert_eq!(check_role_write(&authz, &dev, "rbac", &ok_role), Ok(()));
    let bad_role = json!({"metadata": {"name": "nsadmin"}, "rules": [{"verbs": ["*"], "apiGroups": [""], "resources": ["*"]}]});
    let e = check_role_write(&authz, &dev, "rbac", &bad_role).unwrap_err();
    assert_eq!(
        e.to_string(),
        "roles.rbac.authorization.k8s.io \"nsadmin\" is forbidden: user \"system:serviceaccount:rbac:privesc\" (groups=[\"system:serviceaccounts\" \"system:serviceaccounts:rbac\" \"system:authenticated\"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:[\"\"], Resources:[\"*\"], Verbs:[\"*\"]}"
    );
    assert_eq!(
        e.to_status()["details"],
        json!({"name": "nsadmin", "group": "rbac.authorization.k8s.io", "kind": "roles"})
    );
    assert_eq!(e.to_status()["code"], 403);
    // Binding to a role granting delete pods.
    s.put("roles", json!({"metadata": {"name": "deleter", "namespace": "rbac"}, "rules": [{"verbs": ["delete", "list"], "apiGroups": [""], "resources": ["pods"]}]}));
    let binding = json!({"metadata": {"name": "delete-pod"}, "subjects": [{"kind": "ServiceAccount", "name": "privesc"}],
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "deleter"}});
    let e = check_binding_write(&authz, &dev, "rbac", &binding).unwrap_err();
    assert!(e.to_string().starts_with("rolebindings.rbac.authorization.k8s.io \"delete-pod\" is forbidden: user \"system:serviceaccount:rbac:privesc\""), "{e}");
    assert!(
        e.to_string().ends_with(
            "not currently held:\n{APIGroups:[\"\"], Resources:[\"pods\"], Verbs:[\"delete\"]}"
        ),
        "{e}"
    );
    // Missing role: 404 from the registry lookup.
    let missing = json!({"metadata": {"name": "b"}, "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "nope"}});
    assert_eq!(
        check_binding_write(&authz, &dev, "rbac", &missing).unwrap_err(),
        EscalationError::RoleNotFound {
            resource: "roles".into(),
            name: "nope".into()
        }
    );
    assert_eq!(
        EscalationError::RoleNotFound {
            resource: "roles".into(),
            name: "nope".into()
        }
        .to_string(),
        "roles.rbac.authorization.k8s.io \"nope\" not found"
    );
    // The `bind` verb on that role name is enough (and does not check existence); `escalate` likewise for roles.
    s.put("roles", json!({"metadata": {"name": "binder", "namespace": "rbac"}, "rules": [
        {"verbs": ["bind"], "apiGroups": ["rbac.authorization.k8s.io"], "resources": ["roles"], "resourceNames": ["nope", "deleter"]},
        {"verbs": ["escalate"], "apiGroups": ["rbac.authorization.k8s.io"], "resources": ["roles"], "resourceNames": ["nsadmin"]}]}));
    s.put(
        "rolebindings",
        json!({"metadata": {"name": "binder", "namespace": "rbac"},
        "subjects": [{"kind": "ServiceAccount", "name": "privesc", "namespace": "rbac"}],
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "binder"}}),
    );
    assert_eq!(check_binding_write(&authz, &dev, "rbac", &missing), Ok(()));
    assert_eq!(check_binding_write(&authz, &dev, "rbac", &binding), Ok(()));
    assert_eq!(check_role_write(&authz, &dev, "rbac", &bad_role), Ok(()));
    // cluster-admin style holders and system:masters pass.
    let admin = UserInfo {
        username: "kubernetes-admin".into(),
        groups: vec!["system:masters".into()],
        ..Default::default()
    };
    assert_eq!(
        check_role_write(
            &authz,
            &admin,
            "",
            &json!({"metadata": {"name": "x"}, "rules": [{"verbs": ["*"], "nonResourceURLs": ["*"]}]})
        ),
        Ok(())
    );
    s.put("clusterrolebindings", json!({"metadata": {"name": "root"}, "subjects": [{"kind": "User", "name": "root"}],
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"}}));
    let root = UserInfo {
        username: "root".into(),
        groups: vec!["system:authenticated".into()],
        ..Default::default()
    };
    assert_eq!(
        check_binding_write(
            &authz,
            &root,
            "",
            &json!({"metadata": {"name": "y"}, "roleRef": {"kind": "ClusterRole", "name": "cluster-admin"}})
        ),
        Ok(())
    );
}

#[test]
fn impersonation_checks() {
    let s = store();
    let authz = RbacAuthorizer::new(s.clone());
    let admin = UserInfo {
        username: "kubernetes-admin".into(),
        groups: vec!["system:masters".into(), "system:authenticated".into()],
        ..Default::default()
    };
    let req = ImpersonationRequest {
        user: Some("system:serviceaccount:default:bearertokenauth".into()),
        ..Default::default()
    };
    let u = impersonate(&authz, &admin, &req).unwrap().unwrap();
    assert_eq!(u.username, "system:serviceaccount:default:bearertokenauth");
    assert_eq!(
        u.groups,
        [
            "system:serviceaccounts",
            "system:serviceaccounts:default",
            "system:authenticated"
        ]
    );
    assert_eq!(
        impersonate(&authz, &admin, &ImpersonationRequest::default()).unwrap(),
        None
    );
    let u = impersonate(
        &authz,
        &admin,
        &ImpersonationRequest {
            user: Some("jane".into()),
            groups: vec!["devs".into()],
            ..Default::default()
        },
    )
    .unwrap()
    .unwrap();
    assert_eq!(u.groups, ["devs", "system:authenticated"]);
    let u = impersonate(
        &authz,
        &admin,
        &ImpersonationRequest {
            user: Some("system:anonymous".into()),
            ..Default::default()
        },
    )
    .unwrap()
    .unwrap();
    assert_eq!(u.groups, ["system:unauthenticated"]);
    // A bare SA may not impersonate; the failed check names the attribute.
    let sa = sa_user();
    let Err(ImpersonationError::Forbidden { attrs, .. }) = impersonate(
        &authz,
        &sa,
        &ImpersonationRequest {
            user: Some("jane".into()),
            ..Default::default()
        },
    ) else {
        panic!()
    };
    assert_eq!(
        (
            attrs.verb.as_str(),
            attrs.resource.as_str(),
            attrs.name.as_str(),
            attrs.namespace.as_str()
        ),
        ("impersonate", "users", "jane", "")
    );
    let Err(ImpersonationError::Forbidden { attrs, .. }) = impersonate(&authz, &sa, &req) else {
        panic!()
    };
    assert_eq!(
        (
            attrs.resource.as_str(),
            attrs.namespace.as_str(),
            attrs.name.as_str()
        ),
        ("serviceaccounts", "default", "bearertokenauth")
    );
    // `edit` grants impersonating service accounts in its namespace, but not users or groups.
    s.put("rolebindings", json!({"metadata": {"name": "e", "namespace": "default"}, "subjects": [{"kind": "ServiceAccount", "name": "bearertokenauth"}],
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "edit"}}));
    let other = ImpersonationRequest {
        user: Some("system:serviceaccount:default:other".into()),
        ..Default::default()
    };
    assert!(impersonate(&authz, &sa, &other).is_ok());
    let with_group = ImpersonationRequest {
        groups: vec!["system:masters".into()],
        ..other.clone()
    };
    let Err(ImpersonationError::Forbidden { attrs, .. }) = impersonate(&authz, &sa, &with_group)
    else {
        panic!()
    };
    assert_eq!(
        (attrs.resource.as_str(), attrs.name.as_str()),
        ("groups", "system:masters")
    );
    assert!(matches!(
        impersonate(
            &authz,
            &admin,
            &ImpersonationRequest {
                groups: vec!["g".into()],
                ..Default::default()
            }
        ),
        Err(ImpersonationError::MissingUser(_))
    ));
}

/// Decisions are cached per request attributes (and the rules they come from per user and
/// namespace), yet every change to a Role or RoleBinding in the store takes effect on the very
/// next decision.
#[test]
fn cached_decisions_follow_every_rbac_change_at_once() {
    use crate::api::registry;
    use crate::store::{DeleteOptions, Store, WriteOptions};
    let store = Arc::new(Store::new(
        "-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n",
    ));
    let authz = RbacAuthorizer::new(store.clone());
    let def = |p: &str| registry::find_plural(p).unwrap();
    let alice = UserInfo {
        username: "alice".into(),
        groups: vec!["system:authenticated".into()],
        ..Default::default()
    };
    let get_pods = with_user(res("get", "", "pods", "", "web", "default"), &alice);
    let allowed = || authz.evaluate(&get_pods).allowed;
    let role = |verbs: &[&str]| {
        json!({"metadata": {"name": "reader", "namespace": "default"},
            "rules": [{"verbs": verbs, "apiGroups": [""], "resources": ["pods"]}]})
    };
    let w = WriteOptions::default();
    assert!(!allowed());
    assert!(!allowed(), "denied again (from the cache)");
    store
        .create(def("roles"), "default", role(&["get"]), &w)
        .unwrap();
    assert!(!allowed(), "a role alone grants nothing");
    let binding = json!({"metadata": {"name": "reader", "namespace": "default"},
        "subjects": [{"kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": "alice"}],
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "reader"}});
    store
        .create(def("rolebindings"), "default", binding, &w)
        .unwrap();
    assert!(allowed(), "the binding takes effect at once");
    assert!(allowed(), "allowed again (from the cache)");
    assert_eq!(
        authz.evaluate(&get_pods).reason,
        "RBAC: allowed by RoleBinding \"reader/default\" of Role \"reader\" to User \"alice\""
    );
    store
        .update(def("roles"), "default", "reader", role(&["list"]), &w)
        .unwrap();
    assert!(!allowed(), "the role's new rules take effect at once");
    // A decision not made before reads the rules again too (they are kept per user and
    // namespace, like decisions, until a change).
    let list_pods = with_user(res("list", "", "pods", "", "", "default"), &alice);
    assert!(
        authz.evaluate(&list_pods).allowed,
        "rules read before the change"
    );
    store
        .update(def("roles"), "default", "reader", role(&["get"]), &w)
        .unwrap();
    assert!(allowed());
    store
        .delete(
            def("rolebindings"),
            "default",
            "reader",
            &DeleteOptions::default(),
        )
        .unwrap();
    assert!(!allowed(), "deleting the binding takes effect at once");
}
