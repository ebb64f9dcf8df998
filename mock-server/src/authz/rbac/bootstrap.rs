//! The ClusterRoles and ClusterRoleBindings a fresh cluster has
//! (`plugin/pkg/auth/authorizer/rbac/bootstrappolicy/policy.go`, its `testdata/cluster-roles.yaml`),
//! with `admin`/`edit`/`view` already aggregated as the clusterrole-aggregation controller
//! leaves them. JSON objects for the store to seed.

use serde_json::{Value, json};

use super::rules::PolicyRule;

const BOOTSTRAP_LABEL: &str = "kubernetes.io/bootstrapping";
const AUTOUPDATE: &str = "rbac.authorization.kubernetes.io/autoupdate";
const AGG_ADMIN: &str = "rbac.authorization.k8s.io/aggregate-to-admin";
const AGG_EDIT: &str = "rbac.authorization.k8s.io/aggregate-to-edit";
const AGG_VIEW: &str = "rbac.authorization.k8s.io/aggregate-to-view";

fn r(groups: &[&str], resources: &[&str], verbs: &[&str]) -> PolicyRule {
    PolicyRule::resource(groups, resources, verbs)
}

const RW: &[&str] = &["create", "delete", "deletecollection", "patch", "update"];
const RO: &[&str] = &["get", "list", "watch"];

struct Def {
    name: &'static str,
    extra_labels: &'static [&'static str],
    aggregate_from: Option<&'static str>,
    rules: Vec<PolicyRule>,
}

fn definitions() -> Vec<Def> {
    vec![
        Def {
            name: "admin",
            extra_labels: &[],
            aggregate_from: Some(AGG_ADMIN),
            rules: vec![],
        },
        Def {
            name: "cluster-admin",
            extra_labels: &[],
            aggregate_from: None,
            rules: vec![
                r(&["*"], &["*"], &["*"]),
                PolicyRule::non_resource(&["*"], &["*"]),
            ],
        },
        Def {
            name: "edit",
            extra_labels: &[AGG_ADMIN],
            aggregate_from: Some(AGG_EDIT),
            rules: vec![],
        },
        Def {
            name: "system:aggregate-to-admin",
            extra_labels: &[AGG_ADMIN],
            aggregate_from: None,
            rules: vec![
                r(
                    &["authorization.k8s.io"],
                    &["localsubjectaccessreviews"],
                    &["create"],
                ),
                r(
                    &["rbac.authorization.k8s.io"],
                    &["rolebindings", "roles"],
                    &[
                        "create",
                        "delete",
                        "deletecollection",
                        "get",
                        "list",
                        "patch",
                        "update",
                        "watch",
                    ],
                ),
            ],
        },
        Def {
            name: "system:aggregate-to-edit",
            extra_labels: &[AGG_EDIT],
            aggregate_from: None,
            rules: vec![
                r(
                    &[""],
                    &[
                        "pods/attach",
                        "pods/exec",
                        "pods/portforward",
                        "pods/proxy",
                        "secrets",
                        "services/proxy",
                    ],
                    RO,
                ),
                r(&[""], &["serviceaccounts"], &["impersonate"]),
                r(
                    &[""],
                    &[
                        "pods",
                        "pods/attach",
                        "pods/exec",
                        "pods/portforward",
                        "pods/proxy",
                    ],
                    RW,
                ),
                r(&[""], &["pods/eviction"], &["create"]),
                r(
                    &[""],
                    &[
                        "configmaps",
                        "events",
                        "persistentvolumeclaims",
                        "replicationcontrollers",
                        "replicationcontrollers/scale",
                        "secrets",
                        "serviceaccounts",
                        "services",
                        "services/proxy",
                    ],
                    RW,
                ),
                r(&[""], &["serviceaccounts/token"], &["create"]),
                r(
                    &["apps"],
                    &[
                        "daemonsets",
                        "deployments",
                        "deployments/rollback",
                        "deployments/scale",
                        "replicasets",
                        "replicasets/scale",
                        "statefulsets",
                        "statefulsets/scale",
                    ],
                    RW,
                ),
                r(&["autoscaling"], &["horizontalpodautoscalers"], RW),
                r(&["batch"], &["cronjobs", "jobs"], RW),
                r(
                    &["extensions"],
                    &[
                        "daemonsets",
                        "deployments",
                        "deployments/rollback",
                        "deployments/scale",
                        "ingresses",
                        "networkpolicies",
                        "replicasets",
                        "replicasets/scale",
                        "replicationcontrollers/scale",
                    ],
                    RW,
                ),
                r(&["policy"], &["poddisruptionbudgets"], RW),
                r(
                    &["networking.k8s.io"],
                    &["ingresses", "networkpolicies"],
                    RW,
                ),
                r(
                    &["coordination.k8s.io"],
                    &["leases"],
                    &[
                        "create",
                        "delete",
                        "deletecollection",
                        "get",
                        "list",
                        "patch",
                        "update",
                        "watch",
                    ],
                ),
            ],
        },
        Def {
            name: "system:aggregate-to-view",
            extra_labels: &[AGG_VIEW],
            aggregate_from: None,
            rules: vec![
                r(
                    &[""],
                    &[
                        "configmaps",
                        "endpoints",
                        "persistentvolumeclaims",
                        "persistentvolumeclaims/status",
                        "pods",
                        "replicationcontrollers",
                        "replicationcontrollers/scale",
                        "serviceaccounts",
                        "services",
                        "services/status",
                    ],
                    RO,
                ),
                r(
                    &[""],
                    &[
                        "bindings",
                        "events",
                        "limitranges",
                        "namespaces/status",
                        "pods/log",
                        "pods/status",
                        "replicationcontrollers/status",
                        "resourcequotas",
                        "resourcequotas/status",
                    ],
                    RO,
                ),
                r(&[""], &["namespaces"], RO),
                r(&["discovery.k8s.io"], &["endpointslices"], RO),
                r(
                    &["apps"],
                    &[
                        "controllerrevisions",
                        "daemonsets",
                        "daemonsets/status",
                        "deployments",
                        "deployments/scale",
                        "deployments/status",
                        "replicasets",
                        "replicasets/scale",
                        "replicasets/status",
                        "statefulsets",
                        "statefulsets/scale",
                        "statefulsets/status",
                    ],
                    RO,
                ),
                r(
                    &["autoscaling"],
                    &[
                        "horizontalpodautoscalers",
                        "horizontalpodautoscalers/status",
                    ],
                    RO,
                ),
                r(
                    &["batch"],
                    &["cronjobs", "cronjobs/status", "jobs", "jobs/status"],
                    RO,
                ),
                r(
                    &["extensions"],
                    &[
                        "daemonsets",
                        "daemonsets/status",
                        "deployments",
                        "deployments/scale",
                        "deployments/status",
                        "ingresses",
                        "ingresses/status",
                        "networkpolicies",
                        "replicasets",
                        "replicasets/scale",
                        "replicasets/status",
                        "replicationcontrollers/scale",
                    ],
                    RO,
                ),
                r(
                    &["policy"],
                    &["poddisruptionbudgets", "poddisruptionbudgets/status"],
                    RO,
                ),
                r(
                    &["networking.k8s.io"],
                    &["ingresses", "ingresses/status", "networkpolicies"],
                    RO,
                ),
            ],
        },
        Def {
            name: "system:auth-delegator",
            extra_labels: &[],
            aggregate_from: None,
            rules: vec![
                r(&["authentication.k8s.io"], &["tokenreviews"], &["create"]),
                r(
                    &["authorization.k8s.io"],
                    &["subjectaccessreviews"],
                    &["create"],
                ),
            ],
        },
        Def {
            name: "system:basic-user",
            extra_labels: &[],
            aggregate_from: None,
            rules: vec![
                r(
                    &["authorization.k8s.io"],
                    &["selfsubjectaccessreviews", "selfsubjectrulesreviews"],
                    &["create"],
                ),
                r(
                    &["authentication.k8s.io"],
                    &["selfsubjectreviews"],
                    &["create"],
                ),
            ],
        },
        Def {
            name: "system:discovery",
            extra_labels: &[],
            aggregate_from: None,
            rules: vec![PolicyRule::non_resource(
                &[
                    "/api",
                    "/api/*",
                    "/apis",
                    "/apis/*",
                    "/healthz",
                    "/livez",
                    "/openapi",
                    "/openapi/*",
                    "/readyz",
                    "/version",
                    "/version/",
                ],
                &["get"],
            )],
        },
        Def {
            name: "system:public-info-viewer",
            extra_labels: &[],
            aggregate_from: None,
            rules: vec![PolicyRule::non_resource(
                &["/healthz", "/livez", "/readyz", "/version", "/version/"],
                &["get"],
            )],
        },
        Def {
            name: "system:service-account-issuer-discovery",
            extra_labels: &[],
            aggregate_from: None,
            // Newer releases also list the trailing-slash forms (as a 1.32 cluster shows in `auth can-i --list`).
            rules: vec![PolicyRule::non_resource(
                &[
                    "/.well-known/openid-configuration",
                    "/.well-known/openid-configuration/",
                    "/openid/v1/jwks",
                    "/openid/v1/jwks/",
                ],
                &["get"],
            )],
        },
        Def {
            name: "view",
            extra_labels: &[AGG_EDIT],
            aggregate_from: Some(AGG_VIEW),
            rules: vec![],
        },
    ]
}

/// Fill aggregated roles as the clusterrole-aggregation controller does: the rules of every
/// ClusterRole whose labels match, taken in name order, without duplicates.
fn aggregate(defs: &mut [Def]) {
    // view feeds edit feeds admin: iterate to a fixed point.
    for _ in 0..defs.len() {
        let snapshot: Vec<(&'static str, &'static [&'static str], Vec<PolicyRule>)> = defs
            .iter()
            .map(|d| (d.name, d.extra_labels, d.rules.clone()))
            .collect();
        for d in defs.iter_mut() {
            let Some(label) = d.aggregate_from else {
                continue;
            };
            let mut sources: Vec<_> = snapshot
                .iter()
                .filter(|(n, labels, _)| *n != d.name && labels.contains(&label))
                .collect();
            sources.sort_by_key(|(n, _, _)| *n);
            let mut rules: Vec<PolicyRule> = Vec::new();
            for (_, _, rs) in sources {
                for rule in rs {
                    if !rules.contains(rule) {
                        rules.push(rule.clone());
                    }
                }
            }
            d.rules = rules;
        }
    }
}

/// The bootstrap ClusterRoles, as JSON objects (name order).
pub fn cluster_roles() -> Vec<Value> {
    let mut defs = definitions();
    aggregate(&mut defs);
    defs.iter()
        .map(|d| {
            let mut labels = serde_json::Map::new();
            labels.insert(BOOTSTRAP_LABEL.into(), json!("rbac-defaults"));
            for l in d.extra_labels {
                labels.insert((*l).into(), json!("true"));
            }
            let mut obj = serde_json::Map::new();
            obj.insert("kind".into(), json!("ClusterRole"));
            obj.insert("apiVersion".into(), json!("rbac.authorization.k8s.io/v1"));
            obj.insert(
                "metadata".into(),
                json!({"name": d.name, "labels": Value::Object(labels), "annotations": {AUTOUPDATE: "true"}}),
            );
            obj.insert("rules".into(), Value::Array(d.rules.iter().map(PolicyRule::to_json).collect()));
            if let Some(label) = d.aggregate_from {
                obj.insert("aggregationRule".into(), json!({"clusterRoleSelectors": [{"matchLabels": {label: "true"}}]}));
            }
            Value::Object(obj)
        })
        .collect()
}

/// The bootstrap ClusterRoleBindings, as JSON objects.
pub fn cluster_role_bindings() -> Vec<Value> {
    let binding = |name: &str, groups: &[&str]| {
        json!({
            "kind": "ClusterRoleBinding",
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "metadata": {"name": name, "labels": {BOOTSTRAP_LABEL: "rbac-defaults"}, "annotations": {AUTOUPDATE: "true"}},
            "subjects": groups.iter().map(|g| json!({"kind": "Group", "apiGroup": "rbac.authorization.k8s.io", "name": g})).collect::<Vec<_>>(),
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": name},
        })
    };
    vec![
        binding("cluster-admin", &["system:masters"]),
        binding("system:basic-user", &["system:authenticated"]),
        binding("system:discovery", &["system:authenticated"]),
        binding(
            "system:public-info-viewer",
            &["system:authenticated", "system:unauthenticated"],
        ),
        binding(
            "system:service-account-issuer-discovery",
            &["system:serviceaccounts"],
        ),
    ]
}
